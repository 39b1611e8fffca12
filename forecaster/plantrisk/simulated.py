"""A small simulated fleet in the three templates, for tests and examples (not a benchmark).

Each machine wears at its own rate; temperature and vibration rise with wear, alarm `E7` fires more often
as wear grows, and the machine fails (component `spindle`) when wear passes a threshold near 1. Like CMMS
exports, each repair after a failure is also logged as maintenance at the same time and component; planned
maintenance every `service_days` halves the wear. About 2 % of telemetry rows are missing (gaps).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2026-01-01", tz="UTC")


def simulated_fleet(machines: int = 6, days: int = 60, seed: int = 0, service_days: int = 20
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(telemetry, events, machines) frames with `time` as UTC timestamps."""
    rng = np.random.default_rng(seed)
    telemetry, events, attributes = [], [], []
    for index in range(machines):
        name = f"M{index + 1}"
        rate = rng.uniform(0.004, 0.012)
        attributes.append({"machine": name, "model": "A" if index % 2 else "B", "age": float(rng.integers(1, 15))})
        wear, threshold = rng.uniform(0.0, 0.5), rng.uniform(0.9, 1.1)
        for hour in range(days * 24):
            time = START + pd.Timedelta(hours=hour)
            wear += rate * rng.uniform(0.5, 1.5)
            if hour and hour % (service_days * 24) == 0:
                wear *= 0.5
                events.append({"time": time, "machine": name, "event": "maintenance", "component": "spindle"})
            if rng.random() < 0.02 * wear:
                events.append({"time": time, "machine": name, "event": "E7", "component": ""})
            if wear >= threshold:
                events.append({"time": time, "machine": name, "event": "failure", "component": "spindle"})
                events.append({"time": time, "machine": name, "event": "maintenance",
                               "component": "spindle"})
                wear, threshold = rng.uniform(0.0, 0.2), rng.uniform(0.9, 1.1)
            if rng.random() < 0.02:
                continue
            telemetry.append({"time": time, "machine": name, "temperature": 60 + 20 * wear + rng.normal(0, 1),
                              "vibration": 1 + 2 * wear ** 2 + rng.normal(0, 0.1),
                              "pressure": 5 + rng.normal(0, 0.2)})
    return pd.DataFrame(telemetry), pd.DataFrame(events), pd.DataFrame(attributes)


def write_fleet(folder: Path | str, machines: int = 6, days: int = 60, seed: int = 0) -> tuple[str, str, str]:
    """Write the simulated fleet as telemetry.csv, events.csv and machines.csv in `folder`; their paths."""
    target = Path(folder)
    telemetry, events, attributes = simulated_fleet(machines, days, seed)
    paths = (str(target / "telemetry.csv"), str(target / "events.csv"), str(target / "machines.csv"))
    telemetry.to_csv(paths[0], index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    events.to_csv(paths[1], index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    attributes.to_csv(paths[2], index=False)
    return paths[0], paths[1], paths[2]
