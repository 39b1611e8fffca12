"""Plant-rule benchmark: published project-scheduling instances through `create_plan` (the CreatePlan path),
checked by the solver-independent checker, against PyJobShop solved in the same run with the same time and workers.

    python -m benchmarks.plantrules rcpsp --time-limit 5 --workers 2 --peers --json docs/results/plantrules_rcpsp.json \
        ../shared/benchmarks/scheduling-plus/psplib-rcpsp/j30/*.sm
    python -m benchmarks.plantrules rcpsp-max --time-limit 5 --workers 2 --peers \
        ../shared/benchmarks/scheduling-plus/rcpsp-max/sm_j10/*.SCH

Sets read today: `rcpsp` (PSPLIB `.sm`) and `rcpsp-max` (ProGen/max `.SCH`); each instance becomes one order whose
activities are manual work holding their resources, linked by the precedence graph (`benchmarks.plantrules_readers`).
`mrcpsp` (PSPLIB `.mm`, `benchmarks.plantrules_mrcpsp`: activities with operation modes) is read too, `mspsp`
(MSPSP `.dzn`, `benchmarks.plantrules_mspsp`: needs by skill staffed by people with skills; no peer), and `cpr`
(RCPSP-CPR `.rcp`, `benchmarks.plantrules_cpr`: stock consumed at starts and produced at ends, best known from the
published CP Optimizer / OptalCP runs; no peer), and `osp` (OSP use case 1 `.dzn`, `benchmarks.plantrules_osp`: ovens
as batch machines with recipe windows, changeovers and the BATCH_COST objective; its own runner and cost; no peer).
Best-known values come from the set's bounds tables (found from the first file's path: the folder that holds
`psplib-rcpsp/` and `rcpsp-max/`). Per instance: objective (makespan), bound, status, seconds, gap to the best
known; summary per solver: mean gap, optimal / feasible / proven-infeasible / unsolved counts, versions, parameters.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import format_table, machine, versions, write_json
from benchmarks.plantrules_cpr import CprProject, read_cpr
from benchmarks.plantrules_cpr import read_best_known as cpr_best_known
from benchmarks.plantrules_cpr import to_plan_request as cpr_request
from benchmarks.plantrules_mrcpsp import MrcpspProject, read_mrcpsp
from benchmarks.plantrules_mrcpsp import read_optima as mrcpsp_optima
from benchmarks.plantrules_mrcpsp import to_plan_request as mrcpsp_request
from benchmarks.plantrules_mspsp import MspspProject, read_mspsp, read_optima
from benchmarks.plantrules_mspsp import to_plan_request as mspsp_request
from benchmarks.plantrules_osp import main as osp_main
from benchmarks.plantrules_readers import Project, read_best_known, read_psplib, read_rcpsp_max, to_plan_request
from planner.checker import check_plan
from planner.plan import create_plan
from planner.scheduling import project_search
from planner.validation import InvalidPlanRequest

READERS: dict[str, tuple[Callable[[Path], Project | MspspProject | MrcpspProject | CprProject], str]] = {
    "rcpsp": (read_psplib, "psplib"),
    "mrcpsp": (read_mrcpsp, "psplib"),  # `benchmarks.plantrules_mrcpsp`: activities with operation modes
    "rcpsp-max": (read_rcpsp_max, "rcpsp_max"),
    "mspsp": (read_mspsp, ""),  # `benchmarks.plantrules_mspsp`; PyJobShop has no MSPSP reader: no peer
    "cpr": (read_cpr, ""),  # `benchmarks.plantrules_cpr`; PyJobShop cannot model stock produced: no peer
}
"""Set -> (our reader, PyJobShop's instance format; empty: no peer)."""
OWN_RUNNER = ("osp",)
"""Sets with a runner of their own (their cost is not a makespan)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", choices=[*READERS, *OWN_RUNNER], help="instance set (format)")
    parser.add_argument("files", nargs="+", help="instance files")
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds per instance and solver")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers for every solver")
    parser.add_argument("--seed", type=int, default=0, help="CP-SAT random seed")
    parser.add_argument("--peers", action="store_true", help="also solve with PyJobShop (OR-Tools backend)")
    parser.add_argument("--json", default=None, help="write the results here")
    return parser.parse_args(argv)


def _key(set_name: str, path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if set_name in ("rcpsp-max", "cpr") else path.name


def _root(path: Path) -> Path:
    """The scheduling-plus folder above an instance file."""
    for parent in path.resolve().parents:
        if (parent / "psplib-rcpsp").is_dir() or (parent / "rcpsp-max").is_dir():
            return parent
    raise SystemExit(f"{path}: not under a folder with psplib-rcpsp/ or rcpsp-max/ (for the best-known values)")


def _gap(objective: float | None, best: float | None) -> float | None:
    if objective is None or best is None or best <= 0:
        return None
    return (objective - best) / best


def solve_ours(project: Project | MspspProject | MrcpspProject | CprProject, time_limit: float, workers: int,
               seed: int) -> dict[str, Any]:
    """One instance through `create_plan`, its plan checked by the solver-independent checker. An activity that
    needs more of a resource than there is makes the request invalid input in production (INVALID_ARGUMENT);
    here it counts as decided infeasible, `decided_by` "validation"."""
    request = (mspsp_request(project, time_limit, workers, seed) if isinstance(project, MspspProject)
               else mrcpsp_request(project, time_limit, workers, seed) if isinstance(project, MrcpspProject)
               else cpr_request(project, time_limit, workers, seed) if isinstance(project, CprProject)
               else to_plan_request(project, time_limit, workers, seed))
    began = time.perf_counter()
    try:
        plan = create_plan(request)
    except InvalidPlanRequest as invalid:
        return {"status": "INFEASIBLE", "objective": None, "bound": None, "decided_by": "validation",
                "seconds": round(time.perf_counter() - began, 3), "checker_problems": 0, "notes": str(invalid)[:200]}
    seconds = time.perf_counter() - began
    solved = plan.status.has_solution
    problems = check_plan(request, plan) if solved else []
    return {
        "status": plan.status.value,
        "objective": plan.stats.objective if solved else None,
        "bound": plan.stats.best_bound if solved and math.isfinite(plan.stats.best_bound) else None,
        "seconds": round(seconds, 3),
        "decided_by": "solver",
        "checker_problems": len(problems),
        "notes": plan.stats.notes or "; ".join(plan.infeasibility_reasons)[:200],
    }


def solve_peer(path: Path, instance_format: str, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """The same file read and solved by PyJobShop (its OR-Tools CP-SAT backend). PyJobShop refuses an instance
    whose activity needs more than a resource has (a ValueError when reading): decided infeasible, `decided_by`
    "validation", as for ours."""
    import pyjobshop  # optional peer: imported only with --peers

    began = time.perf_counter()
    try:
        data = pyjobshop.read(path, instance_format=instance_format)
    except ValueError as refused:
        return {"status": "INFEASIBLE", "objective": None, "bound": None, "decided_by": "validation",
                "seconds": round(time.perf_counter() - began, 3), "notes": str(refused)[:200]}
    began = time.perf_counter()
    result = pyjobshop.solve(data, solver="ortools", time_limit=time_limit, num_workers=workers,
                             display=False, random_seed=seed)
    seconds = time.perf_counter() - began
    status = result.status.name
    solved = status in ("OPTIMAL", "FEASIBLE")
    return {
        "status": status,
        "objective": float(result.objective) if solved else None,
        "bound": float(result.lower_bound) if solved and math.isfinite(result.lower_bound) else None,
        "decided_by": "solver",
        "seconds": round(seconds, 3),
    }


def _summary(records: list[dict[str, Any]], solver: str) -> dict[str, Any]:
    runs = [(r, r[solver]) for r in records if solver in r]
    gaps = [g for r, run in runs if (g := _gap(run["objective"], r["best_known"])) is not None]
    proven_infeasible = sum(run["status"] == "INFEASIBLE" for _, run in runs)
    return {
        "instances": len(runs),
        "mean_gap_to_best_known": statistics.fmean(gaps) if gaps else None,
        "gap_instances": len(gaps),
        "optimal": sum(run["status"] == "OPTIMAL" for _, run in runs),
        "feasible": sum(run["status"] == "FEASIBLE" for _, run in runs),
        "proven_infeasible": proven_infeasible,
        "unsolved": sum(run["status"] not in ("OPTIMAL", "FEASIBLE", "INFEASIBLE") for _, run in runs),
        "wrong_infeasible": sum(run["status"] == "INFEASIBLE" and r["best_known"] is not None for r, run in runs),
        "mean_seconds": statistics.fmean(run["seconds"] for _, run in runs) if runs else None,
    }


def _common_gaps(records: list[dict[str, Any]]) -> dict[str, float | None]:
    """Mean gaps over the instances both solvers solved (a fair comparison when one leaves some unsolved)."""
    both = [r for r in records if "pyjobshop" in r and r["ours"]["objective"] is not None
            and r["pyjobshop"]["objective"] is not None and r["best_known"]]
    return {solver: statistics.fmean(_gap(r[solver]["objective"], r["best_known"]) or 0.0 for r in both)
            if both else None for solver in ("ours", "pyjobshop")} | {"instances": float(len(both))}


def run(args: argparse.Namespace) -> dict[str, Any]:
    reader, peer_format = READERS[args.set]
    paths = [Path(f) for f in args.files]
    known = (read_optima(_root(paths[0])) if args.set == "mspsp" else mrcpsp_optima(_root(paths[0]))
             if args.set == "mrcpsp" else cpr_best_known(_root(paths[0])) if args.set == "cpr"
             else read_best_known(args.set, _root(paths[0])))
    records = []
    load_before = os.getloadavg()
    for path in paths:
        key = _key(args.set, path)
        best, proven = known.get(key, (None, False))
        record: dict[str, Any] = {"instance": key, "best_known": best, "best_known_optimal": proven,
                                  "known_infeasible": key in known and best is None}
        record["ours"] = solve_ours(reader(path), args.time_limit, args.workers, args.seed)
        if args.peers and peer_format:
            record["pyjobshop"] = solve_peer(path, peer_format, args.time_limit, args.workers, args.seed)
        records.append(record)
        logging.getLogger(__name__).info("%s: %s", key, record)
    summary = {"ours": _summary(records, "ours")}
    if args.peers and peer_format:
        summary["pyjobshop"] = _summary(records, "pyjobshop")
        summary["common"] = _common_gaps(records)
    return {
        "benchmark": f"plantrules {args.set}",
        "path": "planner.plan.create_plan (activities as manual work holding resources, arcs as the precedence graph)",
        "parameters": {"time_limit_seconds": args.time_limit, "workers": args.workers, "seed": args.seed,
                       "peers": args.peers, "files": len(paths)},
        "versions": versions(("pyjobshop", "psplib")),
        "machine": machine(),
        # The machine is shared: the 1/5/15-min load averages before the first and after the last instance.
        "load_average": {"start": [round(x, 2) for x in load_before], "end": [round(x, 2) for x in os.getloadavg()]},
        "summary": summary,
        "instances": records,
    }


def _print(result: dict[str, Any]) -> None:
    solvers = [s for s in ("ours", "pyjobshop") if s in result["summary"]]
    rows = [[r["instance"], r["best_known"], *(value for s in solvers for value in
                                               (r[s]["status"], r[s]["objective"], r[s]["seconds"]))]
            for r in result["instances"]]
    headers = ["instance", "best", *(f"{s} {c}" for s in solvers for c in ("status", "makespan", "s"))]
    print(format_table(headers, rows))
    for solver in solvers:
        print(solver, result["summary"][solver])
    if "common" in result["summary"]:
        print("mean gap on instances both solved:", result["summary"]["common"])
    print("versions:", result["versions"], "parameters:", result["parameters"], "load:", result["load_average"])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.set == "osp":  # its own runner and cost (`benchmarks.plantrules_osp`); PyJobShop has no batching: no peer
        return osp_main([*args.files, "--time-limit", str(args.time_limit), "--workers", str(args.workers),
                         "--seed", str(args.seed), *(["--json", args.json] if args.json else [])])
    project_search.warm_up()  # compiled before the first instance's time limit, as the solver pool does
    result = run(args)
    _print(result)
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
