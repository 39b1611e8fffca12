"""The evaluation report of a training run: data, split, every candidate's scores, what is served and why,
how uncertain the scores are, the columns that mattered (under the plant's names) and the warnings."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from forecaster.plantdata.evaluation import FEW_DEFECTS, bootstrap_interval
from forecaster.plantdata.problems import rows_text
from forecaster.plantdata.records import GOOD, InspectionRecords
from forecaster.plantdata.schema import ColumnSchema, unseen_identities
from forecaster.plantdata.split import Examples, TimeSplit
from forecaster.plantdata.template import PlantTemplate

if TYPE_CHECKING:
    from forecaster.plantdata.baselines import GradientBoosting
    from forecaster.plantdata.pipeline import Candidate

TOP_FEATURES = 10


def _period(records: InspectionRecords, rows: np.ndarray, examples: Examples) -> dict[str, Any]:
    times = records.frame["time"].iloc[rows]
    parts = float(examples.weight.sum())
    defects = float((examples.weight * examples.is_defect).sum())
    return {"rows": len(rows), "parts": parts, "defective_parts": defects,
            "defect_rate": defects / parts if parts else 0.0,
            "from": times.min().isoformat(), "to": times.max().isoformat()}


def period_warnings(records: InspectionRecords, split: TimeSplit, schema: ColumnSchema,
                    examples: dict[str, Examples]) -> list[str]:
    """Suspicious but usable: defect types only in the later periods, products or machines the training
    period never saw, very few defects."""
    warnings = []
    frame = records.frame
    later = np.concatenate([split.validation, split.test])
    later_types = set(frame["defect"].iloc[later][frame["defective_quantity"].iloc[later] > 0]) - {GOOD}
    for name in sorted(later_types - set(schema.classes)):
        rows = [int(records.rows[i]) for i in later if frame["defect"].iloc[i] == name]
        warnings.append(f"defect type {name!r} appears only after the training period ({rows_text(rows)}): the model "
                        "cannot predict it by type; it counts in P(any defect) scores only")
    unseen = unseen_identities(frame.iloc[later], schema)
    for column in ("product", "machine"):
        flagged = [int(records.rows[i]) for i, flag in zip(later, unseen, strict=True) if column in flag]
        if flagged:
            names = sorted(set(frame[column].iloc[later][[column in f for f in unseen]]))
            warnings.append(f"{column} {', '.join(map(repr, names))} never seen in the training period "
                            f"({rows_text(flagged)}): predicted from what is known")
    for name, part in examples.items():
        defects = float((part.weight * part.is_defect).sum())
        if defects < FEW_DEFECTS:
            warnings.append(f"only {defects:g} defective parts in the {name} period: its scores are uncertain "
                            "(see uncertainty in this report)")
    return warnings


def _features(boosting: GradientBoosting, schema: ColumnSchema) -> list[dict[str, Any]]:
    shares = sorted(boosting.importance().items(), key=lambda item: -item[1])[:TOP_FEATURES]
    return [{"column": column, "name_en": schema.names_en.get(column, column),
             "name_ko": schema.names_ko.get(column, column), "unit": schema.units.get(column),
             "gbm_gain_share": round(share, 4)} for column, share in shares]


def _verdict(candidates: dict[str, Candidate], served: Candidate) -> str:
    gbm = candidates["gbm"].scores["test"]
    mine = served.scores["test"]
    base = (f"served: {served.name} (lowest validation log-loss "
            f"{served.scores['validation']['class_log_loss']:.5f}). On the test period against gradient boosting: "
            f"AUPRC {mine['auprc']:.4f} vs {gbm['auprc']:.4f}, Brier {mine['brier']:.5f} vs {gbm['brier']:.5f}, "
            f"ECE {mine['ece']:.4f} vs {gbm['ece']:.4f}.")
    if served.name in ("base_rate", "gbm"):
        network = candidates["network"].scores["validation"]["class_log_loss"]
        base += f" The network lost on validation (log-loss {network:.5f}), so a baseline is served."
    return base


def build_report(version: str, records: InspectionRecords, template: PlantTemplate, schema: ColumnSchema,
                 split: TimeSplit, examples: dict[str, Examples], candidates: dict[str, Candidate],
                 served: Candidate, boosting: GradientBoosting, warnings: list[str],
                 settings: dict[str, Any]) -> dict[str, Any]:
    import lightgbm

    test_defects = float((examples["test"].weight * examples["test"].is_defect).sum())
    return {
        "version": version, "plant": template.plant, "file": records.file, "classes": schema.classes,
        "split": {"method": "by time: train on the oldest 70 %, validate on the next 15 %, test on the newest 15 %",
                  "validation_start": split.validation_start.isoformat(), "test_start": split.test_start.isoformat(),
                  **{name: _period(records, getattr(split, name), part) for name, part in examples.items()}},
        "selection": "lowest weighted multi-class log-loss on the validation period; calibration (temperature, then "
                     "P(any defect) slope and intercept) fitted on the validation period",
        "served": served.name, "blend_weight": served.blend_weight, "summary": _verdict(candidates, served),
        "candidates": {name: {"validation": c.scores["validation"], "test": c.scores["test"],
                              "calibration": c.calibration.to_json(), "blend_weight": c.blend_weight}
                       for name, c in candidates.items()},
        "served_minus_gbm_test": {k: served.scores["test"][k] - candidates["gbm"].scores["test"][k]
                                  for k in ("auprc", "brier", "log_loss", "ece")},
        "uncertainty": {"test_defective_parts": test_defects,
                        "served": bootstrap_interval(served.test, examples["test"]),
                        "gbm": bootstrap_interval(candidates["gbm"].test, examples["test"])},
        "top_features": _features(boosting, schema),
        "columns": {"numeric": schema.numeric, "categorical": list(schema.categorical), "ignored": schema.ignored},
        "warnings": warnings,
        "settings": settings,
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "lightgbm": lightgbm.__version__,
                     "numpy": np.__version__, "pandas": pd.__version__},
    }
