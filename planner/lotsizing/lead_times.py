"""Lead times of a plant's routings in lot-sizing buckets: where a lot that completes in bucket t runs.

This module is the bridge from the plant (routings, machines, calendars) to the lead-time offsets of
the lot-sizing model (`planner.lotsizing.offsets`). For a product and a completion bucket t, the
routing of a lot is scheduled backwards from the end of t, as late as possible, on the working time of
its machines and with nothing else on them (infinite capacity, as MRP's lead-time offsetting does, but
with the plant's own flow time instead of a fixed period per level):

- each operation ends by the latest start of the operations that follow it, minus their minimum time
  lags (start-to-start links bound its start instead), and by the end of bucket t;
- it runs on the eligible machine that lets it start latest: inside one working stretch, or, where it
  may pause (`planner.scheduling.rules.pausing`), over several stretches with its setup in the first;
  manual work needs no machine; a furnace load lasts its recipe's cycle, whatever the lot;
- durations come from `planner.scheduling.tasks.build_jobs` for a lot of that size, so yield (processed units),
  batch recipes and per-machine run times count exactly as the detailed schedule counts them.

The bucket each operation starts in gives its offset (t minus that bucket); the lot is released at the
start of the earliest one. Flow time grows with the lot, so the offsets are those of a reference lot, which
the caller chooses (`planner.lots` takes the largest single bucket's requirement, capped at the largest
lot the detailed schedule does not split): where it would have to start before the plan, no lot completes
in t. `max_lot` is the largest lot whose every operation still starts in or after the bucket its capacity
is booked in (bisection: flow time grows with the lot), so a lot gathering several buckets' demand cannot
outgrow its lead time; every lot the lot sizing plans then fits between its release and the end of its
bucket on the calendars.
Transfer batches (which only shorten the flow) are ignored; the capacity the lot competes for with other
work is the lot-sizing model's capacity rows, not this module's.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.calendar import Interval
from planner.domain import NO_MACHINE, Order, PlanRequest
from planner.scheduling.rules.pausing import clock_end
from planner.scheduling.tasks import Alternative, Task, build_jobs

UNREACHABLE = None
"""`LotLeadTime.release` of a bucket no lot can complete in."""


@dataclass(frozen=True)
class LotLeadTime:
    """Where a lot of one product that completes in one bucket runs (bucket indices, 0-based)."""

    release: int | None
    """Bucket the lot is released in (its first operation starts there); None = no lot can complete here."""
    operation_buckets: dict[int, int]
    """Routing index -> bucket the operation starts in (for a lot of the reference size)."""
    max_lot: float
    """Most good units a lot may hold with every operation still in its booked bucket (0 where unreachable)."""


@dataclass
class RoutingLeadTimes:
    """Backward schedules of lots on the plant's calendars, computed on demand and kept per lot size."""

    request: PlanRequest
    available: dict[str, list[Interval]]
    _tasks: dict[tuple[str, int], tuple[Task, ...]] = field(default_factory=dict)

    @property
    def bucket_minutes(self) -> int:
        return self.request.options.lot_bucket_minutes

    def bucket_end(self, bucket: int) -> int:
        return min((bucket + 1) * self.bucket_minutes, self.request.options.horizon_minutes)

    def lead_time(self, product_id: str, bucket: int, reference: int, most: int) -> LotLeadTime:
        """Where a `reference`-unit lot completing in `bucket` runs (unreachable where it would have to start
        before the plan, or some operation finds no working stretch long enough before the bucket ends), and
        the largest lot up to `most` units whose every operation still starts in or after its booked bucket."""
        end = self.bucket_end(bucket)
        starts = self.latest_starts(product_id, max(reference, 1), end)
        if starts is None or min(starts.values()) < 0:
            return LotLeadTime(release=UNREACHABLE, operation_buckets={}, max_lot=0.0)
        booked = {k: s // self.bucket_minutes for k, s in starts.items()}
        largest = self._largest_lot(product_id, end, booked, max(reference, 1), max(most, reference, 1))
        return LotLeadTime(release=min(booked.values()), operation_buckets=booked, max_lot=largest)

    def _largest_lot(self, product_id: str, end: int, booked: dict[int, int], low: int, high: int) -> float:
        """Largest lot in [low, high] whose backward schedule from `end` starts every operation at or after the
        start of its booked bucket (latest starts fall as the lot grows, so bisection finds it)."""
        def fits(quantity: int) -> bool:
            starts = self.latest_starts(product_id, quantity, end)
            return starts is not None and all(s >= booked[k] * self.bucket_minutes for k, s in starts.items())

        if fits(high):
            return float(high)
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if fits(middle) else (low, middle)
        return float(low)

    def reference_lot(self, product_id: str, wanted: int) -> int:
        """`wanted` units, or fewer where a lot that size fits no machine's working stretches at all (an operation
        longer than every stretch): the largest lot that does, found by bisection (durations grow with the lot)."""
        horizon = self.request.options.horizon_minutes
        low, high = 1, max(wanted, 1)
        if self.latest_starts(product_id, high, horizon) is not None:
            return high
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if self.latest_starts(product_id, middle, horizon) is not None else (low, middle)
        return low

    def latest_starts(self, product_id: str, quantity: int, end: int) -> dict[int, int] | None:
        """Latest start (plan minute) per routing index of a `quantity`-unit lot that must end by `end`; None
        when some operation fits no machine's working time before it."""
        tasks = self._tasks_of(product_id, quantity)
        latest_end = {task.index: end for task in tasks}
        latest_start: dict[int, float] = {task.index: math.inf for task in tasks}
        starts: dict[int, int] = {}
        for position in range(len(tasks) - 1, -1, -1):
            task = tasks[position]
            start = max((s for a in task.alternatives
                         if (s := self._alternative_start(a, min(latest_end[task.index],
                                                                 latest_start[task.index] + a.duration)))
                         is not None), default=None)
            if start is None:
                return None
            starts[task.index] = start
            if task.predecessors is None:
                if position > 0:
                    before = tasks[position - 1].index
                    latest_end[before] = min(latest_end[before], start - task.min_lag)
                continue
            for link in task.predecessors:
                if link.start_to_start:
                    latest_start[link.before] = min(latest_start[link.before], start - link.min_lag)
                else:
                    latest_end[link.before] = min(latest_end[link.before], start - link.min_lag)
        return starts

    def _alternative_start(self, alternative: Alternative, end: float) -> int | None:
        """Latest start on one machine so that the work ends by `end`."""
        if alternative.machine_id == NO_MACHINE:
            return int(end) - alternative.duration  # manual work: no machine calendar
        stretches = self.available.get(alternative.machine_id, [])
        if alternative.may_pause:
            return latest_pausing_start(alternative.duration, alternative.setup, int(end), stretches)
        return latest_fitting_start(alternative.duration, int(end), stretches)

    def _tasks_of(self, product_id: str, quantity: int) -> tuple[Task, ...]:
        key = (product_id, quantity)
        if key not in self._tasks:
            lot = Order(id="lead-time", product_id=product_id, quantity=quantity, due=0)
            (job,) = build_jobs(self.request.model_copy(update={"orders": [lot]}))
            self._tasks[key] = job.tasks
        return self._tasks[key]


def latest_fitting_start(duration: int, end: int, stretches: Sequence[Interval]) -> int | None:
    """Latest start of work that runs `duration` minutes in one working stretch and ends by `end`."""
    last = bisect.bisect_left(stretches, (end, end))  # stretches starting before `end`
    for a, b in reversed(stretches[:last]):
        finish = min(b, end)
        if finish - duration >= a:
            return finish - duration
    return None


def latest_pausing_start(work: int, setup: int, end: int, stretches: Sequence[Interval]) -> int | None:
    """Latest start of work that may pause: `work` working minutes before `end`, its setup inside the stretch
    it starts in (checked against `planner.scheduling.rules.pausing.clock_end`)."""
    remaining = work
    last = bisect.bisect_left(stretches, (end, end))
    for a, b in reversed(stretches[:last]):
        finish = min(b, end)
        if remaining <= finish - a:
            start = min(finish - remaining, b - max(setup, 1))
            done = clock_end(start, work, setup, stretches) if start >= a else None
            return start if done is not None and done <= end else None
        remaining -= finish - a
    return None
