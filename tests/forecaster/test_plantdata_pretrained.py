"""The pretrained template network: shipped and loadable, transferred by column and class name (never by
product or machine identity), tried only where the plant's columns are the template's, and chosen only
when it is better on validation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from forecaster.plantdata.baselines import BoostingSettings
from forecaster.plantdata.network import NETWORK_SETTINGS
from forecaster.plantdata.pipeline import PlantTrainSettings, train_from_files
from forecaster.plantdata.predictor import predict_file
from forecaster.plantdata.pretrained import (
    FINE_TUNE_LEARNING_RATE_SHARE,
    MIN_OVERLAP,
    TemplateNetwork,
    load_template_network,
    overlap,
    transfer,
)
from forecaster.plantdata.schema import ColumnSchema
from forecaster.plantdata.simulated import simulated_records
from forecaster.simulator import PlantVariation, simulate

FAST = PlantTrainSettings(network=replace(NETWORK_SETTINGS, max_epochs=3, patience=2),
                          boosting=BoostingSettings(max_trees=30, early_stopping=10, threads=1))


@pytest.fixture(scope="module")
def template() -> TemplateNetwork:
    loaded = load_template_network()
    assert loaded is not None, "the template network ships in forecaster/weights/plant_defect_template/"
    return loaded


def _plant_schema(template: TemplateNetwork) -> ColumnSchema:
    """A plant that names two template parameters, has one column of its own, other machines and one new
    defect type."""
    known = template.schema
    return ColumnSchema(
        numeric=["melt_temperature_c", "ladle_weight_kg", "cycle_time_s"], median=[690.0, 12.0, 61.0],
        spread=[10.0, 1.0, 4.0], with_gaps=[],
        categorical={"product": ["motor_housing"], "machine": ["CASTER-A"]},
        classes=["ok", "porosity", "flash"], names_en={}, names_ko={}, units={},
    ) if "melt_temperature_c" in known.numeric else pytest.fail("the template lost melt_temperature_c")


def test_transfer_copies_weights_by_name_and_leaves_the_rest_fresh(template: TemplateNetwork) -> None:
    schema = _plant_schema(template)
    moved = transfer(template, schema)
    net = moved.network.net
    moved.initialise(net, np.zeros((4, len(schema.network_features)), dtype=np.float32))
    source = template.network.net
    source_inputs = template.schema.network_features
    first, first_source = net.body[0], source.body[0]
    assert isinstance(first, torch.nn.Linear) and isinstance(first_source, torch.nn.Linear)
    for j, name in enumerate(schema.network_features):
        if name in ("melt_temperature_c", "cycle_time_s"):
            i = source_inputs.index(name)
            assert torch.equal(first.weight[:, j], first_source.weight[:, i])
            assert float(net.input_mean[j]) == pytest.approx(float(source.input_mean[i]))
        else:  # the plant's own column, and product/machine one-hots: no influence at the start
            assert float(first.weight[:, j].detach().abs().sum()) == 0.0
    porosity = template.schema.classes.index("porosity")
    assert torch.equal(net.out.weight[1], source.out.weight[porosity])
    assert moved.report["inputs_matched"] == 2 and moved.report["classes_matched"] == 2
    assert moved.network.settings.learning_rate == pytest.approx(
        NETWORK_SETTINGS.learning_rate * FINE_TUNE_LEARNING_RATE_SHARE)


def test_overlap_counts_the_plants_numeric_parameters_the_template_knows(template: TemplateNetwork) -> None:
    assert overlap(template, _plant_schema(template)) == pytest.approx(2 / 3)
    foreign = replace(_plant_schema(template), numeric=["Torque [Nm]", "Tool wear [min]"], median=[40.0, 100.0],
                      spread=[10.0, 60.0])
    assert overlap(template, foreign) == 0.0 < MIN_OVERLAP


def test_plant_variations_are_other_plants_of_the_same_kind() -> None:
    default, varied = simulate(400, seed=5), simulate(400, seed=5, plant=PlantVariation.random(3))
    assert PlantVariation.random(3) == PlantVariation.random(3)
    assert not np.allclose(default.parameters["melt_temperature_c"], varied.parameters["melt_temperature_c"])
    assert set(varied.parameters) == set(default.parameters)  # same parameter names: the template applies


def test_training_tries_the_template_on_template_plants_and_chooses_on_validation(tmp_path: Path) -> None:
    records = tmp_path / "records.csv"
    simulated_records(records_per_process=500, seed=11).to_csv(records, index=False)
    report = train_from_files(records, tmp_path / "model", settings=FAST)
    start = report["settings"]["timings"]["network_start"]
    scores = start["scores"]
    better = min(scores, key=lambda name: scores[name]["validation"]["class_log_loss"])
    assert start["chosen"] == better
    assert start["transfer"]["parameters_known"] == 1.0
    # whichever network was chosen, the folder reads back and predicts
    pd.read_csv(records).head(20).to_csv(tmp_path / "new.csv", index=False)
    predicted = predict_file(tmp_path / "model", tmp_path / "new.csv")
    assert len(predicted) == 20 and predicted["defect_probability"].between(0, 1).all()


def test_training_does_not_try_the_template_on_other_plants(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    count = 900
    frame = pd.DataFrame({
        "time": pd.date_range("2026-01-01", periods=count, freq="h", tz="UTC").map(lambda t: t.isoformat()),
        "product": rng.choice(["A", "B"], count), "machine": "press",
        "force_kn": rng.normal(100, 10, count), "stroke_mm": rng.normal(50, 5, count)})
    frame["defect"] = np.where(rng.random(count) < 0.05 + 0.2 * (frame["force_kn"] > 115), "crack", "")
    path = tmp_path / "press.csv"
    frame.to_csv(path, index=False)
    report = train_from_files(path, tmp_path / "model", settings=FAST)
    start = report["settings"]["timings"]["network_start"]
    assert start["chosen"] == "scratch" and start["pretrained"].startswith("not tried: the template network knows 0%")
    off = train_from_files(path, tmp_path / "model-off", settings=replace(FAST, pretrained=False))
    assert off["settings"]["timings"]["network_start"]["pretrained"] == "not tried: off"
