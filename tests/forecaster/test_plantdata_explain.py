"""Explanations of a plant model's predictions: the served model's own answer to "what if this parameter
were at its usual value", under the plant's names, in English and Korean."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecaster.plantdata.artifact import PlantModel, read_model_folder
from forecaster.plantdata.baselines import BoostingSettings
from forecaster.plantdata.explain import MIN_EFFECT, explain_rows, parameter_effects
from forecaster.plantdata.network import NETWORK_SETTINGS
from forecaster.plantdata.pipeline import PlantTrainSettings, train_from_files
from forecaster.plantdata.predictor import served_probabilities

FAST = PlantTrainSettings(network=replace(NETWORK_SETTINGS, hidden=16, max_epochs=6, patience=3),
                          boosting=BoostingSettings(max_trees=60, early_stopping=15, threads=1))
TEMPLATE = """columns:
  clamp_pressure_bar: {unit: bar, name: {en: Clamp pressure, ko: 형체 압력}}
  room_humidity_pct: {unit: "%", name: {en: Room humidity, ko: 실내 습도}}
"""


@pytest.fixture(scope="module")
def press(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A plant whose parts crack when the clamp pressure runs high; humidity does nothing."""
    folder = tmp_path_factory.mktemp("press")
    rng = np.random.default_rng(7)
    count = 4000
    pressure = rng.normal(100.0, 8.0, count)
    frame = pd.DataFrame({
        "time": pd.date_range("2026-01-01", periods=count, freq="15min", tz="UTC").map(lambda t: t.isoformat()),
        "product": rng.choice(["bracket", "hinge"], count), "machine": rng.choice(["P-1", "P-2"], count),
        "clamp_pressure_bar": pressure.round(2), "room_humidity_pct": rng.normal(45.0, 6.0, count).round(1)})
    risk = 0.02 + 0.5 / (1.0 + np.exp(-(pressure - 112.0) / 2.0))
    frame["defect"] = np.where(rng.random(count) < risk, "crack", "")
    frame.to_csv(folder / "records.csv", index=False)
    (folder / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    train_from_files(folder / "records.csv", folder / "model", folder / "template.yaml", settings=FAST)
    return {"model": read_model_folder(folder / "model"), "frame": frame, "folder": folder}


def _row(model: PlantModel, **values: float) -> pd.DataFrame:
    usual = dict(zip(model.schema.numeric, model.schema.median, strict=True))
    return pd.DataFrame([{"product": "bracket", "machine": "P-1", **usual, **values}])


def test_a_high_clamp_pressure_is_named_as_the_reason_in_both_languages(press: dict[str, Any]) -> None:
    model = press["model"]
    explanation = explain_rows(model, _row(model, clamp_pressure_bar=125.0))[0]
    assert explanation.effects, explanation.text_en
    first = explanation.effects[0]
    assert first.column == "clamp_pressure_bar" and first.effect > 0.05 and first.deviation_sd > 2
    assert all(e.column != "room_humidity_pct" or abs(e.effect) < first.effect / 5 for e in explanation.effects)
    assert explanation.text_en.startswith("Clamp pressure 125 bar (") and "raises the defect probability" in \
        explanation.text_en
    assert explanation.text_ko.startswith("형체 압력 125 bar(평소보다") and "높입니다" in explanation.text_ko


def test_effects_are_the_served_models_own_differences(press: dict[str, Any]) -> None:
    model, frame = press["model"], press["frame"].head(30)
    effects = parameter_effects(model, frame)
    predicted = 1.0 - served_probabilities(model, frame)[:, 0]
    for j, (column, median) in enumerate(zip(model.schema.numeric, model.schema.median, strict=True)):
        at_usual = 1.0 - served_probabilities(model, frame.assign(**{column: median}))[:, 0]
        np.testing.assert_allclose(effects[:, j], predicted - at_usual, atol=1e-5)


_MODEL: dict[str, Any] = {}
"""The trained press model for the hypothesis test (hypothesis cannot take function-scoped fixtures)."""


@pytest.fixture(autouse=True)
def _share_model(press: dict[str, Any]) -> None:
    _MODEL["model"] = press["model"]


@settings(max_examples=25, deadline=None)
@given(st.floats(-3.0, 3.0), st.booleans())
def test_a_part_at_usual_values_has_nothing_to_explain_and_a_gap_is_not_explained(
        humidity_sd: float, gap: bool) -> None:
    model = _MODEL["model"]
    humidity = model.schema.median[model.schema.numeric.index("room_humidity_pct")]
    row = _row(model, room_humidity_pct=humidity + humidity_sd * 6.0)
    if gap:
        row["clamp_pressure_bar"] = np.nan
    effects = parameter_effects(model, row)[0]
    assert effects[model.schema.numeric.index("clamp_pressure_bar")] == 0.0 or not gap
    at_usual = explain_rows(model, _row(model))[0]
    assert not at_usual.effects
    assert at_usual.text_en.startswith("No process parameter moves")


def test_a_base_rate_model_says_parameters_do_not_change_it(press: dict[str, Any]) -> None:
    model = replace(press["model"], served="base_rate")
    explanation = explain_rows(model, _row(model, clamp_pressure_bar=130.0))[0]
    assert not explanation.effects
    assert "do not change it" in explanation.text_en and "바꾸지 않습니다" in explanation.text_ko
    assert MIN_EFFECT > 0


def test_files_without_numeric_parameters_explain_nothing() -> None:
    model = _MODEL["model"]
    empty = replace(model, schema=replace(model.schema, numeric=[], median=[], spread=[]))
    assert parameter_effects(empty, pd.DataFrame({"product": ["bracket"], "machine": ["P-1"]})).shape == (1, 0)


def test_the_cli_writes_explanations_beside_the_predictions(press: dict[str, Any],
                                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    from forecaster.predict import main

    folder = tmp_path_factory.mktemp("explain-cli")
    rows = press["frame"].drop(columns=["defect"]).head(5).copy()
    rows.loc[0, "clamp_pressure_bar"] = 128.0
    rows.to_csv(folder / "new.csv", index=False)
    model_dir = press["folder"] / "model"
    assert main(["defect", "--model", str(model_dir), "--records", str(folder / "new.csv"),
                 "--out", str(folder / "out.csv"), "--explain"]) == 0
    written = pd.read_csv(folder / "out.csv")
    assert list(written.columns[-2:]) == ["explanation_en", "explanation_ko"]
    assert written.loc[0, "explanation_en"].startswith("Clamp pressure 128 bar")
