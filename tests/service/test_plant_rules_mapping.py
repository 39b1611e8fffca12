"""Time lags, transfer batches and work in progress: exact proto <-> domain round trips, safe-side
rounding, API field names."""

from __future__ import annotations

from datetime import timedelta

from planner.domain import PlanRequest, Product, RunningOperation, WorkInProgress
from planner.testing import operation, order, request
from prodplan.v1 import planning_service_pb2 as pb
from service.mapping import api_field, plan_request_to_domain, plan_request_to_proto
from service.settings import Settings


def _with_plant_rules() -> PlanRequest:
    routing = [operation("cast", ["DC"]),
               operation("heat", ["HT"]).model_copy(update={"min_lag_minutes": 120, "max_lag_minutes": 1440}),
               operation("machine", ["CNC"]).model_copy(update={"min_lag_minutes": 30}),
               operation("inspect", ["QC"]).model_copy(update={"transfer_batch_units": 12})]
    progress = WorkInProgress(done_operation_ids=["cast"], running=RunningOperation(
        operation_id="heat", machine_id="HT", started=-95, remaining_minutes=45))
    orders = [order("A", "P", 10).model_copy(update={"work_in_progress": progress}), order("B", "P", 10),
              order("C", "P", 10).model_copy(update={"work_in_progress": WorkInProgress(done_operation_ids=["cast"])})]
    return request(["DC", "HT", "CNC", "QC"], [Product(id="P", routing=routing)], orders)


def test_lags_and_work_in_progress_round_trip_exactly() -> None:
    req = _with_plant_rules()
    message = plan_request_to_proto(req)
    assert message.factory.products[0].routing[1].HasField("max_lag")
    assert not message.factory.products[0].routing[2].HasField("max_lag")  # unset: no maximum
    assert [op.transfer_batch_units for op in message.factory.products[0].routing] == [0, 0, 0, 12]
    assert message.orders[0].work_in_progress.running.remaining.ToTimedelta() == timedelta(minutes=45)
    assert not message.orders[1].HasField("work_in_progress")
    assert plan_request_to_domain(message, Settings()) == req


def test_lags_round_to_the_safe_side_and_running_started_may_be_unset() -> None:
    message = plan_request_to_proto(_with_plant_rules())
    heat = message.factory.products[0].routing[1]
    heat.min_lag.FromTimedelta(timedelta(minutes=119, seconds=30))
    heat.max_lag.FromTimedelta(timedelta(minutes=1440, seconds=30))
    message.orders[0].work_in_progress.running.ClearField("started")
    mapped = plan_request_to_domain(message, Settings())
    lagged = mapped.factory.products[0].routing[1]
    assert (lagged.min_lag_minutes, lagged.max_lag_minutes) == (120, 1440)
    progress = mapped.orders[0].work_in_progress
    assert progress is not None and progress.running is not None and progress.running.started is None


def test_new_domain_paths_become_api_paths() -> None:
    assert api_field("factory.products[0].routing[1].max_lag_minutes") == "factory.products[0].routing[1].max_lag"
    assert api_field("orders[3].work_in_progress.running.remaining_minutes") == (
        "orders[3].work_in_progress.running.remaining")
    assert pb.Order.DESCRIPTOR.fields_by_name["work_in_progress"].number == 8
