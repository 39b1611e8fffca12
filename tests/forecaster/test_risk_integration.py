"""The risk curve's time integral, checked on any wear path against a brute force.

The shipped model is replaced by an analytic failure probability that depends on tool wear alone
(steep near the end of a tool's life, as AI4I's is), so that a midpoint rule with very many steps is
cheap and the property can range over start wear, wear rate, tool-change point, utilization and
bucket length, including tools past their change point, no tool changes and no wear at all.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import forecaster.risk as risk
from forecaster.types import MachineTelemetry, TelemetrySample

WINDOW_HOURS = 8.0
WEAR = risk.SIGNALS.index("tool_wear_min")


def _probability(wear: np.ndarray) -> np.ndarray:
    """P(failure within a window): low for a fresh tool, rising steeply after 150 min of wear."""
    return 0.01 + 0.6 / (1.0 + np.exp(-(wear - 190.0) / 12.0))


def _brute_force(start: float, rate: float, change: float, utilization: float, bucket_hours: float,
                 n_buckets: int) -> np.ndarray:
    """Cumulative failure probability from the definition: the time axis is cut at every bucket end and
    every tool change (where the hazard jumps), and each stretch gets a 400-point midpoint rule."""
    wear_per_hour = rate * utilization
    horizon = n_buckets * bucket_hours
    changes_tools = change <= risk.TOOL_WEAR_MAX_MIN and wear_per_hour > 0
    first = 0.0 if change <= risk.TOOL_WEAR_MAX_MIN and start >= change else start
    cuts = [k * bucket_hours for k in range(n_buckets + 1)]
    if changes_tools:
        life = change / wear_per_hour
        cuts += list(np.arange((change - first) / wear_per_hour, horizon, life))
    cuts = np.unique(np.array(cuts))
    exposure = np.zeros(n_buckets)
    for left, right in itertools.pairwise(cuts):
        hours = left + (np.arange(400) + 0.5) * (right - left) / 400
        if changes_tools:
            wear = np.mod(first + wear_per_hour * hours, change)
        else:
            wear = np.minimum(first + wear_per_hour * hours, max(risk.TOOL_WEAR_MAX_MIN, first))
        hazard = -np.log1p(-_probability(wear)) / WINDOW_HOURS * utilization
        exposure[min(int((left + right) / 2 // bucket_hours), n_buckets - 1)] += hazard.mean() * (right - left)
    return 1.0 - np.exp(-np.cumsum(exposure))


@settings(max_examples=60, deadline=None)
@given(start=st.floats(0.0, 300.0), rate=st.sampled_from([0.0, 0.3, 1.0, 4.0, 25.0]),
       change=st.floats(20.0, 400.0), utilization=st.floats(0.05, 1.0),
       bucket_hours=st.sampled_from([1.0, 8.0, 24.0, 168.0]), n_buckets=st.integers(1, 6))
def test_curve_matches_the_wear_path_integral(start: float, rate: float, change: float, utilization: float,
                                              bucket_hours: float, n_buckets: int) -> None:
    machine = MachineTelemetry("M", TelemetrySample(300.0, 310.0, 1500.0, 40.0, start), utilization=utilization,
                               tool_wear_rate_min_per_h=rate, tool_change_wear_min=change)
    base = np.zeros((1, len(risk.INPUT_NAMES)))
    base[0, WEAR] = start
    model = SimpleNamespace(window_hours=WINDOW_HOURS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(risk, "_failure_probabilities", lambda _model, rows: _probability(rows[:, WEAR]))
        cumulative, per_bucket, current = risk.risk_curves(model, [machine], bucket_hours, n_buckets,  # type: ignore[arg-type]
                                                           base=base)
    expected = _brute_force(start, rate, change, utilization, bucket_hours, n_buckets)
    assert np.allclose(cumulative[0], expected, atol=2e-4)
    assert np.all(np.diff(cumulative[0]) >= -1e-12) and np.all((per_bucket >= 0) & (per_bucket <= 1))
    assert current[0] == pytest.approx(_probability(np.array([start]))[0])
