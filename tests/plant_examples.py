"""The plant-rule examples of examples/ as requests: the API message with a short time limit, and the
domain request the service maps it to (the integration tests of each rule start from these)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from google.protobuf import json_format

from planner.domain import PlanRequest
from prodplan.v1 import planning_service_pb2 as pb
from service.mapping import plan_request_to_domain
from service.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SOLVED = (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)


def example_message(name: str, seconds: float = 4.0) -> pb.CreatePlanRequest:
    """examples/<name> (protobuf JSON) with its time limit set to `seconds`."""
    message = json_format.Parse((EXAMPLES / name).read_text(), pb.CreatePlanRequest())
    message.options.time_limit.FromTimedelta(timedelta(seconds=seconds))
    return message


def as_domain(message: pb.CreatePlanRequest) -> PlanRequest:
    return plan_request_to_domain(message, Settings())
