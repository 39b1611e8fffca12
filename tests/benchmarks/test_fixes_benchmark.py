"""The fixes benchmark is fair: the plan made and every re-solve from scratch get the same main solve time, and
its summary counts what it says."""

from __future__ import annotations

import pytest

from benchmarks import fixes as bench
from planner.domain import PlanRequest
from planner.replanning.deltas import ChangeWeight
from planner.solution import PlanResult
from planner.status import SolveStatus


def test_the_plan_and_the_re_solves_get_the_same_main_solve_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[PlanRequest] = []

    def fake_plan(request: PlanRequest) -> PlanResult:
        seen.append(request)
        return PlanResult(status=SolveStatus.FEASIBLE)

    monkeypatch.setattr(bench, "create_plan", fake_plan)
    (name, base), *_ = bench.plants(time_limit=16.0, verify=16.0)
    assert name == "demo"
    assert base.options.time_limit_seconds == pytest.approx(32.0) and base.options.verify_fixes_seconds == 16.0
    bench.resolve(base, [ChangeWeight(order_id=base.orders[0].id, weight=2.0)])
    [resolved] = seen
    assert resolved.options.time_limit_seconds == pytest.approx(16.0)
    assert resolved.options.verify_fixes_seconds == 0.0


def _row(improved: bool, removed: int, hours: float, today_removed: int, today_hours: float) -> dict[str, object]:
    return {"kind": "OVERTIME", "improved": improved, "removed_min": removed, "extra_hours": hours,
            "plan_weighted_before": 100.0, "plan_weighted_after_scratch": 90.0, "whole_plan_verified": True,
            "claim_held": improved, "today_extra_hours": today_hours, "today_removed_min": today_removed}


def test_the_summary_counts_improved_first_fixes_and_compares_with_today() -> None:
    plants = [{"fixes": [_row(True, 60, 1.0, 60, 8.0), _row(False, 0, 2.0, 30, 8.0)], "dropped": 3,
               "offered_verified": 1}]
    summary = bench.summary(plants)
    assert summary["improved_share"] == pytest.approx(0.5) and summary["claim_held_from_scratch"] == 1
    assert summary["ours_removed_min_on_compared"] == 60 and summary["today_removed_min"] == 90
    assert summary["ours_extra_hours_on_compared"] == pytest.approx(3.0) and summary["today_extra_hours"] == 16.0
    assert summary["dropped_share"] == pytest.approx(0.75)


def test_a_selection_that_matches_no_plant_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        bench.main(["--select", "no such plant"])
    assert refused.value.code == 2
    assert "plant-grade demo" in capsys.readouterr().err  # the message lists the plants there are
