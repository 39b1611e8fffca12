"""Forecasters for production planning: demand quantiles, yield from process parameters, equipment risk.

Plain function API (no grpc, no planner imports):

    models = load_models()                       # the shipped artifacts, loaded once
    forecast_demand(models.demand, histories, horizon=6, quantiles=(0.1, 0.5, 0.9))
    predict_yield(models.defect, records)
    assess_equipment_risk(models.risk, telemetry, bucket_hours=8.0, n_buckets=21)

Bad input raises `ForecastInputError` whose `.problems` lists every (field, reason) pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forecaster.artifacts import WEIGHTS_DIR, ArtifactError
from forecaster.defect import DefectModel, load_defect_model, predict_yield, yield_by_product_machine
from forecaster.demand_forecast import DemandModel, forecast_demand, load_demand_model
from forecaster.demo import DemoInputs, demo_inputs
from forecaster.risk import RiskModel, assess_equipment_risk, load_risk_model
from forecaster.types import (
    Contribution,
    DemandForecast,
    DemandHistory,
    Explanation,
    ForecastInputError,
    InputProblem,
    MachineTelemetry,
    ProcessRecord,
    RiskCurve,
    TelemetrySample,
    YieldPrediction,
)


@dataclass
class ForecastModels:
    """The three shipped models, loaded once per process."""

    demand: DemandModel
    defect: DefectModel
    risk: RiskModel

    @property
    def versions(self) -> dict[str, str]:
        return {"demand": self.demand.version, "defect": self.defect.version, "risk": self.risk.version}


def load_models(directory: Path = WEIGHTS_DIR) -> ForecastModels:
    """Load every shipped artifact (raises ArtifactError naming the file on any problem)."""
    return ForecastModels(load_demand_model(directory), load_defect_model(directory), load_risk_model(directory))


__all__ = [
    "ArtifactError", "Contribution", "DefectModel", "DemandForecast", "DemandHistory", "DemandModel", "DemoInputs",
    "Explanation", "ForecastInputError", "ForecastModels", "InputProblem", "MachineTelemetry", "ProcessRecord",
    "RiskCurve", "RiskModel", "TelemetrySample", "YieldPrediction", "assess_equipment_risk", "demo_inputs",
    "forecast_demand", "load_defect_model", "load_demand_model", "load_models", "load_risk_model", "predict_yield",
    "yield_by_product_machine",
]
