"""Random shop instances in the published text formats, for checking the solvers beyond the published sets.

Usage:
    python -m benchmarks.random_instances jobshop --jobs 50 --machines 20 --seed 3 OUT.txt
    python -m benchmarks.random_instances fjsp --jobs 60 --operations 10 --machines 15 --alternatives 4 \\
        --seed 6 OUT.txt

Job-shop: every job visits every machine once in a random order, durations uniform in 1-99 (Taillard's
scheme, not his generator: the files are not the ta instances). Flexible job-shop: every operation can
run on 1 to `alternatives` distinct machines, durations uniform in 1-20. Both are written so that
`benchmarks.instances.read_jobshop` / `read_fjsp` read them back. No best-known bounds exist for them:
compare solvers in the same run (`--peers`).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path


def jobshop_text(jobs: int, machines: int, seed: int) -> str:
    """`jobs x machines` job-shop: first line `jobs machines`, then `machine duration` pairs per job."""
    rng = random.Random(seed)
    lines = [f"{jobs} {machines}"]
    for _ in range(jobs):
        order = list(range(machines))
        rng.shuffle(order)
        lines.append(" ".join(f"{machine} {rng.randint(1, 99)}" for machine in order))
    return "\n".join(lines) + "\n"


def fjsp_text(jobs: int, operations: int, machines: int, alternatives: int, seed: int) -> str:
    """Brandimarte-layout flexible job-shop with machines numbered from 1."""
    rng = random.Random(seed)
    lines = [f"{jobs} {machines} {alternatives}"]
    for _ in range(jobs):
        fields = [str(operations)]
        for _ in range(operations):
            eligible = rng.sample(range(1, machines + 1), rng.randint(1, min(alternatives, machines)))
            fields.append(str(len(eligible)))
            fields += [f"{machine} {rng.randint(1, 20)}" for machine in eligible]
        lines.append(" ".join(fields))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.random_instances", description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["jobshop", "fjsp"])
    parser.add_argument("out", type=Path, help="file to write")
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--machines", type=int, required=True)
    parser.add_argument("--operations", type=int, default=10, help="operations per job (fjsp)")
    parser.add_argument("--alternatives", type=int, default=3, help="most machines per operation (fjsp)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if min(args.jobs, args.machines, args.operations, args.alternatives) < 1:
        parser.error("--jobs, --machines, --operations and --alternatives must be at least 1")
    text = (jobshop_text(args.jobs, args.machines, args.seed) if args.kind == "jobshop"
            else fjsp_text(args.jobs, args.operations, args.machines, args.alternatives, args.seed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
