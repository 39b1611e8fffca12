"""Lot-sizing benchmark on published Trigeiro instances (F, G and X sets), through the planner's code path.

Usage:
    python -m benchmarks.lotsizing --time-limit 60 --threads 2 [--peers] --json out/lotsizing.json FILE...

Per instance it reports the objective (setup + holding cost), the proven bound, the status, the gap,
the model build and solve seconds, and whether the plan passed the solver-independent checker. Where a
literature optimum is known (G53, G57) it says whether the run matched it. `--peers` also solves every
instance with HiGHS alone (no fix-and-optimize thread), same limits, and reports both. Values for instances without a
published optimum are self-computed. The JSON records versions, parameters and the machine.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import format_table, machine, versions, write_json
from planner.lotsizing import LotSizingOptions, check_lot_plan, read_trigeiro, solve_lot_sizing

# Trigeiro, Thomas & McClain (1989) instances with optima published in the literature (setup + holding).
LITERATURE_OPTIMA: dict[str, float] = {"G53": 74634.0, "G57": 136509.0}
_HEADERS = ["instance", "status", "objective", "bound", "gap", "build s", "solve s", "checker", "literature"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lotsizing", description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="Trigeiro instance files (*.DAT, X*)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--threads", type=int, default=2, help="HiGHS threads (default 2)")
    parser.add_argument("--gap", type=float, default=1e-6, help="relative MIP gap tolerance (default 1e-6)")
    parser.add_argument("--formulation", choices=["facility_location", "aggregated"], default="facility_location")
    parser.add_argument("--no-fix-and-optimize", dest="fix_and_optimize", action="store_false",
                        help="HiGHS alone, without the improving thread")
    parser.add_argument("--peers", action="store_true",
                        help="also run HiGHS alone on every instance and compare (doubles the run time)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    return parser.parse_args(argv)


def run_instance(path: Path, options: LotSizingOptions) -> dict[str, Any]:
    """Solve one file and return its JSON record."""
    instance = read_trigeiro(path)
    result = solve_lot_sizing(instance, options)
    violations = check_lot_plan(instance, result)
    known = LITERATURE_OPTIMA.get(path.stem.upper())
    return {
        "instance": path.stem,
        "objective": result.objective,
        "bound": result.best_bound,
        "status": result.status.value,
        "gap": result.gap,
        "build_seconds": round(result.build_seconds, 4),
        "seconds": round(result.solve_seconds, 3),
        "checker_violations": len(violations),
        "literature_optimum": known,
        "matches_literature": None if known is None or result.objective is None
        else abs(result.objective - known) <= 1e-6 * known,
    }


def _row(record: dict[str, Any]) -> list[Any]:
    literature = "-"
    if record["literature_optimum"] is not None:
        verdict = "match" if record["matches_literature"] else "DIFFERS"
        literature = f"{record['literature_optimum']:.0f} {verdict}"
    return [record["instance"], record["status"], record["objective"], record["bound"], record["gap"],
            record["build_seconds"], record["seconds"], "ok" if record["checker_violations"] == 0 else
            f"{record['checker_violations']} violations", literature]


def summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and times over all instances."""
    seconds = [r["seconds"] for r in records]
    builds = [r["build_seconds"] for r in records]
    return {
        "instances": len(records),
        "optimal": sum(r["status"] == "OPTIMAL" for r in records),
        "feasible_not_proven": sum(r["status"] == "FEASIBLE" for r in records),
        "other": sum(r["status"] not in ("OPTIMAL", "FEASIBLE") for r in records),
        "checker_failures": sum(r["checker_violations"] > 0 for r in records),
        "max_seconds": max(seconds),
        "mean_seconds": statistics.fmean(seconds),
        "max_build_seconds": max(builds),
        "mean_build_seconds": statistics.fmean(builds),
        "build_below_solve": sum(b < s for b, s in zip(builds, seconds, strict=True)),
    }


def comparison(records: list[dict[str, Any]], peers: list[dict[str, Any]]) -> dict[str, Any]:
    """How our plans compare with HiGHS alone on the same instances (objective ratios, lower is better)."""
    pairs = [(r["objective"], p["objective"]) for r, p in zip(records, peers, strict=True)
             if r["objective"] is not None and p["objective"] is not None]
    ratios = [ours / theirs for ours, theirs in pairs]
    return {
        "instances_compared": len(pairs),
        "cheaper": sum(ours < theirs - 1e-6 * theirs for ours, theirs in pairs),
        "equal": sum(abs(ours - theirs) <= 1e-6 * theirs for ours, theirs in pairs),
        "dearer": sum(ours > theirs + 1e-6 * theirs for ours, theirs in pairs),
        "mean_objective_ratio": statistics.fmean(ratios) if ratios else None,
        "min_objective_ratio": min(ratios) if ratios else None,
        "max_objective_ratio": max(ratios) if ratios else None,
    }


def _document(records: list[dict[str, Any]], peers: list[dict[str, Any]], parameters: dict[str, Any],
              complete: bool) -> dict[str, Any]:
    document: dict[str, Any] = {"results": records, "summary": summary(records), "versions": versions(),
                                "parameters": parameters, "complete": complete}
    if peers:
        document["peers"] = {"highs_alone": {"results": peers, "summary": summary(peers)}}
        document["comparison"] = comparison(records, peers)
    return document


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    options = LotSizingOptions(time_limit_seconds=args.time_limit, threads=args.threads,
                               relative_gap=args.gap, formulation=args.formulation,
                               fix_and_optimize=args.fix_and_optimize)
    alone = options.model_copy(update={"fix_and_optimize": False})
    parameters = {"time_limit_seconds": args.time_limit, "threads": args.threads, "relative_gap": args.gap,
                  "formulation": args.formulation, "fix_and_optimize": args.fix_and_optimize,
                  "objective": "setup + holding cost", "machine": machine()}
    records: list[dict[str, Any]] = []
    peer_records: list[dict[str, Any]] = []
    for path in args.files:
        records.append(run_instance(path, options))
        print(format_table(_HEADERS, [_row(records[-1])]).splitlines()[-1], flush=True)
        if args.peers:
            peer_records.append(run_instance(path, alone))
            print("  highs alone: " + format_table(_HEADERS, [_row(peer_records[-1])]).splitlines()[-1], flush=True)
        # Written after every instance so that a long run interrupted midway still leaves its results.
        write_json(args.json, _document(records, peer_records, parameters, complete=len(records) == len(args.files)))
    print()
    print(format_table(_HEADERS, [_row(r) for r in records]))
    totals = summary(records)
    print("\nsummary: " + ", ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                                    for key, value in totals.items()))
    if peer_records:
        print("highs alone: " + ", ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                                          for key, value in summary(peer_records).items()))
        print(f"objective vs highs alone: {comparison(records, peer_records)}")
    print(f"versions: {versions()}\nparameters: {parameters}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
