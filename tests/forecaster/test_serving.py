"""The serving path: the shipped risk ensemble gives the training modules' numbers, integrated
gradients keep completeness on the real model, and batched seasonal patterns equal per-series ones."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import FLOAT32_ATOL, FLOAT32_RTOL
from torch.nn import functional as F

from forecaster import demo_inputs, load_models
from forecaster.explain import integrated_gradients
from forecaster.risk import RiskNet, encode
from forecaster.seasonality import future_pattern, future_patterns
from forecaster.tabular import ServingEnsemble

_MODELS = load_models()


def _random_z(rows: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(rows, 8, generator=generator) * 2.0


@pytest.mark.parametrize("rows", [1, 7, 300])
def test_serving_ensemble_gives_the_modules_probabilities(rows: int) -> None:
    net = _MODELS.risk.net
    z = _random_z(rows, rows)
    with torch.no_grad():
        reference = F.softmax(net.logits_from_z(z), dim=1)
        served = _MODELS.risk.serving.probabilities(z)
    assert served.shape == (rows, 2)
    assert torch.allclose(served, reference, atol=1e-6)


@pytest.mark.parametrize("which", ["risk", "defect"])
def test_stacked_small_batch_path_equals_the_member_by_member_path(which: str) -> None:
    """Batches up to `stacked_rows` run all members at once; the numbers are those of the per-member path."""
    serving = _MODELS.risk.serving if which == "risk" else ServingEnsemble([_MODELS.defect.net])
    width = serving.first.input_mean.shape[0]
    z = torch.randn(60, width, generator=torch.Generator().manual_seed(5)) * 2.0
    stacked = (serving.probabilities(z), *serving.probability_gradient(z, 1))
    member_by_member = copy.copy(serving)
    member_by_member.stacked_rows = 0
    assert len(z) <= serving.stacked_rows
    reference = (member_by_member.probabilities(z), *member_by_member.probability_gradient(z, 1))
    for ours, expected in zip(stacked, reference, strict=True):
        assert ours.shape == expected.shape
        assert torch.allclose(ours, expected, atol=1e-6)


def test_serving_ensemble_refuses_members_with_different_normalisation() -> None:
    members = [m for m in _MODELS.risk.net.members if isinstance(m, RiskNet)]
    odd = copy.deepcopy(members[1])
    odd.input_mean.add_(1.0)
    with pytest.raises(ValueError, match="input_mean"):
        ServingEnsemble([members[0], odd])
    with pytest.raises(ValueError, match="at least one"):
        ServingEnsemble([])


def _trapezoid(fn, inputs: torch.Tensor, intervals: int) -> torch.Tensor:  # type: ignore[no-untyped-def]
    alphas = torch.linspace(0.0, 1.0, intervals + 1, dtype=inputs.dtype)
    path = (alphas[:, None, None] * inputs[None]).reshape(-1, inputs.shape[1]).requires_grad_(True)
    (gradients,) = torch.autograd.grad(fn(path).sum(), path)
    weights = torch.ones(intervals + 1, dtype=inputs.dtype)
    weights[0] = weights[-1] = 0.5
    return inputs * (weights[:, None, None] * gradients.reshape(intervals + 1, *inputs.shape)).sum(0) / intervals


def test_default_quadrature_beats_a_64_interval_trapezoid_on_the_risk_model() -> None:
    serving = ServingEnsemble([copy.deepcopy(m).double() for m in _MODELS.risk.net.members
                               if isinstance(m, RiskNet)])
    telemetry = demo_inputs().telemetry
    raw = encode([m.current for m in telemetry], [m.duty_class for m in telemetry])
    z = serving.standardise(torch.from_numpy(raw))
    origin = torch.zeros(z.shape[1], dtype=z.dtype)

    def failure(inputs: torch.Tensor) -> torch.Tensor:
        return serving.probabilities(inputs)[:, 1]

    with torch.no_grad():
        difference = failure(z) - failure(origin[None])
    assert float(difference.abs().max()) > 0.1  # some demo machine is far from normal
    ours = (integrated_gradients(failure, z, origin).sum(dim=1) - difference).abs().max()
    trapezoid = (_trapezoid(failure, z, 64).sum(dim=1) - difference).abs().max()
    assert float(ours) < float(trapezoid)
    assert float(ours) < 1e-4
    assert np.isfinite(float(ours))


@pytest.mark.parametrize("which", ["risk", "defect"])
def test_written_out_gradient_equals_autograd(which: str) -> None:
    nets = ([m for m in _MODELS.risk.net.members if isinstance(m, RiskNet)] if which == "risk"
            else [_MODELS.defect.net])
    serving = ServingEnsemble([copy.deepcopy(net).double() for net in nets])
    width = nets[0].input_mean.shape[0]
    z = torch.randn(40, width, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 1.5
    for target in (0, 1):
        probability, gradient = serving.probability_gradient(z, target)
        path = z.clone().requires_grad_(True)
        reference = serving.probabilities(path)[:, target]
        (expected,) = torch.autograd.grad(reference.sum(), path)
        assert torch.allclose(probability, reference.detach(), atol=1e-12)
        assert torch.allclose(gradient, expected, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 4, 7, 12]), st.sampled_from([5, 12, 36, 37, 48]),
                          st.integers(0, 2**31 - 1), st.integers(1, 24)), min_size=1, max_size=12))
def test_batched_seasonal_patterns_equal_the_per_series_ones(cases: list[tuple[int, int, int, int]]) -> None:
    histories, cycles, horizons = [], [], []
    for cycle, length, seed, horizon in cases:
        rng = np.random.default_rng(seed)
        steps = np.arange(length)
        values = 50 + rng.uniform(0, 30) * np.sin(2 * np.pi * steps / cycle) + rng.normal(0, rng.uniform(0, 20), length)
        histories.append(values)
        cycles.append(cycle)
        horizons.append(horizon)
    for values, cycle, horizon, got in zip(histories, cycles, horizons, future_patterns(histories, cycles, horizons),
                                           strict=True):
        expected = future_pattern(values, cycle, horizon) if cycle > 1 else np.ones(1)
        assert got.shape == expected.shape
        assert np.allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_large_calls_run_in_chunks_with_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    import forecaster.defect as defect_module
    import forecaster.demand_forecast as demand_module
    import forecaster.risk as risk_module
    from forecaster.defect import predict_validated
    from forecaster.demand_forecast import forecast_validated
    from forecaster.risk import assess_validated

    demo = demo_inputs()
    whole_risk = assess_validated(_MODELS.risk, demo.telemetry, 8.0, 21)
    whole_demand = forecast_validated(_MODELS.demand, demo.demand, 6, (0.1, 0.5, 0.9))
    whole_yield = predict_validated(_MODELS.defect, demo.process_records)
    monkeypatch.setattr(risk_module, "CHUNK_ROWS", 100)  # 2 machines per pass
    monkeypatch.setattr(demand_module, "CHUNK_SERIES", 2)
    monkeypatch.setattr(defect_module, "CHUNK_ITEMS", 5)
    chunked_risk = assess_validated(_MODELS.risk, demo.telemetry, 8.0, 21)
    chunked_demand = forecast_validated(_MODELS.demand, demo.demand, 6, (0.1, 0.5, 0.9))
    chunked_yield = predict_validated(_MODELS.defect, demo.process_records)
    assert [c.machine_id for c in chunked_risk] == [c.machine_id for c in whole_risk]
    for a, b in zip(chunked_risk, whole_risk, strict=True):
        assert np.allclose(a.cumulative_failure_probability, b.cumulative_failure_probability, rtol=0,
                           atol=FLOAT32_ATOL)
        assert [c.feature for c in a.explanation.contributions] == [c.feature for c in b.explanation.contributions]
    assert [f.series_id for f in chunked_demand] == [f.series_id for f in whole_demand]
    for a, b in zip(chunked_demand, whole_demand, strict=True):
        assert np.allclose(a.values, b.values, rtol=FLOAT32_RTOL)
    assert [p.item_id for p in chunked_yield] == [p.item_id for p in whole_yield]
    assert np.allclose([p.expected_yield for p in chunked_yield], [p.expected_yield for p in whole_yield], rtol=0,
                       atol=FLOAT32_ATOL)


def test_too_many_curve_points_is_refused_before_any_work() -> None:
    from forecaster import ForecastInputError, assess_equipment_risk
    from forecaster.risk import MAX_CURVE_POINTS

    machine = demo_inputs().telemetry[0]
    machines = [dataclasses.replace(machine, machine_id=f"m{i}") for i in range(MAX_CURVE_POINTS // 1000 + 1)]
    with pytest.raises(ForecastInputError) as error:
        assess_equipment_risk(_MODELS.risk, machines, 8.0, 1000)
    assert any(p.field == "machines" and "split the call" in p.reason for p in error.value.problems)


def test_written_out_derived_input_gradient_equals_autograd() -> None:
    member = copy.deepcopy(next(m for m in _MODELS.risk.net.members if isinstance(m, RiskNet))).double()
    z = torch.randn(25, 8, generator=torch.Generator().manual_seed(5), dtype=torch.float64) * 2.0
    upstream = torch.randn(25, 3, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    path = z.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(member.derive(path), path, grad_outputs=upstream)
    assert torch.allclose(member.derive_vjp(z, upstream), expected, atol=1e-12)
    assert float(expected.abs().max()) > 0.1  # the test compares something
