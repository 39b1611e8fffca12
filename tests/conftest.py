"""Fixtures shared by the integration tests: a real gRPC server on port 0, run on its own event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from service.server import RunningServer, create_server
from service.settings import Settings


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
