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
import time
from concurrent.futures import ProcessPoolExecutor

from planner.domain import PlanRequest
from planner.plan import create_plan
from planner.solution import PlanResult
from service.errors import OverloadedError

logger = logging.getLogger(__name__)


def _solve_before(request: PlanRequest, deadline: float | None, margin: float) -> PlanResult:
    """Runs in a worker process: cap the time limit by what is left of the deadline, then plan."""
    if deadline is not None:
        left = max(deadline - time.time() - margin, 0.05)
        if left < request.options.time_limit_seconds:
            request = request.model_copy(update={"options": request.options.model_copy(
                update={"time_limit_seconds": left})})
    return create_plan(request)


def _warm_up() -> None:
    """Import the solver stack in the worker before the first request needs it."""
    import planner.plan  # noqa: F401


class SolverPool:
    def __init__(self, processes: int, max_queued: int, deadline_margin_s: float) -> None:
        self._processes = processes
        self._capacity = processes + max_queued
        self._margin = deadline_margin_s
        self._in_flight = 0
        # forkserver: workers do not inherit the event loop or grpc's threads from the server process.
        self._executor = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("forkserver")
        )

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._executor, _warm_up) for _ in range(self._processes)))

    async def solve(self, request: PlanRequest, deadline: float | None) -> PlanResult:
        """Plan in a worker process; raises OverloadedError at once when the pool and its queue are full."""
        if self._in_flight >= self._capacity:
            raise OverloadedError(
                f"the server is at its limit of {self._capacity} concurrent solves "
                f"({self._processes} running, the rest queued); retry shortly",
                retry_after_s=max(request.options.time_limit_seconds / 2, 0.5),
            )
        self._in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, _solve_before, request, deadline, self._margin)
        finally:
            self._in_flight -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
