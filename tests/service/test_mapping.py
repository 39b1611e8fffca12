"""proto <-> domain mapping: exact round trips, API field names in violations, sub-minute rounding."""

from __future__ import annotations

import pytest
from google.protobuf import duration_pb2
from hypothesis import given, settings
from strategies import plan_requests

from planner.demo_factory import demo_request
from planner.domain import PlanRequest
from prodplan.v1 import planning_service_pb2 as pb
from service.errors import InvalidArgumentError
from service.mapping import api_field, minutes, plan_request_to_domain, plan_request_to_proto
from service.settings import Settings


def test_demo_request_round_trips_exactly() -> None:
    request = demo_request()
    assert plan_request_to_domain(plan_request_to_proto(request), Settings()) == request


@settings(max_examples=40, deadline=None)
@given(plan_requests())
def test_generated_requests_round_trip(request: PlanRequest) -> None:
    assert plan_request_to_domain(plan_request_to_proto(request), Settings()) == request


def test_domain_paths_become_api_paths() -> None:
    assert api_field("orders[2].due") == "orders[2].due_time"
    assert api_field("factory.products[0].routing[1].run_minutes_per_unit") == (
        "factory.products[0].routing[1].run_time_per_unit")
    assert api_field("options.horizon_minutes") == "options.horizon"


def test_durations_round_up_to_whole_minutes() -> None:
    assert minutes(duration_pb2.Duration(seconds=61)) == 2
    assert minutes(duration_pb2.Duration(seconds=120)) == 2
    assert minutes(duration_pb2.Duration(seconds=119), round_up=False) == 1


def test_missing_due_time_and_size_limits_are_violations() -> None:
    message = plan_request_to_proto(demo_request())
    message.orders[0].ClearField("due_time")
    with pytest.raises(InvalidArgumentError) as caught:
        plan_request_to_domain(message, Settings())
    assert [v.field for v in caught.value.violations] == ["orders[0].due_time"]
    with pytest.raises(InvalidArgumentError) as caught:
        plan_request_to_domain(plan_request_to_proto(demo_request()), Settings(max_orders=10))
    assert "at most 10 orders" in caught.value.violations[0].reason


def test_unspecified_day_of_week_is_a_violation() -> None:
    message = plan_request_to_proto(demo_request())
    message.factory.calendars[0].working_days.append(pb.DAY_OF_WEEK_UNSPECIFIED)
    with pytest.raises(InvalidArgumentError) as caught:
        plan_request_to_domain(message, Settings())
    assert any(v.field == "factory.calendars[0].working_days[6]" for v in caught.value.violations)


def test_time_limit_and_workers_are_capped_by_the_server() -> None:
    message = plan_request_to_proto(demo_request())
    message.options.time_limit.FromSeconds(10_000)
    message.options.num_workers = 64
    request = plan_request_to_domain(message, Settings(max_time_limit_s=30, max_workers=2))
    assert request.options.time_limit_seconds == 30 and request.options.num_workers == 2


@pytest.mark.parametrize("lead_times", [True, False])
def test_lot_lead_times_round_trip_and_default_on(lead_times: bool) -> None:
    request = demo_request()
    request = request.model_copy(update={"options": request.options.model_copy(update={"lot_lead_times": lead_times})})
    message = plan_request_to_proto(request)
    assert message.options.skip_lot_lead_times is (not lead_times)
    assert plan_request_to_domain(message, Settings()).options.lot_lead_times is lead_times
    message.options.ClearField("skip_lot_lead_times")
    assert plan_request_to_domain(message, Settings()).options.lot_lead_times is True
