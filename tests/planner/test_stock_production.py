"""Operations that produce stock (`Operation.produces`): taken at starts, put into stock at ends, never negative.

The binding / non-binding pair (a blank machined on M1 and assembled on M2: with no blanks on hand the assembly waits
for the machining to end, with enough on hand it does not); the knapsack fast path of the materials rule does not
apply to a produced material; the shortage pre-check counts what operations produce; the checker finds a plan that
takes stock before it is produced, and agrees with a minute-by-minute recount on random plans; the dispatching start
holds a consumer until its material is produced, also inside one order's precedence graph where a later task makes
what an earlier one needs; an operation running at plan start still produces at its end; MATERIAL_WAIT names the
producing operation (en, ko); the API round trip; bad input field by field."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    Material,
    MaterialOutput,
    MaterialUse,
    Objective,
    PlanRequest,
    Predecessor,
    Product,
    RunningOperation,
    WorkInProgress,
)
from planner.plan import create_plan
from planner.scheduling import lns
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.rules.materials import material_waits, shortages, stock_problems
from planner.scheduling.rules.stock import production_violations
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations
from service.errors import InvalidArgumentError
from service.mapping import plan_request_to_domain, plan_request_to_proto
from service.settings import Settings


def _blank(per_unit: float = 1.0) -> Product:
    """Machine a blank on M1 (1 min a unit); each good unit puts `per_unit` blanks into stock when it ends."""
    make = operation("machine-blank", ["M1"], 1.0).model_copy(
        update={"produces": [MaterialOutput(material_id="BL", quantity_per_unit=per_unit)]})
    return Product(id="BLANK", routing=[make])


def _assembly() -> Product:
    """Assemble on M2 (1 min a unit), taking one blank per unit at its start."""
    use = operation("assemble", ["M2"], 1.0).model_copy(
        update={"materials": [MaterialUse(material_id="BL", quantity_per_unit=1.0)]})
    return Product(id="ASSY", routing=[use])


def _plant(on_hand: float, due: int = 100, objective: Objective = Objective.MAKESPAN,
           blanks: int = 10, assemblies: int = 10) -> PlanRequest:
    req = request(["M1", "M2"], [_blank(), _assembly()],
                  [order("A", "BLANK", blanks, due=due), order("B", "ASSY", assemblies, due=due)],
                  horizon=500, objective=objective, time_limit=5.0)
    return req.model_copy(update={"factory": req.factory.model_copy(
        update={"materials": [Material(id="BL", unit="pcs", on_hand=on_hand)]})})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _start(plan: PlanResult, order_id: str, index: int = 0) -> int:
    return next(a.start for a in plan.assignments if a.order_id == order_id and a.operation_index == index)


def _placed(order_id: str, product_id: str, operation_id: str, machine: str, start: int, quantity: int = 10,
            index: int = 0) -> ScheduledOperation:
    return ScheduledOperation(order_id=order_id, product_id=product_id, operation_id=operation_id,
                              operation_index=index, machine_id=machine, start=start, end=start + quantity,
                              quantity=quantity)


# --- the rule: binding and non-binding -------------------------------------------------------------

def test_with_no_stock_on_hand_the_assembly_waits_for_the_blanks_to_be_produced() -> None:
    req = _plant(on_hand=0)
    plan = _solve(req)
    assert _start(plan, "B") >= 10  # the machining of A ends at 10 and only then are the blanks in stock
    assert plan.stats.objective == pytest.approx(20)


def test_with_enough_stock_on_hand_the_assembly_does_not_wait() -> None:
    plan = _solve(_plant(on_hand=10))
    assert _start(plan, "B") == 0
    assert plan.stats.objective == pytest.approx(10)


def test_a_partial_stock_is_not_enough_and_the_output_per_unit_scales_with_good_units() -> None:
    assert _start(_solve(_plant(on_hand=9)), "B") >= 10
    # 5 blanks machined at 2 per unit cover the 10 assemblies once the machining ends at minute 5
    req = _plant(on_hand=0, blanks=5)
    req = req.model_copy(update={"factory": req.factory.model_copy(update={"products": [_blank(2.0), _assembly()]})})
    assert _start(_solve(req), "B") == 5


def test_the_shortage_pre_check_counts_what_operations_produce() -> None:
    req = _plant(on_hand=0)
    assert shortages(req, build_jobs(req)) == []  # without the output, 10 blanks would be "short"
    short = _plant(on_hand=0, blanks=4)
    (found,) = shortages(short, build_jobs(short))
    assert found.material_id == "BL" and found.short == pytest.approx(6)
    plan = create_plan(short)
    assert plan.status == SolveStatus.INFEASIBLE
    assert "stock, receipts and the operations that produce it bring 4 pcs" in " ".join(plan.infeasibility_reasons)


def test_requests_with_production_get_no_neighbourhood_search() -> None:
    assert not lns.decomposable(_plant(on_hand=0))


# --- the checker ---------------------------------------------------------------------------------------

def test_the_checker_finds_an_assembly_that_takes_blanks_before_they_are_produced() -> None:
    req = _plant(on_hand=0)
    early = [_placed("A", "BLANK", "machine-blank", "M1", 0), _placed("B", "ASSY", "assemble", "M2", 5)]
    (problem,) = stock_problems(req, build_jobs(req), early)
    assert problem.startswith("material BL: B/0 takes 10 at 5")
    on_time = [early[0], _placed("B", "ASSY", "assemble", "M2", 10)]
    assert stock_problems(req, build_jobs(req), on_time) == []
    assert check_schedule(req, on_time) == []


def test_the_checker_finds_a_producer_moved_after_its_consumer() -> None:
    req = _plant(on_hand=0)
    late = [_placed("A", "BLANK", "machine-blank", "M1", 30), _placed("B", "ASSY", "assemble", "M2", 20)]
    assert any("material BL" in p for p in check_schedule(req, late))


def _recount(req: PlanRequest, assignments: list[ScheduledOperation]) -> bool:
    """Minute by minute: output counted from the producer's end, consumption from the consumer's start."""
    horizon = req.options.horizon_minutes
    level = [req.factory.materials[0].on_hand] * (horizon + 1)
    per_unit = {p.id: p.routing[0] for p in req.factory.products}
    quantity = {o.id: o.quantity for o in req.orders}
    for placed in assignments:
        op = per_unit[placed.product_id]
        for out in op.produces:
            for minute in range(placed.end, horizon + 1):
                level[minute] += out.quantity_per_unit * quantity[placed.order_id]
        for use in op.materials:
            for minute in range(placed.start, horizon + 1):
                level[minute] -= use.quantity_per_unit * quantity[placed.order_id]
    return min(level) >= -1e-6


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(on_hand=st.integers(0, 25), starts=st.lists(st.integers(0, 80), min_size=4, max_size=4),
       sizes=st.lists(st.integers(1, 12), min_size=4, max_size=4))
def test_the_checker_agrees_with_a_minute_by_minute_recount(on_hand: int, starts: list[int],
                                                           sizes: list[int]) -> None:
    req = _plant(on_hand=on_hand)
    orders = [order("A1", "BLANK", sizes[0]), order("A2", "BLANK", sizes[1]),
              order("B1", "ASSY", sizes[2]), order("B2", "ASSY", sizes[3])]
    req = req.model_copy(update={"orders": orders, "options": req.options.model_copy(update={"horizon_minutes": 120})})
    assignments = [_placed(o.id, o.product_id, "machine-blank" if o.product_id == "BLANK" else "assemble",
                           "M1" if o.product_id == "BLANK" else "M2", s, o.quantity)
                   for o, s in zip(orders, starts, strict=True)]
    found = stock_problems(req, build_jobs(req), assignments)
    assert (found == []) == _recount(req, assignments), found


# --- the dispatching start -------------------------------------------------------------------------------

def test_the_dispatching_start_holds_the_consumer_until_its_material_is_produced() -> None:
    req = _plant(on_hand=0)
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None and hint[("B", 0)][1] >= 10
    started = hint_assignments(jobs, hint)
    assert started is not None and check_schedule(req, started) == []


def _one_order_graph() -> PlanRequest:
    """One order whose graph lists `use` (needs 2 of X) before `make` (makes 2 of X), both after `start`: a
    fixed topological order would place `use` first and find no stock."""
    steps = [operation("start", ["M1"], 3.0),
             operation("use", ["M2"], 2.0).model_copy(update={
                 "materials": [MaterialUse(material_id="X", quantity_per_unit=2.0)],
                 "predecessors": [Predecessor(operation_id="start")]}),
             operation("make", ["M1"], 4.0).model_copy(update={
                 "produces": [MaterialOutput(material_id="X", quantity_per_unit=2.0)],
                 "predecessors": [Predecessor(operation_id="start")]})]
    req = request(["M1", "M2"], [Product(id="P", routing=steps)], [order("O", "P", 1, due=100)], horizon=200,
                  objective=Objective.MAKESPAN)
    return req.model_copy(update={"factory": req.factory.model_copy(update={"materials": [Material(id="X")]})})


def test_inside_one_order_a_later_task_that_produces_goes_first_in_the_dispatching_start() -> None:
    req = _one_order_graph()
    assert find_violations(req) == []
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    assert hint[("O", 1)][1] >= hint[("O", 2)][1] + 4  # `use` after `make` ends
    started = hint_assignments(jobs, hint)
    assert started is not None and check_schedule(req, started) == []
    assert _solve(req).stats.objective == pytest.approx(9)  # start 3, make 4, use 2


def test_an_operation_running_at_plan_start_still_produces_when_it_ends() -> None:
    req = _plant(on_hand=0)
    running = WorkInProgress(running=RunningOperation(operation_id="machine-blank", machine_id="M1",
                                                      remaining_minutes=4))
    req = req.model_copy(update={"orders": [req.orders[0].model_copy(update={"work_in_progress": running}),
                                            req.orders[1]]})
    plan = _solve(req)
    assert _start(plan, "B") == 4


# --- explanations --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "words"), [("en", ("It came from machine-blank of order A",
                                                       "machine-blank of order A would have to end by")),
                                               ("ko", ("주문 A의 machine-blank", "끝나야 합니다"))])
def test_a_material_wait_names_the_operation_that_produced_the_stock(locale: str, words: tuple[str, str]) -> None:
    req = _plant(on_hand=0, due=12, objective=Objective.WEIGHTED_TARDINESS)
    req = req.model_copy(update={"options": req.options.model_copy(update={"locale": locale})})
    plan = _solve(req)
    (late,) = plan.late_orders
    assert late.order_id == "B" and late.reason_code == "MATERIAL_WAIT"
    assert words[0] in late.reason and words[1] in late.fix
    (wait,) = material_waits(req, build_jobs(req), plan.assignments)
    assert wait.producer == ("A", "machine-blank") and wait.available == 10


# --- the API and bad input ---------------------------------------------------------------------------------

def test_production_round_trips_through_the_api() -> None:
    req = _plant(on_hand=2.5)
    assert plan_request_to_domain(plan_request_to_proto(req), Settings()) == req


@pytest.mark.parametrize(("material_id", "per_unit", "field", "words"), [
    ("NOPE", 1.0, "material_id", "unknown material"),
    ("ASSY", 1.0, "material_id", "bill of materials"),
    ("BL", 0.0, "quantity_per_unit", "greater than 0"),
    ("BL", -1.0, "quantity_per_unit", "greater than 0"),
    ("BL", float("nan"), "quantity_per_unit", "finite"),
    ("BL", float("inf"), "quantity_per_unit", "finite"),
])
def test_bad_production_is_reported_on_its_field(material_id: str, per_unit: float, field: str, words: str) -> None:
    req = _plant(on_hand=0)
    make = req.factory.products[0].routing[0].model_copy(
        update={"produces": [MaterialOutput(material_id=material_id, quantity_per_unit=per_unit)]})
    products = [req.factory.products[0].model_copy(update={"routing": [make]}), req.factory.products[1]]
    bad = req.model_copy(update={"factory": req.factory.model_copy(update={"products": products})})
    found = {v.field: v.reason for v in find_violations(bad)}
    assert words in found[f"factory.products[0].routing[0].produces[0].{field}"]


def test_a_material_produced_twice_by_one_operation_is_reported() -> None:
    req = _plant(on_hand=0)
    make = req.factory.products[0].routing[0]
    twice = make.model_copy(update={"produces": [*make.produces, *make.produces]})
    products = [req.factory.products[0].model_copy(update={"routing": [twice]}), req.factory.products[1]]
    bad = req.model_copy(update={"factory": req.factory.model_copy(update={"products": products})})
    assert ("factory.products[0].routing[0].produces[1].material_id", "'BL' listed twice") in production_violations(bad)


def test_bad_production_over_the_api_is_invalid_argument_on_the_api_field() -> None:
    message = plan_request_to_proto(_plant(on_hand=0))
    message.factory.products[0].routing[0].produces[0].material_id = "NOPE"
    message.factory.products[0].routing[0].produces[0].quantity_per_unit = 0.0
    with pytest.raises(InvalidArgumentError) as caught:
        plan_request_to_domain(message, Settings())
    fields = {v.field for v in caught.value.violations}
    assert {"factory.products[0].routing[0].produces[0].material_id",
            "factory.products[0].routing[0].produces[0].quantity_per_unit"} <= fields


def test_a_stock_that_only_a_later_operation_makes_is_infeasible_with_the_stock_named() -> None:
    """The pre-check sees enough output in total; only the order of maker and user makes the plan impossible, so
    CP-SAT proves it, and the reason names the stock rather than the machines' load."""
    use = operation("assemble", ["M2"], 1.0).model_copy(
        update={"materials": [MaterialUse(material_id="BL", quantity_per_unit=1.0)]})
    make = operation("machine-blank", ["M1"], 1.0).model_copy(
        update={"produces": [MaterialOutput(material_id="BL", quantity_per_unit=1.0)]})
    req = request(["M1", "M2"], [Product(id="LOOP", routing=[use, make])], [order("L", "LOOP", 10, due=100)],
                  horizon=500, time_limit=5.0)
    req = req.model_copy(update={"factory": req.factory.model_copy(
        update={"materials": [Material(id="BL", unit="pcs", on_hand=0.0)]})})
    assert shortages(req, build_jobs(req)) == []
    plan = create_plan(req)
    assert plan.status == SolveStatus.INFEASIBLE
    assert "stock of BL" in " ".join(plan.infeasibility_reasons)
