"""CreatePlan from raw plant data: the server forecasts with its models, caller values win, bad data is named."""

from __future__ import annotations

import math

import grpc
import pytest

from planner.demo_factory import demo_request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.demo_plant_data import demo_plant_data
from service.errors import bad_request_violations
from service.mapping import plan_request_to_proto


def _request() -> pb.CreatePlanRequest:
    request = demo_request(time_limit_seconds=3.0, num_workers=1)
    message = plan_request_to_proto(request.model_copy(update={"orders": request.orders[:20]}))
    message.options.skip_prediction_effects = True
    message.request_id = ""
    message.plant_data.CopyFrom(demo_plant_data())
    return message


def test_the_server_forecasts_from_plant_data_and_says_what_each_prediction_became(channel: grpc.Channel) -> None:
    message = _request()
    message.yields.add(product_id="MH-800", machine_id="CNC-3", yield_rate=0.99, source="measured last week")
    plan = pb_grpc.PlanningServiceStub(channel).CreatePlan(message, timeout=120).plan
    assert plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    assert set(plan.model_versions) == {"defect", "risk", "demand"}
    kinds = {u.kind for u in plan.predictions_used}
    assert kinds == {"YIELD", "RISK", "DEMAND"} and all(u.became for u in plan.predictions_used)
    sources = {(u.kind, u.machine_id, u.product_id): u.source for u in plan.predictions_used}
    assert sources[("YIELD", "CNC-3", "MH-800")] == "measured last week"  # the caller's value wins
    assert sources[("YIELD", "DC-2", "BMB")] == f"defect model {plan.model_versions['defect']}"
    assert any(u.kind == "RISK" and plan.model_versions["risk"] in u.source for u in plan.predictions_used)
    assert plan.lot_plan.lots, "forecast demand should become lots of the detailed schedule"
    assert plan.kpis.expected_scrap_units > 0


def test_bad_plant_data_is_invalid_argument_naming_every_field(channel: grpc.Channel) -> None:
    message = _request()
    message.plant_data.telemetry.machines[0].current.torque_nm = math.nan
    message.plant_data.demand.series[0].history[:] = []
    with pytest.raises(grpc.RpcError) as caught:
        pb_grpc.PlanningServiceStub(channel).CreatePlan(message, timeout=60)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = [v.field for v in bad_request_violations(caught.value)]
    assert any(f.startswith("plant_data.telemetry.machines[0]") for f in fields), fields
    assert any(f.startswith("plant_data.demand.series[0]") for f in fields), fields
