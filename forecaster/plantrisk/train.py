"""Train a plant's risk model from its telemetry and event history.

    python -m forecaster.plantrisk.train --telemetry FILE --events FILE [--machines FILE] --out DIR
        [--split time|machine] [--horizons 24,168] [--max-horizon 168] [--timezone UTC] [--seed 0] [--threads 2]

Every problem in the files is printed (file, row, column) and nothing is written; otherwise the model
folder is written atomically and a JSON summary (what is served, scores per horizon against the
baselines, versions) is printed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import sys
from pathlib import Path
from typing import Any

from forecaster.plantdata.problems import PlantDataError
from forecaster.plantrisk.artifact import check_destination, write_model_folder
from forecaster.plantrisk.history import DEFAULT_TIMEZONE, load_history
from forecaster.plantrisk.pipeline import RiskSettings, train_risk_model


def horizons_argument(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write hours separated by commas, e.g. 24,168") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: horizons must be positive hours")
    return values


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m forecaster.plantrisk.train", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("--telemetry", type=Path, required=True, help="telemetry, CSV or Parquet")
    root.add_argument("--events", type=Path, required=True, help="failures, maintenance and alarm codes")
    root.add_argument("--machines", type=Path, default=None, help="static machine attributes (optional)")
    root.add_argument("--out", type=Path, required=True, help="model folder to write")
    root.add_argument("--split", choices=("time", "machine"), default="time")
    root.add_argument("--horizons", type=horizons_argument, default=(24.0, 168.0), help="evaluation horizons, hours")
    root.add_argument("--max-horizon", type=float, default=168.0, help="hours the hazard is fitted out to")
    root.add_argument("--timezone", default=DEFAULT_TIMEZONE, help="zone of times written without a UTC offset")
    root.add_argument("--seed", type=int, default=0)
    root.add_argument("--threads", type=int, default=2)
    return root


def summary(report: dict[str, Any], version: str, out: Path) -> dict[str, Any]:
    test = {name: {h: {k: s[k] for k in ("brier", "auprc", "times", "failures")}
                   for h, s in scores["horizons"].items()} | {"concordance": scores["concordance"]}
            for name, scores in report["test"].items() if name != "counts"}
    return {"model": str(out), "version": version, "served": report["served"], "periods": report["periods"],
            "step_hours": report["step_hours"], "test": test, "training_seconds": report["training_seconds"],
            "versions": {name: importlib.metadata.version(name) for name in ("lightgbm", "numpy", "pandas")}}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        check_destination(args.out)
        history = load_history(args.telemetry, args.events, args.machines, args.timezone)
        settings = RiskSettings(max_horizon_hours=args.max_horizon, horizons=args.horizons, split=args.split,
                                seed=args.seed, threads=args.threads)
        model = train_risk_model(history, settings)
        write_model_folder(args.out, model)
    except (PlantDataError, FileExistsError) as error:
        print(error, file=sys.stderr)  # the CLI's report of what is wrong
        return 2
    for warning in history.warnings:
        logging.getLogger(__name__).warning(warning)
    print(json.dumps(summary(model.report, model.version, args.out), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
