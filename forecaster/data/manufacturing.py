"""Readers for the manufacturing benchmark sets laid out like `../shared/benchmarks/manufacturing`.

- `ai4i2020/ai4i2020.csv`: AI4I 2020 predictive maintenance (UCI, CC BY 4.0), CSV with a BOM.
- `cmapss-FD001/{train,test,RUL}_FD001.txt`: NASA C-MAPSS FD001 (unit, cycle, 3 settings, 21 sensors).
- `steel-plates-faults/SteelPlatesFaults_Clean.csv`: Steel Plates Faults (UCI, CC BY 4.0), 27 features
  and 7 one-hot fault columns.
Plain csv/numpy readers: no pandas needed at run time.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

AI4I_COLUMNS = {
    "air_temperature_k": "Air temperature [K]",
    "process_temperature_k": "Process temperature [K]",
    "rotational_speed_rpm": "Rotational speed [rpm]",
    "torque_nm": "Torque [Nm]",
    "tool_wear_min": "Tool wear [min]",
}
STEEL_FAULTS = ("Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults")


@dataclass(frozen=True)
class Ai4iData:
    signals: dict[str, np.ndarray]  # AI4I_COLUMNS keys -> [N]
    duty_class: np.ndarray  # [N] "L" / "M" / "H"
    failure: np.ndarray  # [N] 0/1


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"benchmark data file not found: {path}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def load_ai4i(data_dir: Path) -> Ai4iData:
    rows = _read_csv(data_dir / "ai4i2020" / "ai4i2020.csv")
    signals = {key: np.array([float(r[column]) for r in rows]) for key, column in AI4I_COLUMNS.items()}
    return Ai4iData(signals=signals, duty_class=np.array([r["Type"] for r in rows]),
                    failure=np.array([int(r["Machine failure"]) for r in rows]))


def load_steel(data_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features [N, 27], class index [N] into STEEL_FAULTS, feature names."""
    rows = _read_csv(data_dir / "steel-plates-faults" / "SteelPlatesFaults_Clean.csv")
    fault_columns = [f"{f}_Fault" if not f.endswith("Faults") else f for f in STEEL_FAULTS]
    names = [c for c in rows[0] if c not in fault_columns]
    features = np.array([[float(r[c]) for c in names] for r in rows])
    labels = np.array([int(np.argmax([int(r[c]) for c in fault_columns])) for r in rows])
    return features, labels, names


def _read_table(path: Path) -> np.ndarray:
    if not path.is_file():
        raise FileNotFoundError(f"benchmark data file not found: {path}")
    return np.loadtxt(path, ndmin=2)


def load_cmapss(data_dir: Path, subset: str = "FD001") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train [rows, 26], test [rows, 26], true RUL of each test unit [units])."""
    folder = data_dir / f"cmapss-{subset}"
    return (_read_table(folder / f"train_{subset}.txt"), _read_table(folder / f"test_{subset}.txt"),
            _read_table(folder / f"RUL_{subset}.txt")[:, 0])
