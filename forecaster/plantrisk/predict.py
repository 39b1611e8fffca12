"""Failure probabilities of a plant's risk model at given machines and times.

    python -m forecaster.plantrisk.predict --model DIR --telemetry FILE [--events FILE] [--machines FILE]
        --at FILE --horizons 24,168 --out FILE [--timezone UTC]

`--at` holds `machine,time` rows; for each, using only data up to that time, one output row per horizon:
machine, time, horizon_hours, failure_probability, anomaly_score, anomaly_explanation_en,
anomaly_explanation_ko (CSV, or Parquet when --out ends in .parquet).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from forecaster.artifacts import ArtifactError
from forecaster.plantdata.problems import PlantDataError
from forecaster.plantrisk.artifact import read_model_folder
from forecaster.plantrisk.history import DEFAULT_TIMEZONE, load_history
from forecaster.plantrisk.predictor import predict, read_at, write_table
from forecaster.plantrisk.train import horizons_argument


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m forecaster.plantrisk.predict", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("--model", type=Path, required=True, help="folder written by forecaster.plantrisk.train")
    root.add_argument("--telemetry", type=Path, required=True)
    root.add_argument("--events", type=Path, default=None)
    root.add_argument("--machines", type=Path, default=None)
    root.add_argument("--at", type=Path, required=True, help="machine,time rows to predict at")
    root.add_argument("--horizons", type=horizons_argument, required=True, help="hours, e.g. 24,168")
    root.add_argument("--out", type=Path, required=True)
    root.add_argument("--timezone", default=DEFAULT_TIMEZONE)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        model = read_model_folder(args.model)
        history = load_history(args.telemetry, args.events, args.machines, args.timezone)
        at = read_at(args.at, history, args.timezone)
        result = predict(model, history, at, list(args.horizons))
        write_table(result, args.out)
    except (PlantDataError, ArtifactError) as error:
        print(error, file=sys.stderr)  # the CLI's report of what is wrong
        return 2
    print(json.dumps({"model": model.version, "served": model.served, "rows": len(result), "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
