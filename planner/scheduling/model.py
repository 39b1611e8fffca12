"""Detailed machine schedule with CP-SAT: a flexible job-shop with calendars and release dates.

Model, in the order every model here reads: data -> variables -> constraints -> objective -> solve
-> report.
- one interval per (task, eligible machine), optional when the task has several machines, with
  exactly one present; all alternatives of a task share its start and end variables;
- one NoOverlap per machine over its intervals and fixed intervals for off-shift and maintenance;
- routing precedence, release dates, everything ends inside the horizon;
- the plant rules of `planner.scheduling.rules`: time lags and transfer batches between operations, the precedence
  graph of a routing whose operations name predecessors (in place of the chain), work in
  progress at plan start, loads of batch machines (their loads, not their lots, join the NoOverlap),
  secondary resources (one Cumulative each, its capacity by shift), materials and in-house components
  (one reservoir each: receipts and completions fill it, operations empty it at their start), and manual
  work, which needs no machine
  (its interval is in no NoOverlap, only in its resources' Cumulatives), and operations that pause over
  non-working time (their interval spans the pauses; `planner.scheduling.rules.pausing`);
- the rules of `planner.scheduling.rules`: preventive-maintenance tasks, family changeovers, the defect-rate
  cap, and the scrap-cost and risk-penalty parts of the objective;
- objective: cost = late cost x weighted tardiness + scrap cost + risk penalty (then makespan,
  lexicographically, when time allows), or makespan.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from ortools import __version__ as ortools_version  # type: ignore[attr-defined]
from ortools.sat.python import cp_model

from planner.calendar import Interval, complement
from planner.checker import check_schedule
from planner.domain import NO_MACHINE, Objective, PlanRequest
from planner.kpis import compute_kpis
from planner.risk import maintenance_requirements, penalty_rates
from planner.scheduling import project_search
from planner.scheduling.rules.base import COST_SCALE, TaskVars, cost_coefficient
from planner.scheduling.rules.batching import LoadSlots, batch_loads, has_batching, hint_loads
from planner.scheduling.rules.changeovers import ChangeoverArcs, family_changeovers
from planner.scheduling.rules.dies import DieModel, die_mounting, setup_demands
from planner.scheduling.rules.lot_splitting import SplitModel, has_lot_splitting, lot_splitting, split_cost
from planner.scheduling.rules.materials import has_materials, material_reservoirs
from planner.scheduling.rules.modes import has_modes, mode_material_budget
from planner.scheduling.rules.oven_rules import BATCH_COST_SCALE, batch_cost
from planner.scheduling.rules.pausing import (
    PauseVars,
    PausingHints,
    clock_end,
    has_pausing,
    hint_pause,
    pausing_interval,
)
from planner.scheduling.rules.precedence import has_precedence_graph, precedence_graph, sinks
from planner.scheduling.rules.predictions import (
    MaintenanceVars,
    defect_rate_cap,
    preventive_maintenance,
    risk_penalty,
    scrap_cost,
)
from planner.scheduling.rules.resources import (
    energy_lower_bound,
    has_resources,
    manual_work_only,
    secondary_resources,
)
from planner.scheduling.rules.sequence import has_sequence_rules, sequence_rules
from planner.scheduling.rules.skills import Staffing, has_skills, hint_people, read_people, skill_assignment
from planner.scheduling.rules.staffing import staff_schedule
from planner.scheduling.rules.time_lags import has_time_lags, time_lags
from planner.scheduling.rules.transfer_batches import has_transfer_batches, transfer_batches
from planner.scheduling.rules.work_in_progress import has_work_in_progress, running_operations
from planner.scheduling.search import (
    SEARCH_SHARE,
    STALL_STOP_SHARE,
    configure_solver,
    hint_assignments,
    improve_makespan_hint,
    local_search_budget,
    makespan_lower_bound,
)
from planner.scheduling.tasks import Alternative, Job, Task
from planner.solution import ScheduledMaintenance, ScheduledOperation, SolveStats
from planner.status import SolveStatus, relative_gap
from planner.timings import PhaseClock

logger = logging.getLogger(__name__)

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
    cp_model.UNKNOWN: SolveStatus.NO_SOLUTION_IN_TIME,
}
# Share of the time limit the lexicographic second phase (makespan at optimal tardiness) may use.
SECOND_PHASE_SHARE = 0.25
STOP_POLL_SECONDS = 0.2
# Makespan models up to this many operations get the plain model first, for this share of the time limit (at
# most PLAIN_FIRST_MAX_SECONDS): small instances are proved optimal at once (see `_plain_first`).
PLAIN_FIRST_MAX_OPERATIONS = 300
PLAIN_FIRST_SHARE = 0.1
PLAIN_FIRST_MAX_SECONDS = 3.0
# The same small makespan models then solve from the local search's schedule as a hint only: its makespan does not
# bound the model. With the bound (time domains cut to it, makespan <= it) CP-SAT proved none of la22, orb02, orb04
# and orb07 in the 10 s job-shop benchmark, where the textbook model proves them in 2-8 s; without it, it proved them
# in 6-8.5 s and la27 in 5.5 s, with equal or better makespans on 14 hard instances of up to 300 operations
# (session 18; docs/SCHEDULING-BENCHMARKS.md has the full run).
UNBOUNDED_MAX_OPERATIONS = PLAIN_FIRST_MAX_OPERATIONS


@dataclass
class ScheduleOutcome:
    status: SolveStatus
    assignments: list[ScheduledOperation]
    stats: SolveStats
    maintenance: list[ScheduledMaintenance] = field(default_factory=list)


@dataclass
class _TaskVars:
    task: Task
    start: cp_model.IntVar
    end: cp_model.IntVar
    presence: dict[str, cp_model.IntVar | bool] = field(default_factory=dict)


@dataclass
class _Model:
    model: cp_model.CpModel
    tasks: list[list[_TaskVars]]
    makespan: cp_model.IntVar
    weighted_tardiness: cp_model.LinearExpr | None
    """The cost objective: late cost x weighted tardiness + scrap cost + risk penalty, x weight_scale."""
    weight_scale: int
    maintenance: list[MaintenanceVars] = field(default_factory=list)
    extension_costs: list[cp_model.LinearExprT] = field(default_factory=list)
    batches: list[LoadSlots] = field(default_factory=list)
    """The potential loads of the batch machines (`planner.scheduling.rules.batching`)."""
    """The extensions' objective terms (x weight_scale), also part of `weighted_tardiness`."""
    available: dict[str, list[Interval]] = field(default_factory=dict)
    """Working time per machine, where pausing operations do their work (`planner.scheduling.rules.pausing`)."""
    staffing: Staffing = field(default_factory=Staffing)
    """Who covers the needs by skill (`planner.scheduling.rules.skills`)."""
    dies: DieModel = field(default_factory=DieModel)
    """The die operations' change variables (`planner.scheduling.rules.dies`)."""
    splits: SplitModel = field(default_factory=SplitModel)
    """The sub-lots of split lots (`planner.scheduling.rules.lot_splitting`)."""
    pauses: PausingHints = field(default_factory=dict)
    """The auxiliary variables of the pausing intervals, for the hint (`planner.scheduling.rules.pausing`)."""
    batch_cost: cp_model.LinearExprT | None = None
    """Objective BATCH_COST in hundredths (`planner.scheduling.rules.oven_rules.batch_cost`)."""
    changeovers: ChangeoverArcs = field(default_factory=ChangeoverArcs)
    """The family-changeover circuits' arcs, for the hint (`planner.scheduling.rules.changeovers`)."""


Hint = dict[tuple[str, int], tuple[str, int]]
"""(order id, operation index) -> (machine id, start): a complete or partial schedule to start from."""

ModelExtension = Callable[
    [cp_model.CpModel, Sequence[Sequence[TaskVars]], Sequence[MaintenanceVars], int], list[cp_model.LinearExprT]
]
"""Adds rules to a built model: (model, task variables per job, preventive-maintenance tasks, cost scale)
-> extra objective terms (already multiplied by the cost scale). They join the cost objective, and a
makespan objective in minutes of makespan. Re-planning uses it for the frozen window, plan stability
and keeping maintenance out of the past."""


def solve_schedule(
    request: PlanRequest,
    jobs: list[Job],
    available: dict[str, list[Interval]],
    hint: Hint | None = None,
    on_solution: Callable[[float, float, float], None] | None = None,
    extensions: Sequence[ModelExtension] = (),
    should_stop: Callable[[], bool] | None = None,
    clock: PhaseClock | None = None,
) -> ScheduleOutcome:
    """Schedule the jobs; never raises for infeasible or timed-out models (see the status).

    `should_stop` is polled while the local search runs and every 0.2 s while CP-SAT runs; when it says so the
    best solution so far is returned (a cancelled StreamPlan uses it). `clock` records the phases "model
    building" and "solving" (the local search counts as solving)."""
    clock = clock or PhaseClock()
    options = request.options
    started = time.perf_counter()
    notes = "hinted start" if hint else ""
    makespan_cap = None
    operations = sum(len(job.tasks) for job in jobs)
    unbounded = False  # a small job-shop's local-search start is its hint only (see UNBOUNDED_MAX_OPERATIONS)
    project = None  # a project's search plan (`project_search`)
    if options.objective == Objective.MAKESPAN and not extensions and (arrays := project_search.as_project(
            request, jobs)) is not None:
        with clock.phase("solving"):
            project = project_search.search(request, jobs, arrays, options.time_limit_seconds
                                            * project_search.SEARCH_SHARE, should_stop, on_solution)
        if project is not None and (project.proven or (should_stop is not None and should_stop())):
            return ScheduleOutcome(*project_search.outcome_parts(request, project, project.proven, math.nan,
                                                                 started, project_search.note(project)))
        if project is not None:
            hint, makespan_cap = project_search.as_hint(project), project.makespan
            notes = "its plan as hint, its makespan as upper bound"
    if hint and options.objective == Objective.MAKESPAN and not extensions and _sequencing_rules_only(request):
        if operations <= PLAIN_FIRST_MAX_OPERATIONS:
            with clock.phase("solving"):
                plain = _plain_first(request, jobs, available, should_stop)
            if plain is not None and plain.status == SolveStatus.OPTIMAL:
                return plain
            if plain is not None and _ends(plain.assignments) < _ends(hint_assignments(jobs, hint) or []):
                hint = {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in plain.assignments}
                notes = "plain model's schedule as the start"
        left = max(options.time_limit_seconds - (time.perf_counter() - started), 0.0)
        budget = min(local_search_budget(options, operations), left * SEARCH_SHARE)
        small = operations <= UNBOUNDED_MAX_OPERATIONS
        # Only a job-shop's search stops when it stalls: with a choice of machines the search gains later (Brandimarte
        # mk11 613 against 609 in three runs of three with the stall stop, session 18).
        fixed_machines = all(len(task.alternatives) == 1 for job in jobs for task in job.tasks)
        with clock.phase("solving"):
            improved = improve_makespan_hint(options, jobs, available, hint, budget, should_stop,
                                             STALL_STOP_SHARE if small and fixed_machines else None)
        if improved is not None:
            hint, makespan_cap = improved
            start = "local search" if budget > 0 else "decoded hint"
            unbounded = small
            notes += f"; {start} start with makespan {makespan_cap}, " + (
                "the hint (not a bound)" if unbounded else "used as upper bound")
    with clock.phase("model building"):
        built = _build_model(request, jobs, available, None if unbounded else makespan_cap, extensions)
        capped = False
        if hint and not unbounded:
            capped = _cap_by_start(built, request, jobs, hint, extensions)
        if capped and manual_work_only(jobs) and project is None:  # a small project proves faster from scratch
            notes = "the start's makespan as upper bound, no hint"
        elif hint:
            _add_hint(built, hint)
            if built.dies.uses and (placed := hint_assignments(jobs, hint)) is not None:
                built.dies.hint(built.model, request, placed)
            if built.changeovers.circuits and (placed := hint_assignments(jobs, hint)) is not None:
                built.changeovers.hint(built.model, placed)  # the machines' sequences of the start
            _hint_staffing(built, request, jobs, hint)
        primary, scale = _objective(built, options.objective)
        built.model.minimize(primary)
    if project is not None:
        notes = f"{project_search.note(project)}; {notes}"
    solver = _solver(request, options.time_limit_seconds - (time.perf_counter() - started))
    callback = _ProgressCallback(on_solution, scale) if on_solution else None
    with clock.phase("solving"), _StopWatch(solver, should_stop):
        code = solver.solve(built.model, callback)
    status = _STATUS.get(code, SolveStatus.ERROR)
    if project is not None and not status.has_solution:  # CP-SAT found none within the search's makespan in time
        return ScheduleOutcome(*project_search.outcome_parts(request, project, False, solver.best_objective_bound,
                                                             started, notes))
    if hint and not status.has_solution and (makespan_cap is not None or capped
                                             or status == SolveStatus.NO_SOLUTION_IN_TIME):
        fallback = _start_outcome(request, jobs, hint, makespan_cap is not None, started, notes, available)
        if fallback is not None:
            return fallback
    if (hint and unbounded and status.has_solution and makespan_cap is not None
            and solver.objective_value / scale > makespan_cap):
        fallback = _start_outcome(request, jobs, hint, True, started, notes + "; CP-SAT's plan was longer", available)
        if fallback is not None:  # CP-SAT lost the hint (it repairs an infeasible one): the start is the better plan
            return fallback
    objective = solver.objective_value / scale if status.has_solution else math.nan
    bound = solver.best_objective_bound / scale if status.has_solution else math.nan
    if status == SolveStatus.OPTIMAL and options.objective == Objective.WEIGHTED_TARDINESS:
        with clock.phase("solving"):
            solver, notes = _second_phase(built, solver, request, started, notes)
    assignments = _read(built, solver) if status.has_solution else []
    maintenance = _read_maintenance(built, solver, options.locale) if status.has_solution else []
    stats = SolveStats(
        solver="cp-sat",
        solver_version=ortools_version,
        objective=objective,
        best_bound=bound,
        gap=relative_gap(objective, bound) if status.has_solution else math.nan,
        wall_seconds=time.perf_counter() - started,
        time_limit_seconds=options.time_limit_seconds,
        num_workers=options.num_workers,
        random_seed=options.random_seed,
        operations=operations,
        alternatives=sum(len(t.alternatives) for j in jobs for t in j.tasks),
        notes=notes,
    )
    return ScheduleOutcome(status=status, assignments=assignments, stats=stats, maintenance=maintenance)


def _plain_first(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]],
                 should_stop: Callable[[], bool] | None) -> ScheduleOutcome | None:
    """The plain model (no hint, no local search, CP-SAT's default strategy) for PLAIN_FIRST_SHARE of the time:
    on small job-shops it proves the optimum in a fraction of a second where the path for hard instances (local
    search, then CP-SAT from its schedule) takes a second or more (ft06: 0.02 s against 1.2 s in the 10 s
    job-shop benchmark, la07 0.1 s against 1.2 s). None when it found no schedule."""
    began = time.perf_counter()
    options = request.options
    built = _build_model(request, jobs, available)
    built.model.minimize(built.makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(min(options.time_limit_seconds * PLAIN_FIRST_SHARE,
                                                    PLAIN_FIRST_MAX_SECONDS), 0.01)
    solver.parameters.num_workers = options.num_workers
    solver.parameters.random_seed = options.random_seed
    with _StopWatch(solver, should_stop):
        code = solver.solve(built.model)
    status = _STATUS.get(code, SolveStatus.ERROR)
    if not status.has_solution:
        return None
    objective, bound = solver.objective_value, solver.best_objective_bound
    stats = SolveStats(
        solver="cp-sat", solver_version=ortools_version, objective=objective, best_bound=bound,
        gap=relative_gap(objective, bound), wall_seconds=time.perf_counter() - began,
        time_limit_seconds=options.time_limit_seconds, num_workers=options.num_workers,
        random_seed=options.random_seed, operations=sum(len(j.tasks) for j in jobs),
        alternatives=sum(len(t.alternatives) for j in jobs for t in j.tasks),
        notes="plain model proved the optimum" if status == SolveStatus.OPTIMAL else "plain model",
    )
    return ScheduleOutcome(status=status, assignments=_read(built, solver), stats=stats)


def _cap_by_start(built: _Model, request: PlanRequest, jobs: list[Job], hint: Hint,
                  extensions: Sequence[ModelExtension]) -> bool:
    """A makespan model of at most PLAIN_FIRST_MAX_OPERATIONS operations whose start is a complete plan by the
    solver-independent checker: the start's makespan bounds the makespan (and is its hint), so that presolve
    already works in the start's time windows (on a project, the precedence windows give the resources compulsory
    parts from the root). True when the bound was added; the caller then falls back on the start if CP-SAT finds
    nothing (the model and the checker agree on the start, so it never proves the bound infeasible).

    A project of manual work only (`manual_work_only`) then gets no hint: CP-SAT proved the near-limit PSPLIB j30
    instances in about half the time without it (j3041_6: 1.6 s against 2.9-3.3 s, three runs each; j3041_10
    1.3-1.8 s against 1.8-2.8 s), with the same makespans on j60 (docs/PLANT-RULES.md, j30)."""
    if (request.options.objective != Objective.MAKESPAN or extensions or built.extension_costs
            or sum(len(job.tasks) for job in jobs) > PLAIN_FIRST_MAX_OPERATIONS or maintenance_requirements(request)):
        return False
    placed = hint_assignments(jobs, hint)
    if placed is None:
        return False
    placed = _with_pauses(jobs, placed, built.available)
    if check_schedule(request, placed):
        return False
    ends = {(a.order_id, a.operation_index): a.end for a in placed}
    cap = max((ends[(v.task.order_id, v.task.index)] for job_vars in built.tasks for v in sinks(job_vars)), default=0)
    built.model.add(built.makespan <= cap)
    if not manual_work_only(jobs):
        built.model.add_hint(built.makespan, cap)
    return True


def _ends(assignments: Sequence[ScheduledOperation]) -> float:
    return max((a.end for a in assignments), default=math.inf)


def _start_outcome(
    request: PlanRequest, jobs: list[Job], hint: Hint, verified: bool, started: float, notes: str,
    available: dict[str, list[Interval]] | None = None,
) -> ScheduleOutcome | None:
    """CP-SAT found no solution in its time: the schedule it started from is the answer when it is a plan.

    The local-search schedule (`verified`) is one by construction (see `planner.scheduling.search`). Any other start
    (the dispatching-rule schedule, or a caller's hint such as a released plan) must pass the
    solver-independent checker, and requests with preventive-maintenance tasks get none: a start holds
    no maintenance task. None when there is no such plan."""
    placed = hint_assignments(jobs, hint)
    if placed is None:
        return None
    placed = _with_pauses(jobs, placed, available or {})
    if has_skills(request):  # the start's people, redone for its times (`planner.scheduling.rules.staffing`)
        staffed = staff_schedule(request, jobs, placed)
        if staffed is None:
            return None
        placed = staffed
    if not verified and (maintenance_requirements(request) or check_schedule(request, placed)):
        return None
    options = request.options
    kpis = compute_kpis(request, placed)
    if options.objective == Objective.MAKESPAN:
        objective, bound = float(kpis.makespan_minutes), float(makespan_lower_bound(jobs))
    else:
        objective, bound = kpis.costs.total, 0.0
    start = "local-search schedule" if verified else "start schedule (dispatching rule or the caller's hint)"
    stats = SolveStats(
        solver="cp-sat", solver_version=ortools_version, objective=objective, best_bound=bound,
        gap=relative_gap(objective, bound), wall_seconds=time.perf_counter() - started,
        time_limit_seconds=options.time_limit_seconds, num_workers=options.num_workers,
        random_seed=options.random_seed, operations=sum(len(j.tasks) for j in jobs),
        alternatives=sum(len(t.alternatives) for j in jobs for t in j.tasks),
        notes=notes + f"; CP-SAT found no solution in time, {start} returned",
    )
    status = SolveStatus.OPTIMAL if objective == bound else SolveStatus.FEASIBLE
    return ScheduleOutcome(status=status, assignments=placed, stats=stats)


def _with_pauses(jobs: list[Job], placed: list[ScheduledOperation],
                 available: dict[str, list[Interval]]) -> list[ScheduledOperation]:
    """The start's operations that pause end once their work is done in working time, not after their work time
    on the clock (`planner.scheduling.rules.pausing`)."""
    tasks = {(t.order_id, t.index): t for job in jobs for t in job.tasks}
    fixed = []
    for op in placed:
        alternative = tasks[(op.order_id, op.operation_index)].placed_on(op)
        end = _end_on(available, alternative, op.start) if alternative is not None else None
        fixed.append(op.model_copy(update={"end": end}) if end is not None and end != op.end else op)
    return fixed


def _sequencing_rules_only(request: PlanRequest) -> bool:
    """True when the model is the plain flexible job-shop with calendars, the one the local search of
    `planner.scheduling.search` decodes exactly; only then is its makespan a safe upper bound. Maintenance
    tasks, family changeovers, the defect-rate cap, time lags, transfer batches and work in progress are
    rules the decoder does not know."""
    return (
        not request.factory.changeovers
        and not has_time_lags(request)
        and not has_precedence_graph(request)
        and not has_transfer_batches(request)
        and not has_work_in_progress(request)
        and not has_batching(request)
        and not has_resources(request)
        and not has_materials(request)
        and not has_modes(request)
        and not has_pausing(request)
        and not has_sequence_rules(request)
        and not has_lot_splitting(request)
        and not maintenance_requirements(request)
        and request.options.max_expected_defect_rate is None
    )


def _build_model(
    request: PlanRequest,
    jobs: list[Job],
    available: dict[str, list[Interval]],
    makespan_cap: int | None = None,
    extensions: Sequence[ModelExtension] = (),
) -> _Model:
    """The model; `makespan_cap` (the makespan of a known feasible schedule) shrinks every time domain."""
    model = cp_model.CpModel()
    horizon = request.options.horizon_minutes
    if makespan_cap is not None:
        horizon = min(horizon, makespan_cap)
    intervals_by_machine: dict[str, list[cp_model.IntervalVar]] = {m: [] for m in available}
    pausing_by_machine: dict[str, list[cp_model.IntervalVar]] = {m: [] for m in available}
    pauses: PausingHints = {}
    all_tasks = []
    for job in jobs:
        job_vars = [_task_variables(model, task, horizon, available, intervals_by_machine, pausing_by_machine, pauses)
                    for task in job.tasks]
        _routing_precedence(model, job_vars)
        if job_vars and job_vars[0].task.predecessors is None:  # a graph: every source, in `precedence_graph`
            model.add(job_vars[0].start >= job.order.release)
        all_tasks.append(job_vars)
    splits = lot_splitting(model, all_tasks, intervals_by_machine, horizon)
    batches = batch_loads(model, request, all_tasks, intervals_by_machine, horizon)
    dies = die_mounting(model, request, all_tasks, intervals_by_machine)
    secondary_resources(model, request, all_tasks, setup_demands(dies.uses))
    staffing = skill_assignment(model, request, all_tasks)
    material_reservoirs(model, request, all_tasks)
    mode_material_budget(model, request, all_tasks)
    time_lags(model, all_tasks)
    precedence_graph(model, jobs, all_tasks)
    transfer_batches(model, all_tasks)
    running_operations(model, all_tasks)
    sequence_rules(model, request, all_tasks)
    maintenance = preventive_maintenance(model, maintenance_requirements(request), horizon, intervals_by_machine)
    on_machines = [[v for v in job_vars if NO_MACHINE not in v.presence] for job_vars in all_tasks]  # not manual work
    changeovers = family_changeovers(model, request, [*on_machines, *splits.task_vars()])  # a sub-lot: a lot there
    defect_rate_cap(model, request, all_tasks)
    _machine_no_overlap(model, intervals_by_machine, available, horizon, pausing_by_machine)
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, [last.end for job_vars in all_tasks for last in sinks(job_vars)])
    model.add(makespan >= makespan_lower_bound(jobs))
    model.add(makespan >= energy_lower_bound(request, jobs))  # `planner.scheduling.rules.resources`
    costs = scrap_cost(request, all_tasks) + risk_penalty(request, jobs, all_tasks, penalty_rates(request))
    costs += split_cost(splits)
    scale = _weight_scale(request, jobs, has_costs=bool(costs) or bool(extensions))
    extension_costs = [term for extend in extensions for term in extend(model, all_tasks, maintenance, scale)]
    costs += extension_costs
    tardiness = _weighted_tardiness(model, jobs, all_tasks, horizon, scale, request.options.late_cost_per_minute)
    objective = cp_model.LinearExpr.sum([tardiness, *costs]) if costs else tardiness
    oven_cost = None
    if request.options.objective == Objective.BATCH_COST:  # `planner.scheduling.rules.oven_rules`
        oven_cost = batch_cost(model, request, jobs, [[v.end for v in sinks(job_vars)] for job_vars in all_tasks],
                               [run for slot in batches for run in slot.runs],
                               [cost for slot in batches for cost in slot.changeover_costs])
    return _Model(model, all_tasks, makespan, objective, scale, maintenance, extension_costs, batches, available,
                  staffing=staffing, dies=dies, splits=splits, pauses=pauses, batch_cost=oven_cost,
                  changeovers=changeovers)


def _objective(built: _Model, objective: Objective) -> tuple[cp_model.LinearExprT, int]:
    """What CP-SAT minimises and the divisor that turns its value back into the objective's unit.

    Weighted tardiness: the cost objective. Makespan: the makespan in minutes, plus the extensions'
    costs (a re-plan's move costs) read in minutes of makespan, so that a move must shorten the
    makespan by at least its cost."""
    if objective == Objective.WEIGHTED_TARDINESS and built.weighted_tardiness is not None:
        return built.weighted_tardiness, built.weight_scale
    if objective == Objective.BATCH_COST and built.batch_cost is not None:  # `planner.scheduling.rules.oven_rules`
        return built.batch_cost, BATCH_COST_SCALE
    if built.extension_costs:
        return built.weight_scale * built.makespan + cp_model.LinearExpr.sum(built.extension_costs), built.weight_scale
    return built.makespan, 1


def _task_variables(
    model: cp_model.CpModel,
    task: Task,
    horizon: int,
    available: dict[str, list[Interval]],
    intervals_by_machine: dict[str, list[cp_model.IntervalVar]],
    pausing_by_machine: dict[str, list[cp_model.IntervalVar]],
    pauses: PausingHints,
) -> _TaskVars:
    """Hard: the task runs on exactly one eligible machine, for that machine's processing time (on a machine
    where it may pause, for its work time in working time: `planner.scheduling.rules.pausing`)."""
    name = f"{task.order_id}/{task.index}"
    start = model.new_int_var(0, horizon, f"start[{name}]")
    end = model.new_int_var(0, horizon, f"end[{name}]")
    variables = _TaskVars(task, start, end)
    if task.split is not None:  # its sub-lots take the machines (`planner.scheduling.rules.lot_splitting`)
        return variables
    if len(task.alternatives) == 1:
        only = task.alternatives[0]
        if only.machine_id == NO_MACHINE:  # manual work: no machine's one-at-a-time rule, only its resources
            model.add(end == start + only.duration)
        elif only.may_pause:
            kept: list[PauseVars] = []
            pausing_by_machine[only.machine_id].append(pausing_interval(
                model, f"{name}@{only.machine_id}", start, end, True, only.duration, only.setup,
                available[only.machine_id], horizon, kept))
            pauses[(task.order_id, task.index, only.key)] = kept[0]
        else:
            intervals_by_machine[only.machine_id].append(
                model.new_interval_var(start, _run_length(model, only, name), end, f"run[{name}@{only.machine_id}]")
            )
        variables.presence[only.key] = True
        return variables
    literals = []
    for alternative in task.alternatives:
        present = model.new_bool_var(f"on[{name}@{alternative.key}]")
        if alternative.machine_id == NO_MACHINE:  # a manual mode: no machine, only its resources (`plant_rules.modes`)
            model.add(end == start + alternative.duration).only_enforce_if(present)
        elif alternative.may_pause:
            kept = []
            pausing_by_machine[alternative.machine_id].append(pausing_interval(
                model, f"{name}@{alternative.machine_id}", start, end, present, alternative.duration,
                alternative.setup, available[alternative.machine_id], horizon, kept))
            pauses[(task.order_id, task.index, alternative.key)] = kept[0]  # two modes may share a machine
        else:
            intervals_by_machine[alternative.machine_id].append(model.new_optional_interval_var(
                start, _run_length(model, alternative, name), end, present, f"run[{name}@{alternative.machine_id}]"))
        variables.presence[alternative.key] = present
        literals.append(present)
    model.add_exactly_one(literals)
    return variables


def _run_length(model: cp_model.CpModel, alternative: Alternative, name: str) -> cp_model.LinearExprT:
    """The run's length: fixed, or within the lot's window in a load of variable length (`plant_rules.oven_rules`)."""
    if alternative.batch_window is None:
        return alternative.duration
    low, high = alternative.batch_window
    return model.new_int_var(low, high, f"length[{name}@{alternative.machine_id}]")


def _routing_precedence(model: cp_model.CpModel, job_vars: list[_TaskVars]) -> None:
    """Hard: an operation starts only after the previous operation of the same order has ended (unless it
    takes the previous one's units in transfer batches: `planner.scheduling.rules.transfer_batches`)."""
    for before, after in pairwise(job_vars):
        if after.task.transfer_batch is None and after.task.predecessors is None:
            model.add(after.start >= before.end)


def _machine_no_overlap(
    model: cp_model.CpModel,
    intervals_by_machine: dict[str, list[cp_model.IntervalVar]],
    available: dict[str, list[Interval]],
    horizon: int,
    pausing_by_machine: dict[str, list[cp_model.IntervalVar]] | None = None,
) -> None:
    """Hard: a machine does one thing at a time, and nothing while off shift or in maintenance; an operation
    that pauses holds the machine through its pauses (its interval spans them), so it shares a NoOverlap with
    the other work but not with the off-shift blocks (`planner.scheduling.rules.pausing`)."""
    for machine_id, intervals in intervals_by_machine.items():
        blocked = [
            model.new_fixed_size_interval_var(start, end - start, f"off[{machine_id}@{start}]")
            for start, end in complement(available[machine_id], horizon)
        ]
        if len(intervals) + len(blocked) > 1 and intervals:
            model.add_no_overlap(intervals + blocked)
        pausing = (pausing_by_machine or {}).get(machine_id, [])
        if len(intervals) + len(pausing) > 1 and pausing:
            model.add_no_overlap(intervals + pausing)


def _weight_scale(request: PlanRequest, jobs: list[Job], has_costs: bool) -> int:
    """1 when every coefficient is integral (the objective reads in weighted minutes), else cents."""
    late_cost = request.options.late_cost_per_minute
    integral = all(float(j.order.weight * late_cost).is_integer() for j in jobs)
    return 1 if integral and not has_costs else COST_SCALE


def _weighted_tardiness(
    model: cp_model.CpModel, jobs: list[Job], tasks: list[list[_TaskVars]], horizon: int, scale: int,
    late_cost: float,
) -> cp_model.LinearExpr:
    """Soft: each minute an order finishes after its due time costs its weight."""
    terms = []
    for job, job_vars in zip(jobs, tasks, strict=True):
        due = job.order.due
        late = model.new_int_var(0, max(horizon - due, 0), f"tardiness[{job.order.id}]")
        model.add_max_equality(late, [*(last.end - due for last in sinks(job_vars)), 0])
        terms.append(cost_coefficient(job.order.weight * late_cost * scale) * late)
    return cp_model.LinearExpr.sum(terms)


def _add_hint(built: _Model, hint: Hint) -> None:
    for job_vars in built.tasks:
        for variables in job_vars:
            placed = hint.get((variables.task.order_id, variables.task.index))
            if placed is None:
                continue
            machine_id, start = placed
            alternative = variables.task.alternative(machine_id)
            if alternative is None:
                continue
            end = _end_on(built.available, alternative, start)
            if end is None:
                continue
            built.model.add_hint(variables.start, start)
            built.model.add_hint(variables.end, end)
            pause = built.pauses.get((variables.task.order_id, variables.task.index, alternative.key))
            if pause is not None:
                hint_pause(built.model, pause, start, end)
            for other, literal in variables.presence.items():
                if not isinstance(literal, bool):
                    built.model.add_hint(literal, other == machine_id)
    hint_loads(built.model, built.batches, hint)
    built.splits.hint_whole(built.model, hint)


def _hint_staffing(built: _Model, request: PlanRequest, jobs: list[Job], hint: Hint) -> None:
    """The people the start would have (`planner.scheduling.rules.staffing.staff_schedule`) as the assignment's hint."""
    if not built.staffing.choices:
        return
    placed = hint_assignments(jobs, hint)
    staffed = staff_schedule(request, jobs, placed) if placed is not None else None
    if staffed is not None:
        hint_people(built.model, built.staffing, {(a.order_id, a.operation_index): a.people for a in staffed})


def _end_on(available: dict[str, list[Interval]], alternative: Alternative, start: int) -> int | None:
    """Where an operation started at `start` on this alternative ends (None: a pausing one cannot start there)."""
    if not alternative.may_pause:
        return start + alternative.duration
    return clock_end(start, alternative.duration, alternative.setup, available.get(alternative.machine_id, []))


def _solver(request: PlanRequest, time_limit: float) -> cp_model.CpSolver:
    """Parameters are solve strategy, owned by `planner.scheduling.search`."""
    return configure_solver(request.options, time_limit)


def _second_phase(
    built: _Model, first: cp_model.CpSolver, request: PlanRequest, started: float, notes: str
) -> tuple[cp_model.CpSolver, str]:
    """With tardiness proven optimal early, use spare time to shorten the plan at that tardiness."""
    spent = time.perf_counter() - started
    remaining = request.options.time_limit_seconds - spent
    budget = min(remaining, request.options.time_limit_seconds * SECOND_PHASE_SHARE)
    if budget < 0.05 or built.weighted_tardiness is None:
        return first, notes
    best = round(first.objective_value)
    model = built.model
    model.clear_hints()
    for job_vars in built.tasks:
        for variables in job_vars:
            model.add_hint(variables.start, first.value(variables.start))
            model.add_hint(variables.end, first.value(variables.end))
            for literal in variables.presence.values():
                if not isinstance(literal, bool):
                    model.add_hint(literal, first.boolean_value(literal))
    if built.batches:
        hint_loads(model, built.batches, {(a.order_id, a.operation_index): (a.machine_id, a.start)
                                          for a in _read(built, first)})
    if built.staffing.choices:
        hint_people(model, built.staffing, {(a.order_id, a.operation_index): a.people for a in _read(built, first)})
    if built.dies.uses:
        built.dies.hint(model, request, _read(built, first))
    if built.changeovers.circuits:
        built.changeovers.hint(model, _read(built, first))
    if built.splits.sublots:
        built.splits.hint_placed(model, _read(built, first))
    model.add(built.weighted_tardiness <= best)
    model.minimize(built.makespan)
    second = _solver(request, budget)
    code = second.solve(model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return second, (notes + "; " if notes else "") + "makespan shortened at optimal tardiness"
    return first, notes


def _read(built: _Model, solver: cp_model.CpSolver) -> list[ScheduledOperation]:
    placed = []
    for job_vars in built.tasks:
        for variables in job_vars:
            task = variables.task
            if task.split is not None:  # its sub-lots (`planner.scheduling.rules.lot_splitting`)
                placed += built.splits.read(solver, task)
                continue
            machine_id = next(
                m for m, lit in variables.presence.items()
                if lit is True or (lit is not False and solver.boolean_value(lit))
            )
            alternative = task.alternative(machine_id)
            assert alternative is not None
            start = solver.value(variables.start)
            placed.append(
                ScheduledOperation(
                    order_id=task.order_id,
                    product_id=task.product_id,
                    operation_id=task.operation_id,
                    operation_index=task.index,
                    machine_id=alternative.machine_id,
                    mode_id=alternative.mode_id,
                    start=start,
                    end=solver.value(variables.end) if alternative.may_pause or alternative.batch_window
                    else start + alternative.duration,
                    quantity=task.quantity,
                    setup_minutes=alternative.setup,
                    processed_quantity=alternative.processed,
                    expected_scrap=alternative.expected_scrap,
                    people=read_people(built.staffing, solver, (task.order_id, task.index)),
                )
            )
    return sorted(placed, key=lambda a: (a.machine_id, a.start))


MAINTENANCE_REASON = {
    "en": "preventive maintenance before the failure risk reaches {risk:.0%}",
    "ko": "고장 위험이 {risk:.0%}에 이르기 전 예방 정비",
}


def _read_maintenance(built: _Model, solver: cp_model.CpSolver, locale: str) -> list[ScheduledMaintenance]:
    placed = []
    for task in built.maintenance:
        start = solver.value(task.start)
        requirement = task.requirement
        placed.append(ScheduledMaintenance(
            machine_id=requirement.machine_id, start=start, end=start + requirement.minutes,
            latest_start=requirement.latest_start,
            reason=MAINTENANCE_REASON[locale].format(risk=requirement.risk_at_deadline),
        ))
    return placed


class _StopWatch:
    """Polls `should_stop` on a thread while the solver runs and stops the search when it says so."""

    def __init__(self, solver: cp_model.CpSolver, should_stop: Callable[[], bool] | None) -> None:
        self._solver = solver
        self._should_stop = should_stop
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True) if should_stop else None

    def _watch(self) -> None:
        assert self._should_stop is not None
        while not self._done.wait(STOP_POLL_SECONDS):
            if self._should_stop():
                self._solver.stop_search()
                return

    def __enter__(self) -> _StopWatch:
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()


class _ProgressCallback(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution as (objective, bound, seconds elapsed)."""

    def __init__(self, report: Callable[[float, float, float], None], scale: int) -> None:
        super().__init__()
        self._report = report
        self._scale = scale

    def on_solution_callback(self) -> None:
        self._report(self.objective_value / self._scale, self.best_objective_bound / self._scale, self.wall_time)


# The model builder, its hint and its reading, for the large-neighbourhood search (`planner.scheduling.lns`), which
# builds its sub-models with the same rules.
build_model = _build_model
add_hint = _add_hint
read_assignments = _read
with_pauses = _with_pauses
BuiltModel = _Model
