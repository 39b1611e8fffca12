"""Predict with a plant's model: `python -m forecaster.predict defect --model DIR --records FILE --out FILE`,
`python -m forecaster.predict demand [--model DIR] --history FILE --horizon N --quantiles 0.1,0.5,0.9 --out FILE`
(demand: see forecaster.plantdemand.cli), `python -m forecaster.predict risk --model DIR --telemetry FILE
[--events FILE] --at FILE --horizons 24,168 --out FILE` (failure risk: see forecaster.plantrisk.predict).

Writes, for every input row in input order, `row` (its row in the file, header = 1), `product`, `machine`,
`defect_probability` (P(any defect)), one `p_<type>` column per defect type the model knows and
`unseen` (which of product / machine the training period never saw; empty when both are known) and, with
`--explain`, `explanation_en` / `explanation_ko` (the parameters that move the row's defect probability
most, forecaster.plantdata.explain). CSV, or
Parquet when the output name ends in .parquet. Bad records get a report of every problem (file, row,
column) and nothing is written.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from forecaster.artifacts import ArtifactError


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m forecaster.predict", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    models = root.add_subparsers(dest="model", required=True)
    defect = models.add_parser("defect", help="defect probabilities from a plant's model (forecaster.train defect "
                                              "--records)")
    defect.add_argument("--model", type=Path, required=True, help="model folder written by forecaster.train")
    defect.add_argument("--records", type=Path, required=True, help="inspection records, CSV or Parquet")
    defect.add_argument("--out", type=Path, required=True, help="predictions, CSV or .parquet")
    defect.add_argument("--explain", action="store_true",
                        help="add explanation_en / explanation_ko: the parameters that move each row's defect "
                             "probability most, under the plant's names")
    from forecaster.plantdemand.cli import add_predict_arguments

    add_predict_arguments(models.add_parser("demand", help="demand quantiles from a plant's model (forecaster.train "
                                                           "demand --history) or the shipped one"))
    return root


def main(argv: list[str] | None = None) -> int:
    from forecaster.plantdata.predictor import predict_file
    from forecaster.plantdata.problems import PlantDataError

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["risk"]:  # forecaster.plantrisk, docs/PLANT-DATA-RISK.md
        from forecaster.plantrisk.predict import main as predict_plant_risk

        return predict_plant_risk(argv[1:])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parser().parse_args(argv)
    if getattr(args, "demand_command", False):
        from forecaster.plantdemand.cli import predict_command

        return predict_command(args)
    try:
        result = predict_file(args.model, args.records, args.out, args.explain)
    except (PlantDataError, ArtifactError) as error:
        print(error, file=sys.stderr)  # the CLI's report of what is wrong
        return 2
    summary = {"rows": len(result), "out": str(args.out), "unseen_rows": int((result["unseen"] != "").sum()),
               "mean_defect_probability": float(result["defect_probability"].mean())}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
