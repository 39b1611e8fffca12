"""AssessEquipmentRisk by a plant's own risk model: the plant's telemetry rows, events and machine attributes
(by its own sensor names) in, failure-probability curves per machine at every bucket end out.

The request is checked completely first (every problem a field violation: an unknown sensor names the
`plant_telemetry[i].sensors['name']` field and lists the sensors the model knows); then the rows become a
`PlantHistory` and forecaster/plantrisk/predictor.py predicts every machine at one prediction time (the
request's `horizon_start`, or the latest telemetry time) from the history up to that time only. A machine
the model never saw in training is predicted from its own telemetry like any other and flagged
`unseen_machine`. CreatePlan's plant data reaches the same code (service/plant_data.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pandas as pd
from google.protobuf import duration_pb2, timestamp_pb2

from forecaster.plantrisk.history import history_from_frames
from forecaster.plantrisk.pipeline import TrainedRiskModel
from forecaster.plantrisk.predictor import MachineRiskPrediction, predict_machines
from forecaster.risk import MAX_BUCKETS, MAX_CURVE_POINTS
from prodplan.v1 import forecast_service_pb2 as pb
from service.errors import FieldViolation, InvalidArgumentError
from service.model_registry import RegisteredModel

MAX_TELEMETRY_ROWS, MAX_EVENTS, MAX_ATTRIBUTE_MACHINES = 200_000, 100_000, 10_000
MAX_BUCKET = timedelta(days=31)
DEFAULT_REFERENCE_HOURS = 24.0


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _time_set(message: timestamp_pb2.Timestamp, present: bool, path: str) -> list[FieldViolation]:
    if not present:
        return [FieldViolation(path, "is required (UTC timestamp)")]
    if not -62135596800 <= message.seconds <= 253402300799 or not 0 <= message.nanos < 1_000_000_000:
        return [FieldViolation(path, "is not a valid timestamp")]
    return []


def _plan_problems(request: pb.AssessEquipmentRiskRequest, prefix: str) -> list[FieldViolation]:
    """The bucket, bucket_count, horizon_start and size limits."""
    problems: list[FieldViolation] = []
    if request.machines:
        problems.append(FieldViolation(_path(prefix, "machines"), (
            "must be empty with plant_id: the plant's model reads plant_telemetry (machines is the shipped "
            "default model's AI4I telemetry)")))
    bucket = request.bucket.ToTimedelta() if request.HasField("bucket") else timedelta(0)
    if not timedelta(0) < bucket <= MAX_BUCKET:
        problems.append(FieldViolation(_path(prefix, "bucket"), "must be more than 0 and at most 31 days"))
    if not 1 <= request.bucket_count <= MAX_BUCKETS:
        problems.append(FieldViolation(_path(prefix, "bucket_count"),
                                       f"must be between 1 and {MAX_BUCKETS}, got {request.bucket_count}"))
    if request.HasField("horizon_start"):
        problems += _time_set(request.horizon_start, True, _path(prefix, "horizon_start"))
    if not request.plant_telemetry:
        problems.append(FieldViolation(_path(prefix, "plant_telemetry"),
                                       "at least one row is required with plant_id (the machines to assess)"))
    for name, count, limit in (("plant_telemetry", len(request.plant_telemetry), MAX_TELEMETRY_ROWS),
                               ("plant_events", len(request.plant_events), MAX_EVENTS),
                               ("plant_machines", len(request.plant_machines), MAX_ATTRIBUTE_MACHINES)):
        if count > limit:
            problems.append(FieldViolation(_path(prefix, name), f"at most {limit} rows per call, got {count}"))
    return problems


def _telemetry_problems(rows: Sequence[pb.PlantTelemetryRow], sensors: list[str], prefix: str
                        ) -> list[FieldViolation]:
    known = ", ".join(sensors) or "(no sensors)"
    problems: list[FieldViolation] = []
    seen: dict[tuple[str, int, int], int] = {}
    for i, row in enumerate(rows):
        path = _path(prefix, f"plant_telemetry[{i}]")
        if not row.machine_id.strip():
            problems.append(FieldViolation(f"{path}.machine_id", "is required"))
        problems += _time_set(row.time, row.HasField("time"), f"{path}.time")
        for name, value in row.sensors.items():
            if name not in sensors:
                problems.append(FieldViolation(f"{path}.sensors[{name!r}]", (
                    f"the plant's risk model does not know this sensor; it knows: {known}")))
            elif not math.isfinite(value):
                problems.append(FieldViolation(f"{path}.sensors[{name!r}]", "must be a finite number "
                                                                             "(leave a missing reading out)"))
        key = (row.machine_id.strip(), row.time.seconds, row.time.nanos)
        if key in seen:
            problems.append(FieldViolation(path, f"same machine and time as plant_telemetry[{seen[key]}]"))
        seen.setdefault(key, i)
    return problems


def _event_problems(events: Sequence[pb.PlantEvent], prefix: str) -> list[FieldViolation]:
    problems: list[FieldViolation] = []
    for i, event in enumerate(events):
        path = _path(prefix, f"plant_events[{i}]")
        if not event.machine_id.strip():
            problems.append(FieldViolation(f"{path}.machine_id", "is required"))
        if not event.event.strip():
            problems.append(FieldViolation(f"{path}.event", "is required: failure, maintenance or the plant's code"))
        problems += _time_set(event.time, event.HasField("time"), f"{path}.time")
    return problems


def _machine_problems(machines: Sequence[pb.PlantMachine], model: TrainedRiskModel, prefix: str
                      ) -> list[FieldViolation]:
    numeric, categorical = model.spec.numeric_attributes, model.spec.categorical_levels
    known = ", ".join([*numeric, *categorical]) or "(no attributes)"
    problems: list[FieldViolation] = []
    seen: set[str] = set()
    for i, machine in enumerate(machines):
        path = _path(prefix, f"plant_machines[{i}]")
        name = machine.machine_id.strip()
        if not name:
            problems.append(FieldViolation(f"{path}.machine_id", "is required"))
        elif name in seen:
            problems.append(FieldViolation(f"{path}.machine_id", f"{name!r} is given twice"))
        seen.add(name)
        for attribute, value in machine.attributes.items():
            where = f"{path}.attributes[{attribute!r}]"
            if attribute not in numeric and attribute not in categorical:
                problems.append(FieldViolation(where, f"the plant's risk model does not know this attribute; it "
                                                      f"knows: {known}"))
            elif attribute in numeric and value.strip() and not _is_number(value):
                problems.append(FieldViolation(where, f"{value!r} is not a number"))
    return problems


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _utc(message: timestamp_pb2.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(message.seconds * 1_000_000_000 + message.nanos, unit="ns", tz="UTC")


def _frames(request: pb.AssessEquipmentRiskRequest, model: TrainedRiskModel
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The request's rows as the frames of the three templates."""
    telemetry = pd.DataFrame({
        "time": pd.DatetimeIndex([_utc(r.time) for r in request.plant_telemetry]),
        "machine": [r.machine_id.strip() for r in request.plant_telemetry]})
    for sensor in model.spec.sensors:
        telemetry[sensor] = np.array([r.sensors.get(sensor, math.nan) for r in request.plant_telemetry], dtype=float)
    events = pd.DataFrame({
        "time": pd.DatetimeIndex([_utc(e.time) for e in request.plant_events], dtype="datetime64[ns, UTC]"),
        "machine": pd.Series([e.machine_id.strip() for e in request.plant_events], dtype=object),
        "event": pd.Series([_event_code(e.event) for e in request.plant_events], dtype=object),
        "component": pd.Series([e.component.strip() for e in request.plant_events], dtype=object)})
    machines = pd.DataFrame(index=pd.Index([m.machine_id.strip() for m in request.plant_machines], name="machine"))
    for attribute in model.spec.numeric_attributes:
        machines[attribute] = [float(m.attributes[attribute]) if m.attributes.get(attribute, "").strip() else math.nan
                               for m in request.plant_machines]
    for attribute in model.spec.categorical_levels:
        machines[attribute] = [m.attributes.get(attribute, "").strip() for m in request.plant_machines]
    return telemetry, events, machines


def _event_code(text: str) -> str:
    """`failure` and `maintenance` in any case, as the events template reads them; other codes as written."""
    stripped = text.strip()
    return stripped.lower() if stripped.lower() in ("failure", "maintenance") else stripped


def predict_plant_risk(request: pb.AssessEquipmentRiskRequest, entry: RegisteredModel, model: TrainedRiskModel,
                       prefix: str = "") -> pb.AssessEquipmentRiskResponse:
    """AssessEquipmentRisk answered by the plant's active risk model; InvalidArgumentError naming every
    problem (paths under `prefix`, e.g. `plant_data.telemetry`)."""
    problems = _plan_problems(request, prefix)
    problems += _telemetry_problems(request.plant_telemetry, model.spec.sensors, prefix)
    problems += _event_problems(request.plant_events, prefix)
    problems += _machine_problems(request.plant_machines, model, prefix)
    machines = list(dict.fromkeys(r.machine_id.strip() for r in request.plant_telemetry))
    if len(machines) * request.bucket_count > MAX_CURVE_POINTS:
        problems.append(FieldViolation(_path(prefix, "plant_telemetry"), (
            f"machines x buckets must be at most {MAX_CURVE_POINTS}, got {len(machines)} x {request.bucket_count}")))
    if problems:
        raise InvalidArgumentError(problems)
    telemetry, events, attributes = _frames(request, model)
    at = _utc(request.horizon_start) if request.HasField("horizon_start") else telemetry["time"].max()
    first = telemetry.groupby("machine")["time"].min()
    late = [m for m in machines if first[m] > at]
    if late:
        raise InvalidArgumentError([FieldViolation(_path(prefix, "plant_telemetry"), (
            f"machine {m!r} has no reading at or before the prediction time {at.isoformat()}")) for m in late])
    bucket_hours = request.bucket.ToTimedelta() / timedelta(hours=1)
    reference = _reference_hours(model)
    horizons = [bucket_hours * (b + 1) for b in range(request.bucket_count)] + [reference]
    predictions = predict_machines(model, history_from_frames(telemetry, events, attributes), machines, at, horizons)
    return _response(request, entry, model, predictions, at, reference)


def _reference_hours(model: TrainedRiskModel) -> float:
    """The shortest horizon the model was evaluated at (its report), the window of current_failure_probability."""
    horizons = model.report.get("horizons") or [DEFAULT_REFERENCE_HOURS]
    return float(min(horizons))


def describe(entry: RegisteredModel, model: TrainedRiskModel) -> str:
    """The plant's model in words, as responses and plan sources name it."""
    return (f"plant risk model {entry.model_version} ({model.version}, served: {model.served}), learned from the "
            "plant's own telemetry, failures and maintenance")


def _response(request: pb.AssessEquipmentRiskRequest, entry: RegisteredModel, model: TrainedRiskModel,
              predictions: list[MachineRiskPrediction], at: pd.Timestamp, reference_hours: float
              ) -> pb.AssessEquipmentRiskResponse:
    response = pb.AssessEquipmentRiskResponse(
        model_version=entry.model_version, plant_id=entry.plant_id, artifact_version=entry.artifact_version,
        model_source=pb.RISK_MODEL_SOURCE_PLANT, model_description=describe(entry, model), served=model.served)
    response.prediction_time.FromNanoseconds(at.value)
    bucket = request.bucket.ToTimedelta()
    start = _utc(request.horizon_start) if request.HasField("horizon_start") else None
    reference = duration_pb2.Duration()
    reference.FromTimedelta(timedelta(hours=reference_hours))
    for prediction in predictions:
        cumulative = prediction.cumulative[:-1]
        item = response.machines.add(machine_id=prediction.machine, anomaly_score=prediction.anomaly_score,
                                     current_failure_probability=prediction.cumulative[-1],
                                     reference_window=reference, unseen_machine=prediction.unseen)
        if math.isfinite(prediction.hours_since_maintenance):
            item.time_since_maintenance.FromTimedelta(timedelta(hours=prediction.hours_since_maintenance))
        before = 0.0
        for b, value in enumerate(cumulative):
            conditional = (value - before) / (1.0 - before) if before < 1.0 else 1.0
            entry_pb = item.buckets.add(failure_probability=min(max(conditional, 0.0), 1.0),
                                        cumulative_failure_probability=value)
            entry_pb.start_offset.FromTimedelta(bucket * b)
            if start is not None:
                entry_pb.start.FromNanoseconds((start + bucket * b).value)
                entry_pb.end.FromNanoseconds((start + bucket * (b + 1)).value)
            before = value
        _explain(item.explanation, prediction)
    return response


def _explain(explanation: pb.PredictionExplanation, prediction: MachineRiskPrediction) -> None:
    """The sensors that drive the anomaly score, with their latest readings, in English and Korean."""
    for sensor, z in prediction.drivers:
        latest = prediction.latest.get(sensor, math.nan)
        explanation.contributions.add(feature=sensor, value=latest if math.isfinite(latest) else 0.0,
                                      deviation_sd=z, attribution=0.0)
    unseen_en = "; a machine new to the model, predicted from its own telemetry" if prediction.unseen else ""
    unseen_ko = "; 학습에 없던 설비로 자체 센서 기록으로 예측" if prediction.unseen else ""
    explanation.text_en = f"anomaly score {prediction.anomaly_score:.2f}: {prediction.explanation_en}{unseen_en}"
    explanation.text_ko = f"이상 점수 {prediction.anomaly_score:.2f}: {prediction.explanation_ko}{unseen_ko}"
