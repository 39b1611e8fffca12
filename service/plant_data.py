"""Forecasts into the plan: raw plant data in a CreatePlanRequest becomes the planner's predictions.

The service runs the forecaster's shipped models in-process (the same models ForecastService serves):
- quality (process parameters per lot) -> the defect model -> mean expected yield per product and
  machine -> `YieldEstimate`s;
- telemetry -> the risk model -> cumulative failure probability at the end of each risk bucket over
  the horizon -> `MachineRisk` curves (repair time from the request, 4 h where not given);
- demand history -> the demand model -> quantiles per history period, split evenly over the days of
  the period -> `DemandForecast`s per lot-sizing bucket (a quantile of a period taken pro rata is the
  quantile of perfectly correlated days: conservative for safety stock).
With `plant_id`, the quality records carry the plant's own parameter names and the plant's active
defect model (ModelService, service/model_serving.py) predicts them; the plan's `model_versions` then
names that version (`"defect": "<plant>/defect/v3"`). The plant's active demand model, when it has one,
forecasts the demand histories (`"demand": "<plant>/demand/v1"`); without one the shipped model does.
With the plant's own telemetry rows (`telemetry.plant_telemetry`: its own sensor names, with its events and
machine attributes) and a plant id (`telemetry.plant_id`, else `plant_id`), the plant's active risk model
predicts the curves at the plan start (`"risk": "<plant>/risk/v1"`; each curve's source names the model and
the sensors driving its anomaly score); telemetry in the shipped model's AI4I form (`telemetry.machines`) is
read by the shipped default model, labelled as such in each curve's source.
Predictions the caller supplied for the same product/machine (or product and bucket) win. The
planner never sees torch: it receives plain domain values with their model version as `source`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from forecaster import (
    ForecastModels,
    assess_equipment_risk,
    forecast_demand,
    predict_yield,
    yield_by_product_machine,
)
from forecaster.plantdemand.artifact import DemandPlantModel
from planner import domain
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import planning_service_pb2 as pb
from service.errors import FieldViolation, InvalidArgumentError, NotFoundError
from service.forecast_mapping import demand_request, risk_request, yield_request
from service.model_registry import RegisteredModel
from service.model_serving import ServedModels, current_tenant, plant_demand_forecasts, predict_plant_yield
from service.plant_risk_serving import predict_plant_risk

DEFAULT_REPAIR_MINUTES = 240
DEFAULT_PERIOD_DAYS = 365.25 / 12
QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class Forecasts:
    yields: list[domain.YieldEstimate] = field(default_factory=list)
    machine_risks: list[domain.MachineRisk] = field(default_factory=list)
    demand_forecasts: list[domain.DemandForecast] = field(default_factory=list)
    model_versions: dict[str, str] = field(default_factory=dict)


def _prefixed(prefix: str, error: InvalidArgumentError) -> InvalidArgumentError:
    return InvalidArgumentError([FieldViolation(f"{prefix}.{v.field}", v.reason) for v in error.violations])


def forecast_plant_data(message: pb.PlantData, request: domain.PlanRequest, models: ForecastModels) -> Forecasts:
    """Run the models on every kind of plant data present; InvalidArgumentError lists every bad field."""
    found = Forecasts()
    violations: list[FieldViolation] = []
    for kind, run in (("quality", _yields), ("telemetry", _risks), ("demand", _demand)):
        if kind == "quality" and message.plant_id and message.HasField(kind):
            try:
                _plant_yields(message, models, found)
            except InvalidArgumentError as error:
                violations += error.violations
        elif kind == "telemetry" and message.HasField(kind) and (message.telemetry.plant_telemetry
                                                                 or message.telemetry.plant_id):
            try:
                _plant_risks(message, request, models, found)
            except InvalidArgumentError as error:
                violations += error.violations
        elif message.HasField(kind):
            try:
                run(message, request, models, found)
            except InvalidArgumentError as error:
                violations += _prefixed(f"plant_data.{kind}", error).violations
    if violations:
        raise InvalidArgumentError(violations)
    return found


def _yields(message: pb.PlantData, request: domain.PlanRequest, models: ForecastModels, found: Forecasts) -> None:
    predictions = predict_yield(models.defect, yield_request(message.quality))
    found.model_versions["defect"] = models.defect.version
    found.yields = [domain.YieldEstimate(product_id=product, machine_id=machine, yield_rate=min(max(rate, 1e-3), 1.0),
                                         source=f"defect model {models.defect.version}")
                    for (product, machine), rate in sorted(yield_by_product_machine(predictions).items())]


def _plant_yields(message: pb.PlantData, models: ForecastModels, found: Forecasts) -> None:
    """Yields from the plant's own active defect model; violations name `plant_data.plant_id` or the items."""
    plants = models.plants if isinstance(models, ServedModels) else None
    if plants is None:
        raise InvalidArgumentError([FieldViolation("plant_data.plant_id", "this server has no model registry")])
    try:
        entry, model = plants.defect(current_tenant(), message.plant_id, "plant_data.plant_id")
    except NotFoundError as error:
        raise InvalidArgumentError([FieldViolation("plant_data.plant_id", str(error))]) from None
    response = predict_plant_yield(message.quality.items, entry, model, "plant_data.quality.items")
    found.model_versions["defect"] = entry.model_version
    found.yields = [domain.YieldEstimate(product_id=pair.product, machine_id=pair.machine_id,
                                         yield_rate=min(max(pair.expected_yield, 1e-3), 1.0),
                                         source=f"plant defect model {entry.model_version} ({entry.artifact_version})")
                    for pair in sorted(response.by_product_machine, key=lambda p: (p.product, p.machine_id))]


def _plant_demand_model(message: pb.PlantData, models: ForecastModels
                        ) -> tuple[RegisteredModel, DemandPlantModel] | None:
    """The plant's active demand model when the plant data names a plant that has one (else the shipped
    model forecasts: a demand history reads the same for both, unlike a plant's own process parameters)."""
    plants = models.plants if isinstance(models, ServedModels) else None
    if not message.plant_id or plants is None:
        return None
    try:
        return plants.demand(current_tenant(), message.plant_id, "plant_data.plant_id")
    except NotFoundError:
        return None


def _risks(message: pb.PlantData, request: domain.PlanRequest, models: ForecastModels, found: Forecasts) -> None:
    bucket = request.options.risk_bucket_minutes
    telemetry = fpb.AssessEquipmentRiskRequest()
    telemetry.CopyFrom(message.telemetry)
    telemetry.bucket.FromTimedelta(timedelta(minutes=bucket))
    telemetry.bucket_count = math.ceil(request.options.horizon_minutes / bucket)
    machines, bucket_hours, count = risk_request(telemetry)
    curves = assess_equipment_risk(models.risk, machines, bucket_hours, count)
    found.model_versions["risk"] = models.risk.version
    repair = _repair_minutes(message)
    found.machine_risks = [
        domain.MachineRisk(machine_id=curve.machine_id,
                           repair_minutes=repair.get(curve.machine_id, DEFAULT_REPAIR_MINUTES),
                           source=f"shipped default risk model {models.risk.version} (AI4I 2020, no calendar time "
                                  "axis)",
                           curve=[domain.RiskPoint(minute=(b + 1) * bucket, probability=min(max(p, 0.0), 1.0))
                                  for b, p in enumerate(_non_decreasing(curve.cumulative_failure_probability))])
        for curve in curves
    ]


def _repair_minutes(message: pb.PlantData) -> dict[str, int]:
    return {m: round(d.ToTimedelta() / timedelta(minutes=1)) for m, d in message.mean_time_to_repair.items()}


def _plant_risks(message: pb.PlantData, request: domain.PlanRequest, models: ForecastModels, found: Forecasts
                 ) -> None:
    """Risk curves from the plant's active risk model, predicted at the plan start from the plant's own
    telemetry and events; each curve's source names the model and the sensors that drive its anomaly score."""
    plant_id = message.telemetry.plant_id or message.plant_id
    where = "plant_data.telemetry.plant_id" if message.telemetry.plant_id else "plant_data.plant_id"
    if not plant_id:
        raise InvalidArgumentError([FieldViolation(where, (
            "is required with telemetry.plant_telemetry: the plant's own sensor rows are read by its own risk model"))])
    if message.plant_id and message.telemetry.plant_id not in ("", message.plant_id):
        raise InvalidArgumentError([FieldViolation("plant_data.telemetry.plant_id", (
            f"is {message.telemetry.plant_id!r}, but plant_data.plant_id is {message.plant_id!r}: leave it empty"))])
    plants = models.plants if isinstance(models, ServedModels) else None
    if plants is None:
        raise InvalidArgumentError([FieldViolation(where, "this server has no model registry")])
    try:
        entry, model = plants.risk(current_tenant(), plant_id, where)
    except NotFoundError as error:
        raise InvalidArgumentError([FieldViolation(where, str(error))]) from None
    bucket = request.options.risk_bucket_minutes
    telemetry = fpb.AssessEquipmentRiskRequest()
    telemetry.CopyFrom(message.telemetry)
    telemetry.bucket.FromTimedelta(timedelta(minutes=bucket))
    telemetry.bucket_count = math.ceil(request.options.horizon_minutes / bucket)
    telemetry.plant_id = plant_id
    telemetry.horizon_start.FromDatetime(request.options.plan_start)
    response = predict_plant_risk(telemetry, entry, model, "plant_data.telemetry")
    found.model_versions["risk"] = entry.model_version
    repair = _repair_minutes(message)
    found.machine_risks = [
        domain.MachineRisk(machine_id=machine.machine_id,
                           repair_minutes=repair.get(machine.machine_id, DEFAULT_REPAIR_MINUTES),
                           source=f"plant risk model {entry.model_version} ({entry.artifact_version}, served "
                                  f"{response.served}); {machine.explanation.text_en}",
                           curve=[domain.RiskPoint(minute=(b + 1) * bucket, probability=min(max(p, 0.0), 1.0))
                                  for b, p in enumerate(_non_decreasing(
                                      tuple(x.cumulative_failure_probability for x in machine.buckets)))])
        for machine in response.machines
    ]


def _non_decreasing(values: tuple[float, ...]) -> list[float]:
    result: list[float] = []
    for value in values:
        result.append(max(value, result[-1]) if result else value)
    return result


def _demand(message: pb.PlantData, request: domain.PlanRequest, models: ForecastModels, found: Forecasts) -> None:
    demand = fpb.ForecastDemandRequest()
    demand.CopyFrom(message.demand)
    bad_periods = [FieldViolation(f"series[{i}].period", "must be a positive duration (the time each value covers)")
                   for i, s in enumerate(demand.series) if s.HasField("period") and
                   (s.period.seconds < 0 or (s.period.seconds == 0 and s.period.nanos <= 0))]
    if bad_periods:
        raise InvalidArgumentError(bad_periods)
    periods = {s.series_id: (s.period.ToTimedelta() / timedelta(days=1) if s.HasField("period")
                             else DEFAULT_PERIOD_DAYS) for s in demand.series}
    bucket_days = request.options.lot_bucket_minutes / (24 * 60)
    buckets = math.ceil(request.options.horizon_minutes / request.options.lot_bucket_minutes)
    longest = max(periods.values(), default=DEFAULT_PERIOD_DAYS)
    demand.horizon = max(1, min(math.ceil(buckets * bucket_days / min(periods.values(), default=longest)), 18))
    del demand.quantiles[:]
    demand.quantiles.extend(QUANTILES)
    histories, horizon, quantiles = demand_request(demand, models)
    plant = _plant_demand_model(message, models)
    if plant is not None:
        entry, model = plant
        version = entry.model_version
        forecasts = plant_demand_forecasts(model, histories, horizon, quantiles, version)
    else:
        version = models.demand.version
        forecasts = forecast_demand(models.demand, histories, horizon, quantiles)
    found.model_versions["demand"] = version
    for forecast in forecasts:
        period = periods[forecast.series_id]
        for bucket in range(buckets):
            index = min(int(bucket * bucket_days // period), horizon - 1)
            share = bucket_days / period
            found.demand_forecasts.append(domain.DemandForecast(
                product_id=forecast.series_id, bucket=bucket, source=f"demand model {version}",
                quantiles=[domain.QuantileValue(level=q, value=max(forecast.quantile(q)[index], 0.0) * share)
                           for q in quantiles]))


def merge_predictions(request: domain.PlanRequest, forecasts: Forecasts) -> domain.PlanRequest:
    """The request with forecasts added wherever the caller supplied no prediction of its own. Forecasts for
    products or machines this factory does not have (plant data often covers more) are left out."""
    products = {p.id for p in request.factory.products}
    machines = {m.id for m in request.factory.machines}
    supplied_yields = {(y.product_id, y.machine_id) for y in request.yields}
    supplied_yields |= {(y.product_id, y.machine_id) for y in forecasts.yields
                        if y.product_id not in products or y.machine_id not in machines}
    supplied_risks = {r.machine_id for r in request.machine_risks} | {
        r.machine_id for r in forecasts.machine_risks if r.machine_id not in machines}
    supplied_demand = {(d.product_id, d.bucket) for d in request.demand_forecasts} | {
        (d.product_id, d.bucket) for d in forecasts.demand_forecasts if d.product_id not in products}
    return request.model_copy(update={
        "yields": [*request.yields,
                   *(y for y in forecasts.yields if (y.product_id, y.machine_id) not in supplied_yields)],
        "machine_risks": [*request.machine_risks,
                          *(r for r in forecasts.machine_risks if r.machine_id not in supplied_risks)],
        "demand_forecasts": [*request.demand_forecasts, *(d for d in forecasts.demand_forecasts
                                                          if (d.product_id, d.bucket) not in supplied_demand)],
    })
