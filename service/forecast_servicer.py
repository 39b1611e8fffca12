"""ForecastService: thin servicer over the forecaster (map in, predict in a worker thread, map out).

The shipped models are loaded once by `add_forecast_service`; inference is batched per call and runs
on one dedicated inference thread so the event loop keeps serving. torch's intra-op threads are
set once, deliberately (`threads`, default 1): a batch of 100 series or 50 machines is too small for
intra-op parallelism to pay, and on a shared machine extra OpenMP threads spin against the gRPC
threads; throughput comes from concurrent requests in the worker-thread pool instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import grpc

from forecaster import ForecastModels, assess_equipment_risk, forecast_demand, load_models, predict_yield
from forecaster.device import set_inference_threads
from prodplan.v1 import forecast_service_pb2 as pb
from prodplan.v1 import forecast_service_pb2_grpc as pb_grpc
from service import forecast_mapping as mapping
from service.errors import InvalidArgumentError, invalid_argument_status

logger = logging.getLogger(__name__)
T = TypeVar("T")


class ForecastServicer(pb_grpc.ForecastServiceServicer):
    """Serves the three forecasters from models loaded once.

    Each call's whole pipeline (map in and validate, predict, map out) runs on one dedicated inference
    thread: the event loop only hands requests over, and calls do not fight each other for the GIL and
    the cores (measured: 107 instead of 73 calls/s against a shared thread pool, docs/PERFORMANCE.md)."""

    def __init__(self, models: ForecastModels) -> None:
        self.models = models
        self._inference = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forecast")

    async def _run(self, context: grpc.aio.ServicerContext, pipeline: Callable[[], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._inference, pipeline)
        except InvalidArgumentError as error:
            await context.abort_with_status(invalid_argument_status(error))
            raise  # abort_with_status raises; this keeps the type checker informed

    def _demand(self, request: pb.ForecastDemandRequest) -> pb.ForecastDemandResponse:
        histories, horizon, quantiles = mapping.demand_request(request, self.models)
        forecasts = forecast_demand(self.models.demand, histories, horizon, quantiles)
        return mapping.demand_response(request, forecasts, self.models.demand.version)

    def _yield(self, request: pb.PredictYieldRequest) -> pb.PredictYieldResponse:
        predictions = predict_yield(self.models.defect, mapping.yield_request(request))
        return mapping.yield_response(predictions, self.models.defect.version)

    def _risk(self, request: pb.AssessEquipmentRiskRequest) -> pb.AssessEquipmentRiskResponse:
        machines, bucket_hours, buckets = mapping.risk_request(request)
        curves = assess_equipment_risk(self.models.risk, machines, bucket_hours, buckets)
        return mapping.risk_response(request, curves, self.models.risk.version, self.models.risk.window_hours)

    async def ForecastDemand(  # noqa: N802 (gRPC method name)
        self, request: pb.ForecastDemandRequest, context: grpc.aio.ServicerContext
    ) -> pb.ForecastDemandResponse:
        return await self._run(context, lambda: self._demand(request))

    async def PredictYield(  # noqa: N802
        self, request: pb.PredictYieldRequest, context: grpc.aio.ServicerContext
    ) -> pb.PredictYieldResponse:
        return await self._run(context, lambda: self._yield(request))

    async def AssessEquipmentRisk(  # noqa: N802
        self, request: pb.AssessEquipmentRiskRequest, context: grpc.aio.ServicerContext
    ) -> pb.AssessEquipmentRiskResponse:
        return await self._run(context, lambda: self._risk(request))


def add_forecast_service(server: grpc.aio.Server, models: ForecastModels | None = None, threads: int = 1) -> None:
    """Load the shipped models (unless given) once and register ForecastService on `server`."""
    set_inference_threads(threads)
    loaded = models if models is not None else load_models()
    logger.info("forecast models loaded: %s", loaded.versions)
    pb_grpc.add_ForecastServiceServicer_to_server(ForecastServicer(loaded), server)
