"""The OSP reader (`benchmarks.plantrules_osp`): one use-case-1 instance through `create_plan` gives a
checker-valid plan whose cost, re-derived from its loads, is within 5 % of the best published cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.plantrules_osp import read_best_known, read_osp, solve

ROOT = Path("/work/shared/benchmarks/scheduling-plus/osp-oven-batch")
FIRST = ROOT / "instances" / "use-case-1" / "01RandomOvenSchedulingInstance-n10-k2-a2-WithInitialStates.dzn"


@pytest.mark.skipif(not FIRST.exists(), reason="shared OSP instances not available")
def test_reads_and_solves_one_instance_to_a_checked_plan_near_the_best_cost() -> None:
    instance = read_osp(FIRST)
    assert len(instance.eligible) == 10 and len(instance.max_cap) == 2
    assert instance.setup_costs == [[3, 3], [3, 1]] and instance.initial == [0, 1]
    record = solve(FIRST, time_limit=10.0, workers=1)
    assert record["checker_problems"] == 0
    best, _ = read_best_known(ROOT)[1]
    assert record["normalized_cost"] <= best * 1.05
