"""Property tests: every solved random small instance passes the checker, its objective is the recomputed
cost, and the tightened formulation changes bounds, never optima."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.lotsizing import (
    LotSizingInstance,
    LotSizingItem,
    LotSizingOperation,
    LotSizingOptions,
    LotSizingResource,
    check_lot_plan,
    plan_cost,
    solve_lot_sizing,
    solve_lp_relaxation,
)
from planner.status import SolveStatus

OPTIONS = LotSizingOptions(time_limit_seconds=20.0, relative_gap=1e-9, threads=1, formulation="facility_location")
amounts = st.integers(min_value=0, max_value=60).map(float)


@st.composite
def instances(draw: Any) -> LotSizingInstance:
    buckets = draw(st.integers(2, 5))
    resource_count = draw(st.integers(1, 2))
    resources = [
        LotSizingResource(
            resource_id=f"wc{r}",
            capacity_minutes=draw(st.lists(st.integers(20, 150).map(float), min_size=buckets, max_size=buckets)),
            overtime_cap_minutes=draw(st.none() | st.just([30.0] * buckets)),
            overtime_cost_per_minute=draw(st.sampled_from([0.5, 3.0])),
        )
        for r in range(resource_count)
    ]
    items = []
    for i in range(draw(st.integers(1, 3))):
        used = draw(st.lists(st.integers(0, resource_count - 1), min_size=1, max_size=resource_count, unique=True))
        operations = [LotSizingOperation(resource_id=f"wc{r}", minutes_per_unit=draw(st.sampled_from([0.5, 1.0, 2.0])),
                                         setup_minutes=draw(st.sampled_from([0.0, 5.0, 15.0]))) for r in used]
        items.append(LotSizingItem(
            item_id=f"p{i}",
            demand=draw(st.lists(amounts, min_size=buckets, max_size=buckets)),
            operations=operations,
            setup_cost=draw(st.sampled_from([0.0, 10.0, 40.0])),
            holding_cost=draw(st.sampled_from([0.5, 1.0, 2.0])),
            backlog_cost=draw(st.none() | st.sampled_from([3.0, 8.0])),
            initial_inventory=draw(st.sampled_from([0.0, 15.0])),
            safety_stock=draw(st.none() | st.lists(st.sampled_from([0.0, 5.0]), min_size=buckets, max_size=buckets)),
            yield_rate=draw(st.sampled_from([0.8, 0.95, 1.0])),
        ))
    return LotSizingInstance(name="random", bucket_count=buckets, items=items, resources=resources)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solved_plans_pass_the_checker_and_formulations_agree(instance: LotSizingInstance) -> None:
    tight = solve_lot_sizing(instance, OPTIONS)
    assert tight.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE)
    assert check_lot_plan(instance, tight) == []
    plain = solve_lot_sizing(instance, OPTIONS.model_copy(update={"formulation": "aggregated"}))
    assert plain.status == tight.status
    assert check_lot_plan(instance, plain) == []
    if tight.status == SolveStatus.INFEASIBLE:
        assert tight.reasons
        return
    assert tight.objective is not None and plain.objective is not None
    assert tight.objective == plan_cost(instance, tight).total
    assert abs(tight.objective - plain.objective) <= 1e-6 * max(1.0, plain.objective)


@settings(max_examples=25, deadline=None)
@given(instances())
def test_facility_location_lp_bound_dominates_the_plain_one(instance: LotSizingInstance) -> None:
    tight = solve_lp_relaxation(instance, "facility_location", OPTIONS)
    plain = solve_lp_relaxation(instance, "aggregated", OPTIONS)
    if tight is not None and plain is not None:
        assert tight >= plain - 1e-6 * max(1.0, abs(plain))
