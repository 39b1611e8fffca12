"""What-if scenarios: a base request plus named deltas, and the comparison of their plans with the base.

A scenario is the base request with its deltas applied in order (a later delta may refer to an
order an earlier one added). Each delta type mirrors one `ScenarioDelta` of the API, and its
`kind` is the name of that oneof field, so violations carry the API's path
(`scenarios[1].deltas[0].cancel_order_id`) without a translation table.

Semantics a planner relies on:
- quantities scaled by demand are rounded up (never fewer parts than asked for), at least 1;
- a machine down for a window becomes a maintenance window on that machine;
- extra working time (overtime, an added shift) is working time even outside the machine's
  calendar (`Machine.extra_working_windows`); maintenance and breakdowns still win over it;
- a yield override replaces the estimate for its (product, machine) pair or adds one;
- a release or weight change replaces the order's own (a higher weight makes the planner run it
  earlier: it is how a fix asks for re-sequencing);
- a maintenance move shifts one maintenance window of a machine, same length, to a new start;
- a machine assignment ("run operation k of order X on machine M") is hard: the order gets its own
  copy of its product, `<product>@<order>`, whose operation k is eligible on M only (the yield
  estimates of the product are copied to it), so the scenario's plan names that product for the
  order; it is refused for a product that other products consume as a component, and for an
  operation that is done or runs on another machine;
- "split the lot of operation k of order X" replaces or adds the order's lot-split permission for k
  (`planner.scheduling.rules.lot_splitting`); the plan still chooses whether and how to split;
- "one more setter from ... to ..." adds units of a resource pool inside a window on top of its calendar
  (`Resource.extra_capacity`), also off shift; refused for a die or a named person, who exist once;
- "run X before Y on machine M" adds a sequence rule to the request (`planner.scheduling.rules.sequence`): hard,
  it binds where both operations run on M; cancelling an order drops the rules that name it.

`compare` measures a scenario's plan against the base plan: KPIs, the bottleneck machine, orders
that became late or on time, and the machines whose busy time changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from planner.domain import Machine, OrderLotSplit, PlanRequest, ResourceCapacityWindow, TimeWindow
from planner.replanning.deltas import (
    AddOrder,
    AssignMachine,
    CancelOrder,
    ChangeDueDate,
    ChangeQuantity,
    ChangeRelease,
    ChangeWeight,
    DemandScale,
    ExtraWorkingTime,
    MachineDown,
    MoveMaintenance,
    ResourceCapacityChange,
    RunBefore,
    ScenarioDelta,
    SetRiskPolicy,
    SplitLot,
    YieldOverride,
)
from planner.scheduling.rules.sequence import sequence_violations
from planner.solution import Kpis, PlanResult
from planner.status import SolveStatus
from planner.validation import InvalidPlanRequest, Violation, find_violations

__all__ = [
    "AddOrder", "AssignMachine", "CancelOrder", "ChangeDueDate", "ChangeQuantity", "ChangeRelease", "ChangeWeight",
    "DemandScale",
    "ExtraWorkingTime", "MachineDown", "MoveMaintenance", "ResourceCapacityChange", "RunBefore", "ScenarioDelta",
    "SetRiskPolicy", "SplitLot",
    "YieldOverride",
    "apply_deltas", "compare", "compare_all", "variant_product_id",
]


_Applied = tuple[PlanRequest, list[Violation]]


def apply_deltas(base: PlanRequest, deltas: Sequence[ScenarioDelta | None], path: str = "deltas") -> PlanRequest:
    """The base request with the deltas applied in order.

    Raises `InvalidPlanRequest` listing every problem (unknown order, machine or product, a
    non-positive factor, a window that ends before it starts, a result that breaks the request's
    rules), each under `{path}[j].<delta field>`. A None is a delta the caller could not read and
    has reported already: it is skipped, so the others are still checked under their own index."""
    request = base
    problems: list[Violation] = []
    touched: dict[str, int] = {}
    for index, delta in enumerate(deltas):
        if delta is None:
            continue
        here = f"{path}[{index}].{delta.kind}"
        request, found = _APPLY[type(delta)](request, delta, here)
        problems += found
        if not found:
            touched.update({order_id: index for order_id in _orders_named(delta)})
    if not problems:
        problems = _result_violations(base, request, deltas, touched, path)
    if problems:
        raise InvalidPlanRequest(problems)
    return request


def _orders_named(delta: ScenarioDelta) -> list[str]:
    if isinstance(delta, AddOrder):
        return [delta.order.id]
    if isinstance(delta, ChangeQuantity | ChangeDueDate | ChangeRelease | ChangeWeight | AssignMachine | SplitLot):
        return [delta.order_id]
    return []


def _result_violations(base: PlanRequest, request: PlanRequest, deltas: Sequence[ScenarioDelta | None],
                       touched: dict[str, int], path: str) -> list[Violation]:
    """Violations the deltas introduced, moved onto the delta that caused them where it is known."""
    existing = {(v.field, v.reason) for v in find_violations(base)}
    problems = []
    for violation in find_violations(request):
        if (violation.field, violation.reason) in existing:
            continue
        head, _, rest = violation.field.partition(".")
        if head.startswith("orders[") and head.endswith("]") and head[7:-1].isdigit():
            order_id = request.orders[int(head[7:-1])].id
            if order_id in touched:
                index = touched[order_id]
                kind = deltas[index].kind  # type: ignore[union-attr]  # touched only names applied deltas
                suffix = f".{rest}" if kind == "add_order" and rest else ""
                problems.append(Violation(f"{path}[{index}].{kind}{suffix}", violation.reason))
                continue
        problems.append(Violation(path, f"the scenario breaks a rule of the request: {violation.field}: "
                                        f"{violation.reason}"))
    return problems


def _unknown_order(request: PlanRequest, order_id: str, field: str) -> list[Violation]:
    if any(o.id == order_id for o in request.orders):
        return []
    return [Violation(field, f"unknown order '{order_id}' (not in the base or cancelled by an earlier delta)")]


def _unknown_machine(request: PlanRequest, machine_id: str, field: str) -> list[Violation]:
    if any(m.id == machine_id for m in request.factory.machines):
        return []
    return [Violation(field, f"unknown machine '{machine_id}'")]


def _unknown_product(request: PlanRequest, product_id: str, field: str) -> list[Violation]:
    if any(p.id == product_id for p in request.factory.products):
        return []
    return [Violation(field, f"unknown product '{product_id}'")]


def _window_violations(window: TimeWindow, field: str) -> list[Violation]:
    return [] if window.end > window.start else [Violation(field, "end must be after start")]


def _add_order(request: PlanRequest, delta: AddOrder, path: str) -> _Applied:
    """An order joins the plan; its id must be new (the request's own rules check the rest)."""
    if any(o.id == delta.order.id for o in request.orders):
        return request, [Violation(f"{path}.id", f"duplicate order id '{delta.order.id}'")]
    problems = _unknown_product(request, delta.order.product_id, f"{path}.product_id")
    if problems:
        return request, problems
    return request.model_copy(update={"orders": [*request.orders, delta.order]}), []


def _cancel_order(request: PlanRequest, delta: CancelOrder, path: str) -> _Applied:
    problems = _unknown_order(request, delta.order_id, path)
    if problems:
        return request, problems
    rules = [r for r in request.sequence_rules if delta.order_id not in (r.before_order_id, r.after_order_id)]
    return request.model_copy(update={"orders": [o for o in request.orders if o.id != delta.order_id],
                                      "sequence_rules": rules}), []


def _replace_order(request: PlanRequest, order_id: str, **changes: object) -> PlanRequest:
    orders = [o.model_copy(update=changes) if o.id == order_id else o for o in request.orders]
    return request.model_copy(update={"orders": orders})


def _change_quantity(request: PlanRequest, delta: ChangeQuantity, path: str) -> _Applied:
    problems = _unknown_order(request, delta.order_id, f"{path}.order_id")
    if delta.quantity <= 0:
        problems.append(Violation(f"{path}.quantity", f"must be greater than 0 (got {delta.quantity})"))
    if problems:
        return request, problems
    return _replace_order(request, delta.order_id, quantity=delta.quantity), []


def _change_due_date(request: PlanRequest, delta: ChangeDueDate, path: str) -> _Applied:
    problems = _unknown_order(request, delta.order_id, f"{path}.order_id")
    if problems:
        return request, problems
    order = next(o for o in request.orders if o.id == delta.order_id)
    if delta.due < order.release:
        problems.append(Violation(f"{path}.new_due_time", "due time is before the order's release time"))
    if delta.due > request.options.horizon_minutes:
        problems.append(Violation(f"{path}.new_due_time", "due time is after the end of the planning horizon"))
    if problems:
        return request, problems
    return _replace_order(request, delta.order_id, due=delta.due), []


def _replace_machine(request: PlanRequest, machine_id: str, change: Callable[[Machine], Machine]) -> PlanRequest:
    machines = [change(m) if m.id == machine_id else m for m in request.factory.machines]
    return request.model_copy(update={"factory": request.factory.model_copy(update={"machines": machines})})


def _machine_down(request: PlanRequest, delta: MachineDown, path: str) -> _Applied:
    """Hard: the machine does nothing inside the window, like planned maintenance."""
    problems = _unknown_machine(request, delta.machine_id, f"{path}.machine_id")
    problems += _window_violations(delta.window, f"{path}.window")
    if problems:
        return request, problems
    window = delta.window if delta.window.reason else delta.window.model_copy(update={"reason": "machine down"})
    return _replace_machine(request, delta.machine_id, lambda m: m.model_copy(
        update={"maintenance_windows": [*m.maintenance_windows, window]})), []


def _extra_working_time(request: PlanRequest, delta: ExtraWorkingTime, path: str) -> _Applied:
    """Working time added to the machine's calendar (overtime, an added shift)."""
    problems = _unknown_machine(request, delta.machine_id, f"{path}.machine_id")
    problems += _window_violations(delta.window, f"{path}.window")
    if problems:
        return request, problems
    window = delta.window if delta.window.reason else delta.window.model_copy(update={"reason": "extra working time"})
    return _replace_machine(request, delta.machine_id, lambda m: m.model_copy(
        update={"extra_working_windows": [*m.extra_working_windows, window]})), []


def _change_release(request: PlanRequest, delta: ChangeRelease, path: str) -> _Applied:
    """The order's release replaced (the request's rules then check it against the due time)."""
    problems = _unknown_order(request, delta.order_id, f"{path}.order_id")
    if problems:
        return request, problems
    return _replace_order(request, delta.order_id, release=delta.release), []


def _change_weight(request: PlanRequest, delta: ChangeWeight, path: str) -> _Applied:
    problems = _unknown_order(request, delta.order_id, f"{path}.order_id")
    if not (math.isfinite(delta.weight) and delta.weight > 0):
        problems.append(Violation(f"{path}.weight", f"must be a finite number greater than 0 (got {delta.weight})"))
    if problems:
        return request, problems
    return _replace_order(request, delta.order_id, weight=delta.weight), []


def _move_maintenance(request: PlanRequest, delta: MoveMaintenance, path: str) -> _Applied:
    """Hard: the moved window blocks the machine at its new time instead of the old one."""
    problems = _unknown_machine(request, delta.machine_id, f"{path}.machine_id")
    if problems:
        return request, problems
    windows = request.factory.machine(delta.machine_id).maintenance_windows
    if not any(w.start == delta.window_start for w in windows):
        problems.append(Violation(f"{path}.window_start",
                                  f"machine '{delta.machine_id}' has no maintenance window starting there"))
    if delta.new_start < 0:
        problems.append(Violation(f"{path}.new_start", "must not be before the plan start"))
    if problems:
        return request, problems
    moved = next(w for w in windows if w.start == delta.window_start)
    shifted = moved.model_copy(update={"start": delta.new_start, "end": delta.new_start + moved.end - moved.start})
    return _replace_machine(request, delta.machine_id, lambda m: m.model_copy(update={
        "maintenance_windows": [shifted if w is moved else w for w in m.maintenance_windows]})), []


VARIANT_SEPARATOR = "@"


def variant_product_id(product_id: str, order_id: str) -> str:
    """The id of the order's own copy of its product that a machine assignment makes."""
    return f"{product_id}{VARIANT_SEPARATOR}{order_id}"


def _assign_machine(request: PlanRequest, delta: AssignMachine, path: str) -> _Applied:
    """Hard: the order's operation may run on the named machine only (through the order's own product copy)."""
    problems = _unknown_order(request, delta.order_id, f"{path}.order_id")
    problems += _unknown_machine(request, delta.machine_id, f"{path}.machine_id")
    if problems:
        return request, problems
    order = next(o for o in request.orders if o.id == delta.order_id)
    product = next((p for p in request.factory.products if p.id == order.product_id), None)
    if product is None:
        return request, [Violation(f"{path}.order_id", f"the order's product '{order.product_id}' is unknown")]
    operation = next((op for op in product.routing if op.id == delta.operation_id), None)
    if operation is None:
        return request, [Violation(f"{path}.operation_id",
                                   f"product '{product.id}' has no operation '{delta.operation_id}'")]
    eligible = [e for e in operation.eligible_machines if e.machine_id == delta.machine_id]
    if not eligible:
        problems.append(Violation(f"{path}.machine_id", f"machine '{delta.machine_id}' is not eligible for "
                                                        f"operation '{operation.id}'"))
    progress = order.work_in_progress
    if progress is not None and operation.id in progress.done_operation_ids:
        problems.append(Violation(f"{path}.operation_id", f"operation '{operation.id}' of the order is done"))
    if (progress is not None and progress.running is not None and progress.running.operation_id == operation.id
            and progress.running.machine_id != delta.machine_id):
        problems.append(Violation(f"{path}.operation_id", f"operation '{operation.id}' of the order runs on "
                                                          f"'{progress.running.machine_id}' already"))
    consumers = sorted({p.id for p in request.factory.products for op in p.routing for use in op.materials
                        if use.material_id == product.id})
    if consumers:
        problems.append(Violation(f"{path}.order_id", f"product '{product.id}' is a component of "
                                                      f"{', '.join(consumers)}: its orders cannot be assigned"))
    variant = product.id.endswith(f"{VARIANT_SEPARATOR}{order.id}")  # an earlier assignment made it already
    own = product.id if variant else variant_product_id(product.id, order.id)
    if not variant and any(p.id == own for p in request.factory.products):
        problems.append(Violation(f"{path}.order_id", f"product id '{own}' exists already"))
    if problems:
        return request, problems
    routing = [op.model_copy(update={"eligible_machines": eligible}) if op is operation else op
               for op in product.routing]
    copy = product.model_copy(update={"id": own, "routing": routing})
    products = [copy if p is product else p for p in request.factory.products] if variant else [
        *request.factory.products, copy]
    yields = request.yields if variant else [*request.yields, *(
        y.model_copy(update={"product_id": own}) for y in request.yields if y.product_id == product.id)]
    changed = _replace_order(request, order.id, product_id=own)
    return changed.model_copy(update={"factory": changed.factory.model_copy(update={"products": products}),
                                      "yields": yields}), []


def _run_before(request: PlanRequest, delta: RunBefore, path: str) -> _Applied:
    """Hard: a sequence rule joins the request; its problems (unknown order, operation or machine, a machine not
    eligible, an order before itself, a cycle with the rules already there) are named on the delta's fields."""
    index = len(request.sequence_rules)
    changed = request.model_copy(update={"sequence_rules": [*request.sequence_rules, delta.rule()]})
    here = f"sequence_rules[{index}]"
    problems = [Violation(path + field[len(here):], reason) for field, reason in sequence_violations(changed)
                if field == here or field.startswith(here + ".")]
    return (request, problems) if problems else (changed, [])


def _split_lot(request: PlanRequest, delta: SplitLot, path: str) -> _Applied:
    """The order may split the operation's lot (`planner.scheduling.rules.lot_splitting`): its permission for that
    operation is replaced or added; what the permission breaks (a minimum above the quantity, a rule the sub-lots
    do not model) comes back on the delta's fields."""
    problems = _unknown_order(request, delta.order_id, f"{path}.order_id")
    if problems:
        return request, problems
    order = next(o for o in request.orders if o.id == delta.order_id)
    product = next((p for p in request.factory.products if p.id == order.product_id), None)
    if product is not None and all(op.id != delta.operation_id for op in product.routing):
        return request, [Violation(f"{path}.operation_id",
                                   f"product '{product.id}' has no operation '{delta.operation_id}'")]
    permission = OrderLotSplit(operation_id=delta.operation_id, max_sublots=delta.max_sublots,
                               min_sublot_units=delta.min_sublot_units)
    kept = [s for s in order.lot_splits if s.operation_id != delta.operation_id]
    return _replace_order(request, order.id, lot_splits=[*kept, permission]), []


def _extra_resource_capacity(request: PlanRequest, delta: ResourceCapacityChange, path: str) -> _Applied:
    """More units of a resource pool inside the window (`Resource.extra_capacity`), on top of its calendar there.
    Refused for an unknown resource, units that are not positive, an empty window, and a die or a named person
    (each exists once: a second one is not more capacity of the same)."""
    resource = next((r for r in request.factory.resources if r.id == delta.resource_id), None)
    problems = [] if resource is not None else [
        Violation(f"{path}.resource_id", f"unknown resource '{delta.resource_id}'")]
    if resource is not None and (resource.is_die or resource.is_person):
        problems.append(Violation(f"{path}.resource_id", f"'{delta.resource_id}' is a "
                                  f"{'die' if resource.is_die else 'named person'}: it exists once"))
    if delta.extra_units <= 0:
        problems.append(Violation(f"{path}.extra_units", f"must be greater than 0 (got {delta.extra_units})"))
    problems += _window_violations(delta.window, f"{path}.window")
    if problems or resource is None:
        return request, problems
    window = delta.window if delta.window.reason else delta.window.model_copy(
        update={"reason": "extra resource capacity"})
    extra = ResourceCapacityWindow(window=window, units=delta.extra_units)
    resources = [r.model_copy(update={"extra_capacity": [*r.extra_capacity, extra]}) if r is resource else r
                 for r in request.factory.resources]
    return request.model_copy(update={"factory": request.factory.model_copy(update={"resources": resources})}), []


def scaled_quantity(quantity: int, factor: float) -> int:
    """quantity x factor rounded up (a tolerance keeps 100 x 1.2 at 120), at least 1."""
    return max(1, math.ceil(quantity * factor - 1e-9))


def _demand_scale(request: PlanRequest, delta: DemandScale, path: str) -> _Applied:
    problems = [] if delta.product_id is None else _unknown_product(request, delta.product_id, f"{path}.product_id")
    if not (math.isfinite(delta.factor) and delta.factor > 0):
        problems.append(Violation(f"{path}.factor", f"must be a finite number greater than 0 (got {delta.factor})"))
    if problems:
        return request, problems
    orders = [o.model_copy(update={"quantity": scaled_quantity(o.quantity, delta.factor)})
              if delta.product_id in (None, o.product_id) else o for o in request.orders]
    forecasts = [f.model_copy(update={"quantiles": [q.model_copy(update={"value": q.value * delta.factor})
                                                    for q in f.quantiles]})
                 if delta.product_id in (None, f.product_id) else f for f in request.demand_forecasts]
    return request.model_copy(update={"orders": orders, "demand_forecasts": forecasts}), []


def _risk_policy(request: PlanRequest, delta: SetRiskPolicy, path: str) -> _Applied:
    return request.model_copy(update={"options": request.options.model_copy(
        update={"risk_policy": delta.risk_policy})}), []


def _yield_override(request: PlanRequest, delta: YieldOverride, path: str) -> _Applied:
    estimate = delta.estimate
    problems = _unknown_product(request, estimate.product_id, f"{path}.product_id")
    problems += _unknown_machine(request, estimate.machine_id, f"{path}.machine_id")
    if not (math.isfinite(estimate.yield_rate) and 0 < estimate.yield_rate <= 1):
        problems.append(Violation(f"{path}.yield_rate", "must be more than 0 and at most 1"))
    if problems:
        return request, problems
    kept = [y for y in request.yields if (y.product_id, y.machine_id) != (estimate.product_id, estimate.machine_id)]
    return request.model_copy(update={"yields": [*kept, estimate]}), []


_APPLY: dict[type, Callable[..., _Applied]] = {
    AddOrder: _add_order,
    CancelOrder: _cancel_order,
    ChangeQuantity: _change_quantity,
    ChangeDueDate: _change_due_date,
    MachineDown: _machine_down,
    ExtraWorkingTime: _extra_working_time,
    DemandScale: _demand_scale,
    SetRiskPolicy: _risk_policy,
    YieldOverride: _yield_override,
    ChangeRelease: _change_release,
    ChangeWeight: _change_weight,
    MoveMaintenance: _move_maintenance,
    AssignMachine: _assign_machine,
    RunBefore: _run_before,
    SplitLot: _split_lot,
    ResourceCapacityChange: _extra_resource_capacity,
}


# --- comparison -----------------------------------------------------------------------------------

class MachineLoadChange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    machine_id: str
    busy_minutes_change: int = Field(description="Busy minutes in the scenario minus in the base.")


class LotChange(BaseModel):
    """Production of a product in a lot-sizing bucket that moved against the base lot plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: str
    bucket: int
    production_change: float = Field(description="Units in the scenario minus units in the base.")


class ScenarioComparison(BaseModel):
    """One scenario's plan measured against the base plan (the base itself has no changes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    status: SolveStatus
    kpis: Kpis | None = None
    bottleneck_machine_id: str = Field(default="", description="The most utilized machine.")
    bottleneck_utilization: float = 0.0
    orders_became_late: list[str] = Field(default_factory=list, description="On time in the base, late here.")
    orders_became_on_time: list[str] = Field(default_factory=list, description="Late in the base, on time here.")
    load_changes: list[MachineLoadChange] = Field(default_factory=list, description="Only machines that changed.")
    lot_changes: list[LotChange] = Field(default_factory=list, description="Lots that moved between buckets.")
    infeasibility_reasons: list[str] = Field(default_factory=list)


def bottleneck(kpis: Kpis | None) -> tuple[str, float]:
    """The most utilized machine and its utilization (ties: the first in factory order)."""
    if kpis is None or not kpis.machine_utilization:
        return "", 0.0
    top = max(kpis.machine_utilization, key=lambda u: u.utilization)
    return top.machine_id, top.utilization


def compare(base_request: PlanRequest, base_plan: PlanResult, scenario_request: PlanRequest,
            scenario_plan: PlanResult, name: str = "") -> ScenarioComparison:
    """The scenario's KPIs and bottleneck, and what changed against the base.

    Only orders in both plans can become late or on time (an added order is judged by its own
    result, a cancelled one drops out); load changes need both plans to have a schedule."""
    machine_id, utilization = bottleneck(scenario_plan.kpis)
    comparison = ScenarioComparison(
        name=name, status=scenario_plan.status, kpis=scenario_plan.kpis, bottleneck_machine_id=machine_id,
        bottleneck_utilization=utilization, infeasibility_reasons=scenario_plan.infeasibility_reasons,
    )
    if not (base_plan.status.has_solution and scenario_plan.status.has_solution):
        return comparison
    before = {r.order_id: r.on_time for r in base_plan.order_results}
    after = {r.order_id: r.on_time for r in scenario_plan.order_results}
    ordered = [o.id for o in scenario_request.orders if o.id in before and o.id in after]
    return comparison.model_copy(update={
        "orders_became_late": [o for o in ordered if before[o] and not after[o]],
        "orders_became_on_time": [o for o in ordered if not before[o] and after[o]],
        "load_changes": load_changes(base_request, base_plan, scenario_request, scenario_plan),
        "lot_changes": lot_changes(base_plan, scenario_plan),
    })


LOT_CHANGE_TOLERANCE = 0.5
"""Production changes under half a unit are rounding, not a moved lot."""


def lot_changes(base_plan: PlanResult, scenario_plan: PlanResult) -> list[LotChange]:
    """Per product and bucket, production in the scenario's lot plan minus the base's (when both have one)."""
    if base_plan.lot_plan is None or scenario_plan.lot_plan is None:
        return []
    before = {p.product_id: p.production for p in base_plan.lot_plan.products}
    changes = []
    for product in scenario_plan.lot_plan.products:
        old = before.get(product.product_id, [])
        for bucket, units in enumerate(product.production):
            delta = units - (old[bucket] if bucket < len(old) else 0.0)
            if abs(delta) >= LOT_CHANGE_TOLERANCE:
                changes.append(LotChange(product_id=product.product_id, bucket=bucket, production_change=delta))
    return changes


def load_changes(base_request: PlanRequest, base_plan: PlanResult, scenario_request: PlanRequest,
                 scenario_plan: PlanResult) -> list[MachineLoadChange]:
    """Busy minutes per machine in the scenario minus in the base, for machines whose load moved."""
    def busy(plan: PlanResult) -> dict[str, int]:
        minutes: dict[str, int] = {}
        for placed in plan.assignments:
            minutes[placed.machine_id] = minutes.get(placed.machine_id, 0) + placed.end - placed.start
        return minutes

    before, after = busy(base_plan), busy(scenario_plan)
    machines = [m.id for m in base_request.factory.machines]
    machines += [m.id for m in scenario_request.factory.machines if m.id not in machines]
    changes = [MachineLoadChange(machine_id=m, busy_minutes_change=after.get(m, 0) - before.get(m, 0))
               for m in machines]
    return [c for c in changes if c.busy_minutes_change != 0]


def compare_all(base_request: PlanRequest, base_plan: PlanResult,
                scenarios: Sequence[tuple[str, PlanRequest, PlanResult]]) -> list[ScenarioComparison]:
    """The base (named "base", no changes) first, then each scenario against it, in order."""
    base = compare(base_request, base_plan, base_request, base_plan, name="base")
    return [base] + [compare(base_request, base_plan, request, plan, name=name) for name, request, plan in scenarios]
