"""The demo plant's own history: timestamped telemetry, alarms, failures and maintenance of its machines,
simulated, in the three templates, and the risk model trained on it through the same pipeline as any plant's.

The machines are those of the demo factory that the plant's MES logs (planner/demo_factory.py: DC-1, DC-2,
CNC-1..3, HT-1, INS-1), each with the sensors of its type:

- die casting: `die_temp_c`, `shot_pressure_bar`, `hydraulic_vibration_mm_s`;
- machining: `spindle_temp_c`, `spindle_vibration_mm_s`, `spindle_load_pct`;
- heat treatment: `furnace_temp_dev_c`, `heater_current_a`, `fan_vibration_mm_s`;
- inspection: `xray_tube_current_ma`, `stage_vibration_mm_s`.

A machine logs one row per hour while its shift calendar (Korean local time) has it running, so nights and
Sundays are gaps. Its wear grows with running hours (faster for older machines) and moves its sensors; its
type's alarm fires more often as wear grows; it fails when wear passes a threshold near 1 (or, rarely, at
random) and is down for its repair time; each repair is also logged as maintenance (as CMMS exports do);
planned maintenance every `service_days` removes most of the wear (CNC-2's was deferred: it runs on a longer
interval). Everything is seeded, so the history and the shipped model are reproducible:

    python -m forecaster.plantrisk.demo_history --out forecaster/weights/plant_risk_demo

writes the model folder (and, with `--data DIR`, the three CSV files it was trained on).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.plantrisk.artifact import write_model_folder
from forecaster.plantrisk.history import PlantHistory, load_history
from forecaster.plantrisk.pipeline import RiskSettings, TrainedRiskModel, train_risk_model

SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "weights" / "plant_risk_demo"
"""The shipped model folder, written by this module's command (see the module docstring)."""
HISTORY_END = pd.Timestamp("2026-03-01T21:00:00Z")
"""The demo plan's start (Monday 06:00 KST): the history runs up to it."""
HISTORY_DAYS, SEED = 365, 2026
LOCAL = pd.Timedelta(hours=9)  # KST, where the shift calendars are
SETTINGS = RiskSettings(max_horizon_hours=504.0, horizons=(24.0, 168.0, 504.0), seed=0, threads=2)
"""Fitted out to the demo plan's 21-day horizon."""


@dataclass(frozen=True)
class MachineType:
    """How one type of machine runs, wears and fails.

    Args:
        sensors: name -> (level when new, change at wear 1, exponent of wear, noise sd).
        first_hour, hours, days: shift start (local hour), hours per day, working days per week (from Monday).
        wear_per_hour: mean wear added per running hour.
        service_days: planned maintenance interval (calendar days).
        component, alarm, repair_hours: what fails, the alarm code that warns of it, hours down per failure.
    """

    sensors: dict[str, tuple[float, float, float, float]]
    first_hour: int
    hours: int
    days: int
    wear_per_hour: float
    service_days: int
    component: str
    alarm: str
    repair_hours: int


TYPES = {
    "die_casting": MachineType({"die_temp_c": (215.0, 45.0, 1.0, 4.0),
                                "shot_pressure_bar": (860.0, -70.0, 1.5, 12.0),
                                "hydraulic_vibration_mm_s": (1.4, 3.0, 2.0, 0.15)},
                               6, 16, 6, 0.0022, 21, "hydraulics", "ALM-DC-PRESS", 4),
    "machining": MachineType({"spindle_temp_c": (34.0, 16.0, 1.0, 0.8), "spindle_vibration_mm_s": (0.9, 3.6, 2.0, 0.1),
                              "spindle_load_pct": (46.0, 12.0, 1.0, 2.5)},
                             6, 16, 5, 0.0025, 28, "spindle", "ALM-SPINDLE-VIB", 6),
    "heat_treatment": MachineType({"furnace_temp_dev_c": (2.0, 9.0, 1.5, 0.6),
                                   "heater_current_a": (182.0, 26.0, 1.0, 3.0),
                                   "fan_vibration_mm_s": (1.1, 2.4, 2.0, 0.12)},
                                  0, 24, 6, 0.0014, 35, "heater", "ALM-HT-TEMP", 8),
    "inspection": MachineType({"xray_tube_current_ma": (4.1, -0.7, 1.5, 0.05),
                               "stage_vibration_mm_s": (0.35, 1.4, 2.0, 0.05)},
                              6, 16, 5, 0.0017, 42, "xray_tube", "ALM-XRAY-TUBE", 2),
}
MACHINES = {"DC-1": ("die_casting", 6), "DC-2": ("die_casting", 11), "CNC-1": ("machining", 4),
            "CNC-2": ("machining", 9), "CNC-3": ("machining", 2), "HT-1": ("heat_treatment", 14),
            "INS-1": ("inspection", 5)}
"""Machine -> (type, age in years)."""
DEFERRED = {"CNC-2": 2.0}
"""Machines whose planned maintenance runs on a longer interval (factor)."""
RANDOM_FAILURE_PER_HOUR = 1.0 / 4000


def _running(hour: pd.Timestamp, kind: MachineType) -> bool:
    local = hour + LOCAL
    return local.weekday() < kind.days and kind.first_hour <= local.hour < kind.first_hour + kind.hours


def _machine(name: str, rng: np.random.Generator, hours: pd.DatetimeIndex) -> tuple[list[dict], list[dict]]:
    """(telemetry rows, event rows) of one machine."""
    kind_name, age = MACHINES[name]
    kind = TYPES[kind_name]
    rate = kind.wear_per_hour * (1.0 + age / 20.0)
    service_hours = int(kind.service_days * DEFERRED.get(name, 1.0) * 24)
    wear, threshold, down_until = rng.uniform(0.1, 0.5), rng.uniform(0.85, 1.15), -1
    telemetry: list[dict] = []
    events: list[dict] = []
    offset = int(rng.integers(0, service_hours))
    for index, hour in enumerate(hours):
        if (index + offset) % service_hours == 0 and index >= down_until:
            wear *= 0.3
            events.append({"time": hour, "machine": name, "event": "maintenance", "component": kind.component})
        if index < down_until or not _running(hour, kind):
            continue
        wear += rate * rng.uniform(0.5, 1.5)
        if rng.random() < 0.04 * wear ** 2:
            events.append({"time": hour, "machine": name, "event": kind.alarm, "component": ""})
        if wear >= threshold or rng.random() < RANDOM_FAILURE_PER_HOUR:
            events.append({"time": hour, "machine": name, "event": "failure", "component": kind.component})
            repaired = hour + pd.Timedelta(hours=kind.repair_hours)
            events.append({"time": repaired, "machine": name, "event": "maintenance", "component": kind.component})
            wear, threshold, down_until = rng.uniform(0.0, 0.15), rng.uniform(0.85, 1.15), index + kind.repair_hours
            continue
        row = {"time": hour, "machine": name}
        for sensor, (level, gain, power, noise) in kind.sensors.items():
            row[sensor] = round(level + gain * wear ** power + rng.normal(0.0, noise), 3)
        telemetry.append(row)
    return telemetry, events


def demo_history_frames(days: int = HISTORY_DAYS, seed: int = SEED, end: pd.Timestamp = HISTORY_END
                        ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(telemetry, events, machines) of the demo plant over `days` up to `end` (UTC times)."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range(end=end - pd.Timedelta(hours=1), periods=days * 24, freq="h")
    telemetry: list[dict] = []
    events: list[dict] = []
    for name in MACHINES:
        rows, happened = _machine(name, rng, hours)
        telemetry += rows
        events += [e for e in happened if e["time"] < end]
    sensors = [s for kind in TYPES.values() for s in kind.sensors]
    machines = pd.DataFrame([{"machine": m, "type": kind, "age_years": float(age)} for m, (kind, age) in
                             MACHINES.items()])
    return (pd.DataFrame(telemetry, columns=["time", "machine", *sensors]),
            pd.DataFrame(events, columns=["time", "machine", "event", "component"]), machines)


def write_demo_history(folder: Path, days: int = HISTORY_DAYS, seed: int = SEED) -> tuple[Path, Path, Path]:
    """The three templates as CSV files in `folder`: telemetry.csv, events.csv, machines.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    telemetry, events, machines = demo_history_frames(days, seed)
    paths = (folder / "telemetry.csv", folder / "events.csv", folder / "machines.csv")
    telemetry.to_csv(paths[0], index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    events.to_csv(paths[1], index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    machines.to_csv(paths[2], index=False)
    return paths


def demo_history(days: int = HISTORY_DAYS, seed: int = SEED) -> PlantHistory:
    """The demo plant's history read back through the templates' own loader (as a plant's files would be)."""
    with tempfile.TemporaryDirectory(prefix="demo-history-") as scratch:
        return load_history(*write_demo_history(Path(scratch), days, seed))


def train_demo_model(days: int = HISTORY_DAYS, seed: int = SEED) -> TrainedRiskModel:
    """The demo plant's risk model, trained by the same pipeline as any plant's."""
    return train_risk_model(demo_history(days, seed), SETTINGS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m forecaster.plantrisk.demo_history", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="model folder to write")
    parser.add_argument("--data", type=Path, default=None, help="also write the three CSV files here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.data is not None:
        write_demo_history(args.data)
    model = train_demo_model()
    write_model_folder(args.out, model)
    test = model.report["test"][model.served]
    print(json.dumps({"model": str(args.out), "version": model.version, "served": model.served,
                      "history_days": HISTORY_DAYS, "seed": SEED, "settings": model.report["settings"],
                      "test": test}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
