"""`python -m loadtests.inference_costs`: what one ForecastService call costs in-process, by batch and threads.

Times the forecaster functions the servicer calls (`forecast_demand`, `assess_equipment_risk`) on the load
test's payloads: the demo batch (3 series / 7 machines, what one MES poll sends) and a batch 10 times as
large (what one call would carry if concurrent calls were batched together), with torch intra-op threads
1 and 2, and the share of `assess_equipment_risk` spent in its integrated-gradients explanation. The figures
back the batching and `torch.set_num_threads` recommendations in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch

from benchmarks.common import format_table, versions, write_json
from forecaster import ForecastModels, assess_equipment_risk, demo_inputs, forecast_demand, load_models
from forecaster.explain import integrated_gradients_from
from forecaster.risk import encode


def _median_ms(function: Callable[[], object], repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _explanation_ms(models: ForecastModels, machines: list[Any], repeats: int) -> float:
    """The integrated-gradients step of assess_equipment_risk on its own, as the service runs it."""
    serving = models.risk.serving
    raw = encode([m.current for m in machines], [m.duty_class for m in machines])
    z = serving.standardise(torch.from_numpy(raw.astype("float32")))

    def failure_gradient(inputs: torch.Tensor) -> torch.Tensor:
        return serving.probability_gradient(inputs, 1)[1]

    return _median_ms(lambda: integrated_gradients_from(failure_gradient, z, torch.zeros(z.shape[1])), repeats)


def measure(repeats: int = 30, factors: tuple[int, ...] = (1, 10),
            threads: tuple[int, ...] = (1, 2)) -> list[dict[str, Any]]:
    models = load_models()
    inputs = demo_inputs()
    rows = []
    for thread_count in threads:
        torch.set_num_threads(thread_count)
        for factor in factors:
            histories = [replace(h, series_id=f"{h.series_id}-{k}") for k in range(factor) for h in inputs.demand]
            machines = [replace(m, machine_id=f"{m.machine_id}-{k}") for k in range(factor) for m in inputs.telemetry]
            demand_ms = _median_ms(functools.partial(forecast_demand, models.demand, histories, 6), repeats)
            risk_ms = _median_ms(functools.partial(assess_equipment_risk, models.risk, machines, 8.0, 21), repeats)
            explain_ms = _explanation_ms(models, machines, repeats)
            rows.append({"torch_threads": thread_count, "series": len(histories), "machines": len(machines),
                         "forecast_demand_ms": round(demand_ms, 2),
                         "forecast_demand_ms_per_series": round(demand_ms / len(histories), 3),
                         "assess_risk_ms": round(risk_ms, 2),
                         "assess_risk_ms_per_machine": round(risk_ms / len(machines), 3),
                         "explanation_share_of_risk": round(explain_ms / risk_ms, 3)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.inference_costs", description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    rows = measure(args.repeats)
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    write_json(args.json, {"rows": rows, "versions": versions(), "repeats": args.repeats})
    return 0


if __name__ == "__main__":
    sys.exit(main())
