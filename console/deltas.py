"""Scenario changes written into a plan request: what *Keep as new plan* sends to StreamPlan.

`apply_delta` changes a CreatePlanRequest as the service's CompareScenarios changes its domain request for the same
ScenarioDelta, so that the kept plan is the plan the comparison showed (solved again, with the same time limit).
Extra working time on given days is the one change a request cannot hold (calendars are weekly patterns): it raises
BadInput, and the page says so before anyone tries.
"""

from __future__ import annotations

import math

from prodplan.v1 import planning_service_pb2 as pb


class BadInput(ValueError):
    """The page sent something the console cannot turn into a request; answered with HTTP 400, as a field
    violation when `field` names what the page should correct (the page shows it next to that field)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def apply_delta(plan_request: pb.CreatePlanRequest, delta: pb.ScenarioDelta) -> None:
    """Write one scenario delta into a plan request, as the service's CompareScenarios would apply it.

    An operation pinned to a machine becomes the order's own copy of its product (as the service does it). A change
    the request cannot express raises BadInput: extra working time on given days (calendars are weekly patterns).
    Such a scenario stays a stored comparison and cannot become a plan of its own."""
    kind = delta.WhichOneof("delta")
    orders = {o.id: o for o in plan_request.orders}
    if kind == "add_order":
        plan_request.orders.append(delta.add_order)
    elif kind == "cancel_order_id":
        _order(orders, delta.cancel_order_id)
        kept = [o for o in plan_request.orders if o.id != delta.cancel_order_id]
        del plan_request.orders[:]
        plan_request.orders.extend(kept)
    elif kind == "change_quantity":
        _order(orders, delta.change_quantity.order_id).quantity = delta.change_quantity.quantity
    elif kind == "change_due_date":
        _order(orders, delta.change_due_date.order_id).due_time.CopyFrom(delta.change_due_date.new_due_time)
    elif kind == "machine_down":
        machine = next((m for m in plan_request.factory.machines if m.id == delta.machine_down.machine_id), None)
        if machine is None:
            raise BadInput(f"machine_down: unknown machine {delta.machine_down.machine_id!r}")
        machine.maintenance_windows.append(delta.machine_down.window)
    elif kind == "demand_scale":
        _scale_demand(plan_request, delta.demand_scale)
    elif kind == "assign_machine":
        assign_machine(plan_request, delta.assign_machine)
    elif kind == "risk_policy":
        plan_request.options.risk_policy = delta.risk_policy
    elif kind == "change_release":
        _order(orders, delta.change_release.order_id).release_time.CopyFrom(delta.change_release.new_release_time)
    elif kind == "change_weight":
        _order(orders, delta.change_weight.order_id).weight = delta.change_weight.weight
    elif kind == "move_maintenance":
        _move_maintenance(plan_request.factory, delta.move_maintenance)
    elif kind == "yield_override":
        kept_yields = [y for y in plan_request.yields if (y.product_id, y.machine_id)
                       != (delta.yield_override.product_id, delta.yield_override.machine_id)]
        del plan_request.yields[:]
        plan_request.yields.extend([*kept_yields, delta.yield_override])
    else:
        raise BadInput(f"a {kind or 'empty'} change cannot be written into a plan request; the comparison "
                       "that holds it stays stored")


def _scale_demand(plan_request: pb.CreatePlanRequest, scale: pb.DemandScale) -> None:
    """Order quantities rounded up (at least 1), and the forecasts' quantiles, of the product (or all) x the factor."""
    if not (math.isfinite(scale.factor) and scale.factor > 0):
        raise BadInput(f"demand_scale: the factor must be more than 0 (got {scale.factor})",
                       field="demand_scale.factor")
    for order in plan_request.orders:
        if not scale.product_id or order.product_id == scale.product_id:
            order.quantity = max(1, math.ceil(order.quantity * scale.factor - 1e-9))  # 100 x 1.2 stays 120
    for forecast in plan_request.demand_forecasts:
        if not scale.product_id or forecast.product_id == scale.product_id:
            for quantile in forecast.quantiles:
                quantile.value *= scale.factor


VARIANT_SEPARATOR = "@"
"""An order's own copy of its product is `<product>@<order>`, the id CompareScenarios gives it too."""


def assign_machine(plan_request: pb.CreatePlanRequest, assign: pb.MachineAssignment) -> None:
    """The order's operation may run on the named machine only: the order gets its own copy of its product whose
    operation lists that machine alone (with its times), and the product's yields are copied to it. Refused for a
    product that is a component of another (its stock comes from all its orders), or for an ineligible machine."""
    order = _order({o.id: o for o in plan_request.orders}, assign.order_id)
    products = plan_request.factory.products
    product = next((p for p in products if p.id == order.product_id), None)
    operation = next((op for op in product.routing if op.id == assign.operation_id), None) if product else None
    if product is None or operation is None:
        raise BadInput(f"assign_machine: order {order.id!r} has no operation {assign.operation_id!r}",
                       field="assign_machine.operation_id")
    eligible = [e for e in operation.eligible_machines if e.machine_id == assign.machine_id]
    if not eligible:
        raise BadInput(f"assign_machine: machine {assign.machine_id!r} is not eligible for {operation.id!r}",
                       field="assign_machine.machine_id")
    if any(use.material_id == product.id for p in products for op in p.routing for use in op.materials):
        raise BadInput(f"assign_machine: product {product.id!r} is a component of another product; its orders "
                       "cannot be assigned", field="assign_machine.order_id")
    own_id = product.id if product.id.endswith(f"{VARIANT_SEPARATOR}{order.id}") else \
        f"{product.id}{VARIANT_SEPARATOR}{order.id}"
    if own_id != product.id:
        if any(p.id == own_id for p in products):
            raise BadInput(f"assign_machine: product id {own_id!r} exists already", field="assign_machine.order_id")
        for estimate in [y for y in plan_request.yields if y.product_id == product.id]:
            plan_request.yields.add().CopyFrom(estimate)
            plan_request.yields[-1].product_id = own_id
        copy = products.add()
        copy.CopyFrom(product)
        copy.id = own_id
        product = copy
    target = next(op for op in product.routing if op.id == assign.operation_id)
    kept = [pb.EligibleMachine.FromString(e.SerializeToString()) for e in target.eligible_machines
            if e.machine_id == assign.machine_id]
    del target.eligible_machines[:]
    target.eligible_machines.extend(kept)
    order.product_id = own_id


def _move_maintenance(factory: pb.Factory, move: pb.MaintenanceMove) -> None:
    """The machine's window that starts at `window_start` moves to `new_start`, keeping its length."""
    machine = next((m for m in factory.machines if m.id == move.machine_id), None)
    window = next((w for w in machine.maintenance_windows if w.start == move.window_start), None) if machine else None
    if window is None:
        raise BadInput(f"move_maintenance: machine {move.machine_id!r} has no maintenance window starting at "
                       f"{move.window_start.ToJsonString()}")
    length = window.end.ToNanoseconds() - window.start.ToNanoseconds()
    window.start.CopyFrom(move.new_start)
    window.end.FromNanoseconds(move.new_start.ToNanoseconds() + length)


def _order(orders: dict[str, pb.Order], order_id: str) -> pb.Order:
    if order_id not in orders:
        raise BadInput(f"unknown order {order_id!r}")
    return orders[order_id]
