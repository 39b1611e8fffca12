"""The plant-grade demo plant (`planner.demo_plant`): it validates, it carries every plant rule, it round-trips
through the API and examples/plant_resources.json, and one short solve gives a plan the checker accepts that uses
every rule (furnace loads, resource holds, material waits, time lags, pausing, a transfer batch, work in progress
continued) with late orders explained by a furnace load, a resource shortage and a material wait, in English and
Korean."""

from __future__ import annotations

from collections import Counter

import pytest
from google.protobuf import json_format

from planner.calendar import availability_by_machine
from planner.checker import check_schedule
from planner.demo_factory import demo_request
from planner.demo_plant import (
    BEARING,
    COOLING_MINUTES,
    HEAT_TREAT_WITHIN_MINUTES,
    INGOT,
    INSPECTOR,
    SETTER,
    plant_grade_request,
)
from planner.domain import PlanRequest
from planner.explanations.late_orders import explain_late_orders
from planner.kpis import order_results
from planner.plan import create_plan
from planner.risk import planning_availability
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.materials import component_ids, material_waits
from planner.scheduling.rules.resources import holds_of
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.validation import find_violations
from prodplan.v1 import planning_service_pb2 as pb
from service.demo_report import plant_rules_summary
from service.examples import EXAMPLES
from service.mapping import plan_request_to_domain, plan_request_to_proto, plan_to_proto
from service.settings import Settings

SOLVE_SECONDS = 8.0


@pytest.fixture(scope="module")
def request_() -> PlanRequest:
    return plant_grade_request(time_limit_seconds=SOLVE_SECONDS)


@pytest.fixture(scope="module")
def plan(request_: PlanRequest) -> PlanResult:
    return create_plan(request_)


def _by_order(assignments: list[ScheduledOperation]) -> dict[str, list[ScheduledOperation]]:
    found: dict[str, list[ScheduledOperation]] = {}
    for a in sorted(assignments, key=lambda a: a.operation_index):
        found.setdefault(a.order_id, []).append(a)
    return found


def test_the_plant_grade_request_is_valid_and_carries_every_rule(request_: PlanRequest) -> None:
    assert find_violations(request_) == []
    factory = request_.factory
    furnaces = [m for m in factory.machines if m.is_batch]
    assert {m.id for m in furnaces} == {"HT-1", "HT-2"} and all(len(m.recipes) >= 2 for m in furnaces)
    setters = next(r for r in factory.resources if r.id == SETTER)
    assert setters.calendar_id and [(s.shift, s.capacity) for s in setters.shift_capacities] == [("early", 3)]
    assert any(r.id == INSPECTOR and r.shift_capacities for r in factory.resources)
    dies = [r for r in factory.resources if r.id.startswith("die-")]
    casting = [op for p in factory.products for op in p.routing if op.id == "OP10-cast"]
    shared = [op for op in casting if len(op.eligible_machines) > 1
              and any(n.resource_id.startswith("die-") for n in op.resources)]
    assert dies and shared, "dies shared by the die-casting cells"
    materials = {m.id: m for m in factory.materials}
    assert materials[INGOT].receipts and materials[BEARING].receipts
    assert component_ids(request_) == {"GBX-C"}, "a subassembly made in-house and consumed by its parent"
    operations = [op for p in factory.products for op in p.routing]
    assert any(op.min_lag_minutes == COOLING_MINUTES for op in operations)
    assert any(op.max_lag_minutes == HEAT_TREAT_WITHIN_MINUTES for op in operations)
    assert any(op.may_pause for op in operations) and any(op.transfer_batch_units for op in operations)
    progress = [o.work_in_progress for o in request_.orders if o.work_in_progress is not None]
    assert any(p.running is not None for p in progress) and any(p.done_operation_ids and p.running is None
                                                                for p in progress)
    assert {o.id for o in demo_request().orders} <= {o.id for o in request_.orders}, "the demo orders are the base"


def test_the_request_round_trips_through_the_api_and_is_the_example(request_: PlanRequest) -> None:
    message = plan_request_to_proto(request_)
    assert plan_request_to_domain(message, Settings()) == request_
    example = json_format.Parse((EXAMPLES / "plant_resources.json").read_text(), pb.CreatePlanRequest())
    example.options.time_limit.CopyFrom(message.options.time_limit)
    assert plan_request_to_domain(example, Settings()) == request_


def test_a_short_solve_gives_a_plan_the_checker_accepts_that_uses_every_rule(request_: PlanRequest,
                                                                               plan: PlanResult) -> None:
    assert plan.status.has_solution, plan.infeasibility_reasons
    assert check_schedule(request_, plan.assignments, plan.maintenance) == []
    loads = loads_of(request_, plan.assignments)
    assert {load.machine_id for load in loads} == {"HT-1", "HT-2"} and any(len(load.order_ids) > 1 for load in loads)
    holds = Counter((h.resource_id, h.setup_only) for h in holds_of(request_, plan.assignments))
    assert holds[(SETTER, True)] and holds[(INSPECTOR, False)] and any(r.startswith("die-") for r, _ in holds)
    waited = {w.material_id for w in material_waits(request_, build_jobs(request_), plan.assignments)}
    assert {INGOT, BEARING} <= waited
    orders = _by_order(plan.assignments)
    for order in request_.orders:  # the lags hold (the checker says so too); here: they are in the plan
        ops = {a.operation_id: a for a in orders[order.id]}
        if "OP10-cast" in ops and "OP20-heat-treat" in ops:
            assert ops["OP20-heat-treat"].start <= ops["OP10-cast"].end + HEAT_TREAT_WITHIN_MINUTES
        if "OP10-cast" in ops and "OP30-machine" in ops and "OP20-heat-treat" not in ops:
            assert ops["OP30-machine"].start >= ops["OP10-cast"].end + COOLING_MINUTES
    # work in progress continued: the running furnace load and casting from plan start, nothing redone
    first = {order_id: (ops[0].operation_id, ops[0].machine_id, ops[0].start) for order_id, ops in orders.items()}
    assert first["SO-26207"] == ("OP20-heat-treat", "HT-1", 0) and first["SO-26202"] == ("OP10-cast", "DC-2", 0)
    assert [a.operation_id for a in orders["SO-26204"]] == ["OP40-inspect"]


def test_the_late_orders_name_a_furnace_load_a_resource_shortage_and_a_material_wait(request_: PlanRequest,
                                                                                       plan: PlanResult) -> None:
    reasons = {e.order_id: e for e in plan.late_orders}
    codes = {e.reason_code for e in plan.late_orders}
    assert {"BATCH_LOAD", "RESOURCE_SHORTAGE", "MATERIAL_WAIT"} <= codes, [(e.order_id, e.reason) for e in
                                                                          plan.late_orders]
    assert reasons["SO-26206"].reason_code == "MATERIAL_WAIT" and BEARING in reasons["SO-26206"].reason
    batch = next(e for e in plan.late_orders if e.reason_code == "BATCH_LOAD")
    assert "load on HT-" in batch.reason and batch.orders_ahead
    short = next(e for e in plan.late_orders if e.reason_code == "RESOURCE_SHORTAGE")
    assert short.fix.startswith("One more ")
    korean = request_.model_copy(update={"options": request_.options.model_copy(update={"locale": "ko"})})
    calendar = availability_by_machine(korean)
    results = order_results(korean, plan.assignments)
    ko = explain_late_orders(korean, build_jobs(korean), planning_availability(korean, calendar), plan.assignments,
                             [r for r in results if not r.on_time], plan.maintenance)
    assert {e.reason_code for e in ko} == {e.reason_code for e in plan.late_orders}
    assert all(any("\uac00" <= c <= "\ud7a3" for c in e.reason) for e in ko)


def test_the_demo_report_shows_loads_resource_use_material_waits_and_the_reasons(request_: PlanRequest,
                                                                                   plan: PlanResult) -> None:
    report = plant_rules_summary(plan_to_proto(request_, plan), request_)
    for heading in ("Furnace loads (", "Resource use", "Material waits (", "Work in progress at plan start",
                    "Late orders held back by a plant rule"):
        assert heading in report, heading
    assert "fill" in report and f"{SETTER} " in report and "dies " in report and BEARING in report
    assert "SO-26207  done OP10-cast; running OP20-heat-treat on HT-1 until Mon 02 Mar 08:30 -> OP30-machine" in report
    assert "[BATCH_LOAD]" in report and "[RESOURCE_SHORTAGE]" in report and "[MATERIAL_WAIT]" in report
