"""Secondary resources (`Factory.resources`, `Operation.resources`): setters and inspectors by shift, dies.

A resource has a capacity: units available at a time (people in a pool, or 1 for a die, mould or
fixture that exists once). With a calendar it works only inside its shifts, with a capacity per shift
where it differs (3 setters on the early shift, 2 on the late one); without one, around the clock. An
operation holds `quantity` units of each resource it needs, for its whole run or only for its setup
(`setup_only`: a setter mounts the die, then the machine runs alone). Batch-machine operations need no
resources (validation).

CP-SAT model: one Cumulative per resource with capacity = its largest capacity over the horizon; where
the capacity is lower (another shift, off shift), a fixed interval takes the difference. A whole-run need
is an interval from the operation's start to its end (its length follows the machine chosen); a setup
need is one optional interval per eligible machine with a setup there, present when that machine is.

An operation may need no machine at all (manual assembly by two operators: no eligible machines, a resource held
for its whole run): it is on `NO_MACHINE`, in no machine's NoOverlap, and only its resources (their capacity and
their shifts) decide when it runs.

The dispatching start keeps the rule with `ResourceTimeline`: a machine's earliest start is pushed later
until every resource the operation needs has room over the time it is held; manual work sits on `ManualWork`,
a timeline that is always free.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.calendar import shift_intervals
from planner.domain import NO_MACHINE, PlanRequest, Resource, ResourceNeed
from planner.scheduling.rules.modes import mode_demands
from planner.scheduling.tasks import Job, build_jobs

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.rules.batching import Timeline
    from planner.scheduling.tasks import Alternative
    from planner.solution import ScheduledOperation

Segment = tuple[int, int, int]
"""[start, end) and the capacity in it, minutes from plan start."""


def has_resources(request: PlanRequest) -> bool:
    return any(op.resources or any(mode.resources for mode in op.modes)
               for product in request.factory.products for op in product.routing)


def capacity_profile(resource: Resource, request: PlanRequest) -> list[Segment]:
    """The resource's capacity over [0, horizon) as consecutive segments (0 off shift when it has a calendar;
    where shifts overlap, the larger capacity)."""
    horizon = request.options.horizon_minutes
    calendar = next((c for c in request.factory.calendars if c.id == resource.calendar_id), None)
    if calendar is None:
        return _with_extra([(0, horizon, resource.capacity)], resource, horizon)
    by_shift = {s.shift: s.capacity for s in resource.shift_capacities}
    worked: list[Segment] = []
    for shift in calendar.shifts:
        one = calendar.model_copy(update={"shifts": [shift]})
        worked += [(s, e, by_shift.get(shift.name, resource.capacity)) for s, e in shift_intervals(one, request)]
    points = sorted({0, horizon, *(p for s, e, _ in worked for p in (s, e) if 0 <= p <= horizon)})
    segments: list[Segment] = []
    for start, end in pairwise(points):
        capacity = max((c for s, e, c in worked if s <= start and end <= e), default=0)
        if segments and segments[-1][2] == capacity:
            segments[-1] = (segments[-1][0], end, capacity)
        else:
            segments.append((start, end, capacity))
    return _with_extra(segments, resource, horizon)


def _with_extra(segments: list[Segment], resource: Resource, horizon: int) -> list[Segment]:
    """The profile with the resource's extra units added inside their windows (`Resource.extra_capacity`)."""
    if not resource.extra_capacity:
        return segments
    windows = [(max(w.window.start, 0), min(w.window.end, horizon), w.units) for w in resource.extra_capacity]
    points = sorted({0, horizon, *(p for s, e, _ in segments for p in (s, e)),
                     *(p for s, e, _ in windows for p in (s, e) if 0 <= p <= horizon)})
    result: list[Segment] = []
    for start, end in pairwise(points):
        capacity = capacity_at(segments, start) + sum(u for s, e, u in windows if s <= start and end <= e)
        if result and result[-1][2] == capacity:
            result[-1] = (result[-1][0], end, capacity)
        else:
            result.append((start, end, capacity))
    return result


def capacity_profiles(request: PlanRequest) -> dict[str, list[Segment]]:
    return {resource.id: capacity_profile(resource, request) for resource in request.factory.resources}


def held(alternative: Alternative, need: ResourceNeed, start: int) -> tuple[int, int]:
    """When the operation, started at `start` on this machine, holds the resource: [start, end)."""
    return start, start + (alternative.setup if need.setup_only else alternative.duration)


def secondary_resources(model: cp_model.CpModel, request: PlanRequest, tasks: Sequence[Sequence[TaskVars]],
                        extra: Mapping[str, Sequence[tuple[cp_model.IntervalVar, int]]] | None = None) -> None:
    """Hard: at no time do the operations hold more units of a resource than it has then (its shift's
    capacity; none off shift), for their whole run or their setup only.

    Why the plant cares: an SME has fewer skilled setters than machines and one die per part; a plan
    that sets up three machines at once with two setters on shift, or runs two cells with the same die,
    cannot be run, and the machines wait anyway."""
    if not has_resources(request):
        return
    demands: dict[str, list[tuple[cp_model.IntervalVar, int]]] = defaultdict(list)
    for resource_id, held_extra in (extra or {}).items():  # e.g. setters during die changes (`plant_rules.dies`)
        demands[resource_id] += held_extra
    for job_vars in tasks:
        for variables in job_vars:
            if variables.task.has_modes:  # each mode holds its own (`planner.scheduling.rules.modes`)
                for resource_id, interval, units in mode_demands(model, variables):
                    demands[resource_id].append((interval, units))
                continue
            for need in variables.task.alternatives[0].needs:
                demands[need.resource_id] += _need_intervals(model, variables, need)
    for resource_id, profile in capacity_profiles(request).items():
        if not demands[resource_id]:
            continue
        peak = max(capacity for _, _, capacity in profile)
        blocked = [(model.new_fixed_size_interval_var(s, e - s, f"short[{resource_id}@{s}]"), peak - c)
                   for s, e, c in profile if c < peak]
        intervals, heights = zip(*(demands[resource_id] + blocked), strict=True)
        model.add_cumulative(list(intervals), list(heights), peak)


def energy_lower_bound(request: PlanRequest, jobs: Sequence[Job]) -> int:
    """Redundant: no plan ends before the work that holds a resource fits under its largest capacity from plan start,
    for each resource the ceiling of sum(minutes held x units) / peak units (each operation on its cheapest
    alternative or mode). Only operations that surely end by the makespan count: those of orders whose every
    operation is followed by another one's start after its end (a chain without transfer batches, a graph of
    end-to-start links), since a start-to-start link lets a predecessor end after the order's last operation.

    Why: CP-SAT's root bound on a project is the longest path (40 where the optimum of PSPLIB j3013_1 is 58); the
    energy says 48 at once, and the reported gap and an early proof follow it (docs/PLANT-RULES.md, j30)."""
    if not has_resources(request):
        return 0
    peaks = {resource_id: max((c for _, _, c in profile), default=0)
             for resource_id, profile in capacity_profiles(request).items()}
    energy: dict[str, int] = defaultdict(int)
    for job in jobs:
        if not _ends_by_makespan(job):
            continue
        for task in job.tasks:
            if task.split is not None or task.recipe is not None:  # sub-lots and loads hold by their own rules
                continue
            cheapest: dict[str, int] | None = None
            for alternative in task.alternatives:
                held_by: dict[str, int] = defaultdict(int)
                # as `secondary_resources` holds them: a mode its own needs, else the operation's on any machine
                for need in alternative.needs if task.has_modes else task.alternatives[0].needs:
                    held_by[need.resource_id] += (alternative.setup if need.setup_only
                                                  else alternative.duration) * need.quantity
                cheapest = dict(held_by) if cheapest is None else {
                    r: min(units, held_by.get(r, 0)) for r, units in cheapest.items()}
            for resource_id, units in (cheapest or {}).items():
                energy[resource_id] += units
    return max((-(-units // peaks[r]) for r, units in energy.items() if peaks.get(r, 0) > 0), default=0)


def manual_work_only(jobs: Sequence[Job]) -> bool:
    """Whether every operation is manual work (on `NO_MACHINE`, only its resources decide when it runs): a project
    in the sense of PSPLIB, whose small instances CP-SAT proves faster without the dispatching start as its hint
    (`planner.scheduling.model._cap_by_start`)."""
    return all(a.machine_id == NO_MACHINE for job in jobs for task in job.tasks for a in task.alternatives)


def _ends_by_makespan(job: Job) -> bool:
    """Whether each of the job's operations ends before another one starts or is one of its last (`sinks`)."""
    if job.tasks and job.tasks[0].predecessors is not None:
        return all(not link.start_to_start and link.min_lag >= 0
                   for task in job.tasks for link in task.predecessors or ())
    return all(task.transfer_batch is None and task.min_lag >= 0 for task in job.tasks)


def _need_intervals(model: cp_model.CpModel, variables: TaskVars,
                    need: ResourceNeed) -> list[tuple[cp_model.IntervalVar, int]]:
    name = f"{need.resource_id}[{variables.task.order_id}/{variables.task.index}]"
    if not need.setup_only:
        durations = [a.duration for a in variables.task.alternatives]
        size = model.new_int_var(min(durations), max(durations), f"held_{name}")
        return [(model.new_interval_var(variables.start, size, variables.end, f"holds_{name}"), need.quantity)]
    found = []
    for alternative in variables.task.alternatives:
        if alternative.setup <= 0:
            continue
        present = variables.presence[alternative.key]
        end = variables.start + alternative.setup
        interval = (model.new_interval_var(variables.start, alternative.setup, end, f"setup_{name}")
                    if present is True else
                    model.new_optional_interval_var(variables.start, alternative.setup, end, present,
                                                    f"setup_{name}@{alternative.machine_id}"))
        found.append((interval, need.quantity))
    return found


FOREVER = 2**62
"""A moment after every horizon: a hold that would reach it never fits."""


def capacity_at(profile: Sequence[Segment], minute: int) -> int:
    """The capacity at `minute` (0 outside the profile, i.e. before plan start and from the horizon on)."""
    index = bisect.bisect_right([s for s, _, _ in profile], minute) - 1
    return profile[index][2] if 0 <= index < len(profile) and minute < profile[index][1] else 0


class ResourceUse:
    """What the dispatching start has left of each resource: per resource, sorted breakpoints and the units free
    from each one to the next (the capacity profile less the holds; none before plan start or from the horizon
    on). A query or a hold costs a binary search plus the segments it spans, so a plant-scale start stays fast."""

    def __init__(self, profiles: Mapping[str, Sequence[Segment]]) -> None:
        self._breaks: dict[str, list[int]] = {}
        self._free: dict[str, list[int]] = {}
        for resource_id, profile in profiles.items():
            self._breaks[resource_id] = [-FOREVER, *(s for s, _, _ in profile), profile[-1][1] if profile else 0]
            self._free[resource_id] = [0, *(c for _, _, c in profile), 0]

    def blocked_until(self, resource_id: str, start: int, end: int, quantity: int) -> int | None:
        """None when `quantity` more units fit over [start, end); else the end of the last stretch in it where they
        do not. No start before that moment fits either (a hold of this length would still cover that stretch);
        FOREVER when the stretch runs to the end of time."""
        if end <= start:
            return None
        breaks, free = self._breaks[resource_id], self._free[resource_id]
        first = bisect.bisect_right(breaks, start) - 1
        blocked = None
        for index in range(first, len(breaks)):
            if index > first and breaks[index] >= end:
                break
            if free[index] < quantity:
                blocked = breaks[index + 1] if index + 1 < len(breaks) else FOREVER
        return blocked

    def take(self, resource_id: str, start: int, end: int, quantity: int) -> None:
        """Hold `quantity` units over [start, end) (a negative quantity gives them back)."""
        if end <= start:
            return
        first, last = self._split(resource_id, start), self._split(resource_id, end)
        free = self._free[resource_id]
        for index in range(first, last):
            free[index] -= quantity

    def _split(self, resource_id: str, minute: int) -> int:
        """Make `minute` a breakpoint; its index."""
        breaks, free = self._breaks[resource_id], self._free[resource_id]
        index = bisect.bisect_right(breaks, minute) - 1
        if breaks[index] == minute:
            return index
        breaks.insert(index + 1, minute)
        free.insert(index + 1, free[index])
        return index + 1


class ManualWork:
    """The "machine" of manual work in the dispatching start: always free and never busy (people work side by side);
    the `ResourceTimeline` around it holds an operation back until its operators are there."""

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        return max(ready, 0)

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        """Nothing to hold: the resources are taken by the `ResourceTimeline`."""

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        """Nothing to give back."""


class ResourceTimeline:
    """A machine in the dispatching start whose operations may need secondary resources: its earliest start
    moves later until every resource an operation needs has room while it is held."""

    def __init__(self, machine: Timeline, use: ResourceUse) -> None:
        self.machine = machine
        self.use = use

    def _blocked_until(self, start: int, lot: Alternative) -> int | None:
        """The first moment the resources could all have room for the lot, None when they have room at `start`."""
        latest = None
        for need in lot.needs:  # a plain loop: a plant-scale start pass asks 21,000 times
            moment = self.use.blocked_until(need.resource_id, *held(lot, need, start), need.quantity)
            if moment is not None and (latest is None or moment > latest):
                latest = moment
        return latest

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        start = self.machine.earliest_start(ready, duration, lot)
        if lot is None or not lot.needs:
            return start
        while start is not None and (later := self._blocked_until(start, lot)) is not None:
            if later >= FOREVER:
                return None
            start = self.machine.earliest_start(later, duration, lot)
        return start

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.machine.reserve(start, duration, lot)
        if lot is not None:
            for need in lot.needs:
                self.use.take(need.resource_id, *held(lot, need, start), need.quantity)

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.machine.release(start, duration, lot)
        if lot is not None:
            for need in lot.needs:
                self.use.take(need.resource_id, *held(lot, need, start), -need.quantity)


@dataclass(frozen=True)
class ResourceHold:
    """One operation holding units of a resource over [start, end): its whole run, or its setup only."""

    resource_id: str
    order_id: str
    operation_id: str
    operation_index: int
    start: int
    end: int
    quantity: int
    setup_only: bool

    @property
    def holder(self) -> str:
        return f"{self.order_id}/{self.operation_index}"


def holds_of(request: PlanRequest, assignments: Sequence[ScheduledOperation],
             jobs: Sequence[Job] | None = None) -> list[ResourceHold]:
    """What each scheduled operation holds of the resources, by resource and start. The setup's length comes from
    the request (the operation's setup on the machine chosen), not from the plan; an assignment that is no open
    operation of an order or on a machine it is not eligible for holds nothing (the checker reports it)."""
    if not request.factory.resources:
        return []
    tasks = {(job.order.id, task.index): task for job in (jobs if jobs is not None else build_jobs(request))
             for task in job.tasks}
    holds = []
    for placed in assignments:
        task = tasks.get((placed.order_id, placed.operation_index))
        alternative = task.placed_on(placed) if task is not None else None
        if alternative is None:
            continue
        for need in alternative.needs:
            end = held(alternative, need, placed.start)[1] if need.setup_only else placed.end
            holds.append(ResourceHold(need.resource_id, placed.order_id, placed.operation_id, placed.operation_index,
                                      placed.start, end, need.quantity, need.setup_only))
    return sorted(holds, key=lambda h: (h.resource_id, h.start, h.order_id))


def usage_problems(request: PlanRequest, uses: dict[str, list[tuple[int, int, int, str]]]) -> list[str]:
    """Every moment a resource is held beyond its capacity: `uses` per resource are (start, end, units, by whom)."""
    problems = []
    for resource_id, profile in capacity_profiles(request).items():
        holds = uses.get(resource_id, [])
        points = sorted({s for s, e, _, _ in holds if e > s} | {s for s, _, _ in profile})
        for t in points:
            active = [(q, who) for s, e, q, who in holds if s <= t < e]
            capacity = capacity_at(profile, t)
            if active and sum(q for q, _ in active) > capacity:
                names = ", ".join(who for _, who in active)
                problems.append(f"resource {resource_id}: {sum(q for q, _ in active)} units held at {t} "
                                f"({names}), {capacity} available")
    return problems


def shortage(request: PlanRequest, resource_id: str, quantity: int, others: Sequence[tuple[int, int, int]],
             start: int, end: int) -> tuple[int, int | None]:
    """Minutes of [start, end) in which `quantity` more units of the resource did not fit beside the holds of
    `others` (start, end, units), and the first such minute (None when there was none)."""
    resource = next((r for r in request.factory.resources if r.id == resource_id), None)
    profile = capacity_profile(resource, request) if resource is not None else []  # one: 0.6 ms, all 126: 11 ms
    points = sorted({start, end, *(p for s, e, _ in others for p in (s, e) if start < p < end),
                     *(s for s, _, _ in profile if start < s < end)})
    short, first = 0, None
    for a, b in pairwise(points):
        held_units = sum(q for s, e, q in others if s <= a < e)
        if held_units + quantity > capacity_at(profile, a):
            short += b - a
            first = a if first is None else first
    return short, first
