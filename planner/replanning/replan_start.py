"""A complete, checker-clean start for a re-plan, built by the plant dispatcher around what the re-plan keeps.

Re-planning used to hint CP-SAT with the released plan minus the operations the disruption moved. That hint is
incomplete, so the rules that hint themselves from a complete schedule (die mounts and changes, family
changeover sequences, the people of needs by skill: `planner.scheduling.model.solve_schedule`) got none, and
CP-SAT had to repair the start. On the plant-grade demo's breakdown that made the re-plan five to six times as late
as the released plan, or left it without a plan at high load (docs/PLANT-RULES.md, dies mounted on the cells).

Here the dispatcher of `planner.scheduling.dispatching`, which knows every plant rule, schedules the whole request
again with the re-plan's rules built into its jobs:
- a kept operation (started, or in the frozen window) runs only on its kept machine and becomes ready exactly at
  its kept start (its order's release, or the minimum lag after its kept predecessor); kept operations go first,
  in the order of their starts, so each finds its released slot free;
- any other operation is ready at the re-plan time at the earliest;
- the rest go by a priority rule: the released plan's order (the fewest changes), or the usual dispatching rules,
  with each operation on its released machine or on any machine.
Each schedule is verified (every kept operation where it was, nothing else before the re-plan time, the
solver-independent checker clean) and scored by the re-plan's objective: lateness cost plus what the moves and
machine changes cost (`planner.replanning.replan.stability_costs`). The best one is the start.

`solve_from_start` is the re-plan's solve: CP-SAT from that start (every rule hinted from it), and never a plan worse
than the start by the re-plan's objective.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Literal

from ortools.sat.python import cp_model

from planner.calendar import Interval, availability_by_machine
from planner.checker import check_schedule
from planner.domain import Objective, PlanRequest
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.scheduling.dispatching import (
    MAKESPAN_RULES,
    TARDINESS_RULES,
    Priority,
    clock_ends,
    dispatch,
    hint_objective,
)
from planner.scheduling.model import Hint, ModelExtension
from planner.scheduling.rules.base import TaskVars
from planner.scheduling.rules.die_mounts import has_dies
from planner.scheduling.rules.materials import component_ids, fixed_supply, has_materials
from planner.scheduling.rules.modes import alternative_key
from planner.scheduling.rules.oven_rules import needs_model_start
from planner.scheduling.rules.predictions import MaintenanceVars
from planner.scheduling.rules.resources import capacity_profiles, has_resources
from planner.scheduling.rules.skills import has_skills
from planner.scheduling.rules.staffing import staff_schedule
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import Alternative, Job, Task, build_jobs
from planner.solution import PlanResult, ScheduledOperation

logger = logging.getLogger(__name__)

OperationKey = tuple[str, int]
Placement = tuple[str, int]

START_SHARE = 0.15
"""At most this share of the re-plan's time limit goes to dispatching starts; the first pass always runs. On the
plant-grade demo's 306 operations one pass takes about 0.05 s on this machine and all 40 (5 rules, 4 modes, with and
without die campaigns) 2.0 s at load 4.6: all of them at 15 s, about the first 25 at 8 s."""

KEPT_FIRST = -1e12
"""Priority offset that puts every kept operation before any other (priorities are compared as floats)."""
FOLLOW_UP = KEPT_FIRST / 2
"""Priority offset for the first open operation after kept work: after every kept one, before the rest."""
REDONE_LAST = 1e12
"""Priority offset that puts the redone work of a right-shift repair after everything else."""


def replan_start(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]],
                 kept: Mapping[OperationKey, Placement], previous: Mapping[OperationKey, Placement],
                 redo: set[OperationKey], replan_at: int, move_cost: float, machine_change_cost: float,
                 ) -> tuple[Hint, float] | None:
    """The best verified start and its re-plan objective, or None when no pass gave one (the caller then hints the
    released plan as before). `redo`: released operations the re-plan must move (hit by a breakdown, or after
    one that is), which may go to any machine in every pass."""
    if needs_model_start(request):  # a minimum fill: the dispatcher's loads ignore it
        return None
    end = clock_ends(available)
    modes: tuple[Mode, ...] = ("insert", "hold", "machines", "free")
    passes = list(itertools.product(_rules(request, previous), modes, (True, False) if has_dies(request)
                                    else (True,)))
    deadline = time.perf_counter() + START_SHARE * request.options.time_limit_seconds
    best: tuple[Hint, float] | None = None
    for rule, mode, campaigns in passes:
        if best is not None and time.perf_counter() > deadline:
            break
        shaped = _shaped_jobs(jobs, kept, previous, redo, replan_at, mode, end)
        if shaped is None:
            return None
        last = _redone_work(jobs, redo) if mode == "insert" else set()
        hint = _dispatch(request, shaped, available, _kept_first(rule, kept, _follow_ups(jobs, kept), last),
                         campaigns)
        if hint is None or not _keeps_the_rules(hint, kept, replan_at):
            continue
        value = start_objective(request, jobs, hint, available, previous, move_cost, machine_change_cost)
        if (best is None or value < best[1]) and _checker_clean(request, jobs, hint, available):
            best = (hint, value)
    return best


def start_objective(request: PlanRequest, jobs: list[Job], hint: Hint, available: dict[str, list[Interval]],
                    previous: Mapping[OperationKey, Placement], move_cost: float,
                    machine_change_cost: float) -> float:
    """The re-plan's objective for a complete schedule: late cost x weighted lateness (or the makespan), plus
    `move_cost` per released operation that starts elsewhen and `machine_change_cost` per one on another machine."""
    value = hint_objective(request, jobs, hint, available)
    if request.options.objective != Objective.MAKESPAN:
        value *= request.options.late_cost_per_minute
    return value + stability_cost(hint, previous, move_cost, machine_change_cost)


def stability_cost(placements: Mapping[OperationKey, Placement], previous: Mapping[OperationKey, Placement],
                   move_cost: float, machine_change_cost: float) -> float:
    """What the moves and machine changes of released operations cost (`replan.stability_costs`)."""
    cost = 0.0
    for key, (machine_id, start) in placements.items():
        before = previous.get(key)
        if before is not None:
            cost += move_cost * (start != before[1]) + machine_change_cost * (machine_id != before[0])
    return cost


def _rules(request: PlanRequest, previous: Mapping[OperationKey, Placement]) -> list[Priority]:
    """The released plan's order first (fewest changes), then the objective's dispatching rules."""
    def released_order(job: Job, task: Task, ready: int, remaining: int) -> float:
        placed = previous.get((task.order_id, task.index))
        return placed[1] if placed is not None else ready

    usual = MAKESPAN_RULES if request.options.objective == Objective.MAKESPAN else TARDINESS_RULES
    return [released_order, *usual]


def _kept_first(rule: Priority, kept: Mapping[OperationKey, Placement], follow_ups: set[OperationKey],
                last: set[OperationKey]) -> Priority:
    """Kept operations by their kept start, then the first open operations after kept work by when they are
    ready (so they take no slot a kept one needs, and still keep their maximum lag where they can), then `rule`,
    the operations in `last` after all others (by `rule` among themselves)."""
    def priority(job: Job, task: Task, ready: int, remaining: int) -> float:
        key = (task.order_id, task.index)
        placed = kept.get(key)
        if placed is not None:
            return KEPT_FIRST + placed[1]
        if key in last:
            return REDONE_LAST + rule(job, task, ready, remaining)
        return FOLLOW_UP + ready if key in follow_ups else rule(job, task, ready, remaining)
    return priority


def _redone_work(jobs: list[Job], redo: set[OperationKey]) -> set[OperationKey]:
    """The operations to redo and every later one of their jobs: a right-shift repair inserts them into the gaps
    the released plan leaves, after it has placed the rest (placed first, they take the slots of operations that
    kept theirs and start a cascade: 156 of 306 operations moved on the plant-grade demo's breakdown)."""
    later = set()
    for job in jobs:
        hit = False
        for task in job.tasks:
            hit = hit or (task.order_id, task.index) in redo
            if hit:
                later.add((task.order_id, task.index))
    return later


def _follow_ups(jobs: list[Job], kept: Mapping[OperationKey, Placement]) -> set[OperationKey]:
    """The open operations right after a kept one of their job."""
    return {(after.order_id, after.index) for job in jobs for before, after in itertools.pairwise(job.tasks)
            if (before.order_id, before.index) in kept and (after.order_id, after.index) not in kept}


Mode = Literal["insert", "hold", "machines", "free"]
"""How the start treats a released operation the re-plan may move (neither kept nor to be redone): "hold" keeps its
machine and starts it no earlier than released (a right-shift repair of the released plan: the work to redo goes in
by the rule, and what it displaces moves later), "insert" holds them too but places the work to redo after all of
them, in the gaps they leave (the fewest changes, often late ones), "machines" keeps its machine only, "free" lets
it go to any machine. Which one wins depends on the plan: on the plant-grade demo's breakdown "free" did (41,510
weighted minutes late against 42,961-52,605 kept on machines and 94,290-101,106 held), on `make demo`'s plan (with
lot sizing and the chance reserve) "insert" (90,431, 2 changes)."""


def _shaped_jobs(jobs: list[Job], kept: Mapping[OperationKey, Placement], previous: Mapping[OperationKey, Placement],
                 redo: set[OperationKey], replan_at: int, mode: Mode,
                 end: Callable[[Alternative, int], int]) -> list[Job] | None:
    """The jobs with the re-plan's rules in their release, lags and alternatives (see the module docstring), the
    released operations treated by `mode`. None when a job of a precedence graph has kept operations (its links'
    delays are not reshaped here)."""
    shaped = []
    for job in jobs:
        graph = bool(job.tasks) and job.tasks[0].predecessors is not None
        if graph and any((t.order_id, t.index) in kept for t in job.tasks):
            return None
        release = max(job.order.release, replan_at)
        tasks: list[Task] = []
        before: tuple[Alternative, int] | None = None  # the previous task's kept alternative and start
        released_before: tuple[Alternative, int] | None = None  # ... and its released one, where it is held
        for position, task in enumerate(job.tasks):
            key = (task.order_id, task.index)
            if key in kept:
                machine_id, start = kept[key]
                alternative = task.alternative(machine_id)
                if alternative is None:
                    return None
                if position == 0 and not task.running:
                    release = start
                elif before is not None:
                    task = replace(task, min_lag=start - end(*before), transfer_batch=None)
                tasks.append(replace(task, alternatives=(alternative,)))
                before = released_before = (alternative, start)
                continue
            if before is not None and not graph:  # the first open task after kept work: not before the re-plan,
                # and out of its maximum-lag chain, which would place it with the kept task before other kept ones
                task = replace(task, min_lag=max(task.min_lag, replan_at - end(*before)), max_lag=None,
                               transfer_batch=None)
            placed = previous.get(key) if mode != "free" and key not in redo else None
            alternative = task.alternative(placed[0]) if placed is not None else None
            if alternative is not None and placed is not None and mode in ("insert", "hold") and not graph:
                if position == 0:
                    release = max(release, placed[1])
                elif released_before is not None:
                    task = replace(task, min_lag=max(task.min_lag, placed[1] - end(*released_before)),
                                   transfer_batch=None)
            tasks.append(replace(task, alternatives=(alternative,)) if alternative is not None else task)
            before = None
            released_before = (alternative, placed[1]) if alternative is not None and placed is not None else None
        shaped.append(Job(order=job.order.model_copy(update={"release": release}), tasks=tuple(tasks)))
    return shaped


def _dispatch(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]], rule: Priority,
              campaigns: bool) -> Hint | None:
    """One pass of the plant dispatcher, with the rules `planner.scheduling.dispatching.best_dispatch` gives it."""
    return dispatch(
        jobs, available, rule,
        {m.id: m.batch_capacity for m in request.factory.machines if m.batch_capacity is not None},
        capacity_profiles(request) if has_resources(request) else None,
        fixed_supply(request) if has_materials(request) else None, frozenset(component_ids(request)),
        staff=request if has_skills(request) else None, dies=request if has_dies(request) else None,
        sequence=request if request.sequence_rules else None,
        changeovers=request if request.factory.changeovers else None,
        ovens={m.id: m for m in request.factory.machines if m.recipe_changeovers}, die_campaigns=campaigns)


def _keeps_the_rules(hint: Hint, kept: Mapping[OperationKey, Placement], replan_at: int) -> bool:
    """Every kept operation where it was released, every other one at or after the re-plan time."""
    return all(kept[key] == placed if key in kept else placed[1] >= replan_at for key, placed in hint.items())


def _checker_clean(request: PlanRequest, jobs: list[Job], hint: Hint, available: dict[str, list[Interval]]) -> bool:
    """Whether the solver-independent checker accepts the start (with the people it would have, where operations
    need people by skill), on the original jobs: the reshaped ones only steer the dispatcher."""
    placed = start_assignments(jobs, hint, available)
    if placed is None:
        return False
    if has_skills(request):
        staffed = staff_schedule(request, jobs, placed)
        if staffed is None:
            return False
        placed = staffed
    return not check_schedule(request, placed)


def start_assignments(jobs: list[Job], hint: Hint,
                      available: dict[str, list[Interval]]) -> list[ScheduledOperation] | None:
    """A complete start as scheduled operations, those that pause ending once their work is done in working time
    (`planner.scheduling.rules.pausing`); None when the start misses an operation."""
    placed = hint_assignments(jobs, hint)
    if placed is None:
        return None
    tasks = {(t.order_id, t.index): t for job in jobs for t in job.tasks}
    end = clock_ends(available)
    fixed = []
    for op in placed:
        alternative = tasks[(op.order_id, op.operation_index)].placed_on(op)
        finish = end(alternative, op.start) if alternative is not None else op.end
        fixed.append(op.model_copy(update={"end": finish}) if finish != op.end else op)
    return fixed


def solve_from_start(request: PlanRequest, stability: ModelExtension, kept: dict[OperationKey, Placement],
                     previous: dict[OperationKey, Placement], moved: tuple[set[OperationKey], set[OperationKey]],
                     replan_at: int, move_cost: float, machine_change_cost: float) -> PlanResult:
    """CP-SAT from the start of `replan_start`, complete and checker-clean, so every rule gets its hint (die mounts,
    changeover sequences, people); never a plan worse than that start by the re-plan's objective: when CP-SAT
    returns one (or none), the start itself is planned, every operation pinned. Without such a start, the released
    plan less the operations that must move is the (incomplete) hint.

    `moved`: the released operations that cannot keep their started or frozen placement (`kept_operations`), and
    those (with every one a breakdown hits) that may go to any machine in the start."""
    released_out, redo = moved
    began = time.perf_counter()
    jobs = build_jobs(request)
    available = planning_availability(request, availability_by_machine(request))
    start = replan_start(request, jobs, available, kept, previous, redo, replan_at, move_cost, machine_change_cost)
    if start is None:
        hint: Hint = {key: placement for key, placement in previous.items() if key not in released_out}
        return create_plan(request, hint=hint, extensions=[stability])
    hint, start_value = start
    limit = request.options.time_limit_seconds
    deadline = began + limit
    reserve = min(PINNED_SHARE * limit, PINNED_MAX_SECONDS)
    rest = request.model_copy(update={"options": request.options.model_copy(update={
        "time_limit_seconds": max(deadline - time.perf_counter() - reserve, MIN_SOLVE_SECONDS)})})
    plan = create_plan(rest, hint=hint, extensions=[stability])
    if plan.status.has_solution and replan_objective(request, plan, previous, move_cost,
                                                     machine_change_cost) <= start_value + 1e-6:
        return plan
    left = deadline - time.perf_counter()
    if left < MIN_SOLVE_SECONDS:  # the limit is a promise: CP-SAT's plan (or none) rather than a late reply
        logger.info("re-plan %s: CP-SAT gave %s, worse than its start (%.0f), and no time is left to plan the "
                    "start", request.request_id, plan.status.value, start_value)
        return plan
    logger.info("re-plan %s: CP-SAT gave %s, worse than its start (%.0f): the start is the plan",
                request.request_id, plan.status.value, start_value)
    pinned = request.model_copy(update={"options": request.options.model_copy(update={"time_limit_seconds": left})})
    fallback = create_plan(pinned, hint=hint, extensions=[stability, _pinned(hint)])
    return fallback if fallback.status.has_solution else plan


PINNED_SHARE = 0.2
PINNED_MAX_SECONDS = 5.0
"""Time kept back from the solve, inside the re-plan's time limit, for planning the start with every operation
pinned when CP-SAT found nothing better than it (model building, a trivial solve, explanations)."""
MIN_SOLVE_SECONDS = 0.5
"""The least a solve gets: the solve from the start after the start's passes (`START_SHARE` of the limit), and the
pinned start, which is skipped when less is left."""


def replan_objective(request: PlanRequest, plan: PlanResult, previous: dict[OperationKey, Placement],
                     move_cost: float, machine_change_cost: float) -> float:
    """The re-plan's objective of a plan, as `start_objective` scores a start."""
    kpis = plan.kpis
    if kpis is None:
        return float("inf")
    value = (float(kpis.makespan_minutes) if request.options.objective == Objective.MAKESPAN
             else kpis.weighted_tardiness_minutes * request.options.late_cost_per_minute)
    placements = {(a.order_id, a.operation_index): (alternative_key(a.machine_id, a.mode_id), a.start)
                  for a in plan.assignments}
    return value + stability_cost(placements, previous, move_cost, machine_change_cost)


def _pinned(hint: Hint) -> ModelExtension:
    """Hard: every operation where the start puts it (the start planned as it is)."""
    def extend(model: cp_model.CpModel, tasks: Sequence[Sequence[TaskVars]], maintenance: Sequence[MaintenanceVars],
               scale: int) -> list[cp_model.LinearExprT]:
        for job_vars in tasks:
            for variables in job_vars:
                keep_placement(model, variables, *hint[(variables.task.order_id, variables.task.index)])
        return []

    return extend


def keep_placement(model: cp_model.CpModel, variables: TaskVars, machine_id: str, start: int) -> None:
    """Hard: an operation that started (or is frozen) runs where and when it was released."""
    model.add(variables.start == start)
    literal = variables.presence[machine_id]
    if literal is not True:
        model.add(literal == 1)
