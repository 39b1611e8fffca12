"""The fast paths of the 1 s plan (issue 21) answer what the plain computations they replace answer.

`WorkingTime` (binary search over summed stretches) against `working_minutes` (every stretch), `MaterialStock.earliest`
(suffix minima kept between changes) against the scan it replaced, `MaterialStock.earliest_without` against taking
the consumption out and putting it back, the unrolled jobs of orders that share alternatives' values, the die
bookkeeping's count of the runs on a machine, and a plant-grade dispatching start that places every operation where
the plain first fit and stock scan place it.
"""

from __future__ import annotations

import bisect
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.demo_plant_scaled import scaled_plant_request
from planner.risk import planning_availability
from planner.scheduling.die_start import DieRun, DieState
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.machine_timeline import MachineTimeline
from planner.scheduling.rules.materials import MaterialStock
from planner.scheduling.rules.pausing import WorkingTime, working_minutes
from planner.scheduling.tasks import Alternative, build_jobs


@st.composite
def calendars(draw: st.DrawFn) -> list[tuple[int, int]]:
    """Sorted, disjoint working stretches (a machine's calendar), some of them touching or empty."""
    stretches, cursor = [], draw(st.integers(-50, 50))
    for _ in range(draw(st.integers(0, 12))):
        start = cursor + draw(st.integers(0, 40))
        end = start + draw(st.integers(0, 60))
        stretches.append((start, end))
        cursor = end
    return stretches


moments = st.integers(-100, 1200)


@settings(max_examples=300, deadline=None)
@given(calendars(), st.lists(st.tuples(moments, moments), max_size=10))
def test_working_time_by_bisect_equals_the_plain_sum(stretches: list[tuple[int, int]],
                                                      intervals: list[tuple[int, int]]) -> None:
    working = WorkingTime(stretches)
    for start, end in intervals:
        assert working.between(start, end) == working_minutes(start, end, stretches)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(moments, moments), max_size=6), st.lists(st.tuples(moments, moments), max_size=6))
def test_working_time_of_unsorted_or_overlapping_stretches_sums_them(
        stretches: list[tuple[int, int]], intervals: list[tuple[int, int]]) -> None:
    working = WorkingTime(stretches)
    for start, end in intervals:
        assert working.between(start, end) == working_minutes(start, end, stretches)


def _earliest_by_scan(events: list[tuple[int, int]], ready: int, amount: int) -> int | None:
    """`MaterialStock.earliest` as it was: the levels summed and scanned from the last event back on every call."""
    times: list[int] = []
    levels: list[int] = []
    level = 0
    for minute, change in sorted(events):
        level += change
        if times and times[-1] == minute:
            levels[-1] = level
        else:
            times.append(minute)
            levels.append(level)
    best: int | None = None
    lowest = math.inf
    for index in range(len(times) - 1, -1, -1):
        lowest = min(lowest, levels[index])
        if lowest < amount:
            break
        following = times[index + 1] if index + 1 < len(times) else math.inf
        if following <= ready:
            break
        best = max(times[index], ready)
    return best


stock_events = st.lists(st.tuples(st.integers(0, 300), st.integers(-40, 60)), max_size=15)


@settings(max_examples=300, deadline=None)
@given(stock_events, st.lists(st.tuples(st.integers(-10, 320), st.integers(0, 80)), min_size=1, max_size=6))
def test_earliest_from_kept_minima_equals_the_scan(events: list[tuple[int, int]],
                                                   questions: list[tuple[int, int]]) -> None:
    stock = MaterialStock({"steel": []})
    for count, (minute, change) in enumerate(events, start=1):
        stock.add("steel", minute, change)
        for ready, amount in questions:  # asked between changes, as the dispatching start does
            assert stock.earliest("steel", ready, amount) == _earliest_by_scan(events[:count], ready, amount)
    assert stock.earliest("other", 0, 1) is None


@settings(max_examples=300, deadline=None)
@given(stock_events, st.integers(0, 300), st.integers(1, 60), st.integers(-10, 320))
def test_earliest_without_a_consumption_equals_taking_it_out(events: list[tuple[int, int]], minute: int,
                                                             amount: int, ready: int) -> None:
    stock = MaterialStock({"steel": []})
    for at, change in [*events, (minute, -amount)]:
        stock.add("steel", at, change)
    without = stock.earliest_without("steel", ready, amount, minute)
    stock.remove("steel", minute, -amount)
    assert without == stock.earliest("steel", ready, amount)


def test_orders_of_one_product_and_quantity_get_alternatives_of_their_own() -> None:
    """Shared values, not shared objects: the start's changeover and staffing timelines tell lots apart by object."""
    jobs = build_jobs(scaled_plant_request(240))
    seen: dict[tuple[str, int, int], list[tuple[Alternative, ...]]] = {}
    for job in jobs:
        for task in job.tasks:
            if not task.running:
                seen.setdefault((task.product_id, task.index, task.quantity), []).append(task.alternatives)
    shared = [found for found in seen.values() if len(found) > 1]
    assert shared, "the example should have two orders of one product and quantity"
    for found in shared:
        assert all(alternatives == found[0] for alternatives in found)  # the same values
        objects = [id(alternative) for alternatives in found for alternative in alternatives]
        assert len(set(objects)) == len(objects)  # each its own object


def test_the_die_state_counts_the_runs_of_a_die_on_a_machine_as_they_are_booked_and_given_back() -> None:
    state = DieState(dies={}, mounted={})
    first, second = DieRun(0, 60, "D1", "CAST-1", 45), DieRun(60, 120, "D1", "CAST-1", 0)
    state.book(first)
    state.book(second)
    state.unbook(first)
    assert state.has_run("CAST-1", "D1")
    assert not state.has_run("CAST-2", "D1") and not state.has_run("CAST-1", "D2")
    state.unbook(second)
    assert not state.has_run("CAST-1", "D1")


def _first_fit_by_max(timeline: MachineTimeline, ready: int, duration: int, lot: Alternative | None = None
                      ) -> int | None:
    """`MachineTimeline.earliest_start` as it was, with max() and islice (pausing lots as they are)."""
    if lot is not None and lot.may_pause:
        return timeline._earliest_pausing(ready, lot)
    first = bisect.bisect_left(timeline._window_ends, ready)
    for window_start, window_end in itertools.islice(timeline.windows, first, None):
        if window_end - max(window_start, ready) < duration:
            continue
        start = max(window_start, ready)
        index = bisect.bisect_left(timeline.busy, (start, start))
        if index > 0 and timeline.busy[index - 1][1] > start:
            start = timeline.busy[index - 1][1]
        while start + duration <= window_end:
            if index >= len(timeline.busy) or timeline.busy[index][0] >= start + duration:
                return start
            start = max(start, timeline.busy[index][1])
            index += 1
    return None


def test_a_plant_grade_start_places_every_operation_where_the_plain_scans_do(monkeypatch: pytest.MonkeyPatch) -> None:
    request = scaled_plant_request(240, time_limit_seconds=1.0)
    available = planning_availability(request, availability_by_machine(request))
    jobs = build_jobs(request)
    fast = best_dispatch(request, jobs, available, seconds=0.1)
    monkeypatch.setattr(MachineTimeline, "earliest_start", _first_fit_by_max)
    monkeypatch.setattr(MaterialStock, "earliest", lambda stock, stock_id, ready, amount: _earliest_by_scan(
        stock._events.get(stock_id, []), ready, amount))
    plain = best_dispatch(request, jobs, available, seconds=0.1)
    assert fast is not None and fast == plain
