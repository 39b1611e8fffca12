"""What a load run measured: every call's latency and status code, grouped by phase and RPC, and summarised.

Percentiles are exact (nearest rank over every recorded call, not Locust's rounded histogram). Calls
that end inside a phase's warm-up are counted apart and left out of the figures. For CreatePlan the
solver's own wall time (`plan.statistics.wall_time`) is kept next to the client-observed latency, so
the share of a call spent outside the solver (mapping, validation, queueing, transport, store) can be
reported. This module knows nothing of Locust or gevent, so tests and tools can use it directly.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

OK = "OK"
REFUSED = "RESOURCE_EXHAUSTED"


class GrpcCallError(Exception):
    """A failed call, as Locust records it: `CODE_NAME: details` (the code name also in `code_name`)."""

    def __init__(self, code_name: str, details: str) -> None:
        super().__init__(f"{code_name}: {details[:160]}")
        self.code_name = code_name


@dataclass
class Sample:
    latency_ms: float
    code: str
    solver_ms: float | None = None


@dataclass
class Phase:
    name: str
    started: float
    warmup_s: float
    ended: float | None = None
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    warmup_calls: int = 0

    @property
    def measured_s(self) -> float:
        end = self.ended if self.ended is not None else time.monotonic()
        return max(end - self.started - self.warmup_s, 1e-9)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile `q` in [0, 100] of `values`; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def latency_summary(latencies: list[float]) -> dict[str, float | None]:
    return {"p50_ms": _round(percentile(latencies, 50)), "p95_ms": _round(percentile(latencies, 95)),
            "p99_ms": _round(percentile(latencies, 99)), "max_ms": _round(max(latencies) if latencies else None)}


def solver_share(samples: list[Sample]) -> dict[str, Any] | None:
    """For successful calls that report a solver wall time: client latency vs solver time, and the share
    of the latency spent outside the solver (sum over calls)."""
    timed = [s for s in samples if s.code == OK and s.solver_ms is not None]
    if not timed:
        return None
    latency = sum(s.latency_ms for s in timed)
    solver = sum(s.solver_ms or 0.0 for s in timed)
    outside = [s.latency_ms - (s.solver_ms or 0.0) for s in timed]
    return {"calls": len(timed), "solver_p50_ms": _round(percentile([s.solver_ms or 0.0 for s in timed], 50)),
            "latency_p50_ms": _round(percentile([s.latency_ms for s in timed], 50)),
            "outside_solver_p50_ms": _round(percentile(outside, 50)),
            "outside_solver_share": round(1 - solver / latency, 4) if latency > 0 else None}


def rpc_summary(samples: list[Sample], seconds: float) -> dict[str, Any]:
    """RPS, latency percentiles of successful calls, failures by status code, and refusal latency."""
    ok = [s.latency_ms for s in samples if s.code == OK]
    codes = Counter(s.code for s in samples if s.code != OK)
    refused = [s.latency_ms for s in samples if s.code == REFUSED]
    summary: dict[str, Any] = {
        "requests": len(samples), "rps": round(len(samples) / seconds, 2), "ok_rps": round(len(ok) / seconds, 2),
        **latency_summary(ok), "failures": sum(codes.values()), "failures_by_code": dict(sorted(codes.items())),
    }
    if refused:
        summary["refused"] = {"count": len(refused), **latency_summary(refused)}
    if (share := solver_share(samples)) is not None:
        summary["solver"] = share
    return summary


class Recorder:
    """Collects calls per phase; `listener` has the signature of Locust's `request` event."""

    def __init__(self) -> None:
        self.phases: list[Phase] = []

    def begin_phase(self, name: str, warmup_s: float = 0.0) -> None:
        self.end_phase()
        self.phases.append(Phase(name=name, started=time.monotonic(), warmup_s=warmup_s))

    def end_phase(self) -> None:
        if self.phases and self.phases[-1].ended is None:
            self.phases[-1].ended = time.monotonic()

    def record(self, name: str, latency_ms: float, code: str, solver_ms: float | None = None) -> None:
        if not self.phases or self.phases[-1].ended is not None:
            return  # before the first phase or after the run: not measured
        phase = self.phases[-1]
        if time.monotonic() - phase.started < phase.warmup_s:
            phase.warmup_calls += 1
            return
        phase.samples.setdefault(name, []).append(Sample(latency_ms, code, solver_ms))

    def listener(self, name: str, response_time: float, exception: BaseException | None = None,
                 response: Any = None, **_kwargs: Any) -> None:
        code = OK if exception is None else getattr(exception, "code_name", type(exception).__name__)
        self.record(name, response_time, code, _solver_ms(response) if exception is None else None)

    def summary(self) -> dict[str, Any]:
        """`rpcs` of the last phase (the one a profile's targets refer to), and every phase on its own."""
        phases = {p.name: {"measured_s": round(p.measured_s, 1), "warmup_calls": p.warmup_calls,
                           "rpcs": {name: rpc_summary(samples, p.measured_s) for name, samples in sorted(
                               p.samples.items())}} for p in self.phases}
        last = phases[self.phases[-1].name]["rpcs"] if self.phases else {}
        return {"rpcs": last, "phases": phases}


def _solver_ms(response: Any) -> float | None:
    """Solver wall time of a CreatePlanResponse (None for other responses)."""
    plan = getattr(response, "plan", None)
    if plan is None or not hasattr(plan, "statistics") or not plan.HasField("statistics"):
        return None
    wall = plan.statistics.wall_time
    return wall.seconds * 1000 + wall.nanos / 1e6
