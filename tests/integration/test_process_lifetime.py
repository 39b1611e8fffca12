"""Solver processes and the server: no process outlives the server that started it (a server killed
outright, by SIGKILL or the OOM killer, in the middle of a solve takes its solver pool's workers, its
fork server and its helpers with it), and a solver process that dies fails only its own call."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from processes import MARK, kill, marked_processes, proc_available, wait_until_none_left

from loadtests.retry_hint import retry_delay_s
from planner.demo_factory import demo_request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import start_server, wait_until_serving
from service.mapping import plan_request_to_proto


@pytest.mark.skipif(not proc_available(), reason="needs Linux /proc to find the server's processes")
def test_a_killed_server_leaves_no_solver_process_behind(tmp_path: Path) -> None:
    mark = f"killed-server-{uuid.uuid4().hex}"
    process, address = start_server(tmp_path / "plans.db", extra_env={MARK: mark})
    try:
        with grpc.insecure_channel(address) as channel:
            wait_until_serving(channel)
            request = plan_request_to_proto(demo_request(time_limit_seconds=20.0, num_workers=1))
            call = threading.Thread(target=_create_plan_ignoring_errors, args=(address, request), daemon=True)
            call.start()
            time.sleep(2.0)  # the solve is running in a worker process
            started = marked_processes(mark)
            assert any("forkserver" in p.command for p in started), [str(p) for p in started]
            assert len(started) >= 3  # the server, its fork server and at least one solver worker
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
            left = wait_until_none_left(mark, timeout_s=15)
            assert not left, "still running after the server was killed:\n" + "\n".join(map(str, left))
            call.join(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        kill(marked_processes(mark))


def _create_plan_ignoring_errors(address: str, request: object) -> None:
    # the server is killed under the call: UNAVAILABLE is the expected end
    with grpc.insecure_channel(address) as channel, contextlib.suppress(grpc.RpcError):
        pb_grpc.PlanningServiceStub(channel).CreatePlan(request, timeout=60)


@pytest.mark.skipif(not proc_available(), reason="needs Linux /proc to find the solver processes")
def test_a_solver_process_killed_mid_solve_fails_only_that_call_and_the_pool_recovers(tmp_path: Path) -> None:
    """Chaos: SIGKILL the solver process during a solve. The call gets UNAVAILABLE with a retry hint at
    once, health reports NOT_SERVING until a fresh process answers, and the next call is planned."""
    mark = f"killed-solver-{uuid.uuid4().hex}"
    process, address = start_server(tmp_path / "plans.db", extra_env={MARK: mark, "PRODPLAN_SOLVER_PROCESSES": "1"})
    try:
        with grpc.insecure_channel(address) as channel:
            wait_until_serving(channel)
            statuses: list[int] = []
            watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""), timeout=120)
            watcher = threading.Thread(target=lambda: statuses.extend(m.status for m in _until_cancelled(watch)),
                                       daemon=True)
            watcher.start()
            stub = pb_grpc.PlanningServiceStub(channel)
            slow = plan_request_to_proto(demo_request(time_limit_seconds=30.0, num_workers=1))
            outcome: list[grpc.RpcError] = []
            call = threading.Thread(target=lambda: outcome.extend(_error_of(stub, slow)), daemon=True)
            call.start()
            time.sleep(3.0)  # the solve is running in the solver process
            solvers = [p for p in marked_processes(mark) if "forkserver" in p.command and p.parent != process.pid]
            assert solvers, [str(p) for p in marked_processes(mark)]
            killed_at = time.monotonic()
            kill(solvers)
            call.join(30)
            assert outcome and outcome[0].code() == grpc.StatusCode.UNAVAILABLE, outcome
            assert time.monotonic() - killed_at < 10  # at once, not at the end of the 30 s limit
            assert retry_delay_s(outcome[0]) > 0
            fast = plan_request_to_proto(demo_request(time_limit_seconds=2.0, num_workers=1))
            deadline = time.monotonic() + 60
            while not (NOT_SERVING in statuses and SERVING in statuses[statuses.index(NOT_SERVING):]):
                assert time.monotonic() < deadline, f"health went {statuses}"
                time.sleep(0.2)
            plan = stub.CreatePlan(fast, timeout=60).plan
            assert plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
            idle = [p for p in marked_processes(mark) if "forkserver" in p.command and p.parent != process.pid]
            kill(idle)  # an idle solver process dies too: the next call is still planned
            time.sleep(1.0)
            plan = stub.CreatePlan(fast, timeout=60).plan
            assert plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
            watch.cancel()
            assert statuses[0] == SERVING and NOT_SERVING in statuses and statuses[-1] == SERVING, statuses
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except Exception:
            process.kill()
        kill(wait_until_none_left(mark, timeout_s=15))


SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _until_cancelled(stream: Iterator[health_pb2.HealthCheckResponse]) -> Iterator[health_pb2.HealthCheckResponse]:
    with contextlib.suppress(grpc.RpcError):
        yield from stream


def _error_of(stub: pb_grpc.PlanningServiceStub, request: pb.CreatePlanRequest) -> list[grpc.RpcError]:
    try:
        stub.CreatePlan(request, timeout=60)
    except grpc.RpcError as error:
        return [error]
    return []


def test_a_cancelled_call_stops_its_solver_before_its_slot_is_freed(tmp_path: Path) -> None:
    """One solver process, no queue: the slot of a cancelled 30 s solve is freed once the solver has
    stopped (within seconds), and the next call is planned at once instead of waiting behind it."""
    from conftest import ServerThread

    from service.settings import Settings

    server = ServerThread(Settings(solver_processes=1, max_queued_solves=0, db=str(tmp_path / "plans.db")))
    handle = server.start()
    try:
        with grpc.insecure_channel(handle.address) as channel:
            stub = pb_grpc.PlanningServiceStub(channel)
            slow = stub.CreatePlan.future(plan_request_to_proto(demo_request(time_limit_seconds=30.0, num_workers=1)),
                                          timeout=60)
            time.sleep(3.0)  # solving
            assert handle.running.pool.in_flight == 1
            slow.cancel()
            cancelled_at = time.monotonic()
            while handle.running.pool.in_flight and time.monotonic() - cancelled_at < 10:
                time.sleep(0.05)
            assert handle.running.pool.in_flight == 0
            fast = plan_request_to_proto(demo_request(time_limit_seconds=1.0, num_workers=1))
            fast.options.skip_prediction_effects = True
            plan = stub.CreatePlan(fast, timeout=60).plan
            assert time.monotonic() - cancelled_at < 15  # not behind the rest of the 30 s solve
            assert plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    finally:
        server.stop()


@pytest.mark.skipif(not proc_available(), reason="needs Linux /proc to find the server's processes")
def test_every_plan_answered_ok_survives_a_server_killed_during_a_burst(tmp_path: Path) -> None:
    """SIGKILL in the middle of a burst of CreatePlan calls, then a restart on the same store: every call
    that was answered OK finds its plan (a plan is stored, durably, before its answer is sent)."""
    from concurrent.futures import ThreadPoolExecutor

    from planner.testing import order, product, request

    mark = f"burst-{uuid.uuid4().hex}"
    db = tmp_path / "plans.db"
    process, address = start_server(db, extra_env={MARK: mark, "PRODPLAN_SOLVER_PROCESSES": "2"})
    answered: list[str] = []

    def create(index: int) -> None:
        small = request(["M1", "M2"], [product("P", ("cut", ["M1", "M2"], 1.0))],
                        [order(f"O{k}", "P", 5 + k, due=40 * k) for k in range(1, 4 + index % 5)], time_limit=0.5)
        with grpc.insecure_channel(address) as channel, contextlib.suppress(grpc.RpcError):
            answer = pb_grpc.PlanningServiceStub(channel).CreatePlan(plan_request_to_proto(small), timeout=30)
            answered.append(answer.plan_id)

    try:
        with ThreadPoolExecutor(6) as burst:
            calls = [burst.submit(create, i) for i in range(40)]
            deadline = time.monotonic() + 60
            while len(answered) < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(process.pid, signal.SIGKILL)  # mid-burst: some calls answered, some solving, some queued
            for call in calls:
                call.result(60)
        process.wait(10)
        assert 5 <= len(answered) < 40, len(answered)
        kill(wait_until_none_left(mark, timeout_s=15))
        process, address = start_server(db, extra_env={MARK: mark})
        with grpc.insecure_channel(address) as channel:
            stub = pb_grpc.PlanningServiceStub(channel)
            for plan_id in answered:
                assert stub.GetPlan(pb.GetPlanRequest(plan_id=plan_id), timeout=10).plan_id == plan_id
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        kill(wait_until_none_left(mark, timeout_s=15))


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not proc_available(), reason="needs Linux /proc to read the processes' niceness")
def test_solver_processes_run_at_the_configured_niceness_and_the_server_does_not(tmp_path: Path) -> None:
    mark = f"niceness-{uuid.uuid4().hex}"
    process, address = start_server(tmp_path / "plans.db", extra_env={MARK: mark, "PRODPLAN_SOLVER_NICENESS": "7"})
    try:
        with grpc.insecure_channel(address) as channel:
            wait_until_serving(channel)
            base = _niceness(os.getpid())  # the server starts at ours (the test run may itself be niced)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # the workers start (and renice) while the pool warms up
                nice = {p.pid: _niceness(p.pid) for p in marked_processes(mark)}
                if base + 7 in nice.values():
                    break
                time.sleep(0.2)
            assert _niceness(process.pid) == base, "the server keeps its priority"
            workers = [pid for pid, value in nice.items() if value == base + 7]
            assert workers, f"no solver process at niceness {base + 7}: {nice}"
            assert process.pid not in workers
    finally:
        process.terminate()
        process.wait(30)
        kill(marked_processes(mark))


def _policy(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[38])


@pytest.mark.skipif(not proc_available() or not hasattr(os, "SCHED_IDLE"),
                    reason="needs Linux /proc and SCHED_IDLE to read the processes' scheduling class")
def test_solver_processes_run_in_the_idle_class_when_told_and_still_plan(tmp_path: Path) -> None:
    mark = f"idle-{uuid.uuid4().hex}"
    process, address = start_server(tmp_path / "plans.db",
                                    extra_env={MARK: mark, "PRODPLAN_SOLVER_SCHEDULING": "idle"})
    try:
        with grpc.insecure_channel(address) as channel:
            wait_until_serving(channel)
            deadline = time.monotonic() + 30
            policies: dict[int, int] = {}
            while time.monotonic() < deadline:  # the workers switch class while the pool warms up
                policies = {p.pid: _policy(p.pid) for p in marked_processes(mark)}
                if os.SCHED_IDLE in policies.values():
                    break
                time.sleep(0.2)
            assert _policy(process.pid) == os.SCHED_OTHER, "the server keeps the normal class"
            assert os.SCHED_IDLE in policies.values(), f"no solver process in SCHED_IDLE: {policies}"
            stub = pb_grpc.PlanningServiceStub(channel)
            request = plan_request_to_proto(demo_request(time_limit_seconds=2.0, num_workers=1))
            reply = stub.CreatePlan(request, timeout=60)
            assert reply.plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    finally:
        process.terminate()
        process.wait(30)
        kill(marked_processes(mark))
