"""Large-neighbourhood search (`planner.scheduling.lns`): valid plans, never worse than the start, plant rules kept."""

from __future__ import annotations

import itertools
import random
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.scale import scaled_request
from planner import testing
from planner.calendar import Interval, availability_by_machine, merge
from planner.checker import check_schedule
from planner.domain import FamilyChangeover, Objective, Order, PlanRequest, RunningOperation, WorkInProgress
from planner.kpis import compute_kpis
from planner.plan import create_plan, explanation_reserve
from planner.risk import planning_availability
from planner.scheduling import lns, tardiness_search
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.model import Hint
from planner.scheduling.search import hint_assignments, makespan_lower_bound
from planner.scheduling.tasks import Job, build_jobs
from planner.status import SolveStatus
from planner.timings import PhaseClock, total_by_name
from planner.validation import ensure_valid

COST_RTOL = 1e-9
"""Costs summed in another order (per order in the search, per operation in the KPIs) agree to float64 rounding."""


def _start(request: PlanRequest) -> tuple[list[Job], dict[str, list[Interval]], Hint]:
    available = planning_availability(request, availability_by_machine(request))
    jobs = build_jobs(request)
    start = best_dispatch(request, jobs, available)
    assert start is not None
    return jobs, available, start


def _cost(request: PlanRequest, jobs: list[Job], hint: Hint) -> float:
    placed = hint_assignments(jobs, hint)
    assert placed is not None
    assert check_schedule(request, placed) == []
    return compute_kpis(request, placed).costs.total


def test_lns_improves_the_start_and_every_step_is_a_valid_plan() -> None:
    request = scaled_request(160, time_limit_seconds=3.0, num_workers=1)
    jobs, available, start = _start(request)
    reported: list[float] = []
    result = lns.improve(request, jobs, available, start, 3.0, lambda cost, _: reported.append(cost))
    start_cost, cost = _cost(request, jobs, start), _cost(request, jobs, result.hint)
    assert result.iterations >= 1
    assert cost <= start_cost
    assert result.start_cost == pytest.approx(start_cost, rel=COST_RTOL)
    assert result.cost == pytest.approx(cost, rel=COST_RTOL)
    assert reported == sorted(reported, reverse=True)  # every report an improvement


def _with_plant_rules(request: PlanRequest) -> PlanRequest:
    """Cooling before machining (2 h at least), heat treatment within 3 days of machining, inspection in transfer
    batches of 10, and three orders half-way through (cast done, machining running on distinct machines)."""
    products = []
    for product in request.factory.products:
        routing = []
        for op in product.routing:
            if op.id == "OP20-machine":
                op = op.model_copy(update={"min_lag_minutes": 120})
            elif op.id == "OP30-heat-treat":
                op = op.model_copy(update={"max_lag_minutes": 3 * 1440})
            elif op.id == "OP40-inspect":
                op = op.model_copy(update={"transfer_batch_units": 10})
            routing.append(op)
        products.append(product.model_copy(update={"routing": routing}))
    by_id = {p.id: p for p in products}
    taken: set[str] = set()
    orders: list[Order] = []
    for order in request.orders:
        machines = [e.machine_id for e in by_id[order.product_id].routing[1].eligible_machines]
        free = [m for m in machines if m not in taken]
        if len(taken) < 3 and free:
            taken.add(free[0])
            order = order.model_copy(update={"release": 0, "work_in_progress": WorkInProgress(
                done_operation_ids=["OP10-cast"],
                running=RunningOperation(operation_id="OP20-machine", machine_id=free[0], remaining_minutes=90))})
        orders.append(order)
    ruled = request.model_copy(update={"factory": request.factory.model_copy(update={"products": products}),
                                       "orders": orders})
    ensure_valid(ruled)
    return ruled


def test_lns_keeps_time_lags_transfer_batches_and_work_in_progress() -> None:
    request = _with_plant_rules(scaled_request(160, time_limit_seconds=3.0, num_workers=1))
    jobs, available, start = _start(request)
    result = lns.improve(request, jobs, available, start, 3.0)
    assert result.iterations >= 1
    assert _cost(request, jobs, result.hint) <= _cost(request, jobs, start)


def test_create_plan_uses_lns_above_the_threshold_and_reports_the_start_first(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lns, "MIN_OPERATIONS", 100)
    request = _with_plant_rules(scaled_request(160, time_limit_seconds=4.0, num_workers=1))
    reports: list[tuple[float, float, float]] = []
    plan = create_plan(request, on_solution=lambda *report: reports.append(report))
    assert plan.status.has_solution and plan.stats.solver == "cp-sat lns"
    assert check_schedule(request, plan.assignments) == []
    assert plan.kpis is not None
    assert plan.stats.objective == pytest.approx(plan.kpis.costs.total, rel=COST_RTOL)
    assert reports and reports[0][0] >= plan.stats.objective
    assert reports[0][2] < 1.0  # the dispatching start is reported at once
    names = [p.name for p in plan.phases]
    assert {"validation", "preparation", "solving", "explaining"} <= set(names)


def test_lns_does_not_apply_where_rules_link_orders_or_the_objective_is_makespan() -> None:
    request = scaled_request(720, time_limit_seconds=1.0)
    jobs = build_jobs(request)
    assert lns.applies(request, jobs)
    assert not lns.applies(scaled_request(80), build_jobs(scaled_request(80)))  # too small
    changeovers = request.factory.model_copy(update={"changeovers": [
        FamilyChangeover(from_family="housings", to_family="trays", minutes=30)]})
    assert not lns.applies(request.model_copy(update={"factory": changeovers}), jobs)
    makespan = request.options.model_copy(update={"objective": Objective.MAKESPAN})
    assert not lns.applies(request.model_copy(update={"options": makespan}), jobs)
    assert not lns.applies(request, jobs, extensions=[lambda *_: []])


def test_two_workers_solve_independent_neighbourhoods_at_once_and_every_step_is_a_valid_plan() -> None:
    request = scaled_request(160, time_limit_seconds=3.0, num_workers=2)
    jobs, available, start = _start(request)
    assert lns.lanes(request) == 2
    result = lns.improve(request, jobs, available, start, 3.0)
    assert result.rounds >= 1
    assert result.iterations > result.rounds  # some round solved two neighbourhoods at once
    assert _cost(request, jobs, result.hint) <= _cost(request, jobs, start)
    assert result.cost == pytest.approx(_cost(request, jobs, result.hint), rel=COST_RTOL)


_MERGE_REQUEST = scaled_request(160, time_limit_seconds=1.0, num_workers=2)
_MERGE_START = _start(_MERGE_REQUEST)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.integers(lns.MIN_SIZE, 40))
def test_independent_neighbourhoods_solved_on_the_same_plan_merge_into_a_valid_plan(seed: int, size: int) -> None:
    """What lets a round solve its neighbourhoods at once: each result applied to the same incumbent keeps the
    plan valid, whatever the others did."""
    request, (jobs, available, start) = _MERGE_REQUEST, _MERGE_START
    costs = lns._Costs(request)
    job_cost = [costs.of(job, start) for job in jobs]
    parts = lns._pick_parts(jobs, start, job_cost, dict.fromkeys(lns.KINDS, size), dict.fromkeys(lns.KINDS, 1.0),
                            random.Random(seed), 2, len(lns.KINDS))
    assert parts
    for a, b in itertools.combinations(parts, 2):
        assert a.independent_of(b) and b.independent_of(a)
    merged = dict(start)
    for i, part in enumerate(parts):
        found, _ = lns._solve_part(request, jobs, part.orders, available, start, 0.3, seed + i, 1)
        if found is not None:
            assert set(found) == {(t.order_id, t.index) for j in part.orders for t in jobs[j].tasks}
            merged.update(found)
    _cost(request, jobs, merged)  # asserts the checker accepts the merged plan


def test_neighbourhoods_sharing_a_machine_are_independent_only_when_their_spans_are_apart() -> None:
    def part(orders: list[int], machines: set[str], low: int, high: int) -> lns._Part:
        return lns._Part("machine-group", orders, frozenset(machines), low, high)

    assert part([1], {"M1"}, 0, 100).independent_of(part([2], {"M2"}, 0, 100))
    assert part([1], {"M1"}, 0, 100).independent_of(part([2], {"M1", "M2"}, 100, 200))
    assert not part([1], {"M1"}, 0, 100).independent_of(part([2], {"M1"}, 99, 200))
    assert not part([1, 2], {"M1"}, 0, 100).independent_of(part([2], {"M2"}, 0, 100))  # an order in common


@settings(max_examples=30, deadline=None)
@given(scores=st.lists(st.floats(0, 1e6), min_size=2, max_size=4), seed=st.integers(0, 1000))
def test_kinds_and_widths_are_drawn_by_score_each_at_least_its_minimum_share(scores: list[float], seed: int) -> None:
    score = dict(enumerate(scores))
    rng = random.Random(seed)
    draws = [lns._draw(score, rng) for _ in range(2000)]
    assert set(draws) <= set(score)
    for key in score:  # each at least MIN_KIND_SHARE of the time (expected share, less sampling slack)
        assert draws.count(key) >= 0.7 * lns.MIN_KIND_SHARE * len(draws)


_intervals = st.lists(st.tuples(st.integers(0, 200), st.integers(1, 30)), max_size=8).map(
    lambda pairs: merge([(start, start + length) for start, length in pairs]))


@settings(max_examples=200, deadline=None)
@given(windows=_intervals, taken=_intervals)
def test_subtract_leaves_exactly_the_free_minutes(windows: list[Interval], taken: list[Interval]) -> None:
    free = lns.subtract(windows, taken)

    def minutes(intervals: list[Interval]) -> set[int]:
        return {minute for start, end in intervals for minute in range(start, end)}

    assert minutes(free) == minutes(windows) - minutes(taken)
    assert all(start < end for start, end in free)
    assert all(a[1] <= b[0] for a, b in pairwise(free))


# --- phase timings and the plain model first (the other parts of issue 21) -------------------------------

def test_phase_clock_keeps_phases_in_start_order_even_when_a_block_raises() -> None:
    clock = PhaseClock()
    with clock.phase("solving"):
        pass
    with pytest.raises(ValueError), clock.phase("explaining"):
        raise ValueError("recorded all the same")
    with clock.phase("solving"):
        pass
    names = [p.name for p in clock.phases]
    assert names == ["solving", "explaining", "solving"]
    assert all(p.seconds >= 0 for p in clock.phases)
    assert [p.start for p in clock.phases] == sorted(p.start for p in clock.phases)
    totals = total_by_name(clock.phases)
    assert list(totals) == ["solving", "explaining"]
    assert totals["solving"] == pytest.approx(clock.phases[0].seconds + clock.phases[2].seconds)


def test_a_small_makespan_model_is_proved_by_the_plain_model_first() -> None:
    shop = testing.request(["M1", "M2", "M3"], [
        testing.product("A", ("a1", ["M1"], 3.0), ("a2", ["M2"], 2.0), ("a3", ["M3"], 2.0)),
        testing.product("B", ("b1", ["M2"], 1.0), ("b2", ["M1"], 4.0), ("b3", ["M3"], 3.0)),
        testing.product("C", ("c1", ["M3"], 2.0), ("c2", ["M1"], 1.0), ("c3", ["M2"], 4.0)),
    ], [testing.order(f"{p}1", p) for p in "ABC"], objective=Objective.MAKESPAN, time_limit=10.0)
    plan = create_plan(shop)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.notes == "plain model proved the optimum"
    assert check_schedule(shop, plan.assignments) == []
    assert plan.stats.objective == plan.kpis.makespan_minutes if plan.kpis else False
    assert plan.stats.objective >= makespan_lower_bound(build_jobs(shop))


def test_the_local_search_takes_turns_with_the_neighbourhoods_and_every_step_is_a_valid_plan() -> None:
    tardiness_search.warm_up()  # as the solver processes do at start; without it the search is left out
    assert tardiness_search.ready()
    request = scaled_request(160, time_limit_seconds=3.0, num_workers=2)
    jobs, available, start = _start(request)
    reported: list[float] = []
    result = lns.improve(request, jobs, available, start, 3.0, lambda cost, _: reported.append(cost))
    assert result.local_turns >= 1 and result.rounds >= 1  # the local search first, then a round at least
    assert result.local_gain > 0  # the 160-order start has late orders a single move puts right
    cost = _cost(request, jobs, result.hint)
    assert cost <= _cost(request, jobs, start)
    assert result.cost == pytest.approx(cost, rel=COST_RTOL)
    assert reported == sorted(reported, reverse=True)
    assert "local search" in result.notes()


def test_time_goes_to_the_method_that_gained_faster_lately_each_keeping_its_minimum() -> None:
    result = lns.LnsResult(hint={}, cost=1.0, start_cost=1.0)
    rates = lns._Rates()
    assert lns._local_turn(result, rates)  # the local search goes first...
    result.local_turns, result.local_seconds = 1, 2.0
    assert not lns._local_turn(result, rates)  # ...a neighbourhood round follows
    result.rounds, result.neighbourhood_seconds = 1, 0.5
    rates.add(lns.LOCAL_SEARCH, 2.0, 0.0)
    rates.add(lns.NEIGHBOURHOODS, 0.5, 0.0)
    assert not lns._local_turn(result, rates)  # neither gained: the local search only gets its minimum share
    result.neighbourhood_seconds = 2.0 / lns.MIN_METHOD_SHARE
    assert lns._local_turn(result, rates)
    rates.add(lns.LOCAL_SEARCH, 2.0, 1000.0)  # the local search gains 250 a second, the rounds nothing
    result.neighbourhood_seconds = 4.0
    assert lns._local_turn(result, rates)
    for _ in range(lns.LOCAL_SEARCH_TURNS):  # its stalls show after a few turns
        rates.add(lns.LOCAL_SEARCH, 2.0, 0.0)
    assert rates.rate(lns.LOCAL_SEARCH) == 0.0
    for _ in range(40):  # a lumpy round's gain counts over RATE_WINDOW seconds of rounds, then drops out
        rates.add(lns.NEIGHBOURHOODS, 0.5, 0.0)
    rates.add(lns.NEIGHBOURHOODS, 0.5, 400.0)
    assert rates.rate(lns.NEIGHBOURHOODS) == pytest.approx(400.0 / lns.RATE_WINDOW, rel=0.1)


def test_the_explanation_reserve_follows_the_measured_preparation() -> None:
    assert explanation_reserve(60.0, 7300) == pytest.approx(0.0008 * 7300)
    assert explanation_reserve(60.0, 7300, preparation_seconds=1.0) == pytest.approx(3.0)  # a fast machine
    assert explanation_reserve(60.0, 7300, preparation_seconds=10.0) == pytest.approx(0.0008 * 7300)  # capped
    assert explanation_reserve(4.0, 7300, preparation_seconds=10.0) == pytest.approx(1.0)  # a quarter of the limit
