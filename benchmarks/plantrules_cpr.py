"""RCPSP with consumption and production of resources (RCPSP-CPR, `.rcp`) for the plant-rule benchmark, and its
translation into a `PlanRequest`.

Format (`../shared/benchmarks/scheduling-plus/rcpsp-cpr-inventory/SOURCE.txt`, Kone et al. 2013): a first line
"n m q" (activities with the two dummies, renewable resources, storage resources), a line with the m renewable
capacities and the q initial stocks, then one line per activity: its duration, its m renewable demands, for each
storage resource its consumption (taken at the start) and production (put back at the end), its number of
successors and their numbers (1-based, end-to-start, lag 0; an arc listed twice, as in some KSD15_d files, is one
link). Objective: makespan; a storage level never negative.

As in the reference model of the published results (ScheduleOpt/optalcp-benchmarks, `rcpsp-cpr.mts`, which gave
the CP Optimizer and OptalCP values we compare with): what the dummy source and sink consume and produce is ignored
(otherwise the number of infeasible instances does not match the paper), and so is the stock use of activities of
0 duration. Both are kept here so that the best-known values apply.

A `CprProject` becomes one order of one product (`to_plan_request`), as production plans it: each activity manual
work (no machine) that holds its renewable demands for its whole run (one unit of `free` when it needs none: manual
work must hold something), consumes its storage resources as `materials` at its start and produces them as
`produces` (`planner.scheduling.rules.stock`) at its end; each storage resource a `Material` whose `on_hand` is the
initial stock; the successors end-to-start links of the precedence graph; quantity 1, so per-unit amounts are the
activity's amounts. Horizon: all durations in a row (a serial schedule in start order of any feasible schedule is
feasible: each start then sees every earlier output), as the reference model bounds every end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.plantrules_readers import FREE, ZERO_RUN, project_request
from planner.domain import (
    Material,
    MaterialOutput,
    MaterialUse,
    Operation,
    PlanRequest,
    Predecessor,
    Resource,
    ResourceNeed,
)

RESULT_FILES = ("CPO-4W.csv", "cpo-4w-2fds.csv", "Optal-4W-2FDS.csv")
"""The published runs (CP Optimizer 22.1 and OptalCP, 4 workers, 600 s) under `results-optalcp-benchmarks/`."""


@dataclass
class CprProject:
    """One RCPSP-CPR instance: activities 0..n-1 (positions; 0 and n-1 the dummies) with durations, renewable
    demands, per storage resource what each takes at its start and gives at its end, and end-to-start arcs."""

    name: str
    durations: list[int]
    demands: list[list[int]]
    capacities: list[int]
    stocks: list[int]
    """Initial level of each storage resource."""
    consumption: list[list[int]]
    production: list[list[int]]
    successors: dict[int, list[int]] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        """All durations in a row (see the module), at least 1."""
        return max(sum(self.durations), 1)

    def stock_use(self, activity: int) -> bool:
        """Whether the activity's consumption and production count (not a dummy, not of 0 duration)."""
        return 0 < activity < len(self.durations) - 1 and self.durations[activity] > 0


def read_cpr(path: Path) -> CprProject:
    """An RCPSP-CPR `.rcp` file (see the module for the format)."""
    numbers = [int(token) for token in path.read_text().split()]
    if len(numbers) < 3:
        raise ValueError(f"{path}: not an RCPSP-CPR .rcp file")
    count, renewable, storage = numbers[:3]
    capacities = numbers[3:3 + renewable]
    stocks = numbers[3 + renewable:3 + renewable + storage]
    at = 3 + renewable + storage
    durations, demands, consumption, production = [], [], [], []
    successors: dict[int, list[int]] = {}
    for activity in range(count):
        durations.append(numbers[at])
        demands.append(numbers[at + 1:at + 1 + renewable])
        pairs = numbers[at + 1 + renewable:at + 1 + renewable + 2 * storage]
        consumption.append(pairs[0::2])
        production.append(pairs[1::2])
        at += 1 + renewable + 2 * storage
        # the KSD15_d files list some arcs twice; one link each is the same precedence
        successors[activity] = list(dict.fromkeys(s - 1 for s in numbers[at + 1:at + 1 + numbers[at]]))
        at += 1 + numbers[at]
    if at != len(numbers) or any(not 0 <= s < count for ss in successors.values() for s in ss):
        raise ValueError(f"{path}: not an RCPSP-CPR .rcp file (trailing or missing numbers, or a bad successor)")
    return CprProject(path.name, durations, demands, capacities, stocks, consumption, production, successors)


def to_plan_request(project: CprProject, time_limit: float, workers: int, seed: int = 0) -> PlanRequest:
    """The project as production plans it (see the module): one order, activities as manual work that hold their
    renewable demands, take stock at their start and give stock at their end; makespan."""
    names = [f"a{i}" for i in range(len(project.durations))]
    predecessors: dict[int, list[Predecessor]] = {}
    for before, after_all in project.successors.items():
        for after in after_all:
            predecessors.setdefault(after, []).append(Predecessor(operation_id=names[before]))
    routing = []
    for i, duration in enumerate(project.durations):
        needs = [ResourceNeed(resource_id=f"R{k + 1}", quantity=q) for k, q in enumerate(project.demands[i]) if q]
        counted = project.stock_use(i)
        takes = [MaterialUse(material_id=f"S{k + 1}", quantity_per_unit=float(c))
                 for k, c in enumerate(project.consumption[i]) if c > 0 and counted]
        gives = [MaterialOutput(material_id=f"S{k + 1}", quantity_per_unit=float(p))
                 for k, p in enumerate(project.production[i]) if p > 0 and counted]
        routing.append(Operation(
            id=names[i], eligible_machines=[], run_minutes_per_unit=float(duration) if duration else ZERO_RUN,
            resources=needs or [ResourceNeed(resource_id=FREE)], predecessors=predecessors.get(i, []),
            materials=takes, produces=gives))
    resources = [Resource(id=f"R{k + 1}", capacity=c) for k, c in enumerate(project.capacities)]
    resources.append(Resource(id=FREE, capacity=len(project.durations)))
    materials = [Material(id=f"S{k + 1}", on_hand=float(s)) for k, s in enumerate(project.stocks)]
    return project_request(project.name, routing, resources, materials, project.horizon, time_limit, workers, seed)


def read_best_known(root: Path) -> dict[str, tuple[float | None, bool]]:
    """"folder/file.rcp" -> (best makespan over the published runs, proven optimal), or (None, True) when a run proved
    it infeasible. Rows are named "rcpsp-cpr_<folder>_<file stem>"."""
    folder = root / "rcpsp-cpr-inventory"
    found: dict[str, tuple[float | None, bool]] = {}
    for name in RESULT_FILES:
        for line in (folder / "results-optalcp-benchmarks" / name).read_text().splitlines()[1:]:
            model, _, status, objective, lower, *_ = line.split(";")
            key = _key_of(model, folder / "data")
            if key is None:
                continue
            best, proven = found.get(key, (None, False))
            if status == "Infeasible":
                found[key] = (None, True)
            elif status in ("Optimum", "Solution") and objective and not (best is None and proven):
                value = float(objective)
                optimal = status == "Optimum" or (bool(lower) and float(lower) == value)
                found[key] = (value, optimal or proven) if best is None or value <= best else (best, proven)
    return found


def _key_of(model: str, data: Path) -> str | None:
    """"rcpsp-cpr_Pack_d_ConsProd_ConsProd_Pack001" -> "Pack_d_ConsProd/ConsProd_Pack001.rcp" (the folders' names
    contain underscores: matched against the folders that exist)."""
    rest = model.removeprefix("rcpsp-cpr_")
    for folder in sorted((p.name for p in data.iterdir() if p.is_dir()), key=len, reverse=True):
        if rest.startswith(folder + "_"):
            return f"{folder}/{rest[len(folder) + 1:]}.rcp"
    return None
