"""The three ForecastService calls as batch kinds: how each is mapped and validated, run in groups
(calls that can share one forward pass), and answered on the inference thread."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from forecaster import (
    DemandForecast,
    DemandHistory,
    ForecastModels,
    MachineTelemetry,
    ProcessRecord,
    RiskCurve,
    YieldPrediction,
)
from forecaster.defect import predict_validated
from forecaster.demand_forecast import forecast_validated, shipped_method
from forecaster.risk import assess_validated
from prodplan.v1 import forecast_service_pb2 as pb
from service import forecast_mapping as mapping
from service.inference_batcher import BatchKind, split


class DemandKind:
    """ForecastDemand calls with the same horizon and quantile levels share one forward pass."""

    name = "demand"

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
        """The response, naming the method that served each series (the rule of `shipped_method`)."""
        methods = [shipped_method(self.models.demand, np.asarray(series.history, dtype=np.float64))
                   for series in request.series]
        return mapping.demand_response(request, output, self.models.demand.version, methods)


class YieldKind:
    """PredictYield calls always share one pass (every record stands alone)."""

    name = "yield"

    def __init__(self, models: ForecastModels) -> None:
        self.models = models

    def prepare(self, request: pb.PredictYieldRequest) -> tuple[Hashable, list[ProcessRecord]]:
        return None, mapping.yield_request(request)

    def run(self, key: Hashable, prepared: Sequence[list[ProcessRecord]]) -> list[list[YieldPrediction]]:
        flat = [record for records in prepared for record in records]
        return split(predict_validated(self.models.defect, flat), [len(records) for records in prepared])

    def finish(self, request: pb.PredictYieldRequest, output: list[YieldPrediction]) -> pb.PredictYieldResponse:
        return mapping.yield_response(output, self.models.defect.version)


class RiskKind:
    """AssessEquipmentRisk calls with the same buckets share one pass."""

    name = "risk"

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


def forecast_kinds(models: ForecastModels) -> dict[str, BatchKind]:
    """The three kinds by name, over one set of loaded models."""
    return {kind.name: kind for kind in (DemandKind(models), YieldKind(models), RiskKind(models))}
