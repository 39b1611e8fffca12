"""Machine availability: shift calendars and maintenance windows turned into minute intervals.

A machine works inside its shifts (adjacent or overlapping shifts merge, so work may run across a
shift change) and inside its extra working windows (overtime, an added shift), and never inside a
maintenance window. Everything else up to the horizon is an unavailable interval that the scheduler
blocks with a fixed interval.
"""

from __future__ import annotations

from datetime import timedelta

from planner.domain import MINUTES_PER_DAY, Machine, PlanRequest, ShiftCalendar, TimeWindow
from planner.scheduling.rules.work_in_progress import running_windows

Interval = tuple[int, int]


def merge(intervals: list[Interval]) -> list[Interval]:
    """Union of half-open intervals, sorted, with touching intervals joined."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def complement(intervals: list[Interval], horizon: int) -> list[Interval]:
    """[0, horizon) minus the (merged) intervals."""
    gaps: list[Interval] = []
    cursor = 0
    for start, end in merge(intervals):
        if start > cursor:
            gaps.append((cursor, min(start, horizon)))
        cursor = max(cursor, end)
        if cursor >= horizon:
            break
    if cursor < horizon:
        gaps.append((cursor, horizon))
    return [g for g in gaps if g[1] > g[0]]


def shift_intervals(calendar: ShiftCalendar, request: PlanRequest) -> list[Interval]:
    """Working intervals of a calendar in plan minutes over [0, horizon)."""
    horizon = request.options.horizon_minutes
    local_start = request.options.plan_start + timedelta(minutes=request.factory.utc_offset_minutes)
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    # Minute (plan time) of the local midnight that starts the plan's first local day.
    first_midnight = -int((local_start - midnight).total_seconds() // 60)
    working: list[Interval] = []
    day = -1  # the day before, for night shifts that run past midnight into the plan
    while first_midnight + day * MINUTES_PER_DAY < horizon:
        weekday = (midnight + timedelta(days=day)).weekday()
        if weekday in calendar.working_days:
            day_start = first_midnight + day * MINUTES_PER_DAY
            working += [(day_start + s.start_minute, day_start + s.start_minute + s.length_minutes)
                        for s in calendar.shifts]
        day += 1
    return [(max(s, 0), min(e, horizon)) for s, e in merge(working) if e > 0 and s < horizon]


def unavailable_intervals(machine: Machine, request: PlanRequest) -> list[TimeWindow]:
    """Off-shift time and maintenance of one machine within the horizon, merged, with reasons."""
    horizon = request.options.horizon_minutes
    blocked: list[TimeWindow] = []
    if machine.calendar_id is not None:
        calendar = next(c for c in request.factory.calendars if c.id == machine.calendar_id)
        extra = [(w.start, w.end) for w in machine.extra_working_windows]
        off_shift = complement(merge(shift_intervals(calendar, request) + extra), horizon)
        blocked += [TimeWindow(start=s, end=e, reason="off shift") for s, e in off_shift]
    for window in machine.maintenance_windows:
        start, end = max(window.start, 0), min(window.end, horizon)
        if end > start:
            blocked.append(TimeWindow(start=start, end=end, reason=window.reason or "maintenance"))
    return sorted(blocked, key=lambda w: (w.start, w.end))


def available_intervals(machine: Machine, request: PlanRequest) -> list[Interval]:
    """Time the machine can work, [0, horizon) minus its unavailable intervals."""
    blocked = [(w.start, w.end) for w in unavailable_intervals(machine, request)]
    return complement(blocked, request.options.horizon_minutes)


def availability_by_machine(request: PlanRequest) -> dict[str, list[Interval]]:
    """Working time per machine; a machine running work in progress at plan start works until it ends
    (the MES reports it running, whatever the calendar says; see `planner.scheduling.rules.work_in_progress`)."""
    running = running_windows(request)
    return {m.id: merge([*available_intervals(m, request), running[m.id]]) if m.id in running
            else available_intervals(m, request) for m in request.factory.machines}
