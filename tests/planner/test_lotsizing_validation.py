"""Bad lot-sizing data is a pydantic validation error that lists every problem with its field path."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from planner.lotsizing import LotSizingInstance, LotSizingOptions


def _raw(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "bucket_count": 3,
        "resources": [{"resource_id": "press", "capacity_minutes": [100, 100, 100]}],
        "items": [{"item_id": "bracket", "demand": [10, 20, 30],
                   "operations": [{"resource_id": "press", "minutes_per_unit": 1.0}]}],
    }
    data.update(changes)
    return data


def _locations(error: ValidationError) -> set[tuple[Any, ...]]:
    return {tuple(entry["loc"]) for entry in error.errors()}


def test_valid_instance_passes() -> None:
    instance = LotSizingInstance.model_validate(_raw())
    assert instance.item_ids() == ["bracket"]


def test_every_problem_is_listed_at_once() -> None:
    items = [
        {"item_id": "bracket", "demand": [10, -5, math.nan], "yield_rate": 0.0,
         "operations": [{"resource_id": "lathe", "minutes_per_unit": 1.0}]},
        {"item_id": "bracket", "demand": [1, 2], "yield_rate": 1.5, "safety_stock": [0, 0, 0, 0],
         "operations": [{"resource_id": "press", "minutes_per_unit": -1.0}]},
    ]
    resources = [{"resource_id": "press", "capacity_minutes": [100, 100]}]
    with pytest.raises(ValidationError) as caught:
        LotSizingInstance.model_validate(_raw(items=items, resources=resources))
    locations = _locations(caught.value)
    expected = {
        ("items", 0, "demand", 1),  # negative demand
        ("items", 0, "demand", 2),  # NaN
        ("items", 0, "yield_rate"),  # not in (0, 1]
        ("items", 1, "yield_rate"),
        ("items", 1, "operations", 0, "minutes_per_unit"),
        ("items", 0, "operations", 0, "resource_id"),  # unknown resource
        ("items", 1, "item_id"),  # duplicate id
        ("items", 1, "demand"),  # 2 values for 3 buckets
        ("items", 1, "safety_stock"),
        ("resources", 0, "capacity_minutes"),
    }
    assert expected <= locations
    assert "unknown resource 'lathe'" in str(caught.value)


def test_cross_field_problems_on_an_otherwise_valid_instance() -> None:
    raw = _raw(resources=[{"resource_id": "press", "capacity_minutes": [100, 100, 100],
                           "overtime_cap_minutes": [10]}])
    with pytest.raises(ValidationError) as caught:
        LotSizingInstance.model_validate(raw)
    assert _locations(caught.value) == {("resources", 0, "overtime_cap_minutes")}


@pytest.mark.parametrize("field", ["setup_cost", "holding_cost", "initial_inventory", "backlog_cost"])
def test_negative_costs_and_stock_are_rejected(field: str) -> None:
    raw = _raw()
    raw["items"][0][field] = -1.0
    with pytest.raises(ValidationError) as caught:
        LotSizingInstance.model_validate(raw)
    assert ("items", 0, field) in _locations(caught.value)


def test_options_reject_nonsense() -> None:
    with pytest.raises(ValidationError):
        LotSizingOptions(time_limit_seconds=0)
    with pytest.raises(ValidationError):
        LotSizingOptions.model_validate({"formulation": "magic"})
