"""The demo plant's simulated inspection records (forecaster.simulator) in the plant-data template.

Used for the example file in examples/plant-data/, the benchmark and the tests: one row per part with a
time (Korean time, +09:00) spread over `days` of two-shift production, the process parameters under
the simulator's names (empty where a process does not have them), a serial number the template ignores
and the shift as a categorical column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster.simulator import DEFECT_TYPES, PlantVariation, simulate

START = pd.Timestamp("2026-01-05T06:00:00+09:00")


def simulated_records(records_per_process: int = 2000, seed: int = 0, days: int = 90,
                      plant: PlantVariation | None = None) -> pd.DataFrame:
    """Simulated records in time order (deterministic for a seed), with the template's columns; of the demo
    plant, or of another plant of its kind."""
    data = simulate(records_per_process, seed, plant)
    rng = np.random.default_rng(seed + 1)
    count = len(data.label)
    day = rng.integers(0, days, count)
    minute = rng.integers(0, 16 * 60, count)  # two shifts, 06:00-22:00
    times = START + pd.to_timedelta(day, unit="D") + pd.to_timedelta(minute, unit="min")
    frame = pd.DataFrame({
        "time": times,
        "product": data.product,
        "machine": data.machine,
        "defect": np.where(data.label == 0, "", np.asarray(DEFECT_TYPES, dtype=object)[data.label]),
        "serial_number": [f"SN-{seed:02d}-{i:07d}" for i in range(count)],
        "shift": np.where(minute < 8 * 60, "A", "B"),
        **{name: np.round(values, 3) for name, values in data.parameters.items()},
    })
    frame = frame.iloc[np.argsort(frame["time"].to_numpy(), kind="stable")].reset_index(drop=True)
    frame["time"] = frame["time"].map(lambda t: t.isoformat())
    return frame
