"""Shared helpers for the lot-sizing tests (imported explicitly, not a conftest.py plugin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.lotsizing import (
    LotSizingInstance,
    LotSizingItem,
    LotSizingOperation,
    LotSizingOptions,
    LotSizingResource,
    LotSizingResult,
    check_lot_plan,
    plan_cost,
    solve_lot_sizing,
)

TRIGEIRO = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "lotsizing"
FAST = LotSizingOptions(time_limit_seconds=20.0, relative_gap=1e-9, threads=1)


def item(item_id: str = "bracket", demand: list[float] | None = None, resource: str = "press",
         minutes: float = 1.0, setup_minutes: float = 0.0, **fields: Any) -> LotSizingItem:
    """An item on one resource; keyword fields go straight to LotSizingItem."""
    operation = LotSizingOperation(resource_id=resource, minutes_per_unit=minutes, setup_minutes=setup_minutes)
    return LotSizingItem(item_id=item_id, demand=demand or [10.0], operations=[operation], **fields)


def resource(capacity: list[float], resource_id: str = "press", **fields: Any) -> LotSizingResource:
    return LotSizingResource(resource_id=resource_id, capacity_minutes=capacity, **fields)


def instance(items: list[LotSizingItem], resources: list[LotSizingResource]) -> LotSizingInstance:
    return LotSizingInstance(name="test", bucket_count=len(items[0].demand), items=items, resources=resources)


def solve_checked(problem: LotSizingInstance, options: LotSizingOptions = FAST) -> LotSizingResult:
    """Solve and assert that the plan passes the solver-independent checker and its cost adds up."""
    result = solve_lot_sizing(problem, options)
    assert check_lot_plan(problem, result) == []
    if result.status.has_solution:
        assert result.objective is not None
        assert abs(result.objective - plan_cost(problem, result).total) <= 1e-6 * max(1.0, result.objective)
    return result
