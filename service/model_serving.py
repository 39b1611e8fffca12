"""Serving each plant's active models: a cache keyed by plant and version that follows the active pointer.

Every call asks the registry for the plant's active version (one small file read), so an activation or a
rollback, by this server or by another replica sharing the registry folder, takes effect on the next call
without a restart; a model folder is read (and its checksums checked) once per version and kept in a
small least-recently-used cache. `PredictYield` with a plant id and `CreatePlan`'s plant data with a plant
id map the plant's own parameter names onto its defect model here; AssessEquipmentRisk with a plant id
reads the plant's active risk model from here too (service/plant_risk_serving.py).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster import DemandForecast, DemandHistory, ForecastModels
from forecaster.defect import MAX_ITEMS
from forecaster.plantdata.artifact import PlantModel, read_model_folder
from forecaster.plantdata.explain import RowExplanation, explain_rows
from forecaster.plantdata.predictor import predict_frame
from forecaster.plantdemand.artifact import DemandPlantModel
from forecaster.plantdemand.artifact import read_model_folder as read_demand_folder
from forecaster.plantdemand.intermittent import demand_class
from forecaster.plantdemand.methods import forecast
from forecaster.plantrisk.artifact import read_model_folder as read_risk_folder
from forecaster.plantrisk.pipeline import TrainedRiskModel
from prodplan.v1 import forecast_service_pb2 as pb
from service.auth import ANONYMOUS, identity_var
from service.errors import FieldViolation, InvalidArgumentError, NotFoundError
from service.forecast_mapping import MAX_PARAMETERS
from service.model_registry import ModelRegistry, RegisteredModel, check_plant_id

MAX_CACHED_MODELS = 32
"""Model folders kept loaded (plants x kinds x versions); the least recently used is dropped beyond."""


def current_tenant() -> str:
    """The caller's tenant (the default tenant when the server runs without tokens)."""
    return (identity_var.get() or ANONYMOUS).tenant


class PlantModels:
    """The plants' active models, loaded once per version.

    Args:
        registry: where the versions and active pointers live.
        max_cached: model folders kept loaded.
    """

    def __init__(self, registry: ModelRegistry, max_cached: int = MAX_CACHED_MODELS) -> None:
        self.registry = registry
        self._max_cached = max_cached
        self._cache: OrderedDict[tuple[str, str, str, str], tuple[RegisteredModel, object]] = OrderedDict()
        self._lock = threading.Lock()

    def defect(self, tenant: str, plant_id: str, field_path: str = "plant_id") -> tuple[RegisteredModel, PlantModel]:
        """The plant's active defect model; NotFoundError when it has none (or belongs to another tenant)."""
        entry, model = self._active(tenant, plant_id, "defect", field_path)
        assert isinstance(model, PlantModel)
        return entry, model

    def demand(self, tenant: str, plant_id: str, field_path: str = "plant_id"
               ) -> tuple[RegisteredModel, DemandPlantModel]:
        """The plant's active demand model; NotFoundError when it has none (or belongs to another tenant)."""
        entry, model = self._active(tenant, plant_id, "demand", field_path)
        assert isinstance(model, DemandPlantModel)
        return entry, model

    def risk(self, tenant: str, plant_id: str, field_path: str = "plant_id"
             ) -> tuple[RegisteredModel, TrainedRiskModel]:
        """The plant's active risk model; NotFoundError when it has none (or belongs to another tenant)."""
        entry, model = self._active(tenant, plant_id, "risk", field_path)
        assert isinstance(model, TrainedRiskModel)
        return entry, model

    def _active(self, tenant: str, plant_id: str, kind: str, field_path: str) -> tuple[RegisteredModel, object]:
        check_plant_id(plant_id, field_path)
        version = self.registry.active_version(tenant, plant_id, kind)
        if version is None:
            raise NotFoundError(f"plant {plant_id!r} has no active {kind} model (train one with ModelService."
                                "TrainModel and activate it)")
        key = (tenant, plant_id, kind, version)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            entry = self.registry.get(tenant, plant_id, kind, version)
            loaded = (entry, _READERS[kind](entry.model_folder))
            self._cache[key] = loaded
            while len(self._cache) > self._max_cached:
                self._cache.popitem(last=False)
            return loaded


_READERS: dict[str, Callable[[Path], object]] = {"defect": read_model_folder, "demand": read_demand_folder,
                                                  "risk": read_risk_folder}


@dataclass
class ServedModels(ForecastModels):
    """The shipped models and, beside them, the plants' own (CreatePlan's plant data reads both)."""

    plants: PlantModels | None = None


def _level_text(value: float) -> str:
    """A number sent for a categorical column, as the plant's file would have written it."""
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _item_problems(index: int, item: pb.YieldItem, kinds: dict[str, str], prefix: str) -> list[FieldViolation]:
    path = f"{prefix}[{index}]"
    known = ", ".join(sorted(kinds)) or "(no parameters)"
    problems = [FieldViolation(f"{path}.{name}", "is required") for name, value in
                (("product", item.product), ("machine_id", item.machine_id)) if not value.strip()]
    for name, number in item.parameters.items():
        if name not in kinds:
            problems.append(FieldViolation(f"{path}.parameters[{name!r}]",
                                           f"the plant's defect model does not know this parameter; it knows: {known}"))
        elif not math.isfinite(number):
            problems.append(FieldViolation(f"{path}.parameters[{name!r}]", "must be a finite number"))
    for name in item.categorical_parameters:
        if name not in kinds:
            problems.append(FieldViolation(f"{path}.categorical_parameters[{name!r}]",
                                           f"the plant's defect model does not know this parameter; it knows: {known}"))
        elif kinds[name] == "numeric":
            problems.append(FieldViolation(f"{path}.categorical_parameters[{name!r}]",
                                           "is a numeric column of the plant's model: send it in `parameters`"))
        if name in item.parameters:
            problems.append(FieldViolation(f"{path}.categorical_parameters[{name!r}]",
                                           "is also given in `parameters`: give it once"))
    return problems


def plant_yield_frame(items: Sequence[pb.YieldItem], model: PlantModel, prefix: str = "items") -> pd.DataFrame:
    """The items as the records the plant's model reads (its own column names; an absent parameter is a
    missing value); InvalidArgumentError naming every problem."""
    if len(items) > MAX_ITEMS:
        raise InvalidArgumentError([FieldViolation(prefix, f"at most {MAX_ITEMS} items per call, got {len(items)}")])
    if not items:
        raise InvalidArgumentError([FieldViolation(prefix, "at least one item is required")])
    kinds = model.schema.parameter_kinds
    problems = [FieldViolation(f"{prefix}[{i}].parameters", f"at most {MAX_PARAMETERS} parameters")
                for i, item in enumerate(items)
                if len(item.parameters) + len(item.categorical_parameters) > MAX_PARAMETERS]
    for index, item in enumerate(items):
        problems += _item_problems(index, item, kinds, prefix)
    if problems:
        raise InvalidArgumentError(problems)
    columns: dict[str, list[object]] = {"product": [i.product.strip() for i in items],
                                        "machine": [i.machine_id.strip() for i in items]}
    for name, kind in kinds.items():
        if kind == "numeric":
            columns[name] = [float(i.parameters.get(name, math.nan)) for i in items]
        else:
            columns[name] = [i.categorical_parameters.get(name, "").strip() if name not in i.parameters
                             else _level_text(i.parameters[name]) for i in items]
    frame = pd.DataFrame(columns)
    for name, kind in kinds.items():
        frame[name] = frame[name].astype(float if kind == "numeric" else object)
    return frame


def predict_plant_yield(items: Sequence[pb.YieldItem], entry: RegisteredModel, model: PlantModel,
                        prefix: str = "items") -> pb.PredictYieldResponse:
    """PredictYield answered by a plant's own defect model."""
    frame = plant_yield_frame(items, model, prefix)
    result = predict_frame(model, frame, np.arange(len(frame)))
    response = pb.PredictYieldResponse(model_version=entry.model_version, plant_id=entry.plant_id,
                                       artifact_version=entry.artifact_version)
    by_type = {name: result[f"p_{name}"].to_numpy(dtype=float) for name in model.schema.classes[1:]}
    defect = result["defect_probability"].to_numpy(dtype=float)
    unseen = result["unseen"].astype(str).to_numpy()
    explanations = explain_rows(model, frame)
    pairs: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
    for index, item in enumerate(items):
        product, machine, probability = frame["product"].iat[index], frame["machine"].iat[index], float(defect[index])
        prediction = response.predictions.add(item_id=item.item_id, product=product, machine_id=machine,
                                              defect_probability=probability, expected_yield=1.0 - probability,
                                              unseen=unseen[index])
        for name, values in by_type.items():
            prediction.defect_types.add(defect_type=name, probability=float(values[index]))
        _explain(prediction.explanation, explanations[index], unseen[index])
        pairs.setdefault((product, machine), []).append(1.0 - probability)
    for (product, machine), yields in pairs.items():
        response.by_product_machine.add(product=product, machine_id=machine, expected_yield=float(np.mean(yields)),
                                        items=len(yields))
    return response


def _explain(message: pb.PredictionExplanation, explanation: RowExplanation, unseen: str) -> None:
    """The parameters that move this item's defect probability most, under the plant's names (attribution:
    the change against the parameter at its usual value), and a word on what training never saw."""
    for effect in explanation.effects:
        message.contributions.add(feature=effect.column, value=effect.value, deviation_sd=effect.deviation_sd,
                                  attribution=effect.effect)
    text_en, text_ko = explanation.text_en, explanation.text_ko
    if unseen:
        text_en = f"{unseen} never seen in the plant's training period: predicted from what the model knows. {text_en}"
        text_ko = f"{unseen}: 학습 기간에 없던 값이므로 알려진 정보로 예측했습니다. {text_ko}"
    message.text_en, message.text_ko = text_en, text_ko


def plant_demand_forecasts(model: DemandPlantModel, histories: Sequence[DemandHistory], horizon: int,
                           quantiles: Sequence[float], version: str) -> list[DemandForecast]:
    """Forecasts by a plant's own demand model: each history gets the method its training chose for the
    history's demand class, refitted to the history given (checked beforehand like ForecastDemand's)."""
    levels = sorted({*quantiles, 0.5})
    picked = [levels.index(q) for q in quantiles]
    values = [np.asarray(h.values, dtype=np.float64) for h in histories]
    groups: dict[tuple[str, int], list[int]] = {}
    for index, (history, series) in enumerate(zip(histories, values, strict=True)):
        groups.setdefault((model.method_for(demand_class(series)), history.season_length), []).append(index)
    paths: dict[int, np.ndarray] = {}
    for (method, season_length), members in groups.items():
        result = forecast(method, [values[i] for i in members], season_length, horizon, levels)
        paths.update(zip(members, result.quantiles, strict=True))  # [H, Q] each
    return [DemandForecast(series_id=history.series_id, quantiles=tuple(quantiles),
                           values=tuple(tuple(float(v) for v in paths[i][:, k]) for k in picked),
                           seasonal_pattern=(1.0,), model_version=version)
            for i, history in enumerate(histories)]
