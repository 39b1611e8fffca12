"""No process outlives the server that started it: a server killed outright (SIGKILL, the OOM killer)
in the middle of a solve takes its solver pool's workers, its fork server and its helpers with it."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from pathlib import Path

import grpc
import pytest
from processes import MARK, kill, marked_processes, proc_available, wait_until_none_left

from planner.demo_factory import demo_request
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
