"""Iterated greedy over the dispatching start: the costliest late orders promoted, the whole plant dispatched again.

A dispatching pass (`planner.scheduling.dispatching`) places every operation under every plant rule, so whatever
order it places them in, it returns a valid plan; which operation it places first follows a priority rule that reads
each order's due date and weight. This search keeps the pass and changes what its rule reads: each step takes a few
of the costliest late orders of the best schedule so far (weight x tardiness), makes each look more urgent to the
rule (its due date earlier by a random share of its tardiness, its weight higher by the same share), dispatches the
plant again and keeps the step when the weighted tardiness, scored with the real due dates and weights, went down.
Kept promotions stay in force, so they add up over the steps.

Where the time-window search (`planner.scheduling.lns_plant`) can only move the operations of a few orders inside
a few days, a step here reorders the whole plant around the promoted orders: on the 240-order plant-grade plant 39,304
-> 18,187 weighted minutes in 25 s (485 passes, load 5.7), where the time-window search took 39,304 -> 34,254 in 57 s;
at 2,000 orders, where a pass takes 0.5-1 s, 12.94 -> 12.82 million in 45 s (42 passes, load 7.4; docs/SCALE.md).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from planner.calendar import Interval
from planner.scheduling.dispatching import Pass, PlantDispatcher, hint_objective, order_completions
from planner.scheduling.model import Hint
from planner.scheduling.tasks import Job

COSTLIEST_SHARE = 0.5
"""A step promotes orders among this share of the late orders, the costliest (weight x tardiness) first."""


@dataclass
class RedispatchResult:
    """The best schedule found and how the search went."""

    hint: Hint
    value: float
    start_value: float
    passes: int = 0
    improvements: int = 0

    def notes(self) -> str:
        return (f"re-dispatching: {self.passes} passes, {self.improvements} improved, weighted tardiness "
                f"{self.start_value:,.0f} -> {self.value:,.0f}")


def redispatch(dispatcher: PlantDispatcher, jobs: list[Job], start: Hint, one: Pass, seconds: float, seed: int,
               should_stop: Callable[[], bool] | None = None, max_passes: int | None = None) -> RedispatchResult:
    """Improve `start`, a schedule of `jobs`, by re-dispatching with the pass `one` for `seconds` (or until
    `should_stop`, or `max_passes` passes); never worse. The value is the request's weighted tardiness (pauses
    included)."""
    deadline = time.perf_counter() + seconds
    request, available = dispatcher.request, dispatcher.available
    value = hint_objective(request, jobs, start, available)
    result = RedispatchResult(hint=start, value=value, start_value=value)
    rng = random.Random(seed)
    seen = list(jobs)  # the orders as the rule sees them: promoted due dates and weights
    took = 0.0
    while result.value > 0 and time.perf_counter() + took < deadline and not (should_stop and should_stop()) and (
            max_passes is None or result.passes < max_passes):
        began = time.perf_counter()
        trial = list(seen)
        for j, share in _promotions(jobs, result.hint, available, rng):
            order = seen[j].order
            tardiness = _tardiness(jobs[j], result.hint, available)
            trial[j] = Job(order=order.model_copy(update={"due": order.due - round(share * tardiness),
                                                          "weight": order.weight * (1 + share)}), tasks=jobs[j].tasks)
        hint = dispatcher.run(trial, one)
        result.passes += 1
        if hint is not None and (found := hint_objective(request, jobs, hint, available)) < result.value:
            result.hint, result.value, seen = hint, found, trial
            result.improvements += 1
        took = time.perf_counter() - began
    return result


def _promotions(jobs: list[Job], hint: Hint, available: dict[str, list[Interval]],
                rng: random.Random) -> list[tuple[int, float]]:
    """A few of the costliest late orders (at most the square root of the pool, at least one) with a random share
    each; none when no order is late."""
    completion = order_completions(jobs, hint, available)
    late = sorted((-job.order.weight * (completion[job.order.id] - job.order.due), j) for j, job in enumerate(jobs)
                  if completion[job.order.id] > job.order.due)
    pool = [j for _, j in late[:max(1, math.ceil(COSTLIEST_SHARE * len(late)))]]
    if not pool:
        return []
    count = rng.randint(1, max(1, math.isqrt(len(pool))))
    return [(j, 1.0 - rng.random()) for j in rng.sample(pool, count)]


def _tardiness(job: Job, hint: Hint, available: dict[str, list[Interval]]) -> int:
    """How late the order ends in the hint, by its real due date."""
    return max(0, order_completions([job], hint, available)[job.order.id] - job.order.due)
