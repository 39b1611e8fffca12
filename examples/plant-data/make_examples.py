"""Write the example files of docs/PLANT-DATA.md from the demo plant's simulator (deterministic).

    .venv/bin/python examples/plant-data/make_examples.py

inspection_records.csv: 300 parts of the demo plant (one row per part); lot_records.csv: the same kind of
records grouped into lots (quantity, defective_quantity); inspection_records.parquet is not committed
(binary) but is what `--records` accepts as well: write it with `pandas.DataFrame.to_parquet`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.plantdata.simulated import simulated_records

HERE = Path(__file__).resolve().parent


def lot_records(parts: pd.DataFrame) -> pd.DataFrame:
    """Parts grouped by day, product, machine and outcome into lot rows (parameters averaged), inspected at 14:00."""
    day = parts["time"].str.slice(0, 10) + "T14:00:00+09:00"
    parameters = [c for c in parts.columns if c not in ("time", "product", "machine", "defect", "serial_number",
                                                          "shift")]
    grouped = parts.assign(time=day, defect=parts["defect"].replace("", "ok")).groupby(
        ["time", "product", "machine", "defect"], sort=True)
    lots = grouped[parameters].mean().round(3).reset_index()
    lots.insert(4, "quantity", grouped.size().to_numpy())
    lots.insert(5, "defective_quantity", np.where(lots["defect"] == "ok", 0, lots["quantity"]))
    return lots


def main() -> None:
    parts = simulated_records(records_per_process=100, seed=7, days=14)
    parts.to_csv(HERE / "inspection_records.csv", index=False)
    lot_records(simulated_records(records_per_process=400, seed=8, days=7)).to_csv(HERE / "lot_records.csv",
                                                                                   index=False)


if __name__ == "__main__":
    main()
