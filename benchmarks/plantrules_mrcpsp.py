"""Multi-mode RCPSP (PSPLIB `.mm`, j10-j20) for the plant-rule benchmark, and its translation into a `PlanRequest`.

Format (`../shared/benchmarks/scheduling-plus/psplib-mrcpsp/SOURCE.txt`): like the single-mode `.sm`, with the
number of modes per job in PRECEDENCE RELATIONS, one REQUESTS/DURATIONS row per (job, mode) (the job number only on
its first mode's row) with the duration, the renewable demands (R) and the non-renewable ones (N), and
RESOURCEAVAILABILITIES with the renewable capacities and the non-renewable budgets for the whole project.

An `MrcpspProject` becomes one order of one product (`to_plan_request`), as production plans it: each activity an
operation whose `modes` (`planner.scheduling.rules.modes`) are the activity's modes, each manual work (no machine) that
holds its renewable demands for its whole run and consumes its non-renewable demands as materials (budget = on-hand
stock at plan start, no receipts) at its start; the arcs end-to-start links of the precedence graph (lag 0);
objective makespan. As in `benchmarks.plantrules_readers`, a mode that needs no renewable resource holds one unit of
`free` (one unit per activity: never short), because manual work must hold something. A mode that needs more of a
renewable resource than there is can never run; it is left out (an activity left with none makes the instance
infeasible: production would reject the request, the benchmark counts it as decided at validation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.plantrules_readers import FREE, _numbers, project_request
from planner.domain import (
    Material,
    MaterialUse,
    Operation,
    OperationMode,
    PlanRequest,
    Predecessor,
    Resource,
    ResourceNeed,
)


@dataclass(frozen=True)
class ActivityMode:
    """One mode of an activity: its duration and its demands of the renewable and non-renewable resources."""

    duration: int
    renewable: tuple[int, ...]
    nonrenewable: tuple[int, ...]


@dataclass
class MrcpspProject:
    """A multi-mode project: activities 0..n-1 (positions) with their modes, end-to-start arcs, capacities, budgets."""

    name: str
    modes: list[list[ActivityMode]]
    capacities: list[int]
    budgets: list[int]
    successors: dict[int, list[int]] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        """A safe horizon: every activity in its longest mode, one after the other."""
        return sum(max(m.duration for m in modes) for modes in self.modes) + 1


def read_mrcpsp(path: Path) -> MrcpspProject:
    """A PSPLIB `.mm` file (multi-mode)."""
    section, renewable, nonrenewable = "", 0, 0
    successors: dict[int, list[int]] = {}
    modes: dict[int, list[ActivityMode]] = {}
    counts: dict[int, int] = {}
    capacities: list[int] = []
    job = 0
    count = 0
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith(("- renewable", "- nonrenewable")):
            count = int(stripped.split(":")[1].split()[0])
            renewable, nonrenewable = (count, nonrenewable) if "- renewable" in stripped else (renewable, count)
        if stripped.startswith(("PRECEDENCE RELATIONS", "REQUESTS/DURATIONS", "RESOURCEAVAILABILITIES")):
            section = stripped.split()[0].rstrip(":")
            continue
        if not stripped or not stripped[0].isdigit():
            continue
        values = _numbers(stripped)
        if section == "PRECEDENCE":
            counts[values[0]] = values[1]
            successors[values[0]] = values[3:3 + values[2]]
        elif section == "REQUESTS/DURATIONS":
            if len(values) == 3 + renewable + nonrenewable:  # a job's first mode row names the job
                job, values = values[0], values[1:]
            _, duration, *demands = values
            modes.setdefault(job, []).append(ActivityMode(duration, tuple(demands[:renewable]),
                                                          tuple(demands[renewable:])))
        elif section == "RESOURCEAVAILABILITIES":
            capacities = values
            section = ""
    ids = sorted(modes)
    if not ids or not capacities or sorted(successors) != ids or any(len(modes[j]) != counts[j] for j in ids):
        raise ValueError(f"{path}: not a PSPLIB multi-mode .mm file")
    position = {job_id: i for i, job_id in enumerate(ids)}
    return MrcpspProject(path.name, [modes[j] for j in ids], capacities[:renewable], capacities[renewable:],
                         {position[j]: [position[s] for s in successors[j]] for j in ids})


def _mode(index: int, mode: ActivityMode) -> OperationMode:
    needs = [ResourceNeed(resource_id=f"R{k + 1}", quantity=q) for k, q in enumerate(mode.renewable) if q]
    uses = [MaterialUse(material_id=f"N{k + 1}", quantity_per_unit=float(q)) for k, q in enumerate(mode.nonrenewable)
            if q]
    # Quantity 1: the mode lasts ceil(1 x run time) = its duration; 0 is allowed for a mode.
    return OperationMode(id=f"m{index + 1}", run_minutes_per_unit=float(mode.duration),
                         resources=needs or [ResourceNeed(resource_id=FREE)], materials=uses)


def to_plan_request(project: MrcpspProject, time_limit: float, workers: int, seed: int = 0) -> PlanRequest:
    """The project as production plans it (see the module): one order, activities with modes, makespan."""
    names = [f"a{i}" for i in range(len(project.modes))]
    predecessors: dict[int, list[Predecessor]] = {}
    for before, after_all in project.successors.items():
        for after in after_all:
            predecessors.setdefault(after, []).append(Predecessor(operation_id=names[before]))
    routing = []
    for i, modes in enumerate(project.modes):
        runnable = [_mode(k, m) for k, m in enumerate(modes)
                    if all(q <= c for q, c in zip(m.renewable, project.capacities, strict=True))]
        # An activity with no runnable mode keeps its first one: validation then says why (decided infeasible).
        routing.append(Operation(id=names[i], eligible_machines=[], modes=runnable or [_mode(0, modes[0])],
                                 predecessors=predecessors.get(i, [])))
    resources = [Resource(id=f"R{k + 1}", capacity=c) for k, c in enumerate(project.capacities)]
    resources.append(Resource(id=FREE, capacity=len(project.modes)))
    materials = [Material(id=f"N{k + 1}", on_hand=float(b)) for k, b in enumerate(project.budgets)]
    return project_request(project.name, routing, resources, materials, project.horizon, time_limit, workers, seed)


def read_optima(root: Path) -> dict[str, tuple[float | None, bool]]:
    """Instance file name -> (optimal makespan, True) from the set's bounds table (every j10-j20 instance there has a
    proven optimum; PSPLIB ships no file for its infeasible ones)."""
    table = root / "psplib-mrcpsp" / "bounds" / "DERIVED_bounds_summary.csv"
    known: dict[str, tuple[float | None, bool]] = {}
    for line in table.read_text().splitlines()[1:]:
        _, instance, lower, upper, optimal, *_ = line.split(",")
        if upper:
            known[instance] = (float(upper), optimal == "1" or lower == upper)
    return known
