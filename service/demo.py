"""`make demo`: start the server, plan the demo factory over gRPC like an ERP would, print it, chart it.

Steps: start `python -m service --port 0` as a child process and read its address; wait for the
standard health check to say SERVING; send the embedded demo factory's CreatePlan request; print
KPIs, late orders and each machine's sequence; write a Gantt chart PNG; stop the server (SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from planner.demo_factory import demo_request
from planner.domain import PlanRequest
from planner.gantt import draw_gantt
from planner.solution import ScheduledOperation
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.mapping import plan_request_to_proto, to_datetime

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
        )
        for a in plan.assignments
    ]


def summary(plan: pb.Plan, request: PlanRequest) -> str:
    """The plan as a planner reads it: status, KPIs, late orders, each machine's sequence."""
    local = timedelta(minutes=request.factory.utc_offset_minutes)
    stats, kpis = plan.statistics, plan.kpis

    def when(stamp: object) -> str:
        return (to_datetime(stamp) + local).strftime("%a %d %b %H:%M")  # type: ignore[arg-type]

    lines = [
        f"Plan for {request.factory.name}: {len(request.orders)} orders, {len(request.factory.machines)} machines",
        f"  status {pb.PlanStatus.Name(plan.status)}, weighted tardiness {stats.objective:.0f} "
        f"(bound {stats.best_bound:.0f}, gap {stats.gap:.1%}) in {stats.wall_time.ToTimedelta().total_seconds():.1f} s "
        f"with {stats.num_workers} CP-SAT workers [{stats.notes}]",
        f"  on time {kpis.on_time_rate:.0%} ({kpis.late_orders} late), total lateness "
        f"{kpis.total_tardiness.ToTimedelta().total_seconds() / 3600:.1f} h, makespan "
        f"{kpis.makespan.ToTimedelta().total_seconds() / 86400:.1f} days",
        "", "Late orders:",
    ]
    customers = {o.id: o.customer for o in request.orders}
    for result in (r for r in plan.order_results if not r.on_time):
        lines.append(f"  {result.order_id:<9} {customers[result.order_id]:<22} due {when(result.due_time)}, "
                     f"done {when(result.completion_time)} "
                     f"({result.tardiness.ToTimedelta().total_seconds() / 3600:.1f} h late)")
    if all(r.on_time for r in plan.order_results):
        lines.append("  none")
    lines += ["", "Machines (utilization, then sequence of orders):"]
    sequence: dict[str, list[str]] = defaultdict(list)
    for a in plan.assignments:
        sequence[a.machine_id].append(a.order_id.removeprefix("SO-"))
    for u in kpis.machine_utilization:
        shown = " ".join(sequence[u.machine_id][:14]) + (" ..." if len(sequence[u.machine_id]) > 14 else "")
        lines.append(f"  {u.machine_id:<6} {u.utilization:>4.0%}  {shown}")
    for reason in plan.infeasibility_reasons:
        lines.append(f"  ! {reason}")
    return "\n".join(lines)


def run(out_dir: Path, time_limit_s: float) -> int:
    # A fresh request id per run: the same id would return the plan stored by an earlier run.
    request = demo_request(time_limit_seconds=time_limit_s).model_copy(
        update={"request_id": f"demo-{datetime.now(tz=UTC):%Y%m%d-%H%M%S}-{os.getpid()}"})
    out_dir.mkdir(parents=True, exist_ok=True)
    process, address = start_server(out_dir / "demo-plans.db")
    try:
        with grpc.insecure_channel(address) as channel:
            wait_until_serving(channel)
            print(f"Server up at {address}; sending CreatePlan for the demo factory ...\n")
            response = pb_grpc.PlanningServiceStub(channel).CreatePlan(
                plan_request_to_proto(request), timeout=time_limit_s + 60
            )
        print(summary(response.plan, request))
        chart = draw_gantt(request, assignments_from_proto(response.plan, request), out_dir / "gantt.png")
        print(f"\nGantt chart: {chart}  (plan id {response.plan_id})")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the chart (default out/)")
    parser.add_argument("--time-limit", type=float, default=15.0, help="solver seconds (default 15)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return run(args.out, args.time_limit)


if __name__ == "__main__":
    sys.exit(main())
