"""Time-to-failure risk from a plant's own history, on the two development sets, baselines in the same run.

    python -m benchmarks.plantrisk --json docs/results/plantrisk.json --png-dir docs/results

Both sets are first written in the plant templates (telemetry / events / machines CSV) and read back with
`forecaster.plantrisk.history.load_history`, so they take the path a plant's files take.

- Azure PdM (subset: 20 machines x 90 days of hourly telemetry; errors, maintenance and component failures):
  split by time (60 / 20 / 20 % of prediction times); horizons 24 h and 168 h.
- C-MAPSS FD001 (one cycle read as one hour): the 100 training units train (20 of them validate), the 100
  official test units are the test machines, each failing RUL_FD001 cycles after its last one; horizons 30 h
  and 60 h at every prediction time of the test units, and the target of the issue: P(failure within 30 h)
  at the last cycle of each test unit, Brier <= 0.05 and AUPRC >= 0.9.

Targets for every horizon: the served model's Brier <= the best baseline's, its AUPRC >= gradient boosting's.
Each target's margin also gets a bootstrap interval (test machines resampled with replacement, 1000 times:
the 5 / 95 % quantiles of the margin and the share of resamples in which the target holds), since the test
periods hold few failures. Where the events name components (Azure), the per-component curves' test scores
and those of 1 - prod(1 - component curves) are in `components`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.common import format_table, machine, versions, write_json
from forecaster.plantdata.evaluation import average_precision
from forecaster.plantrisk.evaluation import horizon_scores, reliability_png
from forecaster.plantrisk.features import build_features, hours
from forecaster.plantrisk.history import PlantHistory, load_history
from forecaster.plantrisk.labels import Landmarks, landmarks, machine_spans
from forecaster.plantrisk.pipeline import (
    SERVABLE,
    HeldOut,
    RiskSettings,
    TrainedRiskModel,
    curves_for,
    split_periods,
    train_risk_model,
)

logger = logging.getLogger(__name__)
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "manufacturing"
CMAPSS_START = pd.Timestamp("2000-01-01", tz="UTC")
CMAPSS_COLUMNS = ["unit", "cycle", "setting1", "setting2", "setting3"] + [f"sensor{i}" for i in range(1, 22)]


def azure_templates(data_dir: Path, out: Path) -> tuple[Path, Path, Path]:
    """The Azure subset in the telemetry / events / machines templates."""
    source = data_dir / "azure-pdm" / "subset_20machines_90days"
    telemetry = pd.read_csv(source / "PdM_telemetry.csv").rename(columns={"datetime": "time", "machineID": "machine"})
    failures = pd.read_csv(source / "PdM_failures.csv").rename(columns={"failure": "component"})
    maintenance = pd.read_csv(source / "PdM_maint.csv").rename(columns={"comp": "component"})
    errors = pd.read_csv(source / "PdM_errors.csv").rename(columns={"errorID": "event"})
    events = pd.concat([failures.assign(event="failure"), maintenance.assign(event="maintenance"),
                        errors.assign(component="")]).rename(columns={"datetime": "time", "machineID": "machine"})
    machines = pd.read_csv(source / "PdM_machines.csv").rename(columns={"machineID": "machine"})
    paths = out / "telemetry.csv", out / "events.csv", out / "machines.csv"
    telemetry.to_csv(paths[0], index=False)
    events[["time", "machine", "event", "component"]].to_csv(paths[1], index=False)
    machines.to_csv(paths[2], index=False)
    return paths


def cmapss_templates(data_dir: Path, out: Path) -> tuple[Path, Path, set[str]]:
    """FD001 in the templates: cycle c of a unit at 2000-01-01 + c hours; one failure per unit (training
    units at their last cycle, test units RUL cycles after their last one)."""
    folder = data_dir / "cmapss-FD001"
    frames, events = [], []
    truth = np.loadtxt(folder / "RUL_FD001.txt")
    for part in ("train", "test"):
        table = pd.DataFrame(np.loadtxt(folder / f"{part}_FD001.txt"), columns=CMAPSS_COLUMNS)
        table["machine"] = part + "-" + table["unit"].astype(int).astype(str)
        table["time"] = CMAPSS_START + pd.to_timedelta(table["cycle"], unit="h")
        frames.append(table.drop(columns=["unit", "cycle"]))
        last = table.groupby("unit")["cycle"].max()
        extra = truth[last.index.astype(int) - 1] if part == "test" else np.zeros(len(last))
        events.append(pd.DataFrame({"time": CMAPSS_START + pd.to_timedelta(last.to_numpy() + extra, unit="h"),
                                    "machine": [f"{part}-{int(u)}" for u in last.index], "event": "failure"}))
    telemetry = pd.concat(frames)
    paths = out / "telemetry.csv", out / "events.csv"
    telemetry[["time", "machine", *CMAPSS_COLUMNS[2:]]].to_csv(paths[0], index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    pd.concat(events).to_csv(paths[1], index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    test_machines = {m for m in telemetry["machine"].unique() if m.startswith("test-")}
    return paths[0], paths[1], test_machines


def targets(test: dict[str, Any], served: str, horizons: list[float]) -> dict[str, Any]:
    """Per horizon: served Brier <= best baseline's (Kaplan-Meier, constant hazard, boosting per horizon),
    served AUPRC >= gradient boosting's. When a baseline is served, it is compared with the others."""
    out = {}
    baselines = ["kaplan_meier", "constant_hazard", "horizon_boosting"]
    for horizon in (f"{h:g}" for h in horizons):
        scores = {name: test[name]["horizons"][horizon] for name in {served, *baselines}}
        others = [n for n in baselines if n != served]
        best = min(scores[n]["brier"] for n in others if scores[n]["brier"] is not None)
        gbm = scores["horizon_boosting"]["auprc"]
        ours = scores[served]
        out[horizon] = {"served_brier": ours["brier"], "best_baseline_brier": best,
                        "brier_met": ours["brier"] is not None and ours["brier"] <= best,
                        "served_auprc": ours["auprc"], "boosting_auprc": gbm,
                        "auprc_met": ours["auprc"] is not None and (gbm is None or ours["auprc"] >= gbm)}
    return out


BASELINES = ("kaplan_meier", "constant_hazard", "horizon_boosting")


def bootstrap_margins(held: HeldOut, served: str, horizons: list[float], resamples: int = 1000, seed: int = 0
                      ) -> dict[str, Any]:
    """Per horizon: the margins served Brier - best baseline Brier (<= 0 meets) and served AUPRC - boosting
    AUPRC (>= 0 meets), their 5 / 95 % bootstrap quantiles and the share of resamples meeting each target;
    the test period's machines are resampled (all prediction times of a machine together)."""
    rng = np.random.default_rng(seed)
    machines = pd.unique(held.times.machine)
    rows_of = {m: np.flatnonzero(held.times.machine == m) for m in machines}
    out = {}
    for j, horizon in enumerate(horizons):
        label, known = held.times.label(horizon)
        brier_margin, auprc_margin = [], []
        for _ in range(resamples):
            rows = np.concatenate([rows_of[m] for m in rng.choice(machines, len(machines))])
            rows = rows[known[rows]]
            y = label[rows]
            if not 0 < y.sum() < len(y):
                continue
            brier = {n: float(np.mean((held.curves[n][rows, j] - y) ** 2)) for n in (served, *BASELINES)}
            brier_margin.append(brier[served] - min(brier[n] for n in BASELINES if n != served))
            ones = np.ones(len(y))
            auprc_margin.append(average_precision(y, held.curves[served][rows, j], ones)
                                - average_precision(y, held.curves["horizon_boosting"][rows, j], ones))
        out[f"{horizon:g}"] = {
            "resamples": len(brier_margin),
            "brier_margin_q05_q95": [float(np.quantile(brier_margin, q)) for q in (0.05, 0.95)],
            "brier_met_share": float(np.mean(np.asarray(brier_margin) <= 0)),
            "auprc_margin_q05_q95": [float(np.quantile(auprc_margin, q)) for q in (0.05, 0.95)],
            "auprc_met_share": float(np.mean(np.asarray(auprc_margin) >= 0))}
    return out


def _test_curves(model: TrainedRiskModel, history: PlantHistory, times: Landmarks, horizons: list[float]
                 ) -> dict[str, np.ndarray]:
    features = build_features(history, model.spec, times.machine, times.time)
    return {name: curves_for(model, name, history, times, features, np.asarray(horizons)) for name in SERVABLE}


def run_set(name: str, history: PlantHistory, settings: RiskSettings, png_dir: Path | None,
            test_machines: set[str] | None = None) -> tuple[TrainedRiskModel, dict[str, Any]]:
    started = time.perf_counter()
    model = train_risk_model(history, settings, test_machines)
    horizons = list(settings.horizons)
    result: dict[str, Any] = {"served": model.served, "version": model.version,
                              "training_seconds": round(time.perf_counter() - started, 1),
                              "periods": model.report["periods"] if test_machines is None else "official test units",
                              "step_hours": model.report["step_hours"], "validation": model.report["validation"],
                              "test": model.report["test"], "targets": targets(model.report["test"], model.served,
                                                                               horizons),
                              "warnings": history.warnings,
                              "blend_weights": model.blend.chosen if model.blend is not None else None,
                              "blend_evidence": model.blend.evidence if model.blend is not None else None,
                              "selection": model.report.get("selection"),
                              "bootstrap": bootstrap_margins(model.held_out["test"], model.served, horizons)}
    if "components" in model.report:
        result["components"] = model.report["components"]
    if png_dir is not None:
        spans = machine_spans(history)
        periods = split_periods(landmarks(history, model.hazard.settings.step_hours), spans, settings, test_machines)
        reliability_png(png_dir / f"plantrisk_{name}_reliability.png", name, periods.test,
                        _test_curves(model, history, periods.test, horizons), horizons)
        result["reliability_png"] = f"plantrisk_{name}_reliability.png"
    return model, result


def last_cycle_target(model: TrainedRiskModel, history: PlantHistory, test_machines: set[str]) -> dict[str, Any]:
    """P(failure within 30 h) at the last cycle of each test unit against RUL <= 30."""
    telemetry = history.telemetry[history.telemetry["machine"].isin(list(test_machines))]
    last = telemetry.groupby("machine")["time"].max()
    failure = history.failures.set_index("machine")["time"].reindex(last.index)
    remaining = ((failure - last) / pd.Timedelta(hours=1)).to_numpy()
    times = Landmarks(last.index.to_numpy(dtype=object), hours(last), np.full(len(last), np.inf),
                      np.full(len(last), np.inf))
    curves = _test_curves(model, history, times, [30.0])
    labels = (remaining <= 30).astype(float)
    scores = {name: horizon_scores(labels, curve[:, 0]) for name, curve in curves.items()}
    served = scores[model.served]
    return {"units": len(labels), "failing_within_30": int(labels.sum()), "scores": scores,
            "served": model.served, "brier_met": served["brier"] <= 0.05,
            "auprc_met": served["auprc"] is not None and served["auprc"] >= 0.9}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--png-dir", type=Path, default=None)
    parser.add_argument("--only", choices=("azure_pdm", "cmapss_fd001"), default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    payload: dict[str, Any] = {"benchmark": "plantrisk", "versions": versions(("lightgbm", "pandas")),
                               "machine": machine(), "sets": {}}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.only in (None, "azure_pdm"):
            (folder / "azure").mkdir()
            telemetry, events, machines_file = azure_templates(args.data_dir, folder / "azure")
            history = load_history(telemetry, events, machines_file)
            settings = RiskSettings(horizons=(24.0, 168.0), threads=args.threads)
            _, payload["sets"]["azure_pdm"] = run_set("azure_pdm", history, settings, args.png_dir)
            payload["sets"]["azure_pdm"]["settings"] = vars(settings) | {"horizons": list(settings.horizons)}
        if args.only in (None, "cmapss_fd001"):
            (folder / "cmapss").mkdir()
            telemetry, events, test_machines = cmapss_templates(args.data_dir, folder / "cmapss")
            history = load_history(telemetry, events)
            settings = RiskSettings(horizons=(30.0, 60.0), split="machine", threads=args.threads)
            model, result = run_set("cmapss_fd001", history, settings, args.png_dir, test_machines)
            result["last_cycle_30h"] = last_cycle_target(model, history, test_machines)
            result["settings"] = vars(settings) | {"horizons": list(settings.horizons)}
            payload["sets"]["cmapss_fd001"] = result
    _print(payload)
    write_json(args.json, payload)
    return 0


def _print(payload: dict[str, Any]) -> None:
    rows = []
    for name, result in payload["sets"].items():
        for horizon, scores in next(iter(result["test"].values()))["horizons"].items():
            del scores
            for candidate, evaluation in result["test"].items():
                if candidate == "counts":
                    continue
                s = evaluation["horizons"][horizon]
                rows.append([name, horizon, candidate + (" *" if candidate == result["served"] else ""),
                             s["brier"], s["auprc"], evaluation["concordance"], s["times"], s["failures"]])
    print(format_table(["set", "h", "candidate (* served)", "Brier", "AUPRC", "C-index", "times", "failures"], rows))
    for name, result in payload["sets"].items():
        print(name, "targets:", result["targets"])
        print(name, "bootstrap:", result["bootstrap"])
        for component, scores in result.get("components", {}).get("test", {}).items():
            print(name, "component", component, {h: (s["brier"], s["auprc"]) for h, s in scores["horizons"].items()})
        if "last_cycle_30h" in result:
            target = result["last_cycle_30h"]
            print(name, "last cycle, 30 h:", target["scores"][target["served"]], "brier_met", target["brier_met"],
                  "auprc_met", target["auprc_met"])


if __name__ == "__main__":
    sys.exit(main())
