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
from collections.abc import AsyncGenerator, Awaitable, Callable
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.managers import SyncManager
from queue import Queue
from typing import Protocol, TypeVar, cast

from pebble import ProcessExpired, ProcessPool

from planner.domain import PlanRequest
from planner.plan import create_plan
from planner.solution import PlanResult
from service.errors import OverloadedError, SolverUnavailableError
from service.garbage import settle_garbage_collector
from service.metrics import ServiceMetrics

logger = logging.getLogger(__name__)

T = TypeVar("T")
STOP_TIMEOUT_S = 10.0
"""How long shutdown waits for the solver processes to stop."""
Progress = tuple[float, float, float]
"""(objective, best bound, seconds elapsed) of an improving solution."""


class EventLike(Protocol):
    def is_set(self) -> bool: ...
    def set(self) -> None: ...


DEADLINE_SHARE_KEPT = 0.1
"""Share of the time left before the RPC deadline kept back from the solver (when larger than the fixed
margin) for the work after the search: explanations, mapping the plan, storing it, the reply."""


def _capped(request: PlanRequest, deadline: float | None, margin: float) -> PlanRequest:
    """The request with its time limit capped by what is left of the RPC deadline, less the larger of
    `margin` and DEADLINE_SHARE_KEPT of it."""
    if deadline is not None:
        remaining = deadline - time.time()
        left = max(remaining - max(margin, DEADLINE_SHARE_KEPT * remaining), 0.05)
        if left < request.options.time_limit_seconds:
            return request.model_copy(update={"options": request.options.model_copy(
                update={"time_limit_seconds": left})})
    return request


def _solve_before(request: PlanRequest, deadline: float | None, margin: float,
                  cancelled: EventLike | None = None) -> PlanResult:
    """Runs in a worker process: cap the time limit by what is left of the deadline, then plan, stopping
    early (with the best plan so far) once `cancelled` is set."""
    return create_plan(_capped(request, deadline, margin),
                       should_stop=cancelled.is_set if cancelled is not None else None)


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


def _start_worker(owner_pid: int, niceness: int = 0, scheduling: str = "normal") -> None:
    """Initializer of every solver process, replacements included: exit with the server (exit_with), lower
    its scheduling priority by `niceness` (Settings.solver_niceness) or move it to the idle class
    (Settings.solver_scheduling), then import the solver stack and compile (or load from numba's cache) the
    makespan tabu search, before the first request needs them, and settle the garbage collector."""
    exit_with(owner_pid)
    if niceness:
        os.nice(niceness)
    if scheduling == "idle":
        set_idle_class()
    import planner.plan  # noqa: F401
    from planner.scheduling import project_search, tabu_kernel, tardiness_search

    tabu_kernel.warm_up()
    tardiness_search.warm_up()  # the plant-scale local search (planner.scheduling.lns), compiled alike
    project_search.warm_up()  # the project search (planner.scheduling.project_search), compiled alike
    settle_garbage_collector()  # as the server does: a plan's full collections need not walk the solver stack


def set_idle_class() -> None:
    """Move this process to Linux's SCHED_IDLE class (lowering one's own class needs no privilege); where the
    platform has no such class, log it and keep the niceness."""
    idle = getattr(os, "SCHED_IDLE", None)
    if idle is None or not hasattr(os, "sched_setscheduler"):
        logger.warning("solver_scheduling=idle: this platform has no SCHED_IDLE; the solver keeps its niceness")
        return
    try:
        os.sched_setscheduler(0, idle, os.sched_param(0))
    except OSError as error:  # a sandbox that forbids it: solve at the niceness instead
        logger.warning("solver_scheduling=idle: SCHED_IDLE refused (%s); the solver keeps its niceness", error)


def _ready() -> bool:
    """A no-op task: it completes once a worker has run its initializer."""
    return True


ServingChange = Callable[[bool], Awaitable[None]]
"""Told False when planning cannot be served (a solver process died and the pool is being restored),
True once it can again (the server's health check follows it)."""


class SolverPool:
    """A pebble process pool: a solver process that dies (out of memory, a crash) fails only the call it
    was running, with SolverUnavailableError (UNAVAILABLE and a retry hint), and pebble starts a fresh
    process in its place; a pool that broke as a whole is replaced. While either happens, `on_serving`
    reports False, and True again once a restored process answers."""

    def __init__(self, processes: int, max_queued: int, deadline_margin_s: float,
                 on_serving: ServingChange | None = None, metrics: ServiceMetrics | None = None,
                 niceness: int = 0, scheduling: str = "normal") -> None:
        self._processes = processes
        self._niceness = niceness
        self._scheduling = scheduling
        self._capacity = processes + max_queued
        self._margin = deadline_margin_s
        self._in_flight = 0
        self._sync_manager: SyncManager | None = None
        self._on_serving = on_serving
        self._metrics = metrics
        self._restoring: asyncio.Task[None] | None = None
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPool:
        # forkserver: workers do not inherit the event loop or grpc's threads from the server process.
        return ProcessPool(max_workers=self._processes, initializer=_start_worker,
                           initargs=(os.getpid(), self._niceness, self._scheduling),
                           context=multiprocessing.get_context("forkserver"))

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _count(self, change: int) -> None:
        """Admit (+1) or release (-1) one call, and keep the running and admitted gauges with it."""
        self._in_flight += change
        if self._metrics is not None:
            self._metrics.solves_admitted.set(self._in_flight)
            self._metrics.solves_running.set(min(self._in_flight, self._processes))

    def _record(self, result: PlanResult) -> PlanResult:
        if self._metrics is not None:
            stats = result.stats
            self._metrics.solve_seconds.labels(status=result.status.name).observe(stats.wall_seconds)
            if result.status.has_solution:
                self._metrics.solve_gap.observe(stats.gap)
        return result

    @property
    def restoring(self) -> bool:
        return self._restoring is not None and not self._restoring.done()

    async def start(self) -> None:
        """Start the solver processes and the manager of stop flags and progress queues, warmed up."""
        await asyncio.gather(*(self._run(_ready) for _ in range(self._processes)),
                             asyncio.to_thread(self._manager))

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

    async def _run(self, function: Callable[..., T], *args: object, stop: EventLike | None = None) -> T:
        """Run `function(*args)` in a solver process; SolverUnavailableError when that process died.

        When the call is cancelled (the client left, or its deadline passed), `stop` is set, and this
        returns (re-raising the cancellation) only once the job has ended in its process: the caller's
        slot is freed when the solver has stopped, not before. A job without `stop` ends at its time
        limit, which the deadline caps."""
        if not self._pool.active:  # broken as a whole meanwhile: replace it before use
            self._restore(self._pool)
        pool = self._pool
        job = asyncio.wrap_future(pool.schedule(function, args=args))
        try:
            return cast(T, await asyncio.shield(job))
        except asyncio.CancelledError:
            if stop is not None:
                stop.set()
            await asyncio.wait([job])
            if not job.cancelled():
                job.exception()  # retrieved: nobody waits for the answer any more
            raise
        except (ProcessExpired, BrokenProcessPool) as error:
            self._restore(pool)
            code = getattr(error, "exitcode", None)
            raise SolverUnavailableError(
                "the solver process running this call stopped unexpectedly"
                + (f" (exit code {code})" if code is not None else "")
                + "; the server is restoring it, retry shortly") from error

    def _restore(self, broken: ProcessPool) -> None:
        """Replace a pool that broke as a whole, and report not serving until a solver process answers."""
        if broken is self._pool and not broken.active:
            logger.error("the solver pool broke; starting a new one")
            self._pool = self._new_pool()
            broken.stop()
        if not self.restoring:
            self._restoring = asyncio.get_running_loop().create_task(self._serve_again())

    async def _serve_again(self) -> None:
        if self._on_serving is not None:
            await self._on_serving(False)
        while True:
            try:
                await asyncio.wrap_future(self._pool.schedule(_ready))
                break
            except (ProcessExpired, BrokenProcessPool):
                if not self._pool.active:
                    self._pool = self._new_pool()
                await asyncio.sleep(0.5)
        logger.info("solver processes restored")
        if self._on_serving is not None:
            await self._on_serving(True)

    async def solve(self, request: PlanRequest, deadline: float | None) -> PlanResult:
        """Plan in a worker process; raises OverloadedError at once when the pool and its queue are full."""
        self._admit(request)
        self._count(+1)
        try:
            stop = self._manager().Event()
            return self._record(await self._run(_solve_before, request, deadline, self._margin, stop, stop=stop))
        finally:
            self._count(-1)

    async def solve_many(self, requests: list[PlanRequest], deadline: float | None) -> list[PlanResult]:
        """Plan several requests (a scenario comparison) in parallel in the pool, admitted as one call.

        Each keeps its own time limit, capped so that every wave of `processes` solves ends before the
        deadline: with N requests on P processes there are ceil(N / P) waves."""
        if not requests:
            return []
        self._admit(requests[0])
        self._count(+1)
        try:
            waves = -(-len(requests) // self._processes)
            if deadline is not None:
                share = max((deadline - time.time() - self._margin) / waves, 0.05)
                requests = [_capped(r, time.time() + share, 0.0) for r in requests]
            results = await asyncio.gather(*(self._run(_solve_before, r, None, 0.0) for r in requests))
            return [self._record(result) for result in results]
        finally:
            self._count(-1)

    def capped(self, request: PlanRequest, deadline: float | None) -> PlanRequest:
        """`request` with its time limit capped by what is left of the RPC deadline (less the margin), for
        jobs given to `run`."""
        return _capped(request, deadline, self._margin)

    async def run(self, function: Callable[..., T], *args: object, cost_hint: PlanRequest) -> T:
        """Run another planning job (a re-plan) in the pool, admitted like a solve of `cost_hint`; cap its
        time limit first (`capped`)."""
        self._admit(cost_hint)
        self._count(+1)
        try:
            return await self._run(function, *args)
        finally:
            self._count(-1)

    async def solve_streaming(
        self, request: PlanRequest, deadline: float | None
    ) -> AsyncGenerator[Progress | PlanResult, None]:
        """Yield (objective, bound, elapsed) per improving solution, then the PlanResult. Closing the
        iterator early (the client cancelled) stops the solver in its process within about 0.2 s."""
        self._admit(request)
        self._count(+1)
        manager = self._manager()
        progress: Queue[Progress] = manager.Queue()
        cancelled = manager.Event()
        loop = asyncio.get_running_loop()
        solving = asyncio.ensure_future(self._run(_solve_streaming, request, deadline, self._margin, progress,
                                                  cancelled, stop=cancelled))
        try:
            while not solving.done():
                update = await loop.run_in_executor(None, _next_update, progress)
                if update is not None:
                    yield update
            while (update := _next_update(progress, wait=0.0)) is not None:
                yield update
            yield self._record(await solving)
        finally:
            if not solving.done():
                cancelled.set()  # the solver stops within about 0.2 s; the slot is freed after that
                await asyncio.wait([solving])
            if not solving.cancelled():
                solving.exception()  # retrieved: a failure after the client left is not worth a warning
            self._count(-1)

    def _manager(self) -> SyncManager:
        """The process that holds stop flags and progress queues; a new one if it died (it may be killed
        like any other process)."""
        process = getattr(self._sync_manager, "_process", None)
        if self._sync_manager is None or process is None or not process.is_alive():
            if self._sync_manager is not None:
                logger.error("the solver pool's manager process died; starting a new one")
            manager = SyncManager(ctx=multiprocessing.get_context("forkserver"))
            manager.start(initializer=exit_with, initargs=(os.getpid(),))
            self._sync_manager = manager
        return self._sync_manager

    def shutdown(self) -> None:
        if self._restoring is not None:
            self._restoring.cancel()
        self._pool.stop()
        self._pool.join(STOP_TIMEOUT_S)
        if self._sync_manager is not None:
            self._sync_manager.shutdown()


def _next_update(progress: Queue[Progress], wait: float = 0.2) -> Progress | None:
    try:
        return progress.get(timeout=wait) if wait else progress.get_nowait()
    except queue.Empty:
        return None
