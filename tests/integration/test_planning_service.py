"""PlanningService over a real channel: plans, every violation at once, deadlines, overload, limits."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from conftest import ServerHandle, ServerThread
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from planner.checker import check_schedule
from planner.demo_factory import demo_request
from planner.domain import Machine, PlanRequest
from planner.solution import ScheduledOperation
from planner.testing import order, product, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations, status_details
from service.mapping import plan_request_to_proto, to_datetime
from service.settings import Settings


def _stub(channel: grpc.Channel) -> pb_grpc.PlanningServiceStub:
    return pb_grpc.PlanningServiceStub(channel)


def _schedule(plan: pb.Plan, req: PlanRequest) -> list[ScheduledOperation]:
    def minute(stamp: object) -> int:
        return round((to_datetime(stamp) - req.options.plan_start) / timedelta(minutes=1))  # type: ignore[arg-type]

    return [ScheduledOperation(order_id=a.order_id, product_id=a.product_id, operation_id=a.operation_id,
                               operation_index=a.operation_index, machine_id=a.machine_id, start=minute(a.start),
                               end=minute(a.end), quantity=a.quantity) for a in plan.assignments]


def _small() -> PlanRequest:
    return request(["M1", "M2"], [product("P", ("cut", ["M1", "M2"], 1.0), ("drill", ["M2"], 0.5))],
                   [order(f"O{i}", "P", 20 + i, due=40 * (i + 1)) for i in range(6)], time_limit=5.0)


def test_health_says_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "prodplan.v1.PlanningService"):
        assert health.Check(health_pb2.HealthCheckRequest(service=service)).status == (
            health_pb2.HealthCheckResponse.SERVING)


def test_create_plan_returns_a_valid_optimized_schedule(channel: grpc.Channel) -> None:
    req = _small()
    response = _stub(channel).CreatePlan(plan_request_to_proto(req), timeout=60)
    plan = response.plan
    assert response.plan_id and plan.status == pb.PLAN_STATUS_OPTIMAL
    assert len(plan.assignments) == 12 and len(plan.order_results) == 6
    assert check_schedule(req, _schedule(plan, req)) == []
    assert plan.statistics.solver == "cp-sat" and plan.statistics.gap == 0
    assert {u.machine_id for u in plan.kpis.machine_utilization} == {"M1", "M2"}


def test_every_violation_comes_back_in_one_invalid_argument(channel: grpc.Channel) -> None:
    message = plan_request_to_proto(_small())
    message.factory.products[0].routing[1].eligible_machines[0].machine_id = "CNC-9"
    message.orders[1].quantity = -5
    message.orders[2].due_time.CopyFrom(message.orders[2].release_time)
    message.orders[2].release_time.seconds += 3600
    with pytest.raises(grpc.RpcError) as caught:
        _stub(channel).CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert violations == {
        "factory.products[0].routing[1].eligible_machines[0].machine_id": "unknown machine 'CNC-9'",
        "orders[1].quantity": "must be greater than 0 (got -5)",
        "orders[2].due_time": "due time is before the release time",
    }
    assert "3 problems" in caught.value.details()


def test_infeasible_is_a_result_with_reasons(channel: grpc.Channel) -> None:
    req = request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                  [order("A", "P", 600, due=900), order("B", "P", 600, due=900)], horizon=1000)
    plan = _stub(channel).CreatePlan(plan_request_to_proto(req), timeout=30).plan
    assert plan.status == pb.PLAN_STATUS_INFEASIBLE and not plan.assignments
    assert "M1" in plan.infeasibility_reasons[0]


def test_the_rpc_deadline_caps_the_solver_and_the_best_plan_comes_back(channel: grpc.Channel) -> None:
    req = demo_request(time_limit_seconds=120.0, num_workers=1)
    started = time.monotonic()
    plan = _stub(channel).CreatePlan(plan_request_to_proto(req), timeout=4.0).plan
    assert time.monotonic() - started < 4.0
    assert plan.status == pb.PLAN_STATUS_FEASIBLE and len(plan.order_results) == len(req.orders)
    assert plan.statistics.time_limit.ToTimedelta().total_seconds() < 4.0
    assert check_schedule(req, _schedule(plan, req)) == []


def test_requests_over_the_size_limits_are_refused_with_the_limit(tmp_path: Path) -> None:
    settings = Settings(solver_processes=1, max_orders=5, max_message_bytes=4_000, db=str(tmp_path / "p.db"))
    server = ServerThread(settings)
    handle = server.start()
    try:
        with grpc.insecure_channel(handle.address) as channel:
            with pytest.raises(grpc.RpcError) as too_many:
                _stub(channel).CreatePlan(plan_request_to_proto(_small()), timeout=30)
            assert too_many.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "at most 5 orders" in too_many.value.details()
            with pytest.raises(grpc.RpcError) as too_big:
                _stub(channel).CreatePlan(plan_request_to_proto(demo_request()), timeout=30)
            assert too_big.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        server.stop()


def test_beyond_the_concurrency_limit_calls_are_refused_fast_with_a_retry_hint(tmp_path: Path) -> None:
    server = ServerThread(Settings(solver_processes=1, max_queued_solves=0, db=str(tmp_path / "p.db")))
    handle = server.start()
    slow = plan_request_to_proto(demo_request(time_limit_seconds=3.0, num_workers=1))
    try:
        with grpc.insecure_channel(handle.address) as channel, ThreadPoolExecutor(4) as pool:
            def call() -> tuple[grpc.StatusCode, float, grpc.RpcError | None]:
                started = time.monotonic()
                try:
                    _stub(channel).CreatePlan(slow, timeout=60)
                    return grpc.StatusCode.OK, time.monotonic() - started, None
                except grpc.RpcError as error:
                    return error.code(), time.monotonic() - started, error

            outcomes = list(pool.map(lambda _: call(), range(4)))
            stored = _stub(channel).ListPlans(pb.ListPlansRequest(), timeout=10).plans
    finally:
        server.stop()
    # A refusal is not a failed solve: only the plans that were solved are stored.
    assert len(stored) == sum(code == grpc.StatusCode.OK for code, _, _ in outcomes)
    assert all(p.status != "FAILED" for p in stored)
    codes = [code for code, _, _ in outcomes]
    assert codes.count(grpc.StatusCode.OK) >= 1 and grpc.StatusCode.RESOURCE_EXHAUSTED in codes
    for code, seconds, error in outcomes:
        if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
            assert seconds < 1.0 and error is not None
            status = status_details(error)
            assert status is not None and status.details[0].Is(error_details_pb2.RetryInfo.DESCRIPTOR)


def test_unknown_machine_in_factory_calendar_reference(planning_server: ServerHandle) -> None:
    req = _small()
    factory = req.factory.model_copy(update={"machines": [Machine(id="M1", calendar_id="nights"), Machine(id="M2")]})
    with grpc.insecure_channel(planning_server.address) as channel, pytest.raises(grpc.RpcError) as caught:
        _stub(channel).CreatePlan(plan_request_to_proto(req.model_copy(update={"factory": factory})), timeout=30)
    assert {v.field for v in bad_request_violations(caught.value)} == {"factory.machines[0].calendar_id"}
