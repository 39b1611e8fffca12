"""Fixes that hold: each late order's fixes are typed scenario deltas the scenario engine applies, a
verified fix really makes the order less late when the plan is solved again from scratch, a fix that
does not help is dropped, and the texts (en, ko) state only what re-solving measured."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import Machine, Material, MaterialUse, PlanRequest, Shift, ShiftCalendar, TimeWindow, YieldEstimate
from planner.explanations.fix_candidates import Candidate
from planner.explanations.fix_texts import describe_fix
from planner.explanations.fixes import (
    Measured,
    _topped_up,
    attach_fixes,
    candidates,
    hold_rest,
    measure,
    neighbourhood,
    overtime_windows,
    settle,
    verification_budget,
)
from planner.plan import create_plan
from planner.replanning.deltas import (
    AssignMachine,
    ChangeRelease,
    ChangeWeight,
    ExtraWorkingTime,
    MoveMaintenance,
    RunBefore,
)
from planner.replanning.scenarios import apply_deltas
from planner.risk import planning_availability
from planner.scheduling.model import solve_schedule
from planner.scheduling.tasks import build_jobs
from planner.solution import Fix, LateOrderExplanation, PlanResult
from planner.testing import order, product, request
from planner.validation import InvalidPlanRequest

DAY = 24 * 60
DAY_SHIFT = ShiftCalendar(id="day", shifts=[Shift(start_minute=0, length_minutes=480)])
"""00:00-08:00 plant time (UTC), Monday to Friday: everything else is off shift."""


def _with_verification(base: PlanRequest, seconds: float = 3.0, locale: str = "en") -> PlanRequest:
    return base.model_copy(update={"options": base.options.model_copy(update={
        "verify_fixes_seconds": seconds, "time_limit_seconds": 2 * seconds, "locale": locale})})


def _one_shift_plant(locale: str = "en") -> PlanRequest:
    """One machine on a day shift and 700 min of work for a 480 min day: B (300 min) waits for the next day,
    though 4 h of overtime after the shift would let it finish on its due time."""
    base = request([Machine(id="M1", calendar_id="day")], [product("P", ("op", ["M1"], 1.0))],
                   [order("A", "P", quantity=400, due=480), order("B", "P", quantity=300, due=720)],
                   horizon=10 * DAY, calendars=[DAY_SHIFT], time_limit=6.0, workers=1)
    return _with_verification(base, locale=locale)


def _late(plan: PlanResult, order_id: str) -> LateOrderExplanation:
    return next(e for e in plan.late_orders if e.order_id == order_id)


def _tardiness(plan: PlanResult, order_id: str) -> int:
    return next(r.tardiness for r in plan.order_results if r.order_id == order_id)


def _from_scratch(base: PlanRequest, fix: Fix) -> PlanResult:
    """The fix applied through the scenario engine and the plan solved again without any hint or verification."""
    changed = apply_deltas(base, fix.changes)
    changed = changed.model_copy(update={"options": changed.options.model_copy(update={"verify_fixes_seconds": 0.0})})
    plan = create_plan(changed)
    assert check_plan(changed, plan) == []
    return plan


@pytest.fixture(scope="module")
def overtime_case() -> tuple[PlanRequest, PlanResult]:
    base = _one_shift_plant()
    plan = create_plan(base)
    assert check_plan(base, plan) == []
    return base, plan


def test_the_verified_overtime_fix_is_sized_in_hours_and_really_helps(overtime_case: tuple[PlanRequest,
                                                                                           PlanResult]) -> None:
    base, plan = overtime_case
    late = _late(plan, "B")
    assert late.fixes and all(f.verified for f in late.fixes)
    first = late.fixes[0]
    assert first.kind == "OVERTIME"
    assert first.extra_working_minutes % 60 == 0 and first.extra_working_minutes < 8 * 60  # not a whole night
    assert all(isinstance(d, ExtraWorkingTime) and d.machine_id == "M1" for d in first.changes)
    assert first.order_lateness_after < first.order_lateness_before == late.minutes_late
    assert first.weighted_lateness_after <= first.weighted_lateness_before
    # the older text fields carry the first verified fix and its measured saving
    assert late.fix == first.text and late.fix_saves_minutes == first.saves_minutes > 0
    rescheduled = _from_scratch(base, first)
    assert _tardiness(rescheduled, "B") < _tardiness(plan, "B")


def test_the_fixes_come_cheapest_first(overtime_case: tuple[PlanRequest, PlanResult]) -> None:
    fixes = _late(overtime_case[1], "B").fixes
    hours = [f.extra_working_minutes for f in fixes]
    assert hours == sorted(hours)


def test_a_priority_raise_comes_last_and_is_judged_with_the_original_weights(
        overtime_case: tuple[PlanRequest, PlanResult]) -> None:
    """Run first with a weight of 20, B is on time, but A waits for the next day (1,360 min late): with the
    original weights (all 1) the plan is worse than its 1,020 weighted min, however little A counts next to
    B's raised weight. So the raise is measured as pushing lateness onto A and is never offered."""
    base, plan = overtime_case
    late = _late(plan, "B")
    tried = candidates(base, plan, late)
    assert tried[-1].kind == "PRIORITY" and isinstance(tried[-1].changes[0], ChangeWeight)
    assert all(c.kind != "PRIORITY" for c in tried[:-1])
    hint = {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in plan.assignments}
    measured = measure(base, plan, "B", tried[-1], hint, 4.0)
    assert measured is not None
    weighted_before = sum(r.tardiness for r in plan.order_results)
    assert measured.order_lateness < late.minutes_late
    assert measured.weighted_lateness > weighted_before
    assert measured.pushed > 0
    assert all(f.kind != "PRIORITY" for f in late.fixes)


def test_the_texts_state_the_measured_effects_in_english_and_korean(overtime_case: tuple[PlanRequest,
                                                                                         PlanResult]) -> None:
    first = _late(overtime_case[1], "B").fixes[0]
    assert "Re-solved with this change" in first.text and "overtime on M1" in first.text
    assert f"{first.weighted_lateness_after:,.0f}" in first.text
    korean = create_plan(_one_shift_plant(locale="ko"))
    fix = _late(korean, "B").fixes[0]
    assert "다시 풀면" in fix.text and "잔업" in fix.text
    assert f"{fix.weighted_lateness_after:,.0f}분" in fix.text


def test_the_scenario_engine_applies_a_typed_fix(overtime_case: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = overtime_case
    first = _late(plan, "B").fixes[0]
    changed = apply_deltas(base, first.changes)
    added = changed.factory.machine("M1").extra_working_windows
    assert [(w.start, w.end) for w in added] == [(d.window.start, d.window.end) for d in first.changes
                                                 if isinstance(d, ExtraWorkingTime)]


def test_an_earlier_release_is_verified_when_the_release_is_what_makes_it_late() -> None:
    base = _with_verification(request(["M1"], [product("P", ("op", ["M1"], 1.0))],
                                      [order("A", "P", quantity=100, release=300, due=320)], horizon=2 * DAY,
                                      workers=1))
    plan = create_plan(base)
    late = _late(plan, "A")
    assert late.fixes[0].kind in ("PRIORITY", "EARLIER_RELEASE")
    release = next(f for f in late.fixes if f.kind == "EARLIER_RELEASE")
    assert isinstance(release.changes[0], ChangeRelease) and release.changes[0].release == 220
    assert release.verified and release.order_lateness_after == 0
    assert _tardiness(_from_scratch(base, release), "A") == 0


def test_moving_the_maintenance_it_waited_for_is_offered_and_verified() -> None:
    machine = Machine(id="M1", maintenance_windows=[TimeWindow(start=0, end=240, reason="spindle service")])
    base = _with_verification(request([machine], [product("P", ("op", ["M1"], 1.0))],
                                      [order("A", "P", quantity=60, due=120)], horizon=2 * DAY, workers=1))
    plan = create_plan(base)
    moves = [f for f in _late(plan, "A").fixes if f.kind == "MOVE_MAINTENANCE"]
    assert moves and moves[0].verified and moves[0].order_lateness_after == 0
    move = moves[0].changes[0]
    assert isinstance(move, MoveMaintenance) and move.window_start == 0 and move.new_start >= 60
    assert "spindle service" in moves[0].text
    assert _tardiness(_from_scratch(base, moves[0]), "A") == 0


def test_without_a_verification_budget_the_candidates_come_unverified_and_claim_nothing() -> None:
    base = _one_shift_plant().model_copy(update={"options": _one_shift_plant().options.model_copy(
        update={"verify_fixes_seconds": 0.0})})
    plan = create_plan(base)
    late = _late(plan, "B")
    assert late.fixes and not any(f.verified for f in late.fixes)
    assert all(f.order_lateness_after == f.order_lateness_before for f in late.fixes)
    assert all("Not verified" in f.text for f in late.fixes)
    assert all(f.kind != "DUE_DATE" for f in late.fixes)


def test_verification_stays_inside_the_time_limit() -> None:
    base = _one_shift_plant()
    asked = base.model_copy(update={"options": base.options.model_copy(update={"verify_fixes_seconds": 100.0})})
    assert verification_budget(asked) == pytest.approx(asked.options.time_limit_seconds / 2)
    assert verification_budget(asked.model_copy(update={"options": asked.options.model_copy(
        update={"verify_fixes_seconds": math.nan})})) == 0.0


def test_overtime_windows_start_when_the_shift_ends_and_never_exceed_a_night() -> None:
    base = _one_shift_plant()
    windows = overtime_windows(base, "M1", 0, 11 * 60)
    assert [(w.start, w.end) for w in windows] == [(480, 960), (DAY + 480, DAY + 480 + 180)]


# --- the new deltas --------------------------------------------------------------------------------

def _tiny() -> PlanRequest:
    machine = Machine(id="M1", maintenance_windows=[TimeWindow(start=100, end=160, reason="service")])
    return request([machine], [product("P", ("op", ["M1"], 1.0))], [order("A", "P", quantity=10, due=500)],
                   horizon=DAY)


@settings(max_examples=40, deadline=None)
@given(weight=st.floats(allow_nan=True, allow_infinity=True))
def test_a_weight_change_accepts_exactly_finite_positive_weights(weight: float) -> None:
    delta = ChangeWeight(order_id="A", weight=weight)
    if math.isfinite(weight) and weight > 0:
        assert apply_deltas(_tiny(), [delta]).orders[0].weight == weight
    else:
        with pytest.raises(InvalidPlanRequest) as error:
            apply_deltas(_tiny(), [delta])
        assert [v.field for v in error.value.violations] == ["deltas[0].change_weight.weight"]


@settings(max_examples=40, deadline=None)
@given(new_start=st.integers(-500, 2000))
def test_a_maintenance_move_keeps_the_window_length_and_refuses_the_past(new_start: int) -> None:
    delta = MoveMaintenance(machine_id="M1", window_start=100, new_start=new_start)
    if new_start < 0:
        with pytest.raises(InvalidPlanRequest) as error:
            apply_deltas(_tiny(), [delta])
        assert [v.field for v in error.value.violations] == ["deltas[0].move_maintenance.new_start"]
        return
    moved = apply_deltas(_tiny(), [delta]).factory.machine("M1").maintenance_windows
    assert [(w.start, w.end, w.reason) for w in moved] == [(new_start, new_start + 60, "service")]


def test_bad_release_weight_and_maintenance_deltas_are_all_reported() -> None:
    with pytest.raises(InvalidPlanRequest) as error:
        apply_deltas(_tiny(), [ChangeRelease(order_id="nope", release=0), ChangeWeight(order_id="A", weight=-1),
                               MoveMaintenance(machine_id="M1", window_start=5, new_start=10),
                               ChangeRelease(order_id="A", release=600)])
    fields = {v.field for v in error.value.violations}
    assert {"deltas[0].change_release.order_id", "deltas[1].change_weight.weight",
            "deltas[2].move_maintenance.window_start"} <= fields


def test_a_verification_re_solve_moves_only_the_neighbourhood_and_gives_a_valid_plan(
        overtime_case: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = overtime_case
    first = _late(plan, "B").fixes[0]
    hint = {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in plan.assignments}
    changed = apply_deltas(base, first.changes)
    available = planning_availability(changed, availability_by_machine(changed))
    held_everything = solve_schedule(changed, build_jobs(changed), available, hint=hint,
                                     extensions=[hold_rest(hint, set())])
    assert [(a.order_id, a.start) for a in held_everything.assignments] == [(a.order_id, a.start)
                                                                            for a in plan.assignments]
    free = neighbourhood(base, plan.assignments, "B", first.changes)
    assert ("B", 0) in free
    moved = solve_schedule(changed, build_jobs(changed), available, hint=hint, extensions=[hold_rest(hint, free)])
    assert check_schedule(changed, moved.assignments) == []
    assert next(a.end for a in moved.assignments if a.order_id == "B") <= 720


# --- another machine: a constraint a solve from scratch cannot trade away ------------------------------

def _two_machine_plant() -> PlanRequest:
    """A (400 min, weight 2) and B (300 min), both due at 400, on one operation M1 and M2 can both run:
    the best plan runs one on each machine and nothing is late."""
    return _with_verification(request(["M1", "M2"], [product("P", ("op", ["M1", "M2"], 1.0))],
                                      [order("A", "P", quantity=400, due=400, weight=2.0),
                                       order("B", "P", quantity=300, due=400)], horizon=2 * DAY, workers=1))


def _no_verification(base: PlanRequest) -> PlanRequest:
    return base.model_copy(update={"options": base.options.model_copy(update={"verify_fixes_seconds": 0.0})})


def _both_on_m1() -> list[AssignMachine]:
    return [AssignMachine(order_id=o, operation_id="op", machine_id="M1") for o in ("A", "B")]


@pytest.fixture(scope="module")
def crowded_case() -> tuple[PlanRequest, PlanResult]:
    """A plan that runs both orders on M1 (as a short solve of a large plant may): B waits 400 min for A while
    M2 stands idle. Made by assigning both operations to M1 in a scenario, then read as a plan of the base."""
    base = _two_machine_plant()
    crowded = apply_deltas(_no_verification(_two_machine_plant()), _both_on_m1())
    plan = create_plan(crowded)
    assert check_plan(crowded, plan) == []
    plan = plan.model_copy(update={"assignments": [a.model_copy(update={"product_id": "P"})
                                                   for a in plan.assignments]})
    assert check_plan(base, plan) == []
    return base, plan


def test_a_machine_assignment_holds_even_where_it_costs_lateness(crowded_case: tuple[PlanRequest,
                                                                                    PlanResult]) -> None:
    """Solved from scratch, the scenario keeps both operations on M1 although M2 would make both on time."""
    _, plan = crowded_case
    assert {a.machine_id for a in plan.assignments} == {"M1"}
    assert _tardiness(plan, "B") == 300 and _tardiness(plan, "A") == 0
    free = create_plan(_no_verification(_two_machine_plant()))
    assert free.kpis is not None and free.kpis.weighted_tardiness_minutes == pytest.approx(0.0)


def test_running_it_on_the_idle_machine_is_the_first_fix_and_holds_from_scratch(
        crowded_case: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = crowded_case
    fixed = attach_fixes(base, plan, 4.0)
    late = _late(fixed, "B")
    first = late.fixes[0]
    assert first.kind == "MACHINE" and first.verified and first.extra_working_minutes == 0
    assert first.changes == [AssignMachine(order_id="B", operation_id="op", machine_id="M2")]
    assert first.order_lateness_after == 0 < first.order_lateness_before == 300
    assert first.weighted_lateness_after < first.weighted_lateness_before
    assert "on M2 instead of M1" in first.text and "on time" in first.text
    rescheduled = _from_scratch(base, first)
    assert next(a.machine_id for a in rescheduled.assignments if a.order_id == "B") == "M2"
    assert _tardiness(rescheduled, "B") == 0
    korean = attach_fixes(base.model_copy(update={"options": base.options.model_copy(update={"locale": "ko"})}),
                          plan, 4.0)
    assert "M1 대신 M2에서" in _late(korean, "B").fixes[0].text


def test_the_machine_candidates_skip_components_and_come_before_priority(
        crowded_case: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = crowded_case
    late = _late(plan, "B")
    kinds = [c.kind for c in candidates(base, plan, late)]
    assert kinds[0] == "MACHINE" and kinds[-1] == "PRIORITY"
    consumer = product("Q", ("asm", ["M1"], 1.0))
    consumer = consumer.model_copy(update={"routing": [consumer.routing[0].model_copy(
        update={"materials": [MaterialUse(material_id="P", quantity_per_unit=1.0)]})]})
    component = base.model_copy(update={"factory": base.factory.model_copy(
        update={"products": [*base.factory.products, consumer]})})
    assert all(c.kind != "MACHINE" for c in candidates(component, plan, late))
    with pytest.raises(InvalidPlanRequest) as error:
        apply_deltas(component, [AssignMachine(order_id="B", operation_id="op", machine_id="M2")])
    assert [v.field for v in error.value.violations] == ["deltas[0].assign_machine.order_id"]


def _eligible(plan_request: PlanRequest, product_id: str) -> dict[str, set[str]]:
    return {op.id: {e.machine_id for e in op.eligible_machines}
            for op in plan_request.factory.product(product_id).routing}


def _three_machines() -> PlanRequest:
    """Two orders of P (cut on M1 or M2, then op on M2 or M3); P yields 90 % on M2."""
    return request(["M1", "M2", "M3"], [product("P", ("cut", ["M1", "M2"], 1.0), ("op", ["M2", "M3"], 1.0))],
                   [order("A", "P", quantity=10, due=500), order("B", "P", quantity=10, due=500)],
                   horizon=DAY).model_copy(update={"yields": [YieldEstimate(product_id="P", machine_id="M2",
                                                                            yield_rate=0.9)]})


ELIGIBLE = {"cut": {"M1", "M2"}, "op": {"M2", "M3"}}


@settings(max_examples=60, deadline=None)
@given(order_id=st.sampled_from(["A", "B", "Z"]), operation_id=st.sampled_from(["cut", "op", "nope"]),
       machine_id=st.sampled_from(["M1", "M2", "M3", "X"]))
def test_a_machine_assignment_names_an_eligible_machine_of_an_operation_of_the_order(
        order_id: str, operation_id: str, machine_id: str) -> None:
    delta = AssignMachine(order_id=order_id, operation_id=operation_id, machine_id=machine_id)
    expected = {"order_id"} if order_id == "Z" else set()
    expected |= {"machine_id"} if machine_id == "X" else set()
    if not expected and operation_id == "nope":
        expected = {"operation_id"}
    elif not expected and machine_id not in ELIGIBLE[operation_id]:
        expected = {"machine_id"}
    base = _three_machines()
    if expected:
        with pytest.raises(InvalidPlanRequest) as error:
            apply_deltas(base, [delta])
        assert {v.field for v in error.value.violations} == {f"deltas[0].assign_machine.{f}" for f in expected}
        return
    changed = apply_deltas(base, [delta])
    mine = next(o for o in changed.orders if o.id == order_id)
    assert mine.product_id == f"P@{order_id}"
    assert [o.product_id for o in changed.orders if o.id != order_id] == ["P"]
    assert changed.factory.product("P") == base.factory.product("P")
    routing = _eligible(changed, mine.product_id)
    assert routing[operation_id] == {machine_id}
    assert all(routing[op] == ELIGIBLE[op] for op in ELIGIBLE if op != operation_id)
    other = "op" if operation_id == "cut" else "cut"
    again = apply_deltas(changed, [AssignMachine(order_id=order_id, operation_id=other, machine_id="M2")])
    assert len(again.factory.products) == len(changed.factory.products)  # the order's own copy, changed again
    assert _eligible(again, mine.product_id) == {operation_id: {machine_id}, other: {"M2"}}
    assert again.yield_rate(mine.product_id, "M2") == pytest.approx(0.9)  # the product's estimates come along


# --- re-sequencing: a sequence rule a solve from scratch keeps ----------------------------------------------------

def _slack_ahead_plant() -> PlanRequest:
    """On one machine A (300 min, due far away) and B (100 min, due at 150): the best plan runs B first."""
    return _with_verification(request(["M1"], [product("P", ("op", ["M1"], 1.0))],
                                      [order("A", "P", quantity=300, due=2000), order("B", "P", quantity=100, due=150)],
                                      horizon=2 * DAY, workers=1))


@pytest.fixture(scope="module")
def slack_ahead_case() -> tuple[PlanRequest, PlanResult]:
    """A plan that runs A first (as a short solve of a large plant may): B waits 300 min behind an order with
    1,300 min of slack. Made by a scenario rule "A before B", then read as a plan of the base (no rule)."""
    base = _slack_ahead_plant()
    ruled = apply_deltas(_no_verification(base), [RunBefore(machine_id="M1", before_order_id="A",
                                                            before_operation_id="op", after_order_id="B",
                                                            after_operation_id="op")])
    plan = create_plan(ruled)
    assert check_plan(ruled, plan) == [] and check_plan(base, plan) == []
    return base, plan


def test_running_it_ahead_of_the_order_with_slack_is_the_first_fix_and_holds_from_scratch(
        slack_ahead_case: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = slack_ahead_case
    assert _tardiness(plan, "B") == 250
    kinds = [c.kind for c in candidates(base, plan, _late(plan, "B"))]
    assert kinds[0] == "SEQUENCE" and kinds.index("SEQUENCE") < kinds.index("PRIORITY")
    fixed = attach_fixes(base, plan, 4.0)
    first = _late(fixed, "B").fixes[0]
    assert first.kind == "SEQUENCE" and first.verified and first.extra_working_minutes == 0
    assert first.changes == [RunBefore(machine_id="M1", before_order_id="B", before_operation_id="op",
                                       after_order_id="A", after_operation_id="op")]
    assert first.order_lateness_after == 0 and first.whole_plan_verified
    assert "ahead of A on M1" in first.text and "on time" in first.text
    rescheduled = _from_scratch(base, first)
    assert _tardiness(rescheduled, "B") == 0 and _tardiness(rescheduled, "A") == 0


def test_the_sequence_fix_reaches_compare_scenarios_as_a_rule_of_the_request(
        slack_ahead_case: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = slack_ahead_case
    first = _late(attach_fixes(base, plan, 4.0), "B").fixes[0]
    changed = apply_deltas(base, first.changes)
    assert [(r.before_order_id, r.after_order_id) for r in changed.sequence_rules] == [("B", "A")]


def test_a_verified_overtime_fix_is_cut_to_the_hours_the_re_solved_plan_used(
        overtime_case: tuple[PlanRequest, PlanResult]) -> None:
    """B needs 300 min from minute 400, 220 of them after the shift: the 8 h candidate becomes 4 h."""
    base, plan = overtime_case
    late = _late(plan, "B")
    overtime = next(c for c in candidates(base, plan, late) if c.kind == "OVERTIME")
    assert overtime.extra_working_minutes == 480
    hint = {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in plan.assignments}
    measured = measure(base, plan, "B", overtime, hint, 2.0)
    assert measured is not None
    settled = settle(base, "B", overtime, measured)
    assert settled is not None and settled.extra_working_minutes == 240
    assert check_schedule(apply_deltas(base, settled.changes), list(measured.assignments)) == []
    first = late.fixes[0]
    assert first.kind == "OVERTIME" and first.extra_working_minutes == 240 and first.whole_plan_verified


def test_overtime_the_re_solved_plan_did_not_use_is_not_a_fix(overtime_case: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = overtime_case
    unused = next(c for c in candidates(base, plan, _late(plan, "B")) if c.kind == "OVERTIME")
    nobody = [a.model_copy(update={"machine_id": "elsewhere"}) for a in plan.assignments]
    assert settle(base, "B", unused, Measured(0, 0.0, 0.0, tuple(nobody))) is None


def test_a_fix_that_leaves_the_order_late_is_topped_up_with_overtime_and_says_so(
        overtime_case: tuple[PlanRequest, PlanResult]) -> None:
    """B still waits on M1 (from its release to the next day) after a change that did not move it: the top-up
    adds the working time M1 spent on others meanwhile (the whole 8 h shift) right after the shift, and keeps
    the change."""
    base, plan = overtime_case
    release = Candidate("EARLIER_RELEASE", [ChangeRelease(order_id="B", release=0)])
    still_late = Measured(order_lateness=_tardiness(plan, "B"), weighted_lateness=0.0, pushed=0.0,
                          assignments=tuple(plan.assignments))
    topped = _topped_up(base, plan, "B", release, still_late)
    assert topped is not None and topped.kind == "EARLIER_RELEASE" and topped.changes[0] == release.changes[0]
    overtime = [d for d in topped.changes if isinstance(d, ExtraWorkingTime)]
    assert [(d.machine_id, d.window.start, d.window.end) for d in overtime] == [("M1", 480, 960)]
    assert topped.extra_working_minutes == 480
    fix = Fix(kind=topped.kind, text="", changes=topped.changes, extra_working_minutes=480,
              order_lateness_before=1020, order_lateness_after=0, weighted_lateness_before=1020,
              weighted_lateness_after=0, verified=True)
    text = describe_fix(base, _late(plan, "B"), fix)
    assert text.startswith("Release B") and "Add 8 h of overtime on M1" in text and "on time" in text


def _split_plant() -> PlanRequest:
    """A (300 min) runs only on M1 and C (300 min) only on M2, both due far away; B (200 units, 1 min each) runs
    on either and is due at 180: whole, it is 20 min late at best; split 100 + 100 ahead of A and C, on time."""
    return _with_verification(request(
        ["M1", "M2"], [product("P1", ("op", ["M1"], 1.0)), product("P2", ("op", ["M2"], 1.0)),
                       product("PB", ("op", ["M1", "M2"], 1.0))],
        [order("A", "P1", quantity=300, due=2000), order("C", "P2", quantity=300, due=2000),
         order("B", "PB", quantity=200, due=180)], horizon=2 * DAY, workers=1))


def test_splitting_the_lot_across_both_machines_is_the_first_fix_and_holds_from_scratch() -> None:
    base = _split_plant()
    behind = [RunBefore(machine_id=m, before_order_id=o, before_operation_id="op", after_order_id="B",
                        after_operation_id="op") for m, o in (("M1", "A"), ("M2", "C"))]
    plan = create_plan(apply_deltas(_no_verification(base), behind))  # B waits behind A or C, as in a short solve
    assert check_plan(base, plan) == [] and _tardiness(plan, "B") == 320
    assert "SPLIT_LOT" in [c.kind for c in candidates(base, plan, _late(plan, "B"))]
    first = _late(attach_fixes(base, plan, 4.0), "B").fixes[0]
    assert first.kind == "SPLIT_LOT" and first.verified and first.order_lateness_after == 0
    assert first.extra_working_minutes == 0 and "sub-lots of at least 50 units across M1, M2" in first.text
    rescheduled = _from_scratch(base, first)
    assert _tardiness(rescheduled, "B") == 0 and rescheduled.kpis is not None and rescheduled.kpis.sublots == 2


def test_no_split_is_proposed_for_an_operation_the_lot_splitting_rule_does_not_model() -> None:
    base = _split_plant()
    routing = [op.model_copy(update={"materials": [MaterialUse(material_id="AL", quantity_per_unit=1.0)]})
               for op in base.factory.product("PB").routing]
    products = [p if p.id != "PB" else p.model_copy(update={"routing": routing}) for p in base.factory.products]
    with_material = base.model_copy(update={"factory": base.factory.model_copy(update={
        "products": products, "materials": [Material(id="AL", on_hand=1000.0)]})})
    behind = [RunBefore(machine_id=m, before_order_id=o, before_operation_id="op", after_order_id="B",
                        after_operation_id="op") for m, o in (("M1", "A"), ("M2", "C"))]
    plan = create_plan(apply_deltas(_no_verification(with_material), behind))
    assert "SPLIT_LOT" not in [c.kind for c in candidates(with_material, plan, _late(plan, "B"))]
