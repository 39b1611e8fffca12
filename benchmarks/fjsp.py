"""Flexible job-shop benchmark (Brandimarte 1993 `.fjs` files): the same run, checks and report as
`benchmarks.jobshop`, with the flexible reader.

    python -m benchmarks.fjsp --time-limit 10 --workers 2 --peers --json out/fjsp.json \
        ../shared/benchmarks/fjsp/Brandimarte1993/*.txt
"""

from __future__ import annotations

import sys

from benchmarks.instances import read_fjsp
from benchmarks.jobshop import main as run_main


def main(argv: list[str] | None = None) -> int:
    return run_main(argv, reader=read_fjsp, description=__doc__ or "")


if __name__ == "__main__":
    sys.exit(main())
