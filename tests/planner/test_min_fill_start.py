"""A binding minimum fill. The oven start (`planner.scheduling.oven_start.filled_start`): where the greedy start
leaves a lot without a load that holds the fill, under-filled loads take lots from others or merge, so the shop
gets a checker-clean start and a plan at a short limit; on seeded random min-fill shops every start holds the fill
and the start is found for nearly every shop that is not plainly infeasible. The plant path
(`oven_rules.needs_model_start`): a fill that every lot holds alone keeps the dispatching start."""

from __future__ import annotations

import random

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    BatchRecipe,
    EligibleMachine,
    Factory,
    LotSplit,
    Machine,
    Objective,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    Product,
)
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.scheduling import oven_start
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.oven_rules import needs_model_start
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs

Lot = tuple[int, int, int, int, int, int, tuple[int, ...]]
"""(recipe, size, shortest, longest - shortest, release, due slack, ovens)."""


def _shop(lots: list[Lot], min_fill: float, time_limit: float = 2.0) -> PlanRequest:
    """Two ovens of capacity 10 with recipes R0-R2, no changeovers."""
    recipes = [BatchRecipe(id=f"R{r}", cycle_minutes=10) for r in range(3)]
    ovens = [Machine(id=f"OV{k}", batch_capacity=10.0, batch_min_load=min_fill, recipes=recipes) for k in range(2)]
    products, orders = [], []
    for n, (recipe, size, shortest, spread, release, slack, eligible) in enumerate(lots):
        products.append(Product(id=f"P{n}", routing=[Operation(
            id="bake", recipe=f"R{recipe}", batch_load_per_unit=float(size), batch_min_minutes=shortest,
            batch_max_minutes=shortest + spread, eligible_machines=[EligibleMachine(machine_id=f"OV{k}")
                                                                     for k in eligible])]))
        orders.append(Order(id=f"O{n}", product_id=f"P{n}", quantity=1, release=release,
                            due=release + shortest + slack))
    return PlanRequest(request_id="min-fill", factory=Factory(name="ovens", machines=ovens, products=products),
                       orders=orders, options=PlanOptions(
                           horizon_minutes=6000, objective=Objective.BATCH_COST, time_limit_seconds=time_limit,
                           num_workers=2, random_seed=0, explain_predictions=False, batch_run_cost_per_minute=1.0,
                           late_order_cost=200.0))


def _prepared(req: PlanRequest) -> oven_start.OvenShop:
    jobs = build_jobs(req)
    assert oven_start.applies(req, jobs)
    return oven_start.oven_shop(req, jobs, planning_availability(req, availability_by_machine(req)))


def test_a_late_lot_too_small_for_the_fill_takes_a_lot_from_an_earlier_load() -> None:
    # Three lots of 2 at minute 0 fill one load (6 >= 3); the fourth, released at 100, holds only 2 alone and no
    # later lot comes: the greedy start has no load for it on any rule; one lot of the first load joins it instead.
    first: Lot = (0, 2, 10, 0, 0, 30, (0,))
    lots = [first, first, first, (0, 2, 10, 0, 100, 30, (0,))]
    req = _shop(lots, 3.0)
    shop = _prepared(req)
    assert all(oven_start.greedy_start(shop, rule) is None for rule in oven_start._rules())
    start = oven_start.best_start(shop, tries=0)
    assert start is not None
    placed = oven_start.assignments(start)
    assert check_schedule(req, placed) == []
    loads = loads_of(req, placed)
    assert len(loads) == 2 and all(load.load >= 3.0 for load in loads)
    plan = create_plan(req)
    assert plan.status.has_solution
    assert check_plan(req, plan) == []
    assert "oven start" in plan.stats.notes


def test_an_under_filled_load_merges_into_another_when_no_lot_can_be_spared() -> None:
    # Two lots of 2 at minute 0 (fill 4 >= 3, none can be spared) and one of 2 at 200: merged, one load of 6.
    lots: list[Lot] = [(1, 2, 10, 0, 0, 30, (0, 1)), (1, 2, 10, 0, 0, 30, (0, 1)), (1, 2, 10, 0, 200, 30, (0, 1))]
    req = _shop(lots, 3.0)
    start = oven_start.best_start(_prepared(req), tries=0)
    assert start is not None
    placed = oven_start.assignments(start)
    assert check_schedule(req, placed) == []
    assert [round(load.load) for load in loads_of(req, placed)] == [6]


def test_an_unfillable_recipe_still_gets_no_start() -> None:
    lots: list[Lot] = [(0, 1, 10, 0, 0, 30, (0,)), (0, 1, 10, 0, 50, 30, (0,))]  # 2 units of R0 in all, fill 3
    assert oven_start.best_start(_prepared(_shop(lots, 3.0)), tries=0) is None


def _random_shops(count: int, seed: int) -> list[PlanRequest]:
    generator = random.Random(seed)
    shops = []
    for _ in range(count):
        lots: list[Lot] = [(generator.randint(0, 2), generator.randint(1, 6), generator.randint(5, 40),
                            generator.randint(0, 30), generator.randint(0, 300), generator.randint(0, 200),
                            generator.choice([(0,), (1,), (0, 1)])) for _ in range(generator.randint(1, 30))]
        shops.append(_shop(lots, 3.0))
    return shops


def _plainly_infeasible(shop: oven_start.OvenShop) -> bool:
    """Some lot finds, on none of its ovens, lots of its recipe with overlapping windows that could fill a load."""
    for lot in shop.lots:
        if not any(sum(other.options[oven_id].floor_units for other in shop.lots if other.recipe == lot.recipe
                       and oven_id in other.options and other.options[oven_id].shortest <= option.longest
                       and option.shortest <= other.options[oven_id].longest) >= shop.ovens[oven_id].least
                   for oven_id, option in lot.options.items()):
            return True
    return False


def test_random_min_fill_shops_get_a_start_that_holds_the_fill() -> None:
    fillable = started = 0
    for req in _random_shops(40, seed=7):
        shop = _prepared(req)
        start = oven_start.best_start(shop, tries=5)
        fillable += not _plainly_infeasible(shop)
        if start is None:
            continue
        started += 1
        placed = oven_start.assignments(start)
        assert check_schedule(req, placed) == []
        assert all(load.load >= 3.0 - 1e-9 for load in loads_of(req, placed))
    # Measured at this seed: 21 of the 40 shops are not plainly infeasible; the greedy start alone started 11 of
    # them, with the repair 18 (no randomness: `best_start` seeds its tries).
    assert fillable == 21
    assert started >= 18


def _cast_then_heat(min_fill: float, split: bool = False) -> PlanRequest:
    """Plant path: a casting cell, then a furnace (capacity 10, minimum fill `min_fill`); lots of 2-4 units."""
    furnace = Machine(id="HT", batch_capacity=10.0, batch_min_load=min_fill,
                      recipes=[BatchRecipe(id=f"R{r}", cycle_minutes=90) for r in range(2)])
    products = [Product(id=f"P{n}", routing=[
        Operation(id="cast", run_minutes_per_unit=3.0, eligible_machines=[EligibleMachine(machine_id="DC")]),
        Operation(id="heat", recipe=f"R{n % 2}", batch_load_per_unit=1.0,
                  eligible_machines=[EligibleMachine(machine_id="HT")],
                  lot_split=LotSplit(max_sublots=2) if split else None)]) for n in range(4)]
    orders = [Order(id=f"O{n}", product_id=f"P{n % 4}", quantity=2 + n % 3, due=300 + 60 * n) for n in range(10)]
    return PlanRequest(request_id="plant", factory=Factory(name="plant", machines=[Machine(id="DC"), furnace],
                                                           products=products), orders=orders,
                       options=PlanOptions(horizon_minutes=5000, time_limit_seconds=2.0, num_workers=1))


def test_a_fill_every_lot_holds_alone_keeps_the_dispatching_start() -> None:
    req = _cast_then_heat(2.0)  # every lot has 2 units at least: any load holds the fill
    assert not needs_model_start(req)
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, planning_availability(req, availability_by_machine(req)))
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None and check_schedule(req, placed) == []
    plan = create_plan(req)
    assert plan.status.has_solution and check_plan(req, plan) == []
    assert all(load.load >= 2.0 for load in loads_of(req, plan.assignments))


def test_a_fill_some_lot_misses_alone_or_a_split_lot_still_needs_the_model() -> None:
    assert needs_model_start(_cast_then_heat(3.0))  # the lots of 2 units hold less than 3 alone
    assert needs_model_start(_cast_then_heat(2.0, split=True))  # a sub-lot may hold less
    assert not needs_model_start(_cast_then_heat(0.0))
