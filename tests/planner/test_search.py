"""The makespan solve strategy (`planner.search`): when the tabu search runs, and that what it hands
CP-SAT is a feasible schedule no longer than the dispatching start."""

from __future__ import annotations

import random

from benchmarks.instances import ShopInstance, to_plan_request
from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.dispatching import best_dispatch
from planner.domain import Objective
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.search import (
    LOCAL_SEARCH_MAX_SECONDS,
    LOCAL_SEARCH_MIN_OPERATIONS,
    LOCAL_SEARCH_SHARE,
    hint_assignments,
    improve_makespan_hint,
    local_search_budget,
    makespan_lower_bound,
)
from planner.tasks import build_jobs


def _random_job_shop(jobs: int, machines: int, seed: int) -> ShopInstance:
    """Taillard-style: each job visits every machine once in a random order, durations 1-99."""
    rng = random.Random(seed)
    routes = []
    for _ in range(jobs):
        order = rng.sample(range(machines), machines)
        routes.append(tuple(((m, rng.randint(1, 99)),) for m in order))
    return ShopInstance(f"random-{jobs}x{machines}-{seed}", machines, tuple(routes))


def test_the_local_search_gets_time_only_for_makespan_models_of_200_operations_or_more() -> None:
    request = to_plan_request(_random_job_shop(2, 2, 0), 10.0, num_workers=2)
    options = request.options
    assert local_search_budget(options, LOCAL_SEARCH_MIN_OPERATIONS - 1) == 0.0
    assert local_search_budget(options, LOCAL_SEARCH_MIN_OPERATIONS) == 10.0 * LOCAL_SEARCH_SHARE
    long_limit = options.model_copy(update={"time_limit_seconds": 600.0})
    assert local_search_budget(long_limit, 10_000) == LOCAL_SEARCH_MAX_SECONDS
    tardiness = options.model_copy(update={"objective": Objective.WEIGHTED_TARDINESS})
    assert local_search_budget(tardiness, 10_000) == 0.0


def test_tabu_search_shortens_the_dispatching_schedule_and_keeps_it_feasible() -> None:
    request = to_plan_request(_random_job_shop(15, 10, 1), 10.0, num_workers=2)
    jobs = build_jobs(request)
    available = planning_availability(request, availability_by_machine(request))
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
    large = to_plan_request(_random_job_shop(20, 10, 3), 2.0, num_workers=2)
    for request, start in ((small, "decoded hint start"), (large, "local search start")):
        plan = create_plan(request)
        assert start in plan.stats.notes
        assert check_plan(request, plan) == []
