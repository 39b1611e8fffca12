"""`python -m service --replicas 2`: two real server processes on one port, both taking connections,
one "listening" line, clean stop on SIGTERM, and no silent survivors when a replica dies."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import forecast_service_pb2_grpc as fpb_grpc
from service.replicas import replica_settings, reserve_port
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_replicas_share_the_solver_processes_unless_set_explicitly() -> None:
    split = replica_settings(Settings(), replicas=2, cores=8)
    assert (split.solver_processes, split.max_queued_solves, split.replicas) == (4, 4, 1)
    assert replica_settings(Settings(), replicas=4, cores=2).solver_processes == 1
    explicit = replica_settings(Settings(solver_processes=3), replicas=2, cores=8)
    assert (explicit.solver_processes, explicit.max_queued_solves) == (3, 4)


def test_an_explicit_port_held_by_another_program_is_refused() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        with pytest.raises(OSError, match=f"cannot bind 127.0.0.1:{holder.getsockname()[1]}"):
            reserve_port("127.0.0.1", holder.getsockname()[1])
    finally:
        holder.close()


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    return inodes


def _holds_one_of(pid: int, inodes: set[str]) -> bool:
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


def _replica_pids(supervisor: int) -> list[int]:
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
            and b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


class Supervisor:
    def __init__(self, tmp: Path) -> None:
        env = {**os.environ, "PRODPLAN_DB": str(tmp / "plans.db"), "PRODPLAN_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen([sys.executable, "-m", "service", "--port", "0", "--replicas", "2"],
                                        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until every replica serves
        match = re.fullmatch(r"prodplan listening on 127\.0\.0\.1:(\d+)\n", line)
        assert match, f"unexpected first line {line!r}"
        self.port = int(match.group(1))


@pytest.fixture()
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    if not Path("/proc/self/task").exists():
        pytest.skip("needs Linux /proc to find the replica processes")
    running = Supervisor(tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(30)


def test_two_replicas_serve_one_port_and_stop_on_sigterm(supervisor: Supervisor) -> None:
    replicas = _replica_pids(supervisor.process.pid)
    assert len(replicas) == 2
    inodes = _listening_inodes(supervisor.port)
    assert all(_holds_one_of(pid, inodes) for pid in replicas), "each replica listens on the shared port"
    request = fpb.ForecastDemandRequest(horizon=3, series=[fpb.DemandSeries(
        series_id="s", history=[float(10 + i % 4) for i in range(24)], season_length=4)])
    for _ in range(8):  # separate connections, as separate clients have
        with grpc.insecure_channel(f"127.0.0.1:{supervisor.port}",
                                   options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=30)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            answer = fpb_grpc.ForecastServiceStub(channel).ForecastDemand(request, timeout=30)
            assert answer.forecasts[0].series_id == "s" and answer.model_version
    supervisor.process.send_signal(signal.SIGTERM)
    assert supervisor.process.wait(60) == 0
    assert not any(Path(f"/proc/{pid}").exists() and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
                   for pid in replicas)


def test_a_replica_that_dies_stops_the_others_and_fails_the_supervisor(supervisor: Supervisor) -> None:
    first, second = _replica_pids(supervisor.process.pid)
    os.kill(first, signal.SIGKILL)
    assert supervisor.process.wait(60) == 1
    deadline = time.monotonic() + 10
    while Path(f"/proc/{second}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{second}").exists()


def test_replicas_that_cannot_start_fail_the_supervisor_with_the_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store's folder should be")
    result = subprocess.run([sys.executable, "-m", "service", "--port", "0", "--replicas", "2",
                             "--db", str(blocker / "plans.db")], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1
    assert "listening" not in result.stdout
    assert "replicas did not start: prodplan-replica-" in result.stderr


def test_replicas_stop_when_the_supervisor_is_killed(supervisor: Supervisor) -> None:
    replicas = _replica_pids(supervisor.process.pid)
    supervisor.process.kill()  # SIGKILL: the supervisor cannot pass anything on
    supervisor.process.wait(30)
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in replicas) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in replicas)


def _running(pid: int) -> bool:
    """True for a live process; a zombie left for a non-reaping init counts as stopped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_taken_port_or_a_bad_replica_count_is_a_clear_error_without_a_traceback(tmp_path: Path) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        taken = subprocess.run([sys.executable, "-m", "service", "--port", str(port), "--replicas", "2",
                                "--db", str(tmp_path / "plans.db")], cwd=ROOT, capture_output=True, text=True,
                               timeout=120)
    finally:
        holder.close()
    assert taken.returncode == 1
    assert f"replicas not started: cannot bind 127.0.0.1:{port}" in taken.stderr
    assert "Traceback" not in taken.stderr
    assert not (tmp_path / "plans.db").exists()  # nothing started, nothing written
    zero = subprocess.run([sys.executable, "-m", "service", "--replicas", "0"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert zero.returncode == 2
    assert "replicas: Input should be greater than or equal to 1" in zero.stderr
    assert "Traceback" not in zero.stderr
