"""The shipped demand model's intermittent-demand rule (forecaster.demand_forecast.shipped_method): which
histories it takes (properties of the Syntetos-Boylan classifier), what it serves them (whole numbers, never
negative, a band from the zeros to the lumps), and that every other history is served exactly as before."""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from forecaster.demand_forecast import (
    INTERMITTENT_METHOD,
    DemandModel,
    forecast_demand,
    load_demand_model,
    quantile_paths,
    served_paths,
    shipped_method,
)
from forecaster.plantdemand.intermittent import (
    ADI_CUT,
    CLASSES,
    INTERMITTENT_CLASSES,
    demand_class,
    demand_probability,
    mixture_quantiles,
)
from forecaster.types import DemandHistory

LEVELS = (0.05, 0.1, 0.5, 0.9, 0.95)

counts = st.lists(st.one_of(st.just(0), st.just(0), st.integers(1, 40)), min_size=4, max_size=120)
"""Whole-number demand histories, about half of the periods without demand."""


@functools.cache
def _model() -> DemandModel:
    return load_demand_model()


def _intermittent_counts(seed: int, length: int = 48, share: float = 0.3) -> np.ndarray:
    """Demand in about `share` of the periods, lumps of 1 to 20 units (at least 4 demands, none at the end
    of a long silence)."""
    rng = np.random.default_rng(seed)
    history = np.where(rng.random(length) < share, rng.integers(1, 21, length), 0).astype(float)
    history[[3, length // 3, 2 * length // 3, length - 2]] = [7.0, 12.0, 3.0, 9.0]
    return history


def _smooth(seed: int, length: int = 60) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 200 + 40 * np.sin(np.arange(length) * 2 * np.pi / 12) + rng.normal(0, 8, length)


# ------------------------------------------------------------------------------------------------ classifier
@settings(max_examples=200, deadline=None)
@given(counts, st.sampled_from([0.5, 3.0, 1000.0]))
def test_the_class_depends_on_the_share_of_demand_periods_and_not_on_the_unit(values: list[int], unit: float
                                                                             ) -> None:
    history = np.asarray(values, dtype=float)
    label = demand_class(history)
    assert label in CLASSES
    demands = int(np.count_nonzero(history))
    assert (label == "no_demand") == (demands == 0)
    if demands:
        assert (label in INTERMITTENT_CLASSES) == (len(history) / demands >= ADI_CUT)
    assert demand_class(unit * history) == label  # kg or tonnes, boxes or pieces: the same class


@settings(max_examples=200, deadline=None)
@given(counts)
def test_only_non_negative_intermittent_histories_leave_the_network(values: list[int]) -> None:
    history = np.asarray(values, dtype=float)
    method = shipped_method(_model(), history)
    assert method in (INTERMITTENT_METHOD, _model().network_method)
    assert (method == INTERMITTENT_METHOD) == (demand_class(history) in INTERMITTENT_CLASSES)
    returned = history.copy()
    returned[0] = -1.0  # a negative value (a return): not a count of demand
    assert shipped_method(_model(), returned) == _model().network_method
    assert shipped_method(_model(), history + 1.0) == _model().network_method  # no zero period: smooth/erratic


# ------------------------------------------------------------------------------------------------ the rule
@settings(max_examples=200, deadline=None)
@given(counts)
def test_mixture_quantiles_are_zeros_or_the_series_own_sizes_and_never_cross(values: list[int]) -> None:
    history = np.asarray(values, dtype=float)
    quantiles = mixture_quantiles(history, LEVELS)
    assert np.all(np.diff(quantiles) >= 0)
    assert set(quantiles.tolist()) <= {0.0, *history.tolist()}  # whole numbers for whole-number histories
    probability = demand_probability(history) if history.any() else 0.0
    # the median is 0 while demand is rarer than every other period, a size while it is more frequent
    # (1e-9: the level and 1 - p compared in floating point)
    if probability < 0.5 - 1e-9:
        assert quantiles[LEVELS.index(0.5)] == 0
    if probability > 0.5 + 1e-9:
        assert quantiles[LEVELS.index(0.5)] > 0
    # the band reaches the zeros while more than one period in ten is expected without demand
    if probability < 0.9 - 1e-9:
        assert quantiles[LEVELS.index(0.1)] == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(counts, min_size=1, max_size=4), st.integers(1, 12))
def test_served_forecasts_of_intermittent_counts_are_whole_and_non_negative(cases: list[list[int]], horizon: int
                                                                           ) -> None:
    histories = [DemandHistory(f"s{i}", tuple(float(v) for v in values), 12) for i, values in enumerate(cases)]
    for history, forecast in zip(histories, forecast_demand(_model(), histories, horizon, LEVELS), strict=True):
        paths = np.array(forecast.values)  # [Q, H]
        assert np.all(paths >= 0) and np.all(np.diff(paths, axis=0) >= 0)
        if shipped_method(_model(), np.asarray(history.values)) == INTERMITTENT_METHOD:
            np.testing.assert_array_equal(paths, np.round(paths))
            assert paths.max() <= max(history.values)


def test_a_lumpy_series_gets_a_zero_median_and_a_band_up_to_its_lumps() -> None:
    history = np.zeros(36)
    history[[2, 9, 15, 21, 28, 33]] = [25, 1, 15, 1, 11, 14]
    assert demand_class(history) == "lumpy"
    paths, methods = served_paths(_model(), [history], [12], 6, (0.1, 0.5, 0.9))
    assert methods == [INTERMITTENT_METHOD]
    assert np.all(paths[0, :, 0] == 0) and np.all(paths[0, :, 1] == 0)
    assert np.all(paths[0, :, 2] >= 11)


def test_an_intermittent_series_without_recent_demand_forecasts_zero() -> None:
    model = _model()
    silent = np.r_[_intermittent_counts(0), np.zeros(model.context_length)]
    paths, methods = served_paths(model, [silent], [12], 6, LEVELS)
    assert methods == [INTERMITTENT_METHOD] and np.all(paths == 0.0)


def test_smooth_series_are_served_exactly_as_before_also_beside_intermittent_ones() -> None:
    model = _model()
    smooth = [_smooth(seed) for seed in range(3)]
    intermittent = [_intermittent_counts(seed) for seed in range(2)]
    mixed = [smooth[0], intermittent[0], smooth[1], intermittent[1], smooth[2]]
    paths, methods = served_paths(model, mixed, [12] * 5, 8, LEVELS)
    assert methods == [model.network_method, INTERMITTENT_METHOD] * 2 + [model.network_method]
    before = quantile_paths(model, smooth, [12] * 3, 8, LEVELS)  # the network + Theta path, alone
    np.testing.assert_allclose(paths[[0, 2, 4]], before, rtol=1e-5, atol=1e-6)
