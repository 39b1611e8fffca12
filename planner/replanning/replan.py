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
  hint is a complete schedule the plant dispatcher builds around the kept work (`replan_start`), and the
  re-plan is never worse than it;
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
from typing import Annotated, Literal

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain
from pydantic import BaseModel, ConfigDict, Field

from planner.calendar import availability_by_machine
from planner.domain import Objective, Order, PlanRequest, TimeWindow
from planner.explanations.late_orders import local_time
from planner.replanning.replan_start import keep_placement, solve_from_start
from planner.risk import MaintenanceRequirement, maintenance_requirements, planning_availability
from planner.scheduling.model import ModelExtension
from planner.scheduling.rules.base import TaskVars, cost_coefficient
from planner.scheduling.rules.modes import alternative_key
from planner.scheduling.rules.pausing import pausing_start_holds
from planner.scheduling.rules.precedence import is_graph, links_of, topological_order
from planner.scheduling.rules.predictions import MaintenanceVars
from planner.solution import PlanResult, ScheduledMaintenance, ScheduledOperation
from planner.validation import InvalidPlanRequest, Violation, find_violations

logger = logging.getLogger(__name__)

TEXT = {
    "en": {
        "down": "{machine} broken down from {start} {until}",
        "until": "until {end}",
        "until_unknown": "until further notice",
        "interrupted": "{down}: interrupted, redone in full",
        "previous_redone": "its previous operation must be redone or moved first",
        "frozen_released": "in the frozen window, but {machine} is not available then any more: released",
        "removed": "the order is no longer in the plan",
        "rush": "rush order {order}",
        "rework": "rework of {quantity} scrapped units of {source}",
        "previous_ends": "its previous operation {operation} now ends {end}",
        "due_changed": "due date of {order} changed to {due}",
        "made_room": "made room on {machine} for {order} ({operation})",
        "resequenced_tardiness": "re-sequenced to reduce weighted lateness after {after}",
        "resequenced_makespan": "re-sequenced to shorten the makespan after {after}",
        "part_breakdown": "the breakdown of {machine} at {start}",
        "part_rush": "rush order {order}",
        "part_scrap": "{quantity} scrapped units of {order}",
        "part_due": "the new due date of {order}",
        "part_none": "re-planning",
        "summary": "Re-planned after {after}: {count} operation changes{detail}, {unchanged} operations "
                   "unchanged{maintenance}; {measure} {before:.0f} -> {now:.0f} min.",
        "measure_tardiness": "weighted lateness",
        "measure_makespan": "makespan",
        "detail": " ({parts})",
        "kind_MOVED": "{n} moved", "kind_MACHINE_CHANGED": "{n} machine changed", "kind_ADDED": "{n} added",
        "kind_REMOVED": "{n} removed",
        "no_replan": "No re-plan ({status}): {reasons}",
        "overdue": "{reason}; overdue: its deadline {deadline} could not be kept ({cause})",
        "cause_breakdown": "{machine} broke down",
        "cause_passed": "the deadline had passed at the re-plan",
        "pm_added": "preventive maintenance newly needed: {reason}",
        "pm_removed": "preventive maintenance no longer in the plan",
        "pm_kept_deadline": "moved within its deadline {deadline}",
        "pm_maintenance": ", {count} preventive-maintenance change(s)",
    },
    "ko": {
        "down": "{machine} 고장({start}부터 {until})",
        "until": "{end}까지",
        "until_unknown": "복구 시점 미정",
        "interrupted": "{down}: 가공 중 중단되어 처음부터 다시 가공",
        "previous_redone": "앞 공정을 다시 하거나 먼저 옮겨야 함",
        "frozen_released": "고정 구간에 있으나 그때 {machine}을(를) 더 이상 쓸 수 없어 해제됨",
        "removed": "주문이 더 이상 계획에 없음",
        "rush": "긴급 주문 {order}",
        "rework": "{source}의 불량 {quantity}개 재작업",
        "previous_ends": "앞 공정 {operation}이(가) 이제 {end}에 끝남",
        "due_changed": "{order}의 납기가 {due}(으)로 변경됨",
        "made_room": "{machine}에서 {order}({operation})의 자리를 만들기 위해 이동",
        "resequenced_tardiness": "{after} 이후 가중 지연을 줄이도록 순서 조정",
        "resequenced_makespan": "{after} 이후 전체 완료 시간을 줄이도록 순서 조정",
        "part_breakdown": "{machine} 고장({start})",
        "part_rush": "긴급 주문 {order}",
        "part_scrap": "{order}의 불량 {quantity}개",
        "part_due": "{order}의 납기 변경",
        "part_none": "재계획",
        "summary": "{after} 이후 재계획: 공정 변경 {count}건{detail}, 변경 없는 공정 {unchanged}건{maintenance}; "
                   "{measure} {before:.0f} -> {now:.0f}분.",
        "measure_tardiness": "가중 지연",
        "measure_makespan": "전체 완료 시간",
        "detail": "({parts})",
        "kind_MOVED": "이동 {n}", "kind_MACHINE_CHANGED": "설비 변경 {n}", "kind_ADDED": "추가 {n}",
        "kind_REMOVED": "삭제 {n}",
        "no_replan": "재계획 불가({status}): {reasons}",
        "overdue": "{reason}; 지연: 기한 {deadline}을(를) 지킬 수 없음({cause})",
        "cause_breakdown": "{machine} 고장",
        "cause_passed": "재계획 시점에 이미 기한이 지남",
        "pm_added": "예방 정비가 새로 필요함: {reason}",
        "pm_removed": "예방 정비가 더 이상 계획에 없음",
        "pm_kept_deadline": "기한 {deadline} 안에서 이동",
        "pm_maintenance": ", 예방 정비 변경 {count}건",
    },
}
"""Change reasons and the summary, in the request's locale (as `planner.explanations.late_orders.TEXT`)."""


def _text(request: PlanRequest, key: str, **values: object) -> str:
    return TEXT[request.options.locale][key].format(**values)


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


MaintenanceChangeKind = Literal["MOVED", "ADDED", "REMOVED"]


class MaintenanceChange(_Value):
    """A preventive-maintenance task whose start changed, or that was added or removed (one per machine)."""

    machine_id: str
    change: MaintenanceChangeKind
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
    maintenance_changes: list[MaintenanceChange] = Field(
        default_factory=list, description="Preventive-maintenance tasks that moved, were added or were removed.")
    unchanged: int = Field(description="Operations kept exactly as released (same machine and start).")
    summary: str


def replan(request: PlanRequest, released: PlanResult, disruptions: Sequence[Disruption], replan_at: int,
           frozen_minutes: int = 0, move_cost: float = 5.0, machine_change_cost: float = 30.0) -> ReplanResult:
    """Re-plan `released` (a plan of `request`) after the disruptions, from minute `replan_at` on.

    Raises `InvalidPlanRequest` for bad input (unknown machine or order, repair before breakdown, a
    re-plan time outside the horizon, ...), with paths under `disruptions[j]`."""
    problems = disruption_violations(request, disruptions, replan_at, frozen_minutes, move_cost, machine_change_cost)
    problems += split_lots_to_keep(released, replan_at, frozen_minutes)
    if problems:
        raise InvalidPlanRequest(problems)
    new_request = apply_disruptions(request, disruptions, replan_at)
    breakdowns = [d for d in disruptions if isinstance(d, MachineBreakdown)]
    previous = {(a.order_id, a.operation_index): (alternative_key(a.machine_id, a.mode_id), a.start)
                for a in released.assignments}  # machine, and mode where there are modes (`plant_rules.modes`)
    kept, reasons = kept_operations(new_request, released, breakdowns, replan_at, frozen_minutes)
    kept_pm = kept_maintenance(released, breakdowns, replan_at, frozen_minutes)
    broken_down = {b.machine_id for b in breakdowns}
    overdue = soft_maintenance_deadlines(maintenance_requirements(new_request), kept_pm, broken_down, replan_at)
    stability = plan_stability(new_request, kept, kept_pm, overdue, previous, replan_at, move_cost,
                               machine_change_cost)
    solve_request = new_request.model_copy(update={"options": new_request.options.model_copy(
        update={"explain_predictions": False})})
    redo = set(reasons) | {(a.order_id, a.operation_index) for a in released.assignments
                           if _breakdown_hitting(a, breakdowns) is not None}
    plan = solve_from_start(solve_request, stability, kept, previous, (set(reasons), redo), replan_at, move_cost,
                             machine_change_cost)
    if not plan.status.has_solution:
        summary = _text(new_request, "no_replan", status=plan.status.value.lower(),
                        reasons="; ".join(plan.infeasibility_reasons))
        return ReplanResult(plan=plan, request=new_request, changes=[], unchanged=0, summary=summary)
    plan = _mark_overdue(plan, overdue, broken_down, new_request)
    context = _Context(new_request, disruptions, reasons)
    changes = plan_changes(released, plan, context)
    pm_changes = maintenance_changes(released, plan, context)
    unchanged = sum((alternative_key(a.machine_id, a.mode_id), a.start) == previous.get((a.order_id, a.operation_index))
                    for a in plan.assignments)
    return ReplanResult(plan=plan, request=new_request, overdue_maintenance=overdue, changes=changes,
                        maintenance_changes=pm_changes, unchanged=unchanged,
                        summary=_summary(context, released, plan, changes, unchanged, len(pm_changes)))


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
            orders = [_interrupt_running(o, disruption) for o in orders]
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


def _interrupt_running(order: Order, breakdown: MachineBreakdown) -> Order:
    """Work in progress that the breakdown interrupts is no longer running: it is redone in full, like any
    interrupted operation (its done operations stay done)."""
    progress = order.work_in_progress
    running = progress.running if progress is not None else None
    if progress is None or running is None or running.machine_id != breakdown.machine_id:
        return order
    if breakdown.start >= running.remaining_minutes:
        return order
    return order.model_copy(update={"work_in_progress": progress.model_copy(update={"running": None})})


def _rework_order(orders: Sequence[Order], lot: ScrappedLot, replan_at: int) -> Order:
    """The scrapped units again, from the first operation: released now, due when the order was due."""
    original = next(o for o in orders if o.id == lot.order_id)
    taken = {o.id for o in orders}
    order_id, copy = f"{original.id}-rework", 2
    while order_id in taken:
        order_id, copy = f"{original.id}-rework-{copy}", copy + 1
    release = max(original.release, min(replan_at, original.due))
    return original.model_copy(update={"id": order_id, "quantity": lot.scrapped_quantity, "release": release,
                                       "work_in_progress": None})


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
    planned = {(a.order_id, a.operation_index) for a in released.assignments}
    graphs = {p.id: links_of(p) for p in request.factory.products if is_graph(p)}
    rank = {product_id: {index: position for position, index in enumerate(topological_order(links) or [])}
            for product_id, links in graphs.items()}  # a graph's predecessors come first, whatever their index
    for placed in sorted(released.assignments, key=lambda a: (
            a.order_id, rank.get(a.product_id, {}).get(a.operation_index, a.operation_index))):
        key = (placed.order_id, placed.operation_index)
        links = graphs.get(placed.product_id)
        # not planned when done before plan start
        previous = ([(placed.order_id, placed.operation_index - 1)] if links is None
                    else [(placed.order_id, link.before) for link in links[placed.operation_index]])
        hit = _breakdown_hitting(placed, breakdowns)
        if hit is not None:
            reasons[key] = _breakdown_reason(request, placed, hit)
        elif placed.start >= frozen_end:
            continue
        elif any(before in planned and before not in kept for before in previous):
            reasons[key] = _text(request, "previous_redone")
        elif placed.start >= replan_at and not _fits(request, placed, available):
            reasons[key] = _text(request, "frozen_released", machine=placed.machine_id)
        else:
            kept[key] = (alternative_key(placed.machine_id, placed.mode_id), placed.start)
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


def _fits(request: PlanRequest, placed: ScheduledOperation, available: dict[str, list[tuple[int, int]]]) -> bool:
    """Whether the operation can keep its start: in one stretch of working time, or, where it may pause, from a
    start in working time until its work is done (`planner.scheduling.rules.pausing`)."""
    stretches = available.get(placed.machine_id, [])
    pausing = pausing_start_holds(request, placed, stretches)
    if pausing is not None:
        return pausing
    return any(s <= placed.start and placed.end <= e for s, e in stretches)


def plan_stability(request: PlanRequest, kept: dict[OperationKey, Placement], kept_pm: dict[str, int],
                   overdue: dict[str, int], previous: dict[OperationKey, Placement], replan_at: int, move_cost: float,
                   machine_change_cost: float) -> ModelExtension:
    """The re-plan's rules as a model extension (see `kept_operations`, `kept_maintenance`,
    `maintenance_not_in_the_past` and `stability_costs`)."""
    def extend(model: cp_model.CpModel, tasks: Sequence[Sequence[TaskVars]], maintenance: Sequence[MaintenanceVars],
               scale: int) -> list[cp_model.LinearExprT]:
        terms: list[cp_model.LinearExprT] = []
        for task in maintenance:
            machine_id = task.requirement.machine_id
            terms += maintenance_not_in_the_past(model, request, task, kept_pm.get(machine_id),
                                                 machine_id in overdue, replan_at, scale)
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
                                kept_start: int | None, soft_deadline: bool, replan_at: int,
                                scale: int) -> list[cp_model.LinearExprT]:
    """Hard: a kept maintenance task stays; any other starts at or after the re-plan time, before its
    deadline. With `soft_deadline` (see `soft_maintenance_deadlines`) each minute past the deadline
    costs like an order's lateness at weight 1 instead."""
    if kept_start is not None:
        model.add(task.start == kept_start)
        return []
    latest = task.requirement.latest_start
    if not soft_deadline:
        model.add(task.start >= replan_at)
        return []
    # The start domain [0, latest] could make the model infeasible (a repair past the deadline).
    last_start = max(request.options.horizon_minutes - task.requirement.minutes, replan_at)
    task.start.with_domain(Domain(replan_at, last_start))
    overdue = model.new_int_var(0, max(last_start - latest, 0), f"maintenance_overdue[{task.requirement.machine_id}]")
    model.add(overdue >= task.start - latest)
    return [cost_coefficient(request.options.late_cost_per_minute * scale) * overdue]


def soft_maintenance_deadlines(requirements: Sequence[MaintenanceRequirement], kept_pm: dict[str, int],
                               broken_down: set[str], replan_at: int) -> dict[str, int]:
    """Machine id -> re-plan time, for each maintenance task that is not kept and whose deadline a re-plan
    cannot promise: it has passed, or the machine broke down (its repair may run past it)."""
    return {r.machine_id: replan_at for r in requirements
            if r.machine_id not in kept_pm and (r.latest_start < replan_at or r.machine_id in broken_down)}


def _mark_overdue(plan: PlanResult, overdue: dict[str, int], broken_down: set[str], request: PlanRequest) -> PlanResult:
    """Says why a maintenance task starts after its deadline."""
    tasks = []
    for task in plan.maintenance:
        if task.machine_id in overdue and task.start > task.latest_start:
            cause = (_text(request, "cause_breakdown", machine=task.machine_id) if task.machine_id in broken_down
                     else _text(request, "cause_passed"))
            task = task.model_copy(update={"reason": _text(request, "overdue", reason=task.reason, cause=cause,
                                                           deadline=local_time(request, task.latest_start))})
        tasks.append(task)
    return plan.model_copy(update={"maintenance": tasks})


def split_lots_to_keep(released: PlanResult, replan_at: int, frozen_minutes: int) -> list[Violation]:
    """A released plan whose split lots (`planner.scheduling.rules.lot_splitting`) have started or lie in the frozen
    window cannot be re-planned yet: keeping a sub-lot where it is needs the sub-lot's own variables, which the
    re-plan's rules do not pin. Refused with the plan's field rather than re-splitting work the floor has begun."""
    frozen_end = replan_at + frozen_minutes
    started = sorted({(a.order_id, a.operation_id) for a in released.assignments
                      if a.sublot_count > 1 and a.start < frozen_end})
    if not started:
        return []
    named = ", ".join(f"{order_id} {operation_id}" for order_id, operation_id in started[:5])
    return [Violation("plan_id", f"split lots have started or lie in the frozen window ({named}); re-planning "
                                 "them is not supported yet: re-plan from before they start or with a shorter "
                                 "frozen window")]


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
        return local_time(self.request, minute)

    def text(self, key: str, **values: object) -> str:
        return _text(self.request, key, **values)


def _down(request: PlanRequest, breakdown: MachineBreakdown) -> str:
    """"CNC-2 broken down from <start> until <repair end>" (or "until further notice")."""
    repair_end = breakdown.repair_end
    until = (_text(request, "until", end=local_time(request, repair_end)) if repair_end is not None
             else _text(request, "until_unknown"))
    return _text(request, "down", machine=breakdown.machine_id, start=local_time(request, breakdown.start),
                 until=until)


def _breakdown_reason(request: PlanRequest, placed: ScheduledOperation, breakdown: MachineBreakdown) -> str:
    down = _down(request, breakdown)
    if placed.start < breakdown.start:
        return _text(request, "interrupted", down=down)
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
            changes.append(_change(before, None, "REMOVED", context.text("removed")))
    return changes


def maintenance_changes(released: PlanResult, plan: PlanResult, context: _Context) -> list[MaintenanceChange]:
    """Every preventive-maintenance task whose start changed, was added or was removed, with why: the
    breakdown of its machine, a deadline it can no longer keep (its reason says so), or the re-sequencing
    around the disruptions within its deadline."""
    old = {task.machine_id: task for task in released.maintenance}
    new = {task.machine_id: task for task in plan.maintenance}
    breakdowns = {d.machine_id: d for d in context.disruptions if isinstance(d, MachineBreakdown)}
    changes = []
    for machine_id, task in sorted(new.items(), key=lambda item: (item[1].start, item[0])):
        before = old.get(machine_id)
        if before is None:
            changes.append(MaintenanceChange(machine_id=machine_id, change="ADDED", new_start=task.start,
                                             reason=context.text("pm_added", reason=task.reason)))
        elif before.start != task.start:
            if task.start > task.latest_start:
                reason = task.reason  # `_mark_overdue` wrote why the deadline could not be kept
            elif machine_id in breakdowns:
                reason = _down(context.request, breakdowns[machine_id])
            else:
                objective = "makespan" if context.request.options.objective == Objective.MAKESPAN else "tardiness"
                reason = "; ".join((context.text(f"resequenced_{objective}", after=_disruption_summary(context)),
                                    context.text("pm_kept_deadline", deadline=context.when(task.latest_start))))
            changes.append(MaintenanceChange(machine_id=machine_id, change="MOVED", old_start=before.start,
                                             new_start=task.start, reason=reason))
    for machine_id, before in sorted(old.items()):
        if machine_id not in new:
            changes.append(MaintenanceChange(machine_id=machine_id, change="REMOVED", old_start=before.start,
                                             reason=context.text("pm_removed")))
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
        return context.text("rush", order=placed.order_id)
    order = next(o for o in context.request.orders if o.id == placed.order_id)
    return context.text("rework", quantity=order.quantity, source=placed.order_id.rsplit("-rework", 1)[0])


def _move_reason(context: _Context, before: ScheduledOperation, placed: ScheduledOperation,
                 new: dict[OperationKey, ScheduledOperation]) -> str:
    """Why an operation moved: the first cause that applies, from the most to the least direct."""
    key = (placed.order_id, placed.operation_index)
    if key in context.reasons:
        return context.reasons[key]
    previous = new.get((placed.order_id, placed.operation_index - 1))
    if previous is not None and previous.end > before.start:
        return context.text("previous_ends", operation=previous.operation_id, end=context.when(previous.end))
    if placed.order_id in context.due_changes:
        due = context.when(context.due_changes[placed.order_id])
        return context.text("due_changed", order=placed.order_id, due=due)
    taker = next((a for a in new.values() if a.machine_id == before.machine_id and a.start < before.end
                  and a.end > before.start and (a.order_id, a.operation_index) != key), None)
    if taker is not None:
        return context.text("made_room", machine=before.machine_id, order=taker.order_id, operation=taker.operation_id)
    objective = "makespan" if context.request.options.objective == Objective.MAKESPAN else "tardiness"
    return context.text(f"resequenced_{objective}", after=_disruption_summary(context))


def _disruption_summary(context: _Context) -> str:
    parts = []
    for disruption in context.disruptions:
        if isinstance(disruption, MachineBreakdown):
            parts.append(context.text("part_breakdown", machine=disruption.machine_id,
                                      start=context.when(disruption.start)))
        elif isinstance(disruption, RushOrder):
            parts.append(context.text("part_rush", order=disruption.order.id))
        elif isinstance(disruption, ScrappedLot):
            parts.append(context.text("part_scrap", quantity=disruption.scrapped_quantity, order=disruption.order_id))
        else:
            parts.append(context.text("part_due", order=disruption.order_id))
    return ", ".join(parts) if parts else context.text("part_none")


def _summary(context: _Context, released: PlanResult, plan: PlanResult, changes: Sequence[PlanChange],
             unchanged: int, maintenance_changes: int) -> str:
    counts = {kind: sum(c.change == kind for c in changes) for kind in ("MOVED", "MACHINE_CHANGED", "ADDED",
                                                                         "REMOVED")}
    parts = ", ".join(context.text(f"kind_{kind}", n=n) for kind, n in counts.items() if n)
    makespan = context.request.options.objective == Objective.MAKESPAN

    def measure(result: PlanResult) -> float:
        if result.kpis is None:
            return 0.0
        return result.kpis.makespan_minutes if makespan else result.kpis.weighted_tardiness_minutes

    return context.text("summary", after=_disruption_summary(context), count=len(changes),
                        detail=context.text("detail", parts=parts) if parts else "", unchanged=unchanged,
                        maintenance=context.text("pm_maintenance", count=maintenance_changes)
                        if maintenance_changes else "",
                        measure=context.text("measure_makespan" if makespan else "measure_tardiness"),
                        before=measure(released), now=measure(plan))
