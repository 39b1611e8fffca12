"""Forecasts into the plan: raw plant data in a CreatePlanRequest becomes the planner's predictions.

The service runs the forecaster's shipped models in-process (the same models ForecastService serves):
- quality (process parameters per lot) -> the defect model -> mean expected yield per product and
  machine -> `YieldEstimate`s;
- telemetry -> the risk model -> cumulative failure probability at the end of each risk bucket over
  the horizon -> `MachineRisk` curves (repair time from the request, 4 h where not given);
- demand history -> the demand model -> quantiles per history period, split evenly over the days of
  the period -> `DemandForecast`s per lot-sizing bucket (a quantile of a period taken pro rata is the
  quantile of perfectly correlated days: conservative for safety stock).
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
from planner import domain
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import planning_service_pb2 as pb
from service.errors import FieldViolation, InvalidArgumentError
from service.forecast_mapping import demand_request, risk_request, yield_request

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
        if message.HasField(kind):
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


def _risks(message: pb.PlantData, request: domain.PlanRequest, models: ForecastModels, found: Forecasts) -> None:
    bucket = request.options.risk_bucket_minutes
    telemetry = fpb.AssessEquipmentRiskRequest()
    telemetry.CopyFrom(message.telemetry)
    telemetry.bucket.FromTimedelta(timedelta(minutes=bucket))
    telemetry.bucket_count = math.ceil(request.options.horizon_minutes / bucket)
    machines, bucket_hours, count = risk_request(telemetry)
    curves = assess_equipment_risk(models.risk, machines, bucket_hours, count)
    found.model_versions["risk"] = models.risk.version
    repair = {m: round(d.ToTimedelta() / timedelta(minutes=1)) for m, d in message.mean_time_to_repair.items()}
    found.machine_risks = [
        domain.MachineRisk(machine_id=curve.machine_id,
                           repair_minutes=repair.get(curve.machine_id, DEFAULT_REPAIR_MINUTES),
                           source=f"risk model {models.risk.version}",
                           curve=[domain.RiskPoint(minute=(b + 1) * bucket, probability=min(max(p, 0.0), 1.0))
                                  for b, p in enumerate(_non_decreasing(curve.cumulative_failure_probability))])
        for curve in curves
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
    forecasts = forecast_demand(models.demand, histories, horizon, quantiles)
    found.model_versions["demand"] = models.demand.version
    for forecast in forecasts:
        period = periods[forecast.series_id]
        for bucket in range(buckets):
            index = min(int(bucket * bucket_days // period), horizon - 1)
            share = bucket_days / period
            found.demand_forecasts.append(domain.DemandForecast(
                product_id=forecast.series_id, bucket=bucket, source=f"demand model {models.demand.version}",
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
