"""The peers our scheduler is compared with in the same run, on the same instance, time and workers.

- `textbook-cpsat`: the plain CP-SAT model of OR-Tools' `minimal_jobshop_sat.py` sample (one
  interval per operation, one NoOverlap per machine, makespan = max of job ends, horizon = total
  work), extended the way OR-Tools' `flexible_job_shop_sat.py` does for several eligible machines
  (optional intervals, exactly one present). No hint, no parameters beyond time and workers.
- `pyjobshop`: PyJobShop's own model solved with its OR-Tools backend.

Each returns a `PeerOutcome` whose schedule the benchmark checks with the planner's checker.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from benchmarks.instances import ShopInstance

Placement = tuple[int, int, int, int]
"""(job, operation index, machine, start) of one scheduled operation."""


@dataclass
class PeerOutcome:
    makespan: float
    bound: float
    status: str
    seconds: float
    placements: list[Placement] = field(default_factory=list)


_STATUS = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE", cp_model.INFEASIBLE: "INFEASIBLE",
           cp_model.UNKNOWN: "NO_SOLUTION_IN_TIME", cp_model.MODEL_INVALID: "MODEL_INVALID"}


def solve_textbook(instance: ShopInstance, time_limit: float, num_workers: int, seed: int = 0) -> PeerOutcome:
    """The textbook (flexible) job-shop model: data -> variables -> constraints -> objective -> solve."""
    started = time.perf_counter()
    model = cp_model.CpModel()
    horizon = instance.total_work
    per_machine: dict[int, list[cp_model.IntervalVar]] = {m: [] for m in range(instance.num_machines)}
    starts: dict[tuple[int, int], cp_model.IntVar] = {}
    chosen: dict[tuple[int, int], list[tuple[int, cp_model.IntVar | None]]] = {}
    job_ends = []
    for j, job in enumerate(instance.jobs):
        previous_end = None
        for k, operation in enumerate(job):
            start = model.new_int_var(0, horizon, f"start_{j}_{k}")
            end = model.new_int_var(0, horizon, f"end_{j}_{k}")
            chosen[(j, k)] = _alternatives(model, start, end, operation, per_machine, f"{j}_{k}")
            starts[(j, k)] = start
            if previous_end is not None:
                model.add(start >= previous_end)
            previous_end = end
        job_ends.append(previous_end)
    for intervals in per_machine.values():
        model.add_no_overlap(intervals)
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, job_ends)
    model.minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = seed
    code = solver.solve(model)
    seconds = time.perf_counter() - started
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PeerOutcome(math.nan, math.nan, _STATUS.get(code, "ERROR"), seconds)
    placements = [(j, k, _machine(solver, options), solver.value(starts[(j, k)])) for (j, k), options in chosen.items()]
    return PeerOutcome(solver.objective_value, solver.best_objective_bound, _STATUS[code], seconds, placements)


def _alternatives(
    model: cp_model.CpModel,
    start: cp_model.IntVar,
    end: cp_model.IntVar,
    operation: tuple[tuple[int, int], ...],
    per_machine: dict[int, list[cp_model.IntervalVar]],
    name: str,
) -> list[tuple[int, cp_model.IntVar | None]]:
    if len(operation) == 1:
        machine, duration = operation[0]
        per_machine[machine].append(model.new_interval_var(start, duration, end, f"interval_{name}"))
        return [(machine, None)]
    literals = []
    for machine, duration in operation:
        present = model.new_bool_var(f"on_{name}_{machine}")
        per_machine[machine].append(model.new_optional_interval_var(start, duration, end, present, f"i_{name}"))
        literals.append((machine, present))
    model.add_exactly_one(lit for _, lit in literals)
    return literals


def _machine(solver: cp_model.CpSolver, options: list[tuple[int, cp_model.IntVar | None]]) -> int:
    return next(m for m, lit in options if lit is None or solver.boolean_value(lit))


def solve_pyjobshop(instance: ShopInstance, time_limit: float, num_workers: int, seed: int = 0) -> PeerOutcome:
    """PyJobShop's model of the instance, solved by its OR-Tools backend with CP-SAT's `random_seed`."""
    from pyjobshop import Model  # an optional dependency of the benchmarks only

    started = time.perf_counter()
    model = Model()
    machines = [model.add_machine(name=f"M{m}") for m in range(instance.num_machines)]
    tasks = {}
    for j, job in enumerate(instance.jobs):
        pjs_job = model.add_job()
        previous = None
        for k, operation in enumerate(job):
            task = model.add_task(job=pjs_job, name=f"{j}_{k}")
            for machine, duration in operation:
                model.add_mode(task, machines[machine], duration)
            if previous is not None:
                model.add_end_before_start(previous, task)
            tasks[(j, k)] = len(tasks)
            previous = task
    model.set_objective(weight_makespan=1)
    # Extra keyword arguments become CP-SAT parameters (PyJobShop 0.0.9 `CPModel.solve`).
    result = model.solve(solver="ortools", time_limit=time_limit, num_workers=num_workers, display=False,
                         random_seed=seed)
    seconds = time.perf_counter() - started
    status = str(getattr(result.status, "value", result.status)).upper().replace(" ", "_")
    if not math.isfinite(result.objective) or result.best is None or not result.best.tasks:
        return PeerOutcome(math.nan, result.lower_bound, status, seconds)
    placements = []
    for (j, k), index in tasks.items():
        scheduled = result.best.tasks[index]
        placements.append((j, k, int(model.modes[scheduled.mode].resources[0]), scheduled.start))
    return PeerOutcome(float(result.objective), float(result.lower_bound), status, seconds, placements)
