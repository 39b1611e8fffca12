"""Simulated monthly demand histories in the demand-history template, for the example file and tests.

Three kinds of parts, as an EV-parts plant sells them: series parts with a trend and a yearly cycle
(smooth), service parts ordered now and then in small quantities (intermittent) and aftermarket parts
ordered rarely in lumps (lumpy).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KINDS = ("smooth", "intermittent", "lumpy")


def _series(kind: str, months: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(months)
    if kind == "smooth":
        level = rng.uniform(80, 300) * (1 + 0.01 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6)))
        return rng.poisson(level).astype(float)
    if kind == "intermittent":
        return (rng.random(months) < 0.35) * rng.poisson(2.0, months).clip(1)
    return (rng.random(months) < 0.15) * rng.geometric(0.08, months)


def simulated_history(series_per_kind: int = 2, months: int = 36, start: str = "2023-01-01",
                      seed: int = 0) -> pd.DataFrame:
    """series_id, period (ISO date of the month's first day), quantity: one row per series and month."""
    rng = np.random.default_rng(seed)
    periods = [(pd.Timestamp(start) + pd.DateOffset(months=k)).date().isoformat() for k in range(months)]
    frames = []
    for kind in KINDS:
        for number in range(1, series_per_kind + 1):
            values = _series(kind, months, rng)
            frames.append(pd.DataFrame({"series_id": f"{kind[:3].upper()}-{number:03d}", "period": periods,
                                        "quantity": values.astype(int)}))
    return pd.concat(frames, ignore_index=True)
