"""The column schema a model is trained with, and how records become model inputs.

The schema is learned on the training period only (so nothing about the later periods leaks in): the
plant's numeric columns with their median and spread, each categorical column's levels (product and
machine included), the classes (`ok` first, then each defect type seen in training), units and display
names from the template. It is stored as JSON in the model folder and read back at prediction.

Two encodings: for gradient boosting, numbers as they are (NaN for missing) and categorical levels as
codes (NaN for a level never seen in training); for the network, numbers with missing values set to the
training median plus one indicator per column that had gaps, and one-hot levels (all zero for a level
never seen in training).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecaster.plantdata.records import GOOD, InspectionRecords
from forecaster.plantdata.template import PlantTemplate

MAX_LEVELS = 50
"""At most this many levels of a process-parameter column get their own code (the most frequent in training)."""
MAX_IDENTITIES = 1000
"""At most this many products or machines get their own code."""
IDENTITY_COLUMNS = ("product", "machine")


@dataclass
class ColumnSchema:
    """Everything needed to turn a plant's records into model inputs, under the plant's own names."""

    numeric: list[str]
    median: list[float]
    spread: list[float]
    with_gaps: list[str]
    categorical: dict[str, list[str]]  # column (product and machine first) -> levels seen in training
    classes: list[str]  # "ok", then defect types
    ignored: dict[str, str] = field(default_factory=dict)  # column -> why
    units: dict[str, str] = field(default_factory=dict)
    names_en: dict[str, str] = field(default_factory=dict)
    names_ko: dict[str, str] = field(default_factory=dict)

    @property
    def parameter_kinds(self) -> dict[str, str]:
        kinds = {c: "numeric" for c in self.numeric}
        kinds.update({c: "categorical" for c in self.categorical if c not in IDENTITY_COLUMNS})
        return kinds

    @property
    def gbm_features(self) -> list[str]:
        return self.numeric + list(self.categorical)

    @property
    def network_features(self) -> list[str]:
        onehots = [f"{c}={level}" for c, levels in self.categorical.items() for level in levels]
        return self.numeric + [f"{c} missing" for c in self.with_gaps] + onehots

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ColumnSchema:
        return cls(**data)


def fit_schema(records: InspectionRecords, train: np.ndarray, template: PlantTemplate
               ) -> tuple[ColumnSchema, list[str]]:
    """Learn the schema on the training rows `train`; returns it and warnings (constant columns...)."""
    frame = records.frame.iloc[train]
    warnings: list[str] = []
    ignored: dict[str, str] = {}
    numeric, median, spread, with_gaps = [], [], [], []
    for column in records.numeric:
        values = frame[column].to_numpy(dtype=float)
        present = values[~np.isnan(values)]
        if len(present) == 0 or np.ptp(present) == 0:
            ignored[column] = "constant or empty in the training period"
            continue
        numeric.append(column)
        median.append(float(np.median(present)))
        spread.append(float(max(np.std(present), 1e-6)))
        if len(present) < len(values):
            with_gaps.append(column)
    categorical: dict[str, list[str]] = {}
    for column in (*IDENTITY_COLUMNS, *records.categorical):
        counts = frame[column].value_counts()
        if len(counts) <= 1 and column not in IDENTITY_COLUMNS:
            ignored[column] = "constant or empty in the training period"
            continue
        limit = MAX_IDENTITIES if column in IDENTITY_COLUMNS else MAX_LEVELS
        categorical[column] = sorted(str(level) for level in counts.index[:limit])
    warnings += [f"column {c!r} ignored: {why}" for c, why in ignored.items()]
    trained_defects = set(frame["defect"][frame["defective_quantity"] > 0])
    classes = [GOOD, *sorted(trained_defects - {GOOD})]
    units = {c: s.unit for c, s in template.columns.items() if s.unit}
    names_en = {c: s.name.en for c, s in template.columns.items() if s.name.en}
    names_ko = {c: s.name.ko for c, s in template.columns.items() if s.name.ko}
    return ColumnSchema(numeric, median, spread, with_gaps, categorical, classes, ignored, units, names_en,
                        names_ko), warnings


def level_codes(values: pd.Series, levels: list[str]) -> np.ndarray:
    """[N] float: each value's index in `levels`, NaN for a level the training period never saw."""
    index = {level: float(i) for i, level in enumerate(levels)}
    return values.astype(str).map(index).to_numpy(dtype=float)


def gbm_inputs(frame: pd.DataFrame, schema: ColumnSchema) -> np.ndarray:
    """[N, numeric + categorical] float64: numbers as given, levels as codes, NaN where missing or unseen."""
    columns = [frame[c].to_numpy(dtype=float) for c in schema.numeric]
    columns += [level_codes(frame[column], levels) for column, levels in schema.categorical.items()]
    return np.column_stack(columns) if columns else np.zeros((len(frame), 0))


def network_inputs(frame: pd.DataFrame, schema: ColumnSchema) -> np.ndarray:
    """[N, network_features] float32: median-filled numbers, gap indicators, one-hot levels."""
    parts = []
    for column, median in zip(schema.numeric, schema.median, strict=True):
        values = frame[column].to_numpy(dtype=float)
        parts.append(np.where(np.isnan(values), median, values))
    parts += [np.isnan(frame[c].to_numpy(dtype=float)).astype(float) for c in schema.with_gaps]
    for column, levels in schema.categorical.items():
        codes = level_codes(frame[column], levels)
        parts += [(codes == i).astype(float) for i in range(len(levels))]
    return (np.column_stack(parts) if parts else np.zeros((len(frame), 0))).astype(np.float32)


def unseen_identities(frame: pd.DataFrame, schema: ColumnSchema) -> np.ndarray:
    """[N] '' or which of product / machine the training period never saw ('product', 'machine', both)."""
    flags = []
    for column in IDENTITY_COLUMNS:
        known = frame[column].isin(schema.categorical.get(column, [])).to_numpy()
        flags.append(np.where(known, "", column))
    joined = [",".join(part for part in parts if part) for parts in zip(*flags, strict=True)]
    return np.asarray(joined, dtype=object)
