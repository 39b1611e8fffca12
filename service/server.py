"""The gRPC server: `create_server(address)` builds it (tests bind port 0), `serve()` runs it until SIGTERM.

Registered: PlanningService, ModelService (a plant's own models, service/model_registry.py), ForecastService
(when the forecaster's models are present), the standard health service and server reflection.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from forecaster import ForecastModels, load_models
from prodplan.v1 import (
    forecast_service_pb2,
    model_service_pb2,
    model_service_pb2_grpc,
    planning_service_pb2,
    planning_service_pb2_grpc,
)
from service.auth import AuthInterceptor
from service.forecast_servicer import ForecastServicer, add_forecast_service
from service.garbage import settle_garbage_collector
from service.interceptors import ErrorMappingInterceptor
from service.jwt_auth import JwtSettings, load_authenticator
from service.metrics import MetricsEndpoint, ServiceMetrics, start_endpoint
from service.model_registry import ModelRegistry
from service.model_servicer import ModelServicer
from service.model_serving import PlantModels, ServedModels
from service.planning_servicer import PlanningServicer
from service.settings import Settings
from service.solver_pool import SolverPool
from service.store import PlanStore, StoreError, open_store
from service.store.backends import redacted
from service.tracing import Tracing, otlp_endpoint, setup_tracing
from service.transport import check_transport, host_of, server_credentials

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

logger = logging.getLogger(__name__)

GRACE_PERIOD_S = 5.0


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    pool: SolverPool
    health: health.aio.HealthServicer
    store: PlanStore
    forecast: ForecastServicer | None = None
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    metrics_endpoint: MetricsEndpoint | None = None
    retention: asyncio.Task[None] | None = None
    tracing: Tracing | None = None

    async def stop(self, grace: float | None = GRACE_PERIOD_S) -> None:
        """Refuse new calls, let running ones finish within `grace` seconds, then stop the pool and the store."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        if self.retention is not None:
            self.retention.cancel()
        if self.metrics_endpoint is not None:
            self.metrics_endpoint.stop()
        if self.forecast is not None:
            self.forecast.close()
        self.pool.shutdown()
        await self.store.close()
        if self.tracing is not None:
            await asyncio.to_thread(self.tracing.shutdown)  # the last spans reach the collector


async def create_server(address: str | None = None, settings: Settings | None = None, reuse_port: bool = False,
                        span_exporter: SpanExporter | None = None) -> RunningServer:
    """Build, bind and start the server; `address` like '127.0.0.1:0' overrides the settings' host:port.

    `reuse_port` lets replicas (service/replicas.py) bind one port together; otherwise SO_REUSEPORT is
    off, so a server never silently shares its port with another program's. `span_exporter` (tests)
    switches tracing on with that exporter; otherwise traces go by OTLP when an endpoint is configured."""
    settings = settings or Settings()
    address = address or f"{settings.host}:{settings.port}"
    check_transport(settings, host_of(address))
    tokens = load_authenticator(settings.tokens_file, settings.jwks_file, JwtSettings(
        issuer=settings.jwt_issuer, audience=settings.jwt_audience, tenant_claim=settings.jwt_tenant_claim,
        role_claim=settings.jwt_role_claim, leeway_s=settings.jwt_leeway_s))
    metrics = ServiceMetrics()
    tracing = setup_tracing(otlp_endpoint(settings.otlp_endpoint), span_exporter)
    server = grpc.aio.server(
        # the error interceptor is outermost: it answers the auth interceptor's refusals and audits every call
        interceptors=[ErrorMappingInterceptor(audit=tokens is not None, metrics=metrics, tracing=tracing),
                      AuthInterceptor(tokens)],
        options=[
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
            ("grpc.so_reuseport", 1 if reuse_port else 0),
        ],
    )
    health_servicer = health.aio.HealthServicer()
    planning_name = planning_service_pb2.DESCRIPTOR.services_by_name["PlanningService"].full_name

    async def planning_serves(serving: bool) -> None:
        """Health follows the solver pool: NOT_SERVING for the server and planning while a solver process
        that died is being replaced (forecasts go on)."""
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ("", planning_name):
            await health_servicer.set(name, status)

    pool = SolverPool(settings.solver_processes, settings.max_queued_solves, settings.deadline_margin_s,
                      on_serving=planning_serves, metrics=metrics, niceness=settings.solver_niceness,
                      scheduling=settings.solver_scheduling)
    store = open_store(settings.db)
    logger.info("plan store: %s", redacted(settings.db))
    registry = ModelRegistry(Path(settings.model_dir))
    plants = PlantModels(registry)
    shipped = _load_forecast_models()
    # the plants' own models travel beside the shipped ones (CreatePlan's plant data with a plant_id)
    models = ServedModels(shipped.demand, shipped.defect, shipped.risk, plants) if shipped is not None else None
    planning_service_pb2_grpc.add_PlanningServiceServicer_to_server(
        PlanningServicer(settings, pool, store, models), server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelServicer(registry), server)
    service_names = [planning_name, model_service_pb2.DESCRIPTOR.services_by_name["ModelService"].full_name]
    forecast = (add_forecast_service(server, models=models, max_queued=settings.max_queued_forecasts,
                                     metrics=metrics, plants=plants) if models is not None else None)
    if models is not None:
        metrics.serve_models(models.versions)
    if forecast is not None:
        service_names.append(forecast_service_pb2.DESCRIPTOR.services_by_name["ForecastService"].full_name)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection([*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    credentials = server_credentials(settings)
    port = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"could not bind {address}")
    await pool.start()
    await server.start()
    for name in ["", *service_names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    endpoint = (start_endpoint(metrics, settings.metrics_host, settings.metrics_port)
                if settings.metrics_port is not None else None)
    retention = (asyncio.get_running_loop().create_task(keep_for(store, timedelta(days=settings.retention_days)))
                 if settings.retention_days is not None else None)
    return RunningServer(server, port, pool, health_servicer, store, forecast, metrics, endpoint, retention, tracing)


RETENTION_CHECK_S = 3600.0
"""How often stored records past the retention period are deleted."""


async def keep_for(store: PlanStore, period: timedelta, every_s: float = RETENTION_CHECK_S) -> None:
    """Retention: delete records older than `period` now and then every `every_s` seconds, until cancelled.
    A store that fails is logged and tried again next time."""
    while True:
        try:
            deleted = await store.delete_created_before(datetime.now(UTC) - period)
            if deleted:
                logger.info("retention: deleted %d stored records older than %s", deleted, period)
        except StoreError as error:
            logger.error("retention: %s", error)
        await asyncio.sleep(every_s)


def _load_forecast_models() -> ForecastModels | None:
    """The forecaster's shipped models, loaded once for ForecastService and for plant data in CreatePlan."""
    try:
        return load_models()
    except Exception:  # a broken model artifact must not take planning down with it
        logger.exception("forecast models could not be loaded: ForecastService and plant_data are disabled")
        return None


async def serve(settings: Settings, announce: Callable[[int], None] | None = None, reuse_port: bool = False
                ) -> None:
    """Run one server until SIGTERM/SIGINT. `announce(port)` replaces the "listening" line on stdout
    (replicas report to their supervisor instead)."""
    running = await create_server(settings=settings, reuse_port=reuse_port)
    settle_garbage_collector()
    logger.info("listening on %s:%d", settings.host, running.port)
    if announce is not None:
        announce(running.port)
    else:
        # Scripts (the demo, load tests) read this line to find the port when started with --port 0.
        print(f"prodplan listening on {settings.host}:{running.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    logger.info("stopping: finishing running calls for up to %.0f s", GRACE_PERIOD_S)
    await running.stop()
    logger.info("stopped")
