"""Large-neighbourhood search under the plant rules (`planner.scheduling.lns_plant`): time-window sub-models of the
full model keep furnace loads, setters, inspectors, dies and their changes, ingot and bearings, lags, pausing, the
subassembly and work in progress; every accepted step is a plan the checker accepts; the time limit is kept."""

from __future__ import annotations

import time

import pytest

from planner.calendar import Interval, availability_by_machine
from planner.checker import check_schedule
from planner.demo_plant_scaled import copies_for, scaled_plant_orders, scaled_plant_request
from planner.domain import FamilyChangeover, Objective, PlanRequest
from planner.kpis import compute_kpis
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.scheduling import lns, lns_plant
from planner.scheduling.dispatching import Pass, PlantDispatcher, best_dispatch, best_pass
from planner.scheduling.model import with_pauses
from planner.scheduling.redispatch import redispatch
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import Job, build_jobs
from planner.solution import ScheduledOperation

COST_RTOL = 1e-9
"""Costs summed in another order (per order in the search, per operation in the KPIs) agree to float64 rounding."""
DEADLINE_TOLERANCE = 1.0
"""Seconds a reply may come after its limit on this shared 2-core machine (issue 21: the limit plus 1 s)."""


def _start(request: PlanRequest) -> tuple[list[Job], dict[str, list[Interval]], lns_plant.Placed]:
    available = planning_availability(request, availability_by_machine(request))
    jobs = build_jobs(request)
    hint = best_dispatch(request, jobs, available)
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None
    return jobs, available, {(a.order_id, a.operation_index): a for a in with_pauses(jobs, placed, available)}


def _checked_cost(request: PlanRequest, placed: list[ScheduledOperation]) -> float:
    assert check_schedule(request, placed) == []
    return compute_kpis(request, placed).costs.total


def test_the_scaled_plant_has_every_plant_rule_in_each_copy() -> None:
    request = scaled_plant_request(240)
    factory = request.factory
    assert copies_for(240) == 3 and len(request.orders) == 240
    assert {m.id for m in factory.machines if m.recipes} == {f"HT-{k}-P{c}" for k in (1, 2) for c in (1, 2, 3)}
    assert {m.id for m in factory.materials} == {f"{m}-P{c}" for m in ("AL-SF36", "BRG-6207") for c in (1, 2, 3)}
    assert all(need.resource_id.endswith(product.id[product.id.rindex("-P"):]) for product in factory.products
               for op in product.routing for need in op.resources)
    assert sum(1 for o in request.orders if o.work_in_progress is not None) == 3 * 5  # the stories' WIP per copy
    stretched = scaled_plant_request(2000)
    assert stretched.options.horizon_minutes > request.options.horizon_minutes  # beyond 9 copies time stretches
    assert len(scaled_plant_orders(2000)) == 2000


def test_plant_rule_lns_improves_the_start_and_every_accepted_step_passes_the_checker() -> None:
    request = scaled_plant_request(240, time_limit_seconds=8.0)
    jobs, available, start = _start(request)
    assert lns_plant.applies(request, jobs) and not lns.applies(request, jobs)
    steps: list[lns_plant.Placed] = []
    result = lns_plant.improve(request, jobs, available, start, 8.0, on_accepted=steps.append)
    start_cost = _checked_cost(request, list(start.values()))
    assert result.start_cost == pytest.approx(start_cost, rel=COST_RTOL)
    assert result.improvements >= 1 and len(steps) == result.improvements
    costs = [_checked_cost(request, list(step.values())) for step in steps]
    assert costs == sorted(costs, reverse=True) and costs[0] < start_cost  # each step lowers the cost
    assert result.cost == pytest.approx(costs[-1], rel=COST_RTOL)
    assert _checked_cost(request, list(result.placed.values())) == pytest.approx(result.cost, rel=COST_RTOL)


def test_create_plan_with_plant_rules_uses_the_plant_lns_and_keeps_a_short_deadline() -> None:
    request = scaled_plant_request(240, time_limit_seconds=3.0)
    reports: list[tuple[float, float, float]] = []
    began = time.perf_counter()
    plan = create_plan(request, on_solution=lambda *report: reports.append(report))
    wall = time.perf_counter() - began
    assert wall <= request.options.time_limit_seconds + DEADLINE_TOLERANCE
    assert plan.status.has_solution and plan.stats.solver == "cp-sat plant lns"
    assert check_schedule(request, plan.assignments) == []
    assert plan.kpis is not None
    assert plan.stats.objective == pytest.approx(plan.kpis.costs.total, rel=COST_RTOL)
    assert reports and reports[0][2] < 1.0 and reports[0][0] >= plan.stats.objective  # the start, at once


@pytest.mark.parametrize(("orders", "limit"), [(240, 6.0), (720, 6.0), (2000, 6.0)])
def test_a_plant_grade_request_with_a_short_deadline_is_answered_in_time(orders: int, limit: float) -> None:
    # Every size of `benchmarks.scale`. At 2,000 orders the KPIs took 0.7-1.8 s (load 1-8) until session 18 (0.1-0.2 s
    # since), more than the quarter of a 6 s limit the explanations may keep back (`planner.plan.explanation_reserve`)
    # on a loaded machine: 6.4-7.6 s for 6 s at load 8, so this size ran at 10 s; 5.0-5.6 s for 6 s since (load 1).
    # One late order's explanation there takes 0.01-0.4 s, so `planner.plan._explain_in_time` sizes its chunks by the
    # slowest order so far.
    request = scaled_plant_request(orders, time_limit_seconds=limit)
    began = time.perf_counter()
    plan = create_plan(request)
    assert time.perf_counter() - began <= limit + DEADLINE_TOLERANCE
    assert plan.status.has_solution and plan.stats.solver == "cp-sat plant lns"
    assert check_schedule(request, plan.assignments) == []
    assert plan.late_orders  # the latest orders are explained, not dropped to keep the deadline


def test_the_plant_lns_does_not_apply_to_rules_that_depend_on_the_work_before_a_window() -> None:
    request = scaled_plant_request(240, time_limit_seconds=1.0)
    jobs = build_jobs(request)
    assert lns_plant.applies(request, jobs)
    changeovers = request.factory.model_copy(update={"changeovers": [
        FamilyChangeover(from_family="housings", to_family="structural", minutes=30)]})
    assert not lns_plant.applies(request.model_copy(update={"factory": changeovers}), jobs)
    makespan = request.options.model_copy(update={"objective": Objective.MAKESPAN})
    assert not lns_plant.applies(request.model_copy(update={"options": makespan}), jobs)
    assert not lns_plant.applies(request, jobs, extensions=[lambda *_: []])
    small = scaled_plant_request(89)
    assert not lns_plant.applies(small, build_jobs(small))  # the full model below MIN_OPERATIONS


def test_re_dispatching_with_the_costliest_late_orders_promoted_improves_the_best_pass_under_every_rule() -> None:
    request = scaled_plant_request(240)
    available = planning_availability(request, availability_by_machine(request))
    jobs = build_jobs(request)
    found = best_pass(request, jobs, available)
    assert found is not None
    hint, one, value = found
    result = redispatch(PlantDispatcher(request, available), jobs, hint, Pass(one.rule, campaigns=False), 60.0,
                        seed=0, max_passes=40)
    assert result.passes == 40 and result.start_value == pytest.approx(value, rel=COST_RTOL)
    assert result.improvements >= 1 and result.value < value
    placed = hint_assignments(jobs, result.hint)
    assert placed is not None
    schedule = with_pauses(jobs, placed, available)
    assert check_schedule(request, schedule) == []
    kpis = compute_kpis(request, schedule)
    assert kpis.weighted_tardiness_minutes == pytest.approx(result.value, rel=COST_RTOL)
