"""`make demo`: the whole flow over gRPC, the way an ERP, a planner and operations would use it.

1. Register the demo plant's shipped risk model (trained on its own simulated telemetry, alarms, failures
   and maintenance: forecaster/plantrisk/demo_history.py) in a temporary model registry, activate it, start
   `python -m service --port 0` on that registry as a child process, read its address, wait for SERVING.
2. ForecastService on the plant's data (demand history, process parameters, the plant's own telemetry and
   event history): a demand forecast, a yield table and a risk table from the plant's risk model, each
   with its reasons (the risk table names the model and the sensors behind each anomaly score).
3. CreatePlan for the plant-grade demo plant (planner/demo_plant.py: furnace loads, setters, inspectors and
   dies, ingot and bearing receipts, cooling and heat-treatment lags, a subassembly, work in progress) with
   that plant data (the server forecasts from it), a risk-aware policy and lot sizing: KPIs, late orders
   with reasons and fixes, machine sequences, the furnace loads, resource use, material waits and the
   late orders a plant rule held back, the predictions used and what each became, what they changed,
   the bottleneck table; a Gantt chart.
4. CompareScenarios: the what-if table (rush order, CNC-2 down, demand +20 %, overtime, risk-aware), on
   the simple demo plant (planner/demo_factory.py; examples/compare_scenarios.json).
5. Replan the plant-grade plan after a CNC-3 breakdown: what changed and why; draw the Gantt chart after
   the breakdown.
6. Stop the server (SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from forecaster.plantrisk.demo_history import SHIPPED_MODEL as DEMO_RISK_MODEL
from planner.demo_factory import PLAN_START
from planner.demo_plant import plant_grade_request
from planner.domain import Factory, Order, PlanRequest, RiskPolicy, TimeWindow
from planner.gantt import draw_gantt
from planner.solution import ScheduledOperation, StaffAssignment
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import forecast_service_pb2_grpc as fpb_grpc
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service import demo_report
from service.auth import DEFAULT_TENANT
from service.demo_plant_data import demo_plant_data
from service.mapping import plan_request_to_proto, to_datetime, to_duration, to_timestamp
from service.model_registry import ModelRegistry
from service.scenario_mapping import compare_scenarios_example

logger = logging.getLogger("demo")
STARTUP_TIMEOUT_S = 60.0


def start_server(db: Path, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m service --port 0 --db DB`; return the process and its address once it listens."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", "0", "--log-level", "WARNING",
         "--db", str(db)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the server exited with code {process.wait()} before listening")
        if line.startswith("prodplan listening on "):
            return process, line.removeprefix("prodplan listening on ").strip()
    process.kill()
    raise TimeoutError("the server did not start listening within 60 s")


def wait_until_serving(channel: grpc.Channel) -> None:
    response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=30)
    if response.status != health_pb2.HealthCheckResponse.SERVING:
        raise RuntimeError(f"server health is {response.status}")


def assignments_from_proto(plan: pb.Plan, request: PlanRequest) -> list[ScheduledOperation]:
    start = request.options.plan_start

    def minute(stamp: object) -> int:
        return round((to_datetime(stamp) - start).total_seconds() / 60)  # type: ignore[arg-type]

    return [
        ScheduledOperation(
            order_id=a.order_id, product_id=a.product_id, operation_id=a.operation_id,
            operation_index=a.operation_index, machine_id=a.machine_id, start=minute(a.start), end=minute(a.end),
            quantity=a.quantity, setup_minutes=round(a.setup_time.seconds / 60),
            people=[StaffAssignment(person_id=p.person_id, skill=p.skill) for p in a.people],
            sublot_index=a.sublot_index, sublot_count=a.sublot_count or 1,
        )
        for a in plan.assignments
    ]


DEMO_PLANT = "gyeongju-ev"
"""The demo plant's id in the model registry: its risk model is the shipped one trained on its own history."""


def demo_registry(folder: Path) -> str:
    """A model registry in `folder` holding the demo plant's shipped risk model (forecaster/weights/
    plant_risk_demo/, checked against its checksums on import), activated; returns its model version."""
    registry = ModelRegistry(folder)
    model = registry.import_folder(DEFAULT_TENANT, DEMO_PLANT, "risk", DEMO_RISK_MODEL)
    registry.activate(DEFAULT_TENANT, DEMO_PLANT, "risk", model.version)
    return model.model_version


def run(out_dir: Path, time_limit_s: float) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-models-") as models:
        risk_model = demo_registry(Path(models))
        process, address = start_server(out_dir / "demo-plans.db", {"PRODPLAN_MODEL_DIR": models})
        try:
            return _run(address, out_dir, time_limit_s, risk_model)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _run(address: str, out_dir: Path, time_limit_s: float, risk_model: str) -> int:
    """The demo's calls against the running server (sections printed as they come)."""
    with grpc.insecure_channel(address) as channel:
        wait_until_serving(channel)
        print(f"Server up at {address}; the plant's risk model is {risk_model} (trained on its own history).\n")
        plant_data = demo_plant_data(risk_plant=DEMO_PLANT)
        _forecasts(channel, plant_data)
        request = _planned_request(time_limit_s)
        message = plan_request_to_proto(request)
        message.plant_data.CopyFrom(plant_data)
        stub = pb_grpc.PlanningServiceStub(channel)
        created = stub.CreatePlan(message, timeout=time_limit_s + 120)
        request = _with_used_predictions(request, created.plan)
        _section(demo_report.plan_summary(created.plan, request))
        _section(demo_report.plant_rules_summary(created.plan, request))
        _section(demo_report.predictions_summary(created.plan))
        before = draw_gantt(request, assignments_from_proto(created.plan, request), out_dir / "gantt.png",
                            title=f"{request.factory.name}: released plan")
        comparison = stub.CompareScenarios(_scenarios(time_limit_s), timeout=20 * time_limit_s + 300)
        _section(demo_report.comparison_table(comparison))
        replanned = stub.Replan(_breakdown(created), timeout=time_limit_s + 120)
        _section(demo_report.replan_summary(replanned, request))
        after = draw_gantt(request.model_copy(update={"factory": _broken_factory(request)}),
                           assignments_from_proto(replanned.plan, request), out_dir / "gantt_after_breakdown.png",
                           title=f"{request.factory.name}: re-plan after the {BROKEN_MACHINE} breakdown")
    print(f"Gantt charts: {before} (released plan), {after} (after the breakdown); plan ids "
          f"{created.plan_id} -> {replanned.plan_id}; store {out_dir / 'demo-plans.db'}")
    return 0


BROKEN_MACHINE = "CNC-3"
BREAKDOWN_AT = 2 * 1440 + 4 * 60  # Wednesday 10:00 local
REPAIR_MINUTES = 12 * 60


def _section(text: str) -> None:
    print(text, end="\n\n")


def _forecasts(channel: grpc.Channel, plant_data: pb.PlantData) -> None:
    """What the MES's data says, from ForecastService: demand quantiles, yields and risk, with their reasons."""
    stub = fpb_grpc.ForecastServiceStub(channel)
    demand = fpb.ForecastDemandRequest()
    demand.CopyFrom(plant_data.demand)
    demand.horizon, demand.quantiles[:] = 3, [0.1, 0.5, 0.9]
    telemetry = fpb.AssessEquipmentRiskRequest()
    telemetry.CopyFrom(plant_data.telemetry)
    telemetry.bucket.FromSeconds(24 * 3600)
    telemetry.bucket_count = 7
    telemetry.horizon_start.FromDatetime(PLAN_START)  # the plant's model predicts from the plan start
    _section(demo_report.forecast_tables(stub.ForecastDemand(demand, timeout=60),
                                         stub.PredictYield(plant_data.quality, timeout=60),
                                         stub.AssessEquipmentRisk(telemetry, timeout=60)))


def _planned_request(time_limit_s: float) -> PlanRequest:
    """The plant-grade demo plant with lot sizing and a risk-aware policy (its predictions come from the plant
    data the server forecasts from); a fresh request id per run (the same id would return the stored plan)."""
    request = plant_grade_request(time_limit_seconds=time_limit_s)
    options = request.options.model_copy(update={"lot_sizing": True, "risk_policy": RiskPolicy.CHANCE_RESERVE,
                                                  "risk_alpha": 0.95})
    return request.model_copy(update={
        "request_id": f"demo-{datetime.now(tz=UTC):%Y%m%d-%H%M%S}-{os.getpid()}", "options": options})


def _with_used_predictions(request: PlanRequest, plan: pb.Plan) -> PlanRequest:
    """The request as planned: with the forecast lots, so charts and reports name every job."""
    lots = [Order(id=o.id, product_id=o.product_id, quantity=o.quantity, due=_minute(o.due_time, request),
                  release=_minute(o.release_time, request), weight=o.weight, customer=o.customer)
            for o in plan.lot_plan.lots]
    return request.model_copy(update={"orders": [*request.orders, *lots]})


def _minute(stamp: object, request: PlanRequest) -> int:
    return round((to_datetime(stamp) - request.options.plan_start).total_seconds() / 60)  # type: ignore[arg-type]


def _scenarios(time_limit_s: float) -> pb.CompareScenariosRequest:
    comparison = compare_scenarios_example()
    comparison.request_id = ""
    comparison.base.request_id = ""
    comparison.base.options.time_limit.FromMilliseconds(int(max(time_limit_s / 3, 1.0) * 1000))
    return comparison


def _breakdown(created: pb.CreatePlanResponse) -> pb.ReplanRequest:
    start = to_datetime(created.plan.plan_start)
    return pb.ReplanRequest(plan_id=created.plan_id, disruptions=[pb.Disruption(machine_breakdown=pb.MachineBreakdown(
        machine_id=BROKEN_MACHINE, start=to_timestamp(start + timedelta(minutes=BREAKDOWN_AT)),
        expected_repair_end=to_timestamp(start + timedelta(minutes=BREAKDOWN_AT + REPAIR_MINUTES))))],
        frozen_window=to_duration(120))


def _broken_factory(request: PlanRequest) -> Factory:
    """The factory with the breakdown drawn as downtime, for the second chart."""
    machines = [m.model_copy(update={"maintenance_windows": [*m.maintenance_windows, TimeWindow(
        start=BREAKDOWN_AT, end=BREAKDOWN_AT + REPAIR_MINUTES, reason="breakdown")]}) if m.id == BROKEN_MACHINE else m
        for m in request.factory.machines]
    return request.factory.model_copy(update={"machines": machines})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the chart (default out/)")
    parser.add_argument("--time-limit", type=float, default=15.0, help="solver seconds (default 15)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return run(args.out, args.time_limit)


if __name__ == "__main__":
    sys.exit(main())
