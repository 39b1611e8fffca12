"""Plant-data defect benchmark: the whole training protocol of `forecaster.train defect --records` on the
development defect sets, each written as a plant's CSV in the documented template and read back through
the same loader.

    python -m benchmarks.plantdata [--json docs/results/plantdata_defect.json] [--only demo ai4i steel]
                                   [--no-learning-curve]
    python -m benchmarks.plantdata risk [options of benchmarks.plantrisk]

The `risk` section is the equipment-risk benchmark (`benchmarks.plantrisk`: Azure PdM telemetry and C-MAPSS
FD001 through the risk pipeline, with the Kaplan-Meier, constant-hazard and boosting baselines); the
arguments after `risk` are its own.

Each set also gets a learning curve (benchmarks.plantdata_curve): the template network fine-tuned, the
network from scratch and gradient boosting with 200, 500, 1,000, 3,000 and all training records.

Sets (../shared/benchmarks/manufacturing/ and the simulator):
- demo: the demo plant's simulated inspection records (forecaster.plantdata.simulated), 3 processes,
  7 classes, real times over 90 days; template examples/plant-data/plant_template.yaml.
- ai4i: AI4I 2020, a defect = a machine failure, typed by its first failure mode (TWF, HDF, PWF, OSF,
  RNF; `failure` when none is flagged); product = the quality variant (L/M/H); one machine. The file has no
  time column: time is derived from row order (one row a minute), which the data set's tool-wear
  sequences suggest is production order.
- steel: Steel Plates Faults, 7 fault classes and no fault-free plate: `Other_Faults` stands in for the
  good class, so P(any defect) = P(one of the six named faults). The file is grouped by class, so row
  order is not time: a seeded shuffle of the rows stands in for time (one row an hour).

The issue's target per set: served AUPRC >= gradient boosting's and served Brier <= gradient boosting's on
the test period of the same run, and served ECE <= 0.03; `targets` in the JSON says whether each holds.
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
import torch

from benchmarks.common import format_table, machine, versions, write_json
from benchmarks.plantdata_curve import learning_curve, plot
from forecaster.plantdata.baselines import BoostingSettings
from forecaster.plantdata.pipeline import PlantTrainSettings, train_from_files
from forecaster.plantdata.pretrained import load_template_network
from forecaster.plantdata.simulated import simulated_records

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "benchmarks" / "manufacturing"
DEMO_TEMPLATE = ROOT / "examples" / "plant-data" / "plant_template.yaml"
SETS = ("demo", "ai4i", "steel")
ECE_TARGET = 0.03
AI4I_MODES = ("TWF", "HDF", "PWF", "OSF", "RNF")
AI4I_TEMPLATE = """plant: AI4I 2020 (UCI)
ignore: [UDI, Product ID, Machine failure, TWF, HDF, PWF, OSF, RNF]
columns:
  Air temperature [K]: {unit: K}
  Process temperature [K]: {unit: K}
  Rotational speed [rpm]: {unit: rpm}
  Torque [Nm]: {unit: Nm}
  Tool wear [min]: {unit: min}
"""
STEEL_FAULTS = ("Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps")


def _minutes_from(start: str, count: int, unit: str) -> list[str]:
    return [t.isoformat() for t in pd.Timestamp(start) + pd.to_timedelta(np.arange(count), unit=unit)]


def demo_records(folder: Path, records_per_process: int, seed: int) -> tuple[Path, Path | None, dict[str, Any]]:
    path = folder / "demo.csv"
    simulated_records(records_per_process, seed).to_csv(path, index=False)
    return path, DEMO_TEMPLATE, {"source": f"forecaster.plantdata.simulated.simulated_records({records_per_process}, "
                                           f"seed={seed}, days=90)", "time": "simulated, 90 days of two shifts"}


def ai4i_records(folder: Path, data_dir: Path) -> tuple[Path, Path | None, dict[str, Any]]:
    raw = pd.read_csv(data_dir / "ai4i2020" / "ai4i2020.csv", encoding="utf-8-sig")
    modes = raw[list(AI4I_MODES)].to_numpy()
    first = np.where(modes.any(axis=1), np.asarray(AI4I_MODES, dtype=object)[modes.argmax(axis=1)], "failure")
    records = pd.DataFrame({"time": _minutes_from("2020-01-01T00:00:00Z", len(raw), "min"),
                            "product": raw["Type"], "machine": "mill",
                            "defect": np.where(raw["Machine failure"] == 1, first, "")})
    records = pd.concat([records, raw], axis=1).drop(columns=["Type"])
    path, template = folder / "ai4i.csv", folder / "ai4i.yaml"
    records.to_csv(path, index=False)
    template.write_text(AI4I_TEMPLATE, encoding="utf-8")
    return path, template, {"source": "ai4i2020/ai4i2020.csv", "time": "derived from row order (one row a minute)",
                            "defect": "Machine failure, typed by its first flagged mode (failure when none)"}


def steel_records(folder: Path, data_dir: Path, seed: int) -> tuple[Path, Path | None, dict[str, Any]]:
    raw = pd.read_csv(data_dir / "steel-plates-faults" / "SteelPlatesFaults_Clean.csv")
    columns = [f"{f}_Fault" for f in STEEL_FAULTS]
    faults = raw[columns].to_numpy()
    defect = np.where(faults.any(axis=1), np.asarray(STEEL_FAULTS, dtype=object)[faults.argmax(axis=1)], "")
    order = np.random.default_rng(seed).permutation(len(raw))
    records = pd.DataFrame({"product": np.where(raw["TypeOfSteel_A300"] == 1, "A300", "A400"), "machine": "line",
                            "defect": defect})
    records = pd.concat([records, raw.drop(columns=[*columns, "Other_Faults", "TypeOfSteel_A300",
                                                    "TypeOfSteel_A400"])], axis=1).iloc[order]
    records.insert(0, "time", _minutes_from("2020-01-01T00:00:00Z", len(raw), "h"))
    path = folder / "steel.csv"
    records.to_csv(path, index=False)
    return path, None, {"source": "steel-plates-faults/SteelPlatesFaults_Clean.csv",
                        "time": f"no time in the file, which is grouped by class: a shuffle (seed {seed}) of the rows "
                                "stands in for production order (one row an hour)",
                        "defect": "the six named faults; Other_Faults plates stand in for the good class"}


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    served = report["candidates"][report["served"]]["test"]
    gbm = report["candidates"]["gbm"]["test"]
    return {
        "served": report["served"], "blend_weight": report["blend_weight"], "summary": report["summary"],
        "targets": {"auprc_at_least_gbm": served["auprc"] >= gbm["auprc"],
                    "brier_at_most_gbm": served["brier"] <= gbm["brier"],
                    "ece_at_most_0.03": served["ece"] <= ECE_TARGET},
        "candidates": report["candidates"], "uncertainty": report["uncertainty"], "split": report["split"],
        "classes": report["classes"], "warnings": report["warnings"], "top_features": report["top_features"],
        "timings": report["settings"]["timings"], "version": report["version"],
    }


def run_set(name: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    makers = {"demo": lambda: demo_records(folder, args.demo_records_per_process, args.seed),
              "ai4i": lambda: ai4i_records(folder, args.data_dir),
              "steel": lambda: steel_records(folder, args.data_dir, args.seed)}
    records, template, about = makers[name]()
    settings = PlantTrainSettings(seed=args.seed, device="cpu", boosting=BoostingSettings(threads=args.threads))
    report = train_from_files(records, folder / f"{name}-model", template, settings, show_progress=not args.quiet)
    result = {"data": about, **_summary(report)}
    if args.learning_curve:
        result["learning_curve"] = learning_curve(records, template, load_template_network(), args.seed, args.threads)
    return result


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["risk"]:  # the risk section: its own benchmark module, its own options
        from benchmarks import plantrisk
        return plantrisk.main(arguments[1:])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--only", choices=SETS, nargs="+", default=list(SETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--demo-records-per-process", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--no-learning-curve", dest="learning_curve", action="store_false",
                        help="skip the learning curve (template network fine-tuned vs scratch vs gradient boosting)")
    parser.add_argument("--curve-png", type=Path, default=ROOT / "docs" / "results" / "plantdata_learning_curve.png")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in args.only:
            started = time.perf_counter()
            result[name] = run_set(name, Path(folder), args)
            result[name]["wall_s"] = round(time.perf_counter() - started, 1)
    if args.learning_curve:
        plot({name: result[name]["learning_curve"] for name in args.only}, args.curve_png)
    result["parameters"] = {**vars(args), "data_dir": str(args.data_dir), "curve_png": str(args.curve_png)}
    result["versions"] = versions(("lightgbm", "pandas", "pyarrow"))
    result["machine"] = machine()
    _print(result, args.only)
    write_json(args.json, result)
    return 0


def _print(result: dict[str, Any], names: list[str]) -> None:
    rows = []
    for name in names:
        for candidate, scores in result[name]["candidates"].items():
            mark = "*" if candidate == result[name]["served"] else ""
            test = scores["test"]
            rows.append([name, candidate + mark, test["auprc"], test["brier"], test["log_loss"], test["ece"],
                         scores["validation"]["class_log_loss"]])
    print(format_table(["set", "candidate (* served)", "test auprc", "brier", "log_loss", "ece", "val class ll"], rows))
    for name in names:
        print(f"{name}: targets {result[name]['targets']}")
    curve_rows = []
    for name in names:
        curve = result[name].get("learning_curve")
        for point in curve["points"] if curve else []:
            for candidate, test in point.get("test", {}).items():
                curve_rows.append([name, point["records"], candidate, test["auprc"], test["brier"], test["log_loss"]])
    if curve_rows:
        print(format_table(["set", "records", "candidate", "test auprc", "brier", "log_loss"], curve_rows))
    print("parameters:", result["parameters"])
    print("versions:", result["versions"])


if __name__ == "__main__":
    sys.exit(main())
