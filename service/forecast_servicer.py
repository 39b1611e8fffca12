"""ForecastService: thin servicer over the forecaster (map in, predict in batches on one thread, map out).

The shipped models are loaded once by `add_forecast_service`. Every call's whole pipeline (map in and
validate, predict, map out) runs on one dedicated inference thread, so the event loop only hands
requests over, and concurrent calls are batched opportunistically (service/inference_batcher.py):
calls that queued while the thread was busy share one forward pass. torch's intra-op threads are set
once, deliberately (`threads`, default 1): a batch of 100 series or 50 machines is too small for
intra-op parallelism to pay, and on a shared machine extra OpenMP threads spin against the gRPC
threads.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence

import grpc

from forecaster import (
    DemandForecast,
    DemandHistory,
    ForecastModels,
    MachineTelemetry,
    ProcessRecord,
    RiskCurve,
    YieldPrediction,
    load_models,
)
from forecaster.defect import predict_validated
from forecaster.demand_forecast import forecast_validated
from forecaster.device import set_inference_threads
from forecaster.risk import assess_validated
from prodplan.v1 import forecast_service_pb2 as pb
from prodplan.v1 import forecast_service_pb2_grpc as pb_grpc
from service import forecast_mapping as mapping
from service.errors import InvalidArgumentError, invalid_argument_status
from service.inference_batcher import BatchKind, InferenceBatcher, split

logger = logging.getLogger(__name__)


class _Demand:
    """ForecastDemand calls with the same horizon and quantile levels share one forward pass."""

    def __init__(self, models: ForecastModels) -> None:
        self.models = models

    def prepare(self, request: pb.ForecastDemandRequest) -> tuple[Hashable, list[DemandHistory]]:
        histories, horizon, quantiles = mapping.demand_request(request, self.models)
        return (horizon, quantiles), histories

    def run(self, key: tuple[int, tuple[float, ...]], prepared: Sequence[list[DemandHistory]]
            ) -> list[list[DemandForecast]]:
        horizon, quantiles = key
        flat = [history for histories in prepared for history in histories]
        forecasts = forecast_validated(self.models.demand, flat, horizon, quantiles)
        return split(forecasts, [len(histories) for histories in prepared])

    def finish(self, request: pb.ForecastDemandRequest, output: list[DemandForecast]) -> pb.ForecastDemandResponse:
        return mapping.demand_response(request, output, self.models.demand.version)


class _Yield:
    """PredictYield calls always share one pass (every record stands alone)."""

    def __init__(self, models: ForecastModels) -> None:
        self.models = models

    def prepare(self, request: pb.PredictYieldRequest) -> tuple[Hashable, list[ProcessRecord]]:
        return None, mapping.yield_request(request)

    def run(self, key: Hashable, prepared: Sequence[list[ProcessRecord]]) -> list[list[YieldPrediction]]:
        flat = [record for records in prepared for record in records]
        return split(predict_validated(self.models.defect, flat), [len(records) for records in prepared])

    def finish(self, request: pb.PredictYieldRequest, output: list[YieldPrediction]) -> pb.PredictYieldResponse:
        return mapping.yield_response(output, self.models.defect.version)


class _Risk:
    """AssessEquipmentRisk calls with the same buckets share one pass."""

    def __init__(self, models: ForecastModels) -> None:
        self.models = models

    def prepare(self, request: pb.AssessEquipmentRiskRequest) -> tuple[Hashable, list[MachineTelemetry]]:
        machines, bucket_hours, buckets = mapping.risk_request(request)
        return (bucket_hours, buckets), machines

    def run(self, key: tuple[float, int], prepared: Sequence[list[MachineTelemetry]]) -> list[list[RiskCurve]]:
        bucket_hours, buckets = key
        flat = [machine for machines in prepared for machine in machines]
        curves = assess_validated(self.models.risk, flat, bucket_hours, buckets)
        return split(curves, [len(machines) for machines in prepared])

    def finish(self, request: pb.AssessEquipmentRiskRequest, output: list[RiskCurve]
               ) -> pb.AssessEquipmentRiskResponse:
        return mapping.risk_response(request, output, self.models.risk.version, self.models.risk.window_hours)


class ForecastServicer(pb_grpc.ForecastServiceServicer):
    """Serves the three forecasters from models loaded once, batching concurrent calls.

    Args:
        models: the loaded forecaster models.
        max_batch_calls: most calls served in one batch.
    """

    def __init__(self, models: ForecastModels, max_batch_calls: int = 64) -> None:
        self.models = models
        self.batcher = InferenceBatcher(max_batch_calls)
        self._demand = _Demand(models)
        self._yield = _Yield(models)
        self._risk = _Risk(models)

    async def _submit(self, context: grpc.aio.ServicerContext, kind: BatchKind, request: object) -> object:
        try:
            return await self.batcher.submit(kind, request)
        except InvalidArgumentError as error:
            await context.abort_with_status(invalid_argument_status(error))
            raise  # abort_with_status raises; this keeps the type checker informed

    async def ForecastDemand(  # noqa: N802 (gRPC method name)
        self, request: pb.ForecastDemandRequest, context: grpc.aio.ServicerContext
    ) -> pb.ForecastDemandResponse:
        response = await self._submit(context, self._demand, request)
        assert isinstance(response, pb.ForecastDemandResponse)
        return response

    async def PredictYield(  # noqa: N802
        self, request: pb.PredictYieldRequest, context: grpc.aio.ServicerContext
    ) -> pb.PredictYieldResponse:
        response = await self._submit(context, self._yield, request)
        assert isinstance(response, pb.PredictYieldResponse)
        return response

    async def AssessEquipmentRisk(  # noqa: N802
        self, request: pb.AssessEquipmentRiskRequest, context: grpc.aio.ServicerContext
    ) -> pb.AssessEquipmentRiskResponse:
        response = await self._submit(context, self._risk, request)
        assert isinstance(response, pb.AssessEquipmentRiskResponse)
        return response

    def close(self) -> None:
        """Stop the inference thread (after the calls already queued)."""
        self.batcher.close()


def add_forecast_service(server: grpc.aio.Server, models: ForecastModels | None = None, threads: int = 1
                         ) -> ForecastServicer:
    """Load the shipped models (unless given) once and register ForecastService on `server`; returns the
    servicer, whose `close()` stops its inference thread when the server stops."""
    set_inference_threads(threads)
    loaded = models if models is not None else load_models()
    logger.info("forecast models loaded: %s", loaded.versions)
    servicer = ForecastServicer(loaded)
    pb_grpc.add_ForecastServiceServicer_to_server(servicer, server)
    return servicer
