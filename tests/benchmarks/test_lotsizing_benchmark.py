"""The lot-sizing benchmark's command line: --peers runs HiGHS alone on the same files and compares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.lotsizing import comparison, main

X11117A = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "lotsizing" / "trigeiro-X" / "X11117A"


def record(objective: float | None) -> dict[str, float | None]:
    return {"objective": objective}


def test_comparison_counts_cheaper_equal_and_dearer_plans() -> None:
    ours = [record(90.0), record(100.0), record(110.0), record(None)]
    alone = [record(100.0), record(100.0), record(100.0), record(50.0)]
    result = comparison(ours, alone)
    assert (result["instances_compared"], result["cheaper"], result["equal"], result["dearer"]) == (3, 1, 1, 1)
    assert result["mean_objective_ratio"] == pytest.approx(1.0)
    assert result["min_objective_ratio"] == pytest.approx(0.9)


@pytest.mark.skipif(not X11117A.exists(), reason="../shared benchmarks not found")
def test_peers_run_writes_both_solvers_and_their_comparison(tmp_path: Path) -> None:
    out = tmp_path / "lot.json"
    assert main(["--time-limit", "20", "--threads", "1", "--peers", "--json", str(out), str(X11117A)]) == 0
    document = json.loads(out.read_text())
    assert document["parameters"]["fix_and_optimize"] is True
    ours, alone = document["results"][0], document["peers"]["highs_alone"]["results"][0]
    assert ours["status"] == alone["status"] == "OPTIMAL"
    assert ours["objective"] == pytest.approx(alone["objective"], rel=1e-6)
    assert ours["checker_violations"] == alone["checker_violations"] == 0
    assert document["comparison"]["equal"] == 1
    assert document["complete"] is True
