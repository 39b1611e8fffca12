"""Why a plant's defect model predicts what it predicts for one part, under the plant's own column names.

Whatever candidate is served (trees, network, a blend, the base rate), the explanation asks the served
model itself: for each numeric process parameter of a row, how much lower (or higher) would P(any
defect) be with that parameter at its usual value (the training period's median) and everything else as
it is? That difference, in probability points, is the parameter's effect. It is exact for the model as
served (no surrogate), costs one extra prediction per parameter and row, and reads in the plant's terms:
"Melt temperature 712 °C (2.1 sd above usual) raises the defect probability by 3.4 points".

Effects are one parameter at a time, so two parameters that only matter together are each credited
with what changing it alone would do; the effects do not add up to the prediction. A missing value is
not explained (the model fills it), and categorical parameters are not explained yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecaster.plantdata.artifact import PlantModel
from forecaster.plantdata.predictor import served_probabilities

TOP = 3
"""At most this many parameters per explanation."""
MIN_EFFECT = 0.002
"""Effects smaller than this (0.2 probability points) are not worth a planner's attention."""


@dataclass(frozen=True)
class ParameterEffect:
    """One parameter's effect on one row's P(any defect)."""

    column: str
    value: float
    deviation_sd: float
    effect: float  # P(any defect) as predicted minus P(any defect) with this parameter at its median
    name_en: str
    name_ko: str
    unit: str


@dataclass(frozen=True)
class RowExplanation:
    effects: list[ParameterEffect]
    text_en: str
    text_ko: str


def parameter_effects(model: PlantModel, frame: pd.DataFrame) -> np.ndarray:
    """[N, numeric parameters] effect of each parameter of each row (0 where its value is missing)."""
    schema = model.schema
    if not schema.numeric or len(frame) == 0:
        return np.zeros((len(frame), len(schema.numeric)))
    predicted = 1.0 - served_probabilities(model, frame)[:, 0]
    usual = pd.concat([frame.assign(**{column: median}) for column, median in zip(schema.numeric, schema.median,
                                                                                  strict=True)],
                      ignore_index=True)
    at_median = (1.0 - served_probabilities(model, usual)[:, 0]).reshape(len(schema.numeric), len(frame)).T
    effects = predicted[:, None] - at_median
    values = frame[schema.numeric].to_numpy(dtype=float)
    return np.where(np.isnan(values), 0.0, effects)


def explain_rows(model: PlantModel, frame: pd.DataFrame, top: int = TOP, min_effect: float = MIN_EFFECT
                 ) -> list[RowExplanation]:
    """The largest effects of each row (at most `top`, each at least `min_effect`) with sentences."""
    schema = model.schema
    effects = parameter_effects(model, frame)
    values = frame[schema.numeric].to_numpy(dtype=float) if schema.numeric else np.zeros((len(frame), 0))
    median, spread = np.asarray(schema.median, dtype=float), np.asarray(schema.spread, dtype=float)
    explanations = []
    for row in range(len(frame)):
        order = np.argsort(-np.abs(effects[row]), kind="stable")[:top]
        chosen = [ParameterEffect(
            column=schema.numeric[j], value=float(values[row, j]),
            deviation_sd=float((values[row, j] - median[j]) / spread[j]), effect=float(effects[row, j]),
            name_en=schema.names_en.get(schema.numeric[j], schema.numeric[j]),
            name_ko=schema.names_ko.get(schema.numeric[j], schema.names_en.get(schema.numeric[j], schema.numeric[j])),
            unit=schema.units.get(schema.numeric[j], ""),
        ) for j in order if abs(effects[row, j]) >= min_effect]
        explanations.append(RowExplanation(chosen, _text_en(chosen, model.served), _text_ko(chosen, model.served)))
    return explanations


def _value(effect: ParameterEffect) -> str:
    return f"{effect.value:.4g}{(' ' + effect.unit) if effect.unit else ''}"


def _text_en(effects: list[ParameterEffect], served: str) -> str:
    if served == "base_rate":
        return "The plant's model is its defect rate per product and machine: process parameters do not change it."
    if not effects:
        return "No process parameter moves this part's defect probability by 0.2 points or more from its usual value."
    parts = []
    for e in effects:
        side = "above" if e.deviation_sd >= 0 else "below"
        verb = "raises" if e.effect > 0 else "lowers"
        parts.append(f"{e.name_en} {_value(e)} ({abs(e.deviation_sd):.1f} sd {side} usual) {verb} the defect "
                     f"probability by {abs(e.effect) * 100:.1f} points")
    return "; ".join(parts) + "."


def _text_ko(effects: list[ParameterEffect], served: str) -> str:
    if served == "base_rate":
        return "이 공장 모델은 제품·설비별 불량률이므로 공정 조건이 예측을 바꾸지 않습니다."
    if not effects:
        return "평소 값과 비교해 불량 확률을 0.2%p 이상 바꾸는 공정 조건이 없습니다."
    parts = []
    for e in effects:
        side = "높음" if e.deviation_sd >= 0 else "낮음"
        verb = "높입니다" if e.effect > 0 else "낮춥니다"
        parts.append(f"{e.name_ko} {_value(e)}(평소보다 {abs(e.deviation_sd):.1f} sd {side})가 불량 확률을 "
                     f"{abs(e.effect) * 100:.1f}%p {verb}")
    return "; ".join(parts) + "."
