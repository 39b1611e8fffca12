"""Reader for the oven scheduling problem (OSP, Lackner et al., CP 2021; use case 1) and its translation into a
production `PlanRequest` with batch machines (`scheduling.rules.batching`, `planner.scheduling.rules.oven_rules`).

Format (MiniZinc `.dzn`, `../shared/benchmarks/scheduling-plus/osp-oven-batch/SOURCE.txt`): horizon `l`; `a`
attributes (recipes); `setup_costs` / `setup_times`, a x a rows (from, to) then a row of zeros the reader drops;
`m` ovens with `min_cap`, `max_cap`, `initState` (attribute before plan start) and availability intervals
`m_a_s` / `m_a_e` (`s` per oven, possibly empty or overlapping); `n` jobs with eligible ovens, `earliest_start`,
`latest_end` (due), `min_time` / `max_time` (processing window), `size` and `attribute`; the objective's
weights `mult_factor_*` and `upper_bound_integer_objective`, the normalisation: published costs are
integer objective / upper bound.

Translation: an oven is a batch machine (capacity `max_cap`, minimum fill `min_cap`), one recipe per attribute,
its changeover matrix and initial recipe; the time outside its availability intervals becomes maintenance
windows; a job is an order of one unit of its own product, whose one operation carries the recipe, the load per
unit (`size`) and the window; objective BATCH_COST with the instance's weights (a changeover costs
`mult_factor_total_setupcosts` x its cost + `mult_factor_total_setuptimes` x its minutes). PyJobShop has no batch
resource (its issue #314): no peer.

`python -m benchmarks.plantrules_osp --time-limit S --workers W --json OUT FILE...` solves through `create_plan`
(which gives such oven shops the constructive start and window search of `planner.scheduling.oven_lns`),
checks each plan with the solver-independent checker, and reports the normalised cost, its gap to the best
published cost (`results/DERIVED_best_known.csv`), feasible count and mean gap.
"""

from __future__ import annotations

import argparse
import csv
import logging
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import machine, versions, write_json
from planner.checker import check_plan
from planner.domain import (
    BatchRecipe,
    EligibleMachine,
    Factory,
    Machine,
    Objective,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    Product,
    RecipeChangeover,
    TimeWindow,
)
from planner.plan import create_plan
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.oven_rules import cost_of


@dataclass
class OspInstance:
    """One OSP instance, 0-based (attributes, ovens and jobs)."""

    name: str
    horizon: int
    setup_costs: list[list[int]]
    setup_times: list[list[int]]
    min_cap: list[int]
    max_cap: list[int]
    initial: list[int]
    shifts: list[list[tuple[int, int]]]
    eligible: list[list[int]]
    release: list[int]
    due: list[int]
    min_time: list[int]
    max_time: list[int]
    size: list[int]
    attribute: list[int]
    weights: dict[str, int]
    upper_bound: int


def _field(text: str, name: str) -> str:
    found = re.search(rf"^\s*{name}\s*=\s*(.*?);", text, re.MULTILINE | re.DOTALL)
    if found is None:
        raise ValueError(f"no field '{name}'")
    return found.group(1)


def _ints(value: str) -> list[int]:
    return [int(t) for t in re.findall(r"-?\d+", value)]


def _matrix(value: str, columns: int) -> list[list[int]]:
    numbers = _ints(value)
    return [numbers[r * columns:(r + 1) * columns] for r in range(len(numbers) // columns)]


def read_osp(path: Path) -> OspInstance:
    """A `.dzn` file of the OSP sets."""
    text = path.read_text()
    attributes, ovens, jobs = int(_field(text, "a")), int(_field(text, "m")), int(_field(text, "n"))
    starts = _matrix(_field(text, "m_a_s"), int(_field(text, "s")))
    ends = _matrix(_field(text, "m_a_e"), int(_field(text, "s")))
    eligible = [[int(x) - 1 for x in re.findall(r"\d+", group)]
                for group in re.findall(r"\{([^}]*)\}", _field(text, "eligible_machine"))]
    weights = {key: int(_field(text, f"mult_factor_{key}")) for key in
               ("total_runtime", "finished_toolate", "total_setuptimes", "total_setupcosts")}
    instance = OspInstance(
        name=path.name, horizon=int(_field(text, "l")),
        setup_costs=_matrix(_field(text, "setup_costs"), attributes)[:attributes],
        setup_times=_matrix(_field(text, "setup_times"), attributes)[:attributes],
        min_cap=_ints(_field(text, "min_cap")), max_cap=_ints(_field(text, "max_cap")),
        initial=[x - 1 for x in _ints(_field(text, "initState"))],
        shifts=[list(zip(s, e, strict=True)) for s, e in zip(starts, ends, strict=True)],
        eligible=eligible, release=_ints(_field(text, "earliest_start")), due=_ints(_field(text, "latest_end")),
        min_time=_ints(_field(text, "min_time")), max_time=_ints(_field(text, "max_time")),
        size=_ints(_field(text, "size")), attribute=[x - 1 for x in _ints(_field(text, "attribute"))],
        weights=weights, upper_bound=int(_field(text, "upper_bound_integer_objective")),
    )
    if len(instance.eligible) != jobs or len(instance.max_cap) != ovens:
        raise ValueError(f"{path}: {len(instance.eligible)} jobs / {len(instance.max_cap)} ovens, expected "
                         f"{jobs} / {ovens}")
    return instance


def _downtime(shifts: list[tuple[int, int]], horizon: int) -> list[TimeWindow]:
    """The time of [0, horizon) outside the union of the availability intervals."""
    windows, covered = [], 0
    for start, end in sorted((s, e) for s, e in shifts if e > s):
        if start > covered:
            windows.append(TimeWindow(start=covered, end=start, reason="oven not available"))
        covered = max(covered, end)
    if covered < horizon:
        windows.append(TimeWindow(start=covered, end=horizon, reason="oven not available"))
    return windows


def _recipe(attribute: int) -> str:
    return f"A{attribute + 1}"


def to_plan_request(instance: OspInstance, time_limit: float, workers: int, seed: int = 0) -> PlanRequest:
    """The instance as a plan request with batch machines and objective BATCH_COST."""
    attributes = range(len(instance.setup_costs))
    weights = instance.weights
    changeovers = [RecipeChangeover(
        from_recipe=_recipe(a), to_recipe=_recipe(b), minutes=instance.setup_times[a][b],
        cost=weights["total_setupcosts"] * instance.setup_costs[a][b]
        + weights["total_setuptimes"] * instance.setup_times[a][b])
        for a in attributes for b in attributes if instance.setup_times[a][b] or instance.setup_costs[a][b]]
    machines = [Machine(
        id=f"oven-{m + 1}", batch_capacity=float(max(capacity, 1)), batch_min_load=float(instance.min_cap[m]),
        recipes=[BatchRecipe(id=_recipe(a), cycle_minutes=1) for a in attributes],
        recipe_changeovers=changeovers, initial_recipe=_recipe(instance.initial[m]),
        maintenance_windows=_downtime(instance.shifts[m], instance.horizon))
        for m, capacity in enumerate(instance.max_cap)]
    products = [Product(id=f"job-{j + 1}", routing=[Operation(
        id="oven", eligible_machines=[EligibleMachine(machine_id=f"oven-{m + 1}") for m in instance.eligible[j]],
        recipe=_recipe(instance.attribute[j]), batch_load_per_unit=float(instance.size[j]),
        batch_min_minutes=instance.min_time[j], batch_max_minutes=instance.max_time[j])])
        for j in range(len(instance.eligible))]
    orders = [Order(id=f"job-{j + 1}", product_id=f"job-{j + 1}", quantity=1, release=instance.release[j],
                    due=instance.due[j]) for j in range(len(instance.eligible))]
    return PlanRequest(
        request_id=instance.name, factory=Factory(name="osp", machines=machines, products=products),
        orders=orders, options=PlanOptions(
            horizon_minutes=instance.horizon, objective=Objective.BATCH_COST, time_limit_seconds=time_limit,
            num_workers=workers, random_seed=seed, explain_predictions=False,
            batch_run_cost_per_minute=weights["total_runtime"], late_order_cost=weights["finished_toolate"]))


def read_best_known(root: Path) -> dict[int, tuple[float, bool]]:
    """Use case 1: instance number -> (best published normalised cost, proven optimal)."""
    best = {}
    with (root / "results" / "DERIVED_best_known.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["use_case"] == "1":
                best[int(row["instance_number"])] = (float(row["best_normalized_cost"]), row["proven_optimal"] == "1")
    return best


def solve(path: Path, time_limit: float, workers: int, seed: int = 0) -> dict[str, Any]:
    """One instance through `create_plan`; its cost re-derived from the plan's loads, the plan checked."""
    instance = read_osp(path)
    request = to_plan_request(instance, time_limit, workers, seed)
    began = time.perf_counter()
    plan = create_plan(request)
    seconds = time.perf_counter() - began
    record: dict[str, Any] = {"status": plan.status.value, "seconds": round(seconds, 3), "cost": None,
                              "normalized_cost": None, "checker_problems": 0}
    if plan.status.has_solution:
        ends: dict[str, int] = {}
        for placed in plan.assignments:
            ends[placed.order_id] = max(ends.get(placed.order_id, 0), placed.end)
        cost = cost_of(request, loads_of(request, plan.assignments), ends)
        problems = check_plan(request, plan)
        record |= {"cost": cost.total, "normalized_cost": cost.total / instance.upper_bound,
                   "run_minutes": cost.run_minutes, "late_orders": cost.late_orders,
                   "changeover_cost": cost.changeover_cost, "checker_problems": len(problems),
                   "first_problem": problems[0] if problems else ""}
    return record


def run(files: list[str], time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    paths = [Path(f) for f in files]
    root = next((p for p in paths[0].resolve().parents if (p / "results" / "DERIVED_best_known.csv").is_file()), None)
    if root is None:
        raise ValueError(f"{paths[0]} is not in an OSP set folder (none above it holds results/DERIVED_best_known.csv)")
    known = read_best_known(root)
    records = []
    for path in paths:
        number = int(re.match(r"\d+", path.name).group(0)) if re.match(r"\d+", path.name) else -1  # type: ignore[union-attr]
        best, proven = known.get(number, (None, False))
        record: dict[str, Any] = {"instance": path.name, "best_known": best, "best_known_optimal": proven,
                  "ours": solve(path, time_limit, workers, seed)}
        ours = record["ours"]
        valid = ours["normalized_cost"] is not None and not ours["checker_problems"]
        record["gap"] = ((ours["normalized_cost"] - best) / best if valid and best else None)
        records.append(record)
        logging.getLogger(__name__).info("%s: %s", path.name, record)
    feasible = [r for r in records if r["gap"] is not None]
    return {
        "benchmark": "plantrules osp (use case 1)",
        "path": "planner.plan.create_plan (ovens as batch machines, jobs as one-unit orders, objective BATCH_COST)",
        "parameters": {"time_limit_seconds": time_limit, "workers": workers, "seed": seed, "files": len(paths)},
        "versions": versions(()),
        "machine": machine(),
        "summary": {"instances": len(records), "feasible_checked": len(feasible),
                    "mean_gap": statistics.fmean(r["gap"] for r in feasible) if feasible else None,
                    "max_gap": max((r["gap"] for r in feasible), default=None)},
        "instances": records,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="OSP .dzn instance files")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per instance")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument("--seed", type=int, default=0, help="CP-SAT random seed")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args(argv)
    try:
        result = run(args.files, args.time_limit, args.workers, args.seed)
    except (OSError, ValueError) as problem:
        print(f"cannot run the OSP set: {problem}", file=sys.stderr)
        return 2
    for record in result["instances"]:
        ours = record["ours"]
        print(record["instance"], ours["status"], ours["normalized_cost"], record["best_known"], record["gap"],
              ours["checker_problems"], ours["seconds"])
    print(result["summary"])
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
