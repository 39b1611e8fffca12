"""Re-planning a released plan after disruptions, with as little change as the objective allows.

Disruptions, and what each does to the request:
- machine breakdown from t to the expected repair end: a maintenance window on that machine (until
  the horizon when the repair end is unknown). An operation running on it at t is interrupted and
  redone in full, after the repair or on another machine; work planned there inside the window moves.
- rush order: a new order.
- scrapped lot: the lost good units are made again from the first operation, as a new order
  `<order>-rework` for the scrapped quantity, same product, due time, weight and customer, released
  at the re-plan time (at its due time if that has passed already). The original order's
  operations keep their quantity, so what already ran stays exactly as it ran.
- due date change: the order's due time.

Rules of the re-plan (one function each below):
- operations that started before the re-plan time stay fixed (machine and start), unless a
  breakdown interrupted them or they follow an operation that must be redone;
- operations starting within the frozen window stay fixed when they still can (the breakdown does
  not hit them and their predecessor stays); otherwise they are released, and the change says so;
- nothing else starts before the re-plan time;
- every other operation is free but pays `move_cost` when its start changes and
  `machine_change_cost` when its machine changes, in the unit of the objective (weighted minutes
  late, or minutes of makespan), so the solver moves work only where the objective gains more; the
  released plan is the hint;
- preventive-maintenance tasks follow the operations' rule: one that started before the re-plan
  time or starts in the frozen window stays where it is, unless a breakdown takes its machine then;
  any other starts at or after the re-plan time, before its deadline (the risk threshold) as in the
  plan. Where the deadline cannot be promised any more (it has passed, or the machine broke down
  and its repair may run past it), the deadline becomes soft: each minute past it costs like a
  minute of lateness of an order of weight 1.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Literal

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain
from pydantic import BaseModel, ConfigDict, Field

from planner.calendar import availability_by_machine
from planner.domain import Order, PlanRequest, TimeWindow
from planner.plan import create_plan
from planner.risk import MaintenanceRequirement, maintenance_requirements, planning_availability
from planner.rules import MaintenanceVars, TaskVars
from planner.scheduling import Hint, ModelExtension
from planner.solution import PlanResult, ScheduledMaintenance, ScheduledOperation
from planner.validation import InvalidPlanRequest, Violation, find_violations

logger = logging.getLogger(__name__)

OperationKey = tuple[str, int]
"""(order id, operation index)."""
Placement = tuple[str, int]
"""(machine id, start minute)."""


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MachineBreakdown(_Value):
    kind: Literal["machine_breakdown"] = "machine_breakdown"
    machine_id: str
    start: int = Field(description="When it broke down, minutes from plan start.")
    repair_end: int | None = Field(default=None, description="Expected end of the repair; None = end of horizon.")


class RushOrder(_Value):
    kind: Literal["rush_order"] = "rush_order"
    order: Order


class ScrappedLot(_Value):
    kind: Literal["scrapped_lot"] = "scrapped_lot"
    order_id: str
    scrapped_quantity: int = Field(description="Good units lost, made again from the first operation; > 0.")


class DueDateChange(_Value):
    kind: Literal["due_date_change"] = "due_date_change"
    order_id: str
    due: int = Field(description="New due time, minutes from plan start.")


Disruption = Annotated[MachineBreakdown | RushOrder | ScrappedLot | DueDateChange, Field(discriminator="kind")]

ChangeKind = Literal["MOVED", "MACHINE_CHANGED", "ADDED", "REMOVED"]


class PlanChange(_Value):
    """One operation whose machine or start changed, or that was added or removed."""

    order_id: str
    operation_id: str
    operation_index: int
    change: ChangeKind
    old_machine_id: str = ""
    new_machine_id: str = ""
    old_start: int | None = None
    new_start: int | None = None
    reason: str


class ReplanResult(_Value):
    plan: PlanResult
    request: PlanRequest = Field(description="The request with the disruptions applied (what the plan solves).")
    overdue_maintenance: dict[str, int] = Field(
        default_factory=dict,
        description="Machine id -> re-plan time, for maintenance tasks whose deadline the re-plan made soft "
                    "(it had passed, or the machine broke down); pass to `check_plan`.")
    changes: list[PlanChange]
    unchanged: int = Field(description="Operations kept exactly as released (same machine and start).")
    summary: str


def replan(request: PlanRequest, released: PlanResult, disruptions: Sequence[Disruption], replan_at: int,
           frozen_minutes: int = 0, move_cost: float = 5.0, machine_change_cost: float = 30.0) -> ReplanResult:
    """Re-plan `released` (a plan of `request`) after the disruptions, from minute `replan_at` on.

    Raises `InvalidPlanRequest` for bad input (unknown machine or order, repair before breakdown, a
    re-plan time outside the horizon, ...), with paths under `disruptions[j]`."""
    problems = disruption_violations(request, disruptions, replan_at, frozen_minutes, move_cost, machine_change_cost)
    if problems:
        raise InvalidPlanRequest(problems)
    new_request = apply_disruptions(request, disruptions, replan_at)
    breakdowns = [d for d in disruptions if isinstance(d, MachineBreakdown)]
    previous = {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in released.assignments}
    kept, reasons = kept_operations(new_request, released, breakdowns, replan_at, frozen_minutes)
    kept_pm = kept_maintenance(released, breakdowns, replan_at, frozen_minutes)
    broken_down = {b.machine_id for b in breakdowns}
    overdue = {r.machine_id: replan_at for r in maintenance_requirements(new_request)
               if r.machine_id not in kept_pm and _soft_deadline(r, broken_down, replan_at)}
    stability = plan_stability(new_request, kept, kept_pm, broken_down, previous, replan_at, move_cost,
                               machine_change_cost)
    hint: Hint = {key: placement for key, placement in previous.items() if key not in reasons}
    solve_request = new_request.model_copy(update={"options": new_request.options.model_copy(
        update={"explain_predictions": False})})
    plan = create_plan(solve_request, hint=hint, extensions=[stability])
    if not plan.status.has_solution:
        summary = f"No re-plan ({plan.status.value.lower()}): " + "; ".join(plan.infeasibility_reasons)
        return ReplanResult(plan=plan, request=new_request, changes=[], unchanged=0, summary=summary)
    plan = _mark_overdue(plan, overdue, broken_down, new_request)
    context = _Context(new_request, disruptions, reasons)
    changes = plan_changes(released, plan, context)
    unchanged = sum((a.machine_id, a.start) == previous.get((a.order_id, a.operation_index))
                    for a in plan.assignments)
    return ReplanResult(plan=plan, request=new_request, overdue_maintenance=overdue, changes=changes,
                        unchanged=unchanged, summary=_summary(context, released, plan, changes, unchanged))


# --- input ----------------------------------------------------------------------------------------

def disruption_violations(request: PlanRequest, disruptions: Sequence[Disruption | None], replan_at: int,
                          frozen_minutes: int = 0, move_cost: float = 0.0, machine_change_cost: float = 0.0,
                          path: str = "disruptions") -> list[Violation]:
    """Every problem with the disruptions and re-plan settings, under the API's field names.

    A None is a disruption the caller could not read and has reported already; it is skipped."""
    horizon = request.options.horizon_minutes
    problems = []
    if not 0 <= replan_at < horizon:
        problems.append(Violation("replan_time", "must lie between the plan start and the end of its horizon"))
    if frozen_minutes < 0:
        problems.append(Violation("frozen_window", "must not be negative"))
    for name, value in (("move_cost", move_cost), ("machine_change_cost", machine_change_cost)):
        if not (value >= 0 and value != float("inf")):
            problems.append(Violation(name, "must be a finite number, at least 0"))
    machines = {m.id for m in request.factory.machines}
    orders = {o.id: o for o in request.orders}
    for index, disruption in enumerate(disruptions):
        if disruption is None:
            continue
        here = f"{path}[{index}].{disruption.kind}"
        if isinstance(disruption, MachineBreakdown):
            if disruption.machine_id not in machines:
                problems.append(Violation(f"{here}.machine_id", f"unknown machine '{disruption.machine_id}'"))
            if disruption.repair_end is not None and disruption.repair_end <= disruption.start:
                problems.append(Violation(f"{here}.expected_repair_end", "must be after the breakdown start"))
        elif isinstance(disruption, RushOrder):
            if disruption.order.id in orders:
                problems.append(Violation(f"{here}.id", f"duplicate order id '{disruption.order.id}'"))
            orders[disruption.order.id] = disruption.order
        else:
            problems += _order_disruption_violations(disruption, orders, horizon, here)
    return problems


def _order_disruption_violations(disruption: ScrappedLot | DueDateChange, orders: dict[str, Order], horizon: int,
                                 path: str) -> list[Violation]:
    order = orders.get(disruption.order_id)
    if order is None:
        return [Violation(f"{path}.order_id", f"unknown order '{disruption.order_id}'")]
    if isinstance(disruption, ScrappedLot):
        if not 0 < disruption.scrapped_quantity <= order.quantity:
            return [Violation(f"{path}.scrapped_quantity",
                              f"must be more than 0 and at most the order quantity {order.quantity}")]
        return []
    if disruption.due < order.release:
        return [Violation(f"{path}.new_due_time", "due time is before the order's release time")]
    if disruption.due > horizon:
        return [Violation(f"{path}.new_due_time", "due time is after the end of the planning horizon")]
    return []


def apply_disruptions(request: PlanRequest, disruptions: Sequence[Disruption], replan_at: int) -> PlanRequest:
    """The request the re-plan solves: breakdowns as maintenance windows, new and rework orders, new due dates.

    Raises `InvalidPlanRequest` when a rush order breaks the request's rules (paths under its disruption)."""
    horizon = request.options.horizon_minutes
    machines = list(request.factory.machines)
    orders = list(request.orders)
    for disruption in disruptions:
        if isinstance(disruption, MachineBreakdown):
            window = TimeWindow(start=disruption.start, end=disruption.repair_end or horizon,
                                reason=f"breakdown of {disruption.machine_id}")
            machines = [m.model_copy(update={"maintenance_windows": [*m.maintenance_windows, window]})
                        if m.id == disruption.machine_id else m for m in machines]
        elif isinstance(disruption, RushOrder):
            orders.append(disruption.order)
        elif isinstance(disruption, ScrappedLot):
            orders.append(_rework_order(orders, disruption, replan_at))
        else:
            orders = [o.model_copy(update={"due": disruption.due}) if o.id == disruption.order_id else o
                      for o in orders]
    new_request = request.model_copy(update={
        "factory": request.factory.model_copy(update={"machines": machines}), "orders": orders})
    _ensure_rush_orders_valid(request, new_request, disruptions)
    return new_request


def _rework_order(orders: Sequence[Order], lot: ScrappedLot, replan_at: int) -> Order:
    """The scrapped units again, from the first operation: released now, due when the order was due."""
    original = next(o for o in orders if o.id == lot.order_id)
    taken = {o.id for o in orders}
    order_id, copy = f"{original.id}-rework", 2
    while order_id in taken:
        order_id, copy = f"{original.id}-rework-{copy}", copy + 1
    release = max(original.release, min(replan_at, original.due))
    return original.model_copy(update={"id": order_id, "quantity": lot.scrapped_quantity, "release": release})


def _ensure_rush_orders_valid(before: PlanRequest, after: PlanRequest, disruptions: Sequence[Disruption]) -> None:
    existing = {(v.field, v.reason) for v in find_violations(before)}
    rush = {d.order.id: index for index, d in enumerate(disruptions) if isinstance(d, RushOrder)}
    problems = []
    for violation in find_violations(after):
        if (violation.field, violation.reason) in existing:
            continue
        head, _, rest = violation.field.partition(".")
        order_index = int(head[7:-1]) if head.startswith("orders[") and head[7:-1].isdigit() else None
        order_id = after.orders[order_index].id if order_index is not None else ""
        if order_id in rush:
            problems.append(Violation(f"disruptions[{rush[order_id]}].rush_order.{rest}".rstrip("."),
                                      violation.reason))
        else:
            problems.append(Violation("disruptions", f"the disruptions break a rule of the request: "
                                                     f"{violation.field}: {violation.reason}"))
    if problems:
        raise InvalidPlanRequest(problems)


# --- rules ------------------------------------------------------------------------------------------

def kept_operations(
    request: PlanRequest, released: PlanResult, breakdowns: Sequence[MachineBreakdown], replan_at: int,
    frozen_minutes: int,
) -> tuple[dict[OperationKey, Placement], dict[OperationKey, str]]:
    """Hard: started operations and those in the frozen window keep machine and start, where they still can.

    Returns the kept placements, and for each released operation that cannot be kept although it
    started or lies in the frozen window, why (interrupted, hit by a breakdown, or its predecessor
    must be redone)."""
    available = planning_availability(request, availability_by_machine(request))
    frozen_end = replan_at + frozen_minutes
    kept: dict[OperationKey, Placement] = {}
    reasons: dict[OperationKey, str] = {}
    for placed in sorted(released.assignments, key=lambda a: (a.order_id, a.operation_index)):
        key = (placed.order_id, placed.operation_index)
        hit = _breakdown_hitting(placed, breakdowns)
        if hit is not None:
            reasons[key] = _breakdown_reason(request, placed, hit)
        elif placed.start >= frozen_end:
            continue
        elif placed.operation_index > 0 and (placed.order_id, placed.operation_index - 1) not in kept:
            reasons[key] = "its previous operation must be redone or moved first"
        elif placed.start >= replan_at and not _fits(placed, available):
            reasons[key] = f"in the frozen window, but {placed.machine_id} is not available then any more: released"
        else:
            kept[key] = (placed.machine_id, placed.start)
    return kept, reasons


def kept_maintenance(released: PlanResult, breakdowns: Sequence[MachineBreakdown], replan_at: int,
                     frozen_minutes: int) -> dict[str, int]:
    """Hard: per machine, the start of a preventive-maintenance task that started before the re-plan
    time or starts in the frozen window, and that no breakdown overlaps."""
    frozen_end = replan_at + frozen_minutes
    return {task.machine_id: task.start for task in released.maintenance
            if task.start < frozen_end and _breakdown_hitting(task, breakdowns) is None}


def _breakdown_hitting(placed: ScheduledOperation | ScheduledMaintenance,
                       breakdowns: Sequence[MachineBreakdown]) -> MachineBreakdown | None:
    """The breakdown that interrupts the task or takes its machine while it was planned to run."""
    for breakdown in breakdowns:
        repair_end = breakdown.repair_end if breakdown.repair_end is not None else float("inf")
        if placed.machine_id == breakdown.machine_id and placed.start < repair_end and placed.end > breakdown.start:
            return breakdown
    return None


def _fits(placed: ScheduledOperation, available: dict[str, list[tuple[int, int]]]) -> bool:
    return any(s <= placed.start and placed.end <= e for s, e in available.get(placed.machine_id, []))


def plan_stability(request: PlanRequest, kept: dict[OperationKey, Placement], kept_pm: dict[str, int],
                   broken_down: set[str], previous: dict[OperationKey, Placement], replan_at: int, move_cost: float,
                   machine_change_cost: float) -> ModelExtension:
    """The re-plan's rules as a model extension (see `kept_operations`, `kept_maintenance`,
    `maintenance_not_in_the_past` and `stability_costs`)."""
    def extend(model: cp_model.CpModel, tasks: Sequence[Sequence[TaskVars]], maintenance: Sequence[MaintenanceVars],
               scale: int) -> list[cp_model.LinearExprT]:
        terms: list[cp_model.LinearExprT] = []
        for task in maintenance:
            machine_id = task.requirement.machine_id
            terms += maintenance_not_in_the_past(model, request, task, kept_pm.get(machine_id), broken_down,
                                                 replan_at, scale)
        for job_vars in tasks:
            for variables in job_vars:
                key = (variables.task.order_id, variables.task.index)
                if key in kept:
                    keep_placement(model, variables, *kept[key])
                    continue
                model.add(variables.start >= replan_at)
                if key in previous:
                    terms += stability_costs(model, variables, previous[key], round(move_cost * scale),
                                             round(machine_change_cost * scale))
        return terms

    return extend


def maintenance_not_in_the_past(model: cp_model.CpModel, request: PlanRequest, task: MaintenanceVars,
                                kept_start: int | None, broken_down: set[str], replan_at: int,
                                scale: int) -> list[cp_model.LinearExprT]:
    """Hard: a kept maintenance task stays; any other starts at or after the re-plan time, before its
    deadline. Soft instead of that deadline, when it has passed or the machine broke down: each minute
    past it costs like an order's lateness at weight 1."""
    if kept_start is not None:
        model.add(task.start == kept_start)
        return []
    latest = task.requirement.latest_start
    if not _soft_deadline(task.requirement, broken_down, replan_at):
        model.add(task.start >= replan_at)
        return []
    # The start domain [0, latest] could make the model infeasible (a repair past the deadline).
    last_start = max(request.options.horizon_minutes - task.requirement.minutes, replan_at)
    task.start.with_domain(Domain(replan_at, last_start))
    overdue = model.new_int_var(0, max(last_start - latest, 0), f"maintenance_overdue[{task.requirement.machine_id}]")
    model.add(overdue >= task.start - latest)
    return [round(request.options.late_cost_per_minute * scale) * overdue]


def _soft_deadline(requirement: MaintenanceRequirement, broken_down: set[str], replan_at: int) -> bool:
    """A re-plan cannot promise a maintenance deadline that has passed, nor one on a broken-down machine."""
    return requirement.latest_start < replan_at or requirement.machine_id in broken_down


def _mark_overdue(plan: PlanResult, overdue: dict[str, int], broken_down: set[str], request: PlanRequest) -> PlanResult:
    """Says why a maintenance task starts after its deadline."""
    tasks = []
    for task in plan.maintenance:
        if task.machine_id in overdue and task.start > task.latest_start:
            cause = (f"{task.machine_id} broke down" if task.machine_id in broken_down
                     else "the deadline had passed at the re-plan")
            task = task.model_copy(update={"reason": f"{task.reason}; overdue: its deadline "
                                                     f"{when(request, task.latest_start)} could not be kept ({cause})"})
        tasks.append(task)
    return plan.model_copy(update={"maintenance": tasks})


def keep_placement(model: cp_model.CpModel, variables: TaskVars, machine_id: str, start: int) -> None:
    """Hard: an operation that started (or is frozen) runs where and when it was released."""
    model.add(variables.start == start)
    literal = variables.presence[machine_id]
    if literal is not True:
        model.add(literal == 1)


def stability_costs(model: cp_model.CpModel, variables: TaskVars, placement: Placement, move: int,
                    machine_change: int) -> list[cp_model.LinearExprT]:
    """Soft: moving a released operation costs `move`, putting it on another machine `machine_change`,
    so the shop floor sees only the changes that pay for themselves in lateness."""
    old_machine, old_start = placement
    terms: list[cp_model.LinearExprT] = []
    if move:
        moved = model.new_bool_var(f"moved[{variables.task.order_id}/{variables.task.index}]")
        model.add(variables.start == old_start).only_enforce_if(moved.Not())
        terms.append(move * moved)
    literal = variables.presence.get(old_machine)
    if machine_change and literal is not True:
        terms.append(machine_change if literal is None else machine_change - machine_change * literal)
    return terms


# --- report -----------------------------------------------------------------------------------------

class _Context:
    """What the change reasons are written from."""

    def __init__(self, request: PlanRequest, disruptions: Sequence[Disruption], reasons: dict[OperationKey, str]):
        self.request = request
        self.disruptions = disruptions
        self.reasons = reasons
        self.due_changes = {d.order_id: d.due for d in disruptions if isinstance(d, DueDateChange)}
        self.rush = {d.order.id for d in disruptions if isinstance(d, RushOrder)}

    def when(self, minute: int) -> str:
        return when(self.request, minute)


def when(request: PlanRequest, minute: int) -> str:
    """Local plant time of a plan minute, e.g. 'Wed 04 Mar 10:00'."""
    moment = request.options.plan_start + timedelta(minutes=minute + request.factory.utc_offset_minutes)
    return moment.strftime("%a %d %b %H:%M")


def _breakdown_reason(request: PlanRequest, placed: ScheduledOperation, breakdown: MachineBreakdown) -> str:
    repair_end = breakdown.repair_end
    until = f"until {when(request, repair_end)}" if repair_end is not None else "until further notice"
    down = f"{breakdown.machine_id} broken down from {when(request, breakdown.start)} {until}"
    if placed.start < breakdown.start:
        return f"{down}: interrupted, redone in full"
    return down


def plan_changes(released: PlanResult, plan: PlanResult, context: _Context) -> list[PlanChange]:
    """Every operation whose machine or start changed, and every operation added or removed, with why."""
    old = {(a.order_id, a.operation_index): a for a in released.assignments}
    new = {(a.order_id, a.operation_index): a for a in plan.assignments}
    changes = []
    for key, placed in sorted(new.items(), key=lambda item: (item[1].start, item[0])):
        before = old.get(key)
        if before is None:
            changes.append(_change(placed, None, "ADDED", _added_reason(context, placed)))
        elif (before.machine_id, before.start) != (placed.machine_id, placed.start):
            kind: ChangeKind = "MOVED" if before.machine_id == placed.machine_id else "MACHINE_CHANGED"
            changes.append(_change(placed, before, kind, _move_reason(context, before, placed, new)))
    for key, before in sorted(old.items()):
        if key not in new:
            changes.append(_change(before, None, "REMOVED", "the order is no longer in the plan"))
    return changes


def _change(placed: ScheduledOperation, before: ScheduledOperation | None, kind: ChangeKind,
            reason: str) -> PlanChange:
    if kind == "REMOVED":
        return PlanChange(order_id=placed.order_id, operation_id=placed.operation_id,
                          operation_index=placed.operation_index, change=kind, old_machine_id=placed.machine_id,
                          old_start=placed.start, reason=reason)
    return PlanChange(
        order_id=placed.order_id, operation_id=placed.operation_id, operation_index=placed.operation_index,
        change=kind, old_machine_id=before.machine_id if before else "", new_machine_id=placed.machine_id,
        old_start=before.start if before else None, new_start=placed.start, reason=reason,
    )


def _added_reason(context: _Context, placed: ScheduledOperation) -> str:
    if placed.order_id in context.rush:
        return f"rush order {placed.order_id}"
    order = next(o for o in context.request.orders if o.id == placed.order_id)
    source = placed.order_id.rsplit("-rework", 1)[0]
    return f"rework of {order.quantity} scrapped units of {source}"


def _move_reason(context: _Context, before: ScheduledOperation, placed: ScheduledOperation,
                 new: dict[OperationKey, ScheduledOperation]) -> str:
    """Why an operation moved: the first cause that applies, from the most to the least direct."""
    key = (placed.order_id, placed.operation_index)
    if key in context.reasons:
        return context.reasons[key]
    previous = new.get((placed.order_id, placed.operation_index - 1))
    if previous is not None and previous.end > before.start:
        return f"its previous operation {previous.operation_id} now ends {context.when(previous.end)}"
    if placed.order_id in context.due_changes:
        return f"due date of {placed.order_id} changed to {context.when(context.due_changes[placed.order_id])}"
    taker = next((a for a in new.values() if a.machine_id == before.machine_id and a.start < before.end
                  and a.end > before.start and (a.order_id, a.operation_index) != key), None)
    if taker is not None:
        return f"made room on {before.machine_id} for {taker.order_id} ({taker.operation_id})"
    return f"re-sequenced to reduce weighted lateness after {_disruption_summary(context)}"


def _disruption_summary(context: _Context) -> str:
    parts = []
    for disruption in context.disruptions:
        if isinstance(disruption, MachineBreakdown):
            parts.append(f"the breakdown of {disruption.machine_id} at {context.when(disruption.start)}")
        elif isinstance(disruption, RushOrder):
            parts.append(f"rush order {disruption.order.id}")
        elif isinstance(disruption, ScrappedLot):
            parts.append(f"{disruption.scrapped_quantity} scrapped units of {disruption.order_id}")
        else:
            parts.append(f"the new due date of {disruption.order_id}")
    return ", ".join(parts) if parts else "re-planning"


def _summary(context: _Context, released: PlanResult, plan: PlanResult, changes: Sequence[PlanChange],
             unchanged: int) -> str:
    counts = {kind: sum(c.change == kind for c in changes) for kind in ("MOVED", "MACHINE_CHANGED", "ADDED",
                                                                         "REMOVED")}
    detail = ", ".join(f"{n} {kind.lower().replace('_', ' ')}" for kind, n in counts.items() if n)
    before = released.kpis.weighted_tardiness_minutes if released.kpis else 0.0
    after = plan.kpis.weighted_tardiness_minutes if plan.kpis else 0.0
    return (f"Re-planned after {_disruption_summary(context)}: {len(changes)} operation changes"
            f"{f' ({detail})' if detail else ''}, {unchanged} operations unchanged; weighted lateness "
            f"{before:.0f} -> {after:.0f} min.")
