"""Manufacturing benchmarks for the defect and risk architectures, with gradient boosting in the same run.

    python -m benchmarks.risk --data-dir ../shared/benchmarks/manufacturing --json out/risk.json
    python -m benchmarks.risk --only cmapss_fd001 --threads 1   # one part; its figures, nothing else

- AI4I 2020 failure prediction: our RiskEnsemble (5 RiskNet seeds) trained exactly as the shipped artifact (stratified
  70/15/15 split, seed 0; validation for early stopping and temperature) vs scikit-learn
  HistGradientBoostingClassifier (defaults) on train+validation with the data set's columns; a second
  GBM with our physics features is reported too. Metrics on the 15% test split: AUPRC, Brier, ECE.
- NASA C-MAPSS FD001: the remaining-life CNN (forecaster.rul; settings chosen on held-out training
  units with `python -m forecaster.rul`), members trained on all training units, RMSE and NASA score
  on the 100 official test units against RUL_FD001 (uncapped truth).
- Steel Plates Faults (7 classes): the same TabularNet as the defect model, ensemble of seeds,
  5-fold stratified cross-validation (15% of each training fold for early stopping/temperature) vs
  HistGradientBoostingClassifier on the same folds: log-loss and macro-F1 of out-of-fold predictions.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.common import format_table, machine, versions, write_json
from forecaster import metrics
from forecaster.data.manufacturing import STEEL_FAULTS, load_ai4i, load_cmapss, load_steel
from forecaster.device import pick_device
from forecaster.risk import failure_probability
from forecaster.risk_training import RISK_SETTINGS, ai4i_split, binary_metrics, train_failure_model
from forecaster.rul import RulSettings, last_windows, predict_rul, train_rul
from forecaster.tabular import (
    TabularNet,
    TabularSettings,
    log_transform,
    predict_proba,
    skewed_columns,
    stratified_split,
    train_tabular,
)

logger = logging.getLogger(__name__)
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "manufacturing"
BENCHMARKS = ("ai4i", "cmapss_fd001", "steel_plates")
STEEL_SETTINGS = TabularSettings(hidden=128, layers=2, dropout=0.2, batch_size=64, max_epochs=300, patience=30,
                                 learning_rate=1e-3, weight_decay=1e-3)


def _gbm(seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=seed)


def ai4i(data_dir: Path, device: torch.device, seed: int) -> dict[str, Any]:
    split = ai4i_split(load_ai4i(data_dir), seed)
    net = train_failure_model(split, device, seed)
    labels = split.labels[split.test]
    ours = binary_metrics(labels, failure_probability(net, split.features[split.test]))
    fit_rows = np.concatenate([split.train, split.validation])
    gbm = _gbm(seed).fit(split.features[fit_rows], split.labels[fit_rows])
    physics = net.physics(torch.from_numpy(split.features.astype(np.float32))).numpy()
    with_physics = np.hstack([split.features, physics])
    gbm_physics = _gbm(seed).fit(with_physics[fit_rows], split.labels[fit_rows])
    physics_probability = gbm_physics.predict_proba(with_physics[split.test])[:, 1]
    return {"ours": ours, "gbm": binary_metrics(labels, gbm.predict_proba(split.features[split.test])[:, 1]),
            "gbm_with_physics_features": binary_metrics(labels, physics_probability),
            "test_rows": len(labels), "test_failures": int(labels.sum()), "settings": asdict(RISK_SETTINGS)}


def cmapss(data_dir: Path, device: torch.device, seed: int, members: int) -> dict[str, Any]:
    train, test, truth = load_cmapss(data_dir)
    settings = RulSettings(members=members, seed=seed)
    nets, bounds, results = train_rul(train, settings, device)
    predicted = predict_rul(nets, last_windows(test, bounds, settings), settings.rul_cap)
    return {"rmse": metrics.rmse(truth, predicted), "nasa_score": metrics.nasa_score(truth, predicted),
            "rmse_truth_capped_125": metrics.rmse(np.minimum(truth, settings.rul_cap), predicted),
            "test_units": len(truth), "best_epochs": [len(r.history) - 1 for r in results],  # fixed count: the last
            "settings": asdict(settings)}


def _steel_fold(x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, device: torch.device,
                seed: int, members: int) -> np.ndarray:
    columns = skewed_columns(x[train])
    xt = log_transform(x, columns)
    fit_idx, val_idx, _ = stratified_split(y[train], 0.15, 0.0, seed)
    nets = []
    for member in range(members):
        net = TabularNet(x.shape[1], len(STEEL_FAULTS), hidden=STEEL_SETTINGS.hidden, layers=STEEL_SETTINGS.layers,
                         dropout=STEEL_SETTINGS.dropout)
        settings = replace(STEEL_SETTINGS, seed=seed * 100 + member)
        train_tabular(net, (xt[train][fit_idx], y[train][fit_idx]), (xt[train][val_idx], y[train][val_idx]),
                      settings, device, description="steel plates")
        nets.append(net)
    return predict_proba(nets, xt[test])


def steel(data_dir: Path, device: torch.device, seed: int, members: int, folds: int = 5) -> dict[str, Any]:
    x, y, _ = load_steel(data_dir)
    fold_of = np.zeros(len(y), dtype=int)
    rng = np.random.default_rng(seed)
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        fold_of[rows] = np.arange(len(rows)) % folds
    ours, gbm = np.zeros((len(y), len(STEEL_FAULTS))), np.zeros((len(y), len(STEEL_FAULTS)))
    for fold in range(folds):
        train, test = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        ours[test] = _steel_fold(x, y, train, test, device, seed + fold, members)
        gbm[test] = _gbm(seed).fit(x[train], y[train]).predict_proba(x[test])

    def score(p: np.ndarray) -> dict[str, float]:
        predicted = p.argmax(axis=1)
        return {"log_loss": metrics.log_loss(y, p), "macro_f1": metrics.macro_f1(y, predicted, len(STEEL_FAULTS)),
                "accuracy": float(np.mean(predicted == y))}

    return {"ours": score(ours), "gbm": score(gbm), "rows": len(y), "folds": folds, "members": members,
            "settings": asdict(STEEL_SETTINGS)}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--json", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rul-members", type=int, default=RulSettings().members)
    parser.add_argument("--steel-members", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--only", choices=BENCHMARKS, nargs="+", default=list(BENCHMARKS),
                        help="run only these parts (the report and JSON then hold only them)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    result: dict[str, Any] = {}
    timings = {}
    jobs = {"ai4i": lambda: ai4i(args.data_dir, device, args.seed),
            "cmapss_fd001": lambda: cmapss(args.data_dir, device, args.seed, args.rul_members),
            "steel_plates": lambda: steel(args.data_dir, device, args.seed, args.steel_members)}
    for name in args.only:
        job = jobs[name]
        started = time.perf_counter()
        result[name] = job()
        timings[name] = round(time.perf_counter() - started, 1)
    parameters = vars(args) | {"data_dir": str(args.data_dir), "device": str(device)}
    result.update({"wall_s": timings, "parameters": parameters, "versions": versions(), "machine": machine()})
    _report(result)
    write_json(args.json, result)
    return 0


def _report(result: dict[str, Any]) -> None:
    if a := result.get("ai4i"):
        methods = ("ours", "gbm", "gbm_with_physics_features")
        print(format_table(["AI4I 2020", "auprc", "brier", "ece"],
                           [[k, a[k]["auprc"], a[k]["brier"], a[k]["ece"]] for k in methods]))
    if s := result.get("steel_plates"):
        print(format_table(["Steel plates", "log_loss", "macro_f1", "accuracy"],
                           [[k, s[k]["log_loss"], s[k]["macro_f1"], s[k]["accuracy"]] for k in ("ours", "gbm")]))
    if c := result.get("cmapss_fd001"):
        print(f"C-MAPSS FD001 (100 test units): RMSE {c['rmse']:.2f}, NASA score {c['nasa_score']:.1f}")
    print("wall_s:", result["wall_s"], "parameters:", result["parameters"])
    print("versions:", result["versions"])
    print("machine:", result["machine"])


if __name__ == "__main__":
    sys.exit(main())
