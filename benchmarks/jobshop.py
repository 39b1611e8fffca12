"""Job-shop benchmark: published instances through `create_plan` (the CreatePlan path), checked by
the solver-independent checker, against peers solved in the same run with the same time and workers.

    python -m benchmarks.jobshop --time-limit 10 --workers 2 --peers --json out/jobshop.json \
        ../shared/benchmarks/jobshop/*/*.txt

The flexible job-shop benchmark (`benchmarks.fjsp`) runs through the same `run_benchmark`.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import format_table, machine, versions, write_json
from benchmarks.instances import ShopInstance, best_known, read_jobshop, to_plan_request
from benchmarks.peers import PeerOutcome, Placement, solve_pyjobshop, solve_textbook
from planner.checker import check_schedule
from planner.domain import PlanRequest
from planner.plan import create_plan
from planner.scheduling import tabu_kernel
from planner.solution import ScheduledOperation

Reader = Callable[[str | Path], ShopInstance]
PEERS = ("textbook-cpsat", "pyjobshop")
OURS = "ours"


def parse_args(argv: list[str] | None, description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("files", nargs="+", help="instance files; bounds.json is looked up beside them")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance and solver")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers for every solver")
    parser.add_argument("--seed", type=int, default=0,
                        help="CP-SAT random seed for every solver (ours, the textbook model, PyJobShop)")
    parser.add_argument("--peers", action="store_true", help="also solve with the textbook model and PyJobShop")
    parser.add_argument("--json", default=None, help="write the results here")
    return parser.parse_args(argv)


def _gap(makespan: float, bounds: dict[str, Any] | None) -> float | None:
    if bounds is None or not math.isfinite(makespan):
        return None
    upper = float(bounds["upper_bound"])
    return (makespan - upper) / upper


def _record(name: str, makespan: float, bound: float, status: str, seconds: float,
            bounds: dict[str, Any] | None, problems: list[str]) -> dict[str, Any]:
    return {
        "instance": name,
        "makespan": makespan if math.isfinite(makespan) else None,
        "bound": bound if math.isfinite(bound) else None,
        "status": status,
        "seconds": round(seconds, 3),
        "best_known_upper_bound": None if bounds is None else bounds["upper_bound"],
        "gap_to_best_known": _gap(makespan, bounds),
        "checker_problems": problems[:5],
        "error": f"checker found {len(problems)} problems" if problems else None,
    }


def solve_ours(instance: ShopInstance, request: PlanRequest, bounds: dict[str, Any] | None) -> dict[str, Any]:
    started = time.perf_counter()
    plan = create_plan(request)
    seconds = time.perf_counter() - started
    problems = check_schedule(request, plan.assignments) if plan.status.has_solution else []
    makespan = plan.stats.objective if plan.status.has_solution else math.nan
    return _record(instance.name, makespan, plan.stats.best_bound, str(plan.status), seconds, bounds, problems)


def _as_assignments(instance: ShopInstance, placements: list[Placement]) -> list[ScheduledOperation]:
    """A peer's schedule in the planner's terms, so the same checker judges it."""
    placed = []
    for job, index, machine_index, start in placements:
        duration = dict(instance.jobs[job][index]).get(machine_index, 0)
        placed.append(ScheduledOperation(
            order_id=f"J{job}", product_id=f"J{job}", operation_id=f"op{index}", operation_index=index,
            machine_id=f"M{machine_index}", start=start, end=start + duration, quantity=1,
        ))
    return placed


def solve_peer(peer: str, instance: ShopInstance, request: PlanRequest, args: argparse.Namespace,
               bounds: dict[str, Any] | None) -> dict[str, Any]:
    outcome: PeerOutcome
    if peer == "textbook-cpsat":
        outcome = solve_textbook(instance, args.time_limit, args.workers, args.seed)
    else:
        outcome = solve_pyjobshop(instance, args.time_limit, args.workers, args.seed)
    problems = check_schedule(request, _as_assignments(instance, outcome.placements)) if outcome.placements else []
    return _record(instance.name, outcome.makespan, outcome.bound, outcome.status, outcome.seconds, bounds, problems)


def run_benchmark(args: argparse.Namespace, reader: Reader) -> dict[str, Any]:
    """Solve every file with our planner (and the peers), returning the JSON payload."""
    # Compiled once before the clock starts, as the service's solver processes do at start-up.
    tabu_kernel.warm_up()
    load_before = os.getloadavg()
    results: list[dict[str, Any]] = []
    peers: dict[str, list[dict[str, Any]]] = {p: [] for p in PEERS} if args.peers else {}
    for file in args.files:
        instance = reader(file)
        bounds = best_known(file)
        request = to_plan_request(instance, args.time_limit, args.workers, args.seed)
        results.append(solve_ours(instance, request, bounds))
        for peer in peers:
            peers[peer].append(solve_peer(peer, instance, request, args, bounds))
        line = "  ".join(f"{n}={r[-1]['makespan']}" for n, r in [(OURS, results), *peers.items()])
        print(f"{instance.name}: best-known={bounds and bounds['upper_bound']} {line}", file=sys.stderr, flush=True)
    return {
        "results": results,
        "peers": peers,
        "versions": versions(),
        "parameters": {"time_limit_seconds": args.time_limit, "num_workers": args.workers, "seed": args.seed,
                       "peers": list(peers), "files": [str(f) for f in args.files]},
        "machine": {**machine(), "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "summary": summarize(results, peers),
    }


def _mean_gap(records: list[dict[str, Any]]) -> float | None:
    gaps = [r["gap_to_best_known"] for r in records]
    return statistics.fmean(gaps) if gaps and all(g is not None for g in gaps) else None


def summarize(results: list[dict[str, Any]], peers: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Mean gap per solver, checker errors, and our worst instance against the textbook model."""
    solvers = {OURS: results, **peers}
    summary: dict[str, Any] = {
        "mean_gap_to_best_known": {name: _mean_gap(records) for name, records in solvers.items()},
        "checker_errors": {name: sum(1 for r in records if r["error"]) for name, records in solvers.items()},
        "no_solution": {name: sum(1 for r in records if r["makespan"] is None) for name, records in solvers.items()},
    }
    if "textbook-cpsat" in peers:
        worst = max(
            ((ours["instance"], (ours["makespan"] - peer["makespan"]) / peer["makespan"])
             for ours, peer in zip(results, peers["textbook-cpsat"], strict=True)
             if ours["makespan"] is not None and peer["makespan"]),
            key=lambda item: item[1], default=None,
        )
        summary["worst_vs_textbook"] = None if worst is None else {"instance": worst[0], "relative": worst[1]}
    return summary


def report(payload: dict[str, Any]) -> str:
    """The readable table: makespan and gap to the best-known upper bound per solver, then means."""
    solvers = {OURS: payload["results"], **payload["peers"]}
    headers = ["instance", "best-known"] + [f"{n} {c}" for n in solvers for c in ("makespan", "gap %")]
    rows = []
    for i, ours in enumerate(payload["results"]):
        row: list[Any] = [ours["instance"], ours["best_known_upper_bound"]]
        for records in solvers.values():
            record = records[i]
            gap = record["gap_to_best_known"]
            row += [record["makespan"] if not record["error"] else "CHECK FAILED",
                    None if gap is None else round(100 * gap, 2)]
        rows.append(row)
    summary = payload["summary"]
    means = "  ".join(f"{n}: {'-' if g is None else f'{100 * g:.2f}%'}"
                      for n, g in summary["mean_gap_to_best_known"].items())
    lines = [format_table(headers, rows), "", f"mean gap to best-known: {means}",
             f"checker errors: {summary['checker_errors']}  no solution: {summary['no_solution']}"]
    if summary.get("worst_vs_textbook"):
        worst = summary["worst_vs_textbook"]
        lines.append(f"worst instance vs textbook: {worst['instance']} {100 * worst['relative']:+.2f}%")
    params = payload["parameters"]
    lines.append(f"time limit {params['time_limit_seconds']} s, {params['num_workers']} workers, seed "
                 f"{params['seed']}; versions {payload['versions']}; load {payload['machine']['load_average_before']}"
                 f" -> {payload['machine']['load_average_after']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None, reader: Reader = read_jobshop, description: str = __doc__ or "") -> int:
    args = parse_args(argv, description.splitlines()[0])
    payload = run_benchmark(args, reader)
    write_json(args.json, payload)
    print(report(payload))
    return 1 if any(payload["summary"]["checker_errors"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
