"""Readers for the plant-rule benchmark sets, and their translation into a production `PlanRequest`.

Formats (see `../shared/benchmarks/scheduling-plus/*/SOURCE.txt`):
- PSPLIB single-mode RCPSP (`.sm`): activities with durations, end-to-start precedences (lag 0), demands on
  renewable resources and the resources' capacities; job 1 and job n are dummies.
- ProGen/max RCPSP/max (`.SCH`): the same with start-to-start time lags on the arcs; a negative lag on an arc
  j -> i encodes a maximum lag of i after j. Activity 0 and n+1 are dummies.

A `Project` becomes one order of one product (`to_plan_request`): each activity an operation on no machine
(manual work) that holds its demands of the project's resources for its whole run, the arcs its precedence
graph, objective makespan. Two artefacts of the production model, neither of which changes the problem:
- manual work must hold some resource for its whole run; activities that need none (the dummies, a few real
  ones) hold one unit of `free`, a resource with one unit per activity (never short);
- an operation lasts setup + quantity x run time with run time > 0; an activity of 0 duration gets a run time of
  1e-12 min, which rounds to 0 minutes.
RCPSP/max arcs are merged per pair of activities into one start-to-start link from the lower-numbered one
(so the graph is acyclic by construction): s_b - s_a in [lo, hi]; a pair with only a maximum gets the minimum
-horizon (no minimum within the plan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from planner.domain import (
    Factory,
    Machine,
    Material,
    Objective,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    PrecedenceRelation,
    Predecessor,
    Product,
    Resource,
    ResourceNeed,
)

FREE = "free"
"""The never-short resource that activities without demands hold (manual work must hold one)."""
ZERO_RUN = 1e-12


@dataclass(frozen=True)
class Arc:
    """start[after] - anchor(before) >= lag, anchor = end for end-to-start, start for start-to-start."""

    before: int
    after: int
    lag: int
    start_to_start: bool


@dataclass
class Project:
    """One project scheduling instance: activities 0..n-1 (ids as positions), durations, demands, arcs."""

    name: str
    durations: list[int]
    demands: list[list[int]]
    """Per activity, its demand of each renewable resource."""
    capacities: list[int]
    arcs: list[Arc] = field(default_factory=list)

    @property
    def horizon(self) -> int:
        """A safe horizon: all durations and positive lags in a row."""
        return sum(self.durations) + sum(max(arc.lag, 0) for arc in self.arcs) + 1


def _numbers(line: str) -> list[int]:
    return [int(token) for token in line.replace("[", " ").replace("]", " ").split()]


def read_psplib(path: Path) -> Project:
    """A PSPLIB `.sm` file (single mode)."""
    lines = path.read_text().splitlines()
    section = ""
    successors: dict[int, list[int]] = {}
    durations: dict[int, int] = {}
    demands: dict[int, list[int]] = {}
    capacities: list[int] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("PRECEDENCE RELATIONS", "REQUESTS/DURATIONS", "RESOURCEAVAILABILITIES")):
            section = stripped.split()[0].rstrip(":")
            continue
        if not stripped or stripped[0] in "*-" or not (stripped[0].isdigit()):
            continue
        values = _numbers(stripped)
        if section == "PRECEDENCE":
            successors[values[0]] = values[3:3 + values[2]]
        elif section == "REQUESTS/DURATIONS":
            durations[values[0]] = values[2]
            demands[values[0]] = values[3:]
        elif section == "RESOURCEAVAILABILITIES":
            capacities = values
            section = ""
    ids = sorted(durations)
    position = {job: i for i, job in enumerate(ids)}
    arcs = [Arc(position[job], position[succ], 0, False) for job in ids for succ in successors.get(job, [])]
    if not ids or not capacities or len(successors) != len(ids):
        raise ValueError(f"{path}: not a single-mode PSPLIB .sm file")
    return Project(path.name, [durations[j] for j in ids], [demands[j] for j in ids], capacities, arcs)


def read_rcpsp_max(path: Path) -> Project:
    """A ProGen/max `.SCH` file (RCPSP/max, single mode): start-to-start lags, negative ones maximum lags."""
    rows = [_numbers(line) for line in path.read_text().splitlines() if line.strip()]
    real, renewable = rows[0][0], rows[0][1]
    count = real + 2
    arcs = []
    for row in rows[1:1 + count]:
        activity, successors_count = row[0], row[2]
        successors = row[3:3 + successors_count]
        lags = row[3 + successors_count:3 + 2 * successors_count]
        arcs += [Arc(activity, succ, lag, True) for succ, lag in zip(successors, lags, strict=True)]
    durations, demands = [0] * count, [[0] * renewable for _ in range(count)]
    for row in rows[1 + count:1 + 2 * count]:
        durations[row[0]] = row[2]
        demands[row[0]] = row[3:3 + renewable]
    capacities = rows[1 + 2 * count][:renewable]
    return Project(path.name, durations, demands, capacities, arcs)


def _links(project: Project) -> dict[int, list[Predecessor]]:
    """Per activity, its predecessor links (see the module: RCPSP/max pairs merged, lower number first)."""
    names = _names(project)
    plain: dict[int, list[Predecessor]] = {}
    windows: dict[tuple[int, int], list[float]] = {}
    for arc in project.arcs:
        if not arc.start_to_start:
            plain.setdefault(arc.after, []).append(Predecessor(operation_id=names[arc.before],
                                                               min_lag_minutes=arc.lag))
            continue
        first, second = sorted((arc.before, arc.after))
        low, high = windows.setdefault((first, second), [-math.inf, math.inf])
        if arc.before == first:  # s_second - s_first >= lag
            windows[(first, second)][0] = max(low, arc.lag)
        else:  # s_first - s_second >= lag: s_second - s_first <= -lag
            windows[(first, second)][1] = min(high, -arc.lag)
    for (first, second), (low, high) in windows.items():
        plain.setdefault(second, []).append(Predecessor(
            operation_id=names[first], relation=PrecedenceRelation.START_TO_START,
            min_lag_minutes=int(low) if low > -math.inf else -project.horizon,
            max_lag_minutes=int(high) if high < math.inf else None))
    return plain


def _names(project: Project) -> list[str]:
    return [f"a{i}" for i in range(len(project.durations))]


def to_plan_request(project: Project, time_limit: float, workers: int, seed: int = 0) -> PlanRequest:
    """The project as production plans it: one order, activities as manual work holding their resources, the
    arcs as the precedence graph, objective makespan (see the module for the two modelling artefacts)."""
    names = _names(project)
    links = _links(project)
    resources = [Resource(id=f"R{k + 1}", capacity=capacity) for k, capacity in enumerate(project.capacities)]
    resources.append(Resource(id=FREE, capacity=len(project.durations)))
    routing = []
    for i, duration in enumerate(project.durations):
        needs = [ResourceNeed(resource_id=f"R{k + 1}", quantity=q) for k, q in enumerate(project.demands[i]) if q]
        routing.append(Operation(
            id=names[i], eligible_machines=[], run_minutes_per_unit=float(duration) if duration else ZERO_RUN,
            resources=needs or [ResourceNeed(resource_id=FREE)], predecessors=links.get(i, [])))
    return project_request(project.name, routing, resources, [], project.horizon, time_limit, workers, seed)


def project_request(name: str, routing: list[Operation], resources: list[Resource], materials: list[Material],
                    horizon: int, time_limit: float, workers: int, seed: int) -> PlanRequest:
    """A project of any of the sets as production plans it: one order of one product whose routing is the
    project's activities, objective makespan (every reader of `benchmarks.plantrules` ends here)."""
    return PlanRequest(
        request_id=name,
        # The factory needs a machine; no activity uses it.
        factory=Factory(name=name, machines=[Machine(id="unused")], resources=resources, materials=materials,
                        products=[Product(id="project", routing=routing)]),
        orders=[Order(id=name, product_id="project", quantity=1, due=horizon)],
        options=PlanOptions(horizon_minutes=horizon, objective=Objective.MAKESPAN, time_limit_seconds=time_limit,
                            num_workers=workers, random_seed=seed, explain_predictions=False),
    )


def read_best_known(set_name: str, root: Path) -> dict[str, tuple[float | None, bool]]:
    """Instance file name -> (best known makespan or None when proven infeasible, proven optimal)."""
    known: dict[str, tuple[float | None, bool]] = {}
    if set_name == "rcpsp":
        table = root / "psplib-rcpsp" / "bounds" / "DERIVED_bounds_summary.csv"
        for line in table.read_text().splitlines()[1:]:
            _, instance, lower, upper, optimal, *_ = line.split(",")
            known[instance] = (float(upper), optimal == "1" or lower == upper)
    elif set_name == "rcpsp-max":
        for table in (root / "rcpsp-max").glob("*/optimum/optimum.csv"):
            for line in table.read_text().splitlines()[1:]:
                instance, value = line.split(",")
                key = f"{table.parent.parent.name}/{instance}"
                if value == "unsat":
                    known[key] = (None, True)
                elif ".." in value:
                    known[key] = (float(value.split("..")[1]), False)
                else:
                    known[key] = (float(value), True)
    return known
