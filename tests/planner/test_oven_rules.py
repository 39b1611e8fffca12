"""Oven rules of batch machines (`planner.scheduling.rules.oven_rules`): load-length windows, a minimum fill, recipe
changeovers with the initial recipe (inside working time), the BATCH_COST objective; binding / non-binding pairs,
checker tests on broken plans, a hypothesis property of the checker, and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.checker import check_plan
from planner.domain import (
    BatchRecipe,
    Machine,
    Objective,
    Operation,
    Order,
    PlanRequest,
    Product,
    RecipeChangeover,
    TimeWindow,
)
from planner.plan import create_plan
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.oven_rules import cost_of
from planner.solution import PlanResult
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations
from prodplan.v1 import planning_service_pb2 as pb
from service.errors import InvalidArgumentError
from service.mapping import plan_request_to_domain, plan_request_to_proto
from service.settings import Settings


def _oven(**fields: object) -> Machine:
    return Machine(id="OV", batch_capacity=10.0, recipes=[BatchRecipe(id="R1", cycle_minutes=5),
                                                         BatchRecipe(id="R2", cycle_minutes=5)]).model_copy(
        update=fields)


def _bake(product_id: str, recipe: str, window: tuple[int, int] | None = None) -> Product:
    op: Operation = operation("bake", ["OV"]).model_copy(update={"recipe": recipe})
    if window is not None:
        op = op.model_copy(update={"batch_min_minutes": window[0], "batch_max_minutes": window[1]})
    return Product(id=product_id, routing=[op])


def _request(oven: Machine, products: list[Product], orders: list[Order],
             objective: Objective = Objective.MAKESPAN) -> PlanRequest:
    req = request([oven], products, orders, horizon=2000, objective=objective, time_limit=5.0)
    return req.model_copy(update={"options": req.options.model_copy(update={"late_order_cost": 100.0})})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _starts(plan: PlanResult) -> dict[str, tuple[int, int]]:
    return {a.order_id: (a.start, a.end) for a in plan.assignments}


# --- 1. load-length windows -----------------------------------------------------------------------

def test_lots_whose_windows_meet_share_one_load_of_the_longest_shortest_time() -> None:
    req = _request(_oven(), [_bake("P", "R1", (4, 8)), _bake("Q", "R1", (7, 9))],
                   [order("A", "P", 2), order("B", "Q", 2)], Objective.BATCH_COST)
    plan = _solve(req)
    assert _starts(plan)["A"] == _starts(plan)["B"]
    assert _starts(plan)["A"][1] - _starts(plan)["A"][0] == 7


def test_lots_whose_windows_do_not_meet_take_two_loads() -> None:
    req = _request(_oven(), [_bake("P", "R1", (4, 6)), _bake("Q", "R1", (7, 9))],
                   [order("A", "P", 2), order("B", "Q", 2)], Objective.BATCH_COST)
    plan = _solve(req)
    assert len(loads_of(req, plan.assignments)) == 2
    assert sorted(end - start for start, end in _starts(plan).values()) == [4, 7]


# --- 2. minimum fill ------------------------------------------------------------------------------

def _early_and_late(min_load: float) -> PlanRequest:
    return _request(_oven(batch_min_load=min_load), [_bake("P", "R1")],
                    [order("A", "P", 3, due=5), order("B", "P", 3, due=1000, release=100)],
                    Objective.WEIGHTED_TARDINESS)


def test_without_a_minimum_fill_the_early_lot_goes_alone() -> None:
    assert _starts(_solve(_early_and_late(0.0)))["A"][0] == 0


def test_a_minimum_fill_makes_the_early_lot_wait_for_company() -> None:
    plan = _solve(_early_and_late(5.0))
    assert _starts(plan)["A"][0] == _starts(plan)["B"][0] == 100


# --- 3. recipe changeovers and the initial recipe -------------------------------------------------

def _two_recipes(changeovers: list[RecipeChangeover], initial: str | None = "R1") -> PlanRequest:
    return _request(_oven(recipe_changeovers=changeovers, initial_recipe=initial),
                    [_bake("P", "R1"), _bake("Q", "R2")], [order("A", "P", 2), order("B", "Q", 2)])


SWITCH = [RecipeChangeover(from_recipe="R1", to_recipe="R2", minutes=10, cost=3.0),
          RecipeChangeover(from_recipe="R2", to_recipe="R1", minutes=10, cost=3.0)]


def test_without_changeovers_the_loads_follow_each_other_at_once() -> None:
    plan = _solve(_two_recipes([RecipeChangeover(from_recipe="R2", to_recipe="R2", minutes=30)]))
    assert max(end for _, end in _starts(plan).values()) == 10


def test_a_changeover_between_recipes_passes_before_the_next_load() -> None:
    plan = _solve(_two_recipes(SWITCH))
    assert _starts(plan) == {"A": (0, 5), "B": (15, 20)}


def test_the_first_load_waits_for_the_changeover_from_the_initial_recipe() -> None:
    req = _request(_oven(recipe_changeovers=[RecipeChangeover(from_recipe="R2", to_recipe="R1", minutes=7)],
                         initial_recipe="R2"), [_bake("P", "R1")], [order("A", "P", 2)])
    assert _starts(_solve(req))["A"] == (7, 12)


def test_the_changeover_lies_in_the_loads_working_time() -> None:
    req = _request(_oven(recipe_changeovers=[RecipeChangeover(from_recipe="R2", to_recipe="R1", minutes=3)],
                         initial_recipe="R2", maintenance_windows=[TimeWindow(start=5, end=12)]),
                   [_bake("P", "R1")], [order("A", "P", 2)])
    assert _starts(_solve(req))["A"] == (15, 20)


# --- 4. BATCH_COST --------------------------------------------------------------------------------

def test_batch_cost_trades_a_late_order_against_oven_minutes() -> None:
    """Two lots of one recipe, the second released at 20: one shared load at 20 makes A late (cost 100) but saves
    a 5-minute load (cost 5 x run cost). A run cost of 1 keeps A on time, one of 30 makes it late."""
    for run_cost, shared in ((1.0, False), (30.0, True)):
        req = _request(_oven(), [_bake("P", "R1")], [order("A", "P", 2, due=10), order("B", "P", 2, release=20)],
                       Objective.BATCH_COST)
        req = req.model_copy(update={"options": req.options.model_copy(
            update={"batch_run_cost_per_minute": run_cost})})
        plan = _solve(req)
        assert (_starts(plan)["A"] == _starts(plan)["B"]) is shared
        ends = {a.order_id: a.end for a in plan.assignments}
        cost = cost_of(req, loads_of(req, plan.assignments), ends)
        assert abs(cost.total - plan.stats.objective) < 1e-6


# --- checker --------------------------------------------------------------------------------------

def _moved(plan: PlanResult, order_id: str, start: int, end: int) -> PlanResult:
    return plan.model_copy(update={"assignments": [
        a.model_copy(update={"start": start, "end": end}) if a.order_id == order_id else a for a in plan.assignments]})


def test_checker_catches_a_load_without_its_changeover() -> None:
    req = _two_recipes(SWITCH)
    problems = check_plan(req, _moved(_solve(req), "B", 5, 10))
    assert any("changeover" in p for p in problems)


def test_checker_catches_an_underfilled_load_and_a_load_outside_the_window() -> None:
    req = _early_and_late(5.0)
    plan = _solve(req)
    assert any("minimum fill" in p for p in check_plan(req, _moved(plan, "A", 0, 5)))
    windows = _request(_oven(), [_bake("P", "R1", (4, 6))], [order("A", "P", 2)], Objective.BATCH_COST)
    assert any("cycle is 4 to 6" in p for p in check_plan(windows, _moved(_solve(windows), "A", 0, 9)))


@settings(max_examples=15, deadline=None)
@given(gap=st.integers(min_value=0, max_value=20))
def test_checker_flags_a_changeover_exactly_when_the_gap_is_too_short(gap: int) -> None:
    req = _two_recipes(SWITCH)
    problems = check_plan(req, _moved(_PLAN, "B", 5 + gap, 10 + gap))
    assert any("changeover" in p for p in problems) == (gap < 10)


_PLAN = create_plan(_two_recipes(SWITCH))


# --- bad input ------------------------------------------------------------------------------------

def test_bad_oven_input_names_the_fields() -> None:
    req = _request(_oven(batch_min_load=20.0, initial_recipe="R9",
                         recipe_changeovers=[RecipeChangeover(from_recipe="R1", to_recipe="X", minutes=-1)]),
                   [_bake("P", "R1", (5, 3))], [order("A", "P", 2)])
    req = req.model_copy(update={"options": req.options.model_copy(update={"late_order_cost": -1.0})})
    fields = {v.field for v in find_violations(req)}
    assert {"factory.machines[0].batch_min_load", "factory.machines[0].initial_recipe",
            "factory.machines[0].recipe_changeovers[0].to_recipe", "factory.machines[0].recipe_changeovers[0].minutes",
            "factory.products[0].routing[0].batch_max_minutes", "options.late_order_cost"} <= fields


# --- the API ----------------------------------------------------------------------------------------

def test_the_oven_fields_and_the_batch_cost_objective_round_trip_through_the_api() -> None:
    req = _request(_oven(recipe_changeovers=SWITCH, initial_recipe="R2", batch_min_load=3.0),
                   [_bake("P", "R1", window=(5, 30)), _bake("Q", "R2")], [order("A", "P", 2), order("B", "Q", 4)],
                   Objective.BATCH_COST)
    req = req.model_copy(update={"options": req.options.model_copy(update={"batch_run_cost_per_minute": 2.5})})
    message = plan_request_to_proto(req)
    assert message.options.objective == pb.OBJECTIVE_BATCH_COST
    assert [c.changeover_time.seconds for c in message.factory.machines[0].recipe_changeovers] == [600, 600]
    assert plan_request_to_domain(message, Settings()) == req
    message.options.ClearField("batch_run_cost_per_minute")
    assert plan_request_to_domain(message, Settings()).options.batch_run_cost_per_minute == 1.0



def test_bad_oven_fields_over_the_api_are_named_by_their_api_paths() -> None:
    req = _request(_oven(recipe_changeovers=SWITCH, initial_recipe="R2"), [_bake("P", "R1", window=(5, 30))],
                   [order("A", "P", 2)], Objective.BATCH_COST)
    message = plan_request_to_proto(req)
    machine = message.factory.machines[0]
    machine.recipe_changeovers[0].changeover_time.seconds = -600
    machine.recipe_changeovers[1].to_recipe = "NOPE"
    machine.initial_recipe = "X"
    message.factory.products[0].routing[0].batch_max_time.seconds = 60
    message.options.batch_run_cost_per_minute = -1.0
    with pytest.raises(InvalidArgumentError) as refused:
        plan_request_to_domain(message, Settings())
    fields = {v.field for v in refused.value.violations}
    assert fields == {"factory.machines[0].recipe_changeovers[0].changeover_time",
                      "factory.machines[0].recipe_changeovers[1].to_recipe", "factory.machines[0].initial_recipe",
                      "factory.products[0].routing[0].batch_max_time", "options.batch_run_cost_per_minute"}
