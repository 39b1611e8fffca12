"""Operations that pause over non-working time: the rule binds only when it must (an operation longer than any
shift), the checker catches plans that break it (also random ones), the pre-check no longer reports "without a
break" where pausing is allowed, utilisation counts work and not pauses, and the +25 % demo plant becomes
feasible with machining allowed to pause."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import Machine, PlanRequest, Product, Resource, ResourceNeed, Shift, ShiftCalendar
from planner.plan import create_plan
from planner.replanning.replan import kept_operations, replan
from planner.scheduling.feasibility import infeasibility_reasons
from planner.scheduling.rules.pausing import (
    PauseVars,
    clock_end,
    has_pausing,
    hint_pause,
    pausing_interval,
    working_minutes,
)
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations

DAY = 1440
# 06:00-14:00 on every day: 8 h of work, then 16 h off.
EARLY = ShiftCalendar(id="early", shifts=[Shift(name="early", start_minute=360, length_minutes=480)],
                      working_days=list(range(7)))


def _request(work_minutes: int, *, machine_pauses: bool = False, op_pauses: bool | None = None,
             setup: int = 0, orders: int = 1, horizon: int = 4 * DAY) -> PlanRequest:
    """One machine on the early shift; each order is one operation of `work_minutes` (1 unit)."""
    op = operation("OP20-machine", ["CNC-1"], run=float(work_minutes - setup), setup=setup)
    op = op.model_copy(update={"may_pause": op_pauses})
    req = request([Machine(id="CNC-1", calendar_id="early", operations_may_pause=machine_pauses)],
                  [Product(id="P", routing=[op])], [order(f"O{i}", "P", due=horizon) for i in range(orders)],
                  horizon=horizon, calendars=[EARLY], time_limit=5.0)
    return req.model_copy(update={"options": req.options.model_copy(
        update={"plan_start": datetime(2026, 1, 5, tzinfo=UTC)})})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status.has_solution, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def test_clock_end_walks_over_the_gaps() -> None:
    stretches = [(360, 840), (1800, 2280)]
    assert clock_end(400, 100, 0, stretches) == 500
    assert clock_end(400, 600, 0, stretches) == 1800 + 160  # 440 min today, 160 tomorrow
    assert clock_end(800, 10, 60, stretches) is None  # the setup does not fit before 14:00
    assert clock_end(100, 10, 0, stretches) is None  # starts off shift
    assert clock_end(400, 2000, 0, stretches) is None  # not done before the horizon
    assert working_minutes(400, 1960, stretches) == 600


def test_operation_longer_than_a_shift_is_infeasible_without_pausing() -> None:
    req = _request(12 * 60)
    plan = create_plan(req)
    assert plan.status == SolveStatus.INFEASIBLE
    assert any("without a break" in reason for reason in plan.infeasibility_reasons)


@pytest.mark.parametrize("flags", [{"machine_pauses": True}, {"op_pauses": True}])
def test_binding_pausing_spans_the_night(flags: dict[str, bool]) -> None:
    """Binding: 12 h of work on an 8 h shift: 8 h on day one, 4 h the next morning; the interval spans the night."""
    req = _request(12 * 60, **flags)
    assert has_pausing(req)
    assert infeasibility_reasons(req, build_jobs(req), availability_by_machine(req)) == []
    plan = _solve(req)
    (placed,) = plan.assignments
    assert placed.start == 360
    assert placed.end == DAY + 360 + 4 * 60
    assert plan.kpis is not None
    utilisation = {u.machine_id: u for u in plan.kpis.machine_utilization}["CNC-1"]
    assert utilisation.busy_minutes == 12 * 60  # the night is a pause, not work


def test_operation_flag_overrides_the_machine_default() -> None:
    """A casting shot (`may_pause=False`) never pauses, even on a machine whose operations may."""
    req = _request(12 * 60, machine_pauses=True, op_pauses=False)
    assert not has_pausing(req)
    assert create_plan(req).status == SolveStatus.INFEASIBLE


def test_non_binding_short_work_does_not_pause() -> None:
    """Non-binding: work that fits in a shift runs in one stretch, just as without the rule."""
    req = _request(3 * 60, machine_pauses=True, orders=2)
    plan = _solve(req)
    for placed in plan.assignments:
        assert placed.end - placed.start == 3 * 60
    assert max(a.end for a in plan.assignments) == 360 + 6 * 60


def test_nothing_else_runs_during_a_pause() -> None:
    """Two 12 h lots on one machine: the second waits until the first is done (no lot slips into the night)."""
    req = _request(12 * 60, machine_pauses=True, orders=2, horizon=5 * DAY)
    plan = _solve(req)
    first, second = sorted(plan.assignments, key=lambda a: a.start)
    assert second.start >= first.end
    assert working_minutes(second.start, second.end, availability_by_machine(req)["CNC-1"]) == 12 * 60


def test_setup_does_not_pause() -> None:
    """The 2 h setup is done in the stretch the operation starts in: it cannot start in the shift's last hour."""
    req = _request(12 * 60, machine_pauses=True, setup=120, orders=2, horizon=6 * DAY)
    plan = _solve(req)
    stretches = availability_by_machine(req)["CNC-1"]
    for placed in plan.assignments:
        stretch_end = next(e for s, e in stretches if s <= placed.start < e)
        assert placed.start + 120 <= stretch_end


def test_checker_catches_a_plan_that_works_in_the_night() -> None:
    req = _request(12 * 60, machine_pauses=True)
    broken = ScheduledOperation(order_id="O0", product_id="P", operation_id="OP20-machine", operation_index=0,
                                machine_id="CNC-1", start=360, end=360 + 12 * 60, quantity=1)
    problems = check_schedule(req, [broken])
    assert any("works 480 min in working time" in p for p in problems), problems


def test_checker_catches_a_lot_inside_another_lots_pause() -> None:
    req = _request(12 * 60, machine_pauses=True, orders=2, horizon=6 * DAY)
    a = ScheduledOperation(order_id="O0", product_id="P", operation_id="OP20-machine", operation_index=0,
                           machine_id="CNC-1", start=360, end=DAY + 600, quantity=1)
    b = a.model_copy(update={"order_id": "O1", "start": DAY + 360, "end": 2 * DAY + 600})
    problems = check_schedule(req, [a, b])
    assert any("overlap" in p for p in problems), problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.integers(0, 3 * DAY), length=st.integers(1, 2 * DAY))
def test_checker_accepts_exactly_the_pausing_plans(start: int, length: int) -> None:
    """Property: a random placement passes the checker's pausing rule iff its work in working time is the work
    and it starts in working time (compared with an independent minute-by-minute count)."""
    req = _request(12 * 60, machine_pauses=True, horizon=5 * DAY)
    placed = ScheduledOperation(order_id="O0", product_id="P", operation_id="OP20-machine", operation_index=0,
                                machine_id="CNC-1", start=start, end=start + length, quantity=1)
    working = {m for s, e in availability_by_machine(req)["CNC-1"] for m in range(s, e)}
    worked = sum(1 for m in range(start, start + length) if m in working)
    valid = start in working and worked == 12 * 60 and (start + length - 1) in working
    assert (check_schedule(req, [placed]) == []) == valid


def test_the_demo_plant_with_25_percent_more_becomes_feasible_with_pausing() -> None:
    """The issue's case: raised quantities need OP20-machine longer than a shift; machining may pause."""
    from planner.demo_factory import demo_request

    base = demo_request(time_limit_seconds=10.0, num_workers=2)
    raised = base.model_copy(update={"orders": [o.model_copy(update={"quantity": round(o.quantity * 1.25)})
                                                for o in base.orders]})
    blocked = infeasibility_reasons(raised, build_jobs(raised), availability_by_machine(raised))
    assert any("without a break" in reason for reason in blocked)
    machines = [m.model_copy(update={"operations_may_pause": m.work_center == "machining"})
                for m in raised.factory.machines]
    pausing = raised.model_copy(update={"factory": raised.factory.model_copy(update={"machines": machines})})
    assert not any("without a break" in r for r in
                   infeasibility_reasons(pausing, build_jobs(pausing), availability_by_machine(pausing)))
    plan = create_plan(pausing)
    assert plan.status.has_solution, plan.infeasibility_reasons
    assert check_plan(pausing, plan) == []


def test_validation_accepts_the_flags() -> None:
    assert find_violations(_request(60, machine_pauses=True, op_pauses=False)) == []


def test_validation_rejects_pausing_that_cannot_hold() -> None:
    """Transfer batches next to work that may pause, and a resource held for the whole run, are field violations."""
    req = _request(60, machine_pauses=True)
    two_steps = Product(id="P", routing=[
        operation("OP10", ["CNC-1"]),
        operation("OP20", ["CNC-1"]).model_copy(update={"transfer_batch_units": 1}),
        operation("OP30", ["CNC-1"]).model_copy(update={
            "may_pause": True, "resources": [ResourceNeed(resource_id="setter")]}),
    ])
    factory = req.factory.model_copy(update={"products": [two_steps], "resources": [Resource(id="setter")]})
    found = {v.field: v.reason for v in find_violations(req.model_copy(update={"factory": factory}))}
    assert "may pause" in found["factory.products[0].routing[1].transfer_batch_units"]
    assert "whole run cannot pause" in found["factory.products[0].routing[2].may_pause"]


def test_a_re_plan_keeps_a_pausing_lot_in_the_frozen_window() -> None:
    """The frozen window keeps a lot that spans the night (its start holds, though it is not in one stretch)."""
    req = _request(12 * 60, machine_pauses=True, orders=2, horizon=5 * DAY)
    released = _solve(req)
    first = min(released.assignments, key=lambda a: a.start)
    frozen, reasons = kept_operations(req, released, [], replan_at=0, frozen_minutes=first.start + 1)
    assert (first.order_id, 0) in frozen and not reasons
    result = replan(req, released, [], replan_at=0, frozen_minutes=first.start + 1)
    assert result.plan.status.has_solution, result.summary
    assert check_plan(result.request, result.plan, result.overdue_maintenance) == []
    kept = next(a for a in result.plan.assignments if a.order_id == first.order_id)
    assert (kept.machine_id, kept.start, kept.end) == (first.machine_id, first.start, first.end)
    assert kept.end - kept.start > 12 * 60


def test_the_lns_and_the_local_search_stay_off_when_work_may_pause() -> None:
    from planner.scheduling.lns import decomposable

    assert decomposable(_request(60, machine_pauses=False))
    assert not decomposable(_request(60, machine_pauses=True))


@settings(max_examples=60, deadline=None)
@given(gaps=st.lists(st.tuples(st.integers(0, 30), st.integers(1, 40)), min_size=1, max_size=6),
       work=st.integers(1, 120), setup=st.integers(0, 10), offset=st.integers(0, 200))
def test_a_pausing_placement_hints_every_variable_of_its_interval(
        gaps: list[tuple[int, int]], work: int, setup: int, offset: int) -> None:
    """The start schedule's hint covers the interval's auxiliary variables too, and it is a solution: CP-SAT
    with every variable fixed to its hint finds it feasible (else it would have to repair the hint first)."""
    stretches, minute = [], 0
    for pause, length in gaps:
        stretches.append((minute + pause, minute + pause + length))
        minute += pause + length
    start = min(offset, minute - 1)
    end = clock_end(start, work, setup, stretches)
    if end is None:
        return
    model = cp_model.CpModel()
    horizon = minute + 1
    start_var = model.new_int_var(0, horizon, "start")
    end_var = model.new_int_var(0, horizon, "end")
    kept: list[PauseVars] = []
    pausing_interval(model, "op", start_var, end_var, True, work, setup, stretches, horizon, kept)
    model.add_hint(start_var, start)
    model.add_hint(end_var, end)
    hint_pause(model, kept[0], start, end)
    hinted = {index for index in model.proto.solution_hint.vars}
    assert hinted == set(range(len(model.proto.variables)))
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5
    assert solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert solver.value(end_var) == end
