"""Lots that split into sub-lots across machines: the rule binds only where it pays (an order late on one
machine is on time on two; extra setups keep a lot whole where splitting does not help; a minimum sub-lot above
half the lot keeps it whole), sub-lots respect the minimum, yields and fractional run times give the checker's
durations, the checker names plans that break the rule, bad permissions are refused with their field, the API
round-trips the fields (also over a real channel), and the `split_lot` delta of the what-if engine turns a late
order into an on-time one."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    FamilyChangeover,
    LotSplit,
    Machine,
    OperationMode,
    OrderLotSplit,
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
    SequenceRule,
    YieldEstimate,
)
from planner.kpis import compute_kpis
from planner.plan import create_plan
from planner.replanning.deltas import SplitLot
from planner.replanning.replan import replan
from planner.replanning.scenarios import apply_deltas
from planner.risk import planning_availability
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.rules.lot_splitting import has_lot_splitting
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.testing import operation, order, request
from planner.validation import InvalidPlanRequest, find_violations
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import assignments_from_proto
from service.errors import bad_request_violations
from service.mapping import plan_request_to_domain, plan_request_to_proto, plan_to_proto
from service.scenario_mapping import delta_to_proto
from service.settings import Settings


def _request(quantity: int = 100, due: int = 80, split: LotSplit | None = None,
             machines: tuple[str, ...] = ("M1", "M2"), setup: int = 5, run: float = 1.0,
             orders: int = 1) -> PlanRequest:
    """Casting (C, 0.1 min a unit), then machining (`OP20`) on `machines`, whose lot may split by `split`."""
    cast = operation("OP10", ["C"], run=0.1)
    machining = operation("OP20", list(machines), run=run, setup=setup).model_copy(update={"lot_split": split})
    return request(["C", *machines], [Product(id="P", routing=[cast, machining])],
                   [order(f"O{i}", "P", quantity, due=due) for i in range(orders)], time_limit=5.0)


def _solve(plan_request: PlanRequest) -> PlanResult:
    plan = create_plan(plan_request)
    assert plan.status.has_solution, plan.infeasibility_reasons
    assert check_plan(plan_request, plan) == []
    return plan


def _sublots(plan: PlanResult, order_id: str = "O0") -> list[ScheduledOperation]:
    return sorted((a for a in plan.assignments if a.order_id == order_id and a.operation_id == "OP20"),
                  key=lambda a: a.sublot_index)


# --- binding / non-binding ---------------------------------------------------------------------------------------

def test_an_order_late_on_one_machine_is_on_time_split_across_two() -> None:
    whole = _solve(_request())
    assert whole.kpis is not None and whole.kpis.late_orders == 1 and whole.kpis.split_operations == 0
    split = _solve(_request(split=LotSplit(max_sublots=2, min_sublot_units=20)))
    assert split.kpis is not None and split.kpis.late_orders == 0
    parts = _sublots(split)
    assert {p.machine_id for p in parts} == {"M1", "M2"} and sum(p.quantity for p in parts) == 100
    assert [(p.sublot_index, p.sublot_count) for p in parts] == [(0, 2), (1, 2)]
    assert (split.kpis.split_operations, split.kpis.sublots) == (1, 2)


def test_splitting_that_only_adds_setups_keeps_the_lots_whole() -> None:
    # Two orders, two machines: each lot on its own machine is best; a split only adds a setup somewhere.
    plan = _solve(_request(due=2000, setup=10, orders=2, split=LotSplit(max_sublots=3, min_sublot_units=10)))
    assert plan.kpis is not None and plan.kpis.split_operations == 0
    assert plan.kpis.makespan_minutes == 10 + 10 + 100 + 10  # casting both, then 110 min each on its machine


def test_on_one_machine_a_lot_stays_whole() -> None:
    plan = _solve(_request(machines=("M1",), split=LotSplit(max_sublots=4, min_sublot_units=5)))
    assert [(a.quantity, a.sublot_count) for a in _sublots(plan)] == [(100, 1)]


def test_a_minimum_sub_lot_above_half_the_lot_keeps_it_whole() -> None:
    plan_request = _request(split=LotSplit(max_sublots=2, min_sublot_units=60))
    assert all(t.split is None for job in build_jobs(plan_request) for t in job.tasks)
    plan = _solve(plan_request)
    assert plan.kpis is not None and plan.kpis.late_orders == 1 and len(_sublots(plan)) == 1


def test_sub_lots_respect_the_minimum_and_the_maximum_count() -> None:
    plan_request = _request(quantity=120, due=60, machines=("M1", "M2", "M3", "M4"),
                            split=LotSplit(max_sublots=3, min_sublot_units=35))
    parts = _sublots(_solve(plan_request))
    assert 2 <= len(parts) <= 3 and all(p.quantity >= 35 for p in parts)
    assert sum(p.quantity for p in parts) == 120


def test_yields_and_fractional_run_times_give_the_checkers_durations() -> None:
    plan_request = _request(quantity=97, due=50, run=0.7, setup=3, split=LotSplit(max_sublots=2, min_sublot_units=9))
    plan_request = plan_request.model_copy(update={"yields": [
        YieldEstimate(product_id="P", machine_id="M2", yield_rate=0.93)]})
    parts = _sublots(_solve(plan_request))
    assert len(parts) == 2
    on_m2 = next(p for p in parts if p.machine_id == "M2")
    assert on_m2.processed_quantity > on_m2.quantity  # scrap is replaced on the machine that makes it


def test_the_orders_own_permission_wins_over_the_operations() -> None:
    plan_request = _request(split=LotSplit(max_sublots=2, min_sublot_units=10))
    own = plan_request.orders[0].model_copy(update={"lot_splits": [
        OrderLotSplit(operation_id="OP20", max_sublots=1, min_sublot_units=1)]})
    plan = _solve(plan_request.model_copy(update={"orders": [own]}))
    assert len(_sublots(plan)) == 1 and not has_lot_splitting(plan_request.model_copy(update={"orders": [own]}))


def test_family_changeovers_apply_between_sub_lots_and_other_lots() -> None:
    base = _request(due=120, orders=1, split=LotSplit(max_sublots=2, min_sublot_units=20))
    other = Product(id="Q", family="B", routing=[operation("OP20", ["M1", "M2"], run=1.0, setup=5)])
    factory = base.factory.model_copy(update={
        "products": [base.factory.products[0].model_copy(update={"family": "A"}), other],
        "changeovers": [FamilyChangeover(from_family="B", to_family="A", minutes=15),
                        FamilyChangeover(from_family="A", to_family="B", minutes=15)]})
    plan_request = base.model_copy(update={"factory": factory, "orders": [*base.orders, order("Q1", "Q", 30, due=40)]})
    _solve(plan_request)  # check_plan re-derives the changeovers between every pair of lots on a machine


def test_a_late_split_order_is_explained_without_error() -> None:
    plan = _solve(_request(due=30, split=LotSplit(max_sublots=2, min_sublot_units=20)))
    assert plan.kpis is not None and plan.kpis.late_orders == 1
    assert [e.order_id for e in plan.late_orders] == ["O0"]


def test_the_dispatching_start_keeps_lots_whole_and_is_a_valid_plan() -> None:
    plan_request = _request(orders=3, split=LotSplit(max_sublots=2, min_sublot_units=20))
    jobs = build_jobs(plan_request)
    available = planning_availability(plan_request, availability_by_machine(plan_request))
    hint = best_dispatch(plan_request, jobs, available)
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None and all(p.sublot_count == 1 for p in placed)
    assert check_schedule(plan_request, placed) == []


# --- checker -----------------------------------------------------------------------------------------------------

def _split_plan() -> tuple[PlanRequest, list[ScheduledOperation]]:
    plan_request = _request(split=LotSplit(max_sublots=2, min_sublot_units=20))
    plan = _solve(plan_request)
    return plan_request, plan.assignments


def _replace(assignments: list[ScheduledOperation], index: int, **changes: object) -> list[ScheduledOperation]:
    target = next(a for a in assignments if a.operation_id == "OP20" and a.sublot_index == index)
    return [a.model_copy(update=changes) if a is target else a for a in assignments]


def test_the_checker_accepts_the_solvers_split_plan() -> None:
    plan_request, assignments = _split_plan()
    assert check_schedule(plan_request, assignments) == []


@pytest.mark.parametrize(("index", "changes", "words"), [
    (1, {"quantity": 40}, "sub-lots hold 90 units, the lot is 100"),
    (1, {"sublot_index": 0}, "not numbered 0 to 1 of 2"),
    (0, {"sublot_count": 3}, "not numbered"),
    (1, {"machine_id": "C"}, "machine C is not eligible"),
])
def test_the_checker_names_a_broken_split(index: int, changes: dict[str, object], words: str) -> None:
    plan_request, assignments = _split_plan()
    problems = check_schedule(plan_request, _replace(assignments, index, **changes))
    assert any(words in p for p in problems), problems


def test_the_checker_names_a_sub_lot_below_the_minimum_and_a_wrong_duration() -> None:
    plan_request, assignments = _split_plan()
    parts = [a for a in assignments if a.operation_id == "OP20"]
    first, second = sorted(parts, key=lambda a: a.sublot_index)
    moved = first.quantity + second.quantity - 10
    broken = _replace(_replace(assignments, 0, quantity=moved), 1, quantity=10)
    problems = check_schedule(plan_request, broken)
    assert any("below the minimum sub-lot of 20" in p for p in problems), problems
    assert any("lasts" in p and "needs" in p for p in problems), problems


def test_the_checker_names_too_many_sub_lots_and_a_split_that_is_not_allowed() -> None:
    plan_request, assignments = _split_plan()
    third = next(a for a in assignments if a.operation_id == "OP20").model_copy(
        update={"sublot_index": 2, "quantity": 0, "start": 500, "end": 505})
    counted = [a.model_copy(update={"sublot_count": 3}) if a.operation_id == "OP20" else a for a in assignments]
    problems = check_schedule(plan_request, [*counted, third])
    assert any("split into 3 sub-lots, at most 2 allowed" in p for p in problems), problems
    whole = _request()  # the same plan where the lot may not split
    assert any("may not be split" in p for p in check_schedule(whole, assignments))


def test_the_checker_names_a_successor_that_starts_before_the_last_sub_lot_ends() -> None:
    plan_request = _request(split=LotSplit(max_sublots=2, min_sublot_units=20))
    inspect = operation("OP30", ["Q"], run=0.1)
    product = plan_request.factory.products[0]
    plan_request = plan_request.model_copy(update={"factory": plan_request.factory.model_copy(update={
        "machines": [*plan_request.factory.machines, Machine(id="Q")],
        "products": [product.model_copy(update={"routing": [*product.routing, inspect]})]})})
    plan = _solve(plan_request)
    last_end = max(a.end for a in _sublots(plan))
    early = min(a.start for a in _sublots(plan))
    broken = [a.model_copy(update={"start": early, "end": early + 10}) if a.operation_id == "OP30" else a
              for a in plan.assignments]
    assert last_end > early + 10  # the inspection would start and end before the machining is done
    assert any("before its predecessor ends" in p for p in check_schedule(plan_request, broken))


def test_the_checker_names_sub_lots_that_overlap_on_one_machine() -> None:
    plan_request, assignments = _split_plan()
    broken = _replace(assignments, 1, machine_id=next(a.machine_id for a in assignments
                                                        if a.operation_id == "OP20" and a.sublot_index == 0))
    assert any("overlap" in p for p in check_schedule(plan_request, broken))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quantity=st.integers(10, 80), parts=st.integers(1, 3), minimum=st.integers(1, 30),
       setup=st.integers(0, 20), run=st.sampled_from([0.5, 1.0, 1.3, 2.0]), due=st.integers(20, 200),
       yield_rate=st.sampled_from([1.0, 0.95, 0.8]))
def test_every_plan_with_split_lots_passes_the_checker(quantity: int, parts: int, minimum: int, setup: int,
                                                       run: float, due: int, yield_rate: float) -> None:
    """Property: whatever the permission and the times, the plan passes the solver-independent checker, and its
    sub-lots sum to the lot, each at least the minimum when there are several."""
    minimum = min(minimum, quantity)
    plan_request = _request(quantity=quantity, due=due, setup=setup, run=run, orders=2,
                            split=LotSplit(max_sublots=parts, min_sublot_units=minimum))
    plan_request = plan_request.model_copy(update={
        "options": plan_request.options.model_copy(update={"time_limit_seconds": 2.0}),
        "yields": [YieldEstimate(product_id="P", machine_id="M1", yield_rate=yield_rate)]})
    plan = _solve(plan_request)
    for order_id in ("O0", "O1"):
        sublots = _sublots(plan, order_id)
        assert sum(s.quantity for s in sublots) == quantity and len(sublots) <= max(parts, 1)
        assert len(sublots) == 1 or all(s.quantity >= minimum for s in sublots)
    assert plan.kpis == compute_kpis(plan_request, plan.assignments)


# --- validation, API, delta --------------------------------------------------------------------------------------

def _fields(plan_request: PlanRequest) -> set[str]:
    return {v.field for v in find_violations(plan_request)}


def _with_machining(plan_request: PlanRequest, **changes: object) -> PlanRequest:
    product = plan_request.factory.products[0]
    routing = [*product.routing[:1], product.routing[1].model_copy(update=changes)]
    factory = plan_request.factory.model_copy(update={"products": [product.model_copy(update={"routing": routing})]})
    return plan_request.model_copy(update={"factory": factory})


OP_SPLIT = "factory.products[0].routing[1].lot_split"


def test_bad_numbers_are_refused_with_their_fields() -> None:
    assert f"{OP_SPLIT}.max_sublots" in _fields(_request(split=LotSplit(max_sublots=0)))
    assert f"{OP_SPLIT}.min_sublot_units" in _fields(_request(split=LotSplit(max_sublots=2, min_sublot_units=0)))
    base = _request()
    own = [OrderLotSplit(operation_id="OP20", max_sublots=2, min_sublot_units=101),
           OrderLotSplit(operation_id="OP99", max_sublots=2), OrderLotSplit(operation_id="OP20", max_sublots=-1)]
    fields = _fields(base.model_copy(update={"orders": [base.orders[0].model_copy(update={"lot_splits": own})]}))
    assert {"orders[0].lot_splits[0].min_sublot_units", "orders[0].lot_splits[1].operation_id",
            "orders[0].lot_splits[2].max_sublots", "orders[0].lot_splits[2].operation_id"} <= fields
    assert find_violations(_request(split=LotSplit(max_sublots=3, min_sublot_units=10))) == []


@pytest.mark.parametrize("changes", [
    {"modes": [OperationMode(id="a", machine_id="M1"), OperationMode(id="b", machine_id="M2")],
     "eligible_machines": []},
    {"resources": [ResourceNeed(resource_id="setter")]},
    {"may_pause": True},
    {"max_lag_minutes": 100},
    {"transfer_batch_units": 10},
])
def test_rules_the_sub_lots_do_not_model_are_refused(changes: dict[str, object]) -> None:
    plan_request = _with_machining(_request(split=LotSplit(max_sublots=2)), **changes)
    plan_request = plan_request.model_copy(update={"factory": plan_request.factory.model_copy(
        update={"resources": [Resource(id="setter")]})})
    assert OP_SPLIT in _fields(plan_request)


def test_the_defect_cap_and_a_sequence_rule_on_a_split_operation_are_refused() -> None:
    base = _request(split=LotSplit(max_sublots=2), orders=2)
    capped = base.model_copy(update={"options": base.options.model_copy(update={"max_expected_defect_rate": 0.1})})
    assert "options.max_expected_defect_rate" in _fields(capped)
    rule = SequenceRule(machine_id="M1", before_order_id="O0", before_operation_id="OP20", after_order_id="O1",
                        after_operation_id="OP20")
    assert "sequence_rules[0]" in _fields(base.model_copy(update={"sequence_rules": [rule]}))


def test_the_api_round_trips_permissions_sub_lots_and_kpis() -> None:
    plan_request = _request(split=LotSplit(max_sublots=2, min_sublot_units=20))
    own = plan_request.orders[0].model_copy(update={"lot_splits": [
        OrderLotSplit(operation_id="OP20", max_sublots=3, min_sublot_units=15)]})
    plan_request = plan_request.model_copy(update={"orders": [own]})
    assert plan_request_to_domain(plan_request_to_proto(plan_request), Settings()) == plan_request
    plan = _solve(plan_request)
    message = plan_to_proto(plan_request, plan)
    split = sorted((a.sublot_index, a.sublot_count) for a in message.assignments if a.operation_id == "OP20")
    assert split == [(i, len(split)) for i in range(len(split))] and len(split) >= 2
    assert (message.kpis.split_operations, message.kpis.sublots) == (1, len(split))


def test_the_split_lot_delta_turns_a_late_order_into_an_on_time_one() -> None:
    base = _request()
    delta = SplitLot(order_id="O0", operation_id="OP20", max_sublots=2, min_sublot_units=20)
    scenario = apply_deltas(base, [delta])
    assert scenario.orders[0].lot_splits == [OrderLotSplit(operation_id="OP20", max_sublots=2, min_sublot_units=20)]
    assert apply_deltas(scenario, [delta]).orders[0].lot_splits == scenario.orders[0].lot_splits  # replaced
    assert _solve(base).kpis.late_orders == 1  # type: ignore[union-attr]
    assert _solve(scenario).kpis.late_orders == 0  # type: ignore[union-attr]
    assert delta_to_proto(delta, base).split_lot.max_sublots == 2


@pytest.mark.parametrize(("delta", "field"), [
    (SplitLot(order_id="X", operation_id="OP20", max_sublots=2), "deltas[0].split_lot.order_id"),
    (SplitLot(order_id="O0", operation_id="OP99", max_sublots=2), "deltas[0].split_lot.operation_id"),
    (SplitLot(order_id="O0", operation_id="OP20", max_sublots=2, min_sublot_units=500), "deltas[0].split_lot"),
])
def test_a_bad_split_lot_delta_names_its_field(delta: SplitLot, field: str) -> None:
    with pytest.raises(InvalidPlanRequest) as raised:
        apply_deltas(_request(), [delta])
    assert [v.field for v in raised.value.violations] == [field]


def test_a_split_plan_over_a_real_channel_and_a_bad_permission_stores_nothing(channel: grpc.Channel) -> None:
    """CreatePlan on a server bound to port 0: the sub-lots come back as assignments the checker accepts; a
    minimum sub-lot above the quantity is INVALID_ARGUMENT naming the field."""
    stub = pb_grpc.PlanningServiceStub(channel)
    plan_request = _request(split=LotSplit(max_sublots=2, min_sublot_units=20)).model_copy(
        update={"request_id": "lot-splitting-api"})
    message = plan_request_to_proto(plan_request)
    response = stub.CreatePlan(message, timeout=60)
    assert response.plan.kpis.split_operations == 1 and response.plan.kpis.late_orders == 0
    domain_request = plan_request_to_domain(message, Settings())
    assert check_schedule(domain_request, assignments_from_proto(response.plan, domain_request)) == []
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    assert stored.request.factory.products[0].routing[1].lot_split.min_sublot_units == 20
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    bad = plan_request_to_proto(plan_request.model_copy(update={"request_id": "lot-splitting-bad"}))
    bad.orders[0].lot_splits.add(operation_id="OP20", max_sublots=2, min_sublot_units=500)
    with pytest.raises(grpc.RpcError) as raised:
        stub.CreatePlan(bad, timeout=60)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "orders[0].lot_splits[0].min_sublot_units" in {v.field for v in bad_request_violations(raised.value)}
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before


# --- re-planning ---------------------------------------------------------------------------------------------------

def test_a_replan_before_the_sublots_start_resplits_and_one_after_is_refused_with_the_plan_field() -> None:
    plan_request = _request(split=LotSplit(max_sublots=2, min_sublot_units=20))
    plan = _solve(plan_request)
    first = min(a.start for a in _sublots(plan))
    assert len(_sublots(plan)) == 2
    again = replan(plan_request, plan, [], replan_at=0, frozen_minutes=0)
    assert check_plan(again.request, again.plan) == []
    with pytest.raises(InvalidPlanRequest) as refused:
        replan(plan_request, plan, [], replan_at=first + 1, frozen_minutes=0)
    assert [v.field for v in refused.value.violations] == ["plan_id"]
    assert "O0 OP20" in refused.value.violations[0].reason
