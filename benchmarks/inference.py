"""CPU inference latency of the shipped models through the public API (validation + explanations included).

    python -m benchmarks.inference --json out/inference.json

Batches: 100 demand series (36 months each, horizon 12, quantiles 0.1/0.5/0.9), 50 machines' risk
curves (21 buckets of 8 h, 3 history readings each, explanations), 100 yield predictions (explanations).
Reports median and 90th-percentile wall time per batch after warm-up, with the torch thread count.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch

from benchmarks.common import format_table, machine, versions, write_json
from forecaster import assess_equipment_risk, demo_inputs, forecast_demand, load_models, predict_yield
from forecaster.demo import demo_demand

TARGET_MS = 20.0


def _timed(call: Callable[[], object], repeats: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000.0)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p90_ms": samples[int(0.9 * (len(samples) - 1))],
            "min_ms": samples[0]}


def run(repeats: int, warmup: int) -> dict[str, Any]:
    models = load_models()
    demo = demo_inputs()
    histories = [replace(h, series_id=f"{h.series_id}-{k}") for k in range(34) for h in demo_demand(seed=k)][:100]
    machines = [replace(m, machine_id=f"{m.machine_id}-{k}") for k in range(8) for m in demo.telemetry][:50]
    records = [replace(r, item_id=f"{r.item_id}-{k}") for k in range(6) for r in demo.process_records][:100]
    cases = {
        "demand (100 series, h=12)": lambda: forecast_demand(models.demand, histories, 12, (0.1, 0.5, 0.9)),
        "risk (50 machines, 21 buckets)": lambda: assess_equipment_risk(models.risk, machines, 8.0, 21),
        "yield (100 items)": lambda: predict_yield(models.defect, records),
    }
    results = {name: _timed(call, repeats, warmup) for name, call in cases.items()}
    return {"batches": results, "target_ms": TARGET_MS, "torch_threads": torch.get_num_threads(),
            "model_versions": models.versions, "parameters": {"repeats": repeats, "warmup": warmup},
            "versions": versions(), "machine": machine()}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = run(args.repeats, args.warmup)
    rows = [[name, r["median_ms"], r["p90_ms"], r["min_ms"], "yes" if r["median_ms"] < TARGET_MS else "NO"]
            for name, r in result["batches"].items()]
    print(format_table(["batch", "median_ms", "p90_ms", "min_ms", f"< {TARGET_MS:.0f} ms"], rows))
    print("torch threads:", result["torch_threads"], "models:", result["model_versions"])
    print("versions:", result["versions"])
    print("machine:", result["machine"])
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
