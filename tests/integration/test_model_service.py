"""ModelService over a real channel: a plant's records in the documented CSV template are trained into a
registered version (progress streamed), listed, activated, served by PredictYield under the plant's own
parameter names and by CreatePlan's plant data, rolled back; bad uploads get their row/column report and
register nothing; another tenant sees nothing; a viewer cannot train."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import pandas as pd
import pytest
from conftest import ServerThread

from planner.testing import order, product, request
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import forecast_service_pb2_grpc as fpb_grpc
from prodplan.v1 import model_service_pb2 as mpb
from prodplan.v1 import model_service_pb2_grpc as mpb_grpc
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.auth import new_token, token_hash
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto
from service.settings import Settings

PLANT = "gyeongju-2"
FAST = mpb.TrainingOptions(seed=0, max_epochs=3, max_trees=20)
"""Training options that keep a run to seconds on a loaded 2-core machine."""


def plant_records(rows: int = 800, seed: int = 0) -> pd.DataFrame:
    """A small plant's inspection records in the documented template: two products on two machines, its
    own parameter names (`Melt temp [C]`, `pressure_bar`, a categorical `shift`), defects that rise with
    the melt temperature, over 40 days."""
    rng = np.random.default_rng(seed)
    minutes = np.sort(rng.integers(0, 40 * 24 * 60, rows))
    times = pd.Timestamp("2026-01-05T06:00:00+09:00") + pd.to_timedelta(minutes, unit="min")
    temperature = rng.normal(680.0, 12.0, rows)
    risk = 1.0 / (1.0 + np.exp(-(temperature - 695.0) / 5.0))
    defect = np.where(rng.random(rows) < 0.03 + 0.5 * risk,
                      np.where(rng.random(rows) < 0.6, "porosity", "short_shot"), "")
    return pd.DataFrame({
        "time": [t.isoformat() for t in times], "product": rng.choice(["P", "Q"], rows),
        "machine": rng.choice(["M1", "M2"], rows), "defect": defect,
        "Melt temp [C]": temperature.round(2), "pressure_bar": rng.normal(70.0, 3.0, rows).round(2),
        "shift": rng.choice(["A", "B"], rows)})


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def train_request(content: bytes, plant: str = PLANT, activate: bool = False) -> mpb.TrainModelRequest:
    return mpb.TrainModelRequest(plant_id=plant, kind=mpb.MODEL_KIND_DEFECT, activate=activate, options=FAST,
                                 records=mpb.UploadedFile(name="inspection_2026.csv", content=content))


@dataclass
class Plant:
    address: str
    tokens: dict[str, str]  # who -> token
    model_dir: Path
    progress: list[mpb.TrainModelResponse]  # the stream of the first training

    def metadata(self, who: str) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.tokens[who]}")]


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plant]:
    """A server with tokens (gyeongju admin and viewer, ulsan admin) and two trained versions of the plant's
    defect model: v1 (activated by training) and v2."""
    folder = tmp_path_factory.mktemp("models")
    who = {"admin": ("gyeongju", "admin"), "viewer": ("gyeongju", "viewer"), "other": ("ulsan", "admin")}
    tokens = {name: new_token() for name in who}
    entries = [{"sha256": token_hash(tokens[name]), "tenant": tenant, "role": role, "name": name}
               for name, (tenant, role) in who.items()]
    (folder / "tokens.json").write_text(json.dumps({"tokens": entries}))
    thread = ServerThread(Settings(solver_processes=1, db=str(folder / "plans.db"), model_dir=str(folder / "registry"),
                                   tokens_file=str(folder / "tokens.json")))
    handle = thread.start()
    found = Plant(handle.address, tokens, folder / "registry", [])
    with grpc.insecure_channel(handle.address) as channel:
        stub = mpb_grpc.ModelServiceStub(channel)
        found.progress = list(stub.TrainModel(train_request(csv_bytes(plant_records()), activate=True),
                                              metadata=found.metadata("admin"), timeout=300))
        last = list(stub.TrainModel(train_request(csv_bytes(plant_records(seed=1))), metadata=found.metadata("admin"),
                                    timeout=300))[-1]
        assert last.result.version == "v2" and not last.result.active
    yield found
    thread.stop()


@pytest.fixture
def channel(plant: Plant) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(plant.address) as open_channel:
        yield open_channel


def test_training_streams_its_progress_and_ends_with_the_report_and_the_version(plant: Plant) -> None:
    phases = [m.phase for m in plant.progress]
    assert phases[0] == mpb.TRAINING_PHASE_VALIDATING and phases[-1] == mpb.TRAINING_PHASE_DONE
    assert phases.count(mpb.TRAINING_PHASE_DONE) == 1
    fitted = {m.candidate for m in plant.progress if m.phase == mpb.TRAINING_PHASE_FITTING}
    assert {"base_rate", "gbm", "network"} <= fitted
    epochs = [m for m in plant.progress if m.phase == mpb.TRAINING_PHASE_EPOCH and m.candidate == "network"]
    assert [m.epoch for m in epochs] == list(range(1, len(epochs) + 1)) and 1 <= len(epochs) <= FAST.max_epochs
    assert all(math.isfinite(m.validation_score) and m.validation_score > 0 for m in epochs)
    done = plant.progress[-1]
    assert done.result.model_version == f"{PLANT}/defect/v1" and done.result.active
    report = json.loads(done.report_json)
    assert report["served"] == done.result.served and report["version"] == done.result.artifact_version
    assert report["settings"]["network"]["max_epochs"] == FAST.max_epochs


def test_list_models_shows_both_versions_newest_first_with_metrics_and_the_active_one(
        plant: Plant, channel: grpc.Channel) -> None:
    models = mpb_grpc.ModelServiceStub(channel).ListModels(
        mpb.ListModelsRequest(plant_id=PLANT), metadata=plant.metadata("viewer")).models
    assert [m.version for m in models] == ["v2", "v1"]
    assert all(m.kind == mpb.MODEL_KIND_DEFECT and m.created.seconds > 0 and m.served for m in models)
    assert all(0.0 <= m.metrics["auprc"] <= 1.0 and 0.0 <= m.metrics["brier"] <= 1.0 for m in models)
    assert all(m.baseline_served == (m.served in ("base_rate", "gbm")) for m in models)
    assert sum(m.active for m in models) <= 1


def _yield_request(temperature: float = 700.0) -> fpb.PredictYieldRequest:
    message = fpb.PredictYieldRequest(plant_id=PLANT)
    message.items.add(item_id="lot-1", product="P", machine_id="M1",
                      parameters={"Melt temp [C]": temperature, "pressure_bar": 70.0},
                      categorical_parameters={"shift": "A"})
    message.items.add(item_id="lot-2", product="NEW", machine_id="M2", parameters={"Melt temp [C]": 660.0})
    return message


def test_predict_yield_takes_the_plants_own_parameter_names_and_names_the_version(
        plant: Plant, channel: grpc.Channel) -> None:
    stub = fpb_grpc.ForecastServiceStub(channel)
    response = stub.PredictYield(_yield_request(), metadata=plant.metadata("viewer"))
    assert response.plant_id == PLANT and response.model_version.startswith(f"{PLANT}/defect/v")
    assert response.artifact_version.startswith("defect-plant-")
    for prediction in response.predictions:
        assert 0.0 <= prediction.defect_probability <= 1.0
        assert prediction.expected_yield == pytest.approx(1.0 - prediction.defect_probability)
        by_type = sum(t.probability for t in prediction.defect_types)
        assert by_type == pytest.approx(prediction.defect_probability, abs=1e-6)
    assert [p.unseen for p in response.predictions] == ["", "product"]
    with pytest.raises(grpc.RpcError) as refused:
        bad = _yield_request()
        bad.items[0].parameters["melt_temperature_c"] = 690.0  # the shipped model's name, not the plant's
        bad.items[1].parameters["pressure_bar"] = math.nan
        stub.PredictYield(bad, metadata=plant.metadata("viewer"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in bad_request_violations(refused.value)}
    assert fields == {"items[0].parameters['melt_temperature_c']", "items[1].parameters['pressure_bar']"}


def _plan_request(version_note: str = "") -> pb.CreatePlanRequest:
    message = plan_request_to_proto(request(["M1", "M2"], [product("P", ("cast", ["M1", "M2"], 1.0))],
                                            [order("O1", "P", 20, due=600)], time_limit=2.0))
    message.options.skip_prediction_effects = True
    message.plant_data.plant_id = PLANT
    for machine in ("M1", "M2"):
        message.plant_data.quality.items.add(item_id=f"{machine}-lot", product="P", machine_id=machine,
                                             parameters={"Melt temp [C]": 705.0, "pressure_bar": 70.0},
                                             categorical_parameters={"shift": "B"})
    return message


def test_activation_is_served_at_once_by_predictions_and_plans_and_rollback_restores_the_previous(
        plant: Plant, channel: grpc.Channel) -> None:
    models = mpb_grpc.ModelServiceStub(channel)
    forecast = fpb_grpc.ForecastServiceStub(channel)
    admin, viewer = plant.metadata("admin"), plant.metadata("viewer")
    activated = models.ActivateModel(mpb.ActivateModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_DEFECT,
                                                               version="v2"), metadata=admin)
    assert activated.model.active and activated.previous_version == "v1"
    assert forecast.PredictYield(_yield_request(), metadata=viewer).model_version == f"{PLANT}/defect/v2"

    plan = pb_grpc.PlanningServiceStub(channel).CreatePlan(_plan_request(), metadata=admin, timeout=120).plan
    assert plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    assert plan.model_versions["defect"] == f"{PLANT}/defect/v2"
    used = [u for u in plan.predictions_used if u.kind == "YIELD"]
    assert {u.machine_id for u in used} == {"M1", "M2"}
    assert all(f"{PLANT}/defect/v2" in u.source for u in used)

    rolled = models.RollbackModel(mpb.RollbackModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_DEFECT),
                                  metadata=admin)
    assert rolled.model.version == "v1" and rolled.rolled_back_version == "v2"
    assert forecast.PredictYield(_yield_request(), metadata=viewer).model_version == f"{PLANT}/defect/v1"
    listed = models.ListModels(mpb.ListModelsRequest(plant_id=PLANT), metadata=viewer).models
    assert [m.version for m in listed if m.active] == ["v1"]
    with pytest.raises(grpc.RpcError) as nothing_before:
        models.RollbackModel(mpb.RollbackModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_DEFECT), metadata=admin)
    assert nothing_before.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def _broken(problem: str) -> tuple[bytes, str, str]:
    """Records with one kind of problem: (file bytes, the violation field expected, its row's column)."""
    frame = plant_records(200)
    if problem == "missing column":
        return csv_bytes(frame.drop(columns=["machine"])), "records[column=machine]", "required column is missing"
    if problem == "bad time":
        frame.loc[4, "time"] = "yesterday"
        return csv_bytes(frame), "records[row=6][column=time]", "'yesterday' is not an ISO 8601 time"
    if problem == "not a number":
        frame["pressure_bar"] = frame["pressure_bar"].astype(object)
        frame.loc[9, "pressure_bar"] = "high"
        return csv_bytes(frame), "records[row=11][column=pressure_bar]", "'high' is not a number"
    text = csv_bytes(frame).decode().replace("pressure_bar,shift", "pressure_bar,pressure_bar", 1)
    return text.encode(), "records[row=1][column=pressure_bar]", "more than once in the header"


@pytest.mark.parametrize("problem", ["missing column", "bad time", "not a number", "duplicated header"])
def test_a_bad_upload_gets_its_row_and_column_report_and_registers_nothing(
        plant: Plant, channel: grpc.Channel, problem: str) -> None:
    content, field, reason = _broken(problem)
    stub = mpb_grpc.ModelServiceStub(channel)
    fresh = f"bad-{problem.replace(' ', '-')}"
    with pytest.raises(grpc.RpcError) as refused:
        list(stub.TrainModel(train_request(content, plant=fresh, activate=True), metadata=plant.metadata("admin"),
                             timeout=120))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(refused.value)}
    assert field in violations, violations
    assert reason in violations[field] and "inspection_2026.csv" in violations[field]
    with pytest.raises(grpc.RpcError) as listed:
        stub.ListModels(mpb.ListModelsRequest(plant_id=fresh), metadata=plant.metadata("admin"))
    assert listed.value.code() == grpc.StatusCode.NOT_FOUND
    assert not list((plant.model_dir / "gyeongju").glob(f"{fresh}/*/versions/*"))
    assert not any((plant.model_dir / ".staging").iterdir())


def test_another_tenant_sees_none_of_the_plants_models(plant: Plant, channel: grpc.Channel) -> None:
    models, other = mpb_grpc.ModelServiceStub(channel), plant.metadata("other")
    calls = [lambda: models.ListModels(mpb.ListModelsRequest(plant_id=PLANT), metadata=other),
             lambda: models.ActivateModel(mpb.ActivateModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_DEFECT,
                                                                   version="v1"), metadata=other),
             lambda: models.RollbackModel(mpb.RollbackModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_DEFECT),
                                          metadata=other),
             lambda: fpb_grpc.ForecastServiceStub(channel).PredictYield(_yield_request(), metadata=other)]
    for call in calls:
        with pytest.raises(grpc.RpcError) as hidden:
            call()
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_viewer_may_list_but_not_train_activate_or_roll_back(plant: Plant, channel: grpc.Channel) -> None:
    models, viewer = mpb_grpc.ModelServiceStub(channel), plant.metadata("viewer")
    calls = [lambda: list(models.TrainModel(train_request(csv_bytes(plant_records(200))), metadata=viewer)),
             lambda: models.ActivateModel(mpb.ActivateModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_DEFECT,
                                                                   version="v2"), metadata=viewer),
             lambda: models.RollbackModel(mpb.RollbackModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_DEFECT),
                                          metadata=viewer)]
    for call in calls:
        with pytest.raises(grpc.RpcError) as refused:
            call()
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert models.ListModels(mpb.ListModelsRequest(plant_id=PLANT), metadata=viewer).models


def test_a_request_without_what_training_needs_names_every_missing_field(plant: Plant, channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        list(mpb_grpc.ModelServiceStub(channel).TrainModel(
            mpb.TrainModelRequest(plant_id="../etc", kind=mpb.MODEL_KIND_RISK,
                                  options=mpb.TrainingOptions(max_epochs=10_000)), metadata=plant.metadata("admin")))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in bad_request_violations(refused.value)}
    assert fields == {"plant_id", "telemetry.content", "events.content", "options.max_epochs"}


def test_a_plants_demand_model_serves_forecast_demand_and_the_plans_demand(plant: Plant, channel: grpc.Channel) -> None:
    history = Path(__file__).resolve().parents[2] / "examples" / "plant-data" / "demand_history.csv"
    admin = plant.metadata("admin")
    done = list(mpb_grpc.ModelServiceStub(channel).TrainModel(mpb.TrainModelRequest(
        plant_id=PLANT, kind=mpb.MODEL_KIND_DEMAND, activate=True,
        history=mpb.UploadedFile(name=history.name, content=history.read_bytes())), metadata=admin, timeout=300))[-1]
    assert done.result.model_version == f"{PLANT}/demand/v1" and {"mase", "scaled_pinball"} <= set(done.result.metrics)

    series = pd.read_csv(history)
    lumpy = series[series["series_id"] == "LUM-001"]["quantity"].astype(float).tolist()
    message = fpb.ForecastDemandRequest(plant_id=PLANT, horizon=6, quantiles=[0.1, 0.5, 0.9])
    message.series.add(series_id="LUM-001", history=lumpy, season_length=12)
    answer = fpb_grpc.ForecastServiceStub(channel).ForecastDemand(message, metadata=plant.metadata("viewer"))
    assert answer.model_version == f"{PLANT}/demand/v1" and answer.plant_id == PLANT
    low, median, high = (np.asarray(q.values) for q in answer.forecasts[0].quantiles)
    assert np.all(low <= median) and np.all(median <= high) and np.all(low >= 0)
    assert np.allclose(median, np.round(median)), "a whole-number history gets whole-number medians"

    plan_message = _plan_request()
    plan_message.plant_data.demand.series.add(series_id="P", history=lumpy[-24:], season_length=12)
    plan = pb_grpc.PlanningServiceStub(channel).CreatePlan(plan_message, metadata=admin, timeout=120).plan
    assert plan.model_versions["demand"] == f"{PLANT}/demand/v1"
    assert plan.model_versions["defect"].startswith(f"{PLANT}/defect/v")


def test_a_parquet_upload_trains_like_csv_and_a_bad_template_is_named(plant: Plant, channel: grpc.Channel) -> None:
    stub, admin = mpb_grpc.ModelServiceStub(channel), plant.metadata("admin")
    buffer = io.BytesIO()
    plant_records(400).to_parquet(buffer, index=False)
    parquet = mpb.TrainModelRequest(plant_id="parquet-plant", kind=mpb.MODEL_KIND_DEFECT, options=FAST,
                                    records=mpb.UploadedFile(name="records.parquet", content=buffer.getvalue()))
    done = list(stub.TrainModel(parquet, metadata=admin, timeout=300))[-1]
    assert done.phase == mpb.TRAINING_PHASE_DONE and done.result.model_version == "parquet-plant/defect/v1"

    templated = train_request(csv_bytes(plant_records(200)), plant="templated-plant")
    templated.template.CopyFrom(mpb.UploadedFile(name="plant.yaml", content=b"timezone: Mars/Olympus\nunits: 3\n"))
    with pytest.raises(grpc.RpcError) as refused:
        list(stub.TrainModel(templated, metadata=admin, timeout=120))
    violations = {v.field: v.reason for v in bad_request_violations(refused.value)}
    assert set(violations) == {"template[column=timezone]", "template[column=units]"}, violations
    assert all(reason.startswith("plant.yaml") for reason in violations.values())


def test_predict_yield_explains_each_item_under_the_plants_own_column_names(
        plant: Plant, channel: grpc.Channel) -> None:
    stub = fpb_grpc.ForecastServiceStub(channel)
    hot = stub.PredictYield(_yield_request(temperature=735.0), metadata=plant.metadata("viewer")).predictions[0]
    cool = stub.PredictYield(_yield_request(temperature=680.0), metadata=plant.metadata("viewer")).predictions[0]
    assert hot.defect_probability > cool.defect_probability + 0.05  # the model learned the melt temperature
    first = hot.explanation.contributions[0]
    assert first.feature == "Melt temp [C]" and first.value == pytest.approx(735.0)
    assert first.attribution > 0.02 and first.deviation_sd > 2
    assert hot.explanation.text_en.startswith("Melt temp [C] 735") and "raises the defect probability" in \
        hot.explanation.text_en
    assert "불량 확률" in hot.explanation.text_ko
    unseen = stub.PredictYield(_yield_request(), metadata=plant.metadata("viewer")).predictions[1]
    assert unseen.explanation.text_en.startswith("product never seen in the plant's training period")
