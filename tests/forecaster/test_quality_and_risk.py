"""Shipped models through the public API: probabilities, monotone risk curves, explanations, demand bands."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from tolerances import FLOAT32_ATOL

from forecaster import (
    ForecastModels,
    assess_equipment_risk,
    demo_inputs,
    forecast_demand,
    load_models,
    predict_yield,
    yield_by_product_machine,
)
from forecaster.simulator import DEFECT_TYPES, simulate


@cache
def _models() -> ForecastModels:
    return load_models()


def test_yield_predictions_are_probabilities_with_explanations() -> None:
    predictions = predict_yield(_models().defect, demo_inputs().process_records)
    assert len(predictions) == 18
    for p in predictions:
        assert 0.0 <= p.defect_probability <= 1.0
        assert abs(p.expected_yield + p.defect_probability - 1.0) < 1e-6
        assert set(p.defect_type_probabilities) == set(DEFECT_TYPES[1:])
        assert p.explanation.text_en and p.explanation.text_ko
    by_pair = yield_by_product_machine(predictions)
    assert len(by_pair) == 18


def test_defect_model_separates_a_cold_die_from_normal() -> None:
    records = demo_inputs().process_records
    normal = next(r for r in records if r.machine_id == "DC-1" and r.product == "battery_tray")
    cold = replace(normal, item_id="cold", parameters={**normal.parameters, "die_temperature_c": 170.0})
    base, worse = predict_yield(_models().defect, [normal, cold])
    assert worse.defect_type_probabilities["cold_shut"] > 2 * base.defect_type_probabilities["cold_shut"]
    assert worse.explanation.contributions[0].feature == "die_temperature_c"
    assert "die temperature" in worse.explanation.text_en and "금형 온도" in worse.explanation.text_ko


def test_defect_model_tracks_the_simulator_on_fresh_records() -> None:
    data = simulate(records_per_process=300, seed=123)  # a seed the shipped model never saw
    from forecaster.defect import encode
    from forecaster.tabular import predict_proba

    model = _models().defect
    probabilities = predict_proba([model.net], encode(list(data.process), list(data.product), data.parameters,
                                                      model.normal))
    assert float(np.mean(np.abs(probabilities[:, 0] - data.true_probabilities[:, 0]))) < 0.05


def test_risk_curves_are_monotone_and_worn_tools_are_riskier() -> None:
    machines = demo_inputs().telemetry
    curves = assess_equipment_risk(_models().risk, machines, bucket_hours=8.0, n_buckets=21)
    for curve in curves:
        cumulative = curve.cumulative_failure_probability
        assert len(cumulative) == 21
        assert all(a <= b + 1e-12 for a, b in itertools.pairwise(cumulative))
        assert all(0.0 <= p <= 1.0 for p in curve.bucket_failure_probability)
        assert 0.0 <= curve.anomaly_score <= 1.0
    by_id = {c.machine_id: c for c in curves}
    assert by_id["CNC-3"].cumulative_failure_probability[-1] > by_id["CNC-1"].cumulative_failure_probability[-1]
    assert "risk" in by_id["CNC-3"].explanation.text_en


def test_demand_forecast_bands_and_seasonal_pattern() -> None:
    histories = demo_inputs().demand
    forecasts = forecast_demand(_models().demand, histories, horizon=12, quantiles=(0.1, 0.25, 0.5, 0.75, 0.9))
    for forecast in forecasts:
        paths = np.array(forecast.values)  # [Q, H]
        assert paths.shape == (5, 12)
        assert bool(np.all(np.diff(paths, axis=0) >= -1e-9))
        assert len(forecast.seasonal_pattern) == 12
        assert forecast.model_version.startswith("demand-")


def _brute_force_curve(machine, bucket_hours: float, n_buckets: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Cumulative failure probability by many midpoints per bucket, straight from the definition: wear
    grows at rate x utilization, a new tool starts at the change wear (at once if the tool is past it),
    and wear never exceeds AI4I's largest value (or the current one beyond it). The hazard jumps down at
    a tool change, which costs a midpoint rule up to one step's jump there: hence steps of 24 s (76 s
    at weekly buckets)."""
    from forecaster.risk import TOOL_WEAR_MAX_MIN, _failure_probabilities, encode

    model = _models().risk
    base = encode([machine.current], [machine.duty_class])[0]
    steps = min(int(bucket_hours * 150), 8000)
    hours = (np.arange(n_buckets * steps) + 0.5) * bucket_hours / steps
    rate = machine.tool_wear_rate_min_per_h * machine.utilization
    change = machine.tool_change_wear_min
    rows = np.repeat(base[None], len(hours), axis=0)
    if change <= TOOL_WEAR_MAX_MIN:
        start = 0.0 if base[4] >= change else base[4]
        rows[:, 4] = np.mod(start + rate * hours, change)
    else:
        rows[:, 4] = np.minimum(base[4] + rate * hours, max(TOOL_WEAR_MAX_MIN, base[4]))
    hazard = -np.log1p(-_failure_probabilities(model, rows)) / model.window_hours * machine.utilization
    return 1.0 - np.exp(-np.cumsum(hazard.reshape(n_buckets, steps).sum(axis=1) * bucket_hours / steps))


@pytest.mark.parametrize(("bucket_hours", "n_buckets", "rate_factor", "change"),
                         [(8.0, 21, 1.0, 200.0), (8.0, 21, 3.0, 200.0), (24.0, 14, 3.0, 120.0),
                          (168.0, 8, 1.0, 200.0), (168.0, 8, 0.0, 200.0), (8.0, 21, 3.0, 1000.0),
                          (168.0, 8, 1.0, 1000.0), (168.0, 8, 0.0, 1000.0), (24.0, 30, 10.0, 60.0)])
def test_risk_curves_match_a_brute_force_integration(bucket_hours: float, n_buckets: int, rate_factor: float,
                                                     change: float) -> None:
    machines = [dataclasses.replace(m, tool_wear_rate_min_per_h=m.tool_wear_rate_min_per_h * rate_factor,
                                    tool_change_wear_min=change) for m in demo_inputs().telemetry]
    curves = assess_equipment_risk(_models().risk, machines, bucket_hours=bucket_hours, n_buckets=n_buckets)
    for machine, curve in zip(machines, curves, strict=True):
        expected = _brute_force_curve(machine, bucket_hours, n_buckets)
        assert np.allclose(curve.cumulative_failure_probability, expected, atol=2e-4), machine.machine_id
    alone = assess_equipment_risk(_models().risk, machines[3:4], bucket_hours=bucket_hours, n_buckets=n_buckets)
    assert np.allclose(alone[0].cumulative_failure_probability, curves[3].cumulative_failure_probability,
                       rtol=0, atol=FLOAT32_ATOL)  # batch-independent up to float32 rounding


def test_tool_changes_keep_risk_from_saturating() -> None:
    """Projected wear restarts at each tool change, so a healthy machine's risk over three weeks stays
    far from certain; without changes its wear runs into AI4I's tool-wear failures."""
    machines = demo_inputs().telemetry
    changed = assess_equipment_risk(_models().risk, machines, bucket_hours=24.0, n_buckets=21)
    never = assess_equipment_risk(_models().risk, [dataclasses.replace(m, tool_change_wear_min=1000.0)
                                                   for m in machines], bucket_hours=24.0, n_buckets=21)
    by_id = {c.machine_id: c.cumulative_failure_probability[-1] for c in changed}
    assert by_id["CNC-1"] < 0.2 and by_id["DC-1"] < 0.2
    assert {c.machine_id: c.cumulative_failure_probability[-1] for c in never}["CNC-1"] > 0.9
    assert all(a.cumulative_failure_probability[-1] <= b.cumulative_failure_probability[-1] + 1e-9
               for a, b in zip(changed, never, strict=True))


def test_a_tool_past_its_change_point_is_changed_at_the_start() -> None:
    """CNC-3's tool (205 min) is past the 200-min change point: its curve is that of a fresh tool."""
    cnc3 = next(m for m in demo_inputs().telemetry if m.machine_id == "CNC-3")
    fresh = dataclasses.replace(cnc3, current=dataclasses.replace(cnc3.current, tool_wear_min=0.0))
    worn, new = assess_equipment_risk(_models().risk, [cnc3, fresh], bucket_hours=8.0, n_buckets=21)
    assert np.allclose(worn.cumulative_failure_probability, new.cumulative_failure_probability, atol=1e-6)
    assert worn.current_failure_probability > new.current_failure_probability  # the reading itself is reported
