"""Demand network: shapes, non-crossing quantiles, a deterministic training step, windows without leakage."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from forecaster.demand import DemandEnsemble, DemandNet, pinball_loss
from forecaster.demand_data import SeriesSet, WindowSampler, make_context, predict_quantiles
from forecaster.demand_forecast import interpolate_quantiles


def _series(count: int = 20, length: int = 60) -> SeriesSet:
    rng = np.random.default_rng(0)
    values = [100 + 10 * np.sin(np.arange(length) * 2 * np.pi / 12) + rng.normal(0, 2, length) for _ in range(count)]
    return SeriesSet(values, np.full(count, 12), np.full(count, 6), [f"s{i}" for i in range(count)])


def test_shapes() -> None:
    net = DemandEnsemble(members=2, context_length=24, max_horizon=8, n_quantiles=5, hidden=16, blocks=2)
    out = net(torch.randn(3, 24), torch.ones(3, 24), torch.tensor([12, 4, 7]))
    assert out.shape == (3, 8, 5)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_quantiles_never_cross(seed: int) -> None:
    torch.manual_seed(seed)
    net = DemandNet(context_length=12, max_horizon=4, n_quantiles=7, hidden=8, blocks=1)
    out = net(torch.randn(5, 12) * 3, torch.ones(5, 12), torch.tensor([1, 4, 12, 52, 7]))
    assert bool((out[..., 1:] >= out[..., :-1]).all())


def _step(seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    sampler = WindowSampler(_series(), context_length=24, max_horizon=6)
    net = DemandNet(context_length=24, max_horizon=6, n_quantiles=3, hidden=16, blocks=2)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
    context, mask, season, target, target_mask = sampler.sample(64, np.random.default_rng(seed))
    loss = pinball_loss(net(context, mask, season), target, target_mask, torch.tensor([0.1, 0.5, 0.9]))
    loss.backward()
    optimizer.step()
    return {k: v.clone() for k, v in net.state_dict().items()}


def test_training_step_is_deterministic_on_cpu() -> None:
    first, second = _step(3), _step(3)
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_holdout_windows_never_see_the_holdout_in_training() -> None:
    series = _series(count=5, length=40)
    sampler = WindowSampler(series, context_length=24, max_horizon=6, holdout=[6] * 5)
    _context, _mask, _, _target, target_mask = sampler.sample(500, np.random.default_rng(0))
    # every training target lies in the first 34 values: the masked target count shrinks near the end
    assert int(sampler.ends.max()) == 34
    assert float(target_mask.sum(dim=1).min()) >= 1


def test_short_history_is_padded_and_masked() -> None:
    context, mask, scale = make_context(np.array([10.0, 20.0, 30.0, 40.0]), 8)
    assert scale == 25.0
    assert mask.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert np.allclose(context[-4:], [0.4, 0.8, 1.2, 1.6])


def test_recursive_forecast_beyond_the_network_horizon() -> None:
    net = DemandNet(context_length=12, max_horizon=4, n_quantiles=3, hidden=8, blocks=1).eval()
    paths = predict_quantiles(net, [np.arange(1.0, 30.0)], [12], horizon=10, context_length=12, max_horizon=4)
    assert paths.shape == (1, 10, 3)


def test_quantile_interpolation() -> None:
    paths = np.array([[[1.0, 2.0, 4.0]]])
    out = interpolate_quantiles(paths, (0.1, 0.5, 0.9), (0.1, 0.3, 0.7, 0.9))
    assert np.allclose(out[0, 0], [1.0, 1.5, 3.0, 4.0])


def test_fine_tuning_on_a_plants_history_changes_a_copy() -> None:
    from forecaster.demand_forecast import DemandModel
    from forecaster.demand_training import fine_tune
    from forecaster.demo import demo_demand

    net = DemandEnsemble(members=2, member_context_lengths=[12, 24], context_length=24, max_horizon=6,
                         n_quantiles=11, hidden=8, blocks=1)
    model = DemandModel(net, "demand-test", (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95), 1.0, 24, 6)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    tuned = fine_tune(model, demo_demand(), epochs=1, batches_per_epoch=2)
    assert tuned.version == "demand-test.ft"
    assert any(not torch.equal(before[k], v) for k, v in tuned.net.state_dict().items())
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_median_aggregation_is_robust_to_one_outlying_member() -> None:
    from forecaster.demand import aggregate_members

    members = torch.tensor([1.0, 2.0, 3.0, 100.0])[:, None, None, None].expand(4, 2, 3, 1)  # [M, B, H, Q]
    assert torch.allclose(aggregate_members(members, "median"), torch.full((2, 3, 1), 2.5))
    assert torch.allclose(aggregate_members(members[:3], "median"), torch.full((2, 3, 1), 2.0))
    assert torch.allclose(aggregate_members(members, "mean"), torch.full((2, 3, 1), 26.5))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["median", "mean"]))
def test_aggregated_quantiles_never_cross(seed: int, aggregation: str) -> None:
    torch.manual_seed(seed)
    net = DemandEnsemble(members=4, member_context_lengths=[6, 12], aggregation=aggregation, context_length=12,
                         max_horizon=4, n_quantiles=7, hidden=8, blocks=1)
    out = net(torch.randn(5, 12) * 3, torch.ones(5, 12), torch.tensor([1, 4, 12, 52, 7]))
    assert out.shape == (5, 4, 7)
    assert bool((out[..., 1:] >= out[..., :-1]).all())


def test_smape_loss_is_scale_free_and_ignores_masked_points() -> None:
    from forecaster.demand import smape_loss
    from forecaster.metrics import smape

    target, median = torch.tensor([[10.0, 20.0, 30.0]]), torch.tensor([[12.0, 15.0, 1e6]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    expected = smape(target[0, :2].numpy(), median[0, :2].numpy()) / 100
    assert abs(float(smape_loss(median, target, mask)) - expected) < 1e-6
    assert abs(float(smape_loss(median * 7, target * 7, mask)) - expected) < 1e-6


def test_member_losses_cycle_and_unknown_names_fail() -> None:
    import pytest

    from forecaster.demand_training import DemandTrainSettings, member_loss_fn

    settings = DemandTrainSettings(members=4, member_losses=("pinball", "pinball+smape"))
    assert [settings.member_loss(k) for k in range(4)] == ["pinball", "pinball+smape"] * 2
    with pytest.raises(ValueError, match="member loss"):
        member_loss_fn(DemandTrainSettings(member_losses=("mape",)), 0)
    with pytest.raises(ValueError, match="aggregation"):
        DemandEnsemble(members=2, aggregation="max", context_length=8, max_horizon=2, n_quantiles=3, hidden=4)


def test_validation_scores_report_each_cycle_length() -> None:
    from forecaster.demand_training import QUANTILES, validation_scores

    series = _series(count=6, length=60)
    net = DemandEnsemble(members=2, member_context_lengths=[12, 24], aggregation="median", context_length=24,
                         max_horizon=6, n_quantiles=len(QUANTILES), hidden=8, blocks=1).eval()
    validation = WindowSampler(series, 24, 6).holdout_windows([6] * 6)
    report = validation_scores(net, series, validation, QUANTILES)
    assert set(report) == {"cycle_12"}
    assert report["cycle_12"]["series"] == 6
    assert 0 <= report["cycle_12"]["smape"] <= 200 and 0 <= report["cycle_12"]["coverage_80"] <= 1


def test_validation_scores_of_several_collections_are_also_reported_per_collection() -> None:
    from dataclasses import replace

    from forecaster.demand_training import QUANTILES, validation_scores

    series = _series(count=6, length=60)
    series = replace(series, names=[f"{'m3' if i < 4 else 'm1'}:s{i}" for i in range(6)])
    net = DemandEnsemble(members=1, context_length=24, max_horizon=6, n_quantiles=len(QUANTILES), hidden=8,
                         blocks=1).eval()
    validation = WindowSampler(series, 24, 6).holdout_windows([6] * 6)
    report = validation_scores(net, series, validation, QUANTILES)
    assert set(report) == {"cycle_12", "m3:cycle_12", "m1:cycle_12"}
    assert (report["m3:cycle_12"]["series"], report["m1:cycle_12"]["series"]) == (4, 2)
    pooled = (4 * report["m3:cycle_12"]["smape"] + 2 * report["m1:cycle_12"]["smape"]) / 6
    assert abs(pooled - report["cycle_12"]["smape"]) < 0.01


def test_stacked_inference_equals_running_members_one_by_one() -> None:
    torch.manual_seed(0)
    net = DemandEnsemble(members=3, member_context_lengths=[6, 9, 12], context_length=12, max_horizon=4,
                         n_quantiles=5, hidden=8, blocks=3, layers=3).eval()
    mask = torch.ones(4, 12)
    mask[0, :7] = 0  # a short history, left-padded
    context, seasons = torch.randn(4, 12) * mask, torch.tensor([1, 4, 12, 7])
    one_by_one = net(context, mask, seasons).detach()  # gradients enabled: members run one by one
    with torch.inference_mode():
        stacked = net(context, mask, seasons)
        for parameter in net.parameters():  # changed weights must not reuse stale stacked weights
            parameter.mul_(0.5)
        changed = net(context, mask, seasons)
    assert torch.allclose(stacked, one_by_one, atol=1e-5)
    assert torch.allclose(changed, net(context, mask, seasons).detach(), atol=1e-5)


def _tiny_model(theta_weight: float):  # type: ignore[no-untyped-def]
    from forecaster.demand_forecast import DemandModel
    from forecaster.demand_training import QUANTILES

    torch.manual_seed(0)
    net = DemandEnsemble(members=2, member_context_lengths=[12, 24], context_length=24, max_horizon=6,
                         n_quantiles=len(QUANTILES), hidden=8, blocks=1).eval()
    return DemandModel(net, "demand-test", QUANTILES, 1.3, 24, 6, theta_weight=theta_weight)


def test_served_median_averages_the_network_and_theta_and_keeps_the_band() -> None:
    from forecaster.demand_forecast import quantile_paths
    from forecaster.theta import theta_forecasts

    series = _series(count=5, length=50)
    histories = [v - 120.0 for v in series.values]  # negative values: no clipping at zero
    levels = (0.1, 0.5, 0.9)
    alone = quantile_paths(_tiny_model(0.0), histories, [12] * 5, 6, levels)
    combined = quantile_paths(_tiny_model(0.5), histories, [12] * 5, 6, levels)
    theta = theta_forecasts(histories, [12] * 5, 6)
    np.testing.assert_allclose(combined[..., 1], 0.5 * alone[..., 1] + 0.5 * theta, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(combined - combined[..., 1:2], alone - alone[..., 1:2], atol=1e-9)
    assert np.max(np.abs(combined[..., 1] - alone[..., 1])) > 1.0  # theta moved the median


def test_served_validation_scores_without_theta_equal_the_networks_scores() -> None:
    """The API-path scores (full histories, series units) agree with the training loop's (scaled
    windows); with Theta mixed in they differ."""
    from forecaster.demand_training import QUANTILES, served_validation_scores, validation_scores

    series = _series(count=6, length=60)
    model = _tiny_model(0.0)
    validation = WindowSampler(series, 24, 6).holdout_windows([6] * 6)
    expected = validation_scores(model.net, series, validation, QUANTILES, band_scale=1.3)
    served = served_validation_scores(model, series)
    assert served.keys() == expected.keys() == {"cycle_12"}
    assert served["cycle_12"] == pytest.approx(expected["cycle_12"], rel=1e-3)
    mixed = served_validation_scores(_tiny_model(0.5), series)
    assert mixed["cycle_12"]["smape"] != expected["cycle_12"]["smape"]


def test_the_shipped_demand_artifact_serves_the_theta_combination() -> None:
    from forecaster.demand_forecast import load_demand_model

    model = load_demand_model()
    assert model.theta_weight == 0.5
    assert model.version.startswith("demand-1.1.0+")


@pytest.mark.parametrize("combination", [{"method": "ets", "theta_weight": 0.5}, {"method": "theta", "theta_weight": 2},
                                         {"method": "theta", "theta_weight": True}, "theta"])
def test_a_bad_combination_in_the_artifact_names_the_file(tmp_path, combination) -> None:  # type: ignore[no-untyped-def]
    import json
    import shutil

    from forecaster.artifacts import WEIGHTS_DIR, ArtifactError
    from forecaster.demand_forecast import load_demand_model

    shutil.copy(WEIGHTS_DIR / "demand.safetensors", tmp_path)
    metadata = json.loads((WEIGHTS_DIR / "demand.json").read_text())
    (tmp_path / "demand.json").write_text(json.dumps({**metadata, "combination": combination}))
    with pytest.raises(ArtifactError, match=r"demand\.json.*combination"):
        load_demand_model(tmp_path)


@pytest.mark.parametrize("weight", ["1.5", "-0.1", "half"])
def test_train_cli_refuses_a_theta_weight_outside_zero_to_one(weight: str, capsys: pytest.CaptureFixture[str]) -> None:
    from forecaster.train import main

    with pytest.raises(SystemExit) as stopped:
        main(["demand", "--theta-weight", weight])
    assert stopped.value.code == 2
    assert "--theta-weight: expected a number between 0 and 1" in capsys.readouterr().err


def test_a_product_without_recent_demand_forecasts_zero() -> None:
    from forecaster.demand_forecast import load_demand_model, quantile_paths

    model = load_demand_model()
    silent = np.r_[np.full(30, 40.0), np.zeros(model.context_length)]  # ordered once, not for 6 years
    active = np.r_[np.zeros(model.context_length - 1), 5.0]
    paths = quantile_paths(model, [np.zeros(12), silent, active], [12, 12, 12], 6, (0.1, 0.5, 0.9))
    assert np.all(paths[:2] == 0.0)
    assert paths[2, :, 2].max() > 0  # one recent order is enough to forecast something


@functools.cache
def _shipped_model():  # type: ignore[no-untyped-def]
    from forecaster.demand_forecast import load_demand_model

    return load_demand_model()


_history = st.builds(
    lambda level, values: tuple(level * v for v in values),
    st.sampled_from([1e-3, 1.0, 250.0, 1e6, 1e9]),
    st.lists(st.one_of(st.just(0.0), st.floats(-5, 50, allow_nan=False)), min_size=4, max_size=150),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_history, st.integers(1, 24)), min_size=1, max_size=5), st.integers(1, 24))
def test_served_forecasts_are_finite_ordered_and_not_negative_for_non_negative_histories(
    cases: list[tuple[tuple[float, ...], int]], horizon: int,
) -> None:
    from forecaster.demand_forecast import forecast_demand
    from forecaster.types import DemandHistory

    histories = [DemandHistory(f"s{i}", values, cycle) for i, (values, cycle) in enumerate(cases)]
    for history, forecast in zip(histories, forecast_demand(_shipped_model(), histories, horizon,
                                                             (0.05, 0.1, 0.5, 0.9, 0.95)), strict=True):
        paths = np.array(forecast.values)  # [levels, horizon]
        assert paths.shape == (5, horizon) and np.all(np.isfinite(paths))
        assert np.all(np.diff(paths, axis=0) >= 0), "quantile paths cross"
        if min(history.values) >= 0:
            assert np.all(paths >= 0)
