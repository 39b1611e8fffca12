"""`python -m loadtests.report out/perf/*.json`: Markdown tables of load-run results, for docs/PERFORMANCE.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def markdown(result: dict[str, Any], title: str) -> str:
    """One run: parameters and load line, then a row per phase and RPC."""
    parameters, load = result["parameters"], result["load_average"]
    lines = [f"**{title}**: profile `{parameters['profile']}`, {parameters['users']} users, "
             f"{parameters['duration_s']:.0f} s, concurrency limit {parameters['concurrency_limit']}, server env "
             f"`{result.get('server', {}).get('environment') or {}}`; load average before {load['before']}, "
             f"after {load['after']} ({load['cores']} cores); CPU s {result.get('cpu')}", "",
             "| phase | rpc | calls | rps | p50 ms | p95 ms | p99 ms | failures | refused p99 ms | outside solver |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
    for phase, body in result["phases"].items():
        for name, rpc in body["rpcs"].items():
            codes = ", ".join(f"{code} {count}" for code, count in rpc["failures_by_code"].items()) or "0"
            solver = rpc.get("solver")
            outside = (f"{solver['outside_solver_share']:.1%} (solver p50 {solver['solver_p50_ms']} ms)"
                       if solver else "-")
            lines.append(f"| {phase} | `{name.split('.')[-1]}` | {rpc['requests']} | {rpc['rps']} | "
                         f"{_cell(rpc['p50_ms'])} | {_cell(rpc['p95_ms'])} | {_cell(rpc['p99_ms'])} | {codes} | "
                         f"{_cell(rpc.get('refused', {}).get('p99_ms'))} | {outside} |")
    if "memory_growth_pct" in result and result["memory"]:
        memory = result["memory"]
        lines += ["", f"Server RSS {memory[0]['rss_mb']} MiB at start, {memory[-1]['rss_mb']} MiB at the end "
                      f"(with solver processes {memory[0]['tree_rss_mb']} -> {memory[-1]['tree_rss_mb']} MiB); "
                      f"growth after warm-up {result['memory_growth_pct']} %."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.report", description=__doc__)
    parser.add_argument("results", type=Path, nargs="+")
    args = parser.parse_args(argv)
    for path in args.results:
        print(markdown(json.loads(path.read_text()), path.stem), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
