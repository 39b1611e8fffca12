"""One place where domain exceptions become gRPC status codes with rich details, and logs get a request id."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc

from planner.validation import InvalidPlanRequest
from service.auth import ANONYMOUS, AuthenticationError, PermissionDeniedError, identity_var, is_open
from service.errors import (
    InvalidArgumentError,
    NotFoundError,
    OverloadedError,
    SolverUnavailableError,
    invalid_argument_status,
    overloaded_status,
    unavailable_status,
)
from service.handlers import rewrapped
from service.mapping import invalid_plan_request
from service.metrics import ServiceMetrics
from service.store import StoreError
from service.tracing import Tracing

if TYPE_CHECKING:
    from opentelemetry.trace import Span

logger = logging.getLogger(__name__)
audit_logger = logging.getLogger("prodplan.audit")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record, for structured logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _request_id(details: grpc.HandlerCallDetails) -> str:
    for key, value in details.invocation_metadata or ():
        if key == "x-request-id":
            return str(value)
    return uuid.uuid4().hex[:12]


class ErrorMappingInterceptor(grpc.aio.ServerInterceptor):
    """Maps InvalidArgumentError/InvalidPlanRequest -> INVALID_ARGUMENT + BadRequest, OverloadedError ->
    RESOURCE_EXHAUSTED + RetryInfo, SolverUnavailableError -> UNAVAILABLE + RetryInfo, NotFoundError ->
    NOT_FOUND, StoreError -> UNAVAILABLE, AuthenticationError -> UNAUTHENTICATED and PermissionDeniedError ->
    PERMISSION_DENIED, for unary and server-streaming methods. With `audit`, it also writes one line per
    call to the `prodplan.audit` logger; with `tracing`, each call is a server span (service/tracing.py)."""

    def __init__(self, audit: bool = False, metrics: ServiceMetrics | None = None,
                 tracing: Tracing | None = None) -> None:
        self._audit = audit
        self._metrics = metrics
        self._tracing = tracing

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        call = _Call(method, _request_id(handler_call_details), self._audit, self._metrics, self._tracing,
                     handler_call_details.invocation_metadata)
        return rewrapped(handler, lambda inner: _wrap_unary(inner, call), lambda inner: _wrap_stream(inner, call))


_NO_SPAN: contextlib.nullcontext[None] = contextlib.nullcontext()


@dataclass(frozen=True)
class _Call:
    """What the wrapper of one call needs: the method, the request id, and what to record the call in."""

    method: str
    request_id: str
    audit: bool
    metrics: ServiceMetrics | None
    tracing: Tracing | None
    metadata: Any

    def span(self) -> contextlib.AbstractContextManager[Span | None]:
        """The call's server span (continuing a caller's W3C trace context), or nothing when tracing is off."""
        if self.tracing is None or is_open(self.method):  # health probes and reflection: no spans
            return _NO_SPAN
        return self.tracing.server_span(self.method, self.metadata, **{"prodplan.request_id": self.request_id})


async def _abort_for(error: Exception, context: grpc.aio.ServicerContext) -> None:
    if isinstance(error, InvalidPlanRequest):
        error = invalid_plan_request(error)
    if isinstance(error, InvalidArgumentError):
        logger.info("invalid argument: %d violations", len(error.violations))
        await context.abort_with_status(invalid_argument_status(error))
    elif isinstance(error, OverloadedError):
        logger.info("refused: %s", error)  # expected under load: not a warning per call
        await context.abort_with_status(overloaded_status(error))
    elif isinstance(error, SolverUnavailableError):
        logger.error("solver: %s", error)
        await context.abort_with_status(unavailable_status(str(error), error.retry_after_s))
    elif isinstance(error, NotFoundError):
        await context.abort(grpc.StatusCode.NOT_FOUND, str(error))
    elif isinstance(error, AuthenticationError):
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(error))
    elif isinstance(error, PermissionDeniedError):
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, str(error))
    elif isinstance(error, StoreError):
        logger.error("plan store: %s", error)
        await context.abort_with_status(unavailable_status(f"the plan store is not available: {error}",
                                                           STORE_RETRY_AFTER_S))
    raise error


STORE_RETRY_AFTER_S = 1.0
"""Retry hint of a call that failed because the plan store could not do its work."""
_MAPPED = (InvalidArgumentError, InvalidPlanRequest, OverloadedError, SolverUnavailableError, NotFoundError,
           StoreError, AuthenticationError, PermissionDeniedError)


def _status(context: grpc.aio.ServicerContext, error: BaseException | None) -> str:
    """The status a finished call ended with, for the audit log."""
    if error is None:
        return "OK"
    if isinstance(error, asyncio.CancelledError):
        return "CANCELLED"
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    return next((c.name for c in grpc.StatusCode if c.value[0] == code), "UNKNOWN")


def _finished(method: str, context: grpc.aio.ServicerContext, error: BaseException | None, seconds: float,
              audit: bool, metrics: ServiceMetrics | None, call_span: Span | None = None) -> None:
    """Record a finished call: its metrics, its server span's status and tenant, and with `audit` one line
    per call (health checks and reflection left out) saying who called what and how it ended, never a
    token or an order's content."""
    if not audit and metrics is None and call_span is None:
        return
    status = _status(context, error)
    if metrics is not None:
        metrics.rpc_seconds.labels(method=method, status=status).observe(seconds)
        if isinstance(error, OverloadedError):
            metrics.refusals.labels(reason="forecast_queue" if "ForecastService" in method else "solver_queue").inc()
        elif isinstance(error, StoreError):
            metrics.store_errors.inc()
    caller = identity_var.get()
    if call_span is not None:
        _close_span(call_span, status, (caller or ANONYMOUS).tenant, error)
    if audit and not is_open(method):
        audit_logger.info("tenant=%s role=%s caller=%s method=%s status=%s",
                          caller.tenant if caller else "-", caller.role.name.lower() if caller else "-",
                          caller.name or "-" if caller else "-", method, status)


_SERVER_ERRORS = frozenset({"UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"})
"""Status codes that mark a server span as failed (OpenTelemetry's gRPC conventions; the others are the
client's doing, e.g. INVALID_ARGUMENT, or an answer, e.g. NOT_FOUND)."""


def _close_span(call_span: Span, status: str, tenant: str, error: BaseException | None) -> None:
    """The call's outcome on its span: the numeric status code, the tenant, and for a server error the
    error's type (never its message: it may quote the request)."""
    from opentelemetry.trace import Status, StatusCode

    call_span.set_attribute("rpc.grpc.status_code", grpc.StatusCode[status].value[0]
                            if status in grpc.StatusCode.__members__ else grpc.StatusCode.UNKNOWN.value[0])
    call_span.set_attribute("prodplan.tenant", tenant)
    if status in _SERVER_ERRORS:
        if error is not None:
            call_span.set_attribute("error.type", type(error).__name__)
        call_span.set_status(Status(StatusCode.ERROR, status))


def _wrap_unary(behaviour: Callable[..., Any], call: _Call) -> Callable[..., Any]:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
        request_id_var.set(call.request_id)
        started = time.perf_counter()
        failure: BaseException | None = None
        with call.span() as call_span:
            try:
                return await behaviour(request, context)
            except _MAPPED as error:
                failure = error
                await _abort_for(error, context)
            except BaseException as error:
                failure = error
                raise
            finally:
                _finished(call.method, context, failure, time.perf_counter() - started, call.audit, call.metrics,
                          call_span)
                # DEBUG: one line per call costs ~3 % of the server's time at 200 calls/s (py-spy)
                logger.debug("%s done in %.1f ms", call.method, (time.perf_counter() - started) * 1e3)

    return wrapped


def _wrap_stream(behaviour: Callable[..., Any], call: _Call) -> Callable[..., Any]:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
        request_id_var.set(call.request_id)
        started = time.perf_counter()
        failure: BaseException | None = None
        with call.span() as call_span:
            try:
                responses = behaviour(request, context)
                if inspect.isawaitable(responses):  # a handler that writes with context.write (Health.Watch)
                    await responses
                    return
                async for item in responses:
                    yield item
            except _MAPPED as error:
                failure = error
                await _abort_for(error, context)
            except BaseException as error:
                failure = error
                raise
            finally:
                _finished(call.method, context, failure, time.perf_counter() - started, call.audit, call.metrics,
                          call_span)

    return wrapped
