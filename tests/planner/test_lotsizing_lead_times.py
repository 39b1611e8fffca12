"""Lead-time offsets: a lot the lot sizing plans for a bucket can finish in it (issue #25).

Model level (planner.lotsizing): an operation with an offset loads its resource in an earlier bucket, no lot
completes where the offset reaches before bucket 0, the checker re-derives both. Plant level (planner.lots and
planner.lotsizing.lead_times): offsets come from the routing's flow time on the calendars, and the forecast lots
the schedule gets are released where their first operation runs.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from planner.calendar import availability_by_machine
from planner.domain import DemandForecast, Machine, PlanRequest, Product, QuantileValue
from planner.lots import lot_sizing_instance
from planner.lotsizing import LotSizingItem, LotSizingOperation, check_lot_plan
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.status import SolveStatus
from planner.testing import operation, order, request
from tests.planner.conftest_lotsizing import instance, resource, solve_checked

SHIFT = 480


def _two_stage(offset: int, demand: list[float]) -> LotSizingItem:
    """Casting on 'cast' (offset buckets ahead) then machining on 'mill', 1 minute a unit each."""
    return LotSizingItem(item_id="housing", demand=demand, setup_cost=10.0, holding_cost=1.0, backlog_cost=100.0,
                         operations=[LotSizingOperation(resource_id="cast", minutes_per_unit=1.0,
                                                        offset_buckets=offset),
                                     LotSizingOperation(resource_id="mill", minutes_per_unit=1.0)])


def _resources(cast: list[float]) -> list:
    return [resource(cast, resource_id="cast"), resource([1000.0] * len(cast), resource_id="mill")]


def test_without_offsets_a_lot_loads_every_resource_in_its_own_bucket() -> None:
    result = solve_checked(instance([_two_stage(0, [0.0, 50.0, 0.0])], _resources([1000.0, 1000.0, 1000.0])))
    assert result.item_plan("housing").production == pytest.approx([0.0, 50.0, 0.0], abs=1e-6)
    assert result.resource_plan("cast").load_minutes == pytest.approx([0.0, 50.0, 0.0], abs=1e-6)


def test_an_offset_books_the_early_stage_a_bucket_earlier() -> None:
    result = solve_checked(instance([_two_stage(1, [0.0, 50.0, 0.0])], _resources([1000.0, 1000.0, 1000.0])))
    assert result.item_plan("housing").production == pytest.approx([0.0, 50.0, 0.0], abs=1e-6)
    assert result.resource_plan("cast").load_minutes == pytest.approx([50.0, 0.0, 0.0], abs=1e-6)
    assert result.resource_plan("mill").load_minutes == pytest.approx([0.0, 50.0, 0.0], abs=1e-6)


def test_no_lot_completes_where_the_offset_reaches_before_the_plan() -> None:
    result = solve_checked(instance([_two_stage(1, [30.0, 0.0, 0.0])], _resources([1000.0, 1000.0, 1000.0])))
    plan = result.item_plan("housing")
    assert plan.production[0] == pytest.approx(0.0, abs=1e-6) and plan.backlog[0] == pytest.approx(30.0)


def test_the_capacity_of_the_booked_bucket_binds() -> None:
    # Casting capacity only in bucket 1: with offset 1, lots can complete in bucket 2 only.
    result = solve_checked(instance([_two_stage(1, [0.0, 40.0, 0.0])], _resources([0.0, 1000.0, 0.0])))
    assert result.item_plan("housing").production == pytest.approx([0.0, 0.0, 40.0], abs=1e-6)


def test_max_lot_caps_a_bucket_lot() -> None:
    item = _two_stage(0, [0.0, 0.0, 90.0]).model_copy(update={"max_lot": [50.0, 50.0, 50.0]})
    result = solve_checked(instance([item], _resources([1000.0, 1000.0, 1000.0])))
    assert max(result.item_plan("housing").good_production) <= 50.0 + 1e-6


def test_the_checker_rejects_work_in_the_wrong_bucket_and_lots_before_the_plan() -> None:
    problem = instance([_two_stage(1, [0.0, 50.0, 0.0])], _resources([1000.0, 1000.0, 1000.0]))
    result = solve_checked(problem)
    unshifted = result.model_copy(update={"resources": [
        r.model_copy(update={"load_minutes": [0.0, 50.0, 0.0]}) if r.resource_id == "cast" else r
        for r in result.resources]})
    assert any("reported load" in p for p in check_lot_plan(problem, unshifted))
    early = instance([_two_stage(1, [50.0, 0.0, 0.0])], _resources([1000.0, 1000.0, 1000.0]))
    plan = result.item_plan("housing").model_copy(update={"production": [50.0, 0.0, 0.0],
                                                          "good_production": [50.0, 0.0, 0.0],
                                                          "backlog": [0.0, 0.0, 0.0], "setup": [True, False, False]})
    broken = result.model_copy(update={"items": [plan]})
    assert any("lead time reaches before bucket 0" in p for p in check_lot_plan(early, broken))


def test_offsets_must_match_the_bucket_count_and_be_nonnegative() -> None:
    with pytest.raises(ValidationError) as error:
        instance([LotSizingItem(item_id="x", demand=[1.0, 1.0], operations=[
            LotSizingOperation(resource_id="cast", minutes_per_unit=1.0, offset_buckets=[0, 1, 2])])],
            _resources([10.0, 10.0]))
    assert "offset_buckets" in str(error.value)
    with pytest.raises(ValidationError):
        LotSizingOperation(resource_id="cast", minutes_per_unit=1.0, offset_buckets=-1)


# --- from the plant: routings on calendars -------------------------------------------------------------------


def _plant(run_minutes: float, forecast: float, buckets: int = 6, lead_times: bool = True) -> PlanRequest:
    """Casting then machining, each on its own machine working around the clock; shift buckets; forecast only."""
    products = [Product(id="P", routing=[operation("cast", ["DC"], run_minutes),
                                         operation("mill", ["CNC"], run_minutes)])]
    # One small firm order due at the horizon (a request needs one); the forecast makes the lots.
    firm = [order("SO-1", "P", 1, due=buckets * SHIFT, release=(buckets - 1) * SHIFT)]
    req = request([Machine(id="DC"), Machine(id="CNC")], products, firm, horizon=buckets * SHIFT, time_limit=5.0)
    quantiles = [QuantileValue(level=0.5, value=forecast), QuantileValue(level=0.9, value=forecast)]
    forecasts = [DemandForecast(product_id="P", bucket=b, quantiles=quantiles) for b in range(buckets)]
    options = req.options.model_copy(update={"lot_bucket_minutes": SHIFT, "lot_lead_times": lead_times})
    return req.model_copy(update={"demand_forecasts": forecasts, "options": options})


def _instance(req: PlanRequest):  # type: ignore[no-untyped-def]
    return lot_sizing_instance(req, planning_availability(req, availability_by_machine(req)))


def test_a_routing_that_fits_its_bucket_keeps_every_operation_there() -> None:
    # 100 units x (1 + 1) min = 200 min of flow in a 480 min bucket: nothing to offset.
    (item,) = _instance(_plant(1.0, 100.0)).items
    assert all(op.offsets(6) == [0] * 6 for op in item.operations)
    plan = create_plan(_plant(1.0, 100.0))
    assert plan.lot_plan is not None and plan.lot_plan.realisation_problems == []
    assert all(lot.release == int(lot.id.split("-B")[1]) * SHIFT for lot in plan.lot_plan.lots)


def test_a_routing_whose_flow_crosses_the_bucket_boundary_is_planned_a_bucket_earlier() -> None:
    # 200 units x 1.5 min = 300 min per operation, 600 min of flow in a 480 min bucket: casting runs a bucket
    # before the lot completes, and no lot completes in bucket 0.
    (item,) = _instance(_plant(1.5, 200.0)).items
    cast, mill = item.operations
    assert cast.offsets(6) == [1] * 6 and mill.offsets(6) == [1, 0, 0, 0, 0, 0]
    assert item.completion_possible(6) == [False, True, True, True, True, True]
    plan = create_plan(_plant(1.5, 200.0))
    assert plan.status.has_solution and plan.lot_plan is not None
    assert [(lot.id, lot.release, lot.due) for lot in plan.lot_plan.lots] == [("LOT-P-B1", 0, 2 * SHIFT)]
    assert plan.lot_plan.realisation_problems == []


def test_without_lead_times_the_same_lot_finishes_after_its_bucket() -> None:
    plan = create_plan(_plant(1.5, 200.0, lead_times=False))
    assert plan.lot_plan is not None and any("after its bucket ends" in p for p in plan.lot_plan.realisation_problems)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=st.sampled_from([0.5, 1.0, 2.0, 3.0]), forecast=st.integers(10, 120), stages=st.integers(1, 3),
       setup=st.sampled_from([0, 30]))
def test_every_forecast_lot_realises_when_capacity_allows(run: float, forecast: int, stages: int, setup: int) -> None:
    """Dedicated machines (capacity allows: one product), random flow times against shift buckets."""
    machines = [Machine(id=f"M{k}") for k in range(stages)]
    routing = [operation(f"op{k}", [f"M{k}"], run, setup) for k in range(stages)]
    req = _plant(run, float(forecast))
    req = req.model_copy(update={"factory": req.factory.model_copy(update={
        "machines": machines, "products": [Product(id="P", routing=routing)]})})
    plan = create_plan(req)
    assert plan.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) and plan.lot_plan is not None
    assert plan.lot_plan.realisation_problems == []
