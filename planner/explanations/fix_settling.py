"""A fix against a known schedule: settled on it (`settle_on`: overtime and its crew cut to the hours the schedule
worked, a new place pinned by a sequence rule), and the neighbourhood of the order that a re-solve warm-started from
the plan may move while the rest is held (`neighbourhood`, `hold_rest`). `planner.explanations.fixes` verifies fixes
with both."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from planner.domain import Operation, PlanRequest, ResourceNeed
from planner.explanations.fix_candidates import CREW_REASON, Candidate, ahead_of, working_minutes
from planner.replanning.deltas import (
    AssignMachine,
    ExtraWorkingTime,
    MoveMaintenance,
    ResourceCapacityChange,
    RunBefore,
    ScenarioDelta,
)
from planner.replanning.scenarios import apply_deltas
from planner.scheduling.model import Hint, ModelExtension
from planner.scheduling.rules.base import TaskVars
from planner.scheduling.rules.predictions import MaintenanceVars
from planner.solution import ScheduledOperation
from planner.validation import InvalidPlanRequest


def settle_on(request: PlanRequest, order_id: str, candidate: Candidate,
              assignments: Sequence[ScheduledOperation]) -> Candidate | None:
    """The fix as offered once a schedule with it is known (`assignments`), valid for that schedule as it is:
    - overtime: each day's window cut to the hours the schedule worked in it (None when it used none: the
      gain was not the overtime's), and its crew to the hours an operation on that machine held them there;
    - SEQUENCE, MACHINE: the order's operation also pinned ahead of the operation that followed it on its
      machine in that schedule (a sequence rule the schedule keeps), so that a solve from scratch keeps its
      place, not only its machine or one neighbour."""
    settled: Candidate | None = candidate
    if any(isinstance(d, ExtraWorkingTime) for d in candidate.changes):
        settled = _trimmed(request, candidate, assignments)
    if settled is not None and settled.kind in ("SEQUENCE", "MACHINE"):
        settled = _pinned(request, order_id, settled, assignments)
    return settled


def _trimmed(request: PlanRequest, candidate: Candidate,
             assignments: Sequence[ScheduledOperation]) -> Candidate | None:
    """Each overtime window cut to the whole hours the schedule worked in it, its crew with it (`_crew_trimmed`: a
    crew follows its machine's window in the changes); None when no overtime was used."""
    changes: list[ScenarioDelta] = []
    overtime = 0
    last: tuple[ExtraWorkingTime, int | None] | None = None  # the machine window a crew follows, and its new end
    for delta in candidate.changes:
        if isinstance(delta, ExtraWorkingTime):
            window = delta.window
            used = max((min(a.end, window.end) for a in assignments if a.machine_id == delta.machine_id
                        and a.start < window.end and a.end > window.start), default=None)
            end = None if used is None else min(window.end, window.start + math.ceil((used - window.start) / 60) * 60)
            last = (delta, end)
            if end is not None:
                changes.append(delta.model_copy(update={"window": window.model_copy(update={"end": end})}))
                overtime += end - window.start
        elif isinstance(delta, ResourceCapacityChange) and delta.window.reason == CREW_REASON and last is not None:
            crew = _crew_trimmed(request, delta, last, assignments)
            if crew is not None:
                changes.append(crew)
        else:
            changes.append(delta)
    if overtime == 0:
        return None
    return replace(candidate, changes=changes, extra_working_minutes=working_minutes(changes))


def _crew_trimmed(request: PlanRequest, crew: ResourceCapacityChange, machine: tuple[ExtraWorkingTime, int | None],
                  assignments: Sequence[ScheduledOperation]) -> ResourceCapacityChange | None:
    """The crew of a machine's overtime window cut to the machine's hours there and to the last hour an operation
    on that machine held the resource in it (a setter only for a setup); None when none did."""
    overtime, end = machine
    if crew.window.start != overtime.window.start:
        return crew  # not this window's crew
    if end is None:
        return None
    routings = {p.id: p.routing for p in request.factory.products}
    held = [a.start + a.setup_minutes if need.setup_only else a.end for a in assignments
            if a.machine_id == overtime.machine_id and a.start < end
            for need in _resources(routings.get(a.product_id, []), a.operation_index)
            if need.resource_id == crew.resource_id]
    used = max((min(h, end) for h in held if h > crew.window.start), default=None)
    if used is None:
        return None
    cut = min(end, crew.window.end, crew.window.start + math.ceil((used - crew.window.start) / 60) * 60)
    return crew.model_copy(update={"window": crew.window.model_copy(update={"end": cut})})


def _resources(routing: Sequence[Operation], index: int) -> list[ResourceNeed]:
    return list(routing[index].resources) if index < len(routing) else []


def _pinned(request: PlanRequest, order_id: str, candidate: Candidate,
            assignments: Sequence[ScheduledOperation]) -> Candidate:
    machine_id, operation_id = _moved_operation(candidate)
    mine = next((a for a in assignments if a.order_id == order_id and a.operation_id == operation_id
                 and a.machine_id == machine_id), None)
    if mine is None:
        return candidate
    running = {o.id: o.work_in_progress.running.operation_id for o in request.orders
               if o.work_in_progress is not None and o.work_in_progress.running is not None}
    after = sorted((a for a in assignments if a.machine_id == machine_id and a.order_id != order_id
                    and a.start >= mine.end and running.get(a.order_id) != a.operation_id), key=lambda a: a.start)
    ruled = {(d.after_order_id, d.after_operation_id) for d in candidate.changes if isinstance(d, RunBefore)}
    if not after or (after[0].order_id, after[0].operation_id) in ruled:
        return candidate
    pinned = replace(candidate, changes=[*candidate.changes, ahead_of(machine_id, order_id, operation_id, after[0])])
    try:
        apply_deltas(request, pinned.changes)
    except InvalidPlanRequest:
        return candidate
    return pinned


def _moved_operation(candidate: Candidate) -> tuple[str, str]:
    """(machine, operation id) of the order's operation a SEQUENCE or MACHINE fix places."""
    first = candidate.changes[0]
    if isinstance(first, RunBefore):
        return first.machine_id, first.before_operation_id
    if isinstance(first, AssignMachine):
        return first.machine_id, first.operation_id
    return "", ""


def neighbourhood(request: PlanRequest, assignments: Sequence[ScheduledOperation], order_id: str,
                  changes: Sequence[ScenarioDelta]) -> set[tuple[str, int]]:
    """The operations a verification re-solve may move: the order's own, those on its machines and on the
    machines the fix changes between its release and its completion (or the end of the change), and every
    later operation of their orders. The rest of the plan is held where it is, so a re-solve of a few
    seconds measures the fix rather than a better search of the whole plan."""
    order = next(o for o in request.orders if o.id == order_id)
    own = [a for a in assignments if a.order_id == order_id]
    machines = {a.machine_id for a in own} | {d.machine_id for d in changes if isinstance(
        d, ExtraWorkingTime | MoveMaintenance | AssignMachine | RunBefore)}
    start = max(min(order.release, *(a.start for a in own)), 0) if own else 0
    end = max([a.end for a in own] + [_change_end(request, d) for d in changes])
    touched = {(a.order_id, a.operation_index) for a in assignments
               if a.order_id == order_id or (a.machine_id in machines and a.end > start and a.start < end)}
    first_touched: dict[str, int] = {}
    for moved_order, index in touched:
        first_touched[moved_order] = min(index, first_touched.get(moved_order, index))
    return {(a.order_id, a.operation_index) for a in assignments
            if a.order_id in first_touched and a.operation_index >= first_touched[a.order_id]}


def _change_end(request: PlanRequest, delta: ScenarioDelta) -> int:
    if isinstance(delta, ExtraWorkingTime | ResourceCapacityChange):
        return delta.window.end
    if isinstance(delta, MoveMaintenance):
        window = next(w for w in request.factory.machine(delta.machine_id).maintenance_windows
                      if w.start == delta.window_start)
        return delta.new_start + window.end - window.start
    return 0


def hold_rest(hint: Hint, free: set[tuple[str, int]]) -> ModelExtension:
    """A model extension that keeps every hinted operation outside `free` on its machine and start."""
    def extend(model: cp_model.CpModel, tasks: Sequence[Sequence[TaskVars]], maintenance: Sequence[MaintenanceVars],
               scale: int) -> list[cp_model.LinearExprT]:
        for job in tasks:
            for variables in job:
                key = (variables.task.order_id, variables.task.index)
                placed = hint.get(key)
                if placed is None or key in free or variables.task.running:
                    continue
                machine_id, start = placed
                literal = variables.presence.get(machine_id)
                if literal is None:
                    continue
                model.add(variables.start == start)
                if literal is not True:
                    model.add(literal == 1)
        return []

    return extend
