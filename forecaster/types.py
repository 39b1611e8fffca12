"""Plain domain types the forecaster takes and returns, and the validation error it raises.

These are the only types the service and the planner need: frozen dataclasses of floats, strings and
tuples (no torch tensors, no numpy arrays), so they can be logged, compared and mapped onto protobuf.
Every validation problem is collected as a (field path, reason) pair and raised together in one
`ForecastInputError`, never only the first one found.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InputProblem:
    """One problem in a forecaster input: a field path such as `series[2].history[5]` and a plain reason."""

    field: str
    reason: str


class ForecastInputError(ValueError):
    """Raised with every problem found in one call's inputs (field paths relative to the call's arguments)."""

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in self.problems))


def check_finite(value: float, path: str, problems: list[InputProblem]) -> None:
    """Append a problem when `value` is NaN or infinite."""
    if not math.isfinite(value):
        problems.append(InputProblem(path, f"must be a finite number, got {value}"))


def raise_if_any(problems: list[InputProblem]) -> None:
    if problems:
        raise ForecastInputError(problems)


# --------------------------------------------------------------------------------------------- demand
@dataclass(frozen=True)
class DemandHistory:
    """Demand history of one product (or SKU), one value per period, oldest first.

    `season_length` is the number of periods in one seasonal cycle: 12 for monthly, 4 for quarterly,
    52 for weekly, 7 for daily, 1 when there is no seasonality.
    """

    series_id: str
    values: tuple[float, ...]
    season_length: int = 12


@dataclass(frozen=True)
class DemandForecast:
    """Quantile forecast of one series: `values[i][t]` is quantile `quantiles[i]` for period t+1 ahead."""

    series_id: str
    quantiles: tuple[float, ...]
    values: tuple[tuple[float, ...], ...]
    seasonal_pattern: tuple[float, ...]
    """Multiplicative seasonal index per position in the cycle (1.0 = average), starting with the first
    forecast period; a single 1.0 when the series has no detectable seasonality."""
    model_version: str

    def quantile(self, level: float) -> tuple[float, ...]:
        """The forecast path of one of the requested quantile levels."""
        for q, path in zip(self.quantiles, self.values, strict=True):
            if abs(q - level) < 1e-9:
                return path
        raise KeyError(f"quantile {level} was not requested; have {self.quantiles}")


# ---------------------------------------------------------------------------------------- yield/defect
@dataclass(frozen=True)
class ProcessRecord:
    """Process parameters of one lot (or part) of a product on one machine.

    `process` is one of `die_casting`, `cnc_machining`, `heat_treatment`; `parameters` maps feature
    names (with units in the name, e.g. `melt_temperature_c`) to values.
    """

    item_id: str
    product: str
    machine_id: str
    process: str
    parameters: Mapping[str, float]


@dataclass(frozen=True)
class Contribution:
    """How much one input moved a prediction (integrated gradients, in the prediction's units)."""

    feature: str
    value: float
    """The input's value in its own unit."""
    deviation_sd: float
    """How many standard deviations of normal operation the input is from the training mean."""
    attribution: float
    """Signed share of the prediction change from the baseline attributed to this input."""


@dataclass(frozen=True)
class Explanation:
    contributions: tuple[Contribution, ...]
    text_en: str
    text_ko: str


@dataclass(frozen=True)
class YieldPrediction:
    """Predicted quality of one lot: probability of a defect, by type, and the expected yield (good / total)."""

    item_id: str
    product: str
    machine_id: str
    defect_probability: float
    defect_type_probabilities: Mapping[str, float]
    expected_yield: float
    explanation: Explanation
    model_version: str


# ------------------------------------------------------------------------------------- equipment risk
@dataclass(frozen=True)
class TelemetrySample:
    """One reading of machine telemetry (the AI4I 2020 signals)."""

    air_temperature_k: float
    process_temperature_k: float
    rotational_speed_rpm: float
    torque_nm: float
    tool_wear_min: float


@dataclass(frozen=True)
class MachineTelemetry:
    """Latest telemetry of one machine, optionally with a recent history of readings (oldest first).

    `duty_class` is the AI4I product-quality variant the machine runs (`L`, `M` or `H`);
    `utilization` is the expected share of each hour the machine runs; `tool_wear_rate_min_per_h`
    is how many minutes of tool wear one fully used hour adds (risk projections grow tool wear by it);
    `tool_change_wear_min` is the wear at which the plant changes the tool (the projection starts a new
    tool there; a tool already at or past it is changed at the start of the horizon). 200 min is where
    AI4I's tool-wear failures begin; a value above AI4I's largest wear (253 min) means no change.
    """

    machine_id: str
    current: TelemetrySample
    hours_since_maintenance: float = 0.0
    duty_class: str = "M"
    utilization: float = 1.0
    tool_wear_rate_min_per_h: float = 1.0
    tool_change_wear_min: float = 200.0
    history: tuple[TelemetrySample, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RiskCurve:
    """Failure risk of one machine over the plan's buckets.

    `cumulative_failure_probability[b]` is P(failure before the end of bucket b), non-decreasing;
    `bucket_failure_probability[b]` is P(failure within bucket b | no failure before it).
    """

    machine_id: str
    bucket_hours: float
    cumulative_failure_probability: tuple[float, ...]
    bucket_failure_probability: tuple[float, ...]
    current_failure_probability: float
    """P(failure within one reference window of `window_hours`) at the current reading."""
    anomaly_score: float
    """0..1: share of normal-operation readings that look more typical than this machine's readings."""
    explanation: Explanation
    model_version: str
