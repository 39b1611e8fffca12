"""The command-line side of plant demand models, called from `forecaster.train` and `forecaster.predict`:

    python -m forecaster.train demand --history FILE [--horizon N] [--period day|week|month] --out DIR
    python -m forecaster.predict demand [--model DIR] --history FILE --horizon N --quantiles 0.1,0.5,0.9 --out FILE

Bad files print every problem (file, row, column) and exit with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from forecaster.artifacts import ArtifactError
from forecaster.plantdata.problems import PlantDataError


def train_command(args: argparse.Namespace, weights_dir: Path) -> int:
    """`forecaster.train demand --history`: train, print the report's summary; 2 on bad data."""
    from forecaster.plantdemand.pipeline import DemandTrainSettings, train_from_files

    if args.out == weights_dir:
        raise SystemExit("--history needs --out DIR: the folder to write the plant's demand model to")
    try:
        report = train_from_files(args.history, args.out, DemandTrainSettings(horizon=args.horizon,
                                                                              period=args.period))
    except (PlantDataError, FileExistsError, ValueError) as error:
        print(error, file=sys.stderr)  # the CLI's report of every problem in the plant's file
        return 2
    summary = {key: report[key] for key in ("version", "period", "horizon", "served", "summary", "warnings")}
    summary["test"] = {"served": report["served_scores"]["test"],
                       **{name: c["test"] for name, c in report["candidates"].items()}}
    summary["out"] = str(args.out)
    print(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    return 0


def _levels(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated levels such as 0.1,0.5,0.9, got {text!r}") from None


def add_predict_arguments(parser: argparse.ArgumentParser) -> None:
    """The `demand` subcommand's arguments; `demand_command` marks the namespace for routing (`--model` is
    stored as `model_folder`, since the subcommand's name is stored as `model`)."""
    parser.set_defaults(demand_command=True)
    parser.add_argument("--model", dest="model_folder", type=Path, default=None,
                        help="model folder written by forecaster.train demand --history (default: the shipped model)")
    parser.add_argument("--history", type=Path, required=True, help="demand history, CSV or Parquet")
    parser.add_argument("--horizon", type=int, required=True, help="periods to forecast (1..24)")
    parser.add_argument("--quantiles", type=_levels, default=[0.1, 0.5, 0.9], help="levels, 0.05..0.95")
    parser.add_argument("--period", choices=("day", "week", "month"), default=None,
                        help="the period of the dates (default: the model's, else inferred)")
    parser.add_argument("--out", type=Path, required=True, help="forecasts, CSV or .parquet")


def predict_command(args: argparse.Namespace) -> int:
    """`forecaster.predict demand`: write series_id, period, quantile, value; 2 on bad data or model."""
    from forecaster.plantdemand.predictor import predict_file

    try:
        model, result = predict_file(args.model_folder, args.history, args.horizon, args.quantiles, args.out,
                                     args.period)
    except (PlantDataError, ArtifactError, ValueError) as error:
        print(error, file=sys.stderr)  # the CLI's report of what is wrong
        return 2
    print(json.dumps({"model": model.version, "series": int(result["series_id"].nunique()), "rows": len(result),
                      "out": str(args.out)}, indent=2))
    return 0
