"""The oven shop's constructive start (`planner.scheduling.oven_start`) and its window search
(`planner.scheduling.oven_lns`): a hypothesis property that the start is checker-clean on small generated shops
with changeovers, minimum fills, windows, releases and maintenance; binding tests that requests with changeovers or
a minimum fill, which the dispatching start refuses, now get a start and a plan; the search matches the full
model's optimum on a small shop, and keeps every rule at a size where the full model is slow."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    BatchRecipe,
    EligibleMachine,
    Factory,
    Machine,
    Objective,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    Product,
    RecipeChangeover,
    TimeWindow,
)
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.scheduling import oven_lns, oven_start
from planner.scheduling.dispatching import TARDINESS_RULES, best_dispatch, dispatch
from planner.scheduling.model import solve_schedule
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.oven_rules import cost_of, needs_model_start
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.status import SolveStatus

RECIPES = ("R1", "R2", "R3")


def _shop(lots: Sequence[tuple[int, int, int, int, int, int, tuple[int, ...]]], setups: list[int], min_fill: float,
          downtime: tuple[int, int] | None, horizon: int = 6000, time_limit: float = 5.0) -> PlanRequest:
    """Two ovens of capacity 10; a lot is (recipe, size, shortest, longest - shortest, release, due slack, ovens)."""
    changeovers = [RecipeChangeover(from_recipe=a, to_recipe=b, minutes=setups[(i * 3 + j) % len(setups)],
                                    cost=float(setups[(i * 3 + j) % len(setups)]))
                   for i, a in enumerate(RECIPES) for j, b in enumerate(RECIPES) if a != b]
    ovens = [Machine(id=f"OV{k}", batch_capacity=10.0, batch_min_load=min_fill,
                     recipes=[BatchRecipe(id=r, cycle_minutes=10) for r in RECIPES], recipe_changeovers=changeovers,
                     initial_recipe=RECIPES[k],
                     maintenance_windows=[TimeWindow(start=downtime[0] + 37 * k, end=downtime[1] + 37 * k)]
                     if downtime else []) for k in range(2)]
    products, orders = [], []
    for n, (recipe, size, shortest, spread, release, slack, eligible) in enumerate(lots):
        products.append(Product(id=f"P{n}", routing=[Operation(
            id="bake", recipe=RECIPES[recipe], batch_load_per_unit=float(size),
            batch_min_minutes=shortest, batch_max_minutes=shortest + spread,
            eligible_machines=[EligibleMachine(machine_id=f"OV{k}") for k in eligible])]))
        orders.append(Order(id=f"O{n}", product_id=f"P{n}", quantity=1, release=release,
                            due=release + shortest + slack))
    return PlanRequest(request_id="oven-shop", factory=Factory(name="ovens", machines=ovens, products=products),
                       orders=orders, options=PlanOptions(
                           horizon_minutes=horizon, objective=Objective.BATCH_COST, time_limit_seconds=time_limit,
                           num_workers=2, random_seed=0, explain_predictions=False, batch_run_cost_per_minute=1.0,
                           late_order_cost=200.0))


_lot = st.tuples(st.integers(0, 2), st.integers(1, 6), st.integers(5, 40), st.integers(0, 30), st.integers(0, 300),
                 st.integers(0, 200), st.sampled_from([(0,), (1,), (0, 1)]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lot, min_size=1, max_size=14), st.lists(st.integers(0, 30), min_size=1, max_size=9),
       st.sampled_from([0.0, 1.0]), st.one_of(st.none(), st.tuples(st.integers(0, 200), st.integers(20, 90))))
def test_the_start_is_checker_clean_with_changeovers_min_fill_windows_and_downtime(
        lots: list[tuple[int, int, int, int, int, int, tuple[int, ...]]], setups: list[int], min_fill: float,
        downtime: tuple[int, int] | None) -> None:
    req = _shop(lots, setups, min_fill, (downtime[0], downtime[0] + downtime[1]) if downtime else None)
    jobs = build_jobs(req)
    assert oven_start.applies(req, jobs)
    shop = oven_start.oven_shop(req, jobs, planning_availability(req, availability_by_machine(req)))
    start = oven_start.best_start(shop, tries=3)
    assert start is not None  # every lot fills a load alone (size >= the minimum fill) and the horizon is long
    placed = oven_start.assignments(start)
    assert check_schedule(req, placed) == []
    assert len(placed) == len(lots)
    ends = {a.order_id: a.end for a in placed}
    assert abs(cost_of(req, loads_of(req, placed), ends).total - shop.cost(start)) < 1e-6


def test_an_oven_shop_with_changeovers_and_min_fill_gets_the_oven_start_and_a_plan() -> None:
    lots = [(n % 3, 3, 10 + n % 4, 5, 10 * n, 60, (0, 1) if n % 2 else (n % 2,)) for n in range(12)]
    req = _shop(lots, [15, 0, 25], 4.0, (100, 160))  # lots of 3: the fill binds (two of them hold it)
    jobs = build_jobs(req)
    available = planning_availability(req, availability_by_machine(req))
    assert needs_model_start(req)
    assert best_dispatch(req, jobs, available) is None  # what it used to get: no start at all
    start = oven_start.best_start(oven_start.oven_shop(req, jobs, available))
    assert start is not None
    plan = create_plan(req)
    assert plan.status.has_solution
    assert check_plan(req, plan) == []
    assert "oven start" in plan.stats.notes


def test_the_dispatching_start_now_keeps_recipe_changeovers_on_a_furnace_after_a_casting_cell() -> None:
    """Plant path: a casting cell then a furnace with changeovers and a service window. Before, any recipe
    changeover meant no dispatching start (`needs_model_start`); now each rule's start is checker-clean."""
    changeovers = [RecipeChangeover(from_recipe=a, to_recipe=b, minutes=40, cost=5.0)
                   for a in RECIPES for b in RECIPES if a != b]
    furnace = Machine(id="HT", batch_capacity=10.0, recipes=[BatchRecipe(id=r, cycle_minutes=90) for r in RECIPES],
                      recipe_changeovers=changeovers, initial_recipe="R2",
                      maintenance_windows=[TimeWindow(start=300, end=420)])
    products = [Product(id=f"P{n}", routing=[
        Operation(id="cast", run_minutes_per_unit=3.0, eligible_machines=[EligibleMachine(machine_id="DC")]),
        Operation(id="heat", recipe=RECIPES[n % 3], batch_load_per_unit=1.0,
                  eligible_machines=[EligibleMachine(machine_id="HT")])]) for n in range(6)]
    orders = [Order(id=f"O{n}", product_id=f"P{n % 6}", quantity=2 + n % 3, due=400 + 60 * n) for n in range(12)]
    req = PlanRequest(request_id="plant", factory=Factory(name="plant", machines=[Machine(id="DC"), furnace],
                                                          products=products), orders=orders,
                      options=PlanOptions(horizon_minutes=5000, time_limit_seconds=5.0, num_workers=2))
    jobs = build_jobs(req)
    available = planning_availability(req, availability_by_machine(req))
    assert not needs_model_start(req)
    for rule in TARDINESS_RULES:
        blind = hint_assignments(jobs, dispatch(jobs, available, rule, {"HT": 10.0}) or {})
        assert blind is not None and any("changeover" in p for p in check_schedule(req, blind))  # binding
        hint = dispatch(jobs, available, rule, {"HT": 10.0}, ovens={"HT": furnace})
        assert hint is not None
        placed = hint_assignments(jobs, hint)
        assert placed is not None
        assert check_schedule(req, placed) == []
    hint = best_dispatch(req, jobs, available)
    assert hint is not None
    plan = create_plan(req)
    assert plan.status.has_solution
    assert check_plan(req, plan) == []


def test_a_request_with_a_minimum_fill_gets_a_start_whose_loads_all_hold_it() -> None:
    lots = [(n % 2, 2 + n % 3, 10, 10, 5 * n, 80, (0, 1)) for n in range(10)]
    req = _shop(lots, [5], 4.0, None)
    jobs = build_jobs(req)
    available = planning_availability(req, availability_by_machine(req))
    assert best_dispatch(req, jobs, available) is None
    start = oven_start.best_start(oven_start.oven_shop(req, jobs, available))
    assert start is not None
    loads = loads_of(req, oven_start.assignments(start))
    assert all(load.load >= 4.0 for load in loads)
    assert check_schedule(req, oven_start.assignments(start)) == []


def test_the_window_search_proves_the_full_models_optimum_on_a_small_shop() -> None:
    lots = [(n % 2, 2 + n % 4, 8 + 3 * (n % 3), 6, 12 * n, 40 + 7 * (n % 5), (0, 1) if n % 3 else (n % 2,))
            for n in range(9)]
    req = _shop(lots, [10, 0, 20], 0.0, (90, 130), horizon=1500, time_limit=20.0)
    jobs = build_jobs(req)
    available = planning_availability(req, availability_by_machine(req))
    ours = oven_lns.solve_ovens(req, jobs, available)
    assert ours is not None and ours.status == SolveStatus.OPTIMAL
    full = solve_schedule(req, jobs, available)
    assert full.status == SolveStatus.OPTIMAL
    assert abs(ours.stats.objective - full.stats.objective) < 1e-6
    assert check_schedule(req, ours.assignments) == []


def test_the_window_search_improves_the_start_and_keeps_every_rule_at_80_lots() -> None:
    lots = [(n % 3, 1 + n % 5, 10 + (7 * n) % 30, 20, 6 * n, 30 + (11 * n) % 90, ((0, 1), (0,), (1,))[n % 3])
            for n in range(80)]
    req = _shop(lots, [12, 0, 30, 5], 2.0, (200, 260), horizon=4000, time_limit=6.0)
    jobs = build_jobs(req)
    available = planning_availability(req, availability_by_machine(req))
    start = oven_start.best_start(oven_start.oven_shop(req, jobs, available))
    assert start is not None
    began = time.perf_counter()
    plan = create_plan(req)
    assert time.perf_counter() - began < 6.0 + 3.0
    assert plan.status == SolveStatus.FEASIBLE
    assert check_plan(req, plan) == []
    ends = {a.order_id: a.end for a in plan.assignments}
    cost = cost_of(req, loads_of(req, plan.assignments), ends).total
    assert cost <= oven_start.oven_shop(req, jobs, available).cost(start) + 1e-6


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lot, min_size=6, max_size=24), st.lists(st.integers(0, 30), min_size=1, max_size=9),
       st.sampled_from([0.0, 1.0]), st.one_of(st.none(), st.tuples(st.integers(0, 200), st.integers(20, 90))))
def test_every_window_keeps_every_oven_rule(
        lots: list[tuple[int, int, int, int, int, int, tuple[int, ...]]], setups: list[int], min_fill: float,
        downtime: tuple[int, int] | None) -> None:
    """Windows of a few lots (not the exact model) on generated shops: the result passes the checker without the
    start's fallback and costs no more than the start."""
    req = _shop(lots, setups, min_fill, (downtime[0], downtime[0] + downtime[1]) if downtime else None,
                time_limit=1.0)
    jobs = build_jobs(req)
    available = planning_availability(req, availability_by_machine(req))
    shop = oven_start.oven_shop(req, jobs, available)
    start = oven_start.best_start(shop, tries=0)
    assert start is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(oven_lns, "EXACT_LOTS", 0)
        patch.setattr(oven_lns, "FIRST_SIZE", 4)
        patch.setattr(oven_lns, "MIN_SIZE", 3)
        outcome = oven_lns.solve_ovens(req, jobs, available)
    assert outcome is not None and outcome.status == SolveStatus.FEASIBLE
    assert "broke a rule" not in outcome.stats.notes
    assert check_schedule(req, outcome.assignments) == []
    assert outcome.stats.objective <= shop.cost(start) + 1e-6
