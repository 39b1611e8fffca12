"""ForecastService: thin servicer over the forecaster (map in, predict in batches, map out).

The shipped models are loaded once by `add_forecast_service`. Every call's whole pipeline (map in and
validate, predict, map out) runs on one dedicated inference thread, so the event loop only hands
requests over, and concurrent calls are batched opportunistically (service/inference_batcher.py):
calls that queued while the thread was busy share one forward pass. torch's intra-op threads are set
once, deliberately (`threads`, default 1): a batch of 100 series or 50 machines is too small for
intra-op parallelism to pay, and extra OpenMP threads spin against the gRPC threads. (Serving the
batches in a separate worker process instead was measured and was slower: the health check did not
need it, and the process round trip added latency; docs/PERFORMANCE.md.)

PredictYield, ForecastDemand and AssessEquipmentRisk with a `plant_id` are answered by the plant's active model
(service/model_serving.py) on a worker thread instead, outside the batches: its inputs are the plant's
own columns, which no other call's batch shares.
"""

from __future__ import annotations

import asyncio
import logging
import time

import grpc

from forecaster import ForecastModels, demo_inputs, load_models
from forecaster.defect import predict_validated
from forecaster.demand_forecast import forecast_validated
from forecaster.device import set_inference_threads
from forecaster.risk import assess_validated
from prodplan.v1 import forecast_service_pb2 as pb
from prodplan.v1 import forecast_service_pb2_grpc as pb_grpc
from service.errors import FieldViolation, InvalidArgumentError, invalid_argument_status
from service.forecast_kinds import forecast_kinds
from service.forecast_mapping import demand_request, demand_response
from service.inference_batcher import BatchKind, InferenceBatcher
from service.metrics import ServiceMetrics
from service.model_serving import PlantModels, current_tenant, plant_demand_forecasts, predict_plant_yield
from service.plant_risk_serving import predict_plant_risk
from service.tracing import span

logger = logging.getLogger(__name__)


class ForecastServicer(pb_grpc.ForecastServiceServicer):
    """Serves the three forecasters from models loaded once, batching concurrent calls.

    Args:
        models: the loaded forecaster models.
        max_batch_calls: most calls served in one batch.
        max_queued: most calls waiting or being served; beyond, RESOURCE_EXHAUSTED with a retry hint.
        plants: the plants' own models (PredictYield with a plant_id); None: only the shipped models.
    """

    def __init__(self, models: ForecastModels, max_batch_calls: int = 64, max_queued: int = 256,
                 plants: PlantModels | None = None) -> None:
        self.models = models
        self.plants = plants
        self.batcher = InferenceBatcher(max_batch_calls, max_pending=max_queued)
        kinds = forecast_kinds(models)
        self._demand, self._yield, self._risk = kinds["demand"], kinds["yield"], kinds["risk"]

    async def _submit(self, context: grpc.aio.ServicerContext, kind: BatchKind, request: object) -> object:
        try:
            return await self.batcher.submit(kind, request)
        except InvalidArgumentError as error:
            await context.abort_with_status(invalid_argument_status(error))
            raise  # abort_with_status raises; this keeps the type checker informed

    async def ForecastDemand(  # noqa: N802 (gRPC method name)
        self, request: pb.ForecastDemandRequest, context: grpc.aio.ServicerContext
    ) -> pb.ForecastDemandResponse:
        if request.plant_id:
            with span("forecast", **{"prodplan.forecast_kind": "plant demand"}):
                return await asyncio.to_thread(self._plant_demand, request, current_tenant())
        response = await self._submit(context, self._demand, request)
        assert isinstance(response, pb.ForecastDemandResponse)
        return response

    async def PredictYield(  # noqa: N802
        self, request: pb.PredictYieldRequest, context: grpc.aio.ServicerContext
    ) -> pb.PredictYieldResponse:
        if request.plant_id:
            with span("forecast", **{"prodplan.forecast_kind": "plant yield"}):
                return await asyncio.to_thread(self._plant_yield, request, current_tenant())
        response = await self._submit(context, self._yield, request)
        assert isinstance(response, pb.PredictYieldResponse)
        return response

    async def AssessEquipmentRisk(  # noqa: N802
        self, request: pb.AssessEquipmentRiskRequest, context: grpc.aio.ServicerContext
    ) -> pb.AssessEquipmentRiskResponse:
        if request.plant_id:
            with span("forecast", **{"prodplan.forecast_kind": "plant risk"}):
                return await asyncio.to_thread(self._plant_risk, request, current_tenant())
        response = await self._submit(context, self._risk, request)
        assert isinstance(response, pb.AssessEquipmentRiskResponse)
        return response

    def _plants(self) -> PlantModels:
        if self.plants is None:
            raise InvalidArgumentError([FieldViolation("plant_id", "this server has no model registry")])
        return self.plants

    def _plant_yield(self, request: pb.PredictYieldRequest, tenant: str) -> pb.PredictYieldResponse:
        """PredictYield by the plant's active defect model (off the event loop: a model's first call loads it)."""
        entry, model = self._plants().defect(tenant, request.plant_id)
        return predict_plant_yield(request.items, entry, model)

    def _plant_risk(self, request: pb.AssessEquipmentRiskRequest, tenant: str) -> pb.AssessEquipmentRiskResponse:
        """AssessEquipmentRisk by the plant's active risk model, from the plant's own sensors and events."""
        entry, model = self._plants().risk(tenant, request.plant_id)
        return predict_plant_risk(request, entry, model)

    def _plant_demand(self, request: pb.ForecastDemandRequest, tenant: str) -> pb.ForecastDemandResponse:
        """ForecastDemand by the plant's active demand model, the request checked as for the shipped one."""
        entry, model = self._plants().demand(tenant, request.plant_id)
        histories, horizon, quantiles = demand_request(request, self.models)
        forecasts = plant_demand_forecasts(model, histories, horizon, quantiles, entry.model_version)
        response = demand_response(request, forecasts, entry.model_version)
        response.plant_id = entry.plant_id
        return response

    def close(self) -> None:
        """Stop the inference thread (after the calls already queued)."""
        self.batcher.close()


def add_forecast_service(server: grpc.aio.Server, models: ForecastModels | None = None, threads: int = 1,
                         max_queued: int = 256, metrics: ServiceMetrics | None = None,
                         plants: PlantModels | None = None) -> ForecastServicer:
    """Load the shipped models (unless given) once and register ForecastService on `server`; returns the
    servicer, whose `close()` stops its inference thread when the server stops. With `plants`, PredictYield
    also serves each plant's active defect model."""
    set_inference_threads(threads)
    loaded = models if models is not None else load_models()
    logger.info("forecast models loaded: %s (warm-up %.2f s)", loaded.versions, warm_up(loaded))
    servicer = ForecastServicer(loaded, max_queued=max_queued, plants=plants)
    if metrics is not None:
        servicer.batcher.stats.observe = metrics.forecast_batch.observe
    pb_grpc.add_ForecastServiceServicer_to_server(servicer, server)
    return servicer


def warm_up(models: ForecastModels) -> float:
    """Run each model once on the demo plant's inputs, so that the first client's call does not pay for
    lazy initialisation (oneDNN primitives, allocator pools, lazily imported modules; measured: the
    first call of each kind took 15-25 ms longer than the next ones). Returns the seconds it took."""
    started = time.perf_counter()
    demo = demo_inputs()
    forecast_validated(models.demand, demo.demand, 6, (0.1, 0.5, 0.9))
    predict_validated(models.defect, demo.process_records)
    assess_validated(models.risk, demo.telemetry, 8.0, 21)
    return time.perf_counter() - started
