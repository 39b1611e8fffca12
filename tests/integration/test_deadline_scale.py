"""The time limit is a promise at plant scale: replies before the RPC deadline, the start streamed at once,
and where the time went, over a real channel to a real server (`benchmarks.scale` builds the requests)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from conftest import ServerHandle, ServerThread

from benchmarks.scale import scaled_request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.mapping import plan_request_to_proto
from service.settings import Settings

SOLVED = (pb.PLAN_STATUS_FEASIBLE, pb.PLAN_STATUS_OPTIMAL)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    thread = ServerThread(Settings(solver_processes=1, max_queued_solves=0,
                                   db=str(tmp_path_factory.mktemp("store") / "plans.db")))
    yield thread.start()
    thread.stop()


def _request(orders: int) -> pb.CreatePlanRequest:
    """A 60 s time limit: the RPC deadline is what caps it. No request id: every call is solved."""
    message = plan_request_to_proto(scaled_request(orders, time_limit_seconds=60.0, num_workers=2))
    message.request_id = ""
    return message


@pytest.mark.parametrize(("orders", "deadline_s"), [(240, 6.0), (720, 8.0), (2000, 20.0)])
def test_a_short_deadline_gets_a_plan_before_it(server: ServerHandle, orders: int, deadline_s: float) -> None:
    message = _request(orders)
    with grpc.insecure_channel(server.address, options=[("grpc.max_receive_message_length", 64 << 20)]) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        started = time.monotonic()
        reply = stub.CreatePlan(message, timeout=deadline_s)  # DEADLINE_EXCEEDED would fail the test
        elapsed = time.monotonic() - started
    plan = reply.plan
    assert plan.status in SOLVED
    assert elapsed < deadline_s
    assert len(plan.assignments) == plan.statistics.operations > 0
    assert plan.statistics.time_limit.ToTimedelta().total_seconds() < deadline_s


def test_phases_are_reported_in_the_order_they_ran(server: ServerHandle) -> None:
    message = _request(240)
    message.options.time_limit.FromSeconds(3)
    with grpc.insecure_channel(server.address) as channel:
        started = time.time()
        reply = pb_grpc.PlanningServiceStub(channel).CreatePlan(message, timeout=30)
        finished = time.time()
    phases = reply.plan.statistics.phases
    names = [p.name for p in phases]
    assert names[0] == "mapping" and names[-1] == "mapping"  # the request in, ..., the reply out
    assert {"validation", "preparation", "solving", "explaining"} <= set(names)
    starts = [p.start.ToNanoseconds() / 1e9 for p in phases]
    assert starts == sorted(starts)
    assert started - 1.0 <= starts[0] and starts[-1] <= finished
    spent = sum(p.duration.ToTimedelta().total_seconds() for p in phases)
    assert 0.0 < spent <= finished - started + 0.5  # phases do not overlap (0.5 s: clocks of two processes)


def test_stream_plan_sends_the_start_schedule_first(server: ServerHandle) -> None:
    message = _request(720)
    message.options.time_limit.FromSeconds(4)
    with grpc.insecure_channel(server.address) as channel:
        started = time.monotonic()
        call = pb_grpc.PlanningServiceStub(channel).StreamPlan(message, timeout=30)
        first = next(call)
        first_after = time.monotonic() - started
        rest = list(call)
    assert first.HasField("progress") and first_after < 5.0
    final = rest[-1].result.plan
    assert final.status in SOLVED and final.statistics.objective <= first.progress.objective
