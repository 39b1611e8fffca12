"""The server's metrics, in Prometheus format on their own HTTP port (`PRODPLAN_METRICS_PORT`).

What an operator watches: every RPC's duration and count by method and status; solves running and
queued and the calls refused; how long CP-SAT searched and the gap it left; forecast batch sizes; the
model versions served; plan store errors. One registry per server (tests run several in a process);
the HTTP endpoint serves `/metrics` from a thread of prometheus-client, never from the event loop.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

logger = logging.getLogger(__name__)

RPC_SECONDS_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
SOLVE_SECONDS_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)
GAP_BUCKETS = (0.0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


@dataclass
class ServiceMetrics:
    """The metrics one server records; `registry` is what its /metrics endpoint serves."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        registry = self.registry
        self.rpc_seconds = Histogram("prodplan_rpc_duration_seconds", "Duration of RPCs, by method and status.",
                                     ["method", "status"], buckets=RPC_SECONDS_BUCKETS, registry=registry)
        self.solves_running = Gauge("prodplan_solves_running", "Admitted calls that can be solving: at most the "
                                    "number of solver processes (a comparison counts once).",
                                    registry=registry)
        self.solves_admitted = Gauge("prodplan_solves_admitted", "Solves running or queued for a solver process.",
                                     registry=registry)
        self.refusals = Counter("prodplan_refusals_total", "Calls refused at once, by reason.", ["reason"],
                                registry=registry)
        self.solve_seconds = Histogram("prodplan_solver_wall_seconds", "Wall time of each plan's solve.",
                                       ["status"], buckets=SOLVE_SECONDS_BUCKETS, registry=registry)
        self.solve_gap = Histogram("prodplan_solver_relative_gap",
                                   "Relative gap between a plan's objective and the solver's bound.",
                                   buckets=GAP_BUCKETS, registry=registry)
        self.forecast_batch = Histogram("prodplan_forecast_batch_calls",
                                        "Calls served by one forward pass of a forecast model.",
                                        buckets=BATCH_BUCKETS, registry=registry)
        self.models = Gauge("prodplan_model_info", "Model versions served (value 1).", ["kind", "version"],
                            registry=registry)
        self.store_errors = Counter("prodplan_store_errors_total", "Plan store operations that failed.",
                                    registry=registry)

    def serve_models(self, versions: dict[str, str]) -> None:
        for kind, version in versions.items():
            self.models.labels(kind=kind, version=version).set(1)


@dataclass
class MetricsEndpoint:
    """The running /metrics HTTP server."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def start_endpoint(metrics: ServiceMetrics, host: str, port: int) -> MetricsEndpoint:
    """Serve `metrics` on http://host:port/metrics (port 0: a free one) from a background thread."""
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    endpoint = MetricsEndpoint(server, thread)
    logger.info("metrics on http://%s:%d/metrics", host, endpoint.port)
    return endpoint
