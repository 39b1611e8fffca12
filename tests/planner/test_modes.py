"""Operation modes (multi-mode): the plan chooses one mode per operation, each with its own machine (or none), times,
resources and materials. The binding pairs (a scarce resource or material that only the fast mode needs), two modes
on one machine, the checker on broken plans, a property of the checker against a minute-by-minute count, the
dispatching start, and bad input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    NO_MACHINE,
    EligibleMachine,
    FamilyChangeover,
    Material,
    MaterialUse,
    Objective,
    Operation,
    OperationMode,
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
)
from planner.plan import create_plan
from planner.replanning.replan import replan
from planner.scheduling import lns
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import order, request
from planner.validation import find_violations
from service.errors import InvalidArgumentError
from service.mapping import plan_request_to_domain, plan_request_to_proto, plan_to_proto
from service.scenario_mapping import released_plan_from_proto
from service.settings import Settings


def _mode(mode_id: str, minutes: int, machine: str = NO_MACHINE, needs: tuple[ResourceNeed, ...] = (),
          materials: tuple[MaterialUse, ...] = ()) -> OperationMode:
    """A mode of a fixed duration (setup only, no run time per unit)."""
    return OperationMode(id=mode_id, machine_id=machine, setup_minutes=minutes, resources=list(needs),
                         materials=list(materials))


def _deburr(*modes: OperationMode) -> Product:
    return Product(id="housing", routing=[Operation(id="deburr", eligible_machines=[], modes=list(modes))])


HANDS = ResourceNeed(resource_id="hands")
CRANE = ResourceNeed(resource_id="crane")
GAS = MaterialUse(material_id="gas", quantity_per_unit=1.0)


def _plant(product: Product, orders: int = 2, crane: int = 1, gas: float = 10.0,
           objective: Objective = Objective.MAKESPAN) -> PlanRequest:
    """`orders` lots of one housing; a crane pool of `crane`, plenty of hands, `gas` units of gas on hand."""
    req = request(["M1"], [product], [order(f"O{i}", "housing", 1, due=0) for i in range(orders)], horizon=600,
                  objective=objective)
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": [Resource(id="crane", capacity=crane), Resource(id="hands", capacity=10)],
        "materials": [Material(id="gas", on_hand=gas)]})})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _modes(plan: PlanResult) -> list[str]:
    return sorted(a.mode_id for a in plan.assignments)


FAST_NEEDS_CRANE = _deburr(_mode("fast", 10, needs=(CRANE,)), _mode("slow", 15, needs=(HANDS,)))
FAST_NEEDS_GAS = _deburr(_mode("fast", 10, needs=(HANDS,), materials=(GAS,)), _mode("slow", 15, needs=(HANDS,)))


# --- the rule: binding and non-binding -------------------------------------------------------------

def test_a_scarce_crane_sends_one_lot_to_the_slow_mode_and_enough_cranes_do_not() -> None:
    assert _solve(_plant(FAST_NEEDS_CRANE, crane=2)).stats.objective == 10
    assert _modes(_solve(_plant(FAST_NEEDS_CRANE, crane=2))) == ["fast", "fast"]
    binding = _solve(_plant(FAST_NEEDS_CRANE, crane=1))
    assert binding.stats.objective == 15  # fast + slow side by side beats two fast lots one after the other (20)
    assert _modes(binding) == ["fast", "slow"]


def test_gas_for_one_fast_lot_only_sends_the_other_to_the_slow_mode() -> None:
    assert _modes(_solve(_plant(FAST_NEEDS_GAS, gas=2.0))) == ["fast", "fast"]
    binding = _solve(_plant(FAST_NEEDS_GAS, gas=1.0))
    assert binding.stats.objective == 15
    assert _modes(binding) == ["fast", "slow"]


def test_two_modes_on_one_machine_are_two_alternatives() -> None:
    product = _deburr(_mode("with-gas", 10, machine="M1", materials=(GAS,)), _mode("plain", 30, machine="M1"))
    assert [(a.machine_id, a.mode_id) for a in _solve(_plant(product, orders=1, gas=1.0)).assignments] == [
        ("M1", "with-gas")]
    plan = _solve(_plant(product, orders=1, gas=0.0))  # no gas at all: only the plain mode is left
    assert [(a.machine_id, a.mode_id, a.end - a.start) for a in plan.assignments] == [("M1", "plain", 30)]


def test_a_machine_mode_and_a_manual_mode_run_side_by_side() -> None:
    product = _deburr(_mode("cell", 10, machine="M1"), _mode("by-hand", 12, needs=(HANDS,)))
    plan = _solve(_plant(product, orders=2))
    assert plan.stats.objective == 12  # one on the cell, one by hand: the cell alone would take 20
    assert sorted((a.machine_id, a.mode_id) for a in plan.assignments) == [("", "by-hand"), ("M1", "cell")]


def test_run_time_per_unit_counts_the_processed_quantity() -> None:
    mode = OperationMode(id="m", machine_id="M1", setup_minutes=5, run_minutes_per_unit=1.5)
    req = request(["M1"], [_deburr(mode)], [order("O", "housing", 10)], objective=Objective.MAKESPAN)
    assert _solve(req).assignments[0].end == 5 + 15


def test_an_over_demanded_material_is_infeasible() -> None:
    req = _plant(_deburr(_mode("only", 10, needs=(HANDS,), materials=(GAS,))), orders=3, gas=2.0)
    assert create_plan(req).status == SolveStatus.INFEASIBLE


def test_without_modes_the_operation_keeps_its_eligible_machines() -> None:
    op = Operation(id="cut", eligible_machines=[EligibleMachine(machine_id="M1")], run_minutes_per_unit=2)
    req = request(["M1"], [Product(id="P", routing=[op])], [order("O", "P", 3)])
    plan = _solve(req)
    assert [(a.machine_id, a.mode_id, a.end) for a in plan.assignments] == [("M1", "", 6)]


def test_the_dispatching_start_keeps_modes_resources_and_materials() -> None:
    for req in (_plant(FAST_NEEDS_CRANE, orders=4, crane=1), _plant(FAST_NEEDS_GAS, orders=4, gas=2.0)):
        jobs = build_jobs(req)
        hint = best_dispatch(req, jobs, availability_by_machine(req))
        assert hint is not None
        placed = hint_assignments(jobs, hint)
        assert placed is not None and {a.mode_id for a in placed} <= {"fast", "slow"}
        assert check_schedule(req, placed) == []
    assert not lns.decomposable(_plant(FAST_NEEDS_CRANE))


# --- the checker ---------------------------------------------------------------------------------

def _placed(mode_id: str, start: int, end: int, order_id: str = "O0", machine: str = NO_MACHINE) -> ScheduledOperation:
    return ScheduledOperation(order_id=order_id, product_id="housing", operation_id="deburr", operation_index=0,
                              machine_id=machine, mode_id=mode_id, start=start, end=end, quantity=1,
                              processed_quantity=1)


def test_the_checker_finds_a_lot_that_lasts_other_than_its_mode_or_names_no_mode() -> None:
    req = _plant(FAST_NEEDS_CRANE, orders=1)
    assert check_schedule(req, [_placed("fast", 0, 10)]) == []
    assert any("lasts 10 min, needs 15" in p for p in check_schedule(req, [_placed("slow", 0, 10)]))
    assert any("is not a mode of it" in p for p in check_schedule(req, [_placed("turbo", 0, 10)]))
    assert any("is not a mode of it" in p for p in check_schedule(req, [_placed("", 0, 10)]))
    assert any("is not a mode of it" in p for p in check_schedule(req, [_placed("fast", 0, 10, machine="M1")]))


def test_the_checker_finds_the_chosen_modes_resource_and_material_overuse() -> None:
    both_fast = [_placed("fast", 0, 10), _placed("fast", 0, 10, order_id="O1")]
    assert any("resource crane" in p for p in check_schedule(_plant(FAST_NEEDS_CRANE, crane=1), both_fast))
    assert check_schedule(_plant(FAST_NEEDS_CRANE, crane=2), both_fast) == []
    assert any("material gas" in p for p in check_schedule(_plant(FAST_NEEDS_GAS, gas=1.0), both_fast))
    one_slow = [_placed("fast", 0, 10), _placed("slow", 0, 15, order_id="O1")]
    assert check_schedule(_plant(FAST_NEEDS_GAS, gas=1.0), one_slow) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(choices=st.lists(st.tuples(st.booleans(), st.integers(0, 30)), min_size=1, max_size=4),
       crane=st.integers(0, 2), gas=st.integers(0, 4))
def test_the_checker_accepts_random_mode_choices_exactly_when_a_minute_count_does(
        choices: list[tuple[bool, int]], crane: int, gas: int) -> None:
    product = _deburr(_mode("fast", 10, needs=(CRANE,), materials=(GAS,)), _mode("slow", 15, needs=(HANDS,)))
    req = _plant(product, orders=len(choices), crane=crane, gas=float(gas))
    placed = [_placed("fast" if fast else "slow", start, start + (10 if fast else 15), order_id=f"O{i}")
              for i, (fast, start) in enumerate(choices)]
    cranes_ok = all(sum(1 for fast, s in choices if fast and s <= t < s + 10) <= crane for t in range(60))
    gas_ok = sum(1 for fast, _ in choices if fast) <= gas
    problems = check_schedule(req, placed)
    assert any("resource crane" in p for p in problems) == (not cranes_ok)
    assert any("material gas" in p for p in problems) == (not gas_ok)
    assert len(problems) == (not cranes_ok) * len([p for p in problems if "crane" in p]) + (not gas_ok) * len(
        [p for p in problems if "gas" in p])


# --- bad input -----------------------------------------------------------------------------------

def _violations(product: Product, **changes: object) -> dict[str, str]:
    req = _plant(product)
    if changes:
        req = req.model_copy(update={"factory": req.factory.model_copy(update=changes)})
    return {v.field: v.reason for v in find_violations(req)}


PATH = "factory.products[0].routing[0]"


def test_bad_modes_are_field_violations() -> None:
    bad = _deburr(
        OperationMode(id="a", machine_id="NOPE", setup_minutes=-1, run_minutes_per_unit=-0.5),
        OperationMode(id="a", resources=[ResourceNeed(resource_id="ghost")],
                      materials=[MaterialUse(material_id="unobtainium", quantity_per_unit=0)]),
        OperationMode(id="", machine_id="M1", resources=[ResourceNeed(resource_id="crane", quantity=5)]),
        OperationMode(id="b", resources=[ResourceNeed(resource_id="hands", setup_only=True)]),
    )
    found = _violations(bad)
    assert "unknown machine 'NOPE'" in found[f"{PATH}.modes[0].machine_id"]
    assert found[f"{PATH}.modes[0].setup_minutes"] == "must not be negative"
    assert "at least 0" in found[f"{PATH}.modes[0].run_minutes_per_unit"]
    assert "manual work" in found[f"{PATH}.modes[3].resources"]
    assert "duplicate mode id 'a'" in found[f"{PATH}.modes[1].id"]
    assert "unknown resource 'ghost'" in found[f"{PATH}.modes[1].resources[0].resource_id"]
    assert "unknown material 'unobtainium'" in found[f"{PATH}.modes[1].materials[0].material_id"]
    assert "greater than 0" in found[f"{PATH}.modes[1].materials[0].quantity_per_unit"]
    assert found[f"{PATH}.modes[2].id"] == "must not be empty"
    assert "at most 1" in found[f"{PATH}.modes[2].resources[0].quantity"]


def test_modes_with_what_they_do_not_support_are_field_violations() -> None:
    mixed = Product(id="housing", routing=[Operation(
        id="deburr", eligible_machines=[EligibleMachine(machine_id="M1")], resources=[HANDS], materials=[GAS],
        may_pause=True, modes=[_mode("fast", 10, machine="M1")])])
    found = _violations(mixed, changeovers=[FamilyChangeover(from_family="a", to_family="b", minutes=5)])
    assert "not both" in found[f"{PATH}.eligible_machines"]
    assert "each mode lists the resources" in found[f"{PATH}.resources"]
    assert "each mode lists the materials" in found[f"{PATH}.materials"]
    assert "factory.changeovers" not in found  # family changeovers combine with modes (`test_modes_with_rules`)
    component = _deburr(_mode("m", 5, needs=(HANDS,), materials=(MaterialUse(material_id="housing",
                                                                              quantity_per_unit=1),)))
    assert "in-house components" in _violations(component)[f"{PATH}.modes[0].materials[0].material_id"]
    assert _violations(FAST_NEEDS_CRANE) == {}


# --- the API -------------------------------------------------------------------------------------

def test_modes_and_the_chosen_mode_survive_the_api_round_trip() -> None:
    with_run = _deburr(OperationMode(id="fast", name="robot", machine_id="M1", setup_minutes=5,
                                     run_minutes_per_unit=0.5, resources=[ResourceNeed(resource_id="crane", quantity=1,
                                                                                       setup_only=True)],
                                     materials=[GAS]),
                       _mode("slow", 15, needs=(HANDS,)))
    req = _plant(with_run, gas=1.0)
    assert plan_request_to_domain(plan_request_to_proto(req), Settings()) == req
    plan = _solve(req)
    message = plan_to_proto(req, plan)
    assert sorted(a.mode_id for a in message.assignments) == ["fast", "slow"]
    assert sorted(a.machine_id for a in message.assignments) == ["", "M1"]


def test_a_bad_mode_over_the_api_names_the_api_field() -> None:
    message = plan_request_to_proto(_plant(FAST_NEEDS_CRANE))
    message.factory.products[0].routing[0].modes[0].run_time_per_unit.seconds = -60
    with pytest.raises(InvalidArgumentError) as raised:
        plan_request_to_domain(message, Settings())
    fields = [v.field for v in raised.value.violations]
    assert "factory.products[0].routing[0].modes[0].run_time_per_unit" in fields


def test_a_re_plan_keeps_started_operations_in_their_mode() -> None:
    req = _plant(FAST_NEEDS_CRANE, orders=3, crane=1)
    released = _solve(req)
    result = replan(req, released, [], replan_at=5, frozen_minutes=0)
    assert result.plan.status.has_solution
    assert check_plan(result.request, result.plan) == []
    started = {(a.order_id, a.mode_id, a.start) for a in released.assignments if a.start < 5}
    assert started <= {(a.order_id, a.mode_id, a.start) for a in result.plan.assignments}
    assert result.unchanged == len(released.assignments)  # nothing happened: the plan stays as released


def test_a_stored_plan_read_back_for_a_re_plan_keeps_its_modes() -> None:
    req = _plant(FAST_NEEDS_CRANE, orders=3, crane=1)
    released = _solve(req)
    read_back = released_plan_from_proto(plan_to_proto(req, released), req)
    assert [a.mode_id for a in read_back.assignments] == [a.mode_id for a in released.assignments]
    result = replan(req, read_back, [], replan_at=5, frozen_minutes=0)
    assert check_plan(result.request, result.plan) == []
