"""The hazard curve and the direct anchored curve blended with a weight per horizon, chosen on validation.

The hazard model ranks machines well over the whole horizon; the direct classifiers are sharper at the
horizon each was trained for. Which is better depends on the horizon and the plant, so at each of the
plant's own horizons that is a direct anchor, the weight w of the hazard curve (1 - w of the direct one) is
0 (the direct curve: the boosting classifier trained for that horizon, calibrated) unless another value of
`WEIGHTS` replaces it on the validation period's known outcomes at that horizon by the champion /
challenger rule of selection.py (Brier score lower by more than one machine-clustered standard error,
AUPRC not lower); among those that do, the lowest Brier score (ties to the weight nearest an even blend).
Before, the lowest validation Brier score alone chose, which serves validation noise. Every other anchor
takes the weight of the nearest asked horizon at or above it (the last one past them). The blended anchor
values go through the same monotone join as the direct curve (`direct.monotone_anchors`, the asked horizons
first, then log-survival interpolation), so the result answers any horizon with a curve non-decreasing in
[0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forecaster.plantrisk.direct import AnchoredCurve, join_anchors, monotone_anchors
from forecaster.plantrisk.hazard import HazardModel
from forecaster.plantrisk.labels import Landmarks
from forecaster.plantrisk.selection import compare

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Candidate weights of the hazard curve: a coarse grid, as the validation period is small."""


@dataclass
class HorizonBlend:
    """Weights of the hazard curve at each anchor of the direct curve (same order)."""

    weights: list[float]
    chosen: dict[str, float]
    """The weights chosen at the plant's own horizons (hours as text), for the report."""
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per asked horizon and weight (text): the comparison with w = 0 on validation (selection.Comparison)."""

    @classmethod
    def fit(cls, hazard: HazardModel, direct: AnchoredCurve, validation: tuple[Landmarks, np.ndarray]
            ) -> HorizonBlend:
        """Choose the weight at each priority anchor of `direct` on the validation period."""
        times, features = validation
        anchors = np.asarray(direct.anchors, dtype=float)
        at_hazard = hazard.cumulative(features, anchors)  # [V, A]
        at_direct = direct.anchor_probabilities(features)  # [V, A]
        chosen: dict[str, float] = {}
        evidence: dict[str, dict[str, Any]] = {}
        for j, anchor in enumerate(direct.anchors):
            if anchor not in direct.priority:
                continue
            label, known = times.label(anchor)
            if not known.any() or label[known].sum() == 0:
                chosen[f"{anchor:g}"] = 0.0  # nothing to learn from: the champion
                continue
            champion = at_direct[:, [j]]
            comparisons = {w: compare(times, w * at_hazard[:, [j]] + (1 - w) * champion, champion, [anchor])
                           for w in WEIGHTS if w != 0.0}
            evidence[f"{anchor:g}"] = {f"{w:g}": c.to_json() for w, c in comparisons.items()}
            winners = [w for w, c in comparisons.items() if c.replaces]
            chosen[f"{anchor:g}"] = min(winners, key=lambda w: (round(comparisons[w].brier_margin, 12),
                                                                abs(w - 0.5))) if winners else 0.0
        weights = []
        asked = sorted((float(h), w) for h, w in chosen.items())
        for anchor in direct.anchors:
            above = [w for h, w in asked if h >= anchor]
            weights.append(above[0] if above else (asked[-1][1] if asked else 0.0))
        return cls(weights, chosen, evidence)

    @property
    def is_direct(self) -> bool:
        """All weights 0: the blend is the direct curve itself."""
        return all(w == 0.0 for w in self.weights)

    def cumulative(self, hazard: HazardModel, direct: AnchoredCurve, features: np.ndarray, horizons: np.ndarray
                   ) -> np.ndarray:
        """[Q, F] -> [Q, H] P(failure within each horizon) of the blend."""
        anchors = np.asarray(direct.anchors, dtype=float)
        weight = np.asarray(self.weights, dtype=float)[None, :]
        blended = weight * hazard.cumulative(features, anchors) + (1 - weight) * direct.anchor_probabilities(features)
        return join_anchors(monotone_anchors(blended, direct.anchors, direct.priority), direct.anchors, horizons)

    def to_json(self) -> dict[str, Any]:
        return {"weights": self.weights, "chosen": self.chosen, "rule": "champion_challenger_one_se",
                "evidence": self.evidence}

    @classmethod
    def from_json(cls, content: dict[str, Any]) -> HorizonBlend:
        return cls([float(w) for w in content["weights"]], {str(k): float(v) for k, v in content["chosen"].items()},
                   dict(content.get("evidence", {})))
