"""Traces over real channels: a real server on port 0 whose spans go to the SDK's in-memory exporter (the
test hook of `create_server`), and a real server process exporting by OTLP/gRPC to a collector that runs
in the test. No test asserts a duration: only names, parents, attributes and the order of times."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from conftest import ServerHandle, ServerThread
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from loadtests.payloads import forecast_demand_request
from planner.checker import check_schedule
from planner.demo_factory import demo_orders, demo_request
from planner.domain import PlanRequest
from prodplan.v1 import forecast_service_pb2_grpc as fpb_grpc
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.auth import new_token, token_hash
from service.demo import assignments_from_proto, start_server, wait_until_serving
from service.logging_setup import JsonFormatter
from service.mapping import plan_request_to_proto
from service.server import create_server
from service.settings import Settings
from service.tracing import ENDPOINT_VARIABLES, Tracing, otlp_endpoint, record_phases, setup_tracing, span

CREATE_PLAN = "prodplan.v1.PlanningService/CreatePlan"
CALLER_TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
CALLER_SPAN_ID = 0x00F067AA0BA902B7
TRACEPARENT = f"00-{CALLER_TRACE_ID:032x}-{CALLER_SPAN_ID:016x}-01"
"""A W3C trace context as an ERP's own instrumentation would send it (sampled)."""


class TracedServer(ServerThread):
    """ServerThread whose server hands its spans to `exporter` (create_server's test hook)."""

    def __init__(self, settings: Settings, exporter: InMemorySpanExporter) -> None:
        super().__init__(settings)
        self.exporter = exporter

    def start(self) -> ServerHandle:
        import asyncio

        self.thread.start()
        running = asyncio.run_coroutine_threadsafe(
            create_server("127.0.0.1:0", self.settings, span_exporter=self.exporter), self.loop).result(120)
        self.handle = ServerHandle(f"127.0.0.1:{running.port}", self.settings, running)
        return self.handle


@dataclass
class Traced:
    handle: ServerHandle
    exporter: InMemorySpanExporter


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traced]:
    exporter = InMemorySpanExporter()
    server = TracedServer(Settings(solver_processes=1, max_queued_solves=2,
                                   db=str(tmp_path_factory.mktemp("traced") / "plans.db")), exporter)
    handle = server.start()
    yield Traced(handle, exporter)
    server.stop()


def _plan_request(request_id: str) -> tuple[pb.CreatePlanRequest, PlanRequest]:
    domain = demo_request(time_limit_seconds=1.0, num_workers=1)
    domain = domain.model_copy(update={"orders": demo_orders(count=8), "request_id": request_id})
    return plan_request_to_proto(domain), domain


@dataclass(frozen=True)
class Recorded:
    """One finished span, in plain types."""

    name: str
    trace_id: int
    span_id: int
    parent_id: int | None
    parent_is_remote: bool
    kind: SpanKind
    failed: bool
    start: int  # ns since the epoch
    end: int
    attributes: dict[str, Any]
    service_name: str

    @classmethod
    def of(cls, span: ReadableSpan) -> Recorded:
        assert span.context is not None and span.start_time is not None and span.end_time is not None
        return cls(span.name, span.context.trace_id, span.context.span_id,
                   span.parent.span_id if span.parent is not None else None,
                   bool(span.parent is not None and span.parent.is_remote), span.kind,
                   span.status.status_code == StatusCode.ERROR, span.start_time, span.end_time,
                   dict(span.attributes or {}), str(span.resource.attributes.get("service.name")))


def _finished(exporter: InMemorySpanExporter) -> list[Recorded]:
    return [Recorded.of(span) for span in exporter.get_finished_spans()]


def _spans_of_call(exporter: InMemorySpanExporter, request_id: str, method: str,
                   timeout_s: float = 10.0) -> tuple[Recorded, list[Recorded]]:
    """The server span of the call with this x-request-id, and every span of its trace."""
    deadline = time.monotonic() + timeout_s
    while True:
        spans = _finished(exporter)
        roots = [s for s in spans if s.name == method and s.attributes.get("prodplan.request_id") == request_id]
        if roots or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(roots) == 1, [s.name for s in spans]
    return roots[0], [s for s in spans if s.trace_id == roots[0].trace_id]


def _children(spans: Sequence[Recorded], parent: Recorded) -> list[Recorded]:
    return [s for s in spans if s.parent_id == parent.span_id]


def test_create_plan_is_one_server_span_with_mapping_solve_and_store_below_it(traced: Traced) -> None:
    rid = f"trace-{uuid.uuid4().hex[:8]}"
    message, domain = _plan_request(rid)
    with grpc.insecure_channel(traced.handle.address) as channel:
        response = pb_grpc.PlanningServiceStub(channel).CreatePlan(message, timeout=60,
                                                                   metadata=[("x-request-id", rid)])
    assert response.plan.status in (pb.PLAN_STATUS_OPTIMAL, pb.PLAN_STATUS_FEASIBLE)
    assert check_schedule(domain, assignments_from_proto(response.plan, domain)) == []

    root, spans = _spans_of_call(traced.exporter, rid, CREATE_PLAN)
    assert root.kind == SpanKind.SERVER and root.parent_id is None
    assert root.attributes["rpc.system"] == "grpc"
    assert root.attributes["rpc.service"] == "prodplan.v1.PlanningService"
    assert root.attributes["rpc.method"] == "CreatePlan"
    assert root.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert root.attributes["prodplan.tenant"] == "default"  # no tokens file: every caller is tenant 'default'
    assert not root.failed
    assert root.service_name == os.environ.get("OTEL_SERVICE_NAME", "prodplan")

    below = {s.name: s for s in _children(spans, root)}
    assert {"mapping", "solve", "mapping.reply", "store.save", "store.find_by_request_id"} <= set(below), below
    assert below["store.save"].attributes["prodplan.kind"] == "plan"
    assert below["solve"].attributes["prodplan.plan_status"] in ("OPTIMAL", "FEASIBLE")
    # in the order they ran, all inside the call
    assert below["mapping"].end <= below["solve"].start <= below["solve"].end <= below["store.save"].start
    for child in below.values():
        assert root.start <= child.start <= child.end <= root.end
    # the planner's phases, timed in the solver process, hang below the solve where the result has them
    phases = [s for s in spans if s.attributes.get("prodplan.phase")]
    for phase in phases:
        assert phase.parent_id in {below["solve"].span_id, *(p.span_id for p in phases)}
    # nothing of the request's content on any span
    texts = " ".join(str(v) for s in spans for v in s.attributes.values())
    assert not any(order.id in texts.split() for order in domain.orders)


def test_a_streamed_plan_is_one_server_span_too(traced: Traced, caplog: pytest.LogCaptureFixture) -> None:
    rid = f"trace-{uuid.uuid4().hex[:8]}"
    message, _ = _plan_request("")
    with grpc.insecure_channel(traced.handle.address) as channel:
        updates = list(pb_grpc.PlanningServiceStub(channel).StreamPlan(message, timeout=60,
                                                                       metadata=[("x-request-id", rid)]))
    assert updates[-1].HasField("result")
    root, spans = _spans_of_call(traced.exporter, rid, "prodplan.v1.PlanningService/StreamPlan")
    assert root.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert {"mapping", "mapping.reply", "store.save"} <= {s.name for s in _children(spans, root)}
    # the span stayed current across the stream's messages and was detached where it was attached
    assert "Failed to detach context" not in caplog.text


def test_the_span_names_the_callers_tenant_and_never_its_token(tmp_path: Path) -> None:
    token = new_token()
    (tmp_path / "tokens.json").write_text(json.dumps({"tokens": [
        {"sha256": token_hash(token), "tenant": "gyeongju", "role": "viewer", "name": "erp"}]}))
    exporter = InMemorySpanExporter()
    server = TracedServer(Settings(solver_processes=1, db=str(tmp_path / "plans.db"),
                                   tokens_file=str(tmp_path / "tokens.json")), exporter)
    handle = server.start()
    rid, refused = f"trace-{uuid.uuid4().hex[:8]}", f"trace-{uuid.uuid4().hex[:8]}"
    try:
        with grpc.insecure_channel(handle.address) as channel:
            stub = pb_grpc.PlanningServiceStub(channel)
            stub.ListPlans(pb.ListPlansRequest(), timeout=30,
                           metadata=[("x-request-id", rid), ("authorization", f"Bearer {token}")])
            with pytest.raises(grpc.RpcError) as error:  # a viewer may not plan
                stub.CreatePlan(_plan_request("")[0], timeout=30,
                                metadata=[("x-request-id", refused), ("authorization", f"Bearer {token}")])
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
        root, _ = _spans_of_call(exporter, rid, "prodplan.v1.PlanningService/ListPlans")
        assert root.attributes["prodplan.tenant"] == "gyeongju"
        denied, below = _spans_of_call(exporter, refused, CREATE_PLAN)
        assert denied.attributes["prodplan.tenant"] == "gyeongju" and not denied.failed
        assert denied.attributes["rpc.grpc.status_code"] == grpc.StatusCode.PERMISSION_DENIED.value[0]
        assert [s.name for s in below] == [CREATE_PLAN]  # refused before any work
        everything = " ".join(f"{s.name} {s.attributes}" for s in _finished(exporter))
        assert token not in everything and token_hash(token) not in everything
    finally:
        server.stop()


def test_an_incoming_traceparent_continues_the_callers_trace(traced: Traced) -> None:
    rid = f"trace-{uuid.uuid4().hex[:8]}"
    with grpc.insecure_channel(traced.handle.address) as channel:
        pb_grpc.PlanningServiceStub(channel).ListPlans(
            pb.ListPlansRequest(page_size=5), timeout=30,
            metadata=[("x-request-id", rid), ("traceparent", TRACEPARENT)])
    root, spans = _spans_of_call(traced.exporter, rid, "prodplan.v1.PlanningService/ListPlans")
    assert root.trace_id == CALLER_TRACE_ID
    assert root.parent_id == CALLER_SPAN_ID and root.parent_is_remote
    assert "store.list" in {s.name for s in _children(spans, root)}


def test_a_bad_request_is_a_client_error_on_its_span_and_stores_nothing(traced: Traced) -> None:
    rid = f"trace-{uuid.uuid4().hex[:8]}"
    message, _ = _plan_request("")
    message.orders[0].quantity = -5
    with grpc.insecure_channel(traced.handle.address) as channel, pytest.raises(grpc.RpcError) as error:
        pb_grpc.PlanningServiceStub(channel).CreatePlan(message, timeout=30, metadata=[("x-request-id", rid)])
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    root, spans = _spans_of_call(traced.exporter, rid, CREATE_PLAN)
    assert root.attributes["rpc.grpc.status_code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert not root.failed  # the client's mistake, not the server's
    names = {s.name for s in spans}
    assert "mapping" in names and not names & {"solve", "store.save"}


def test_an_unknown_plan_is_an_answer_not_a_server_error(traced: Traced) -> None:
    rid = f"trace-{uuid.uuid4().hex[:8]}"
    with grpc.insecure_channel(traced.handle.address) as channel, pytest.raises(grpc.RpcError) as error:
        pb_grpc.PlanningServiceStub(channel).GetPlan(pb.GetPlanRequest(plan_id="no-such-plan"), timeout=30,
                                                     metadata=[("x-request-id", rid)])
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    root, spans = _spans_of_call(traced.exporter, rid, "prodplan.v1.PlanningService/GetPlan")
    assert root.attributes["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0] and not root.failed
    assert [s.name for s in _children(spans, root)] == ["store.get"]


def test_a_failing_block_marks_its_span_with_the_error_type_and_never_the_message() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with (Tracing(provider).server_span("/prodplan.v1.PlanningService/CreatePlan", []), pytest.raises(ValueError),
          span("mapping", **{"prodplan.orders": 3})):
        raise ValueError("order SECRET-42 of customer ACME")
    (failed,) = [s for s in exporter.get_finished_spans() if s.name == "mapping"]
    assert failed.status.status_code == StatusCode.ERROR
    assert dict(failed.attributes or {}) == {"prodplan.orders": 3, "error.type": "ValueError"}
    assert "SECRET" not in f"{failed.status.description} {[e.attributes for e in failed.events]}"


def test_json_log_lines_of_a_traced_call_name_its_trace_and_span() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    record = logging.LogRecord("prodplan", logging.INFO, __file__, 1, "solved", None, None)
    assert "trace_id" not in json.loads(JsonFormatter().format(record))  # outside a traced call
    with (Tracing(provider).server_span("/prodplan.v1.PlanningService/CreatePlan", [("traceparent", TRACEPARENT)]),
          span("solve")):
        entry = json.loads(JsonFormatter().format(record))
    (solve,) = [s for s in _finished(exporter) if s.name == "solve"]
    assert entry["trace_id"] == f"{CALLER_TRACE_ID:032x}" and entry["span_id"] == f"{solve.span_id:016x}"


def test_span_is_a_no_op_outside_a_traced_call() -> None:
    with span("mapping", orders=3) as current:
        assert current is None


def test_a_forecast_call_has_its_wait_and_its_batch_below_it(traced: Traced) -> None:
    rid = f"trace-{uuid.uuid4().hex[:8]}"
    with grpc.insecure_channel(traced.handle.address) as channel:
        response = fpb_grpc.ForecastServiceStub(channel).ForecastDemand(
            forecast_demand_request(series=2), timeout=30, metadata=[("x-request-id", rid)])
    assert len(response.forecasts) == 2
    root, spans = _spans_of_call(traced.exporter, rid, "prodplan.v1.ForecastService/ForecastDemand")
    (forecast,) = [s for s in _children(spans, root) if s.name == "forecast"]
    assert forecast.attributes["prodplan.forecast_kind"] == "demand"
    below = {s.name: s for s in _children(spans, forecast)}
    assert set(below) == {"forecast.wait", "forecast.batch"}
    assert below["forecast.batch"].attributes["prodplan.batch_calls"] >= 1
    assert below["forecast.wait"].end <= below["forecast.batch"].start + 1000  # float rounding
    assert forecast.start <= below["forecast.batch"].start <= below["forecast.batch"].end <= forecast.end + 1000


def test_health_checks_make_no_spans(traced: Traced) -> None:
    before = len(traced.exporter.get_finished_spans())
    with grpc.insecure_channel(traced.handle.address) as channel:
        for _ in range(3):
            wait_until_serving(channel)
    time.sleep(0.2)
    assert len(traced.exporter.get_finished_spans()) == before


def test_tracing_is_off_without_an_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ENDPOINT_VARIABLES, "PRODPLAN_OTLP_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert otlp_endpoint("") == "" and setup_tracing("") is None
    assert otlp_endpoint("", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"}) == "http://c:4317"
    assert otlp_endpoint("", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_SDK_DISABLED": "true"}) == ""
    server = ServerThread(Settings(solver_processes=1, db=str(tmp_path / "plans.db")))
    handle = server.start()
    try:
        assert handle.running.tracing is None
        with grpc.insecure_channel(handle.address) as channel:  # a caller's trace context is simply ignored
            listed = pb_grpc.PlanningServiceStub(channel).ListPlans(
                pb.ListPlansRequest(), timeout=30, metadata=[("traceparent", TRACEPARENT)])
        assert list(listed.plans) == []
    finally:
        server.stop()
    # off, the server does not even load the OpenTelemetry SDK
    check = ("import sys, service.server; "
             "assert not [m for m in sys.modules if m.startswith('opentelemetry')], sorted(sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in ENDPOINT_VARIABLES}
    subprocess.run([sys.executable, "-c", check], check=True, env=env, timeout=120)


@dataclass(frozen=True)
class _Phase:
    name: str
    start: float
    seconds: float


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=12))
def test_recorded_phases_keep_their_times_and_nest_inside_the_phase_that_contains_them(
        bounds: list[tuple[int, int]]) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    base = 1_800_000_000.0  # epoch seconds, as time.time() in the solver process
    phases = [_Phase(f"phase-{k}", base + start / 1000, length / 1000) for k, (start, length) in enumerate(bounds)]
    with Tracing(provider).server_span("/prodplan.v1.PlanningService/CreatePlan", []):
        record_phases([*phases, object()])  # an item without the attributes is left out
    spans = {s.name: s for s in _finished(exporter)}
    root = spans.pop("prodplan.v1.PlanningService/CreatePlan")
    assert set(spans) == {p.name for p in phases}
    by_id = {s.span_id: s for s in spans.values()}
    for phase in phases:
        recorded = spans[phase.name]
        assert abs(recorded.start - phase.start * 1e9) < 1e3  # within a microsecond of float rounding
        assert abs((recorded.end - recorded.start) - phase.seconds * 1e9) < 1e3
        assert recorded.trace_id == root.trace_id
        parent = by_id.get(recorded.parent_id or 0)
        if parent is None:  # at the top: directly below the call
            assert recorded.parent_id == root.span_id
        else:  # nested: it started inside the phase it hangs below
            assert parent.start <= recorded.start < parent.end


class _Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace collector that keeps what it receives."""

    def __init__(self) -> None:
        self.requests: list[trace_service_pb2.ExportTraceServiceRequest] = []
        self.received = threading.Event()

    def Export(self, request: trace_service_pb2.ExportTraceServiceRequest,  # noqa: N802 (gRPC method name)
               context: grpc.ServicerContext) -> trace_service_pb2.ExportTraceServiceResponse:
        self.requests.append(request)
        self.received.set()
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture
def collector() -> Iterator[tuple[_Collector, int]]:
    servicer = _Collector()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield servicer, port
    server.stop(None)


def test_a_server_process_exports_its_spans_by_otlp_to_the_configured_collector(
        tmp_path: Path, collector: tuple[_Collector, int]) -> None:
    received, port = collector
    process, address = start_server(tmp_path / "plans.db", extra_env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}", "OTEL_SERVICE_NAME": "prodplan-trace-test"})
    rid = f"otlp-{uuid.uuid4().hex[:8]}"
    try:
        with grpc.insecure_channel(address) as channel:
            wait_until_serving(channel)
            pb_grpc.PlanningServiceStub(channel).ListPlans(
                pb.ListPlansRequest(), timeout=30, metadata=[("x-request-id", rid), ("traceparent", TRACEPARENT)])
        process.send_signal(signal.SIGTERM)  # a graceful stop flushes the spans still batched
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert received.received.wait(10), "the collector received nothing"
    spans = [(resource.resource, span) for request in received.requests for resource in request.resource_spans
             for scope in resource.scope_spans for span in scope.spans]
    service_names = {a.value.string_value for resource, _ in spans for a in resource.attributes
                     if a.key == "service.name"}
    assert service_names == {"prodplan-trace-test"}
    (root,) = [s for _, s in spans if s.name == "prodplan.v1.PlanningService/ListPlans"]
    assert root.trace_id == CALLER_TRACE_ID.to_bytes(16, "big")
    assert root.parent_span_id == CALLER_SPAN_ID.to_bytes(8, "big")
    assert {a.key: a.value.string_value for a in root.attributes}["prodplan.request_id"] == rid
    assert any(s.name == "store.list" and s.parent_span_id == root.span_id for _, s in spans)
