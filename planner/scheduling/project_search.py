"""A makespan search for projects: manual work on renewable resources, linked by precedences (PSPLIB's RCPSP).

CP-SAT proves small projects quickly, but with two workers its upper bound on the harder ones moves slowly (its LNS
thread ran 18-24 neighbourhoods in 10 s on PSPLIB j60, docs/PLANT-RULES.md). This module finds a short schedule
first with the compiled genetic algorithm of `planner.scheduling.project_kernel` (serial schedule generation and
forward-backward improvement over activity lists), stopping as soon as it reaches the lower bound (longest path,
resource energy) or stalls; `planner.scheduling.model.solve_schedule` then gives CP-SAT the search's plan as its hint
and its makespan as the makespan's upper bound, and returns the search's plan when CP-SAT finds none in time.
Measured before choosing (PSPLIB j30, 5 s, 2 workers, two runs each, load 2.4-4.2): asking CP-SAT for a strictly
shorter plan (so that "none" proves the search's plan optimal) did not prove j3041_6 in 5 s, against 2.2-2.6 s with
the search's makespan as bound; with the plan as hint too, the proofs of 10 near-limit instances took 20.0 s in all
against 21.2 s without it (faster on 6, slower on 4: j3041_6 1.3 s against 2.3 s, j3041_10 3.3 s against 1.9 s), and
CP-SAT improved the search's plan of j3029_8 to 80 (the optimum) in both runs against none without it. The dispatching
start as hint, by contrast, slowed the proofs (`_cap_by_start`): a near-optimal hint is what helps.

Which requests are projects (`as_project`): every operation is manual work (`manual_work_only`) with one way to run
(no modes, setups held alone, pausing, sub-lots, loads, work in progress), holds its resources for its whole run,
and follows its predecessors' ends after a minimum lag >= 0 (no start-to-start links, no maximum lags, no transfer
batches); every resource has one capacity over the whole horizon (no calendar, no extra units); no materials,
skills, maintenance or sequence rules; every order has the same release. Every other request keeps its path.
Every plan the search returns has passed the solver-independent checker.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools import __version__ as ortools_version  # type: ignore[attr-defined]

from planner.checker import check_schedule
from planner.domain import NO_MACHINE, PlanRequest
from planner.risk import maintenance_requirements
from planner.scheduling import project_kernel
from planner.scheduling.project_kernel import CHILDREN, SEED, STATE_SIZE, Ints
from planner.scheduling.rules.materials import has_materials
from planner.scheduling.rules.pausing import has_pausing
from planner.scheduling.rules.resources import capacity_profile, energy_lower_bound, manual_work_only
from planner.scheduling.rules.sequence import has_sequence_rules
from planner.scheduling.rules.skills import has_skills
from planner.scheduling.rules.work_in_progress import has_work_in_progress
from planner.scheduling.search import hint_assignments, makespan_lower_bound
from planner.scheduling.tasks import Job, Task
from planner.solution import ScheduledOperation, SolveStats
from planner.status import SolveStatus, relative_gap

logger = logging.getLogger(__name__)

SEARCH_SHARE = 0.2
"""Share of the time limit the search may use at most before CP-SAT (less when it stalls or reaches the bound)."""
STALL_FACTOR = 4.0
MIN_SECONDS = 0.1
"""The search stops once it has run STALL_FACTOR times as long as it took to find its best plan, plus MIN_SECONDS,
so that CP-SAT keeps most of the time where the search converged early (small projects, whose proof needs it). On 15
hard PSPLIB instances (6 of j60, 9 of j30), 3 s at most, one run each at load 4-5: mean gap to the best known 1.84 %
in 0.25 s on average with factor 2, 1.58 % in 0.72 s with factor 4, 0.82 % in 3 s without the rule."""
POPULATION = 30
"""Activity lists kept by the genetic algorithm."""
CHILDREN_PER_CALL = 100
"""Children per kernel call: between calls the search checks its time and `should_stop` (a j60 child takes tens of
microseconds)."""
MAX_PROFILE_CELLS = 5_000_000
"""Largest resource profile (minutes x resources) the kernel keeps; larger projects keep the CP-SAT path."""
LIST_NOISE = 2.0
"""Random lists of the first generation: latest finish + up to this multiple of the latest finishes' spread, at
random. 2.0 against 0.5: mean gap to the best known 1.07 % against 1.41 % after 2 s and 1.56 % against 2.01 % after
0.5 s on 15 hard PSPLIB instances (6 of j60, 9 of j30; one run each, load 4-8)."""
STALL_CHILDREN = 1000
"""Children without a new best after which the population starts again from new lists (keeping the best): without
restarts the population of 30 converged to one makespan within 2,000 children (PSPLIB j309_2 stuck at 99, optimum 92;
with them 92-94 in 1 s)."""


@dataclass(frozen=True)
class Project:
    """A project as the kernel's arrays (see `planner.scheduling.project_kernel`); activity j is `tasks[j]`."""

    tasks: list[Task]
    release: int
    durations: Ints
    demands: Ints
    capacity: Ints
    predecessors: tuple[Ints, Ints, Ints]
    successors: tuple[Ints, Ints, Ints]
    horizon: int

    def arrays(self) -> tuple[Ints, ...]:
        """The kernel's problem arguments, up to the topological rank (activities are numbered in that order)."""
        return (self.durations, self.demands, self.capacity, *self.predecessors, *self.successors,
                np.arange(len(self.tasks), dtype=np.int64))


@dataclass(frozen=True)
class ProjectSchedule:
    """The search's best plan (checked), its makespan and the lower bound it stopped at."""

    placed: list[ScheduledOperation]
    makespan: int
    lower_bound: int
    schedules: int
    seconds: float

    @property
    def proven(self) -> bool:
        return self.makespan <= self.lower_bound


def as_project(request: PlanRequest, jobs: list[Job]) -> Project | None:
    """The request as a project for the kernel, or None when it has a rule the kernel does not know (see the
    module docstring)."""
    if (not jobs or not manual_work_only(jobs) or has_materials(request) or has_skills(request)
            or has_pausing(request) or has_sequence_rules(request) or has_work_in_progress(request)
            or maintenance_requirements(request) or request.options.max_expected_defect_rate is not None
            or len({max(job.order.release, 0) for job in jobs}) != 1):
        return None
    capacities = {}
    for resource in request.factory.resources:
        profile = capacity_profile(resource, request)
        if len(profile) != 1 or profile[0][:2] != (0, request.options.horizon_minutes):
            return None
        capacities[resource.id] = profile[0][2]
    tasks = [task for job in jobs for task in job.tasks]
    if not all(_plain(task) for task in tasks):
        return None
    number = {(task.order_id, task.index): j for j, task in enumerate(tasks)}
    arcs: list[tuple[int, int, int]] = []  # (before, after, minimum lag)
    for job in jobs:
        for place, task in enumerate(job.tasks):
            after = number[(task.order_id, task.index)]
            if task.predecessors is None:
                if place > 0:
                    arcs.append((after - 1, after, task.min_lag))
                continue
            arcs += [(number[(task.order_id, link.before)], after, link.min_lag) for link in task.predecessors]
    resource_ids = sorted(capacities)
    demands = np.zeros((len(tasks), len(resource_ids)), np.int64)
    for j, task in enumerate(tasks):
        for need in task.alternatives[0].needs:
            demands[j, resource_ids.index(need.resource_id)] += need.quantity
    capacity = np.array([capacities[r] for r in resource_ids], np.int64)
    durations = np.array([task.alternatives[0].duration for task in tasks], np.int64)
    if (demands > capacity).any():
        return None  # never fits: CP-SAT says why
    longest_lag: dict[int, int] = defaultdict(int)
    for before, _, lag in arcs:
        longest_lag[before] = max(longest_lag[before], lag)
    horizon = int(durations.sum()) + sum(longest_lag.values()) + 1
    if horizon * max(len(resource_ids), 1) > MAX_PROFILE_CELLS:
        return None
    return Project(tasks, max(jobs[0].order.release, 0), durations, demands, capacity,
                   _adjacency(len(tasks), [(a, b, lag) for a, b, lag in arcs]),
                   _adjacency(len(tasks), [(b, a, lag) for a, b, lag in arcs]), horizon)


def _plain(task: Task) -> bool:
    """One way to run, holding its resources for its whole run, after its predecessors' ends."""
    if len(task.alternatives) != 1 or task.has_modes or task.running or task.recipe is not None:
        return False
    if task.split is not None or task.transfer_batch is not None or task.produces or task.max_lag is not None:
        return False
    only = task.alternatives[0]
    if only.consumes or only.skill_needs or only.may_pause or any(need.setup_only for need in only.needs):
        return False
    return task.min_lag >= 0 and all(not link.start_to_start and link.min_lag >= 0 and link.max_lag is None
                                     for link in task.predecessors or ())


def _adjacency(size: int, arcs: list[tuple[int, int, int]]) -> tuple[Ints, Ints, Ints]:
    """Compressed rows: the arcs into each activity (from, lag), as (row starts, sources, lags)."""
    rows: list[list[tuple[int, int]]] = [[] for _ in range(size)]
    for source, target, lag in arcs:
        rows[target].append((source, lag))
    starts = np.zeros(size + 1, np.int64)
    starts[1:] = np.cumsum([len(row) for row in rows])
    sources = np.array([s for row in rows for s, _ in row], np.int64)
    lags = np.array([lag for row in rows for _, lag in row], np.int64)
    return starts, sources, lags


def search(request: PlanRequest, jobs: list[Job], project: Project, seconds: float,
           should_stop: Callable[[], bool] | None = None,
           on_solution: Callable[[float, float, float], None] | None = None) -> ProjectSchedule | None:
    """The best plan the genetic algorithm finds in `seconds` (less when it reaches the lower bound or stalls, or
    `should_stop` says so). Where the kernel is not compiled yet in this process, compiling (or loading numba's cache)
    starts on a thread and the search waits for it within `seconds`; None when that was not enough (compiling goes on
    for the next request) or when the plan fails the checker (a bug: logged)."""
    began = time.perf_counter()
    if not ready():
        _compile_in_background()
        if not _compiled.wait(seconds) or not ready():
            return None
    lower_bound = max(makespan_lower_bound(jobs), energy_lower_bound(request, jobs))
    arrays = project.arrays()
    usage = np.zeros((project.horizon, len(project.capacity)), np.int64)
    rng = np.random.default_rng(request.options.random_seed)
    population = _first_lists(project, rng)
    fitness = np.zeros(POPULATION, np.int64)
    best_start = np.zeros(len(project.tasks), np.int64)
    best = project_kernel.first_generation(*arrays, usage, population, fitness, best_start)
    state = np.zeros(STATE_SIZE, np.int64)
    state[SEED] = request.options.random_seed
    target = lower_bound - project.release
    improved_at, improved_after = 0, time.perf_counter() - began
    while (best > target and time.perf_counter() - began < min(seconds, improved_after * STALL_FACTOR + MIN_SECONDS)
           and not (should_stop and should_stop())):
        found = project_kernel.evolve(*arrays, usage, population, fitness, best_start, state, CHILDREN_PER_CALL,
                                      target)
        if found < best:
            best, improved_at, improved_after = found, int(state[CHILDREN]), time.perf_counter() - began
        elif state[CHILDREN] - improved_at >= STALL_CHILDREN:  # converged: new lists around the best one
            keep = population[np.argmin(fitness)].copy()
            population = _first_lists(project, rng)
            population[0] = keep
            project_kernel.first_generation(*arrays, usage, population, fitness, np.zeros_like(best_start))
            improved_at = int(state[CHILDREN])
    hint = {(task.order_id, task.index): (NO_MACHINE, int(best_start[j]) + project.release)
            for j, task in enumerate(project.tasks)}
    placed = hint_assignments(jobs, hint)
    problems = check_schedule(request, placed) if placed is not None else ["an operation has no alternative"]
    if placed is None or problems:
        logger.error("project search: plan rejected by the checker: %s", problems[:3])
        return None
    found = ProjectSchedule(placed, int(best) + project.release, lower_bound, POPULATION + int(state[CHILDREN]),
                            time.perf_counter() - began)
    if on_solution is not None:
        on_solution(float(found.makespan), float(lower_bound), found.seconds)
    return found


def as_hint(schedule: ProjectSchedule) -> dict[tuple[str, int], tuple[str, int]]:
    """The plan as a start for CP-SAT: (order id, operation index) -> (machine id, start)."""
    return {(op.order_id, op.operation_index): (op.machine_id, op.start) for op in schedule.placed}


def note(schedule: ProjectSchedule) -> str:
    """What the search did, for `SolveStats.notes`."""
    return (f"project search: makespan {schedule.makespan} (lower bound {schedule.lower_bound}) from "
            f"{schedule.schedules} schedules in {schedule.seconds:.2f} s")


def _first_lists(project: Project, rng: np.random.Generator) -> Ints:
    """The first generation: the latest-finish-time list (a classic priority rule for the serial scheme), then
    lists by latest finish plus noise; each list topological."""
    durations = project.durations
    pred_start, _, pred_lag = project.predecessors
    succ_start, succ_index, succ_lag = project.successors
    size = len(project.tasks)
    latest_finish = np.full(size, int(durations.sum()) + int(pred_lag.sum()), np.int64)
    for j in reversed(range(size)):  # activities are numbered topologically
        for a in range(succ_start[j], succ_start[j + 1]):
            after = succ_index[a]
            latest_finish[j] = min(latest_finish[j], latest_finish[after] - durations[after] - succ_lag[a])
    spread = LIST_NOISE * max(int(latest_finish.max() - latest_finish.min()), 1)
    lists = np.zeros((POPULATION, size), np.int64)
    for i in range(POPULATION):
        keys = latest_finish + (rng.random(size) * spread if i else 0.0)
        lists[i] = _topological(keys, pred_start, succ_start, succ_index)
    return lists


def _topological(keys: np.ndarray, pred_start: Ints, succ_start: Ints, succ_index: Ints) -> Ints:
    """Activities in precedence order, the eligible one with the smallest key first."""
    waiting = np.diff(pred_start).astype(np.int64)
    eligible = [(float(keys[j]), j) for j in range(len(keys)) if waiting[j] == 0]
    heapq.heapify(eligible)
    order = []
    while eligible:
        _, j = heapq.heappop(eligible)
        order.append(j)
        for a in range(succ_start[j], succ_start[j + 1]):
            after = int(succ_index[a])
            waiting[after] -= 1
            if waiting[after] == 0:
                heapq.heappush(eligible, (float(keys[after]), after))
    return np.array(order, np.int64)


def outcome_parts(request: PlanRequest, schedule: ProjectSchedule, proven: bool, bound: float, started: float,
                  notes: str) -> tuple[SolveStatus, list[ScheduledOperation], SolveStats]:
    """Status, plan and statistics when the search's plan is the answer: proven (it reached the lower bound, or
    CP-SAT found no shorter plan exists) or the best there is when CP-SAT found no shorter one in time."""
    objective = float(schedule.makespan)
    solver_bound = min(bound, objective) if math.isfinite(bound) else 0.0  # CP-SAT's, for "shorter than objective"
    bound = objective if proven else max(float(schedule.lower_bound), solver_bound)
    options = request.options
    stats = SolveStats(
        solver="cp-sat", solver_version=ortools_version, objective=objective, best_bound=bound,
        gap=relative_gap(objective, bound), wall_seconds=time.perf_counter() - started,
        time_limit_seconds=options.time_limit_seconds, num_workers=options.num_workers,
        random_seed=options.random_seed, operations=len(schedule.placed), alternatives=len(schedule.placed),
        notes=notes)
    status = SolveStatus.OPTIMAL if objective <= bound else SolveStatus.FEASIBLE
    return status, schedule.placed, stats


def ready() -> bool:
    """Whether the kernel is compiled (or loaded from numba's cache) in this process."""
    return bool(project_kernel.evolve.signatures) and bool(project_kernel.first_generation.signatures)


_compiling = threading.Lock()
_compiled = threading.Event()
"""Set once `warm_up` has run in this process (at start, or on the thread `_compile_in_background` starts)."""


def _compile_in_background() -> None:
    """Start `warm_up` on a thread unless one runs already: a request waits for the compiler at most its search's
    share of the time (loading numba's cache takes about a second, compiling afresh about 7 s on this machine)."""
    if _compiling.acquire(blocking=False):
        threading.Thread(target=_warm_up_then_release, name="project-kernel-warm-up", daemon=True).start()


def _warm_up_then_release() -> None:
    try:
        warm_up()
    finally:
        _compiling.release()


def warm_up() -> None:
    """Compile the kernel, or load it from numba's cache, on a project of two activities in a chain."""
    durations = np.array([2, 3], np.int64)
    demands = np.ones((2, 1), np.int64)
    chain = (np.array([0, 0, 1], np.int64), np.array([0], np.int64), np.zeros(1, np.int64))
    back = (np.array([0, 1, 1], np.int64), np.array([1], np.int64), np.zeros(1, np.int64))
    arrays = (durations, demands, np.ones(1, np.int64), *chain, *back, np.arange(2, dtype=np.int64))
    usage = np.zeros((6, 1), np.int64)
    population = np.array([[0, 1], [0, 1]], np.int64)
    fitness = np.zeros(2, np.int64)
    best_start = np.zeros(2, np.int64)
    project_kernel.first_generation(*arrays, usage, population, fitness, best_start)
    project_kernel.evolve(*arrays, usage, population, fitness, best_start, np.zeros(STATE_SIZE, np.int64), 2, 0)
    _compiled.set()
