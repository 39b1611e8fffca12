"""Shift calendars become working intervals in plan minutes; maintenance and gaps become blocked time."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from planner.calendar import availability_by_machine, complement, merge, shift_intervals
from planner.domain import Factory, Machine, PlanOptions, PlanRequest, Shift, ShiftCalendar, TimeWindow
from planner.testing import order, product

DAY = 1440


def _request(calendar: ShiftCalendar, machine: Machine, offset: int = 0, start: datetime | None = None,
             horizon: int = 7 * DAY) -> PlanRequest:
    return PlanRequest(
        factory=Factory(utc_offset_minutes=offset, calendars=[calendar], machines=[machine],
                        products=[product("P", ("a", [machine.id], 1.0))]),
        orders=[order("O", "P")],
        options=PlanOptions(plan_start=start or datetime(2026, 3, 2, tzinfo=UTC), horizon_minutes=horizon),
    )


TWO_SHIFTS = ShiftCalendar(id="c", shifts=[Shift(start_minute=360, length_minutes=480),
                                           Shift(start_minute=840, length_minutes=480)])


def test_adjacent_shifts_merge_and_weekends_are_off() -> None:
    # 2 March 2026 is a Monday; plan start at UTC midnight with no offset.
    working = shift_intervals(TWO_SHIFTS, _request(TWO_SHIFTS, Machine(id="M", calendar_id="c")))
    assert working[:2] == [(360, 1320), (DAY + 360, DAY + 1320)]
    assert len(working) == 5  # Monday to Friday only


def test_local_time_offset_shifts_the_calendar() -> None:
    # Plan start 21:00 UTC on Sunday is 06:00 Monday in Korea (UTC+9): the early shift starts at once.
    req = _request(TWO_SHIFTS, Machine(id="M", calendar_id="c"), offset=540,
                   start=datetime(2026, 3, 1, 21, 0, tzinfo=UTC))
    assert shift_intervals(TWO_SHIFTS, req)[0] == (0, 960)


def test_night_shift_from_the_previous_day_reaches_into_the_plan() -> None:
    night = ShiftCalendar(id="c", shifts=[Shift(start_minute=22 * 60, length_minutes=480)],
                          working_days=[0, 1, 2, 3, 4, 5, 6])
    working = shift_intervals(night, _request(night, Machine(id="M", calendar_id="c")))
    assert working[0] == (0, 360)


def test_maintenance_is_removed_from_availability() -> None:
    machine = Machine(id="M", maintenance_windows=[TimeWindow(start=100, end=200)])
    available = availability_by_machine(_request(TWO_SHIFTS, machine, horizon=1000))
    assert available["M"] == [(0, 100), (200, 1000)]


def test_extra_working_time_adds_to_the_shifts_and_maintenance_still_wins() -> None:
    # Monday: shifts 06:00-22:00; overtime 22:00-24:00 joins the late shift, a Saturday shift is
    # worked although the calendar is Monday to Friday, and maintenance inside the overtime wins.
    overtime = TimeWindow(start=1320, end=1440, reason="overtime")
    saturday = TimeWindow(start=5 * DAY + 360, end=5 * DAY + 840, reason="added Saturday shift")
    machine = Machine(id="M", calendar_id="c", extra_working_windows=[overtime, saturday],
                      maintenance_windows=[TimeWindow(start=1400, end=1410)])
    available = availability_by_machine(_request(TWO_SHIFTS, machine))["M"]
    assert available[:2] == [(360, 1400), (1410, 1440)]
    assert (5 * DAY + 360, 5 * DAY + 840) in available
    plain = availability_by_machine(_request(TWO_SHIFTS, Machine(id="M", calendar_id="c")))["M"]
    assert sum(e - s for s, e in available) == sum(e - s for s, e in plain) + 120 - 10 + 480


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 100)), max_size=8))
def test_merge_and_complement_partition_the_horizon(raw: list[tuple[int, int]]) -> None:
    intervals = [(s, s + length) for s, length in raw]
    merged = merge(intervals)
    gaps = complement(intervals, 700)
    assert all(a[1] < b[0] for a, b in pairwise(merged))
    covered = {m for s, e in merged for m in range(s, min(e, 700))}
    free = {m for s, e in gaps for m in range(s, e)}
    assert covered.isdisjoint(free) and covered | free == set(range(700))
