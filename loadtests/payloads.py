"""Request messages the load users send, built once from the embedded demo plant and the forecaster's demo inputs.

Sizes are parameters (`PayloadSizes`) so a run can ask for bigger or smaller calls than the defaults:
a small plan is the demo plant cut down to `small_machines` machines (each work center keeps at least
one) with the first `small_orders` demo orders; a medium plan is the whole plant with `medium_orders`
orders and the demo's risk curves (risk-blind policy, so they only feed the risk-exposure KPI).
Request ids stay empty: a repeated id would return the stored plan instead of solving again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.protobuf import duration_pb2, timestamp_pb2

from forecaster import demo_inputs
from planner.demo_factory import demo_machine_risks, demo_orders, demo_request
from planner.domain import Factory, Machine, Operation, PlanRequest, Product
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import planning_service_pb2 as pb
from service.mapping import plan_request_to_proto
from service.scenario_mapping import compare_scenarios_example


@dataclass(frozen=True)
class PayloadSizes:
    """How big each kind of call is.

    Args:
        small_orders: orders in a small CreatePlan (demo orders, first N).
        small_machines: machines in a small CreatePlan (demo plant cut down, every work center kept).
        small_time_limit_s: solver time limit of a small CreatePlan.
        medium_orders: orders in a medium CreatePlan on the whole 11-machine demo plant.
        medium_time_limit_s: solver time limit of a medium CreatePlan.
        num_workers: CP-SAT workers asked for by every plan (0: the server's default).
        compare_time_limit_s: solver time limit of the base and of each scenario in CompareScenarios.
        forecast_series: demand series per ForecastDemand call (the 3 demo series repeated).
        forecast_horizon: periods ahead per ForecastDemand call.
        risk_machines: machines per AssessEquipmentRisk call (the 7 demo machines repeated).
        risk_buckets: buckets of each risk curve.
    """

    small_orders: int = 20
    small_machines: int = 6
    small_time_limit_s: float = 1.0
    medium_orders: int = 40
    medium_time_limit_s: float = 3.0
    num_workers: int = 1
    compare_time_limit_s: float = 1.0
    forecast_series: int = 3
    forecast_horizon: int = 6
    risk_machines: int = 7
    risk_buckets: int = 21


@dataclass(frozen=True)
class Payloads:
    """One prebuilt message per kind of call."""

    small_plan: pb.CreatePlanRequest
    medium_plan: pb.CreatePlanRequest
    compare: pb.CompareScenariosRequest
    forecast_demand: fpb.ForecastDemandRequest
    equipment_risk: fpb.AssessEquipmentRiskRequest


def build_payloads(sizes: PayloadSizes) -> Payloads:
    return Payloads(
        small_plan=small_plan_request(sizes.small_orders, sizes.small_machines, sizes.small_time_limit_s,
                                      sizes.num_workers),
        medium_plan=medium_plan_request(sizes.medium_orders, sizes.medium_time_limit_s, sizes.num_workers),
        compare=compare_request(sizes.compare_time_limit_s, sizes.num_workers),
        forecast_demand=forecast_demand_request(sizes.forecast_series, sizes.forecast_horizon),
        equipment_risk=equipment_risk_request(sizes.risk_machines, sizes.risk_buckets),
    )


def _duration(seconds: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromTimedelta(timedelta(seconds=seconds))
    return value


def _timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(moment)
    return value


def _machines_per_work_center(machines: list[Machine], count: int) -> list[Machine]:
    """The first `count` machines taken round-robin over work centers, so every work center keeps one."""
    by_center: dict[str, list[Machine]] = {}
    for machine in machines:
        by_center.setdefault(machine.work_center, []).append(machine)
    chosen: list[Machine] = []
    while len(chosen) < min(count, len(machines)):
        for group in by_center.values():
            if group and len(chosen) < count:
                chosen.append(group.pop(0))
    return chosen


def _cut_down(factory: Factory, count: int) -> Factory:
    """The factory with `count` machines; an operation that lost all its machines runs on the kept ones of
    the same work center (so every product stays plannable)."""
    kept = _machines_per_work_center(list(factory.machines), count)
    kept_ids = {m.id for m in kept}
    center_of = {m.id: m.work_center for m in factory.machines}

    def operation(op: Operation) -> Operation:
        eligible = [e for e in op.eligible_machines if e.machine_id in kept_ids]
        if not eligible:
            centers = {center_of[e.machine_id] for e in op.eligible_machines}
            template = op.eligible_machines[0]
            eligible = [template.model_copy(update={"machine_id": m.id}) for m in kept if m.work_center in centers]
        return op.model_copy(update={"eligible_machines": eligible})

    products: list[Product] = [p.model_copy(update={"routing": [operation(o) for o in p.routing]})
                               for p in factory.products]
    return factory.model_copy(update={"machines": kept, "products": products})


def _without_id(request: PlanRequest) -> pb.CreatePlanRequest:
    message = plan_request_to_proto(request)
    message.request_id = ""
    return message


def small_plan_request(orders: int = 20, machines: int = 6, time_limit_s: float = 1.0,
                       num_workers: int = 1) -> pb.CreatePlanRequest:
    """A small plan: the demo plant cut down to `machines` machines, the first `orders` demo orders."""
    base = demo_request(time_limit_seconds=time_limit_s, num_workers=max(num_workers, 1))
    request = base.model_copy(update={"factory": _cut_down(base.factory, machines),
                                      "orders": demo_orders(count=orders)})
    message = _without_id(request)
    message.options.num_workers = num_workers
    return message


def medium_plan_request(orders: int = 40, time_limit_s: float = 3.0, num_workers: int = 1) -> pb.CreatePlanRequest:
    """A medium plan: the whole demo plant, `orders` orders, the demo's risk curves (no risk policy)."""
    base = demo_request(time_limit_seconds=time_limit_s, num_workers=max(num_workers, 1))
    request = base.model_copy(update={"orders": demo_orders(count=orders), "machine_risks": demo_machine_risks()})
    message = _without_id(request)
    message.options.num_workers = num_workers
    return message


def compare_request(time_limit_s: float = 1.0, num_workers: int = 1) -> pb.CompareScenariosRequest:
    """The demo's what-if comparison (base + 6 scenarios), each solve limited to `time_limit_s`."""
    message = compare_scenarios_example()
    message.request_id = ""
    message.base.request_id = ""
    message.base.options.time_limit.CopyFrom(_duration(time_limit_s))
    message.base.options.num_workers = num_workers
    return message


def forecast_demand_request(series: int = 3, horizon: int = 6) -> fpb.ForecastDemandRequest:
    """Monthly demand histories of the demo products, repeated (with distinct ids) up to `series` series."""
    histories = demo_inputs().demand
    start = _timestamp(datetime(2023, 1, 1, tzinfo=UTC))
    return fpb.ForecastDemandRequest(
        series=[fpb.DemandSeries(series_id=f"{histories[k % len(histories)].series_id}-{k}",
                                 history=histories[k % len(histories)].values, season_length=12,
                                 period=_duration(30 * 86400), history_start=start) for k in range(series)],
        horizon=horizon, quantiles=[0.1, 0.5, 0.9])


def _sample(sample: object) -> fpb.TelemetrySample:
    fields = ("air_temperature_k", "process_temperature_k", "rotational_speed_rpm", "torque_nm", "tool_wear_min")
    return fpb.TelemetrySample(**{name: getattr(sample, name) for name in fields})


_DUTY = {"L": fpb.DUTY_CLASS_LOW, "M": fpb.DUTY_CLASS_MEDIUM, "H": fpb.DUTY_CLASS_HIGH}


def equipment_risk_request(machines: int = 7, buckets: int = 21) -> fpb.AssessEquipmentRiskRequest:
    """The demo machines' telemetry (an MES poll), repeated with distinct ids up to `machines` machines."""
    telemetry = demo_inputs().telemetry
    messages = []
    for k in range(machines):
        machine = telemetry[k % len(telemetry)]
        messages.append(fpb.MachineTelemetry(
            machine_id=f"{machine.machine_id}-{k}", current=_sample(machine.current),
            history=[_sample(s) for s in machine.history], utilization=machine.utilization,
            time_since_maintenance=_duration(machine.hours_since_maintenance * 3600),
            duty_class=_DUTY.get(machine.duty_class, fpb.DUTY_CLASS_UNSPECIFIED)))
    return fpb.AssessEquipmentRiskRequest(machines=messages, bucket=_duration(8 * 3600), bucket_count=buckets,
                                          horizon_start=_timestamp(datetime(2026, 3, 2, 6, tzinfo=UTC)))
