"""Plant-data demand benchmark: `forecaster.train demand --history` on the car-parts monthly sales.

    python -m benchmarks.plantdemand [--json docs/results/plantdata_demand.json] [--data-dir DIR]

Car parts (../shared/benchmarks/demand/carparts/, Monash TSF, 2,674 intermittent monthly series of 51
months, Jan 1998 - Mar 2002) is written as a plant's CSV in the demand-history template and goes through
the same loader and training as a plant's file: test = the last 6 months, validation = the 6 before, every
baseline and candidate in the same run, the served method chosen per demand class on validation.

Rows: the baselines as they come and in their served form (`+counts`), our candidates (`network` is the
shipped network + Theta with the count rule, as `forecaster.predict demand` served it before), and
`shipped`: ForecastDemand without a plant_id as it serves now (intermittent and lumpy series by TSB's
mixture, the others by the network + Theta; `forecaster.demand_forecast.shipped_method`).

The issue's target: the served model's test MASE and scaled pinball loss below every baseline's
(seasonal naive, ETS, Theta, Croston-SBA, TSB); `targets` in the JSON says whether each holds.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.common import format_table, machine, versions, write_json
from forecaster.plantdemand.methods import REFERENCES
from forecaster.plantdemand.pipeline import DemandTrainSettings, train_from_files

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "benchmarks" / "demand" / "carparts"
TSF = "car_parts_dataset_without_missing_values.tsf"
SCORES = ("mase", "scaled_pinball", "coverage_80")


def carparts_history(data_dir: Path, out: Path) -> dict[str, Any]:
    """The TSF file as a demand-history CSV (series_id, period, quantity)."""
    rows = []
    with (data_dir / TSF).open(encoding="utf-8") as handle:
        in_data = False
        for line in handle:
            line = line.strip()
            if not in_data:
                in_data = line.lower() == "@data"
                continue
            if line:
                name, start, values = line.split(":", 2)
                first = pd.Timestamp(start.split(" ")[0])
                for k, value in enumerate(values.split(",")):
                    rows.append((name, (first + pd.DateOffset(months=k)).date().isoformat(), value))
    pd.DataFrame(rows, columns=["series_id", "period", "quantity"]).to_csv(out, index=False)
    return {"source": f"{data_dir.name}/{TSF}", "rows": len(rows)}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--horizon", type=int, default=6)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "carparts.csv"
        about = carparts_history(args.data_dir, history)
        report = train_from_files(history, Path(folder) / "model",
                                  DemandTrainSettings(horizon=args.horizon, period="month"))
    result = {"data": about, "served": report["served"], "summary": report["summary"], "targets": report["targets"],
              "served_scores": report["served_scores"], "candidates": report["candidates"],
              "shipped_api": _shipped_api(report["candidates"]),
              "zero_forecast_reference": report["zero_forecast_reference"], "split": report["split"],
              "version": report["version"], "network_version": report["network_version"],
              "wall_s": round(time.perf_counter() - started, 1),
              "parameters": {**vars(args), "data_dir": str(args.data_dir)},
              "versions": versions(("pandas",)), "machine": machine()}
    _print(result)
    write_json(args.json, result)
    return 0


def _shipped_api(candidates: dict[str, Any]) -> dict[str, Any]:
    """ForecastDemand without a plant_id (`shipped`) on the test window against every baseline."""
    test = candidates["shipped"]["test"]
    baselines = [name for name, scores in candidates.items() if scores["baseline"]]
    below = {f"{metric}_below_every_baseline": all(test[metric] < candidates[b]["test"][metric] for b in baselines)
             for metric in ("mase", "scaled_pinball")}
    return {"test": test, "test_by_class": candidates["shipped"]["test_by_class"], **below}


def _print(result: dict[str, Any]) -> None:
    rows = [["served", "-", *[result["served_scores"][w][k] for w in ("validation", "test") for k in SCORES]]]
    for name, scores in result["candidates"].items():
        kind = ("baseline" if scores["baseline"] else "baseline, served form" if name.endswith("+counts")
                else "shipped API (no plant_id)" if name in REFERENCES else "ours")
        rows.append([name, kind, *[scores[w][k] for w in ("validation", "test") for k in SCORES]])
    zero = result["zero_forecast_reference"]["test"]
    rows.append(["zero forecast (reference)", "-", None, None, None, zero["mase"], zero["scaled_pinball"], None])
    print(format_table(["method", "kind", "val MASE", "val sc.pinball", "val cov80", "test MASE", "test sc.pinball",
                        "test cov80"], rows))
    print("served per class:", result["served"])
    print("targets:", result["targets"])
    print("shipped API (no plant_id):", result["shipped_api"])
    print("parameters:", result["parameters"])
    print("versions:", result["versions"])


if __name__ == "__main__":
    sys.exit(main())
