"""Training a plant's demand model from its own history, end to end, and choosing what is served.

    history -> split by time (test = last H periods, validation = the H before)
    -> every method forecasts both windows from the periods before each window only
    -> per demand class (smooth / erratic / intermittent / lumpy / no_demand, from the history the forecast
       sees), the servable method with the lowest scaled pinball loss on validation is served (ours, or a
       baseline through the count rule: whole numbers for whole-number histories, its median as point)
    -> the served choice and every method scored on the test window -> model folder (temporary, renamed)

The baselines' served forms are candidates like ours; the report compares the served choice with the
baselines as they come (means, residual bands) on the test window, which no choice has seen.
"""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forecaster.artifacts import data_hash
from forecaster.plantdata.artifact import check_destination
from forecaster.plantdata.problems import PlantDataError, Problem
from forecaster.plantdemand.artifact import DemandPlantModel, write_model_folder
from forecaster.plantdemand.evaluation import LEVELS, Window, series_scores, split_by_time, summary, windows
from forecaster.plantdemand.history import MIN_PERIODS, DemandHistories, load_history
from forecaster.plantdemand.intermittent import CLASSES, demand_class
from forecaster.plantdemand.methods import (
    BASELINES,
    COUNTED,
    METHODS,
    SERVABLE,
    Forecasts,
    counted,
    forecast,
    shipped_demand_model,
)

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1.0.0"
DEFAULT_HORIZONS = {"day": 14, "week": 8, "month": 6}
MAX_HORIZON = 24
"""The pretrained network forecasts at most 24 periods."""
MIN_CLASS_SERIES = 10
"""A demand class with fewer validation series than this is served the method best over all series."""


@dataclass(frozen=True)
class DemandTrainSettings:
    """Settings of one training run (recorded in the report)."""

    horizon: int | None = None
    """Periods held back for test (and as many for validation); None: 14 days, 8 weeks or 6 months."""
    period: str | None = None
    """day, week or month; None: inferred from the dates."""


@dataclass
class WindowScores:
    classes: list[str]
    by_method: dict[str, dict[str, np.ndarray]]


def _score_window(window: Window, season_length: int, horizon: int, name: str) -> WindowScores:
    """Every method (METHODS) and every servable form (SERVABLE) scored on one window."""
    by_method = {}
    for method in METHODS:
        started = time.perf_counter()
        result = forecast(method, window.histories, season_length, horizon, LEVELS)
        by_method[method] = series_scores(result, window, season_length)
        if method in BASELINES:
            by_method[method + COUNTED] = series_scores(counted(result, window.histories, LEVELS), window,
                                                        season_length)
        logger.info("%s, %-16s %d series: scaled pinball %.4f, MASE %.4f (%.2f s)", name, method,
                    len(window.series_ids), by_method[method]["scaled_pinball"].mean(),
                    by_method[method]["mase"].mean(), time.perf_counter() - started)
    return WindowScores([demand_class(h) for h in window.histories], by_method)


def choose_served(validation: WindowScores) -> dict[str, str]:
    """Per demand class, the method with the lowest mean validation scaled pinball loss; a class with fewer
    than MIN_CLASS_SERIES series gets the method best over all series. Ties go to the earlier method."""
    def best(rows: np.ndarray) -> str:
        losses = {m: float(np.mean(validation.by_method[m]["scaled_pinball"][rows])) for m in SERVABLE}
        return min(SERVABLE, key=lambda m: losses[m])

    classes = np.array(validation.classes)
    overall = best(np.arange(len(classes)))
    return {c: best(np.flatnonzero(classes == c)) if (classes == c).sum() >= MIN_CLASS_SERIES else overall
            for c in CLASSES}


def served_scores(window: WindowScores, served: dict[str, str]) -> dict[str, np.ndarray]:
    """Each series scored with the method served for its class."""
    picks = [served[c] for c in window.classes]
    return {name: np.array([window.by_method[m][name][row] for row, m in enumerate(picks)])
            for name in ("mase", "scaled_pinball", "coverage")}


def _zero_reference(window: Window, season_length: int, horizon: int) -> dict[str, float | int]:
    zeros = Forecasts(np.zeros((len(window.histories), horizon)), np.zeros((len(window.histories), horizon, 3)))
    return summary(series_scores(zeros, window, season_length))


def _by_class(scores: dict[str, np.ndarray], classes: list[str]) -> dict[str, Any]:
    labels = np.array(classes)
    return {c: summary(scores, np.flatnonzero(labels == c)) for c in CLASSES if (labels == c).any()}


def _targets(served: dict[str, Any], candidates: dict[str, Any]) -> dict[str, Any]:
    beaten = {metric: all(served[metric] < candidates[b]["test"][metric] for b in BASELINES)
              for metric in ("mase", "scaled_pinball")}
    best = {metric: min(BASELINES, key=lambda b: candidates[b]["test"][metric])
            for metric in ("mase", "scaled_pinball")}
    return {"served_mase_below_every_baseline": beaten["mase"],
            "served_scaled_pinball_below_every_baseline": beaten["scaled_pinball"],
            "best_baseline": best,
            "served_minus_best_baseline": {m: round(served[m] - candidates[best[m]]["test"][m], 4) for m in best}}


def _check_windows(histories: DemandHistories, validation: Window, test: Window, horizon: int) -> None:
    if not validation.series_ids or not test.series_ids:
        raise PlantDataError([Problem(histories.file, None, "period", (
            f"no series is long enough for the split by time: a series needs {MIN_PERIODS} periods before the "
            f"validation window and all {2 * horizon} periods of the validation and test windows "
            f"({horizon} {histories.period}(s) each)"))])


def train_demand_model(histories: DemandHistories, settings: DemandTrainSettings) -> DemandPlantModel:
    """Split, forecast every window with every method, choose per class, score (nothing is written)."""
    started = time.perf_counter()
    horizon = settings.horizon or DEFAULT_HORIZONS[histories.period]
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon must be between 1 and {MAX_HORIZON} periods, got {horizon}")
    split = split_by_time(histories, horizon)
    cut = {name: windows(histories, split, name) for name in ("validation", "test")}
    _check_windows(histories, cut["validation"], cut["test"], horizon)
    season_length = histories.season_length
    scored = {name: _score_window(window, season_length, horizon, name) for name, window in cut.items()}
    served = choose_served(scored["validation"])
    candidates = {m: {"validation": summary(scored["validation"].by_method[m]),
                      "test": summary(scored["test"].by_method[m]),
                      "test_by_class": _by_class(scored["test"].by_method[m], scored["test"].classes),
                      "baseline": m in BASELINES, "servable": m in SERVABLE} for m in (*METHODS, *SERVABLE)
                  if m in scored["test"].by_method}
    served_test = served_scores(scored["test"], served)
    fingerprint = data_hash(histories.frame["quantity"].to_numpy(),
                            histories.frame["series_id"].to_numpy().astype(str))
    version = f"demand-plant-{PIPELINE_VERSION}+{fingerprint[:8]}"
    report: dict[str, Any] = {
        "version": version, "file": histories.file, "period": histories.period, "season_length": season_length,
        "horizon": horizon, "series": int(histories.frame["series_id"].nunique()), "rows": len(histories.frame),
        "split": {name: {"first_period": str(window.first_period.date()) if window.first_period is not None else None,
                         "series_scored": len(window.series_ids),
                         "classes": {c: scored[name].classes.count(c) for c in CLASSES}}
                  for name, window in cut.items()},
        "served": served,
        "served_scores": {"validation": summary(served_scores(scored["validation"], served)),
                          "test": summary(served_test),
                          "test_by_class": _by_class(served_test, scored["test"].classes)},
        "candidates": candidates,
        "zero_forecast_reference": {"test": _zero_reference(cut["test"], season_length, horizon)},
        "warnings": histories.warnings,
        "settings": {**asdict(settings), "horizon": horizon, "levels": list(LEVELS),
                     "min_class_series": MIN_CLASS_SERIES},
        "network_version": shipped_demand_model().version,
        "timings": {"total_s": round(time.perf_counter() - started, 2)},
        "python": platform.python_version(),
    }
    report["targets"] = _targets(report["served_scores"]["test"], candidates)
    report["summary"] = _summary_text(served, report["targets"])
    return DemandPlantModel(version=version, period=histories.period, served=served,
                            network_version=report["network_version"] if "network" in served.values() else None,
                            report=report)


def _summary_text(served: dict[str, str], targets: dict[str, Any]) -> str:
    chosen = ", ".join(f"{c}: {m}" for c, m in served.items())
    verdict = ("beats every baseline on the test window in MASE and scaled pinball loss"
               if targets["served_mase_below_every_baseline"] and targets["served_scaled_pinball_below_every_baseline"]
               else "does NOT beat every baseline on the test window in both MASE and scaled pinball loss "
                    f"(served minus best baseline: {targets['served_minus_best_baseline']})")
    return f"served by demand class ({chosen}); the served choice {verdict}"


def train_from_files(history_path: Path, out: Path, settings: DemandTrainSettings | None = None) -> dict[str, Any]:
    """Read, validate, train and write the model folder `out`; returns the evaluation report.

    Raises PlantDataError (every problem with file, row, column) before anything is written; a run that
    fails at any point leaves no model folder behind."""
    settings = settings or DemandTrainSettings()
    check_destination(out)
    histories = load_history(history_path, settings.period)
    model = train_demand_model(histories, settings)
    write_model_folder(out, model)
    return model.report or {}
