"""Train -> predict through the command-line modules on a small simulated fleet."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster import predict as forecaster_predict
from forecaster import train as forecaster_train
from forecaster.plantrisk import predict as predict_cli
from forecaster.plantrisk import train as train_cli
from forecaster.plantrisk.artifact import read_model_folder
from forecaster.plantrisk.predictor import OUTPUT_COLUMNS
from forecaster.plantrisk.simulated import write_fleet


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("fleet")
    telemetry, events, machines = write_fleet(folder, machines=5, days=40, seed=3)
    out = folder / "model"
    # through the documented entry point: python -m forecaster.train risk --telemetry ...
    code = forecaster_train.main(["risk", "--telemetry", telemetry, "--events", events, "--machines", machines,
                                  "--out", str(out), "--max-horizon", "72", "--horizons", "24,72", "--threads", "1"])
    assert code == 0
    return folder, out, Path(telemetry)


def test_round_trip_writes_one_row_per_time_and_horizon(trained: tuple[Path, Path, Path]) -> None:
    folder, model, telemetry = trained
    at = pd.DataFrame({"machine": ["M1", "M2", "M1"],
                       "time": ["2026-01-20T00:00:00Z", "2026-01-30T12:00:00Z", "2026-02-05T00:00:00Z"]})
    at.to_csv(folder / "at.csv", index=False)
    out = folder / "predictions.csv"
    code = forecaster_predict.main(["risk", "--model", str(model), "--telemetry", str(telemetry), "--events",
                                    str(folder / "events.csv"), "--at", str(folder / "at.csv"), "--horizons",
                                    "24,168,6", "--out", str(out)])
    assert code == 0
    result = pd.read_csv(out)
    assert tuple(result.columns) == OUTPUT_COLUMNS
    assert len(result) == 9 and list(result["horizon_hours"][:3]) == [24.0, 168.0, 6.0]
    assert result["failure_probability"].between(0, 1).all() and result["anomaly_score"].between(0, 1).all()
    for _, rows in result.groupby(["machine", "time"]):
        ordered = rows.sort_values("horizon_hours")["failure_probability"].to_numpy()
        assert np.all(np.diff(ordered) >= 0)
    report = json.loads((model / "report.json").read_text(encoding="utf-8"))
    assert report["served"] in ("hazard", "direct", "blend", "kaplan_meier", "constant_hazard")
    assert set(report["test"]) >= {"hazard", "kaplan_meier", "constant_hazard", "horizon_boosting"}
    assert read_model_folder(model).served == report["served"]


def test_a_machine_not_in_training_is_predicted_from_its_own_telemetry(trained: tuple[Path, Path, Path]) -> None:
    folder, model, telemetry = trained
    frame = pd.read_csv(telemetry)
    new = frame[frame["machine"] == "M3"].assign(machine="NEW-1")
    new["vibration"] = new["vibration"] * 1.5
    pd.concat([frame, new]).to_csv(folder / "with_new.csv", index=False)
    pd.DataFrame({"machine": ["NEW-1"], "time": ["2026-02-01T00:00:00Z"]}).to_csv(folder / "at_new.csv", index=False)
    out = folder / "new.parquet"
    assert predict_cli.main(["--model", str(model), "--telemetry", str(folder / "with_new.csv"), "--at",
                             str(folder / "at_new.csv"), "--horizons", "24", "--out", str(out)]) == 0
    result = pd.read_parquet(out)
    assert list(result["machine"]) == ["NEW-1"] and 0 <= result["failure_probability"].iat[0] <= 1


def test_prediction_rows_for_unknown_machines_are_named(trained: tuple[Path, Path, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder, model, telemetry = trained
    pd.DataFrame({"machine": ["M1", "GHOST"], "time": ["2026-01-20T00:00:00Z", "2026-01-20T00:00:00Z"]}).to_csv(
        folder / "at_bad.csv", index=False)
    out = folder / "bad.csv"
    assert predict_cli.main(["--model", str(model), "--telemetry", str(telemetry), "--at", str(folder / "at_bad.csv"),
                             "--horizons", "24", "--out", str(out)]) == 2
    assert "at_bad.csv, row 3, column 'machine'" in capsys.readouterr().err
    assert not out.exists()


def test_failed_training_leaves_no_artifact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    telemetry, events, _ = write_fleet(tmp_path, machines=2, days=10, seed=0)
    only_alarms = pd.read_csv(events)
    only_alarms = only_alarms[only_alarms["event"] != "failure"]
    only_alarms.to_csv(tmp_path / "no_failures.csv", index=False)
    out = tmp_path / "model"
    code = train_cli.main(["--telemetry", telemetry, "--events", str(tmp_path / "no_failures.csv"), "--out", str(out),
                           "--threads", "1"])
    assert code == 2 and "no failure" in capsys.readouterr().err
    assert not out.exists() and not any(p.name.startswith(".model") for p in tmp_path.iterdir())
    broken = tmp_path / "broken.csv"
    broken.write_text("time,machine,speed\n2026-01-01T00:00:00Z,M1,fast\n", encoding="utf-8")
    assert train_cli.main(["--telemetry", str(broken), "--events", events, "--out", str(out)]) == 2
    assert "broken.csv, row 2, column 'speed'" in capsys.readouterr().err
    assert not out.exists()
