"""The compiled weighted-tardiness local search (`scheduling.tardiness_search`): valid plans, never worse than the
start, its incremental re-timing equal to a full decode, and it stays out of what it does not model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.scale import scaled_request
from planner.calendar import Interval, availability_by_machine
from planner.checker import check_schedule
from planner.domain import Objective, PlanRequest, RunningOperation, WorkInProgress
from planner.kpis import compute_kpis
from planner.risk import planning_availability
from planner.scheduling import tardiness_kernel, tardiness_search
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.model import Hint
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import Job, build_jobs
from tests.strategies import plan_requests

COST_RTOL = 1e-9


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    tardiness_search.warm_up()


def _start(request: PlanRequest) -> tuple[list[Job], dict[str, list[Interval]], Hint]:
    available = planning_availability(request, availability_by_machine(request))
    jobs = build_jobs(request)
    start = best_dispatch(request, jobs, available)
    assert start is not None
    return jobs, available, start


def _checked_cost(request: PlanRequest, jobs: list[Job], hint: Hint) -> float:
    placed = hint_assignments(jobs, hint)
    assert placed is not None
    assert check_schedule(request, placed) == []
    return compute_kpis(request, placed).costs.total


def test_the_local_search_cuts_a_backlog_and_its_plan_passes_the_checker() -> None:
    request = scaled_request(240, time_limit_seconds=1.0, num_workers=2)
    jobs, available, start = _start(request)
    assert tardiness_search.applies(jobs, available)
    result = tardiness_search.improve(request, jobs, available, start, 1.0, workers=2)
    start_cost, cost = _checked_cost(request, jobs, start), _checked_cost(request, jobs, result.hint)
    assert result.start_cost == pytest.approx(start_cost, rel=COST_RTOL)
    assert result.cost == pytest.approx(cost, rel=COST_RTOL)
    assert cost < 0.95 * start_cost  # the 240-order start has late orders a few moves put right
    assert result.improved >= 1 and result.iterations >= result.tried >= result.accepted


def test_a_plan_with_nothing_late_is_left_as_it_is() -> None:
    request = scaled_request(240, time_limit_seconds=1.0)
    late = request.options.horizon_minutes  # every order due at the horizon: nothing can be late
    request = request.model_copy(update={"orders": [o.model_copy(update={"due": late}) for o in request.orders]})
    jobs, available, start = _start(request)
    result = tardiness_search.improve(request, jobs, available, start, 0.5)
    assert result.cost == pytest.approx(_checked_cost(request, jobs, start), abs=1e-6)
    assert result.improved == 0


def test_the_search_stays_out_of_work_in_progress_and_maximum_lags() -> None:
    request = scaled_request(240, time_limit_seconds=1.0)
    jobs, available, _ = _start(request)
    assert tardiness_search.applies(jobs, available)
    first = request.orders[0]
    product = next(p for p in request.factory.products if p.id == first.product_id)
    running = WorkInProgress(running=RunningOperation(
        operation_id=product.routing[0].id, machine_id=product.routing[0].eligible_machines[0].machine_id,
        remaining_minutes=30))
    with_wip = request.model_copy(update={"orders": [first.model_copy(update={"work_in_progress": running}),
                                                     *request.orders[1:]]})
    assert not tardiness_search.applies(build_jobs(with_wip), available)
    routing = [product.routing[0], product.routing[1].model_copy(update={"max_lag_minutes": 600}),
               *product.routing[2:]]
    lagged = request.factory.model_copy(update={"products": [
        p.model_copy(update={"routing": routing}) if p.id == product.id else p for p in request.factory.products]})
    assert not tardiness_search.applies(build_jobs(request.model_copy(update={"factory": lagged})), available)


def _tardiness(request: PlanRequest) -> PlanRequest:
    return request.model_copy(update={"options": request.options.model_copy(
        update={"objective": Objective.WEIGHTED_TARDINESS})})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=plan_requests(max_orders=10, max_machines=3, predictions=False).map(_tardiness),
       seed=st.integers(0, 1000))
def test_on_random_plants_the_result_is_valid_and_never_worse_than_the_start(request: PlanRequest,
                                                                            seed: int) -> None:
    available = planning_availability(request, availability_by_machine(request))
    jobs = build_jobs(request)
    start = best_dispatch(request, jobs, available)
    if start is None or not tardiness_search.applies(jobs, available):
        return
    result = tardiness_search.improve(request, jobs, available, start, 0.02, seed=seed)
    cost = _checked_cost(request, jobs, result.hint)
    assert cost <= _checked_cost(request, jobs, start) + 1e-6
    assert result.cost == pytest.approx(cost, rel=COST_RTOL, abs=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=plan_requests(max_orders=10, max_machines=3, predictions=False).map(_tardiness),
       seed=st.integers(0, 1000))
def test_incremental_re_timing_equals_a_full_decode(request: PlanRequest, seed: int) -> None:
    """After every batch of moves, the kernel's starts and cost are those of decoding its machine orders from
    scratch: the incremental re-timing misses nothing and undoes rejected moves completely."""
    available = planning_availability(request, availability_by_machine(request))
    jobs = build_jobs(request)
    start = best_dispatch(request, jobs, available)
    if start is None or not tardiness_search.applies(jobs, available):
        return
    costs = tardiness_search.OrderCosts(request)
    arrays = tardiness_search._arrays(request, jobs, available, start, costs)
    solution = arrays.copy_solution()
    decoded = arrays.decode(solution)
    assert decoded is not None
    solution = (*solution[:6], decoded)
    first_cost = sum(costs.of(job, arrays.hint(solution, decoded)) for job in jobs)
    cost = np.array([first_cost, first_cost])
    state = np.zeros(tardiness_kernel.STATE_SIZE, np.int64)
    state[tardiness_kernel.SEED] = seed
    scratch = np.full((6, len(arrays.keys) + 1), -2, np.int64)
    history = np.full(3, first_cost)  # late acceptance: worse plans are walked through too
    best = np.stack([solution[0], solution[2], solution[5]])
    for _ in range(5):
        tardiness_kernel.search(*arrays.problem, *solution, cost, state, scratch, history, best, 50,
                                4 * len(arrays.keys) + 100)
        assert cost[1] <= cost[0] + 1e-6
        again = arrays.decode(solution)
        assert again is not None
        assert np.array_equal(again, solution[6])
        machine, duration, choice, sequences, lengths, position, _ = solution
        for m, length in enumerate(lengths):  # the orders and places agree, each operation on one machine
            assert np.all(machine[sequences[m, :length]] == m)
            assert np.array_equal(position[sequences[m, :length]], np.arange(length))
        assert np.array_equal(duration, arrays.problem[13][arrays.problem[11][:-1] + choice])
        hint = arrays.hint(solution, again)
        assert cost[0] == pytest.approx(sum(costs.of(job, hint) for job in jobs), rel=1e-9, abs=1e-6)
    # the best solution seen, put back, has the best cost
    tardiness_kernel.restore_best(arrays.problem[11], arrays.problem[13], best, *solution[:6])
    restored = arrays.decode(solution)
    assert restored is not None
    assert cost[1] == pytest.approx(sum(costs.of(job, arrays.hint(solution, restored)) for job in jobs), rel=1e-9,
                                    abs=1e-6)


def test_components_group_orders_that_share_machines() -> None:
    request = scaled_request(240)  # three copies of the demo plant, each with its own machines and products
    jobs = build_jobs(request)
    component = tardiness_search.components(jobs)
    assert len(set(component)) == 3
    for j, job in enumerate(jobs):
        copy = job.order.product_id.rsplit("-P", 1)[1]
        assert all(component[k] == component[j] for k, other in enumerate(jobs)
                   if other.order.product_id.rsplit("-P", 1)[1] == copy)


def test_two_workers_merge_the_best_of_each_group_of_orders() -> None:
    request = scaled_request(240, time_limit_seconds=1.0, num_workers=2)
    jobs, available, start = _start(request)
    costs = tardiness_search.OrderCosts(request)
    one = tardiness_search.improve(request, jobs, available, start, 0.3, seed=1)
    other = tardiness_search.improve(request, jobs, available, start, 0.3, seed=2)
    merged = tardiness_search._best_by_component(jobs, costs, [one.hint, other.hint])
    cost = _checked_cost(request, jobs, merged)
    assert cost <= min(one.cost, other.cost) + 1e-6
