"""PlanningService: thin handlers that map in, call the planner (in the solver pool) and map out."""

from __future__ import annotations

import time
import uuid

import grpc

from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.mapping import plan_request_to_domain, plan_to_proto
from service.settings import Settings
from service.solver_pool import SolverPool


class PlanningServicer(pb_grpc.PlanningServiceServicer):
    def __init__(self, settings: Settings, pool: SolverPool) -> None:
        self._settings = settings
        self._pool = pool

    async def CreatePlan(  # noqa: N802 (gRPC method name)
        self, request: pb.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePlanResponse:
        remaining = context.time_remaining()
        deadline = time.time() + remaining if remaining is not None else None
        plan_request = plan_request_to_domain(request, self._settings)
        result = await self._pool.solve(plan_request, deadline)
        return pb.CreatePlanResponse(plan_id=str(uuid.uuid4()), plan=plan_to_proto(plan_request, result))
