"""Map ForecastService messages onto forecaster domain types and back.

Request mapping collects every problem it finds (as FieldViolation with the request's field path),
then runs the forecaster's own validation on what it built and merges both lists, so one
INVALID_ARGUMENT names every problem. Field paths of the forecaster (`bucket_hours`, ...) are renamed
to the proto fields they came from (`bucket`, ...).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta

import numpy as np
from google.protobuf import duration_pb2, timestamp_pb2

from forecaster import (
    DemandForecast,
    DemandHistory,
    ForecastInputError,
    ForecastModels,
    MachineTelemetry,
    ProcessRecord,
    RiskCurve,
    TelemetrySample,
    YieldPrediction,
    yield_by_product_machine,
)
from forecaster.defect import MAX_ITEMS, validate_records
from forecaster.demand_forecast import MAX_HISTORY, MAX_QUANTILES, MAX_SERIES, validate_demand_request
from forecaster.plantdemand.intermittent import demand_class
from forecaster.risk import MAX_MACHINES, MAX_TELEMETRY_HISTORY, validate_telemetry
from forecaster.types import Explanation
from prodplan.v1 import forecast_service_pb2 as pb
from service.errors import FieldViolation, InvalidArgumentError
from service.ranges import out_of_range

DEFAULT_QUANTILES = (0.1, 0.5, 0.9)
_PROCESSES = {pb.PROCESS_TYPE_DIE_CASTING: "die_casting", pb.PROCESS_TYPE_CNC_MACHINING: "cnc_machining",
              pb.PROCESS_TYPE_HEAT_TREATMENT: "heat_treatment"}
_DUTY = {pb.DUTY_CLASS_UNSPECIFIED: "M", pb.DUTY_CLASS_LOW: "L", pb.DUTY_CLASS_MEDIUM: "M", pb.DUTY_CLASS_HIGH: "H"}
_RENAMED = {"bucket_hours": "bucket", "n_buckets": "bucket_count"}


def _domain_problems(check: Callable[[], None], skip_prefixes: Sequence[str] = ()) -> list[FieldViolation]:
    """Run a forecaster validation and return its problems as field violations (proto paths)."""
    try:
        check()
    except ForecastInputError as error:
        return [FieldViolation(_RENAMED.get(p.field, p.field), p.reason) for p in error.problems
                if not any(p.field.startswith(prefix) for prefix in skip_prefixes)]
    return []


def _raise(violations: list[FieldViolation]) -> None:
    if violations:
        raise InvalidArgumentError(violations)


MAX_PARAMETERS = 256
"""Most process parameters per PredictYield item."""


def _bounds(*checks: tuple[str, int, int, str]) -> None:
    """Bounds first, before anything is built from the request: (field, count, most, what) each; raises
    InvalidArgumentError naming every limit exceeded."""
    _raise([FieldViolation(field, f"at most {most} {what}, got {count}")
            for field, count, most, what in checks if count > most])


def _season_from_period(period: duration_pb2.Duration) -> int:
    days = period.ToTimedelta() / timedelta(days=1)
    for low, high, season in ((0.9, 1.1, 7), (6.5, 7.5, 52), (27.0, 32.0, 12), (88.0, 93.0, 4), (360.0, 370.0, 1)):
        if low <= days <= high:
            return season
    return 1


def demand_request(request: pb.ForecastDemandRequest, models: ForecastModels
                   ) -> tuple[list[DemandHistory], int, tuple[float, ...]]:
    """ForecastDemandRequest -> (histories, horizon, quantiles); raises InvalidArgumentError with all problems."""
    _bounds(("series", len(request.series), MAX_SERIES, "series per call"),
            ("quantiles", len(request.quantiles), MAX_QUANTILES, "quantile levels per call"),
            *((f"series[{i}].history", len(s.history), MAX_HISTORY, "periods") for i, s in enumerate(request.series)))
    _raise([problem for i, s in enumerate(request.series)
            for problem in (*out_of_range(s.history_start, f"series[{i}].history_start"),
                            *out_of_range(s.period, f"series[{i}].period"))])
    histories = []
    for series in request.series:
        season = series.season_length or (_season_from_period(series.period) if series.HasField("period") else 12)
        histories.append(DemandHistory(series.series_id, tuple(series.history), season))
    quantiles = tuple(request.quantiles) or DEFAULT_QUANTILES
    violations = [FieldViolation(f"quantiles[{i}]", "levels must be strictly increasing")
                  for i in range(1, len(quantiles)) if quantiles[i] <= quantiles[i - 1]]
    horizon = request.horizon
    violations += _domain_problems(lambda: validate_demand_request(models.demand, histories, horizon, quantiles))
    _raise(violations)
    return histories, request.horizon, quantiles


def demand_response(request: pb.ForecastDemandRequest, forecasts: list[DemandForecast], version: str,
                    methods: Sequence[str] | None = None) -> pb.ForecastDemandResponse:
    """The response, one item per series in request order, each with its demand class and, when `methods`
    is given (one per series), the method that produced it."""
    response = pb.ForecastDemandResponse(model_version=version)
    for index, (series, forecast) in enumerate(zip(request.series, forecasts, strict=True)):
        item = response.forecasts.add(series_id=forecast.series_id, seasonal_pattern=forecast.seasonal_pattern,
                                      demand_class=demand_class(np.asarray(series.history, dtype=np.float64)),
                                      method=methods[index] if methods is not None else "")
        for level, values in zip(forecast.quantiles, forecast.values, strict=True):
            item.quantiles.add(level=level, values=values)
        if series.HasField("history_start") and series.HasField("period"):
            start = series.history_start.ToDatetime() + series.period.ToTimedelta() * len(series.history)
            item.forecast_start.FromDatetime(start)
    return response


def yield_request(request: pb.PredictYieldRequest) -> list[ProcessRecord]:
    _bounds(("items", len(request.items), MAX_ITEMS, "items per call"),
            *((f"items[{i}].parameters", len(item.parameters), MAX_PARAMETERS, "parameters")
              for i, item in enumerate(request.items)))
    records = [ProcessRecord(item.item_id, item.product, item.machine_id, _PROCESSES.get(item.process, ""),
                             dict(item.parameters)) for item in request.items]
    violations = [FieldViolation(f"items[{i}].process", "must be DIE_CASTING, CNC_MACHINING or HEAT_TREATMENT")
                  for i, item in enumerate(request.items) if item.process not in _PROCESSES]
    unset = tuple(f"items[{i}].process" for i, item in enumerate(request.items) if item.process not in _PROCESSES)
    violations += _domain_problems(lambda: validate_records(records), skip_prefixes=unset)
    _raise(violations)
    return records


def _explanation(message: pb.PredictionExplanation, explanation: Explanation) -> None:
    message.text_en, message.text_ko = explanation.text_en, explanation.text_ko
    for c in explanation.contributions:
        message.contributions.add(feature=c.feature, value=c.value, deviation_sd=c.deviation_sd,
                                  attribution=c.attribution)


def yield_response(predictions: list[YieldPrediction], version: str) -> pb.PredictYieldResponse:
    response = pb.PredictYieldResponse(model_version=version)
    for p in predictions:
        item = response.predictions.add(item_id=p.item_id, product=p.product, machine_id=p.machine_id,
                                        defect_probability=p.defect_probability, expected_yield=p.expected_yield)
        for name, probability in p.defect_type_probabilities.items():
            item.defect_types.add(defect_type=name, probability=probability)
        _explanation(item.explanation, p.explanation)
    counts: dict[tuple[str, str], int] = {}
    for p in predictions:
        counts[(p.product, p.machine_id)] = counts.get((p.product, p.machine_id), 0) + 1
    for (product, machine), value in yield_by_product_machine(predictions).items():
        response.by_product_machine.add(product=product, machine_id=machine, expected_yield=value,
                                        items=counts[(product, machine)])
    return response


def _sample(sample: pb.TelemetrySample) -> TelemetrySample:
    return TelemetrySample(sample.air_temperature_k, sample.process_temperature_k, sample.rotational_speed_rpm,
                           sample.torque_nm, sample.tool_wear_min)


def _machine(machine: pb.MachineTelemetry) -> MachineTelemetry:
    current = _sample(machine.current) if machine.HasField("current") else TelemetrySample(*[math.nan] * 5)
    return MachineTelemetry(
        machine_id=machine.machine_id, current=current,
        hours_since_maintenance=machine.time_since_maintenance.ToTimedelta() / timedelta(hours=1),
        duty_class=_DUTY.get(machine.duty_class, "?"),
        utilization=machine.utilization if machine.HasField("utilization") else 1.0,
        tool_wear_rate_min_per_h=(machine.tool_wear_rate_min_per_h if machine.HasField("tool_wear_rate_min_per_h")
                                  else 1.0),
        tool_change_wear_min=(machine.tool_change_wear_min if machine.HasField("tool_change_wear_min")
                              else MachineTelemetry.tool_change_wear_min),
        history=tuple(_sample(s) for s in machine.history),
    )


SHIPPED_RISK_DESCRIPTION = ("shipped default risk model {version} (AI4I 2020 with tool changes, no calendar time "
                            "axis): for plants without a risk model of their own")


def _plant_rows_without_plant(request: pb.AssessEquipmentRiskRequest) -> list[FieldViolation]:
    """The plant's own rows are read only by the plant's own model (plant_id)."""
    return [FieldViolation(name, "is read only with plant_id (the plant's own risk model); the shipped default "
                                 "model reads `machines`")
            for name in ("plant_telemetry", "plant_events", "plant_machines") if len(getattr(request, name))]


def risk_request(request: pb.AssessEquipmentRiskRequest) -> tuple[list[MachineTelemetry], float, int]:
    _raise(_plant_rows_without_plant(request))
    _bounds(("machines", len(request.machines), MAX_MACHINES, "machines per call"),
            *((f"machines[{i}].history", len(m.history), MAX_TELEMETRY_HISTORY, "samples per machine")
              for i, m in enumerate(request.machines)))
    _raise([*out_of_range(request.bucket, "bucket"),
            *(p for i, m in enumerate(request.machines)
              for p in out_of_range(m.time_since_maintenance, f"machines[{i}].time_since_maintenance"))])
    machines = [_machine(m) for m in request.machines]
    missing = [f"machines[{i}].current" for i, m in enumerate(request.machines) if not m.HasField("current")]
    violations = [FieldViolation(path, "is required (the latest telemetry reading)") for path in missing]
    bucket_hours = request.bucket.ToTimedelta() / timedelta(hours=1) if request.HasField("bucket") else 0.0
    violations += _domain_problems(lambda: validate_telemetry(machines, bucket_hours, request.bucket_count),
                                   skip_prefixes=tuple(f"{path}." for path in missing))
    _raise(violations)
    return machines, bucket_hours, request.bucket_count


def risk_response(request: pb.AssessEquipmentRiskRequest, curves: list[RiskCurve], version: str,
                  window_hours: float) -> pb.AssessEquipmentRiskResponse:
    response = pb.AssessEquipmentRiskResponse(model_version=version, model_source=pb.RISK_MODEL_SOURCE_SHIPPED_DEFAULT,
                                              model_description=SHIPPED_RISK_DESCRIPTION.format(version=version))
    # bucket times in integer nanoseconds: exact, and far cheaper than datetime round trips per bucket
    bucket_ns = request.bucket.seconds * _NS + request.bucket.nanos
    start_ns = request.horizon_start.seconds * _NS + request.horizon_start.nanos
    timed = request.HasField("horizon_start")
    window = duration_pb2.Duration()
    window.FromTimedelta(timedelta(hours=window_hours))
    for machine, curve in zip(request.machines, curves, strict=True):
        item = response.machines.add(machine_id=curve.machine_id, anomaly_score=curve.anomaly_score,
                                     current_failure_probability=curve.current_failure_probability,
                                     time_since_maintenance=machine.time_since_maintenance,
                                     reference_window=window)
        for b, (p, cumulative) in enumerate(zip(curve.bucket_failure_probability,
                                                curve.cumulative_failure_probability, strict=True)):
            entry = item.buckets.add(failure_probability=p, cumulative_failure_probability=cumulative)
            _set_time(entry.start_offset, bucket_ns * b)
            if timed:
                _set_time(entry.start, start_ns + bucket_ns * b)
                _set_time(entry.end, start_ns + bucket_ns * (b + 1))
        _explanation(item.explanation, curve.explanation)
    return response


_NS = 1_000_000_000


def _set_time(message: duration_pb2.Duration | timestamp_pb2.Timestamp, nanoseconds: int) -> None:
    """Set a Duration (non-negative here) or Timestamp from integer nanoseconds (nanos always in [0, 1e9))."""
    message.seconds, message.nanos = divmod(nanoseconds, _NS)
