"""`python -m loadtests.spy_summary PROFILE.txt`: where a py-spy raw profile of the server spent its samples.

Reads the collapsed stacks `py-spy record --format raw --subprocesses` writes (what `loadtests.run
--py-spy out/profile.txt` records) and prints, per process role (the server's main process, the solver
workers), the project functions (service/, planner/, forecaster/) with the share of that role's samples
in which they appear (inclusive time), largest first.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from benchmarks.common import format_table

PROJECT = re.compile(r"^(?P<function>[^ ]+) \((?P<file>(?:service|planner|forecaster)/[^:]+):\d+\)$")


def role(stack: list[str]) -> str:
    """'server' for the main process, 'solver worker' for a process below the forkserver."""
    processes = [frame for frame in stack if frame.startswith("process ")]
    return "solver worker" if len(processes) > 1 else "server"


def summarise(lines: list[str]) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """Samples per role, and per role the samples in which each project function appears."""
    totals: Counter[str] = Counter()
    functions: dict[str, Counter[str]] = {}
    for line in lines:
        stack_text, _, count_text = line.rstrip().rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        stack, count = stack_text.split(";"), int(count_text)
        owner = role(stack)
        totals[owner] += count
        seen = {f"{m['file']}:{m['function']}" for frame in stack if (m := PROJECT.match(frame))}
        for name in seen:
            functions.setdefault(owner, Counter())[name] += count
    return totals, functions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.spy_summary", description=__doc__)
    parser.add_argument("profile", type=Path, help="raw collapsed stacks from py-spy")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    totals, functions = summarise(args.profile.read_text().splitlines())
    for owner, total in totals.most_common():
        rows = [[name, count, f"{count / total:.1%}"] for name, count in functions.get(owner, Counter()).most_common(
            args.top)]
        print(f"\n{owner}: {total} samples")
        print(format_table(["function (inclusive)", "samples", "share"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
