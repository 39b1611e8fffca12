"""Keeping a scenario as a plan: each scenario delta written into the plan request (console/app.py apply_delta)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from console.app import BadInput, apply_delta
from prodplan.v1 import planning_service_pb2 as pb

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "create_plan.json"
REQUEST = json_format.ParseDict(json.loads(EXAMPLE.read_text()), pb.CreatePlanRequest())


def request() -> pb.CreatePlanRequest:
    copy = pb.CreatePlanRequest()
    copy.CopyFrom(REQUEST)
    return copy


def delta(data: dict[str, object]) -> pb.ScenarioDelta:
    return json_format.ParseDict(data, pb.ScenarioDelta())


def test_order_changes() -> None:
    changed = request()
    first, second = changed.orders[0].id, changed.orders[1].id
    apply_delta(changed, delta({"changeWeight": {"orderId": first, "weight": 7.5}}))
    apply_delta(changed, delta({"changeRelease": {"orderId": first, "newReleaseTime": "2026-03-02T00:00:00Z"}}))
    apply_delta(changed, delta({"changeDueDate": {"orderId": second, "newDueTime": "2026-03-09T09:00:00Z"}}))
    apply_delta(changed, delta({"changeQuantity": {"orderId": second, "quantity": "3"}}))
    apply_delta(changed, delta({"cancelOrderId": changed.orders[2].id}))
    apply_delta(changed, delta({"addOrder": {"id": "RUSH", "productId": "MH-800", "quantity": "5",
                                             "dueTime": "2026-03-04T09:00:00Z"}}))
    orders = {o.id: o for o in changed.orders}
    assert orders[first].weight == pytest.approx(7.5)
    assert orders[first].release_time.ToJsonString() == "2026-03-02T00:00:00Z"
    assert orders[second].due_time.ToJsonString() == "2026-03-09T09:00:00Z" and orders[second].quantity == 3
    assert REQUEST.orders[2].id not in orders and "RUSH" in orders
    assert len(changed.orders) == len(REQUEST.orders)
    with pytest.raises(BadInput, match="unknown order"):
        apply_delta(changed, delta({"cancelOrderId": "NO-SUCH"}))


def test_machine_changes() -> None:
    changed = request()
    machine = next(m for m in changed.factory.machines if m.maintenance_windows)
    window = machine.maintenance_windows[0]
    length = window.end.seconds - window.start.seconds
    apply_delta(changed, delta({"moveMaintenance": {"machineId": machine.id, "windowStart": window.start.ToJsonString(),
                                                    "newStart": "2026-03-10T00:00:00Z"}}))
    assert window.start.ToJsonString() == "2026-03-10T00:00:00Z" and window.end.seconds - window.start.seconds == length
    with pytest.raises(BadInput, match="no maintenance window starting"):
        apply_delta(changed, delta({"moveMaintenance": {"machineId": machine.id, "windowStart": "2020-01-01T00:00:00Z",
                                                        "newStart": "2026-03-10T00:00:00Z"}}))
    apply_delta(changed, delta({"machineDown": {"machineId": "CNC-1", "window": {
        "start": "2026-03-03T00:00:00Z", "end": "2026-03-03T08:00:00Z", "reason": "spindle"}}}))
    assert next(m for m in changed.factory.machines if m.id == "CNC-1").maintenance_windows[-1].reason == "spindle"
    with pytest.raises(BadInput, match="cannot be written into a plan request"):
        apply_delta(changed, delta({"extraWorkingTime": {"machineId": "CNC-1"}}))


def eligible_choice(message: pb.CreatePlanRequest) -> tuple[pb.Order, pb.Operation, str]:
    """An order and an operation of its product with more than one eligible machine, and the last of them."""
    products = {p.id: p for p in message.factory.products}
    for order in message.orders:
        for operation in products[order.product_id].routing:
            if len(operation.eligible_machines) > 1:
                return order, operation, operation.eligible_machines[-1].machine_id
    raise AssertionError("the demo plant has no operation with a choice of machines")


def test_a_machine_assignment_becomes_the_orders_own_product() -> None:
    changed = request()
    order, operation, machine = eligible_choice(changed)
    product_id = order.product_id
    changed.yields.add(product_id=product_id, machine_id=machine, yield_rate=0.9, source="test")
    others = [o.id for o in changed.orders if o.product_id == product_id and o.id != order.id]
    pin = delta({"assignMachine": {"orderId": order.id, "operationId": operation.id, "machineId": machine}})
    apply_delta(changed, pin)
    own = next(o for o in changed.orders if o.id == order.id).product_id
    assert own == f"{product_id}@{order.id}"
    products = {p.id: p for p in changed.factory.products}
    pinned = next(op for op in products[own].routing if op.id == operation.id)
    assert [e.machine_id for e in pinned.eligible_machines] == [machine]
    untouched = next(op for op in products[product_id].routing if op.id == operation.id)
    assert len(untouched.eligible_machines) == len(operation.eligible_machines) > 1  # the other orders keep the choice
    assert all(o.product_id == product_id for o in changed.orders if o.id in others)
    assert any(y.product_id == own and y.machine_id == machine and y.yield_rate == pytest.approx(0.9)
               for y in changed.yields)
    apply_delta(changed, pin)
    assert len(changed.factory.products) == len(products)  # a second assignment reuses the order's copy
    with pytest.raises(BadInput, match="not eligible") as refused:
        apply_delta(changed, delta({"assignMachine": {"orderId": order.id, "operationId": operation.id,
                                                      "machineId": "NO-SUCH"}}))
    assert refused.value.field == "assign_machine.machine_id"


def test_demand_scale_scales_the_forecasts_too() -> None:
    changed = request()
    changed.demand_forecasts.add(product_id="MH-800", bucket=0).quantiles.add(level=0.9, value=100.0)
    changed.demand_forecasts.add(product_id="SUB-F", bucket=0).quantiles.add(level=0.9, value=50.0)
    apply_delta(changed, delta({"demandScale": {"productId": "MH-800", "factor": 1.2}}))
    assert [f.quantiles[0].value for f in changed.demand_forecasts] == pytest.approx([120.0, 50.0])
    with pytest.raises(BadInput, match="more than 0"):
        apply_delta(changed, delta({"demandScale": {"factor": -1}}))


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 3.0), st.sampled_from(["", "MH-800", "SUB-F"]))
def test_demand_scale_rounds_up_only_the_products_named(factor: float, product: str) -> None:
    changed = request()
    apply_delta(changed, delta({"demandScale": {"productId": product, "factor": factor}}))
    for before, after in zip(REQUEST.orders, changed.orders, strict=True):
        touched = not product or before.product_id == product
        if not touched:
            assert after.quantity == before.quantity
        else:  # rounded up, never below 1, and 100 x 1.2 stays 120 (no float noise pushes it to 121)
            assert after.quantity >= max(1, before.quantity * factor - 1e-6)
            assert after.quantity < max(1, math.ceil(before.quantity * factor - 1e-6)) + 1
