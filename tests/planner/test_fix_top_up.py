"""A fix that removes only part of an order's lateness is topped up with overtime, round by round, on each machine
the order still waits for, until the order is on time or no more helps; the topped-up fix is verified by re-solving
like any other and comes before the partial fix it tops up."""

from __future__ import annotations

import math

import pytest

from planner.checker import check_plan
from planner.domain import Machine, PlanRequest, Shift, ShiftCalendar, TimeWindow
from planner.explanations.fix_candidates import Candidate, overtime_windows
from planner.explanations.fixes import MAX_TOP_UP_SHARE, Measured, _topped_up
from planner.plan import create_plan
from planner.replanning.deltas import ChangeRelease, ExtraWorkingTime
from planner.replanning.scenarios import apply_deltas
from planner.solution import PlanResult
from planner.testing import order, product, request

DAY = 24 * 60
DAY_SHIFT = ShiftCalendar(id="day", shifts=[Shift(start_minute=0, length_minutes=480)])
"""00:00-08:00 plant time (UTC), Monday to Friday."""


def _two_machine_plant(locale: str = "en") -> PlanRequest:
    """A (400 min on M1, due at the shift's end) goes first on M1; B runs 300 min on M1, then 150 min on M2, both
    machines on a day shift, and is due at 880. Without changes B finishes the next day (1,030 min late). Overtime
    on M1 alone lets its first operation end at 700, after M2's shift: only overtime on M2 too puts it on time."""
    base = request([Machine(id="M1", calendar_id="day"), Machine(id="M2", calendar_id="day")],
                   [product("PA", ("op", ["M1"], 1.0)), product("PB", ("op1", ["M1"], 1.0), ("op2", ["M2"], 0.5))],
                   [order("A", "PA", quantity=400, due=480), order("B", "PB", quantity=300, due=880)],
                   horizon=10 * DAY, calendars=[DAY_SHIFT], time_limit=6.0, workers=1)
    return base.model_copy(update={"options": base.options.model_copy(update={
        "verify_fixes_seconds": 3.0, "locale": locale})})


@pytest.fixture(scope="module")
def two_machines() -> tuple[PlanRequest, PlanResult]:
    base = _two_machine_plant()
    plan = create_plan(base)
    assert check_plan(base, plan) == []
    return base, plan


def _tardiness(plan: PlanResult, order_id: str) -> int:
    return next(r.tardiness for r in plan.order_results if r.order_id == order_id)


def test_the_top_up_adds_overtime_on_each_machine_the_order_still_waits_for(
        two_machines: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = two_machines
    late = _tardiness(plan, "B")
    assert late > 0
    nothing = Candidate("EARLIER_RELEASE", [ChangeRelease(order_id="B", release=0)])
    still_late = Measured(order_lateness=late, weighted_lateness=0.0, pushed=0.0, assignments=tuple(plan.assignments))
    topped = _topped_up(base, plan, "B", nothing, still_late)
    assert topped is not None and topped.kind == "EARLIER_RELEASE" and topped.changes[0] == nothing.changes[0]
    overtime = [d for d in topped.changes if isinstance(d, ExtraWorkingTime)]
    assert {d.machine_id for d in overtime} == {"M1", "M2"}
    assert topped.extra_working_minutes == sum(d.window.end - d.window.start for d in overtime)
    assert topped.extra_working_minutes <= math.ceil(late * MAX_TOP_UP_SHARE / 60) * 60  # never more hours than late
    # the chain as returned, solved from scratch, puts B on time
    changed = apply_deltas(base, topped.changes)
    again = create_plan(changed.model_copy(update={"options": changed.options.model_copy(
        update={"verify_fixes_seconds": 0.0})}))
    assert check_plan(changed, again) == [] and _tardiness(again, "B") == 0


def test_the_first_fix_is_the_partial_fix_topped_up_verified_from_scratch_and_named_in_full(
        two_machines: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = two_machines
    late = next(e for e in plan.late_orders if e.order_id == "B")
    first = late.fixes[0]
    assert first.verified and first.whole_plan_verified and first.order_lateness_after == 0
    machines = {d.machine_id for d in first.changes if isinstance(d, ExtraWorkingTime)}
    assert machines == {"M1", "M2"}
    assert "overtime on M1" in first.text and "overtime on M2" in first.text and "on time" in first.text
    # the partial fix it tops up (overtime on M1 only), when verified too, comes after it
    partial = [f for f in late.fixes[1:] if f.verified and f.order_lateness_after > 0]
    assert all(f.extra_working_minutes < first.extra_working_minutes for f in partial)
    changed = apply_deltas(base, first.changes)
    again = create_plan(changed.model_copy(update={"options": changed.options.model_copy(
        update={"verify_fixes_seconds": 0.0})}))
    assert check_plan(changed, again) == [] and _tardiness(again, "B") == first.order_lateness_after


def test_the_korean_text_names_each_machines_overtime() -> None:
    base = _two_machine_plant(locale="ko")
    plan = create_plan(base)
    first = next(e for e in plan.late_orders if e.order_id == "B").fixes[0]
    assert "M1에 잔업" in first.text and "M2에 잔업" in first.text and "납기 준수" in first.text


def test_a_top_up_works_at_most_8_h_a_night_with_what_is_there_and_may_add_a_saturday_shift() -> None:
    base = _two_machine_plant()
    friday_end = 4 * DAY + 480
    done = [TimeWindow(start=friday_end, end=friday_end + 300)]  # 5 h already added after Friday's shift
    machine = base.factory.machine("M1").model_copy(update={"extra_working_windows": done})
    with_extra = base.model_copy(update={"factory": base.factory.model_copy(update={"machines": [
        machine, base.factory.machine("M2")]})})
    plain = overtime_windows(with_extra, "M1", friday_end, 16 * 60)
    assert (plain[0].start, plain[0].end) == (friday_end + 300, friday_end + 480)  # 3 h more that night
    assert all(w.start % DAY == 480 for w in plain[1:])  # only right after shifts: Friday night, then Monday
    assert not any(5 * DAY <= w.start < 7 * DAY for w in plain)
    shifts = overtime_windows(with_extra, "M1", friday_end, 16 * 60, extra_shifts=True)
    saturday = 5 * DAY
    assert [(w.start, w.end) for w in shifts[:3]] == [(friday_end + 300, friday_end + 480),
                                                     (saturday, saturday + 480), (saturday + DAY, saturday + DAY + 300)]
    assert sum(w.end - w.start for w in shifts) == 16 * 60


def test_overtime_for_an_operation_ready_after_the_shift_ended_runs_past_its_ready_time() -> None:
    base = _two_machine_plant()
    ready = 700  # after M2's shift ended at 480
    plain = overtime_windows(base, "M2", ready, 180)
    assert (plain[0].start, plain[0].end) == (480, 660)  # today's rule: right after the shift, before it is ready
    reaching = overtime_windows(base, "M2", ready, 180, extra_shifts=True)
    assert reaching[0].start == 480 and reaching[0].end >= ready + 180
