"""Defect probability, defect type and expected yield per lot from process parameters.

Inputs: the parameters of the lot's process step (die casting, CNC machining or heat treatment; the
other processes' parameters are set to normal), a one-hot of the process and a one-hot of the product
(all zeros for a product the model has not seen: 10% of training rows are encoded that way so the
model has a meaningful "unknown product" answer). Output: probabilities of the defect types found at
inspection; expected yield = P(none). Explanations: integrated gradients of P(defect) with respect to
the step's parameters, from normal operation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from forecaster.artifacts import WEIGHTS_DIR, load_artifact, load_into
from forecaster.explain import explain_row, integrated_gradients
from forecaster.simulator import DEFECT_TYPES, FEATURES, PROCESSES, PRODUCTS, QualityData
from forecaster.tabular import TabularNet
from forecaster.types import InputProblem, ProcessRecord, YieldPrediction, raise_if_any

ARTIFACT_NAME = "defect"
PARAMETER_NAMES = tuple(name for process in PROCESSES for name in FEATURES[process])
INPUT_NAMES = (*PARAMETER_NAMES, *(f"process={p}" for p in PROCESSES), *(f"product={p}" for p in PRODUCTS))
MAX_ITEMS = 10_000
CHUNK_ITEMS = 4_096
"""Records per forward pass in predict_validated."""


@dataclass
class DefectModel:
    """Loaded defect classifier plus the normal-operation statistics used to fill and explain inputs."""

    net: TabularNet
    version: str
    normal: dict[str, tuple[float, float]]
    """(mean, sd) of each parameter in the training data of its own process."""


def normal_statistics(data: QualityData) -> dict[str, tuple[float, float]]:
    stats = {}
    for name in PARAMETER_NAMES:
        values = data.parameters[name][~np.isnan(data.parameters[name])]
        stats[name] = (float(values.mean()), float(values.std()))
    return stats


def encode(
    processes: Sequence[str], products: Sequence[str], parameters: dict[str, np.ndarray],
    normal: dict[str, tuple[float, float]],
) -> np.ndarray:
    """Rows [N, len(INPUT_NAMES)]: parameters (NaN -> normal mean), process one-hot, product one-hot."""
    size = len(processes)
    columns = [np.where(np.isnan(parameters[n]), normal[n][0], parameters[n]) for n in PARAMETER_NAMES]
    process_hot = [np.array([p == q for p in processes], dtype=float) for q in PROCESSES]
    product_hot = [np.array([p == q for p in products], dtype=float) for q in PRODUCTS]
    return np.stack(columns + process_hot + product_hot, axis=1).reshape(size, len(INPUT_NAMES))


def encode_simulated(data: QualityData, normal: dict[str, tuple[float, float]], seed: int) -> np.ndarray:
    """Encode simulator records; 10% get the unknown-product encoding (all-zero product one-hot)."""
    rng = np.random.default_rng(seed)
    products = np.where(rng.random(len(data.product)) < 0.1, "unknown", data.product)
    return encode(list(data.process), list(products), data.parameters, normal)


def load_defect_model(directory: Path = WEIGHTS_DIR, name: str = ARTIFACT_NAME) -> DefectModel:
    artifact = load_artifact(name, directory)
    net = TabularNet(**artifact.config)
    load_into(net, artifact, name, directory)
    normal = {k: (float(v[0]), float(v[1])) for k, v in artifact.metadata["normal"].items()}
    return DefectModel(net=net, version=artifact.version, normal=normal)


def validate_records(records: Sequence[ProcessRecord]) -> None:
    """Raise ForecastInputError with every problem (`items[i].parameters.NAME`, `items[i].process`, ...)."""
    problems: list[InputProblem] = []
    if not records:
        problems.append(InputProblem("items", "at least one item is required"))
    if len(records) > MAX_ITEMS:
        problems.append(InputProblem("items", f"at most {MAX_ITEMS} items per call, got {len(records)}"))
    for i, record in enumerate(records):
        path = f"items[{i}]"
        if not record.machine_id:
            problems.append(InputProblem(f"{path}.machine_id", "must not be empty"))
        if record.process not in PROCESSES:
            problems.append(InputProblem(f"{path}.process",
                                         f"unknown process {record.process!r}; expected one of {PROCESSES}"))
            continue
        expected = FEATURES[record.process]
        for name, value in record.parameters.items():
            if name not in expected:
                problems.append(InputProblem(f"{path}.parameters.{name}",
                                             f"unknown feature for {record.process}; expected {expected}"))
            elif not math.isfinite(value):
                problems.append(InputProblem(f"{path}.parameters.{name}", f"must be a finite number, got {value}"))
        problems += [InputProblem(f"{path}.parameters.{n}", f"required for {record.process}")
                     for n in expected if n not in record.parameters]
    raise_if_any(problems)


def defect_probability_fn(net: TabularNet) -> Callable[[torch.Tensor], torch.Tensor]:
    """z [B, F] -> P(any defect) [B] (the quantity explanations attribute)."""
    return lambda z: 1.0 - F.softmax(net.logits_from_z(z), dim=1)[:, 0]


def predict_yield(model: DefectModel, records: Sequence[ProcessRecord], top: int = 3) -> list[YieldPrediction]:
    """Defect probabilities, expected yield and top contributing parameters for many lots in one batch."""
    validate_records(records)
    return predict_validated(model, records, top)


def predict_validated(model: DefectModel, records: Sequence[ProcessRecord], top: int = 3) -> list[YieldPrediction]:
    """predict_yield for records already checked by validate_records (each record's prediction depends
    only on the record, so records of several requests can share one call). Runs in chunks of
    CHUNK_ITEMS records, which bounds memory for large batches without changing any result."""
    if len(records) > CHUNK_ITEMS:
        return [prediction for start in range(0, len(records), CHUNK_ITEMS)
                for prediction in predict_validated(model, records[start : start + CHUNK_ITEMS], top)]
    parameters = {n: np.array([r.parameters.get(n, np.nan) for r in records], dtype=float) for n in PARAMETER_NAMES}
    raw = encode([r.process for r in records], [r.product for r in records], parameters, model.normal)
    x = torch.from_numpy(raw.astype(np.float32))  # [N, F]
    with torch.no_grad():
        z = model.net.standardise(x)
        probabilities = F.softmax(model.net.logits_from_z(z), dim=1).numpy()  # [N, C]
    attributions = integrated_gradients(defect_probability_fn(model.net), z, torch.zeros(z.shape[1]))
    deviations = np.array([[(row[i] - model.normal[n][0]) / max(model.normal[n][1], 1e-9)
                            for i, n in enumerate(PARAMETER_NAMES)] for row in raw])
    predictions = []
    for k, record in enumerate(records):
        explanation = explain_row(PARAMETER_NAMES, raw[k], deviations[k], attributions[k].numpy(), "defect",
                                  top=top, allowed=FEATURES[record.process])
        predictions.append(YieldPrediction(
            item_id=record.item_id, product=record.product, machine_id=record.machine_id,
            defect_probability=float(1.0 - probabilities[k, 0]),
            defect_type_probabilities={t: float(probabilities[k, j]) for j, t in enumerate(DEFECT_TYPES) if j > 0},
            expected_yield=float(probabilities[k, 0]), explanation=explanation, model_version=model.version,
        ))
    return predictions


def yield_by_product_machine(predictions: Sequence[YieldPrediction]) -> dict[tuple[str, str], float]:
    """Mean expected yield per (product, machine) over the predicted lots (what the planner consumes)."""
    groups: dict[tuple[str, str], list[float]] = {}
    for p in predictions:
        groups.setdefault((p.product, p.machine_id), []).append(p.expected_yield)
    return {key: float(np.mean(values)) for key, values in groups.items()}
