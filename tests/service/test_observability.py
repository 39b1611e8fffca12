"""Structured JSON logs and the metrics a finished call records (the endpoint itself is tested over a real
server in tests/integration/test_metrics.py)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import grpc
import pytest

from service.errors import OverloadedError
from service.interceptors import _finished
from service.logging_setup import JsonFormatter
from service.metrics import ServiceMetrics
from service.store import StoreError


def test_json_logs_are_one_object_per_line_with_the_request_id_and_the_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("service.x", logging.ERROR, __file__, 1, "solve %s failed", ("p-1",),
                                   sys.exc_info())
    record.request_id = "rid-7"
    entry = json.loads(JsonFormatter(replica=2).format(record))
    assert entry["level"] == "ERROR" and entry["logger"] == "service.x" and entry["request_id"] == "rid-7"
    assert entry["message"] == "solve p-1 failed" and entry["replica"] == 2
    assert "ValueError: boom" in entry["exception"] and entry["time"].endswith("+00:00")


def test_the_server_logs_json_when_asked() -> None:
    result = subprocess.run([sys.executable, "-c", (
        "import logging; from service.logging_setup import configure_logging; "
        "configure_logging('INFO', log_format='json'); logging.getLogger('prodplan').info('listening on %s', 'x')")],
        capture_output=True, text=True, timeout=60)
    assert json.loads(result.stderr.strip().splitlines()[-1])["message"] == "listening on x"


class _Context:
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code


@pytest.mark.parametrize(("error", "code", "counter", "labels"), [
    (OverloadedError("full"), grpc.StatusCode.RESOURCE_EXHAUSTED, "prodplan_refusals_total",
     {"reason": "solver_queue"}),
    (StoreError("disk full"), grpc.StatusCode.UNAVAILABLE, "prodplan_store_errors_total", {}),
])
def test_a_finished_call_counts_refusals_and_store_errors(error: Exception, code: grpc.StatusCode, counter: str,
                                                          labels: dict[str, str]) -> None:
    metrics = ServiceMetrics()
    method = "/prodplan.v1.PlanningService/CreatePlan"
    _finished(method, _Context(code), error, 0.003, audit=False, metrics=metrics)  # type: ignore[arg-type]
    assert metrics.registry.get_sample_value(counter, labels) == 1
    assert metrics.registry.get_sample_value("prodplan_rpc_duration_seconds_count",
                                             {"method": method, "status": code.name}) == 1
