"""Fixtures shared by the integration tests (a real gRPC server on port 0, run on its own event loop), and
the check that the test run leaves no process of its own running."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from processes import MARK, kill, marked_processes, proc_available, wait_until_none_left

from service.server import RunningServer, create_server
from service.settings import Settings

LEFTOVER_TIMEOUT_S = 30.0
"""How long the processes that tests started may take to exit after the last test."""


def pytest_configure(config: pytest.Config) -> None:
    """Mark this run's processes: everything the tests start inherits the variable (processes.py)."""
    os.environ[MARK] = f"run-{uuid.uuid4().hex}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a process that a test started is still running after the last test: servers,
    solver pools and their workers must all be stopped by the tests and fixtures that started them.
    multiprocessing's fork server and resource tracker of this very process are left out: they end with
    it (once no worker is left to hold them open)."""
    if not proc_available():
        return
    ours = {os.getpid()} | {p.pid for p in marked_processes(os.environ[MARK]) if p.parent == os.getpid()
                            and ("multiprocessing.forkserver" in p.command or "resource_tracker" in p.command)}
    left = wait_until_none_left(os.environ[MARK], LEFTOVER_TIMEOUT_S, exclude=ours)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_sep("=", "processes left running", red=True)
            reporter.write_line(f"{len(left)} processes started by the tests still run {LEFTOVER_TIMEOUT_S:.0f} s "
                                "after the last test (killed now):", red=True)
            for process in left:
                reporter.write_line(f"  {process}")
        kill(left)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@dataclass
class ServerHandle:
    address: str
    settings: Settings
    running: RunningServer


class ServerThread:
    """A real grpc.aio server in a background thread, so tests can use plain synchronous stubs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> ServerHandle:
        self.thread.start()
        running = asyncio.run_coroutine_threadsafe(create_server("127.0.0.1:0", self.settings), self.loop).result(120)
        self.handle = ServerHandle(f"127.0.0.1:{running.port}", self.settings, running)
        return self.handle

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.handle.running.stop(grace=1.0), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def planning_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    db = tmp_path_factory.mktemp("store") / "plans.db"
    server = ServerThread(Settings(solver_processes=1, max_queued_solves=2, db=str(db)))
    yield server.start()
    server.stop()


@pytest.fixture
def channel(planning_server: ServerHandle) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(planning_server.address) as open_channel:
        yield open_channel
