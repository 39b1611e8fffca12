"""Work in progress at plan start: a running operation keeps its machine from plan start and binds only
where other work needs that machine; done operations are skipped; the checker catches plans that break
it (also random ones); dispatching, short time limits and re-plans respect it; late orders name it; bad
input is reported."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import back_to_back

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    Machine,
    Objective,
    Order,
    PlanRequest,
    Product,
    RunningOperation,
    Shift,
    ShiftCalendar,
    WorkInProgress,
)
from planner.plan import create_plan
from planner.replanning.replan import MachineBreakdown, replan
from planner.scheduling.dispatching import MAKESPAN_RULES, TARDINESS_RULES, dispatch
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations

CAST_MACHINE_INSPECT = Product(id="P", routing=[
    operation("cast", ["DC"]), operation("machine", ["CNC-1", "CNC-2"]),
    operation("inspect", ["QC"]).model_copy(update={"min_lag_minutes": 30})])


def _in_progress(base: Order, done: list[str], running: RunningOperation | None = None) -> Order:
    return base.model_copy(update={"work_in_progress": WorkInProgress(done_operation_ids=done, running=running)})


def _running(machine_id: str, remaining: int, operation_id: str = "machine") -> RunningOperation:
    return RunningOperation(operation_id=operation_id, machine_id=machine_id, started=-40,
                            remaining_minutes=remaining)


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _placed(plan: PlanResult) -> dict[tuple[str, int], ScheduledOperation]:
    return {(a.order_id, a.operation_index): a for a in plan.assignments}


def _one_cnc(remaining: int) -> PlanRequest:
    """A is half-way (cast done, machining on CNC-1 for `remaining` more minutes); B starts from scratch and
    can only machine on CNC-1 as well."""
    only_cnc1 = Product(id="R", routing=[operation("cast", ["DC"]), operation("machine", ["CNC-1"])])
    orders = [_in_progress(order("A", "P", 30, due=500), ["cast"], _running("CNC-1", remaining)),
              order("B", "R", 30, due=60)]
    return request(["DC", "CNC-1", "CNC-2", "QC"], [CAST_MACHINE_INSPECT, only_cnc1], orders, time_limit=5.0)


def test_a_running_operation_holds_its_machine_and_later_operations_follow_it() -> None:
    plan = _solve(_one_cnc(90))
    placed = _placed(plan)
    assert ("A", 0) not in placed  # done: not planned again
    running = placed[("A", 1)]
    assert (running.machine_id, running.start, running.end) == ("CNC-1", 0, 90)
    assert placed[("A", 2)].start >= 90 + 30  # inspection after the running operation and its lag
    assert placed[("B", 1)].start >= 90  # binding: B's machining waits for the running lot
    assert plan.kpis is not None and plan.kpis.late_orders == 1


def test_a_running_operation_that_ends_before_anyone_needs_its_machine_changes_nothing() -> None:
    plan = _solve(_one_cnc(20))
    alone = _solve(request(["DC", "CNC-1"], [Product(id="R", routing=[operation("cast", ["DC"]),
                                                                         operation("machine", ["CNC-1"])])],
                           [order("B", "R", 30, due=60)], time_limit=5.0))
    assert _placed(plan)[("B", 1)].start == _placed(alone)[("B", 1)].start == 30
    assert plan.kpis is not None and plan.kpis.late_orders == 0


def test_a_running_operation_works_on_outside_its_machines_shifts() -> None:
    # Plan start is midnight; CNC-1's shift starts at 06:00, but the MES says the lot is running now.
    day_shift = ShiftCalendar(id="day", shifts=[Shift(start_minute=360, length_minutes=480)])
    base = _one_cnc(90)
    machines = [Machine(id=m, calendar_id="day" if m == "CNC-1" else None) for m in ("DC", "CNC-1", "CNC-2", "QC")]
    req = base.model_copy(update={"factory": base.factory.model_copy(update={"machines": machines,
                                                                             "calendars": [day_shift]})})
    placed = _placed(_solve(req))
    assert (placed[("A", 1)].start, placed[("A", 1)].end) == (0, 90)
    assert placed[("B", 1)].start >= 360  # everything else waits for the shift


# --- checker -------------------------------------------------------------------------------------

def test_checker_catches_a_moved_running_operation_and_a_done_one_planned_again() -> None:
    req = _one_cnc(90)
    plan = _solve(req)
    moved = [a.model_copy(update={"start": a.start + 5, "end": a.end + 5})
             if (a.order_id, a.operation_index) == ("A", 1) else a for a in plan.assignments]
    assert any("work in progress" in p for p in check_schedule(req, moved))
    again = ScheduledOperation(order_id="A", product_id="P", operation_id="cast", operation_index=0, machine_id="DC",
                               start=5000, end=5030, quantity=30)
    assert any("reports it done" in p for p in check_schedule(req, [*plan.assignments, again]))


@st.composite
def _progress_plans(draw: st.DrawFn) -> tuple[PlanRequest, list[ScheduledOperation], int | None]:
    """One order through 2-4 operations (each may run on machine a or b of its step), some done, maybe one
    running; the plan runs the rest back to back. Broken (index returned): the running operation moves,
    changes machine or length, or a done operation is planned again."""
    steps = draw(st.integers(2, 4))
    routing = [operation(f"op{i}", [f"M{i}a", f"M{i}b"]) for i in range(steps)]
    done = draw(st.integers(0, steps - 1))
    running = _running(f"M{done}{draw(st.sampled_from('ab'))}", draw(st.integers(1, 300)), f"op{done}") if (
        draw(st.booleans())) else None
    quantity = draw(st.integers(1, 50))
    progress = _in_progress(order("A", "P", quantity, due=100_000), [f"op{i}" for i in range(done)], running)
    req = request([f"M{i}{s}" for i in range(steps) for s in "ab"], [Product(id="P", routing=routing)], [progress],
                  horizon=100_000)
    def runs(index: int) -> bool:
        return running is not None and index == done

    placed = back_to_back("A", "P", quantity, [
        (i, running.machine_id if running is not None and runs(i) else f"M{i}a", 0,
         running.remaining_minutes if running is not None and runs(i) else quantity) for i in range(done, steps)])
    cursor = placed[-1].end
    modes = (["shift", "machine", "length"] if running is not None else []) + (["done"] if done else [])
    mode = draw(st.none() | st.sampled_from(modes or [None]))
    if mode == "done":
        index = draw(st.integers(0, done - 1))
        placed.append(ScheduledOperation(order_id="A", product_id="P", operation_id=f"op{index}",
                                         operation_index=index, machine_id=f"M{index}a", start=cursor,
                                         end=cursor + quantity, quantity=quantity))
        return req, placed, index
    if mode is not None:
        assert running is not None
        first, shift = placed[0], draw(st.integers(1, 100))
        other = running.machine_id[:-1] + ("b" if running.machine_id.endswith("a") else "a")
        placed[0] = first.model_copy(update={
            "shift": {"start": first.start + shift, "end": first.end + shift},
            "machine": {"machine_id": other},
            "length": {"end": first.end + draw(st.sampled_from([-1, 1])) * min(shift, first.end - 1 or 1)},
        }[mode])
        return req, placed, done
    return req, placed, None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_progress_plans())
def test_checker_finds_every_broken_work_in_progress(case: tuple[PlanRequest, list[ScheduledOperation],
                                                                int | None]) -> None:
    req, placed, broken = case
    problems = check_schedule(req, placed)
    if broken is None:
        assert problems == []
    else:
        assert any(p.startswith(f"A/{broken}") for p in problems), problems


# --- dispatching, short time limits, re-planning -------------------------------------------------

def _busy_plant(orders: int = 8, time_limit: float = 2.0) -> PlanRequest:
    """Orders through cast -> machine -> inspect (30 min after machining); the first two half-way through."""
    placed = [order(f"O{i}", "P", 20 + 5 * i, due=120 + 30 * i) for i in range(orders)]
    placed[0] = _in_progress(placed[0], ["cast"], _running("CNC-2", 75))
    placed[1] = _in_progress(placed[1], ["cast", "machine"])
    return request(["DC", "CNC-1", "CNC-2", "QC"], [CAST_MACHINE_INSPECT], placed, horizon=20_000,
                   time_limit=time_limit)


def test_every_dispatching_rule_starts_from_the_work_in_progress() -> None:
    req = _busy_plant()
    jobs = build_jobs(req)
    for rule in (*TARDINESS_RULES, *MAKESPAN_RULES):
        hint = dispatch(jobs, availability_by_machine(req), rule)
        assert hint is not None and hint[("O0", 1)] == ("CNC-2", 0)
        placed = hint_assignments(jobs, hint)
        assert placed is not None and check_schedule(req, placed) == [], rule.__name__


def test_a_very_short_time_limit_still_gives_a_plan_that_keeps_the_work_in_progress() -> None:
    req = _busy_plant(orders=60, time_limit=0.05)
    for objective in Objective:
        short = req.model_copy(update={"options": req.options.model_copy(update={"objective": objective})})
        plan = create_plan(short)
        assert plan.status.has_solution and check_plan(short, plan) == []


def test_a_replan_keeps_the_work_in_progress_unless_a_breakdown_interrupts_it() -> None:
    req = _busy_plant(time_limit=3.0)
    released = _solve(req)
    elsewhere = replan(req, released, [MachineBreakdown(machine_id="CNC-1", start=60, repair_end=300)], replan_at=60)
    assert elsewhere.plan.status.has_solution, elsewhere.summary
    assert check_plan(elsewhere.request, elsewhere.plan, elsewhere.overdue_maintenance) == []
    assert (_placed(elsewhere.plan)[("O0", 1)].machine_id, _placed(elsewhere.plan)[("O0", 1)].start) == ("CNC-2", 0)
    hit = replan(req, released, [MachineBreakdown(machine_id="CNC-2", start=30, repair_end=600)], replan_at=30)
    assert hit.plan.status.has_solution, hit.summary
    assert check_plan(hit.request, hit.plan, hit.overdue_maintenance) == []
    redone = _placed(hit.plan)[("O0", 1)]
    assert redone.start >= 30 and redone.end - redone.start == 20  # redone in full: 20 units x 1 min
    assert ("O0", 0) not in _placed(hit.plan) and ("O1", 1) not in _placed(hit.plan)


# --- explanations --------------------------------------------------------------------------------

def test_an_order_late_because_of_its_running_operation_says_so_in_english_and_korean() -> None:
    expected = (("en", "machine runs on CNC-1 until Mon 05 Jan 01:30"), ("ko", "CNC-1에서 01월 05일 01:30까지"))
    for locale, words in expected:
        base = _one_cnc(90)
        late = base.model_copy(update={
            "orders": [_in_progress(order("A", "P", 30, due=100), ["cast"], _running("CNC-1", 90))],
            "options": base.options.model_copy(update={"locale": locale})})
        (explanation,) = _solve(late).late_orders
        assert explanation.reason_code == "WORK_IN_PROGRESS" and words in explanation.reason
        assert explanation.machine_id == "CNC-1" and explanation.fix


# --- validation ----------------------------------------------------------------------------------

def _violations(*orders: Order, horizon: int = 10_000) -> dict[str, str]:
    req = request(["DC", "CNC-1", "CNC-2", "QC"], [CAST_MACHINE_INSPECT], list(orders), horizon=horizon)
    return {v.field: v.reason for v in find_violations(req)}


def test_bad_work_in_progress_is_reported_field_by_field() -> None:
    fields = _violations(
        _in_progress(order("A", "P", 5), ["machine"]),
        _in_progress(order("B", "P", 5), ["cast"], _running("CNC-9", 0)),
        _in_progress(order("C", "P", 5), [], _running("QC", 10)),
        _in_progress(order("D", "P", 5, release=30), ["cast"], _running("CNC-1", 10, "inspect")),
        _in_progress(order("E", "P", 5), ["cast", "machine", "inspect"]),
        _in_progress(order("F", "P", 5), ["cast"], _running("CNC-2", 10).model_copy(update={"started": 15})),
        _in_progress(order("G", "P", 5), ["cast"], _running("CNC-1", 10)),
    )
    path = "orders[{}].work_in_progress"
    assert fields == {
        f"{path.format(0)}.done_operation_ids":
            "must be the first operations of the routing, in order (cast); got machine",
        f"{path.format(1)}.running.machine_id": "unknown machine 'CNC-9'",
        f"{path.format(1)}.running.remaining_minutes": "must be more than 0",
        f"{path.format(2)}.running.operation_id": "must be the first operation that is not done",
        f"{path.format(2)}.running.machine_id": "machine 'QC' is not eligible for operation 'machine'",
        f"{path.format(3)}.running.operation_id": "must be the first operation that is not done",
        f"{path.format(3)}.running.machine_id": "machine 'CNC-1' is not eligible for operation 'inspect'",
        "orders[3].release": "an order with a running operation cannot be released after plan start",
        f"{path.format(4)}.done_operation_ids": "every operation is done: a finished order needs no plan",
        f"{path.format(5)}.running.started": "a running operation started at or before plan start",
        f"{path.format(6)}.running.machine_id": "machine 'CNC-1' already runs order 'D'",
    }


def test_a_running_operation_past_the_horizon_and_an_unknown_operation_are_reported() -> None:
    fields = _violations(_in_progress(order("A", "P", 5, due=100), ["cast"], _running("CNC-1", 500)),
                         _in_progress(order("B", "P", 5, due=100), [], _running("DC", 5, "weld")), horizon=200)
    assert fields == {
        "orders[0].work_in_progress.running.remaining_minutes": "ends after the planning horizon",
        "orders[1].work_in_progress.running.operation_id": "unknown operation 'weld' in the routing",
    }
