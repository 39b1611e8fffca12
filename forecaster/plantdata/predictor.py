"""Predictions of a plant's defect model for new records: P(any defect) and P(each defect type) per row.

Rows keep their input order. A product or machine that the training period never saw is predicted from
what the model knows (the plant-wide base rate for the pair, the other columns for the networks and
trees) and flagged in the `unseen` column.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.plantdata.artifact import PlantModel, read_model_folder
from forecaster.plantdata.records import load_records
from forecaster.plantdata.schema import unseen_identities

logger = logging.getLogger(__name__)


def served_probabilities(model: PlantModel, frame: pd.DataFrame) -> np.ndarray:
    """[N, C] calibrated class probabilities of the served candidate for every row of `frame`."""
    rows = np.arange(len(frame))
    if model.served == "base_rate":
        raw = model.base_rate.probabilities(frame, rows)
    elif model.served == "gbm":
        raw = model.boosting.probabilities(frame, rows)
    elif model.served == "network":
        raw = model.network.probabilities(frame, rows)
    else:
        weight = float(model.blend_weight or 0.0)
        # the blend averages the two calibrated candidates (as chosen on validation), then calibrates again
        network, boosting = model.candidate_calibrations["network"], model.candidate_calibrations["gbm"]
        raw = (weight * network.apply(model.network.probabilities(frame, rows))
               + (1 - weight) * boosting.apply(model.boosting.probabilities(frame, rows)))
    return model.calibration.apply(raw)


def predict_frame(model: PlantModel, frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """One output row per input row: row number, product, machine, defect_probability, p_<type>, unseen."""
    probabilities = served_probabilities(model, frame)
    out = pd.DataFrame({"row": rows, "product": frame["product"].to_numpy(), "machine": frame["machine"].to_numpy(),
                        "defect_probability": 1.0 - probabilities[:, 0]})
    for index, name in enumerate(model.schema.classes[1:], start=1):
        out[f"p_{name}"] = probabilities[:, index]
    out["unseen"] = unseen_identities(frame, model.schema)
    return out


def predict_file(model_dir: Path, records_path: Path, out: Path | None = None, explain: bool = False
                 ) -> pd.DataFrame:
    """Read the model and the records, predict, and write CSV (Parquet when `out` ends in .parquet);
    `explain` adds `explanation_en` / `explanation_ko` (forecaster.plantdata.explain) to every row."""
    model = read_model_folder(model_dir)
    records = load_records(records_path, purpose="predict", kinds=model.schema.parameter_kinds)
    result = predict_frame(model, records.frame, records.rows)
    if explain:
        from forecaster.plantdata.explain import explain_rows  # it builds on this module

        explanations = explain_rows(model, records.frame)
        result["explanation_en"] = [e.text_en for e in explanations]
        result["explanation_ko"] = [e.text_ko for e in explanations]
    flagged = int((result["unseen"] != "").sum())
    if flagged:
        logger.warning("%d of %d rows have a product or machine never seen in training: predicted from what is "
                       "known, flagged in column 'unseen'", flagged, len(result))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = out.with_name(f".{out.name}.partial")
        if out.suffix.lower() == ".parquet":
            result.to_parquet(staging, index=False)
        else:
            result.to_csv(staging, index=False)
        staging.replace(out)
    return result
