"""The risk benchmark's verdicts (benchmarks/plantrisk.py): per horizon, the served curve's Brier score against
the best baseline's and its AUPRC against the per-horizon boosting's, and the machine-level bootstrap of those
margins, on tiny held-out periods whose answers are known by construction (binding and non-binding)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.plantrisk import bootstrap_margins, targets
from forecaster.plantrisk.evaluation import score_curves
from forecaster.plantrisk.labels import Landmarks
from forecaster.plantrisk.pipeline import HeldOut

HORIZONS = [24.0]
NAMES = ("direct", "kaplan_meier", "constant_hazard", "horizon_boosting")


def _period() -> Landmarks:
    """Eight machines, four times each; machines M0..M2 fail 5 h after every time, the others never."""
    machine = np.repeat([f"M{i}" for i in range(8)], 4).astype(object)
    time = np.tile(np.arange(4) * 10.0, 8)
    failing = np.repeat(np.arange(8) < 3, 4)
    return Landmarks(machine, time, np.where(failing, time + 5.0, np.inf), np.full(len(time), 1e4))


def _held(served_sharpness: float) -> HeldOut:
    times = _period()
    label, _ = times.label(24.0)
    curves = {"direct": np.where(label == 1, 0.5 + served_sharpness, 0.5 - served_sharpness)[:, None],
              "horizon_boosting": np.where(label == 1, 0.7, 0.3)[:, None],
              "kaplan_meier": np.full((len(times), 1), 0.375),
              "constant_hazard": np.full((len(times), 1), 0.2)}
    return HeldOut(times, curves)


def _scores(held: HeldOut) -> dict[str, Any]:
    return {name: score_curves(held.times, held.curves[name], HORIZONS) for name in NAMES}


def test_a_sharper_served_curve_meets_both_targets_and_a_blunter_one_misses_the_brier_target() -> None:
    sharper, blunter = _held(0.35), _held(0.1)  # boosting is 0.7 / 0.3: 0.85 / 0.15 beats it, 0.6 / 0.4 does not
    met = targets(_scores(sharper), "direct", HORIZONS)["24"]
    assert met["brier_met"] and met["auprc_met"]
    assert met["best_baseline_brier"] == pytest.approx(0.09)  # boosting's (0.3)^2
    missed = targets(_scores(blunter), "direct", HORIZONS)["24"]
    assert not missed["brier_met"] and missed["auprc_met"]  # same ranking: AUPRC equal, "at least" holds


def test_the_bootstrap_agrees_with_the_verdict_when_every_machine_says_the_same() -> None:
    sharper = bootstrap_margins(_held(0.35), "direct", HORIZONS, resamples=200)["24"]
    assert sharper["brier_met_share"] == pytest.approx(1.0) and sharper["brier_margin_q05_q95"][1] < 0
    assert sharper["auprc_met_share"] == pytest.approx(1.0)
    blunter = bootstrap_margins(_held(0.1), "direct", HORIZONS, resamples=200)["24"]
    assert blunter["brier_met_share"] == pytest.approx(0.0) and blunter["brier_margin_q05_q95"][0] > 0
    assert sharper["resamples"] <= 200 and blunter["resamples"] <= 200
