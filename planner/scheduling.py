"""Detailed machine schedule with CP-SAT: a flexible job-shop with calendars and release dates.

Model, in the order every model here reads: data -> variables -> constraints -> objective -> solve
-> report.
- one interval per (task, eligible machine), optional when the task has several machines, with
  exactly one present; all alternatives of a task share its start and end variables;
- one NoOverlap per machine over its intervals and fixed intervals for off-shift and maintenance;
- routing precedence, release dates, everything ends inside the horizon;
- the plant rules of `planner.plant_rules`: time lags and transfer batches between operations, work in
  progress at plan start;
- the rules of `planner.rules`: preventive-maintenance tasks, family changeovers, the defect-rate
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
from planner.domain import Objective, PlanRequest
from planner.kpis import compute_kpis
from planner.plant_rules.time_lags import has_time_lags, time_lags
from planner.plant_rules.transfer_batches import has_transfer_batches, transfer_batches
from planner.plant_rules.work_in_progress import has_work_in_progress, running_operations
from planner.risk import maintenance_requirements, penalty_rates
from planner.rules import (
    COST_SCALE,
    MaintenanceVars,
    TaskVars,
    cost_coefficient,
    defect_rate_cap,
    family_changeovers,
    preventive_maintenance,
    risk_penalty,
    scrap_cost,
)
from planner.search import (
    configure_solver,
    hint_assignments,
    improve_makespan_hint,
    local_search_budget,
    makespan_lower_bound,
)
from planner.solution import ScheduledMaintenance, ScheduledOperation, SolveStats
from planner.status import SolveStatus, relative_gap
from planner.tasks import Job, Task

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
    """The extensions' objective terms (x weight_scale), also part of `weighted_tardiness`."""


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
) -> ScheduleOutcome:
    """Schedule the jobs; never raises for infeasible or timed-out models (see the status).

    `should_stop` is polled while the local search runs and every 0.2 s while CP-SAT runs; when it says so the
    best solution so far is returned (a cancelled StreamPlan uses it)."""
    options = request.options
    started = time.perf_counter()
    notes = "hinted start" if hint else ""
    makespan_cap = None
    operations = sum(len(job.tasks) for job in jobs)
    if hint and options.objective == Objective.MAKESPAN and not extensions and _sequencing_rules_only(request):
        budget = local_search_budget(options, operations)
        improved = improve_makespan_hint(options, jobs, available, hint, budget, should_stop)
        if improved is not None:
            hint, makespan_cap = improved
            start = "local search" if budget > 0 else "decoded hint"
            notes += f"; {start} start with makespan {makespan_cap}, used as upper bound"
    built = _build_model(request, jobs, available, makespan_cap, extensions)
    if hint:
        _add_hint(built, hint)
    primary, scale = _objective(built, options.objective)
    built.model.minimize(primary)
    solver = _solver(request, options.time_limit_seconds - (time.perf_counter() - started))
    callback = _ProgressCallback(on_solution, scale) if on_solution else None
    with _StopWatch(solver, should_stop):
        code = solver.solve(built.model, callback)
    status = _STATUS.get(code, SolveStatus.ERROR)
    if hint and not status.has_solution and (makespan_cap is not None or status == SolveStatus.NO_SOLUTION_IN_TIME):
        fallback = _start_outcome(request, jobs, hint, makespan_cap is not None, started, notes)
        if fallback is not None:
            return fallback
    objective = solver.objective_value / scale if status.has_solution else math.nan
    bound = solver.best_objective_bound / scale if status.has_solution else math.nan
    if status == SolveStatus.OPTIMAL and options.objective == Objective.WEIGHTED_TARDINESS:
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


def _start_outcome(
    request: PlanRequest, jobs: list[Job], hint: Hint, verified: bool, started: float, notes: str
) -> ScheduleOutcome | None:
    """CP-SAT found no solution in its time: the schedule it started from is the answer when it is a plan.

    The local-search schedule (`verified`) is one by construction (see `planner.search`). Any other start
    (the dispatching-rule schedule, or a caller's hint such as a released plan) must pass the
    solver-independent checker, and requests with preventive-maintenance tasks get none: a start holds
    no maintenance task. None when there is no such plan."""
    placed = hint_assignments(jobs, hint)
    if placed is None:
        return None
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


def _sequencing_rules_only(request: PlanRequest) -> bool:
    """True when the model is the plain flexible job-shop with calendars, the one the local search of
    `planner.search` decodes exactly; only then is its makespan a safe upper bound. Maintenance
    tasks, family changeovers, the defect-rate cap, time lags, transfer batches and work in progress are
    rules the decoder does not know."""
    return (
        not request.factory.changeovers
        and not has_time_lags(request)
        and not has_transfer_batches(request)
        and not has_work_in_progress(request)
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
    all_tasks = []
    for job in jobs:
        job_vars = [_task_variables(model, task, horizon, available, intervals_by_machine)
                    for task in job.tasks]
        _routing_precedence(model, job_vars)
        model.add(job_vars[0].start >= job.order.release)
        all_tasks.append(job_vars)
    time_lags(model, all_tasks)
    transfer_batches(model, all_tasks)
    running_operations(model, all_tasks)
    maintenance = preventive_maintenance(model, maintenance_requirements(request), horizon, intervals_by_machine)
    family_changeovers(model, request, all_tasks)
    defect_rate_cap(model, request, all_tasks)
    _machine_no_overlap(model, intervals_by_machine, available, horizon)
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, [job_vars[-1].end for job_vars in all_tasks])
    model.add(makespan >= makespan_lower_bound(jobs))
    costs = scrap_cost(request, all_tasks) + risk_penalty(request, jobs, all_tasks, penalty_rates(request))
    scale = _weight_scale(request, jobs, has_costs=bool(costs) or bool(extensions))
    extension_costs = [term for extend in extensions for term in extend(model, all_tasks, maintenance, scale)]
    costs += extension_costs
    tardiness = _weighted_tardiness(model, jobs, all_tasks, horizon, scale, request.options.late_cost_per_minute)
    objective = cp_model.LinearExpr.sum([tardiness, *costs]) if costs else tardiness
    return _Model(model, all_tasks, makespan, objective, scale, maintenance, extension_costs)


def _objective(built: _Model, objective: Objective) -> tuple[cp_model.LinearExprT, int]:
    """What CP-SAT minimises and the divisor that turns its value back into the objective's unit.

    Weighted tardiness: the cost objective. Makespan: the makespan in minutes, plus the extensions'
    costs (a re-plan's move costs) read in minutes of makespan, so that a move must shorten the
    makespan by at least its cost."""
    if objective == Objective.WEIGHTED_TARDINESS and built.weighted_tardiness is not None:
        return built.weighted_tardiness, built.weight_scale
    if built.extension_costs:
        return built.weight_scale * built.makespan + cp_model.LinearExpr.sum(built.extension_costs), built.weight_scale
    return built.makespan, 1


def _task_variables(
    model: cp_model.CpModel,
    task: Task,
    horizon: int,
    available: dict[str, list[Interval]],
    intervals_by_machine: dict[str, list[cp_model.IntervalVar]],
) -> _TaskVars:
    """Hard: the task runs on exactly one eligible machine, for that machine's processing time."""
    name = f"{task.order_id}/{task.index}"
    start = model.new_int_var(0, horizon, f"start[{name}]")
    end = model.new_int_var(0, horizon, f"end[{name}]")
    variables = _TaskVars(task, start, end)
    if len(task.alternatives) == 1:
        only = task.alternatives[0]
        intervals_by_machine[only.machine_id].append(
            model.new_interval_var(start, only.duration, end, f"run[{name}@{only.machine_id}]")
        )
        variables.presence[only.machine_id] = True
        return variables
    literals = []
    for alternative in task.alternatives:
        present = model.new_bool_var(f"on[{name}@{alternative.machine_id}]")
        interval = model.new_optional_interval_var(
            start, alternative.duration, end, present, f"run[{name}@{alternative.machine_id}]"
        )
        intervals_by_machine[alternative.machine_id].append(interval)
        variables.presence[alternative.machine_id] = present
        literals.append(present)
    model.add_exactly_one(literals)
    return variables


def _routing_precedence(model: cp_model.CpModel, job_vars: list[_TaskVars]) -> None:
    """Hard: an operation starts only after the previous operation of the same order has ended (unless it
    takes the previous one's units in transfer batches: `planner.plant_rules.transfer_batches`)."""
    for before, after in pairwise(job_vars):
        if after.task.transfer_batch is None:
            model.add(after.start >= before.end)


def _machine_no_overlap(
    model: cp_model.CpModel,
    intervals_by_machine: dict[str, list[cp_model.IntervalVar]],
    available: dict[str, list[Interval]],
    horizon: int,
) -> None:
    """Hard: a machine does one thing at a time, and nothing while off shift or in maintenance."""
    for machine_id, intervals in intervals_by_machine.items():
        blocked = [
            model.new_fixed_size_interval_var(start, end - start, f"off[{machine_id}@{start}]")
            for start, end in complement(available[machine_id], horizon)
        ]
        if len(intervals) + len(blocked) > 1 and intervals:
            model.add_no_overlap(intervals + blocked)


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
        model.add_max_equality(late, [job_vars[-1].end - due, 0])
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
            built.model.add_hint(variables.start, start)
            built.model.add_hint(variables.end, start + alternative.duration)
            for other, literal in variables.presence.items():
                if not isinstance(literal, bool):
                    built.model.add_hint(literal, other == machine_id)


def _solver(request: PlanRequest, time_limit: float) -> cp_model.CpSolver:
    """Parameters are solve strategy, owned by `planner.search`."""
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
                    machine_id=machine_id,
                    start=start,
                    end=start + alternative.duration,
                    quantity=task.quantity,
                    setup_minutes=alternative.setup,
                    processed_quantity=alternative.processed,
                    expected_scrap=alternative.expected_scrap,
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
