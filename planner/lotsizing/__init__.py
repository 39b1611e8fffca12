"""Capacitated lot sizing over planning buckets (multi-item, multi-resource) with HiGHS.

Public API: build a `LotSizingInstance`, call `solve_lot_sizing(instance, options)`, read the
`LotSizingResult` (status, plan per item-bucket, load and capacity shadow prices per resource-bucket,
reasons when infeasible). `check_lot_plan` verifies any result without the solver; `read_trigeiro`
loads the published Trigeiro benchmark files.
"""

from planner.lotsizing.checker import check_lot_plan, plan_cost
from planner.lotsizing.model import (
    LotSizingCost,
    LotSizingInstance,
    LotSizingItem,
    LotSizingItemPlan,
    LotSizingOperation,
    LotSizingOptions,
    LotSizingResource,
    LotSizingResourcePlan,
    LotSizingResult,
)
from planner.lotsizing.solve import solve_lot_sizing, solve_lp_relaxation
from planner.lotsizing.trigeiro import TrigeiroFormatError, parse_trigeiro, read_trigeiro

__all__ = [
    "LotSizingCost",
    "LotSizingInstance",
    "LotSizingItem",
    "LotSizingItemPlan",
    "LotSizingOperation",
    "LotSizingOptions",
    "LotSizingResource",
    "LotSizingResourcePlan",
    "LotSizingResult",
    "TrigeiroFormatError",
    "check_lot_plan",
    "parse_trigeiro",
    "plan_cost",
    "read_trigeiro",
    "solve_lot_sizing",
    "solve_lp_relaxation",
]
