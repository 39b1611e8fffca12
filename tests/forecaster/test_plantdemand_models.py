"""Plant demand models (forecaster.plantdemand): Croston-SBA and TSB on hand-computed series, the demand
classes, the split by time without leaks, sensible medians and bands for intermittent series, and
train -> predict through the command line, with nothing left behind by a failed run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecaster import predict, train
from forecaster.plantdemand.evaluation import split_by_time, windows
from forecaster.plantdemand.history import load_history
from forecaster.plantdemand.intermittent import croston_sba, demand_class, tsb
from forecaster.plantdemand.methods import SERVABLE, count_rule, forecast
from forecaster.plantdemand.simulated import simulated_history

LEVELS = (0.1, 0.5, 0.9)
LUMPY = np.array([0, 0, 0, 12, 0, 0, 0, 0, 9, 0, 0, 0, 15, 0, 0, 0, 0, 0, 11, 0, 0, 1, 0, 0], dtype=float)


def test_croston_sba_by_hand() -> None:
    # sizes 2, 4 -> smoothed 2, 2.2; intervals 2, 3 -> 2, 2.1; forecast 0.95 x 2.2 / 2.1
    value, fitted = croston_sba(np.array([0, 2, 0, 0, 4.0]))
    assert value == pytest.approx(0.95 * 2.2 / 2.1)
    np.testing.assert_allclose(fitted, [np.nan, np.nan, 0.95, 0.95, 0.95])


def test_tsb_by_hand() -> None:
    # probability 0, 0.1, 0.09, 0.081, 0.1729; size 2 then 2.2 after the second demand
    value, fitted = tsb(np.array([0, 2, 0, 0, 4.0]))
    assert value == pytest.approx(0.1729 * 2.2)
    np.testing.assert_allclose(fitted, [np.nan, np.nan, 0.2, 0.18, 0.162])


def test_no_demand_forecasts_zero() -> None:
    assert croston_sba(np.zeros(6))[0] == 0.0 and tsb(np.zeros(6))[0] == 0.0


@pytest.mark.parametrize(("history", "expected"), [
    ([5, 6, 5, 7, 6, 5], "smooth"), ([1, 20, 2, 30, 1, 25], "erratic"),
    ([0, 2, 0, 0, 2, 0, 3, 0], "intermittent"), ([0, 0, 1, 0, 0, 20, 0, 0, 2, 0, 30, 0], "lumpy"),
    ([0, 0, 0, 0], "no_demand"),
])
def test_syntetos_boylan_classes(history: list[float], expected: str) -> None:
    assert demand_class(np.asarray(history, dtype=float)) == expected


def test_the_time_split_never_leaks(tmp_path: Path) -> None:
    # quantity = months since the start, so every value says when it happened
    months = 30
    frame = pd.DataFrame({"series_id": np.repeat(["A", "B"], months),
                          "period": [d.date().isoformat() for d in pd.date_range("2024-01-01", periods=months,
                                                                                freq="MS")] * 2,
                          "quantity": list(range(months)) * 2})
    frame.to_csv(tmp_path / "h.csv", index=False)
    history = load_history(tmp_path / "h.csv")
    split = split_by_time(history, 6)
    validation, test = windows(history, split, "validation"), windows(history, split, "test")
    for window, first in ((validation, months - 12), (test, months - 6)):
        assert window.series_ids == ["A", "B"]
        assert all(h.max() == first - 1 and len(h) == first for h in window.histories)
        np.testing.assert_array_equal(window.actuals, [list(range(first, first + 6))] * 2)


intermittent_histories = st.lists(
    st.one_of(st.just(0), st.just(0), st.just(0), st.integers(1, 40)), min_size=8, max_size=48,
).filter(lambda values: any(values))


@settings(max_examples=15, deadline=None)
@given(intermittent_histories)
def test_intermittent_medians_are_whole_non_negative_numbers(values: list[int]) -> None:
    history = np.asarray(values, dtype=float)
    for method in SERVABLE:
        result = forecast(method, [history], 12, 6, LEVELS)
        median = result.quantiles[0, :, 1]
        assert np.all(median >= 0), method
        assert np.all(median == np.round(median)), method  # no fractional noise such as 0.3 units
        assert np.all(np.diff(result.quantiles[0], axis=-1) >= 0), method  # quantiles never cross
        np.testing.assert_array_equal(result.point[0], median)


def test_the_band_of_a_lumpy_series_covers_its_zeros_and_its_lumps() -> None:
    for method in ("empirical", "empirical_recent", "tsb_mixture"):
        quantiles = forecast(method, [LUMPY], 12, 6, LEVELS).quantiles[0]
        assert np.all(quantiles[:, 0] == 0) and np.all(quantiles[:, 1] == 0), method
        assert np.all(quantiles[:, 2] >= 9), method


def test_count_rule_rounds_only_whole_number_histories() -> None:
    paths = np.array([[[0.2, 0.4, 2.6]], [[0.2, 0.4, 2.6]]])
    out = count_rule(paths, [np.array([0.0, 1.0, 3.0]), np.array([0.5, 1.5, 3.0])])
    np.testing.assert_array_equal(out, [[[0.0, 0.0, 3.0]], [[0.2, 0.4, 2.6]]])


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("demand")
    history = folder / "history.csv"
    simulated_history(series_per_kind=4, months=30, seed=1).to_csv(history, index=False)
    status = train.main(["--quiet", "demand", "--history", str(history), "--out", str(folder / "model")])
    assert status == 0
    return {"folder": folder, "history": history, "model": folder / "model"}


def test_train_then_predict_through_the_command_line(trained: dict[str, Path]) -> None:
    report = json.loads((trained["model"] / "report.json").read_text(encoding="utf-8"))
    assert report["period"] == "month" and report["horizon"] == 6
    assert set(report["served"].values()) <= set(SERVABLE)
    assert {"seasonal_naive", "ets", "theta", "croston_sba", "tsb"} <= set(report["candidates"])
    out = trained["folder"] / "forecast.csv"
    status = predict.main(["demand", "--model", str(trained["model"]), "--history", str(trained["history"]),
                           "--horizon", "4", "--quantiles", "0.1,0.5,0.9", "--out", str(out)])
    assert status == 0
    result = pd.read_csv(out)
    assert list(result.columns) == ["series_id", "period", "quantile", "value"]
    assert len(result) == 12 * 4 * 3
    assert result["period"].min() == "2025-07-01" and result["period"].max() == "2025-10-01"
    medians = result[result["quantile"] == 0.5]["value"]
    assert (medians >= 0).all() and (medians == medians.round()).all()


def test_predict_without_a_model_uses_the_shipped_one(trained: dict[str, Path]) -> None:
    out = trained["folder"] / "shipped.parquet"
    status = predict.main(["demand", "--history", str(trained["history"]), "--horizon", "2", "--out", str(out)])
    assert status == 0
    result = pd.read_parquet(out)
    assert len(result) == 12 * 2 * 3 and (result["value"] >= 0).all()


def test_a_bad_history_leaves_no_model_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("series_id,period,quantity\nA,2025-01-01,x\n", encoding="utf-8")
    assert train.main(["--quiet", "demand", "--history", str(bad), "--out", str(tmp_path / "model")]) == 2
    assert "bad.csv, row 2, column 'quantity'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [bad]


def test_a_crash_while_training_leaves_no_model_folder_and_keeps_the_old_one(
        trained: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from forecaster.plantdemand import artifact

    out = tmp_path / "model"
    before = (trained["model"] / "model.json").read_bytes()

    def full_disk(*_: object, **__: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(artifact, "_dumps", full_disk)
    for target in (out, trained["model"]):
        with pytest.raises(OSError):
            train.main(["--quiet", "demand", "--history", str(trained["history"]), "--out", str(target)])
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert (trained["model"] / "model.json").read_bytes() == before
