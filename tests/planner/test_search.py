"""The makespan solve strategy (`planner.scheduling.search`): when the tabu search runs, and that what it hands
CP-SAT is a feasible schedule no longer than the dispatching start."""

from __future__ import annotations

import inspect
import random
import time

import numpy as np
import pytest
from ortools.sat.python import cp_model

from benchmarks.instances import ShopInstance, to_plan_request
from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import MachineRisk, Objective, PlanRequest, RiskPoint, RiskPolicy, TimeWindow
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.scheduling import model, tabu_kernel
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.search import (
    SEARCH_MAX_SECONDS,
    SEARCH_SECONDS_PER_OPERATION,
    SEARCH_SHARE,
    hint_assignments,
    improve_makespan_hint,
    local_search_budget,
    makespan_lower_bound,
)
from planner.scheduling.tasks import build_jobs
from planner.status import SolveStatus
from planner.testing import order, product
from planner.testing import request as small_request


def _random_job_shop(jobs: int, machines: int, seed: int) -> ShopInstance:
    """Taillard-style: each job visits every machine once in a random order, durations 1-99."""
    rng = random.Random(seed)
    routes = []
    for _ in range(jobs):
        order = rng.sample(range(machines), machines)
        routes.append(tuple(((m, rng.randint(1, 99)),) for m in order))
    return ShopInstance(f"random-{jobs}x{machines}-{seed}", machines, tuple(routes))


def test_makespan_models_give_the_search_half_the_time_capped_per_operation() -> None:
    options = to_plan_request(_random_job_shop(2, 2, 0), 10.0, num_workers=2).options
    assert local_search_budget(options, 10_000) == 10.0 * SEARCH_SHARE
    long_limit = options.model_copy(update={"time_limit_seconds": 600.0})
    assert local_search_budget(long_limit, 10_000) == SEARCH_MAX_SECONDS
    # a small model gets a little time per operation, not half the limit
    small = local_search_budget(options, 20)
    assert small == pytest.approx(20 * SEARCH_SECONDS_PER_OPERATION) and small < 1.0
    tardiness = options.model_copy(update={"objective": Objective.WEIGHTED_TARDINESS})
    assert local_search_budget(tardiness, 10_000) == 0.0


def test_a_small_makespan_model_is_not_held_up_by_the_local_search() -> None:
    """A 5x4 job-shop that CP-SAT proves at once comes back well before half of its 10 s limit."""
    request = to_plan_request(_random_job_shop(5, 4, 0), 10.0, num_workers=2)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL and check_plan(request, plan) == []
    assert plan.stats.wall_seconds < 2.0


def _with_break(request: PlanRequest, start: int, end: int) -> PlanRequest:
    """The request with machine M0 down between `start` and `end` (two working stretches)."""
    machines = [m.model_copy(update={"maintenance_windows": [TimeWindow(start=start, end=end, reason="test")]})
                if m.id == "M0" else m for m in request.factory.machines]
    return request.model_copy(update={"factory": request.factory.model_copy(update={"machines": machines})})


@pytest.mark.parametrize("machine_break", [False, True], ids=["no-break", "break"])
def test_tabu_search_shortens_the_dispatching_schedule_and_keeps_it_feasible(machine_break: bool) -> None:
    request = to_plan_request(_random_job_shop(15, 10, 1), 10.0, num_workers=2)
    if machine_break:
        request = _with_break(request, 100, 160)
    jobs = build_jobs(request)
    available = planning_availability(request, availability_by_machine(request))
    assert len(available["M0"]) == (2 if machine_break else 1)
    start = best_dispatch(request, jobs, available)
    assert start is not None
    decoded = improve_makespan_hint(request.options, jobs, available, start, budget=0.0)
    improved = improve_makespan_hint(request.options, jobs, available, start, budget=1.0)
    assert decoded is not None and improved is not None
    (_, before), (schedule, after) = decoded, improved
    assert makespan_lower_bound(jobs) <= after < before
    placed = hint_assignments(jobs, schedule)
    assert check_schedule(request, placed) == []
    assert max(p.end for p in placed) == after


def test_create_plan_names_its_start_and_every_plan_passes_the_checker() -> None:
    small = to_plan_request(_random_job_shop(10, 10, 2), 2.0, num_workers=2)
    shop = _random_job_shop(10, 10, 3)
    flexible = ShopInstance("flexible", 10, tuple(tuple((*op, ((op[0][0] + 1) % 10, op[0][1])) for op in job)
                                                  for job in shop.jobs))
    small_flexible = to_plan_request(flexible, 2.0, num_workers=2)
    large_with_break = _with_break(to_plan_request(_random_job_shop(20, 10, 3), 2.0, num_workers=2), 50, 80)
    for request, start in ((small, "local search start"), (_with_break(small, 50, 80), "local search start"),
                           (small_flexible, "local search start"), (large_with_break, "local search start")):
        plan = create_plan(request)
        assert start in plan.stats.notes
        assert "the hint (not a bound)" in plan.stats.notes  # all at most UNBOUNDED_MAX_OPERATIONS operations
        assert check_plan(request, plan) == []


def test_above_the_unbounded_size_the_local_search_makespan_bounds_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "UNBOUNDED_MAX_OPERATIONS", 50)
    request = to_plan_request(_random_job_shop(10, 10, 2), 2.0, num_workers=2)
    plan = create_plan(request)
    assert "used as upper bound" in plan.stats.notes and "not a bound" not in plan.stats.notes
    assert check_plan(request, plan) == []


def test_a_small_job_shop_whose_cp_sat_plan_is_longer_than_the_local_search_start_gets_the_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Unbounded, CP-SAT could end on a plan longer than its hint (one it lost and repaired): the start wins.
    Forced here by dropping the hint and stopping CP-SAT at its first solution, far from a tabu schedule."""
    def first_solution_only(request: PlanRequest, time_limit: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.stop_after_first_solution = True
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = time_limit
        return solver

    monkeypatch.setattr(model, "_add_hint", lambda built, hint: None)
    monkeypatch.setattr(model, "_solver", first_solution_only)
    request = to_plan_request(_random_job_shop(15, 10, 4), 3.0, num_workers=2)
    plan = create_plan(request)
    start = int(plan.stats.notes.split("local search start with makespan ")[1].split(",")[0])
    assert plan.status == SolveStatus.FEASIBLE
    assert "CP-SAT's plan was longer" in plan.stats.notes
    assert plan.stats.objective == start == (plan.kpis.makespan_minutes if plan.kpis else None)
    assert check_plan(request, plan) == []


# --- when CP-SAT finds no solution in time -------------------------------------------------------------

@pytest.fixture
def cp_sat_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CP-SAT solve ends at once without a solution, as when the time limit is too short."""
    monkeypatch.setattr(cp_model.CpSolver, "solve", lambda self, model, callback=None: cp_model.UNKNOWN)


@pytest.mark.usefixtures("cp_sat_finds_nothing")
def test_with_no_solution_in_time_the_local_search_schedule_is_the_plan() -> None:
    request = to_plan_request(_random_job_shop(20, 10, 2), 5.0, num_workers=2)
    jobs = build_jobs(request)
    start = best_dispatch(request, jobs, planning_availability(request, availability_by_machine(request)))
    assert start is not None
    dispatching = max(s + d for s, d in ((start[(t.order_id, t.index)][1], t.alternatives[0].duration)
                                         for j in jobs for t in j.tasks))
    plan = create_plan(request)
    assert plan.status == SolveStatus.FEASIBLE
    assert "CP-SAT found no solution in time, local-search schedule returned" in plan.stats.notes
    assert check_plan(request, plan) == []
    assert plan.kpis is not None and plan.stats.objective == plan.kpis.makespan_minutes < dispatching
    assert plan.stats.best_bound == makespan_lower_bound(jobs)


@pytest.mark.usefixtures("cp_sat_finds_nothing")
def test_with_no_solution_in_time_a_checked_dispatching_schedule_is_the_plan() -> None:
    req = small_request(["M1", "M2"], [product("P", ("cut", ["M1", "M2"], 1.0), ("mill", ["M2"], 2.0))],
                  [order("A", "P", 30, due=50), order("B", "P", 20, due=200, weight=3.0), order("C", "P", 10)])
    plan = create_plan(req)
    assert plan.status == SolveStatus.FEASIBLE
    assert "start schedule (dispatching rule or the caller's hint) returned" in plan.stats.notes
    assert check_plan(req, plan) == []
    assert plan.kpis is not None and plan.stats.objective == plan.kpis.costs.total > 0


@pytest.mark.usefixtures("cp_sat_finds_nothing")
def test_with_no_solution_in_time_a_plan_that_needs_maintenance_gets_no_plan() -> None:
    """A start holds no preventive-maintenance task, so it is not a plan for such a request."""
    req = small_request(["M1"], [product("P", ("cut", ["M1"], 1.0))], [order("A", "P", 30)], horizon=1000)
    req = req.model_copy(update={
        "machine_risks": [MachineRisk(machine_id="M1", curve=[RiskPoint(minute=600, probability=0.6)])],
        "options": req.options.model_copy(update={"risk_policy": RiskPolicy.PREVENTIVE_MAINTENANCE,
                                                  "maintenance_threshold": 0.3, "maintenance_minutes": 60})})
    plan = create_plan(req)
    assert plan.status == SolveStatus.NO_SOLUTION_IN_TIME and plan.assignments == []


def test_a_hint_that_misses_an_operation_or_names_a_wrong_machine_is_no_schedule() -> None:
    req = small_request(["M1", "M2"], [product("P", ("cut", ["M1"], 1.0))], [order("A", "P", 5), order("B", "P", 5)])
    jobs = build_jobs(req)
    assert hint_assignments(jobs, {("A", 0): ("M1", 0), ("B", 0): ("M1", 5)}) is not None
    assert hint_assignments(jobs, {("A", 0): ("M1", 0)}) is None
    assert hint_assignments(jobs, {("A", 0): ("M1", 0), ("B", 0): ("M2", 0)}) is None


@pytest.mark.parametrize("machine_break", [False, True], ids=["no-break", "break"])
def test_a_stop_request_ends_the_local_search_and_the_solve_at_once(machine_break: bool) -> None:
    """A cancelled StreamPlan: the local search (5 s of budget here) stops too, not only CP-SAT."""
    request = to_plan_request(_random_job_shop(20, 10, 4), 60.0, num_workers=2)
    if machine_break:
        request = _with_break(request, 100, 160)
    began = time.perf_counter()
    plan = create_plan(request, should_stop=lambda: time.perf_counter() - began > 0.3)
    assert time.perf_counter() - began < 2.0
    assert plan.status.has_solution and check_plan(request, plan) == []


def test_a_stalled_local_search_hands_the_rest_of_its_budget_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a stall share the search ends once no thread found a new best for that share of its budget (a small
    job-shop's CP-SAT then gets the time); without one it runs to its deadline. The kernel is made to find nothing."""
    request = to_plan_request(_random_job_shop(6, 4, 1), 10.0, num_workers=2)
    jobs = build_jobs(request)
    available = planning_availability(request, availability_by_machine(request))
    start = best_dispatch(request, jobs, available)
    assert start is not None
    state_at = list(inspect.signature(tabu_kernel.search.py_func).parameters).index("state")

    def finds_nothing(*args: object) -> None:  # one iteration a call, never a new best (nor the lower bound)
        state = args[state_at]
        assert isinstance(state, np.ndarray)
        state[tabu_kernel.ITERATION] += 1
        state[tabu_kernel.BEST] = 10**9

    monkeypatch.setattr(tabu_kernel, "search", finds_nothing)
    for stall_share, at_least, at_most in ((0.1, 0.3, 2.5), (None, 3.0, None)):
        began = time.perf_counter()
        improved = improve_makespan_hint(request.options, jobs, available, start, 3.0, stall_share=stall_share)
        took = time.perf_counter() - began
        assert improved is not None and check_schedule(request, hint_assignments(jobs, improved[0]) or []) == []
        assert took >= at_least and (at_most is None or took <= at_most)
