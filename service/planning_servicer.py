"""PlanningService: thin handlers that map in, call the planner (in the solver pool) and map out.

Every plan that comes back from the solver is stored (request and response) under its plan id; a
client-supplied `request_id` makes CreatePlan idempotent. Invalid requests store nothing; a solve that
fails stores a record marked FAILED with the reason; a cancelled call stores nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import duration_pb2
from google.protobuf.message import Message
from ortools import __version__ as ortools_version  # type: ignore[attr-defined]

from forecaster import ForecastModels
from planner.domain import PlanRequest
from planner.replanning.replan import replan
from planner.solution import PlanResult
from planner.timings import PhaseClock
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.auth import ANONYMOUS, identity_var
from service.errors import (
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    OverloadedError,
    SolverUnavailableError,
)
from service.mapping import (
    order_to_domain,
    phases_to_proto,
    plan_request_to_domain,
    plan_request_to_proto,
    plan_to_proto,
    to_datetime,
    to_timestamp,
)
from service.plant_data import forecast_plant_data, merge_predictions
from service.ranges import check_ranges
from service.scenario_mapping import (
    comparison_to_proto,
    disruptions_from_proto,
    released_plan_from_proto,
    replan_to_proto,
    scenarios_from_proto,
)
from service.settings import Settings
from service.solver_pool import SolverPool
from service.store import PLAN_KINDS, DuplicateRequestError, PlanRecord, PlanStore
from service.tracing import phases_of, record_phases, set_attributes, span

logger = logging.getLogger(__name__)


def _checked_domain(message: pb.CreatePlanRequest, settings: Settings) -> PlanRequest:
    """Every value in a computable range (service/ranges.py) first, then mapped and validated."""
    check_ranges(message)
    return plan_request_to_domain(message, settings)


def _tenant() -> str:
    """The caller's tenant: every stored record belongs to one, and a call sees only its own."""
    return (identity_var.get() or ANONYMOUS).tenant


def _deadline(context: grpc.aio.ServicerContext) -> float | None:
    remaining = context.time_remaining()
    return time.time() + remaining if remaining is not None else None


def plan_summary(request: PlanRequest, result: PlanResult) -> dict[str, Any]:
    summary: dict[str, Any] = {"orders": len(request.orders), "machines": len(request.factory.machines),
                               "objective": result.stats.objective if result.status.has_solution else None}
    if result.kpis is not None:
        summary["on_time_rate"] = result.kpis.on_time_rate
    return summary


def solver_parameters(request: PlanRequest) -> dict[str, Any]:
    options = request.options
    return {"solver": "cp-sat", "ortools": ortools_version, "time_limit_s": options.time_limit_seconds,
            "num_workers": options.num_workers, "random_seed": options.random_seed,
            "objective": options.objective.value, "risk_policy": options.risk_policy.value}


class PlanningServicer(pb_grpc.PlanningServiceServicer):
    def __init__(self, settings: Settings, pool: SolverPool, store: PlanStore,
                 models: ForecastModels | None = None) -> None:
        self._settings = settings
        self._pool = pool
        self._store = store
        self._models = models

    async def _domain_request(self, message: pb.CreatePlanRequest) -> tuple[PlanRequest, dict[str, str]]:
        """Map and validate, then add the predictions of the plant data (`_mapped`, `_with_predictions`)."""
        return await self._with_predictions(message, await self._mapped(message))

    async def _mapped(self, message: pb.CreatePlanRequest) -> PlanRequest:
        """Map and validate, off the event loop (a large request takes long enough to stall health checks)."""
        with span("mapping"):
            return await asyncio.to_thread(_checked_domain, message, self._settings)

    async def _with_predictions(self, message: pb.CreatePlanRequest, request: PlanRequest
                                ) -> tuple[PlanRequest, dict[str, str]]:
        """With plant data, forecast from it (off the event loop) and merge the predictions."""
        if not message.HasField("plant_data"):
            return request, {}
        if self._models is None:
            raise InvalidArgumentError([FieldViolation(
                "plant_data", "this server has no forecast models loaded; send yields, machine_risks and "
                              "demand_forecasts instead")])
        with span("forecast.plant_data"):
            forecasts = await asyncio.to_thread(forecast_plant_data, message.plant_data, request, self._models)
        return merge_predictions(request, forecasts), forecasts.model_versions

    async def CreatePlan(  # noqa: N802 (gRPC method name)
        self, request: pb.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePlanResponse:
        clock = PhaseClock()
        with clock.phase("mapping"):
            mapped = await self._mapped(request)  # every problem of a bad request first, even for a known id
        if stored := await self._stored_plan(request):
            return stored
        self._pool.check_capacity()  # refuse before forecasting or solving when the pool is full
        plan_request, versions = await self._with_predictions(request, mapped)
        plan_id = str(uuid.uuid4())
        try:
            with span("solve"):
                result = await self._pool.solve(plan_request, _deadline(context))
                _trace_result(result)
        except (OverloadedError, SolverUnavailableError):
            raise  # a refusal, or a solver process lost under the call: retried by the client, nothing stored
        except Exception as error:
            await self._store_failure(plan_id, request, error)
            raise
        return await self._save(plan_id, request, plan_request, _after(clock, result), versions)

    async def StreamPlan(  # noqa: N802
        self, request: pb.CreatePlanRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamPlanResponse]:
        clock = PhaseClock()
        with clock.phase("mapping"):
            mapped = await self._mapped(request)
        if stored := await self._stored_plan(request):
            yield pb.StreamPlanResponse(result=stored)
            return
        self._pool.check_capacity()
        plan_request, versions = await self._with_predictions(request, mapped)
        plan_id = str(uuid.uuid4())
        updates = self._pool.solve_streaming(plan_request, _deadline(context))
        try:
            async for update in updates:
                if isinstance(update, PlanResult):
                    _trace_result(update)
                    saved = await self._save(plan_id, request, plan_request, _after(clock, update), versions)
                    yield pb.StreamPlanResponse(result=saved)
                else:
                    yield pb.StreamPlanResponse(progress=_progress(*update))
        finally:
            await updates.aclose()  # a cancelled call stops the solver here

    async def GetPlan(  # noqa: N802
        self, request: pb.GetPlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPlanResponse:
        record = await self._record(request.plan_id, "plan_id")
        response = pb.GetPlanResponse(plan_id=record.plan_id, kind=record.kind,
                                      create_time=to_timestamp(record.created_at),
                                      parent_plan_id=record.parent_plan_id)
        if record.kind == "comparison":
            response.comparison.ParseFromString(record.response)
            comparison_request = pb.CompareScenariosRequest.FromString(record.request)
            response.request.CopyFrom(comparison_request.base)
            if response.comparison.results:
                response.plan.CopyFrom(response.comparison.results[0].plan)
            return response
        response.request.ParseFromString(record.request)
        if record.response:
            response.plan.CopyFrom(_stored_plan_message(record).plan)
        return response

    async def DeletePlan(  # noqa: N802
        self, request: pb.DeletePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeletePlanResponse:
        if not request.plan_id:
            raise InvalidArgumentError([FieldViolation("plan_id", "is required")])
        if not await self._store.delete(request.plan_id, _tenant()):
            raise NotFoundError(f"no stored plan with id '{request.plan_id}'")
        logger.info("deleted %s", request.plan_id)
        return pb.DeletePlanResponse(plan_id=request.plan_id)

    async def ListPlans(  # noqa: N802
        self, request: pb.ListPlansRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPlansResponse:
        check_ranges(request)
        problems = []
        if request.kind and request.kind not in PLAN_KINDS:
            problems.append(FieldViolation("kind", f"must be one of {', '.join(PLAN_KINDS)}"))
        if request.page_size < 0:
            problems.append(FieldViolation("page_size", "must not be negative"))
        if (request.HasField("created_after") and request.HasField("created_before")
                and to_datetime(request.created_after) > to_datetime(request.created_before)):
            problems.append(FieldViolation("created_before", "is before created_after"))
        if problems:
            raise InvalidArgumentError(problems)
        try:
            records, token = await self._store.list(
                kind=request.kind or None, status=request.status or None,
                created_after=to_datetime(request.created_after) if request.HasField("created_after") else None,
                created_before=to_datetime(request.created_before) if request.HasField("created_before") else None,
                page_size=request.page_size, page_token=request.page_token, tenant=_tenant(),
            )
        except ValueError as error:  # the fields above are checked: what is left is the page token
            raise InvalidArgumentError([FieldViolation("page_token", str(error))]) from error
        return pb.ListPlansResponse(plans=[_summary(r) for r in records], next_page_token=token)

    async def Replan(  # noqa: N802
        self, request: pb.ReplanRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReplanResponse:
        check_ranges(request)
        if done := await self._already_done("replan", request):
            return pb.ReplanResponse.FromString(done.response)
        self._pool.check_capacity()
        record = await self._record_for_replan(request.plan_id)
        released_message = _stored_plan_message(record).plan
        stored = await self._as_planned(pb.CreatePlanRequest.FromString(record.request), released_message)
        released = released_plan_from_proto(released_message, stored)
        inputs = disruptions_from_proto(request, stored, self._settings)
        with span("solve", **{"prodplan.kind": "replan"}):
            result = await self._pool.run(replan, self._pool.capped(inputs.request, _deadline(context)), released,
                                          inputs.disruptions, inputs.replan_at,
                                          inputs.frozen_minutes, inputs.move_cost, inputs.machine_change_cost,
                                          cost_hint=inputs.request)
        plan_id = str(uuid.uuid4())
        response = replan_to_proto(plan_id, request.plan_id, result)
        new_request = plan_request_to_proto(result.request)
        stored_response = await self._save_once(PlanRecord(
            plan_id=plan_id, kind="replan", status=pb.PlanStatus.Name(response.plan.status),
            request_id=request.request_id, parent_plan_id=request.plan_id,
            request=new_request.SerializeToString(deterministic=True),
            response=response.SerializeToString(),
            summary={**plan_summary(result.request, result.plan), "changes": len(response.changes),
                     "unchanged": response.unchanged_operations, FINGERPRINT: _fingerprint(request)},
            solver_parameters=solver_parameters(result.request), tenant=_tenant()))
        return pb.ReplanResponse.FromString(stored_response)

    async def CompareScenarios(  # noqa: N802
        self, request: pb.CompareScenariosRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompareScenariosResponse:
        await asyncio.to_thread(check_ranges, request)
        mapped = await self._mapped(request.base)
        if done := await self._already_done("comparison", request):
            return pb.CompareScenariosResponse.FromString(done.response)
        self._pool.check_capacity()
        base, _ = await self._with_predictions(request.base, mapped)
        scenarios = await asyncio.to_thread(scenarios_from_proto, request, base)
        with span("solve", **{"prodplan.kind": "comparison"}):
            set_attributes(**{"prodplan.scenarios": len(scenarios)})
            plans = await self._pool.solve_many([base, *(r for _, r in scenarios)], _deadline(context))
        comparison_id = str(uuid.uuid4())
        solved = [(name, scenario, plan) for (name, scenario), plan in zip(scenarios, plans[1:], strict=True)]
        response = comparison_to_proto(comparison_id, base, plans[0], solved)
        stored_response = await self._save_once(PlanRecord(
            plan_id=comparison_id, kind="comparison", status=pb.PlanStatus.Name(response.results[0].status),
            request_id=request.request_id, request=request.SerializeToString(deterministic=True),
            response=response.SerializeToString(),
            summary={**plan_summary(base, plans[0]), "scenarios": len(scenarios), FINGERPRINT: _fingerprint(request)},
            solver_parameters=solver_parameters(base), tenant=_tenant()))
        return pb.CompareScenariosResponse.FromString(stored_response)

    async def _as_planned(self, message: pb.CreatePlanRequest, plan: pb.Plan) -> PlanRequest:
        """The request as the released plan was made: predictions re-derived from its plant data (same
        models, same values), its forecast lots as firm orders, and no second round of lot sizing."""
        request, _ = await self._domain_request(message)
        start = request.options.plan_start
        lots = [order_to_domain(lot, start) for lot in plan.lot_plan.lots]
        options = request.options.model_copy(update={"lot_sizing": False})
        return request.model_copy(update={"orders": [*request.orders, *lots], "demand_forecasts": [],
                                          "options": options})

    async def _record_for_replan(self, plan_id: str) -> PlanRecord:
        """The stored plan to re-plan; an unknown id is a field violation of the request."""
        record = await self._store.get(plan_id, _tenant()) if plan_id else None
        if record is None or record.kind == "comparison" or not record.response:
            reason = "is required" if not plan_id else f"no stored plan with id '{plan_id}'"
            raise InvalidArgumentError([FieldViolation("plan_id", reason)])
        return record

    async def _stored_plan(self, message: pb.CreatePlanRequest) -> pb.CreatePlanResponse | None:
        record = await self._already_done("plan", message)
        return _stored_plan_message(record) if record is not None else None

    async def _already_done(self, kind: str, message: Message) -> PlanRecord | None:
        """Idempotency for every kind of call: the stored record of a request id already answered for the same
        request; the same id with a different request is refused rather than answered with another's result."""
        request_id = getattr(message, "request_id", "")
        if not request_id:
            return None
        record = await self._store.find_by_request_id(request_id, kind, _tenant())
        if record is None:
            return None
        if record.summary.get(FINGERPRINT) != _fingerprint(message):
            raise InvalidArgumentError([FieldViolation(
                "request_id", f"already used for a different request ({kind} {record.plan_id}); use a new request id")])
        logger.info("request id %s already answered as %s %s: returning it", request_id, kind, record.plan_id)
        return record

    async def _save_once(self, record: PlanRecord) -> bytes:
        """Store a record; when a concurrent call with the same request id won, return the winner's response."""
        try:
            await self._store.save(record)
        except DuplicateRequestError as duplicate:
            stored = await self._store.get(duplicate.existing_plan_id, _tenant())
            if stored is not None:
                return stored.response
            raise
        return record.response

    async def _save(self, plan_id: str, message: pb.CreatePlanRequest, request: PlanRequest,
                    result: PlanResult, model_versions: dict[str, str]) -> pb.CreatePlanResponse:
        clock = PhaseClock()
        # Off the event loop: mapping a plan of thousands of operations takes tens of milliseconds, which
        # forecast calls and health checks arriving meanwhile would otherwise wait for in one block.
        record = await asyncio.to_thread(_plan_record, plan_id, message, request, result, model_versions, clock,
                                         _tenant())
        with clock.phase("storing"):
            stored = await self._save_once(record)
        # The reply is the stored record (GetPlan returns the same), so its phases end with mapping the reply;
        # storing, which comes after, is logged.
        logger.info("plan %s stored in %.3f s", plan_id, clock.phases[-1].seconds)
        return pb.CreatePlanResponse.FromString(stored)

    async def _store_failure(self, plan_id: str, message: pb.CreatePlanRequest, error: Exception) -> None:
        logger.exception("solve failed")
        record = PlanRecord.failed(kind="plan", request=message.SerializeToString(deterministic=True), plan_id=plan_id,
                                   request_id=message.request_id, reason=f"{type(error).__name__}: {error}",
                                   tenant=_tenant())
        await self._store.save(record)

    async def _record(self, plan_id: str, field: str) -> PlanRecord:
        if not plan_id:
            raise InvalidArgumentError([FieldViolation(field, "is required")])
        record = await self._store.get(plan_id, _tenant())
        if record is None:
            raise NotFoundError(f"no stored plan with id '{plan_id}'")
        return record


FINGERPRINT = "request_sha256"
"""Summary key of the hash of the request a record answers, for idempotency checks."""


def _plan_record(plan_id: str, message: pb.CreatePlanRequest, request: PlanRequest, result: PlanResult,
                 model_versions: dict[str, str], clock: PhaseClock, tenant: str) -> PlanRecord:
    """The reply (mapped, with its phases and model versions) as the record the store keeps."""
    with span("mapping.reply"), clock.phase("mapping"):
        response = pb.CreatePlanResponse(plan_id=plan_id, plan=plan_to_proto(request, result))
    response.plan.statistics.phases.extend(phases_to_proto(clock.phases))
    response.plan.model_versions.update(model_versions)
    return PlanRecord(plan_id=plan_id, kind="plan", status=pb.PlanStatus.Name(response.plan.status),
                      request_id=message.request_id, request=message.SerializeToString(deterministic=True),
                      response=response.SerializeToString(),
                      summary={**plan_summary(request, result), FINGERPRINT: _fingerprint(message)},
                      model_versions=model_versions, solver_parameters=solver_parameters(request), tenant=tenant)


def _fingerprint(message: Message) -> str:
    return hashlib.sha256(message.SerializeToString(deterministic=True)).hexdigest()


def _stored_plan_message(record: PlanRecord) -> pb.CreatePlanResponse:
    """The plan of a stored plan or re-plan (a re-plan's record holds its whole ReplanResponse)."""
    if record.kind == "replan":
        replanned = pb.ReplanResponse.FromString(record.response)
        return pb.CreatePlanResponse(plan_id=replanned.plan_id, plan=replanned.plan)
    return pb.CreatePlanResponse.FromString(record.response)


def _after(clock: PhaseClock, result: PlanResult) -> PlanResult:
    """The result with the service's phases before the solve (mapping the request) ahead of the planner's."""
    return result.model_copy(update={"phases": [*clock.phases, *result.phases]})


def _trace_result(result: PlanResult) -> None:
    """The plan's status on the current span, and the phases timed in the solver process as its children."""
    set_attributes(**{"prodplan.plan_status": result.status.name})
    record_phases(phases_of(result))


def _progress(objective: float, bound: float, elapsed: float) -> pb.SolveProgress:
    gap = abs(objective - bound) / max(abs(objective), 1e-9) if objective != bound else 0.0
    span = duration_pb2.Duration()
    span.FromNanoseconds(int(elapsed * 1e9))
    return pb.SolveProgress(objective=objective, best_bound=bound, gap=gap, elapsed=span)


def _summary(record: PlanRecord) -> pb.PlanSummary:
    summary = record.summary
    return pb.PlanSummary(
        plan_id=record.plan_id, kind=record.kind, status=record.status, create_time=to_timestamp(record.created_at),
        request_id=record.request_id, parent_plan_id=record.parent_plan_id, orders=int(summary.get("orders") or 0),
        on_time_rate=float(summary.get("on_time_rate") or 0.0), objective=float(summary.get("objective") or 0.0),
    )
