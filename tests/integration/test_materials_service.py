"""Materials and a bill of materials over a real channel: `examples/plant_materials.json` (two die-casting cells
that take 2.5 kg of aluminium ingot per housing, 300 kg on hand and 600 kg arriving on Tuesday; motor housings made
in-house by three work orders; drive units that press two bought-in bearings, 60 on hand and 300 arriving on
Wednesday, into each housing) plans a schedule whose stock never goes negative, the material waits and their total
come back in the plan, the urgent drive-unit order names the bearings and the date they would have to arrive, a
shortage is INFEASIBLE with the shortfall and the latest arrival, the request round-trips through the mapping and
the store, and bad material input is INVALID_ARGUMENT with a field violation each and nothing stored."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from google.protobuf import json_format
from plant_examples import EXAMPLES, SOLVED, as_domain, example_message

from planner.checker import check_schedule
from planner.domain import PlanRequest
from planner.scheduling.rules.materials import material_waits
from planner.scheduling.tasks import build_jobs
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo import assignments_from_proto
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto


def _message() -> pb.CreatePlanRequest:
    return example_message("plant_materials.json")


def _domain(message: pb.CreatePlanRequest) -> PlanRequest:
    return as_domain(message)


def test_the_materials_example_keeps_the_stock_and_says_who_waited_for_what(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message()
    req = _domain(message)
    response = stub.CreatePlan(message, timeout=60)
    plan = response.plan
    assert plan.status in SOLVED
    placed = assignments_from_proto(plan, req)
    assert check_schedule(req, placed) == []
    # the waits in the answer are the schedule's, and their total is the KPI
    expected = material_waits(req, build_jobs(req), placed)
    assert [(w.order_id, w.operation_id, w.material_id, timedelta(minutes=w.minutes)) for w in expected] == [
        (w.order_id, w.operation_id, w.material_id, w.wait.ToTimedelta()) for w in plan.material_waits]
    assert {w.material_id for w in plan.material_waits} >= {"BRG-6205"}
    assert plan.material_wait_total.ToTimedelta() >= max(w.wait.ToTimedelta() for w in plan.material_waits)
    # no drive unit is pressed before the housings it takes are made: 60 of 80 from H-101
    first_press = min(a.start.ToDatetime() for a in plan.assignments if a.operation_id == "OP10-press-bearings")
    first_housing = min(a.end.ToDatetime() for a in plan.assignments if a.operation_id == "OP20-machine")
    assert first_press >= first_housing
    # E-201 (due Tuesday) waited for Wednesday's bearings: the explanation names them and a date before it
    (late,) = [e for e in plan.late_orders if e.order_id == "E-201"]
    assert late.reason_code == "MATERIAL_WAIT", late.reason
    assert "BRG-6205" in late.reason and "120 pcs" in late.reason
    assert late.fix.startswith("BRG-6205 would have to arrive by Tue 03 Mar")
    assert late.fix_saves.ToTimedelta() == late.lateness.ToTimedelta() > timedelta(0)
    stored = stub.GetPlan(pb.GetPlanRequest(plan_id=response.plan_id), timeout=10)
    assert stored.request.factory.materials == message.factory.materials
    assert stored.request.factory.products[1].routing[0].materials == message.factory.products[1].routing[0].materials


def test_too_few_bearings_is_infeasible_with_the_shortfall_and_the_latest_arrival(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message()
    message.request_id = "materials-short"
    bearings = message.factory.materials[1]
    assert bearings.id == "BRG-6205"
    bearings.receipts[0].quantity = 100  # 160 bearings for 320 needed
    plan = stub.CreatePlan(message, timeout=60).plan
    assert plan.status == pb.PLAN_STATUS_INFEASIBLE
    (short,) = plan.material_shortages
    assert (short.material_id, short.needed, short.available, short.shortfall) == ("BRG-6205", 320, 160, 160)
    horizon_end = plan.horizon_end.ToDatetime()
    assert plan.plan_start.ToDatetime() < short.latest_arrival.ToDatetime() < horizon_end
    assert any("BRG-6205" in r and "160 pcs short" in r for r in plan.infeasibility_reasons)


def test_bad_material_input_is_invalid_and_nothing_is_stored(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = _message()
    message.request_id = "materials-invalid"
    ingot = message.factory.materials[0]
    ingot.on_hand = -5
    ingot.receipts[0].time.FromDatetime(message.options.plan_start.ToDatetime() - timedelta(hours=1))
    ingot.receipts.add(quantity=10)  # no time
    cast = message.factory.products[0].routing[0]
    cast.materials.add(material_id="MAGNESIUM", quantity_per_unit=1)
    cast.materials[0].quantity_per_unit = -2.5
    # a cycle: the housing's machining would take a drive unit, which takes a housing
    message.factory.products[0].routing[1].materials.add(material_id="DRIVE-UNIT-E1", quantity_per_unit=1)
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert violations["factory.materials[0].receipts[1].time"] == "is required"
    assert violations["factory.materials[0].on_hand"] == "must be a finite number, at least 0"
    assert "horizon" in violations["factory.materials[0].receipts[0].time"]
    assert violations["factory.products[0].routing[0].materials[1].material_id"] == \
        "unknown material or component 'MAGNESIUM'"
    assert violations["factory.products[0].routing[0].materials[0].quantity_per_unit"] == \
        "must be a finite number greater than 0"
    (cycle,) = [reason for field, reason in violations.items() if "cycle" in reason]
    assert "DRIVE-UNIT-E1 -> HOUSING-MH800 -> DRIVE-UNIT-E1" in cycle
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before


def test_material_fields_round_trip_and_keep_their_numbers() -> None:
    message = _message()
    req = _domain(message)
    ingot = req.factory.materials[0]
    assert (ingot.unit, ingot.on_hand, [(r.minute, r.quantity) for r in ingot.receipts]) == ("kg", 300, [(1440, 600)])
    assert [(u.material_id, u.quantity_per_unit) for u in req.factory.products[1].routing[0].materials] == [
        ("HOUSING-MH800", 1), ("BRG-6205", 2)]
    assert _domain(plan_request_to_proto(req)) == req
    example = (EXAMPLES / "plant_materials.json").read_text()
    assert plan_request_to_proto(_domain(json_format.Parse(example, pb.CreatePlanRequest()))) == \
        json_format.Parse(example, pb.CreatePlanRequest())  # the example is what the mapping writes
    assert pb.Factory.DESCRIPTOR.fields_by_name["materials"].number == 8
    assert pb.Operation.DESCRIPTOR.fields_by_name["materials"].number == 19
    assert [pb.Plan.DESCRIPTOR.fields_by_name[name].number
            for name in ("material_waits", "material_shortages", "material_wait_total")] == [28, 29, 30]
