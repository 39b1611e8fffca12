"""Time lags between consecutive operations: the rule binds only when it must, the checker catches plans
that break it (also random ones), the dispatching start and short time limits respect it, late orders
name it, and bad lags are reported."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import back_to_back

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import Machine, Objective, Operation, PlanRequest, Product, TimeWindow
from planner.plan import create_plan
from planner.replanning.replan import MachineBreakdown, replan
from planner.scheduling.dispatching import MAKESPAN_RULES, TARDINESS_RULES, dispatch
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations


def _lagged(op: Operation, minimum: int = 0, maximum: int | None = None) -> Operation:
    return op.model_copy(update={"min_lag_minutes": minimum, "max_lag_minutes": maximum})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _gap(plan: PlanResult, order_id: str, index: int) -> int:
    placed = {(a.order_id, a.operation_index): a for a in plan.assignments}
    return placed[(order_id, index)].start - placed[(order_id, index - 1)].end


# --- minimum lag: cooling before machining --------------------------------------------------------

def _cooling(minimum: int, with_other_work: bool) -> PlanRequest:
    """Cast 60 min on DC, machine 60 min on CNC; optionally 100 min of other work on CNC from plan start."""
    cast_then_machine = Product(id="P", routing=[operation("cast", ["DC"]), _lagged(operation("machine", ["CNC"]),
                                                                                     minimum)])
    products = [cast_then_machine, Product(id="Q", routing=[operation("mill", ["CNC"])])]
    orders = [order("A", "P", 60)] + ([order("B", "Q", 100)] if with_other_work else [])
    return request(["DC", "CNC"], products, orders, objective=Objective.MAKESPAN, time_limit=5.0)


def test_minimum_lag_binds_when_the_next_machine_is_free() -> None:
    without, lagged = _solve(_cooling(0, False)), _solve(_cooling(120, False))
    assert without.stats.objective == 120
    assert lagged.stats.objective == 240 and _gap(lagged, "A", 1) >= 120


def test_minimum_lag_changes_nothing_when_the_next_machine_is_busy_anyway() -> None:
    without, lagged = _solve(_cooling(0, True)), _solve(_cooling(30, True))
    assert without.stats.objective == lagged.stats.objective == 160
    assert _gap(lagged, "A", 1) >= 30


# --- maximum lag: heat treatment soon after casting ------------------------------------------------

def _quench(maximum: int) -> PlanRequest:
    """Cast 60 min on DC, which is down from 60 to 300; heat 60 min on HT, where other work takes 100 min."""
    cast_then_heat = Product(id="P", routing=[operation("cast", ["DC"]), _lagged(operation("heat", ["HT"]),
                                                                                  0, maximum)])
    products = [cast_then_heat, Product(id="Q", routing=[operation("age", ["HT"])])]
    down = Machine(id="DC", maintenance_windows=[TimeWindow(start=60, end=300, reason="die change")])
    return request([down, "HT"], products, [order("A", "P", 60), order("B", "Q", 100)],
                   objective=Objective.MAKESPAN, time_limit=5.0)


def test_maximum_lag_binds_when_the_heat_treatment_would_wait_too_long() -> None:
    plan = _solve(_quench(30))
    assert plan.stats.objective == 220 and _gap(plan, "A", 1) <= 30


def test_maximum_lag_changes_nothing_when_the_wait_is_short_enough() -> None:
    plan = _solve(_quench(60))
    assert plan.stats.objective == 160 and _gap(plan, "A", 1) <= 60


# --- checker -------------------------------------------------------------------------------------

def test_checker_catches_a_plan_that_breaks_either_lag() -> None:
    req = _quench(60)
    plan = _solve(req)
    early = _solve(_cooling(120, False))
    heat = next(a for a in plan.assignments if (a.order_id, a.operation_index) == ("A", 1))
    late_heat = [a.model_copy(update={"start": 400, "end": 460}) if a is heat else a for a in plan.assignments]
    assert any("maximum time lag" in p for p in check_schedule(req, late_heat))
    machine = next(a for a in early.assignments if a.operation_index == 1)
    too_soon = [a.model_copy(update={"start": 90, "end": 150}) if a is machine else a for a in early.assignments]
    assert any("minimum time lag" in p for p in check_schedule(_cooling(120, False), too_soon))


@st.composite
def _lagged_plans(draw: st.DrawFn) -> tuple[PlanRequest, list[ScheduledOperation], int | None]:
    """One order through 2-4 operations, each on its own machine, with random lags and random gaps; the
    gap before one operation (its index is returned) breaks its lag, or none does (None)."""
    steps = draw(st.integers(2, 4))
    routing, gaps = [operation("op0", ["M0"])], [0]
    for index in range(1, steps):
        minimum = draw(st.integers(0, 200))
        maximum = draw(st.none() | st.integers(minimum, minimum + 200))
        routing.append(_lagged(operation(f"op{index}", [f"M{index}"]), minimum, maximum))
        gaps.append(draw(st.integers(minimum, minimum + 200 if maximum is None else maximum)))
    broken = draw(st.none() | st.sampled_from([i for i in range(1, steps)
                                               if routing[i].min_lag_minutes or routing[i].max_lag_minutes is not None]
                                              or [None]))
    if broken is not None:
        op = routing[broken]
        choices = ([st.integers(0, op.min_lag_minutes - 1)] if op.min_lag_minutes else []) + (
            [st.integers(op.max_lag_minutes + 1, op.max_lag_minutes + 500)] if op.max_lag_minutes is not None else [])
        gaps[broken] = draw(st.one_of(choices))
    quantity = draw(st.integers(1, 50))
    req = request([f"M{i}" for i in range(steps)], [Product(id="P", routing=routing)], [order("A", "P", quantity)],
                  horizon=100_000)
    placed = back_to_back("A", "P", quantity, [(i, f"M{i}", gap, quantity) for i, gap in enumerate(gaps)])
    return req, placed, broken


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_lagged_plans())
def test_checker_finds_every_broken_lag_and_only_those(case: tuple[PlanRequest, list[ScheduledOperation],
                                                                   int | None]) -> None:
    req, placed, broken = case
    problems = check_schedule(req, placed)
    if broken is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(f"A/{broken} ") and "time lag" in problems[0]


# --- dispatching start and short time limits -----------------------------------------------------

def _crowded_heat_treatment() -> PlanRequest:
    """Six orders through cast (2 die-casting cells) -> cool >= 45 min -> heat within 20 min (one furnace)
    -> machine, with due times that make the furnace the bottleneck."""
    routing = [operation("cast", ["DC-1", "DC-2"], 1.0), _lagged(operation("heat", ["HT"], 0.5), 45, 65),
               _lagged(operation("machine", ["CNC-1", "CNC-2"], 1.5), 0, None)]
    orders = [order(f"O{i}", "P", 30 + 7 * i, due=150 + 40 * i, weight=1 + i % 3) for i in range(6)]
    return request(["DC-1", "DC-2", "HT", "CNC-1", "CNC-2"], [Product(id="P", routing=routing)], orders,
                   time_limit=2.0)


def test_every_dispatching_rule_keeps_the_lags() -> None:
    req = _crowded_heat_treatment()
    jobs = build_jobs(req)
    available = availability_by_machine(req)
    for rule in (*TARDINESS_RULES, *MAKESPAN_RULES):
        hint = dispatch(jobs, available, rule)
        assert hint is not None
        placed = hint_assignments(jobs, hint)
        assert placed is not None and check_schedule(req, placed) == [], rule.__name__


def test_a_very_short_time_limit_still_gives_a_plan_that_keeps_the_lags() -> None:
    # 60 orders: in 0.05 s CP-SAT usually finds nothing, so the dispatching start comes back (if the
    # checker accepts it); either way the plan must keep the lags.
    routing = [operation("cast", ["DC-1", "DC-2"], 1.0), _lagged(operation("heat", ["HT-1", "HT-2"], 0.5), 45, 65),
               operation("machine", ["CNC-1", "CNC-2", "CNC-3"], 1.5)]
    orders = [order(f"O{i}", "P", 30 + 7 * (i % 9), due=150 + 40 * i, weight=1 + i % 3) for i in range(60)]
    req = request(["DC-1", "DC-2", "HT-1", "HT-2", "CNC-1", "CNC-2", "CNC-3"], [Product(id="P", routing=routing)],
                  orders, horizon=20_000, time_limit=0.05)
    for objective in Objective:
        short = req.model_copy(update={"options": req.options.model_copy(update={"objective": objective})})
        plan = create_plan(short)
        assert plan.status.has_solution and check_plan(short, plan) == []


# --- explanations --------------------------------------------------------------------------------

def test_an_order_late_because_of_its_cooling_lag_says_so_in_english_and_korean() -> None:
    base = _cooling(120, False)
    tardiness = base.options.model_copy(update={"objective": Objective.WEIGHTED_TARDINESS})
    late = base.model_copy(update={"orders": [order("A", "P", 60, due=180)], "options": tardiness})
    for locale, words in (("en", "at least 2 h after cast"), ("ko", "cast 후 최소 2시간 뒤 machine")):
        req = late.model_copy(update={"options": late.options.model_copy(update={"locale": locale})})
        plan = _solve(req)
        (explanation,) = plan.late_orders
        assert explanation.reason_code == "TIME_LAG" and words in explanation.reason
        assert explanation.fix and explanation.fix_saves_minutes == 60


# --- validation ----------------------------------------------------------------------------------

def test_bad_lags_are_each_reported() -> None:
    routing = [_lagged(operation("cast", ["DC"]), 10), _lagged(operation("machine", ["CNC"]), -5, -1),
               _lagged(operation("heat", ["HT"]), 120, 60)]
    req = request(["DC", "CNC", "HT"], [Product(id="P", routing=routing)], [order("A", "P", 5)])
    fields = {v.field: v.reason for v in find_violations(req)}
    path = "factory.products[0].routing"
    assert fields == {
        f"{path}[0]": "the first operation of a routing has no previous operation to lag behind",
        f"{path}[1].min_lag_minutes": "must not be negative",
        f"{path}[1].max_lag_minutes": "must not be negative",
        f"{path}[2].max_lag_minutes": "is below the minimum lag (60 < 120 min)",
    }


def test_lags_that_push_an_order_past_the_horizon_are_an_infeasibility_reason() -> None:
    base = _cooling(600, False)
    short = base.options.model_copy(update={"horizon_minutes": 500})
    plan = create_plan(base.model_copy(update={"options": short, "orders": [order("A", "P", 60, due=400)]}))
    assert plan.status == SolveStatus.INFEASIBLE
    assert any("10.0 h of minimum time lags" in reason for reason in plan.infeasibility_reasons)


def test_a_replan_after_a_breakdown_keeps_the_lags() -> None:
    req = _crowded_heat_treatment()
    released = create_plan(req)
    assert released.status.has_solution and check_plan(req, released) == []
    result = replan(req, released, [MachineBreakdown(machine_id="CNC-1", start=100, repair_end=400)], replan_at=100)
    assert result.plan.status.has_solution, result.summary
    assert check_plan(result.request, result.plan, result.overdue_maintenance) == []


def test_an_order_held_back_by_a_maximum_lag_names_the_machine_it_waited_for() -> None:
    cast_then_heat = Product(id="P", routing=[operation("cast", ["DC"]), _lagged(operation("heat", ["HT"]), 0, 0)])
    products = [cast_then_heat, Product(id="Q", routing=[operation("age", ["HT"])])]
    orders = [order("A", "P", 60, due=150), order("B", "Q", 100, due=100, weight=10)]
    for locale, words in (("en", "heat must start within 0 h after it, and HT ran B first"),
                          ("ko", "heat은(는) 그 뒤 0시간 안에 시작해야 하는데 HT에서 B 주문이 먼저")):
        req = request(["DC", "HT"], products, orders, time_limit=5.0)
        req = req.model_copy(update={"options": req.options.model_copy(update={"locale": locale})})
        plan = _solve(req)
        (explanation,) = plan.late_orders
        assert explanation.reason_code == "TIME_LAG" and words in explanation.reason, explanation.reason
        assert explanation.machine_id == "HT" and explanation.orders_ahead == ["B"] and explanation.fix
