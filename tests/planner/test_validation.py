"""Validation reports every problem at once, each with a field path and a plain reason."""

from __future__ import annotations

import math

from hypothesis import given, settings
from strategies import plan_requests

from planner.domain import EligibleMachine, Machine, Operation, PlanRequest, TimeWindow
from planner.testing import order, product, request
from planner.validation import find_violations


def _base() -> PlanRequest:
    return request(["M1", "M2"], [product("P", ("cut", ["M1"], 1.0), ("drill", ["M2"], 2.0))],
                   [order("O1", "P", 5), order("O2", "P", 3)])


def _fields(req: PlanRequest) -> dict[str, str]:
    return {v.field: v.reason for v in find_violations(req)}


def test_a_valid_request_has_no_violations() -> None:
    assert find_violations(_base()) == []


def test_unknown_machine_negative_quantity_and_due_before_release_are_all_reported() -> None:
    base = _base()
    bad_product = product("P", ("cut", ["M9"], 1.0), ("drill", ["M2"], 2.0))
    orders = [order("O1", "P", -4), order("O2", "P", 3, release=500, due=100)]
    fields = _fields(base.model_copy(update={
        "factory": base.factory.model_copy(update={"products": [bad_product]}), "orders": orders}))
    assert "unknown machine 'M9'" in fields["factory.products[0].routing[0].eligible_machines[0].machine_id"]
    assert "greater than 0" in fields["orders[0].quantity"]
    assert "before the release" in fields["orders[1].due"]
    assert len(fields) == 3


def test_duplicate_ids_unknown_product_and_empty_routing() -> None:
    base = _base()
    factory = base.factory.model_copy(update={
        "machines": [Machine(id="M1"), Machine(id="M1"), Machine(id="M2")],
        "products": [product("P", ("cut", ["M1"], 1.0)), base.factory.products[0].model_copy(update={
            "id": "Q", "routing": []})],
    })
    fields = _fields(base.model_copy(update={"factory": factory, "orders": [order("O1", "X"), order("O1", "P")]}))
    assert fields["factory.machines[1].id"] == "duplicate id 'M1'"
    assert fields["factory.products[1].routing"] == "routing must not be empty"
    assert fields["orders[0].product_id"] == "unknown product 'X'"
    assert fields["orders[1].id"] == "duplicate id 'O1'"


def test_operation_without_machines_nan_and_infinite_numbers() -> None:
    base = _base()
    no_machine = Operation(id="cut", eligible_machines=[], run_minutes_per_unit=math.nan)
    inf_override = Operation(id="drill", run_minutes_per_unit=1.0,
                             eligible_machines=[EligibleMachine(machine_id="M2", run_minutes_per_unit=math.inf)])
    factory = base.factory.model_copy(update={"products": [base.factory.products[0].model_copy(update={
        "routing": [no_machine, inf_override]})]})
    orders = [order("O1", "P", weight=math.nan)]
    fields = _fields(base.model_copy(update={"factory": factory, "orders": orders}))
    assert "at least one eligible machine" in fields["factory.products[0].routing[0].eligible_machines"]
    assert "finite" in fields["factory.products[0].routing[0].run_minutes_per_unit"]
    assert "finite" in fields["factory.products[0].routing[1].eligible_machines[0].run_minutes_per_unit"]
    assert "finite" in fields["orders[0].weight"]


def test_times_outside_the_horizon_and_bad_windows() -> None:
    base = _base()
    machines = [Machine(id="M1", maintenance_windows=[TimeWindow(start=50, end=50)]), Machine(id="M2")]
    orders = [order("O1", "P", release=20_000, due=20_100), order("O2", "P", due=10_001)]
    fields = _fields(base.model_copy(update={
        "factory": base.factory.model_copy(update={"machines": machines}), "orders": orders}))
    assert fields["factory.machines[0].maintenance_windows[0]"] == "end must be after start"
    assert "after the end of the planning horizon" in fields["orders[0].release"]
    assert "after the end of the planning horizon" in fields["orders[1].due"]


def test_an_order_already_late_at_plan_start_is_valid() -> None:
    assert find_violations(_base().model_copy(update={"orders": [order("O1", "P", release=-600, due=-60)]})) == []


@settings(max_examples=60, deadline=None)
@given(plan_requests())
def test_generated_requests_are_valid(req: PlanRequest) -> None:
    assert find_violations(req) == []
