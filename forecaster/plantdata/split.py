"""The split by time and the weighted examples that lot rows become.

Training uses the past, validation and test the most recent periods, cut at time boundaries so rows
that share a timestamp (a lot, a shot) are never on both sides. A row with `quantity` q and
`defective_quantity` d is two weighted examples: its good parts (weight q - d, class `ok`) and its
defective parts (weight d, class of its defect type).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecaster.plantdata.problems import PlantDataError, Problem

TRAIN_SHARE, VALIDATION_SHARE = 0.70, 0.15
UNKNOWN_CLASS = -1
"""Label of a defect type that the training period never saw (still a defect for P(any defect))."""


@dataclass(frozen=True)
class TimeSplit:
    """Row indices of each period (in time order within each) and the times where the periods start."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    validation_start: pd.Timestamp
    test_start: pd.Timestamp


def split_by_time(times: pd.Series, file: str, train_share: float = TRAIN_SHARE,
                  validation_share: float = VALIDATION_SHARE) -> TimeSplit:
    """Cut rows at the time quantiles `train_share` and `train_share + validation_share`."""
    order = np.argsort(times.to_numpy(), kind="stable")
    ordered = times.iloc[order].reset_index(drop=True)
    count = len(ordered)
    validation_start = ordered.iloc[min(int(train_share * count), count - 1)]
    test_start = ordered.iloc[min(int((train_share + validation_share) * count), count - 1)]
    values = times.iloc[order]
    train = order[(values < validation_start).to_numpy()]
    validation = order[((values >= validation_start) & (values < test_start)).to_numpy()]
    test = order[(values >= test_start).to_numpy()]
    if min(len(train), len(validation), len(test)) == 0:
        raise PlantDataError([Problem(file, None, "time", (
            f"the records cannot be split by time into training, validation and test periods "
            f"({times.nunique()} distinct times in {count} rows); more records over a longer period are needed"))])
    return TimeSplit(train, validation, test, validation_start, test_start)


@dataclass(frozen=True)
class Examples:
    """Weighted examples: `row` indexes the records, `label` indexes the classes (UNKNOWN_CLASS: a defect
    type not seen in training), `weight` counts parts."""

    row: np.ndarray
    label: np.ndarray
    weight: np.ndarray

    @property
    def is_defect(self) -> np.ndarray:
        return (self.label != 0).astype(float)

    def subset(self, mask: np.ndarray) -> Examples:
        return Examples(self.row[mask], self.label[mask], self.weight[mask])


def weighted_examples(frame: pd.DataFrame, rows: np.ndarray, classes: list[str]) -> Examples:
    """Good and defective parts of the given record rows as weighted examples."""
    good = frame["quantity"].to_numpy()[rows] - frame["defective_quantity"].to_numpy()[rows]
    defective = frame["defective_quantity"].to_numpy()[rows]
    index = {name: i for i, name in enumerate(classes)}
    defect_label = np.array([index.get(d, UNKNOWN_CLASS) for d in frame["defect"].to_numpy()[rows]], dtype=np.int64)
    has_good, has_defect = good > 0, defective > 0
    return Examples(
        row=np.concatenate([rows[has_good], rows[has_defect]]),
        label=np.concatenate([np.zeros(int(has_good.sum()), dtype=np.int64), defect_label[has_defect]]),
        weight=np.concatenate([good[has_good], defective[has_defect]]).astype(float),
    )
