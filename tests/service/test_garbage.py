"""Every solver process settles its garbage collector at start, as the server does (`service.garbage`): a plan's full
collections then skip the solver stack loaded at start, and the young generation is collected less often."""

from __future__ import annotations

import gc
import multiprocessing
import os
from multiprocessing.queues import Queue

from service.garbage import GC_THRESHOLD
from service.solver_pool import _start_worker


def _report_after_start(owner: int, answers: Queue) -> None:
    _start_worker(owner)
    answers.put((gc.get_threshold(), gc.get_freeze_count()))


def test_a_solver_process_starts_with_the_settled_collector() -> None:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, as the pool's workers start
    answers = context.Queue()
    child = context.Process(target=_report_after_start, args=(os.getpid(), answers))
    child.start()
    try:
        threshold, frozen = answers.get(timeout=120)
    finally:
        child.join(timeout=30)
    assert threshold == GC_THRESHOLD
    assert frozen > 10_000  # the solver stack (ortools, numba, the planner) is frozen out of the collections
