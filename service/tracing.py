"""OpenTelemetry traces: one server span per RPC, with child spans for mapping, forecasting, solving
(and the planner's phases inside the solver process) and the plan store.

Tracing is off unless an OTLP endpoint is configured (`PRODPLAN_OTLP_ENDPOINT`, or the standard
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`) or a test hands an exporter
in. Off, nothing of the OpenTelemetry SDK is loaded, no span object is made, and `span()` costs one
context-variable read. On, each server keeps its own `TracerProvider` (never the process-wide global
one, so servers with and without tracing can live in one process, as they do in the tests); the
active `Tracing` travels with each call in a context variable, like the request id, and reaches the
worker threads of `asyncio.to_thread` with it.

    tracing = setup_tracing(settings)              # None when off
    with tracing.server_span(method, metadata):   # the interceptor, once per call
        with span("mapping", orders=12):           # anywhere below it
            ...
        record_phases(result.phases)               # phases timed in the solver process
    tracing.shutdown()                             # flush on server stop

Span attributes never carry a token, an order's content or anything a client sent beyond ids, counts,
the method and the status.

The server span comes from our own error-mapping interceptor (service/interceptors.py), not from
opentelemetry-instrumentation-grpc: that interceptor already wraps every handler and is the one place
that knows a call's final status code and tenant, and the instrumentation package (which would resolve
here) would add two packages and a second wrapper per call for the same span.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # the SDK is imported only when tracing is switched on
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

logger = logging.getLogger(__name__)

SERVICE_NAME = "prodplan"
"""`service.name` of the spans unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise."""
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
"""The standard variables that switch tracing on (PRODPLAN_OTLP_ENDPOINT, in the settings, wins)."""
FLUSH_TIMEOUT_MS = 5000
"""How long a server's stop asks the span processor to wait for the last spans (see Tracing.shutdown)."""

Attribute = str | bool | int | float


@runtime_checkable
class Phase(Protocol):
    """One timed phase of a plan (planner/timings.py's PhaseTiming has this shape)."""

    name: str
    start: float  # seconds since the epoch
    seconds: float


def otlp_endpoint(configured: str = "", environ: Mapping[str, str] | None = None) -> str:
    """The OTLP endpoint spans go to: `configured` (PRODPLAN_OTLP_ENDPOINT) or the standard variables;
    empty when tracing is off (also when OTEL_SDK_DISABLED=true)."""
    environ = os.environ if environ is None else environ
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ""
    return configured or next((environ[name] for name in ENDPOINT_VARIABLES if environ.get(name)), "")


class Tracing:
    """A server's tracer: its own provider, exporter and W3C trace-context propagator.

    Args:
        provider: the SDK tracer provider whose processors export the spans.
    """

    def __init__(self, provider: TracerProvider) -> None:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self.provider = provider
        self.tracer: Tracer = provider.get_tracer("prodplan.service")
        self._propagator = TraceContextTextMapPropagator()

    @contextlib.contextmanager
    def server_span(self, method: str, metadata: Iterable[tuple[str, Any]] | None,
                    **attributes: Attribute) -> Iterator[Span]:
        """The span of one RPC (kind SERVER), current for the block and ended after it. A W3C
        `traceparent` (and `tracestate`) in the call's metadata makes it a child of the caller's span, so
        an ERP's trace continues here. Named `package.Service/Method`, as OpenTelemetry's conventions say."""
        from opentelemetry import trace

        carrier = {key: value for key, value in metadata or () if isinstance(value, str)}
        parent = self._propagator.extract(carrier)
        name = method.lstrip("/")
        service, _, rpc = name.partition("/")
        span = self.tracer.start_span(name, context=parent, kind=trace.SpanKind.SERVER, attributes={
            "rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc, **attributes})
        token = _active.set(self)
        try:
            with trace.use_span(span, end_on_exit=True, record_exception=False, set_status_on_exception=False):
                yield span
        finally:
            _active.reset(token)

    def shutdown(self) -> None:
        """Export the spans still buffered, then stop the exporter. With the collector unreachable this
        waits for the exporter's retries, bounded by its timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s by
        default), not by FLUSH_TIMEOUT_MS alone (measured: 7-8 s against a closed port)."""
        self.provider.force_flush(FLUSH_TIMEOUT_MS)
        self.provider.shutdown()


_active: contextvars.ContextVar[Tracing | None] = contextvars.ContextVar("tracing", default=None)
"""The tracing of the server whose call runs in this context; None outside calls and when off."""


def setup_tracing(endpoint: str = "", exporter: SpanExporter | None = None) -> Tracing | None:
    """A server's Tracing: spans batched to an OTLP/gRPC exporter for `endpoint` (see `otlp_endpoint`), or
    handed one by one to `exporter` (the tests' hook, e.g. the SDK's InMemorySpanExporter); None, and
    nothing of the SDK imported, when neither is given.

    The OTLP exporter reads the other standard variables itself (OTEL_EXPORTER_OTLP_HEADERS, _CERTIFICATE,
    _TIMEOUT, _COMPRESSION; an `http://` endpoint means plaintext, `https://` TLS)."""
    if not endpoint and exporter is None:
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create()  # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; else "unknown_service"
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        logger.info("tracing: spans exported by OTLP/gRPC to %s", endpoint)
    return Tracing(provider)


_OFF: contextlib.nullcontext[None] = contextlib.nullcontext()
"""What `span` returns when tracing is off: one shared do-nothing context manager (no allocation per call)."""


def span(name: str, **attributes: Attribute) -> contextlib.AbstractContextManager[Span | None]:
    """A child span of the current one for the block (None and no work when tracing is off). An exception
    that leaves the block marks the span as an error with the exception's type (`error.type`), never its
    message, which may quote the request."""
    tracing = _active.get()
    if tracing is None:
        return _OFF
    return _child_span(tracing, name, attributes)


@contextlib.contextmanager
def _child_span(tracing: Tracing, name: str, attributes: dict[str, Attribute]) -> Iterator[Span]:
    from opentelemetry.trace import Status, StatusCode

    with tracing.tracer.start_as_current_span(name, attributes=attributes, record_exception=False,
                                              set_status_on_exception=False) as current:
        try:
            yield current
        except Exception as error:
            current.set_attribute("error.type", type(error).__name__)
            current.set_status(Status(StatusCode.ERROR))
            raise


def set_attributes(**attributes: Attribute) -> None:
    """Add attributes to the current span (nothing when tracing is off), e.g. a result known only at the end."""
    if _active.get() is None:
        return
    from opentelemetry import trace

    trace.get_current_span().set_attributes(attributes)


def current_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span in W3C hex form, to put on log lines; None when off."""
    if _active.get() is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)


def add_span(name: str, start: float, seconds: float, **attributes: Attribute) -> None:
    """A finished child span of the current one from explicit times (`start` in epoch seconds), for work
    timed elsewhere: another thread (a forecast batch) or another process (the solver)."""
    tracing = _active.get()
    if tracing is None:
        return
    started = _nanoseconds(start)
    child = tracing.tracer.start_span(name, start_time=started, attributes=attributes)
    child.end(end_time=started + _nanoseconds(max(seconds, 0.0)))


def record_phases(phases: Iterable[Phase | object] | None) -> None:
    """Child spans of the current span for phases timed elsewhere (the planner's phases, run in a solver
    process: validation, model building, solving, counterfactuals, explaining), with their own start
    and end times. A phase that lies within an earlier one becomes its child, as it ran nested. Items
    without `name`, `start` and `seconds`, or None (a result that has no phases), add nothing."""
    tracing = _active.get()
    if tracing is None or phases is None:
        return
    from opentelemetry import trace

    timed = [(str(p.name), _nanoseconds(p.start), _nanoseconds(p.start + max(p.seconds, 0.0)))
             for p in phases if isinstance(p, Phase)]
    open_spans: list[tuple[int, Span]] = []  # (end, span) of the phases that may still contain the next one
    for name, started, ended in sorted(timed, key=lambda t: (t[1], -t[2])):
        while open_spans and started >= open_spans[-1][0]:
            open_spans.pop()
        parent = trace.set_span_in_context(open_spans[-1][1]) if open_spans else None
        child = tracing.tracer.start_span(name, context=parent, start_time=started, attributes={"prodplan.phase": name})
        child.end(end_time=ended)
        open_spans.append((ended, child))


def phases_of(result: object) -> Iterable[Phase | object] | None:
    """The timed phases a plan result carries (`result.phases`, else `result.stats.phases`), or None."""
    phases = getattr(result, "phases", None)
    if phases is None:
        phases = getattr(getattr(result, "stats", None), "phases", None)
    return phases


def _nanoseconds(seconds: float) -> int:
    return int(seconds * 1e9)
