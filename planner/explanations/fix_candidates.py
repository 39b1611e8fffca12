"""Candidate fixes of a late order, before verification: what to change, as scenario deltas, and its cost.

Kinds, in the order they are tried and offered (`TIERS`, cheapest first as the planner counts cost: no
working time and nothing moved outside the plan first, overtime last but the preferences):
1. SEQUENCE: run the order's operation that waited longest ahead of an order with slack that ran on that
   machine while it waited (`RunBefore`: a sequence rule, hard, so a solve from scratch keeps it); for an order
   that waited for a furnace load to fill (BATCH_LOAD), its lot ahead of the lots that load waited for, so that it
   goes into an earlier load (`load_candidates`);
2. MACHINE: run that operation on another of its eligible machines, the least busy during the wait first
   (`AssignMachine`); once verified it gets a sequence rule ahead of the operation that followed it there
   in the re-solved plan (`planner.explanations.fixes.settle`), so its place holds too, not only its machine;
3. SPLIT_LOT: let that operation's lot split into sub-lots across its eligible machines (`SplitLot`: the
   plan still decides whether splitting pays), where the lot-splitting rule can model it;
4. EARLIER_RELEASE: release it earlier by its lateness (only when the release binds);
5. MOVE_MAINTENANCE: move a maintenance window it waited for to after its operation;
6. RESOURCE_CAPACITY: where the order waited for a resource pool (setters, inspectors: RESOURCE_SHORTAGE), that
   many more units of it from when the pool was short, for as long as the operation holds them
   (`ResourceCapacityChange`; its cost is the staff time added);
7. OVERTIME: extra working time after the shifts on the machine where it waited, the whole working time
   that machine spent on others meanwhile (at most its lateness), with the crew the operation needs in those
   hours where its pool has none then (`overtime_crew`: an inspector for a CMM's overtime); once verified it is
   cut to what the re-solved plan used, in whole hours (`planner.explanations.fixes.settle`), never a whole night
   more than needed;
8. PRIORITY: a higher weight (a preference the solver may trade away: tried late);
9. DUE_DATE: a date agreed with the customer, only when nothing else helped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from planner.calendar import available_intervals, unavailable_intervals
from planner.domain import NO_MACHINE, Order, PlanRequest, TimeWindow
from planner.replanning.deltas import (
    AssignMachine,
    ChangeDueDate,
    ChangeRelease,
    ChangeWeight,
    ExtraWorkingTime,
    MoveMaintenance,
    ResourceCapacityChange,
    RunBefore,
    ScenarioDelta,
    SplitLot,
)
from planner.scheduling.rules.lot_splitting import may_split
from planner.scheduling.rules.resources import capacity_profile, shortage
from planner.scheduling.rules.skills import by_resource
from planner.solution import LateOrderExplanation, PlanResult, ScheduledOperation

TIERS = ["SEQUENCE", "MACHINE", "SPLIT_LOT", "EARLIER_RELEASE", "MOVE_MAINTENANCE", "RESOURCE_CAPACITY", "OVERTIME",
         "PRIORITY", "DUE_DATE"]
"""Kinds in the order they are tried and offered: cheapest first (no working time added, nothing moved outside
the plan), then what moves material or maintenance, then overtime, then the preference and the new date."""
MAX_OVERTIME_PER_DAY = 8 * 60
DAY_MINUTES = 24 * 60
PRIORITY_FACTOR = 20.0
"""The raised weight: this many times the highest weight of any order, so that it goes first, also in the
dispatching-rule start of a solve from scratch (a factor of 4 often left the order where it was there)."""
RELEASE_SLACK = 60
"""A release binds when the order's first operation starts within this many minutes of it."""
MAX_MACHINE_CANDIDATES = 2
"""Other eligible machines tried for the operation that waited longest, the least busy during the wait first."""
MAX_AHEAD = 3
"""Orders a SEQUENCE fix runs the late order ahead of, at most (each one sequence rule)."""
MAX_SUBLOTS = 3
"""Sub-lots a SPLIT_LOT fix allows, at most (and never more than the operation's eligible machines)."""
CREW_REASON = "crew for overtime (fix)"
"""The reason on a crew's window (`overtime_crew`): staff that comes with a machine's overtime."""


@dataclass(frozen=True)
class Candidate:
    """A fix before verification: its deltas and cost."""

    kind: str
    changes: list[ScenarioDelta]
    extra_working_minutes: int = 0
    moved_minutes: int = 0
    from_machine: str = ""
    """MACHINE: where the plan ran the operation (for the text)."""


def candidates(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation) -> list[Candidate]:
    """Candidate fixes of one late order in `TIERS` order, cheapest first within a kind (no DUE_DATE: that is
    the last resort)."""
    order = next(o for o in request.orders if o.id == explanation.order_id)
    highest = max(o.weight for o in request.orders)
    waited = longest_wait(request, plan.assignments, order.id)
    found: list[Candidate] = []
    if explanation.reason_code == "BATCH_LOAD":
        found += load_candidates(request, plan.assignments, explanation)
    if waited is not None:
        found += sequence_candidates(request, plan, waited)
        found += machine_candidates(request, plan.assignments, waited)
        found += split_candidates(request, waited)
    if order.release > 0 and _release_binds(plan.assignments, order.id, order.release):
        earlier = max(0, order.release - explanation.minutes_late)
        found.append(Candidate("EARLIER_RELEASE", [ChangeRelease(order_id=order.id, release=earlier)],
                               moved_minutes=order.release - earlier))
    if waited is not None and explanation.reason_code == "RESOURCE_SHORTAGE":
        found += resource_candidates(request, plan.assignments, waited)
    if waited is not None and waited[0].machine_id != NO_MACHINE:  # manual work: no machine to give time
        operation, ready = waited
        found += _maintenance_moves(request, operation, ready)
        needed = overtime_needed(request, operation, ready, explanation.minutes_late)
        overtime = overtime_windows(request, operation.machine_id, ready, needed)
        if overtime:
            changes = with_crew(request, operation, overtime)
            found.append(Candidate("OVERTIME", changes, extra_working_minutes=working_minutes(changes)))
    found.append(Candidate("PRIORITY", [ChangeWeight(order_id=order.id, weight=highest * PRIORITY_FACTOR)]))
    return found


def _runs_already(order: Order, operation_id: str) -> bool:
    progress = order.work_in_progress
    return progress is not None and progress.running is not None and progress.running.operation_id == operation_id


def sequence_candidates(request: PlanRequest, plan: PlanResult,
                        waited: tuple[ScheduledOperation, int]) -> list[Candidate]:
    """The operation that waited run ahead of orders with slack that the machine ran while it waited.

    Only orders whose slack (due time less planned completion) covers the operation's length qualify: going
    ahead of them delays them by about that much, so they stay on time. The first candidate goes ahead of one
    order: the latest-starting one early enough to remove the whole lateness, else the earliest; ties by the
    most slack. The second goes ahead of every qualifying order from there up to the operation (at most
    MAX_AHEAD), which holds better when the plan is solved from scratch."""
    operation, ready = waited
    if operation.machine_id == NO_MACHINE:
        return []
    orders = {o.id: o for o in request.orders}
    slack = {r.order_id: orders[r.order_id].due - r.completion for r in plan.order_results if r.order_id in orders}
    late_by = max(0, next((r.tardiness for r in plan.order_results if r.order_id == operation.order_id), 0))
    length = operation.end - operation.start
    ahead = sorted((a for a in plan.assignments if a.machine_id == operation.machine_id
                    and a.order_id != operation.order_id and ready <= a.start < operation.start
                    and slack.get(a.order_id, 0) >= length and not _runs_already(orders[a.order_id], a.operation_id)),
                   key=lambda a: a.start)
    if not ahead:
        return []
    enough = [a for a in ahead if a.start <= operation.start - late_by]
    first = max(enough, key=lambda a: (a.start, slack[a.order_id])) if enough else ahead[0]
    found = [_sequence(operation, [first])]
    following = [a for a in ahead if a.start >= first.start][:MAX_AHEAD]
    if len(following) > 1:
        found.append(_sequence(operation, following))
    return found


def load_candidates(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                    explanation: LateOrderExplanation) -> list[Candidate]:
    """An order that waited for a batch machine's load to fill (BATCH_LOAD): its lot run ahead of the other lots
    of that load that became ready after it (at most MAX_AHEAD, sequence rules), so that it goes into an earlier
    load, without them, where it is ready; the lots it no longer waits for go into a later one (verification
    says whether the plan is worse off). None where no lot of its load became ready after it."""
    mine = next((a for a in assignments if a.order_id == explanation.order_id
                 and a.machine_id == explanation.machine_id), None)
    if mine is None:
        return []
    ready = {(a.order_id, a.operation_index): a.end for a in assignments}
    orders = {o.id: o for o in request.orders}

    def became_ready(lot: ScheduledOperation) -> int:
        return max(ready.get((lot.order_id, lot.operation_index - 1), 0), orders[lot.order_id].release)

    later = sorted((a for a in assignments if a.machine_id == mine.machine_id and a.start == mine.start
                    and a.order_id != mine.order_id and became_ready(a) > became_ready(mine)
                    and not _runs_already(orders[a.order_id], a.operation_id)), key=became_ready, reverse=True)
    return [_sequence(mine, later[:MAX_AHEAD])] if later else []


def _sequence(operation: ScheduledOperation, others: Sequence[ScheduledOperation]) -> Candidate:
    return Candidate("SEQUENCE", [ahead_of(operation.machine_id, operation.order_id, operation.operation_id, other)
                                  for other in others])


def ahead_of(machine_id: str, order_id: str, operation_id: str, other: ScheduledOperation) -> RunBefore:
    """The rule: the order's operation before `other` on the machine."""
    return RunBefore(machine_id=machine_id, before_order_id=order_id, before_operation_id=operation_id,
                     after_order_id=other.order_id, after_operation_id=other.operation_id)


def machine_candidates(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                       waited: tuple[ScheduledOperation, int]) -> list[Candidate]:
    """The operation that waited run on another of its eligible machines: those least busy between the
    operation becoming ready and its planned end first, at most MAX_MACHINE_CANDIDATES. None for manual
    work, for an operation of a product other products consume (a machine assignment copies the product)
    and for an order that is running that operation already."""
    operation, ready = waited
    order = next(o for o in request.orders if o.id == operation.order_id)
    product = request.factory.product(order.product_id)
    routed = next((op for op in product.routing if op.id == operation.operation_id), None)
    consumed = any(use.material_id == product.id for p in request.factory.products for op in p.routing
                   for use in op.materials)
    running = order.work_in_progress is not None and order.work_in_progress.running is not None
    if routed is None or operation.machine_id == NO_MACHINE or running or consumed:
        return []

    def busy(machine_id: str) -> int:
        return sum(max(0, min(a.end, operation.end) - max(a.start, ready)) for a in assignments
                   if a.machine_id == machine_id)

    others = sorted({e.machine_id for e in routed.eligible_machines} - {operation.machine_id, NO_MACHINE},
                    key=lambda m: (busy(m), m))
    return [Candidate("MACHINE", [AssignMachine(order_id=order.id, operation_id=routed.id, machine_id=machine_id)],
                      from_machine=operation.machine_id)
            for machine_id in others[:MAX_MACHINE_CANDIDATES]]


def split_candidates(request: PlanRequest, waited: tuple[ScheduledOperation, int]) -> list[Candidate]:
    """The operation that waited split across its eligible machines: as many sub-lots as machines (at most
    MAX_SUBLOTS), each at least half an even share, so that a split never leaves a sub-lot not worth its setup.
    None for a lot already split, one machine, a lot too small to halve, or a rule the sub-lots do not model."""
    operation, _ = waited
    order = next(o for o in request.orders if o.id == operation.order_id)
    product = request.factory.product(order.product_id)
    index = next((i for i, op in enumerate(product.routing) if op.id == operation.operation_id), None)
    if index is None or operation.sublot_count > 1 or _runs_already(order, operation.operation_id):
        return []
    machines = {e.machine_id for e in product.routing[index].eligible_machines} - {NO_MACHINE}
    parts = min(len(machines), MAX_SUBLOTS)
    minimum = math.ceil(order.quantity / (2 * parts)) if parts else 0
    if parts < 2 or order.quantity < 2 * minimum or not may_split(request, product, index):
        return []
    return [Candidate("SPLIT_LOT", [SplitLot(order_id=order.id, operation_id=operation.operation_id,
                                             max_sublots=parts, min_sublot_units=minimum)],
                      from_machine=operation.machine_id)]


def resource_candidates(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                        waited: tuple[ScheduledOperation, int]) -> list[Candidate]:
    """More of a resource pool the operation that waited needs (setters, inspectors), where the pool had no room
    for it: as many units as it needs, from the first minute it was short (`shortage`) for as long as the operation
    holds them (its setup, or its run), in whole hours; then, where longer, until the operation's planned start.
    None for a die or a named person (each exists once) or where the pool was never short."""
    operation, ready = waited
    routings = {p.id: p.routing for p in request.factory.products}
    routed = routings[operation.product_id][operation.operation_index]
    found: list[Candidate] = []
    for need in by_resource(routed.resources):
        resource = next((r for r in request.factory.resources if r.id == need.resource_id), None)
        if resource is None or resource.is_die or resource.is_person:
            continue
        others = [(a.start, a.start + a.setup_minutes if n.setup_only else a.end, n.quantity) for a in assignments
                  if a.order_id != operation.order_id
                  for n in routings[a.product_id][a.operation_index].resources if n.resource_id == resource.id]
        _, first = shortage(request, resource.id, need.quantity, others, ready, operation.start)
        if first is None:
            continue
        hold = operation.setup_minutes if need.setup_only else operation.end - operation.start
        start = first // 60 * 60
        ends = sorted({math.ceil((first + max(hold, 1)) / 60) * 60,
                       math.ceil(max(operation.start, first + max(hold, 1)) / 60) * 60})
        for end in ends:
            window = TimeWindow(start=start, end=end, reason=f"one more {resource.id} (fix)")
            found.append(Candidate("RESOURCE_CAPACITY", [ResourceCapacityChange(
                resource_id=resource.id, window=window, extra_units=need.quantity)],
                extra_working_minutes=(end - start) * need.quantity))
    return found


def with_crew(request: PlanRequest, operation: ScheduledOperation,
              windows: Sequence[TimeWindow]) -> list[ScenarioDelta]:
    """Overtime on the operation's machine in `windows`, each followed by the crew it needs there
    (`overtime_crew`)."""
    changes: list[ScenarioDelta] = []
    for window in windows:
        changes.append(ExtraWorkingTime(machine_id=operation.machine_id, window=window))
        changes += overtime_crew(request, operation, window)
    return changes


def overtime_crew(request: PlanRequest, operation: ScheduledOperation,
                  window: TimeWindow) -> list[ResourceCapacityChange]:
    """The staff the operation needs to run in an overtime window of its machine, where its pools (setters for
    the setup, inspectors for the run; not a die or a named person) have fewer units somewhere in the window
    than it needs: off shift they have none, so overtime on a CMM without an inspector adds time nobody can use
    (the plant-grade demo's Friday-night inspections stayed as late with it). As many units as it needs less
    what the pool has at its thinnest there, for the whole window, or for a resource held during the setup only
    (setters) its first hours, as long as the operation's setup (`settle` cuts them with the machine's hours)."""
    routings = {p.id: p.routing for p in request.factory.products}
    routing = routings.get(operation.product_id, [])
    if operation.operation_index >= len(routing):
        return []
    crew: list[ResourceCapacityChange] = []
    for need in by_resource(routing[operation.operation_index].resources):
        resource = next((r for r in request.factory.resources if r.id == need.resource_id), None)
        if resource is None or resource.is_die or resource.is_person:
            continue
        # a setter is held for the setup only: the window's first hours, as long as the operation's setup
        end = min(window.end, window.start + max(math.ceil(operation.setup_minutes / 60), 1) * 60
                  ) if need.setup_only else window.end
        thinnest = min((units for start, stop, units in capacity_profile(resource, request)
                        if start < end and stop > window.start), default=0)
        if thinnest < need.quantity:
            crew.append(ResourceCapacityChange(resource_id=resource.id, extra_units=need.quantity - thinnest,
                                               window=window.model_copy(update={"end": end, "reason": CREW_REASON})))
    return crew


def working_minutes(changes: Sequence[ScenarioDelta]) -> int:
    """Working time the changes add: machine overtime and staff time (units x window)."""
    return sum(d.window.end - d.window.start for d in changes if isinstance(d, ExtraWorkingTime)) + sum(
        (d.window.end - d.window.start) * d.extra_units for d in changes if isinstance(d, ResourceCapacityChange))


def overtime_needed(request: PlanRequest, operation: ScheduledOperation, ready: int, minutes_late: int) -> int:
    """Working time the machine spent on others while the operation waited (never more than the order's
    lateness), in whole hours: the most overtime that can be worth trying there."""
    working = available_intervals(request.factory.machine(operation.machine_id), request)
    lost = sum(max(0, min(end, operation.start) - max(start, ready)) for start, end in working)
    return max(60, math.ceil(min(lost, minutes_late) / 60) * 60)


def _release_binds(assignments: Sequence[ScheduledOperation], order_id: str, release: int) -> bool:
    first = min((a for a in assignments if a.order_id == order_id), key=lambda a: a.operation_index, default=None)
    return first is not None and first.start - release <= RELEASE_SLACK


def due_date_candidate(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation) -> Candidate:
    """A date agreed with the customer: the planned completion, rounded up to the hour (inside the horizon)."""
    completion = next(r.completion for r in plan.order_results if r.order_id == explanation.order_id)
    agreed = min(math.ceil(completion / 60) * 60, request.options.horizon_minutes)
    return Candidate("DUE_DATE", [ChangeDueDate(order_id=explanation.order_id, due=agreed)],
                     moved_minutes=explanation.minutes_late)


def longest_wait(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                 order_id: str) -> tuple[ScheduledOperation, int] | None:
    """The order's operation that waited longest between becoming ready and starting, and when it became ready."""
    found = waits(request, assignments, order_id)
    return found[0] if found else None


def waits(request: PlanRequest, assignments: Sequence[ScheduledOperation],
          order_id: str) -> list[tuple[ScheduledOperation, int]]:
    """The order's operations that waited between becoming ready and starting, each with when it became ready, the
    longest wait first (the earlier operation first among equal waits)."""
    order = next(o for o in request.orders if o.id == order_id)
    ready = max(order.release, 0)
    found: list[tuple[ScheduledOperation, int]] = []
    for placed in sorted((a for a in assignments if a.order_id == order_id), key=lambda a: a.operation_index):
        if placed.start > ready:
            found.append((placed, ready))
        ready = max(ready, placed.end)
    return sorted(found, key=lambda w: -(w[0].start - w[1]))


def _maintenance_moves(request: PlanRequest, operation: ScheduledOperation, ready: int) -> list[Candidate]:
    """Maintenance windows of the machine that fall inside the wait, each moved to just after the operation."""
    machine = request.factory.machine(operation.machine_id)
    moves = []
    for window in machine.maintenance_windows:
        if window.start < operation.start and window.end > ready:
            new_start = operation.end + (operation.start - window.start if window.start > ready else 0)
            new_start = max(new_start, operation.end)
            if new_start + window.end - window.start <= request.options.horizon_minutes:
                moves.append(Candidate("MOVE_MAINTENANCE", [MoveMaintenance(
                    machine_id=machine.id, window_start=window.start, new_start=new_start)],
                    moved_minutes=new_start - window.start))
    return moves


def overtime_windows(request: PlanRequest, machine_id: str, since: int, minutes: int,
                     extra_shifts: bool = False) -> list[TimeWindow]:
    """`minutes` of extra working time on the machine right after its shifts end, from `since` on, at most
    8 h a day with the extra working time the machine has there already (a fix topped up again), in whole hours
    per day; empty when the machine has no off-shift time to add (24/7). With `extra_shifts` (a top-up), a day
    off inside the time off (a Saturday) may also get an extra shift at the hour the machine's shifts start, up
    to 8 h, and where `since` falls after a shift ended, that night's overtime runs `minutes` past `since`."""
    machine = request.factory.machine(machine_id)
    off_shift = [w for w in unavailable_intervals(machine, request) if w.reason == "off shift" and w.end > since
                 and w.start > 0]
    clock = _shift_start_clock(request, machine_id) if extra_shifts else None
    windows: list[TimeWindow] = []
    left = minutes
    for gap in off_shift:
        if left <= 0:
            break
        allowed = MAX_OVERTIME_PER_DAY - _extra_before(machine.extra_working_windows, gap.start)
        late_start = max(0, since - gap.start) if clock is not None else 0  # ready after the shift ended
        length = min(left + late_start, allowed, (gap.end - gap.start) // 60 * 60)
        length = min(math.ceil(length / 60) * 60, allowed, (gap.end - gap.start) // 60 * 60)
        if length >= 60 and (clock is None or gap.start + length > since):
            windows.append(TimeWindow(start=gap.start, end=gap.start + length, reason="overtime (fix)"))
            left -= length - late_start
        if clock is None:
            continue
        day = gap.start + max(length, 0) + (clock - gap.start - max(length, 0)) % DAY_MINUTES
        while left > 0 and day + 60 <= gap.end:
            length = min(math.ceil(left / 60) * 60, MAX_OVERTIME_PER_DAY, (gap.end - day) // 60 * 60)
            windows.append(TimeWindow(start=day, end=day + length, reason="extra shift (fix)"))
            left -= length
            day += DAY_MINUTES
    return windows


def _shift_start_clock(request: PlanRequest, machine_id: str) -> int | None:
    """The minute of the day (plan time, modulo a day) the machine's working time most often starts at."""
    starts = Counter(start % DAY_MINUTES for start, _ in available_intervals(request.factory.machine(machine_id),
                                                                            request) if start > 0)
    return starts.most_common(1)[0][0] if starts else None


def _extra_before(extra: Sequence[TimeWindow], minute: int) -> int:
    """Minutes of extra working time that run without a break up to `minute` (overtime added there already)."""
    total = 0
    while (window := next((w for w in extra if w.end == minute and w.start < minute), None)) is not None:
        total += window.end - window.start
        minute = window.start
    return total
