"""Training a plant's defect model from its records, its model folder and predictions read back from it
(forecaster.plantdata): time split without leaks, the served model never worse than the baselines on
validation, nothing left behind by a failed run, input order kept by prediction."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import FLOAT32_ATOL

from forecaster import metrics
from forecaster.plantdata import PlantDataError
from forecaster.plantdata.artifact import read_model_folder
from forecaster.plantdata.baselines import BoostingSettings, GradientBoosting
from forecaster.plantdata.calibration import fit_calibration
from forecaster.plantdata.evaluation import average_precision, brier, calibration_error, scores
from forecaster.plantdata.network import NETWORK_SETTINGS, PlantNetwork
from forecaster.plantdata.pipeline import BASELINES, PlantTrainSettings, train_from_files
from forecaster.plantdata.predictor import predict_file, predict_frame
from forecaster.plantdata.records import load_records
from forecaster.plantdata.simulated import simulated_records
from forecaster.plantdata.split import Examples, split_by_time, weighted_examples

FAST = PlantTrainSettings(network=replace(NETWORK_SETTINGS, hidden=16, max_epochs=4, patience=2),
                          boosting=BoostingSettings(max_trees=40, early_stopping=10, threads=1))


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A small simulated plant (1,800 parts over 90 days), trained once with fast settings."""
    folder = tmp_path_factory.mktemp("plant")
    records = folder / "records.csv"
    simulated_records(records_per_process=600, seed=3).to_csv(records, index=False)
    report = train_from_files(records, folder / "model", settings=FAST)
    return {"folder": folder, "records": records, "model": folder / "model", "report": report}


def test_the_time_split_never_leaks_the_future_into_training(plant: dict[str, Any]) -> None:
    frame = load_records(plant["records"]).frame
    split = split_by_time(frame["time"], "records.csv")
    times = frame["time"]
    assert times.iloc[split.train].max() < times.iloc[split.validation].min()
    assert times.iloc[split.validation].max() < times.iloc[split.test].min()
    assert len(split.train) + len(split.validation) + len(split.test) == len(frame)
    assert plant["report"]["split"]["train"]["to"] < plant["report"]["split"]["validation"]["from"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=3, max_size=80))
def test_rows_that_share_a_time_stay_in_one_period(minutes: list[int]) -> None:
    times = pd.Series(pd.Timestamp("2026-03-02T00:00:00Z") + pd.to_timedelta(minutes, unit="min"))
    try:
        split = split_by_time(times, "f.csv")
    except PlantDataError as error:  # too few distinct times to cut in three: reported, never guessed
        assert "cannot be split by time" in str(error)
        return
    periods = [set(times.iloc[part]) for part in (split.train, split.validation, split.test)]
    assert not (periods[0] & periods[1]) and not (periods[1] & periods[2]) and not (periods[0] & periods[2])
    assert max(periods[0]) < min(periods[1]) and max(periods[1]) < min(periods[2])


def test_training_writes_a_versioned_model_folder_without_pickle(plant: dict[str, Any]) -> None:
    files = sorted(p.name for p in plant["model"].iterdir())
    assert files == ["gbm.txt", "model.json", "network.json", "network.safetensors", "report.json"]
    meta = json.loads((plant["model"] / "model.json").read_text(encoding="utf-8"))
    assert meta["version"].startswith("defect-plant-1.0.0+") and meta["schema"]["classes"][0] == "ok"
    assert "melt_temperature_c" in meta["schema"]["numeric"] and "shift" in meta["schema"]["categorical"]
    assert "serial_number" not in meta["schema"]["categorical"]
    for name in files:
        assert not (plant["model"] / name).read_bytes().startswith(b"\x80")  # no pickle protocol header
    assert not [p for p in plant["folder"].iterdir() if p.name.startswith(".")]


def test_the_served_model_is_never_worse_than_the_best_baseline_on_validation(plant: dict[str, Any]) -> None:
    report = plant["report"]
    loss = {name: c["validation"]["class_log_loss"] for name, c in report["candidates"].items()}
    assert loss[report["served"]] <= min(loss[name] for name in BASELINES)
    assert loss[report["served"]] == min(loss.values())
    assert set(report["candidates"]) == {"base_rate", "gbm", "network", "network+gbm"}
    for key in ("auprc", "brier", "log_loss", "ece", "class_log_loss"):
        assert np.isfinite(report["candidates"][report["served"]]["test"][key])


def test_prediction_keeps_input_order_and_names_a_column_per_defect_type(plant: dict[str, Any], tmp_path: Path
                                                                        ) -> None:
    frame = pd.read_csv(plant["records"], dtype=str, keep_default_na=False).iloc[::-1].head(50).copy()
    frame = frame.drop(columns=["defect", "time"])
    frame.iloc[7, frame.columns.get_loc("machine")] = "DC-9"
    frame.to_csv(tmp_path / "new.csv", index=False)
    result = predict_file(plant["model"], tmp_path / "new.csv", tmp_path / "out.csv")
    classes = read_model_folder(plant["model"]).schema.classes
    assert list(result.columns) == ["row", "product", "machine", "defect_probability",
                                    *[f"p_{c}" for c in classes[1:]], "unseen"]
    assert result["row"].tolist() == list(range(2, 52))
    assert result["machine"].tolist() == frame["machine"].tolist()
    assert result["unseen"].tolist() == [""] * 7 + ["machine"] + [""] * 42
    types = result[[f"p_{c}" for c in classes[1:]]].sum(axis=1)
    np.testing.assert_allclose(types, result["defect_probability"], atol=1e-9)
    assert result["defect_probability"].between(0, 1).all()
    written = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    np.testing.assert_allclose(written["defect_probability"], result["defect_probability"], rtol=1e-12)
    parquet = predict_file(plant["model"], tmp_path / "new.csv", tmp_path / "out.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out.parquet"), parquet)


@pytest.mark.parametrize("candidate", ["served", "base_rate", "gbm", "network", "network+gbm"])
def test_predictions_read_back_reproduce_the_reported_test_scores(plant: dict[str, Any], candidate: str) -> None:
    """Serving from the folder computes what training scored, for the served model and for every other
    candidate had it been served (each serving path against the report)."""
    records = load_records(plant["records"])
    model = read_model_folder(plant["model"])
    report = plant["report"]
    name = report["served"] if candidate == "served" else candidate
    model = replace(model, served=name, calibration=model.candidate_calibrations[name],
                    blend_weight=report["candidates"][name]["blend_weight"])
    split = split_by_time(records.frame["time"], records.file)
    test = weighted_examples(records.frame, split.test, model.schema.classes)
    predicted = predict_frame(model, records.frame.iloc[test.row].reset_index(drop=True), records.rows[test.row])
    probabilities = np.column_stack([1 - predicted["defect_probability"],
                                     predicted[[f"p_{c}" for c in model.schema.classes[1:]]].to_numpy()])
    for key, value in scores(probabilities, test).items():
        assert value == pytest.approx(report["candidates"][name]["test"][key], abs=10 * FLOAT32_ATOL), key


def test_bad_records_stop_training_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("time,product,machine\nyesterday,A,M1\n", encoding="utf-8")
    with pytest.raises(PlantDataError) as caught:
        train_from_files(tmp_path / "bad.csv", tmp_path / "model", settings=FAST)
    assert {(p.row, p.column) for p in caught.value.problems} == {(None, "defect"), (2, "time")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_a_run_that_fails_while_training_leaves_no_model_folder(plant: dict[str, Any], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(PlantNetwork, "fit", broken)
    with pytest.raises(RuntimeError, match="out of memory"):
        train_from_files(plant["records"], tmp_path / "model", settings=FAST)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_model_and_leaves_no_partial_folder(
        plant: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "model"
    train_from_files(plant["records"], out, settings=FAST)
    before = (out / "model.json").read_bytes()

    def broken(self: GradientBoosting, path: Path) -> None:
        path.write_text("half a model", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(GradientBoosting, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        train_from_files(plant["records"], out, settings=FAST)
    assert (out / "model.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    read_model_folder(out)


def test_a_folder_that_is_not_a_model_is_never_overwritten(plant: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        train_from_files(plant["records"], tmp_path, settings=FAST)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_no_defect_in_the_training_period_is_reported(tmp_path: Path) -> None:
    frame = simulated_records(records_per_process=100, seed=1)
    frame.loc[: int(len(frame) * 0.8), "defect"] = ""
    frame.to_csv(tmp_path / "r.csv", index=False)
    with pytest.raises(PlantDataError, match="no defective part in the training period"):
        train_from_files(tmp_path / "r.csv", tmp_path / "model", settings=FAST)
    assert not (tmp_path / "model").exists()


def test_a_tampered_model_file_is_refused(plant: dict[str, Any], tmp_path: Path) -> None:
    import shutil

    from forecaster.artifacts import ArtifactError

    copy = tmp_path / "model"
    shutil.copytree(plant["model"], copy)
    (copy / "gbm.txt").write_text((copy / "gbm.txt").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(ArtifactError, match="checksum"):
        read_model_folder(copy)


def test_lot_rows_weigh_as_many_parts_as_they_hold() -> None:
    frame = pd.DataFrame({"defect": ["ok", "porosity", "cold_shut", "new_type"], "quantity": [5.0, 10.0, 1.0, 2.0],
                          "defective_quantity": [0.0, 3.0, 1.0, 2.0]})
    examples = weighted_examples(frame, np.arange(4), ["ok", "cold_shut", "porosity"])
    parts = {(int(r), int(label)): w for r, label, w in zip(examples.row, examples.label, examples.weight, strict=True)}
    assert parts == {(0, 0): 5.0, (1, 0): 7.0, (1, 2): 3.0, (2, 1): 1.0, (3, -1): 2.0}
    assert examples.is_defect.tolist() == [0, 0, 1, 1, 1]


def test_weighted_scores_equal_the_shared_metrics_with_unit_weights() -> None:
    rng = np.random.default_rng(0)
    labels = (rng.random(500) < 0.2).astype(float)
    scores_ = np.round(rng.random(500), 2)  # ties, as real scores have
    ones = np.ones(500)
    assert average_precision(labels, scores_, ones) == pytest.approx(metrics.average_precision(labels, scores_))
    assert brier(labels, scores_, ones) == pytest.approx(metrics.brier(labels, scores_))
    assert calibration_error(labels, scores_, ones) == pytest.approx(
        metrics.expected_calibration_error(labels, scores_))
    doubled = np.r_[labels, labels], np.r_[scores_, scores_]
    assert average_precision(labels, scores_, 2 * ones) == pytest.approx(metrics.average_precision(*doubled))


def test_calibration_fixes_an_overconfident_model_on_validation() -> None:
    rng = np.random.default_rng(1)
    truth = rng.dirichlet([8.0, 1.0, 1.0], size=4000)
    labels = np.array([rng.choice(3, p=p) for p in truth])
    overconfident = truth**3 / (truth**3).sum(axis=1, keepdims=True)
    examples = Examples(np.arange(4000), labels, np.ones(4000))
    calibration = fit_calibration(overconfident, examples)
    before, after = scores(overconfident, examples), scores(calibration.apply(overconfident), examples)
    assert calibration.temperature > 1.5
    assert after["class_log_loss"] < before["class_log_loss"] and after["ece"] < before["ece"]


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plant-data"


def test_the_command_lines_train_on_the_example_files_and_predict(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                                  ) -> None:
    from forecaster import predict, train

    out = tmp_path / "model"
    assert train.main(["--quiet", "--threads", "1", "defect", "--records", str(EXAMPLES / "inspection_records.csv"),
                       "--template", str(EXAMPLES / "plant_template.yaml"), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["served"] in {"base_rate", "gbm", "network", "network+gbm"} and summary["out"] == str(out)
    assert predict.main(["defect", "--model", str(out), "--records", str(EXAMPLES / "inspection_records.csv"),
                         "--out", str(tmp_path / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == len(pd.read_csv(EXAMPLES / "inspection_records.csv"))
    lots = tmp_path / "lots"
    assert train.main(["--quiet", "--threads", "1", "defect", "--records", str(EXAMPLES / "lot_records.csv"),
                       "--out", str(lots)]) == 0
    report = json.loads((lots / "report.json").read_text(encoding="utf-8"))
    parts = sum(report["split"][name]["parts"] for name in ("train", "validation", "test"))
    assert parts == pd.read_csv(EXAMPLES / "lot_records.csv")["quantity"].sum()


def test_the_command_line_prints_every_problem_and_writes_nothing(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from forecaster import train

    (tmp_path / "bad.csv").write_text("time,product,machine,defect,x\nsoon,A,M1,,1\n2026-03-02T08:00:00Z,,M1,,2\n",
                                      encoding="utf-8")
    assert train.main(["--quiet", "defect", "--records", str(tmp_path / "bad.csv"), "--out",
                       str(tmp_path / "model")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv, row 2, column 'time'" in err and "bad.csv, row 3, column 'product'" in err
    assert not (tmp_path / "model").exists()


def test_suspicious_records_become_warnings_not_failures(tmp_path: Path) -> None:
    """A constant column, a defect type and a machine that appear only after training, few defects."""
    from forecaster.plantdata.report import period_warnings
    from forecaster.plantdata.schema import fit_schema
    from forecaster.plantdata.template import PlantTemplate

    frame = simulated_records(records_per_process=100, seed=2, days=30)
    frame["line_voltage"] = 400.0
    late = frame.index[-20:]
    frame.loc[late[:3], "defect"] = "crack"
    frame.loc[late[3:6], "machine"] = "DC-9"
    frame.to_csv(tmp_path / "r.csv", index=False)
    records = load_records(tmp_path / "r.csv")
    split = split_by_time(records.frame["time"], records.file)
    schema, warnings = fit_schema(records, split.train, PlantTemplate())
    examples = {name: weighted_examples(records.frame, getattr(split, name), schema.classes)
                for name in ("train", "validation", "test")}
    warnings += period_warnings(records, split, schema, examples)
    text = "\n".join(warnings)
    assert "column 'line_voltage' ignored: constant" in text
    assert "defect type 'crack' appears only after the training period (rows " in text
    assert "machine 'DC-9' never seen in the training period" in text
    assert "defective parts in the test period: its scores are uncertain" in text
    assert "crack" not in schema.classes and examples["test"].label.min() == -1


def test_the_report_names_the_plants_own_columns(plant: dict[str, Any]) -> None:
    report = plant["report"]
    known = {"product", "machine", "shift", "melt_temperature_c", "die_temperature_c", "injection_pressure_mpa",
             "cycle_time_s", "shot_velocity_m_s", "spindle_speed_rpm", "feed_rate_mm_min", "tool_wear_min",
             "spindle_vibration_mm_s", "coolant_temperature_c", "solution_temperature_c", "soak_time_min",
             "quench_delay_s", "aging_temperature_c", "aging_time_min"}
    assert report["top_features"] and {f["column"] for f in report["top_features"]} <= known
    assert report["columns"]["ignored"] == {} and "serial_number" in report["warnings"][0]
