"""StreamPlan, idempotency, GetPlan / ListPlans and a restart, over real channels to real servers."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

import grpc
import pytest
from conftest import ServerThread

from planner.demo_factory import demo_request
from planner.domain import PlanRequest
from planner.testing import order, product, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto
from service.settings import Settings


def _small(request_id: str = "", orders: int = 4) -> pb.CreatePlanRequest:
    req: PlanRequest = request(["M1", "M2"], [product("P", ("cut", ["M1", "M2"], 1.0))],
                               [order(f"O{i}", "P", 10 + i, due=30 * (i + 1)) for i in range(orders)], time_limit=5.0)
    return plan_request_to_proto(req.model_copy(update={"request_id": request_id}))


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    thread = ServerThread(Settings(solver_processes=1, max_queued_solves=0, db=str(tmp_path / "plans.db")))
    handle = thread.start()
    yield thread, handle
    thread.stop()


def test_stream_plan_sends_progress_then_the_stored_plan(server) -> None:  # type: ignore[no-untyped-def]
    _, handle = server
    demo = plan_request_to_proto(demo_request(time_limit_seconds=3.0, num_workers=1))
    with grpc.insecure_channel(handle.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        messages = list(stub.StreamPlan(demo, timeout=60))
        progress = [m.progress for m in messages if m.HasField("progress")]
        final = messages[-1]
        assert final.HasField("result") and all(m.HasField("progress") for m in messages[:-1])
        assert progress and all(b.objective <= a.objective for a, b in pairwise(progress))
        assert final.result.plan.status in (pb.PLAN_STATUS_FEASIBLE, pb.PLAN_STATUS_OPTIMAL)
        stored = stub.GetPlan(pb.GetPlanRequest(plan_id=final.result.plan_id), timeout=10)
        assert stored.plan == final.result.plan and stored.request == demo and stored.kind == "plan"


def test_cancelling_stream_plan_stops_the_solver_within_a_second(server) -> None:  # type: ignore[no-untyped-def]
    _, handle = server
    slow = plan_request_to_proto(demo_request(time_limit_seconds=60.0, num_workers=1))
    with grpc.insecure_channel(handle.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        call = stub.StreamPlan(slow, timeout=120)
        first = next(call)
        assert first.HasField("progress")
        call.cancel()
        cancelled_at = time.monotonic()
        while handle.running.pool.in_flight and time.monotonic() - cancelled_at < 5:
            time.sleep(0.02)
        assert time.monotonic() - cancelled_at < 1.0, "the solver was still running a second after the cancel"
        # The single solver process is free again: a new call is accepted, not refused.
        assert stub.CreatePlan(_small(), timeout=30).plan.status == pb.PLAN_STATUS_OPTIMAL
        listed = stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans
        assert len(listed) == 1, "a cancelled stream must store nothing"


def test_a_repeated_request_id_returns_the_stored_plan_without_solving(server) -> None:  # type: ignore[no-untyped-def]
    _, handle = server
    with grpc.insecure_channel(handle.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        first = stub.CreatePlan(_small("erp-42"), timeout=30)
        started = time.monotonic()
        again = stub.CreatePlan(_small("erp-42"), timeout=30)
        assert again == first and time.monotonic() - started < 0.5
        with pytest.raises(grpc.RpcError) as caught:
            stub.CreatePlan(_small("erp-42", orders=3), timeout=30)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [v.field for v in bad_request_violations(caught.value)] == ["request_id"]
        assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == 1


def test_list_plans_pages_and_filters(server) -> None:  # type: ignore[no-untyped-def]
    _, handle = server
    with grpc.insecure_channel(handle.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        ids = {stub.CreatePlan(_small(orders=2 + i), timeout=30).plan_id for i in range(5)}
        seen: list[str] = []
        token = ""
        while True:
            page = stub.ListPlans(pb.ListPlansRequest(page_size=2, page_token=token), timeout=10)
            seen += [p.plan_id for p in page.plans]
            assert all(p.kind == "plan" and p.status == "PLAN_STATUS_OPTIMAL" and p.orders >= 2 for p in page.plans)
            if not (token := page.next_page_token):
                break
        assert sorted(seen) == sorted(ids) and len(seen) == 5
        assert not stub.ListPlans(pb.ListPlansRequest(status="PLAN_STATUS_INFEASIBLE"), timeout=10).plans
        with pytest.raises(grpc.RpcError) as caught:
            stub.ListPlans(pb.ListPlansRequest(page_token="not-a-token"), timeout=10)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [v.field for v in bad_request_violations(caught.value)] == ["page_token"]
        with pytest.raises(grpc.RpcError) as caught:
            stub.ListPlans(pb.ListPlansRequest(kind="plans", page_size=-1), timeout=10)
        assert [v.field for v in bad_request_violations(caught.value)] == ["kind", "page_size"]
        with pytest.raises(grpc.RpcError) as missing:
            stub.GetPlan(pb.GetPlanRequest(plan_id="no-such-plan"), timeout=10)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_restarted_server_returns_the_same_plan(tmp_path: Path) -> None:
    settings = Settings(solver_processes=1, db=str(tmp_path / "plans.db"))
    first = ServerThread(settings)
    handle = first.start()
    with grpc.insecure_channel(handle.address) as channel:
        created = pb_grpc.PlanningServiceStub(channel).CreatePlan(_small("restart-1"), timeout=30)
    first.stop()
    second = ServerThread(settings)
    handle = second.start()
    try:
        with grpc.insecure_channel(handle.address) as channel:
            stub = pb_grpc.PlanningServiceStub(channel)
            stored = stub.GetPlan(pb.GetPlanRequest(plan_id=created.plan_id), timeout=10)
            assert stored.plan == created.plan
            assert stub.CreatePlan(_small("restart-1"), timeout=30) == created
    finally:
        second.stop()


def test_every_kind_of_call_is_idempotent_and_refuses_a_reused_id_for_another_request(server) -> None:  # type: ignore[no-untyped-def]
    _, handle = server
    compare = pb.CompareScenariosRequest(request_id="what-if-7", base=_small(), scenarios=[pb.Scenario(
        name="demand +50%", deltas=[pb.ScenarioDelta(demand_scale=pb.DemandScale(factor=1.5))])])
    with grpc.insecure_channel(handle.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        first = stub.CompareScenarios(compare, timeout=60)
        assert stub.CompareScenarios(compare, timeout=60) == first
        compare.scenarios[0].deltas[0].demand_scale.factor = 2.0
        with pytest.raises(grpc.RpcError) as caught:
            stub.CompareScenarios(compare, timeout=60)
        assert [v.field for v in bad_request_violations(caught.value)] == ["request_id"]
        created = stub.CreatePlan(_small(), timeout=30)
        due = pb.DueDateChange(order_id="O0", new_due_time=created.plan.order_results[0].due_time)
        replan = pb.ReplanRequest(plan_id=created.plan_id, request_id="replan-7", replan_time=created.plan.plan_start,
                                  disruptions=[pb.Disruption(due_date_change=due)])
        replanned = stub.Replan(replan, timeout=60)
        assert stub.Replan(replan, timeout=60) == replanned
        replan.frozen_window.FromSeconds(3600)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Replan(replan, timeout=60)
        assert [v.field for v in bad_request_violations(caught.value)] == ["request_id"]
        kinds = [p.kind for p in stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans]
        assert sorted(kinds) == ["comparison", "plan", "replan"]
