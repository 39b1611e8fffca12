"""Training end to end: split, features, hazard model, baselines, anomaly model, evaluation, what is served.

Split by time (default): prediction times are cut at the quantiles 1 - validation - test and 1 - test of
their times; training labels are censored at the validation start and validation labels at the test start,
so no period reads a later one. Split by machine: whole machines go to validation and test (a given list
of test machines, or a seeded share). The hazard model and every baseline are fitted on the training
period; the validation period stops boosting, calibrates the hazard, and chooses what is served among the
curves that answer any horizon (the hazard model, the direct anchored curve, their blend with a weight per
horizon chosen on validation, the fleet Kaplan-Meier curve, the constant hazard) by the champion /
challenger rule of selection.py: the blend (the direct curve where its weights are all 0) is served unless
another curve beats its mean validation Brier score by more than one machine-clustered standard error and
ranks at least as well; the test period is scored once, for the report. Where failure
events name components, per-component curves (components.py) are fitted and scored beside the machine's.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecaster.plantdata.problems import PlantDataError, Problem
from forecaster.plantrisk.anomaly import AnomalyModel
from forecaster.plantrisk.baselines import ConstantHazard, HorizonBoosting, KaplanMeier, ages, renewal_spells
from forecaster.plantrisk.blend import HorizonBlend
from forecaster.plantrisk.components import ComponentCurves, product_of_components
from forecaster.plantrisk.direct import AnchoredCurve
from forecaster.plantrisk.evaluation import score_curves
from forecaster.plantrisk.features import FeatureSpec, build_features, fit_spec, hours
from forecaster.plantrisk.hazard import HazardModel, HazardSettings, fit_hazard, person_period
from forecaster.plantrisk.history import PlantHistory
from forecaster.plantrisk.labels import Landmarks, failure_times, landmarks, machine_spans
from forecaster.plantrisk.selection import choose

logger = logging.getLogger(__name__)
VERSION = "plantrisk-1.0.0"
SERVABLE = ("hazard", "direct", "blend", "kaplan_meier", "constant_hazard")
STEPS = 28
"""Hazard steps per prediction time: the step is the longest horizon / 28 (at least the sampling interval)."""


@dataclass(frozen=True)
class RiskSettings:
    """Args:
    max_horizon_hours: the hazard is fitted out to this horizon (longer ones carry the last step's hazard).
    horizons: evaluation horizons (hours) for scores and the choice of what is served.
    split: `time` or `machine`.
    validation_share, test_share: shares of prediction times (time) or machines (machine).
    seed, threads: LightGBM's seed and threads (and the machine shuffle).
    max_trees: most boosting rounds of every LightGBM model (hazard, anchors, per-horizon boosting);
        early stopping on the validation period picks fewer.
    """

    max_horizon_hours: float = 168.0
    horizons: tuple[float, ...] = (24.0, 168.0)
    split: Literal["time", "machine"] = "time"
    validation_share: float = 0.2
    test_share: float = 0.2
    seed: int = 0
    threads: int = 2
    max_trees: int = 400

    def __post_init__(self) -> None:
        if self.max_trees < 1:
            raise ValueError(f"max_trees must be at least 1, got {self.max_trees}")


@dataclass
class Periods:
    """Prediction times of each period (labels censored as described above) and the training cut."""

    train: Landmarks
    validation: Landmarks
    test: Landmarks
    train_until: dict[str, float]
    description: dict[str, Any]


@dataclass
class TrainedRiskModel:
    """Everything prediction needs, and the evaluation report."""

    version: str
    spec: FeatureSpec
    hazard: HazardModel
    direct: AnchoredCurve
    kaplan_meier: KaplanMeier
    constant_hazard: ConstantHazard
    anomaly: AnomalyModel
    served: str
    report: dict[str, Any] = field(default_factory=dict)
    blend: HorizonBlend | None = None
    """Per-horizon weights of the blend; None in folders written before them (an even blend at every x)."""
    components: ComponentCurves | None = None
    """Per-component curves where failures name components (see components.py); None otherwise."""
    held_out: dict[str, HeldOut] = field(default_factory=dict)
    """The validation and test periods' prediction times and every candidate's curves at the evaluation
    horizons (for the benchmark's bootstrap; not written to the model folder)."""


@dataclass
class HeldOut:
    """One held-out period: its prediction times and each candidate's [L, H] curves."""

    times: Landmarks
    curves: dict[str, np.ndarray]


def sampling_hours(history: PlantHistory) -> float:
    """Median interval between a machine's consecutive telemetry rows."""
    gaps = history.telemetry.groupby("machine")["time"].diff().dropna() / pd.Timedelta(hours=1)
    return float(gaps.median()) if len(gaps) else 1.0


def split_periods(all_times: Landmarks, spans: pd.DataFrame, settings: RiskSettings,
                  test_machines: set[str] | None = None) -> Periods:
    """Cut prediction times into training, validation and test periods (see the module docstring)."""
    if settings.split == "time" and test_machines is None:
        validation_start = float(np.quantile(all_times.time, 1 - settings.validation_share - settings.test_share))
        test_start = float(np.quantile(all_times.time, 1 - settings.test_share))
        train = all_times.subset(all_times.time < validation_start).censored_at(validation_start)
        validation = all_times.subset((all_times.time >= validation_start) & (all_times.time < test_start))
        until = {str(m): min(float(e), validation_start) for m, e in spans["end"].items()}
        return Periods(train, validation.censored_at(test_start), all_times.subset(all_times.time >= test_start),
                       until, {"split": "time", "validation_start": _iso(validation_start),
                               "test_start": _iso(test_start)})
    machines = np.array(sorted(str(m) for m in spans.index))
    rng = np.random.default_rng(settings.seed)
    if test_machines is None:
        shuffled = rng.permutation(machines)
        test_machines = set(shuffled[:max(1, round(settings.test_share * len(machines)))])
    rest = rng.permutation([m for m in machines if m not in test_machines])
    validation_machines = set(rest[:max(1, round(settings.validation_share * len(machines)))])
    train_machines = set(rest) - validation_machines

    def in_set(chosen: set[str]) -> np.ndarray:
        return np.isin(all_times.machine.astype(str), list(chosen))

    until = {m: float(spans.at[m, "end"]) for m in train_machines}
    return Periods(all_times.subset(in_set(train_machines)), all_times.subset(in_set(validation_machines)),
                   all_times.subset(in_set(test_machines)), until,
                   {"split": "machine", "validation_machines": sorted(validation_machines),
                    "test_machines": sorted(test_machines)})


def _iso(hours_value: float) -> str:
    return (pd.Timestamp("1970-01-01", tz="UTC") + pd.Timedelta(hours=hours_value)).isoformat()


def _training_history(history: PlantHistory, periods: Periods) -> PlantHistory:
    """The part of the history the feature spec may look at: training machines before the validation start."""
    telemetry, events = history.telemetry, history.events
    keep_t = telemetry["machine"].isin(list(periods.train_until))
    keep_e = events["machine"].isin(list(periods.train_until))
    if "validation_start" in periods.description:
        cut = pd.Timestamp(periods.description["validation_start"])
        keep_t &= telemetry["time"] < cut
        keep_e &= events["time"] < cut
    return PlantHistory(telemetry[keep_t], history.sensors, events[keep_e], history.machines)


def curves_for(model: TrainedRiskModel, name: str, history: PlantHistory, times: Landmarks, features: np.ndarray,
               horizons: np.ndarray) -> np.ndarray:
    """[L, H] cumulative failure probabilities of one servable candidate."""
    if name == "hazard":
        return model.hazard.cumulative(features, horizons)
    if name == "direct":
        return model.direct.cumulative(features, horizons)
    if name == "blend":
        if model.blend is not None:
            return model.blend.cumulative(model.hazard, model.direct, features, horizons)
        # the mean of two non-decreasing curves is one
        return 0.5 * (model.hazard.cumulative(features, horizons) + model.direct.cumulative(features, horizons))
    if name == "kaplan_meier":
        first_seen = {str(m): float(v) for m, v in machine_spans(history)["first"].items()}
        return model.kaplan_meier.cumulative(ages(times, first_seen, failure_times(history)), horizons)
    return model.constant_hazard.cumulative(times.machine, horizons)


def data_hash(history: PlantHistory) -> str:
    digest = hashlib.sha256()
    for frame in (history.telemetry, history.events):
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:8]


def train_risk_model(history: PlantHistory, settings: RiskSettings = RiskSettings(),
                     test_machines: set[str] | None = None) -> TrainedRiskModel:
    """Fit, evaluate and choose; raises PlantDataError when the history cannot support a model."""
    started = time.perf_counter()
    step = max(sampling_hours(history), settings.max_horizon_hours / STEPS)
    hazard_settings = HazardSettings(step_hours=step, steps=int(np.ceil(settings.max_horizon_hours / step)),
                                     trees=settings.max_trees, seed=settings.seed, threads=settings.threads)
    spans = machine_spans(history)
    all_times = landmarks(history, step)
    if not len(all_times):
        raise PlantDataError([Problem("telemetry", None, "time", "no machine has telemetry longer than one step "
                                      f"({step:g} h)")])
    periods = split_periods(all_times, spans, settings, test_machines)
    _require_failures(periods)
    spec = fit_spec(_training_history(history, periods), step)
    features = {name: build_features(history, spec, getattr(periods, name).machine, getattr(periods, name).time)
                for name in ("train", "validation", "test")}
    hazard = fit_hazard(person_period(periods.train, features["train"], hazard_settings),
                        person_period(periods.validation, features["validation"], hazard_settings), hazard_settings)
    direct = AnchoredCurve.fit((periods.train, features["train"]), (periods.validation, features["validation"]),
                               hazard_settings, tuple(settings.horizons))
    blend = HorizonBlend.fit(hazard, direct, (periods.validation, features["validation"]))
    components = ComponentCurves.fit(history, (periods.train, features["train"]),
                                     (periods.validation, features["validation"]), hazard_settings,
                                     tuple(settings.horizons))
    first_seen = {str(m): float(v) for m, v in spans["first"].items() if str(m) in periods.train_until}
    failures = failure_times(history)
    kaplan_meier = KaplanMeier.fit(*renewal_spells(first_seen, failures, periods.train_until))
    constant = ConstantHazard.fit(first_seen, failures, periods.train_until)
    horizons = [float(h) for h in settings.horizons]
    boosting = HorizonBoosting.fit(periods.train, features["train"], (periods.validation, features["validation"]),
                                   horizons, hazard_settings)
    anomaly = AnomalyModel.fit(spec, _normal_rows(periods.train, features["train"], settings.max_horizon_hours))
    model = TrainedRiskModel(f"{VERSION}+{data_hash(history)}", spec, hazard, direct, kaplan_meier, constant,
                             anomaly, "hazard", blend=blend, components=components)
    report: dict[str, Any] = {"version": model.version, "periods": periods.description, "step_hours": step,
                              "horizons": horizons, "settings": asdict(settings), "hazard": hazard.to_json(),
                              "direct": direct.to_json(), "blend": blend.to_json()}
    for period in ("validation", "test"):
        times = getattr(periods, period)
        curves = {name: curves_for(model, name, history, times, features[period], np.asarray(horizons))
                  for name in SERVABLE}
        curves["horizon_boosting"] = boosting.cumulative(features[period], horizons)
        report[period] = {name: score_curves(times, curve, horizons) for name, curve in curves.items()}
        report[period]["counts"] = {"times": len(times), "machines": len(set(times.machine)),
                                    "failures_seen": _failures_seen(times)}
        model.held_out[period] = HeldOut(times, curves)
        if components is not None:
            report.setdefault("components", {"names": components.names})[period] = _component_scores(
                components, history, times, features[period], horizons)
    model.served, report["selection"] = choose_served(model.held_out["validation"], horizons, blend)
    report["served"] = model.served
    report["training_seconds"] = round(time.perf_counter() - started, 1)
    report["counts"] = {"train_times": len(periods.train),
                        "train_failures_seen": int(np.isfinite(np.unique(periods.train.next_failure)).sum())}
    model.report = report
    logger.info("risk model %s: served %s, %.1f s", model.version, model.served, report["training_seconds"])
    return model


def choose_served(validation: HeldOut, horizons: list[float], blend: HorizonBlend) -> tuple[str, dict[str, Any]]:
    """Soft: what is served is the champion, the blend (named `direct` when all its weights are 0, as it is
    then the direct curve), unless another servable curve replaces it on the validation period by the rule
    of selection.py (mean Brier lower by more than one machine-clustered standard error, AUPRC not lower).
    The plant cares because the validation period is small: the lowest validation score alone would serve
    its noise. Returns the choice and the evidence for the report."""
    champion = "direct" if blend.is_direct else "blend"
    excluded = {"blend"} if blend.is_direct else set()  # the same curve as the champion
    curves = {name: validation.curves[name] for name in SERVABLE if name not in excluded}
    served, comparisons = choose(validation.times, curves, champion, horizons)
    return served, {"rule": "champion_challenger_one_se", "champion": champion,
                    "challengers": {name: c.to_json() for name, c in comparisons.items()}}


def _failures_seen(times: Landmarks) -> int:
    return int(np.isfinite(np.unique(times.next_failure)).sum())


def _component_scores(components: ComponentCurves, history: PlantHistory, times: Landmarks, features: np.ndarray,
                      horizons: list[float]) -> dict[str, Any]:
    """Each component's curve scored on its own outcomes, and 1 - prod(1 - components) on any failure."""
    curves = components.cumulative(features, np.asarray(horizons))  # [C, L, H]
    scores: dict[str, Any] = {}
    for name, outcomes, curve in zip(components.names, components.landmarks(history, times), curves, strict=True):
        scores[name] = score_curves(outcomes, curve, horizons) | {"failures_seen": _failures_seen(outcomes)}
    scores["product_of_components"] = score_curves(times, product_of_components(curves), horizons)
    return scores


def _require_failures(periods: Periods) -> None:
    if not np.isfinite(periods.train.next_failure).any():
        raise PlantDataError([Problem("events", None, "event", (
            "no failure falls in the training period: a time-to-failure model needs failures "
            "(rows with event = failure) in the earlier part of the history"))])


def _normal_rows(times: Landmarks, features: np.ndarray, quiet_hours: float) -> np.ndarray:
    """Training rows with no failure within `quiet_hours` after (the rows just after one look like any other)."""
    quiet = ~(times.next_failure <= times.time + quiet_hours)
    return features[quiet] if quiet.sum() >= 10 else features


def at_times(machines: np.ndarray, times: pd.Series) -> Landmarks:
    """Landmarks for prediction (outcomes unknown)."""
    values = hours(times)
    return Landmarks(machines.astype(object), values, np.full(len(values), np.inf), np.full(len(values), np.inf))
