"""The batched Theta method: agreement with statsmodels' ThetaModel, and properties of the batched fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import FLOAT32_RTOL

from forecaster.seasonality import seasonality_test
from forecaster.theta import MAX_THETA_HISTORY, theta_forecasts


def _statsmodels_theta(values: np.ndarray, season_length: int, horizon: int) -> np.ndarray:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ThetaModel(values, period=max(season_length, 1), deseasonalize=season_length > 1)
        return np.asarray(model.fit().forecast(horizon))


def _drifting(seed: int, length: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 500 + np.cumsum(rng.normal(2.0, 10.0, length)) + rng.normal(0, 15, length)


@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_statsmodels_on_non_seasonal_series(seed: int) -> None:
    values = _drifting(seed, 40 + 17 * seed)
    ours = theta_forecasts([values], [1], 8)[0]
    np.testing.assert_allclose(ours, _statsmodels_theta(values, 1, 8), rtol=2e-3)


@pytest.mark.parametrize("seed", range(4))
def test_agrees_with_statsmodels_on_seasonal_series(seed: int) -> None:
    rng = np.random.default_rng(seed)
    months = np.arange(96)
    values = (800 + 3 * months) * (1 + 0.3 * np.sin(2 * np.pi * months / 12)) * rng.lognormal(0, 0.05, 96)
    assert seasonality_test(values, 12)  # both deseasonalise, so the fits are comparable
    ours = theta_forecasts([values], [12], 18)[0]
    np.testing.assert_allclose(ours, _statsmodels_theta(values, 12, 18), rtol=5e-3)


def test_seasonality_is_put_back_into_the_forecast() -> None:
    months = np.arange(72)
    values = 1000 * (1 + 0.4 * np.sin(2 * np.pi * months / 12))
    forecast = theta_forecasts([values], [12], 12)[0]
    expected = 1000 * (1 + 0.4 * np.sin(2 * np.pi * (72 + np.arange(12)) / 12))
    np.testing.assert_allclose(forecast, expected, rtol=0.02)


def test_a_constant_history_forecasts_the_constant() -> None:
    np.testing.assert_allclose(theta_forecasts([np.full(30, 7.0)], [12], 5)[0], 7.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(2, 90), min_size=1, max_size=6), st.integers(0, 1000), st.integers(1, 24),
       st.sampled_from([1, 4, 12]))
def test_a_batch_gives_each_series_its_own_forecast(lengths: list[int], seed: int, horizon: int, cycle: int) -> None:
    """Series of different lengths share one padded batch; padding must not change any forecast."""
    rng = np.random.default_rng(seed)
    histories = [np.abs(_drifting(seed + k, n)) + rng.uniform(1, 50) for k, n in enumerate(lengths)]
    batched = theta_forecasts(histories, [cycle] * len(histories), horizon)
    assert batched.shape == (len(histories), horizon)
    for row, history in enumerate(histories):
        np.testing.assert_allclose(batched[row], theta_forecasts([history], [cycle], horizon)[0], rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 1000), st.floats(1e-3, 1e4), st.integers(8, 60))
def test_forecasts_scale_with_the_history(seed: int, factor: float, length: int) -> None:
    history = np.abs(_drifting(seed, length)) + 1.0
    np.testing.assert_allclose(theta_forecasts([factor * history], [4], 6),
                               factor * theta_forecasts([history], [4], 6), rtol=1e-7)


def test_only_the_most_recent_history_is_fitted() -> None:
    history = _drifting(3, MAX_THETA_HISTORY + 300)
    # float64 throughout; not bit for bit, since NumPy's vector loops may sum a slice in another order
    np.testing.assert_allclose(theta_forecasts([history], [12], 6),
                               theta_forecasts([history[-MAX_THETA_HISTORY:]], [12], 6), rtol=1e-9)


def test_the_reported_seasonal_pattern_is_the_one_the_theta_fit_uses() -> None:
    """forecast_demand computes one decomposition per series for both: the whole history up to
    MAX_THETA_HISTORY periods, the most recent MAX_THETA_HISTORY periods beyond that."""
    from forecaster import load_models
    from forecaster.demand_forecast import forecast_demand, quantile_paths
    from forecaster.seasonality import future_pattern
    from forecaster.types import DemandHistory

    model = load_models().demand
    rng = np.random.default_rng(5)
    months = np.arange(MAX_THETA_HISTORY + 190)
    amplitude = np.where(months < 190, 0.05, 0.4)  # the seasonality grows: old and recent indices differ
    long = 500 * (1 + amplitude * np.sin(2 * np.pi * months / 12)) * rng.lognormal(0, 0.03, len(months))
    short = long[-60:]
    histories = [DemandHistory("long", tuple(long), 12), DemandHistory("short", tuple(short), 12)]
    forecasts = forecast_demand(model, histories, 6, (0.1, 0.5, 0.9))
    recent = long[-MAX_THETA_HISTORY:]
    np.testing.assert_allclose(forecasts[0].seasonal_pattern, future_pattern(recent, 12, 12), atol=1e-4)
    assert not np.allclose(future_pattern(long, 12, 12), future_pattern(recent, 12, 12), atol=1e-3)
    np.testing.assert_allclose(forecasts[1].seasonal_pattern, future_pattern(short, 12, 12), atol=1e-4)
    # The network runs in float32, and a batch of two takes other matrix-product kernels than a batch of
    # one: the two paths agree to float32 rounding (3.6e-7 relative seen), not bit for bit. A wrong
    # seasonal table would move the forecast by whole units.
    np.testing.assert_allclose(np.array(forecasts[0].values).T,
                               quantile_paths(model, [long], [12], 6, (0.1, 0.5, 0.9))[0], rtol=FLOAT32_RTOL)
