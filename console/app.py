"""The console's web application: the page (own static JS/CSS), and a small JSON API over PlanningService.

Every route maps to gRPC calls through `PlanningClient`; messages travel as protobuf JSON (camelCase) so the
page reads the same field names the API documents. Solving routes (create, keep a scenario) answer with
newline-delimited JSON: one `{"progress": ...}` line per improving solution of StreamPlan, then `{"result":
...}` or `{"error": ...}`. Errors carry the service's status code, message and field violations.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from console import dispatch, excel, master_data
from console.client import ChannelConfig, PlanningClient, ServiceError
from console.deltas import BadInput, apply_delta
from console.i18n import LOCALES, strings
from prodplan.v1 import planning_service_pb2 as pb

STATIC = Path(__file__).parent / "static"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTTP_STATUS = {"INVALID_ARGUMENT": 400, "NOT_FOUND": 404, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403,
               "RESOURCE_EXHAUSTED": 429, "UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504, "ALREADY_EXISTS": 409,
               "FAILED_PRECONDITION": 412}


def to_json(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message)


def error_body(code: str, message: str, violations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "violations": violations or []}}


def service_error_body(error: ServiceError) -> dict[str, Any]:
    return error_body(error.code, error.message, [{"field": v.field, "description": v.description}
                                                   for v in error.violations])


M = TypeVar("M", bound=Message)
Handler = Callable[[Request], Awaitable[Response]]


def answers_errors(handler: Handler) -> Handler:
    """Turn ServiceError and BadInput into JSON error answers with a fitting HTTP status."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ServiceError as error:
            return JSONResponse(service_error_body(error), status_code=HTTP_STATUS.get(error.code, 502))
        except BadInput as error:
            violations = [{"field": error.field, "description": str(error)}] if error.field else []
            return JSONResponse(error_body("BAD_INPUT", str(error), violations), status_code=400)

    return wrapped


def client_of(request: Request) -> PlanningClient:
    client: PlanningClient = request.app.state.client
    return client


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise BadInput("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def parse_message(data: Any, message: M, what: str) -> M:
    """Protobuf JSON into `message`; a parse problem names `what` and the field."""
    try:
        return json_format.ParseDict(data, message)
    except (json_format.ParseError, TypeError, ValueError) as error:
        raise BadInput(f"{what}: {error}") from None


def time_limit(body: dict[str, Any], default: float = 10.0) -> Duration:
    value = body.get("time_limit_s", default)
    if not isinstance(value, int | float) or not math.isfinite(value) or not 0 < value <= 3600:
        raise BadInput("time_limit_s must be a number of seconds in (0, 3600]")
    return Duration(seconds=int(value), nanos=int((value % 1) * 1e9))


def locale_of(body: dict[str, Any]) -> str:
    locale = str(body.get("locale", "en"))
    if locale not in LOCALES:
        raise BadInput(f"locale must be one of {', '.join(LOCALES)}")
    return locale


# ------------------------------------------------------------------------------------------------
# Pages and reads
# ------------------------------------------------------------------------------------------------


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html")


async def i18n(request: Request) -> Response:
    locale = request.path_params["locale"]
    if locale not in LOCALES:
        return JSONResponse(error_body("NOT_FOUND", f"no strings for locale {locale!r}"), status_code=404)
    return JSONResponse(strings(locale))


@answers_errors
async def list_plans(request: Request) -> Response:
    kind = request.query_params.get("kind", "")
    listed = await client_of(request).list_plans(kind=kind, page_size=200)
    return JSONResponse(to_json(listed))


@answers_errors
async def get_plan(request: Request) -> Response:
    return JSONResponse(to_json(await client_of(request).get_plan(request.path_params["plan_id"])))


@answers_errors
async def delete_plan(request: Request) -> Response:
    return JSONResponse(to_json(await client_of(request).delete_plan(request.path_params["plan_id"])))


# ------------------------------------------------------------------------------------------------
# Solving: create, keep a scenario (StreamPlan, streamed as NDJSON), compare, re-plan
# ------------------------------------------------------------------------------------------------


def streamed_solve(client: PlanningClient, plan_request: pb.CreatePlanRequest) -> StreamingResponse:
    """StreamPlan as NDJSON: progress lines, then the result (plan id, status, KPIs) or the error."""

    async def lines() -> AsyncIterator[bytes]:
        try:
            async for message in client.stream_plan(plan_request):
                if message.HasField("progress"):
                    yield _line({"progress": to_json(message.progress)})
                else:
                    result = message.result
                    yield _line({"result": {"planId": result.plan_id, "status": pb.PlanStatus.Name(result.plan.status),
                                            "kpis": to_json(result.plan.kpis)}})
        except ServiceError as error:
            yield _line(service_error_body(error))

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def _line(payload: dict[str, Any]) -> bytes:
    return (json.dumps(payload) + "\n").encode()


@answers_errors
async def create_plan(request: Request) -> Response:
    """Body: {"request": CreatePlanRequest JSON, "time_limit_s", "locale"}."""
    body = await json_body(request)
    plan_request = parse_message(body.get("request", {}), pb.CreatePlanRequest(), "request")
    plan_request.options.locale = locale_of(body)
    if "time_limit_s" in body:
        plan_request.options.time_limit.CopyFrom(time_limit(body))
    plan_request.request_id = ""  # a new plan each time: an import re-sent is a new plan, not a retry
    return streamed_solve(client_of(request), plan_request)


@answers_errors
async def compare(request: Request) -> Response:
    """Body: {"scenarios": [Scenario JSON], "time_limit_s", "locale"}; the base is the stored plan's request."""
    body = await json_body(request)
    stored = await client_of(request).get_plan(request.path_params["plan_id"])
    comparison = pb.CompareScenariosRequest(base=stored.request)
    comparison.base.request_id = ""
    comparison.base.options.locale = locale_of(body)
    comparison.base.options.time_limit.CopyFrom(time_limit(body, stored.request.options.time_limit.seconds or 10))
    scenarios = body.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        raise BadInput("scenarios: give at least one scenario")
    for index, scenario in enumerate(scenarios):
        parsed = parse_message(scenario, pb.Scenario(), f"scenarios[{index}]")
        comparison.scenarios.append(parsed)
    return JSONResponse(to_json(await client_of(request).compare(comparison)))


@answers_errors
async def keep_scenario(request: Request) -> Response:
    """Body: {"deltas": [ScenarioDelta JSON], "service_level", "time_limit_s", "locale"}: the stored plan's request
    with the deltas applied (and the service level, a plan option no scenario delta carries, set), solved and
    stored as a new plan (streamed like create)."""
    body = await json_body(request)
    deltas, level = body.get("deltas", []), body.get("service_level")
    if not isinstance(deltas, list) or not (deltas or level is not None):
        raise BadInput("deltas: give at least one change (or a service_level)")
    if level is not None and not (isinstance(level, int | float) and math.isfinite(level) and 0 < level < 1):
        raise BadInput("the service level is a quantile: a number between 0 and 1, e.g. 0.95", field="service_level")
    stored = await client_of(request).get_plan(request.path_params["plan_id"])
    plan_request = pb.CreatePlanRequest()
    plan_request.CopyFrom(stored.request)
    for index, data in enumerate(deltas):
        apply_delta(plan_request, parse_message(data, pb.ScenarioDelta(), f"deltas[{index}]"))
    if level is not None:
        plan_request.options.service_level = float(level)
    plan_request.request_id = ""
    plan_request.options.locale = locale_of(body)
    plan_request.options.time_limit.CopyFrom(time_limit(body, stored.request.options.time_limit.seconds or 10))
    return streamed_solve(client_of(request), plan_request)


@answers_errors
async def replan(request: Request) -> Response:
    """Body: {"disruptions": [Disruption JSON], "frozen_window_min", "time_limit_s", "replan_time"}."""
    body = await json_body(request)
    replan_request = pb.ReplanRequest(plan_id=request.path_params["plan_id"])
    disruptions = body.get("disruptions")
    if not isinstance(disruptions, list) or not disruptions:
        raise BadInput("disruptions: report at least one event")
    for index, data in enumerate(disruptions):
        replan_request.disruptions.append(parse_message(data, pb.Disruption(), f"disruptions[{index}]"))
    frozen = body.get("frozen_window_min", 0)
    if not isinstance(frozen, int | float) or frozen < 0:
        raise BadInput("frozen_window_min must be a number of minutes, at least 0")
    replan_request.frozen_window.CopyFrom(Duration(seconds=int(frozen * 60)))
    if "time_limit_s" in body:
        replan_request.time_limit.CopyFrom(time_limit(body))
    if body.get("replan_time"):  # needed when no breakdown says when it happened (a rush order, a scrapped lot)
        try:
            replan_request.replan_time.FromJsonString(str(body["replan_time"]))
        except ValueError:
            raise BadInput("replan_time must be an RFC 3339 time", field="replan_time") from None
    return JSONResponse(to_json(await client_of(request).replan(replan_request)))


# ------------------------------------------------------------------------------------------------
# Data in and out
# ------------------------------------------------------------------------------------------------


@answers_errors
async def import_file(request: Request) -> Response:
    """Raw file body; query: kind=orders|master, filename, base_plan_id (its factory is the base master data;
    without one, utc_offset_s gives the plant's offset for local times).

    Answers {"orders"|"factory", "problems": [{sheet, row, column, message}], "rows": {order_id: row}}."""
    kind = request.query_params.get("kind", "orders")
    filename = request.query_params.get("filename", "")
    data = await request.body()
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadInput(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    factory = pb.Factory()
    if base_id := request.query_params.get("base_plan_id", ""):
        factory.CopyFrom((await client_of(request).get_plan(base_id)).request.factory)
    elif offset_s := request.query_params.get("utc_offset_s", ""):  # a factory the page holds (imported)
        if not offset_s.lstrip("-").isdigit() or abs(int(offset_s)) > 14 * 3600:
            raise BadInput("utc_offset_s must be whole seconds within ±14 h")
        factory.utc_offset.seconds = int(offset_s)
    try:
        sheets = excel.read_sheets(data, filename, kind="" if kind == "master" else "orders")
    except excel.UnreadableFileError as error:
        return JSONResponse({"problems": [{"sheet": "", "row": 0, "column": "", "message": str(error)}]})
    if kind == "master":
        new_factory, problems = master_data.parse_master_data(sheets, factory)
        return JSONResponse({"factory": to_json(new_factory), "problems": [vars(p) for p in problems]})
    if kind != "orders":
        raise BadInput("kind must be 'orders' or 'master'")
    offset = timedelta(seconds=factory.utc_offset.seconds)
    orders, problems = excel.parse_orders(sheets, offset, {p.id for p in factory.products} or None)
    sheet = sheets.get("orders") or next(iter(sheets.values()))
    rows = {str(values.get("order_id")): number for number, values in sheet.rows}
    return JSONResponse({"orders": [to_json(o) for o in orders] if not problems else [],
                         "problems": [vars(p) for p in problems], "rows": rows})


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(data, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{filename}"'})


@answers_errors
async def export(request: Request) -> Response:
    """what = dispatch | orders | master: the plan's dispatch lists, or its orders / master data as templates."""
    plan_id, what = request.path_params["plan_id"], request.path_params["what"]
    stored = await client_of(request).get_plan(plan_id)
    offset = timedelta(seconds=stored.request.factory.utc_offset.seconds)
    if what == "dispatch":
        return _xlsx(dispatch.dispatch_workbook(stored.request, stored.plan, plan_id), f"dispatch-{plan_id[:8]}.xlsx")
    if what == "orders":
        return _xlsx(excel.orders_workbook(stored.request.orders, offset), f"orders-{plan_id[:8]}.xlsx")
    if what == "master":
        return _xlsx(master_data.master_workbook(stored.request.factory), f"master-data-{plan_id[:8]}.xlsx")
    return JSONResponse(error_body("NOT_FOUND", f"nothing to export as {what!r}"), status_code=404)


# ------------------------------------------------------------------------------------------------
# The application
# ------------------------------------------------------------------------------------------------


def create_app(config: ChannelConfig) -> Starlette:
    """The console for the service at `config.target`; the channel opens when the app starts."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.client = PlanningClient(config)
        try:
            yield
        finally:
            await app.state.client.close()

    routes = [
        Route("/", index),
        Route("/api/i18n/{locale}", i18n),
        Route("/api/plans", list_plans, methods=["GET"]),
        Route("/api/plans", create_plan, methods=["POST"]),
        Route("/api/plans/{plan_id}", get_plan, methods=["GET"]),
        Route("/api/plans/{plan_id}", delete_plan, methods=["DELETE"]),
        Route("/api/plans/{plan_id}/compare", compare, methods=["POST"]),
        Route("/api/plans/{plan_id}/keep", keep_scenario, methods=["POST"]),
        Route("/api/plans/{plan_id}/replan", replan, methods=["POST"]),
        Route("/api/plans/{plan_id}/export/{what}", export, methods=["GET"]),
        Route("/api/import", import_file, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
