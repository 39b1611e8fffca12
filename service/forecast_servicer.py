"""ForecastService: thin servicer over the forecaster (map in, predict in a worker thread, map out).

The shipped models are loaded once by `add_forecast_service`; inference is batched per call and runs
in a worker thread (`asyncio.to_thread`) so the event loop keeps serving. torch's intra-op threads are
set once, deliberately (`threads`, default 1): a batch of 100 series or 50 machines is too small for
intra-op parallelism to pay, and on a shared machine extra OpenMP threads spin against the gRPC
threads; throughput comes from concurrent requests in the worker-thread pool instead.
"""

from __future__ import annotations

import asyncio
import logging

import grpc

from forecaster import ForecastModels, assess_equipment_risk, forecast_demand, load_models, predict_yield
from forecaster.device import set_inference_threads
from prodplan.v1 import forecast_service_pb2 as pb
from prodplan.v1 import forecast_service_pb2_grpc as pb_grpc
from service import forecast_mapping as mapping
from service.errors import InvalidArgumentError, invalid_argument_status

logger = logging.getLogger(__name__)


class ForecastServicer(pb_grpc.ForecastServiceServicer):
    """Serves the three forecasters from models loaded once."""

    def __init__(self, models: ForecastModels) -> None:
        self.models = models

    async def ForecastDemand(  # noqa: N802 (gRPC method name)
        self, request: pb.ForecastDemandRequest, context: grpc.aio.ServicerContext
    ) -> pb.ForecastDemandResponse:
        try:
            histories, horizon, quantiles = mapping.demand_request(request, self.models)
        except InvalidArgumentError as error:
            await context.abort_with_status(invalid_argument_status(error))
        forecasts = await asyncio.to_thread(forecast_demand, self.models.demand, histories, horizon, quantiles)
        return mapping.demand_response(request, forecasts, self.models.demand.version)

    async def PredictYield(  # noqa: N802
        self, request: pb.PredictYieldRequest, context: grpc.aio.ServicerContext
    ) -> pb.PredictYieldResponse:
        try:
            records = mapping.yield_request(request)
        except InvalidArgumentError as error:
            await context.abort_with_status(invalid_argument_status(error))
        predictions = await asyncio.to_thread(predict_yield, self.models.defect, records)
        return mapping.yield_response(predictions, self.models.defect.version)

    async def AssessEquipmentRisk(  # noqa: N802
        self, request: pb.AssessEquipmentRiskRequest, context: grpc.aio.ServicerContext
    ) -> pb.AssessEquipmentRiskResponse:
        try:
            machines, bucket_hours, buckets = mapping.risk_request(request)
        except InvalidArgumentError as error:
            await context.abort_with_status(invalid_argument_status(error))
        curves = await asyncio.to_thread(assess_equipment_risk, self.models.risk, machines, bucket_hours, buckets)
        return mapping.risk_response(request, curves, self.models.risk.version, self.models.risk.window_hours)


def add_forecast_service(server: grpc.aio.Server, models: ForecastModels | None = None, threads: int = 1) -> None:
    """Load the shipped models (unless given) once and register ForecastService on `server`."""
    set_inference_threads(threads)
    loaded = models if models is not None else load_models()
    logger.info("forecast models loaded: %s", loaded.versions)
    pb_grpc.add_ForecastServiceServicer_to_server(ForecastServicer(loaded), server)
