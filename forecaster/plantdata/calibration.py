"""Calibration on the validation period: a temperature over all classes, then a Platt-style correction
of P(any defect) that rescales the defect types in proportion.

Both are fitted by weighted log-loss (L-BFGS) on validation examples only. The temperature sharpens or
softens the whole distribution; the second step fixes a bias of the defect rate as a whole (a plant whose
later period has fewer defects than its past), which a temperature alone cannot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from forecaster.plantdata.split import UNKNOWN_CLASS, Examples

_EPS = 1e-7


@dataclass(frozen=True)
class Calibration:
    """p -> softmax(log p / temperature); then logit P(any defect) -> slope * logit + intercept."""

    temperature: float = 1.0
    slope: float = 1.0
    intercept: float = 0.0

    def apply(self, probabilities: np.ndarray) -> np.ndarray:
        """[N, C] -> [N, C] calibrated (rows sum to one; class 0 is `ok`)."""
        logits = np.log(np.clip(probabilities, _EPS, 1.0)) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        tempered = np.exp(logits)
        tempered /= tempered.sum(axis=1, keepdims=True)
        defect = np.clip(1.0 - tempered[:, 0], _EPS, 1 - _EPS)
        corrected = 1.0 / (1.0 + np.exp(-(self.slope * np.log(defect / (1 - defect)) + self.intercept)))
        out = tempered.copy()
        out[:, 1:] *= (corrected / defect)[:, None]
        out[:, 0] = 1.0 - corrected
        return out

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _minimise(parameters: list[torch.Tensor], loss: Any) -> None:
    optimizer = torch.optim.LBFGS(parameters, lr=0.5, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        value = loss()
        value.backward()
        return value

    optimizer.step(closure)


def fit_calibration(probabilities: np.ndarray, examples: Examples) -> Calibration:
    """Fit the temperature, then the P(any defect) correction, on validation examples (probabilities per example)."""
    known = examples.label != UNKNOWN_CLASS
    log_p = torch.from_numpy(np.log(np.clip(probabilities, _EPS, 1.0)))
    weights = torch.from_numpy(examples.weight)
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    mask = torch.from_numpy(known)
    targets = torch.from_numpy(np.where(known, examples.label, 0))

    def class_loss() -> torch.Tensor:
        losses = F.cross_entropy(log_p / log_t.exp(), targets, reduction="none")
        return (losses * weights * mask).sum() / (weights * mask).sum()

    if known.any() and probabilities.shape[1] > 2:
        _minimise([log_t], class_loss)
    temperature = float(log_t.detach().exp().clamp(0.05, 20.0))
    tempered = Calibration(temperature).apply(probabilities)
    defect = np.clip(1.0 - tempered[:, 0], _EPS, 1 - _EPS)
    logit = torch.from_numpy(np.log(defect / (1 - defect)))
    labels = torch.from_numpy(examples.is_defect)
    slope = torch.ones((), dtype=torch.float64, requires_grad=True)
    intercept = torch.zeros((), dtype=torch.float64, requires_grad=True)

    def defect_loss() -> torch.Tensor:
        losses = F.binary_cross_entropy_with_logits(slope * logit + intercept, labels, reduction="none")
        return (losses * weights).sum() / weights.sum()

    if 0 < float(labels.sum()) < len(labels):
        _minimise([slope, intercept], defect_loss)
    return Calibration(temperature, float(slope.detach().clamp(0.05, 20.0)), float(intercept.detach()))
