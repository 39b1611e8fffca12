"""Reader for the multi-skill project scheduling set (MSPSP, Young, Feydy and Schutt 2017, set 1) and its
translation into a production `PlanRequest` with operators who have skills (`planner.scheduling.rules.skills`).

Format (MiniZinc `.dzn`, `../shared/benchmarks/scheduling-plus/mspsp-multiskill/SOURCE.txt`): `nActs` activities
with durations `dur`; `sreq`, per activity and skill, how many units of the skill it needs; `mastery`, per
resource (a person) and skill, whether they master it; precedences `pred[i] -> succ[i]` (end to start, lag 0).
Each unit of a skill an activity needs is covered by a different person who masters it, and a person is on one
activity at a time; minimise the makespan. The other fields (`mint`, `USEFUL_RES`, `POTENTIAL_ACT`, `unpred`)
are derived data the reader does not need. Optimal makespans: `results/set-1/set-1a/results/*.txt`, one file per
parameter group (`instNum` is the `_NN` suffix of the instance).

A project becomes one order of one product, like the other sets (`benchmarks.plantrules_readers`): each activity
an operation on no machine (manual work) with one need by skill per skill it requires (`ResourceNeed(skill=...,
quantity=...)`), each person a `Resource` with `skills`, the precedences its precedence graph, objective makespan.
The artefacts of `plantrules_readers` apply: an activity with no skill need holds one unit of `free`, and one of
0 duration runs 1e-12 min per unit. PyJobShop reads no MSPSP format (no peer).
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.plantrules_readers import FREE, ZERO_RUN, project_request
from planner.domain import (
    Operation,
    PlanRequest,
    Predecessor,
    Resource,
    ResourceNeed,
)

RESULTS = Path("mspsp-multiskill") / "results" / "set-1" / "set-1a" / "results"


class MspspProject:
    """One MSPSP instance: activities 0..n-1, durations, skill needs, the people's skills, precedences."""

    def __init__(self, name: str, durations: list[int], needs: list[list[int]], mastery: list[list[bool]],
                 precedences: list[tuple[int, int]]) -> None:
        self.name = name
        self.durations = durations
        self.needs = needs
        """Per activity, the units of each skill it needs."""
        self.mastery = mastery
        """Per person, whether they master each skill."""
        self.precedences = precedences
        """(before, after): after starts once before has ended."""

    @property
    def horizon(self) -> int:
        """A safe horizon: every activity in a row."""
        return sum(self.durations) + 1


def _field(text: str, name: str) -> str:
    found = re.search(rf"^\s*{name}\s*=\s*(.*?);", text, re.MULTILINE | re.DOTALL)
    if found is None:
        raise ValueError(f"no field '{name}'")
    return found.group(1)


def _rows(value: str) -> list[list[str]]:
    """A 2-d array `[| a, b, | c, d, |]` as rows of tokens."""
    body = value.strip().strip("[]")
    return [[t for t in (x.strip() for x in row.split(",")) if t] for row in body.split("|") if row.strip(" \n\t,")]


def _ints(value: str) -> list[int]:
    return [int(t) for t in value.strip().strip("[]").replace("\n", " ").split(",") if t.strip()]


def read_mspsp(path: Path) -> MspspProject:
    """A `.dzn` file of the MSPSP set."""
    text = re.sub(r"%.*", "", path.read_text())
    try:
        durations = _ints(_field(text, "dur"))
        needs = [[int(t) for t in row] for row in _rows(_field(text, "sreq"))]
        mastery = [[t == "true" for t in row] for row in _rows(_field(text, "mastery"))]
        precedences = list(zip((p - 1 for p in _ints(_field(text, "pred"))),
                               (s - 1 for s in _ints(_field(text, "succ"))), strict=True))
    except ValueError as bad:
        raise ValueError(f"{path}: not an MSPSP .dzn file ({bad})") from bad
    skills = int(_field(text, "nSkills"))
    if len(needs) != len(durations) or any(len(row) != skills for row in needs + mastery):
        raise ValueError(f"{path}: sreq / mastery do not match nActs and nSkills")
    return MspspProject(path.name, durations, needs, mastery, precedences)


def skill_name(index: int) -> str:
    return f"S{index + 1}"


def to_plan_request(project: MspspProject, time_limit: float, workers: int, seed: int = 0) -> PlanRequest:
    """The project as production plans it (see the module)."""
    names = [f"a{i}" for i in range(len(project.durations))]
    people = [Resource(id=f"W{p + 1}", skills=[skill_name(k) for k, has in enumerate(row) if has])
              for p, row in enumerate(project.mastery)]
    links: dict[int, list[Predecessor]] = {}
    for before, after in project.precedences:
        links.setdefault(after, []).append(Predecessor(operation_id=names[before]))
    routing = []
    for i, duration in enumerate(project.durations):
        needs = [ResourceNeed(skill=skill_name(k), quantity=q) for k, q in enumerate(project.needs[i]) if q]
        routing.append(Operation(
            id=names[i], eligible_machines=[], run_minutes_per_unit=float(duration) if duration else ZERO_RUN,
            resources=needs or [ResourceNeed(resource_id=FREE)], predecessors=links.get(i, [])))
    resources = [*people, Resource(id=FREE, capacity=len(project.durations))]
    return project_request(project.name, routing, resources, [], project.horizon, time_limit, workers, seed)


def read_optima(root: Path) -> dict[str, tuple[float | None, bool]]:
    """Instance file name -> (best makespan found by Young et al., proven optimal), from the results files
    under the scheduling-plus folder `root`."""
    known: dict[str, tuple[float | None, bool]] = {}
    for table in sorted((root / RESULTS).glob("results_*_pris.txt")):
        group = table.name.removeprefix("results_").removesuffix("_pris.txt")
        for line in table.read_text().splitlines()[1:]:
            number, optimal, _, makespan, *_ = line.split(",")
            known[f"inst_{group}_{int(number):02d}.dzn"] = (float(makespan), optimal == "1")
    return known
