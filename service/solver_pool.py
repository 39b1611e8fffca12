"""Solves run in a bounded pool of processes so they never block the event loop.

CP-SAT releases the GIL, but model building and mapping do not, and one process per solve keeps a
slow solve from starving the server. At most `solver_processes` solves run and `max_queued_solves`
wait; anything beyond is refused at once with OverloadedError (RESOURCE_EXHAUSTED), never queued
into a timeout. A queued solve's time limit is measured from its RPC deadline, not from when it
started, so waiting in the queue never makes it miss its deadline.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import select
import threading
import time
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.managers import SyncManager
from queue import Queue
from typing import Protocol, TypeVar

from planner.domain import PlanRequest
from planner.plan import create_plan
from planner.solution import PlanResult
from service.errors import OverloadedError

logger = logging.getLogger(__name__)

T = TypeVar("T")
Progress = tuple[float, float, float]
"""(objective, best bound, seconds elapsed) of an improving solution."""


class EventLike(Protocol):
    def is_set(self) -> bool: ...
    def set(self) -> None: ...


def _capped(request: PlanRequest, deadline: float | None, margin: float) -> PlanRequest:
    """The request with its time limit capped by what is left of the RPC deadline."""
    if deadline is not None:
        left = max(deadline - time.time() - margin, 0.05)
        if left < request.options.time_limit_seconds:
            return request.model_copy(update={"options": request.options.model_copy(
                update={"time_limit_seconds": left})})
    return request


def _solve_before(request: PlanRequest, deadline: float | None, margin: float) -> PlanResult:
    """Runs in a worker process: cap the time limit by what is left of the deadline, then plan."""
    return create_plan(_capped(request, deadline, margin))


def _solve_streaming(request: PlanRequest, deadline: float | None, margin: float, progress: Queue[Progress],
                     cancelled: EventLike) -> PlanResult:
    """Runs in a worker process: plan, sending each improving solution to `progress`, stopping on `cancelled`."""
    def report(objective: float, bound: float, elapsed: float) -> None:
        progress.put((objective, bound, elapsed))

    return create_plan(_capped(request, deadline, margin), on_solution=report, should_stop=cancelled.is_set)


def exit_with(owner_pid: int) -> None:
    """Initializer of every process the pool starts (solvers and the progress manager): exit as soon as
    the server process that owns the pool is gone, even when it was killed outright (SIGKILL, the OOM
    killer), so that no solver outlives its server. The pool's processes are children of
    multiprocessing's fork server, not of the server, so the kernel's parent-death signal cannot do this,
    and an orphaned worker would wait on its task queue forever, keeping the fork server alive too."""
    threading.Thread(target=_exit_when_gone, args=(owner_pid,), name="owner-watch", daemon=True).start()


def _exit_when_gone(owner_pid: int) -> None:
    try:
        handle = os.pidfd_open(owner_pid)  # Linux: readable once the process has exited
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # elsewhere: poll
        while _running(owner_pid):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])
    os._exit(1)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        pass
    return True


def _warm_up() -> None:
    """Import the solver stack in the worker, and compile (or load from numba's cache) the makespan tabu
    search, before the first request needs them."""
    import planner.plan  # noqa: F401
    from planner import tabu_kernel

    tabu_kernel.warm_up()


class SolverPool:
    def __init__(self, processes: int, max_queued: int, deadline_margin_s: float) -> None:
        self._processes = processes
        self._capacity = processes + max_queued
        self._margin = deadline_margin_s
        self._in_flight = 0
        self._sync_manager: SyncManager | None = None
        # forkserver: workers do not inherit the event loop or grpc's threads from the server process.
        self._executor = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("forkserver"),
            initializer=exit_with, initargs=(os.getpid(),),
        )

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._executor, _warm_up) for _ in range(self._processes)))

    def check_capacity(self, retry_after_s: float = 1.0) -> None:
        """Refuse at once (OverloadedError) when every process is busy and the queue is full: servicers call
        this before mapping or validating anything, so a refusal costs next to nothing."""
        if self._in_flight >= self._capacity:
            raise OverloadedError(
                f"the server is at its limit of {self._capacity} concurrent solves "
                f"({self._processes} running, the rest queued); retry shortly",
                retry_after_s=retry_after_s,
            )

    def _admit(self, request: PlanRequest) -> None:
        self.check_capacity(max(request.options.time_limit_seconds / 2, 0.5))

    async def solve(self, request: PlanRequest, deadline: float | None) -> PlanResult:
        """Plan in a worker process; raises OverloadedError at once when the pool and its queue are full."""
        self._admit(request)
        self._in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, _solve_before, request, deadline, self._margin)
        finally:
            self._in_flight -= 1

    async def solve_many(self, requests: list[PlanRequest], deadline: float | None) -> list[PlanResult]:
        """Plan several requests (a scenario comparison) in parallel in the pool, admitted as one call.

        Each keeps its own time limit, capped so that every wave of `processes` solves ends before the
        deadline: with N requests on P processes there are ceil(N / P) waves."""
        if not requests:
            return []
        self._admit(requests[0])
        self._in_flight += 1
        try:
            waves = -(-len(requests) // self._processes)
            if deadline is not None:
                share = max((deadline - time.time() - self._margin) / waves, 0.05)
                requests = [_capped(r, time.time() + share, 0.0) for r in requests]
            loop = asyncio.get_running_loop()
            jobs = [loop.run_in_executor(self._executor, _solve_before, r, None, 0.0) for r in requests]
            return list(await asyncio.gather(*jobs))
        finally:
            self._in_flight -= 1

    async def run(self, function: Callable[..., T], *args: object, cost_hint: PlanRequest) -> T:
        """Run another planning job (a re-plan) in the pool, admitted like a solve of `cost_hint`."""
        self._admit(cost_hint)
        self._in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
        finally:
            self._in_flight -= 1

    async def solve_streaming(
        self, request: PlanRequest, deadline: float | None
    ) -> AsyncGenerator[Progress | PlanResult, None]:
        """Yield (objective, bound, elapsed) per improving solution, then the PlanResult. Closing the
        iterator early (the client cancelled) stops the solver in its process within about 0.2 s."""
        self._admit(request)
        self._in_flight += 1
        manager = self._manager()
        progress: Queue[Progress] = manager.Queue()
        cancelled = manager.Event()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, _solve_streaming, request, deadline, self._margin, progress,
                                      cancelled)
        try:
            while not future.done():
                update = await loop.run_in_executor(None, _next_update, progress)
                if update is not None:
                    yield update
            while (update := _next_update(progress, wait=0.0)) is not None:
                yield update
            yield await future
        finally:
            if not future.done():
                cancelled.set()
                await asyncio.wait([future], timeout=5)
            self._in_flight -= 1

    def _manager(self) -> SyncManager:
        if self._sync_manager is None:
            manager = SyncManager(ctx=multiprocessing.get_context("forkserver"))
            manager.start(initializer=exit_with, initargs=(os.getpid(),))
            self._sync_manager = manager
        return self._sync_manager

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._sync_manager is not None:
            self._sync_manager.shutdown()


def _next_update(progress: Queue[Progress], wait: float = 0.2) -> Progress | None:
    try:
        return progress.get(timeout=wait) if wait else progress.get_nowait()
    except queue.Empty:
        return None
