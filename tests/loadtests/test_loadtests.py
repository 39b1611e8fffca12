"""The load-test tooling against a real server: a short overload-profile run of `python -m loadtests.run` (it
starts the server on port 0 itself) checks the JSON it writes, that the baseline and CreatePlan run without
failures at the concurrency limit, and that refusals beyond it are classified RESOURCE_EXHAUSTED; unit checks
cover the recorder's figures, memory growth and request sizes. No latency assertions: speed is measured by
the load profiles themselves (docs/PERFORMANCE.md), not by timed tests.

The run is a subprocess because Locust monkey-patches the standard library with gevent on import, which must
not happen inside the pytest process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from loadtests.memory import growth_pct
from loadtests.payloads import small_plan_request
from loadtests.recorder import GrpcCallError, Recorder
from loadtests.retry_hint import retry_delay_s
from service.errors import OverloadedError, overloaded_status

ROOT = Path(__file__).resolve().parents[2]
BASELINE = "grpc.health.v1.Health/Check"
CREATE_PLAN = "prodplan.v1.PlanningService/CreatePlan"


@pytest.fixture(scope="module")
def overload_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Limit 1 (one solver process, no queue) and 3 users: one caller at the limit, then two (twice the limit)."""
    out = tmp_path_factory.mktemp("load") / "overload.json"
    command = [sys.executable, "-m", "loadtests.run", "--profile", "overload", "--solver-processes", "1",
               "--max-queued", "0", "--duration", "8", "--warmup", "0", "--spawn-rate", "20",
               "--sizes", "small_orders=8,small_machines=6,small_time_limit_s=0.5", "--json", str(out)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return dict(json.loads(out.read_text()))


def test_json_shape(overload_run: dict[str, Any]) -> None:
    assert overload_run["baseline"] == BASELINE
    for key in ("rpcs", "phases", "versions", "machine", "parameters", "memory", "load_average"):
        assert key in overload_run
    assert overload_run["parameters"]["concurrency_limit"] == 1
    assert [p["users"] for p in overload_run["parameters"]["phases"]] == [2, 3]
    for rpc in overload_run["rpcs"].values():
        assert {"rps", "p50_ms", "p95_ms", "p99_ms", "failures", "failures_by_code"} <= set(rpc)
    assert overload_run["server"]["started"] and overload_run["server"]["exit_code"] == 0
    assert overload_run["memory"] and overload_run["memory"][0]["rss_mb"] > 0


def test_baseline_and_create_plan_run_without_failures_at_the_limit(overload_run: dict[str, Any]) -> None:
    at_limit = overload_run["phases"]["at-limit"]["rpcs"]
    for name in (BASELINE, CREATE_PLAN):
        assert at_limit[name]["rps"] > 0, name
        assert at_limit[name]["failures"] == 0, at_limit[name]["failures_by_code"]
    assert at_limit[CREATE_PLAN]["solver"]["calls"] > 0


def test_refusals_beyond_the_limit_are_resource_exhausted(overload_run: dict[str, Any]) -> None:
    overload = overload_run["rpcs"][CREATE_PLAN]
    assert set(overload["failures_by_code"]) == {"RESOURCE_EXHAUSTED"}
    assert overload["refused"]["count"] == overload["failures"] > 0
    assert overload_run["rpcs"][BASELINE]["failures"] == 0


def test_recorder_classifies_by_status_code_and_leaves_out_warm_up() -> None:
    recorder = Recorder()
    recorder.record(CREATE_PLAN, 1.0, "OK")  # before any phase: not measured
    recorder.begin_phase("main")
    for latency in (100.0, 200.0, 300.0, 400.0):
        recorder.listener(name=CREATE_PLAN, response_time=latency)
    recorder.listener(name=CREATE_PLAN, response_time=3.0, exception=GrpcCallError("RESOURCE_EXHAUSTED", "full"))
    recorder.listener(name=CREATE_PLAN, response_time=9.0, exception=GrpcCallError("UNAVAILABLE", "down"))
    recorder.end_phase()
    summary = recorder.summary()["rpcs"][CREATE_PLAN]
    assert summary["requests"] == 6
    assert summary["failures_by_code"] == {"RESOURCE_EXHAUSTED": 1, "UNAVAILABLE": 1}
    assert (summary["p50_ms"], summary["p99_ms"]) == (200.0, 400.0)
    assert summary["refused"]["count"] == 1 and summary["refused"]["p99_ms"] == 3.0


def test_tooling_imports_leave_the_standard_library_unpatched() -> None:
    """Locust (and so gevent's monkey-patching) is only imported by the runner process, never by these imports."""
    assert "locust" not in sys.modules


def test_memory_growth_after_warm_up() -> None:
    samples = [{"t_s": float(t), "rss_mb": 100.0 if t < 60 else 200.0 + (t >= 300) * 10} for t in range(0, 600, 10)]
    assert growth_pct(samples, warmup_s=60) == 5.0


def test_small_plan_has_the_requested_size() -> None:
    request = small_plan_request(orders=20, machines=6, time_limit_s=1.0)
    assert len(request.orders) == 20 and len(request.factory.machines) == 6
    assert request.options.time_limit.seconds == 1 and not request.request_id
    kept = {m.id for m in request.factory.machines}
    for product in request.factory.products:
        for operation in product.routing:
            assert operation.eligible_machines and {e.machine_id for e in operation.eligible_machines} <= kept


@dataclass
class _Status:
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, bytes], ...]


class _RefusedCall(grpc.RpcError, grpc.Call):  # type: ignore[misc]
    """A failed call as the client sees it: code, details and the rich status in trailing metadata."""

    def __init__(self, status: Any) -> None:
        self._status = status

    def code(self) -> grpc.StatusCode:
        return self._status.code

    def details(self) -> str:
        return self._status.details

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return tuple(self._status.trailing_metadata)

    def initial_metadata(self) -> tuple[()]:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> None:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: Any) -> bool:
        return False


def test_retry_hint_is_read_from_the_servers_refusal() -> None:
    refusal = overloaded_status(OverloadedError("all solver processes are busy", retry_after_s=1.25))
    assert retry_delay_s(_RefusedCall(refusal)) == pytest.approx(1.25)
    without_details = _RefusedCall(_Status(grpc.StatusCode.RESOURCE_EXHAUSTED, "busy", ()))
    assert retry_delay_s(without_details) == 0.0


def test_open_loop_client_reports_every_rpc(tmp_path: Path) -> None:
    """`python -m loadtests.openloop` against a server it starts: every call answered and timed."""
    out = tmp_path / "openloop.json"
    command = [sys.executable, "-m", "loadtests.openloop", "--rate", "20", "--duration", "2", "--channels", "3",
               "--json", str(out)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(out.read_text())
    demand = result["rpcs"]["prodplan.v1.ForecastService/ForecastDemand"]
    risk = result["rpcs"]["prodplan.v1.ForecastService/AssessEquipmentRisk"]
    assert demand["failures"] == risk["failures"] == result["rpcs"][BASELINE]["failures"] == 0
    assert 19 <= risk["calls"] <= demand["calls"] <= 21  # about 40 calls in 2 s at 20 calls/s, alternating
    assert 0 < demand["p50_ms"] <= demand["p95_ms"] <= demand["p99_ms"]
    assert result["offered_rate"] == 20 and result["channels"] == 3 and "versions" in result


_POLLING_SCRIPT = """
import json, sys, time
from locust.env import Environment
from loadtests.payloads import PayloadSizes, build_payloads
from loadtests.users import TrafficConfig, user_classes

random_phase = sys.argv[1] == "random"
traffic = TrafficConfig(weights={"ForecastDemand": 1}, planner_weight=0, mes_rate=10.0, random_poll_phase=random_phase)
classes = user_classes(traffic, build_payloads(PayloadSizes()))
mes = next(c for c in classes if c.__name__ == "MesPolling")
mes.host = "127.0.0.1:1"  # the runner sets it from the environment; no call is made
environment = Environment(user_classes=classes, host="127.0.0.1:1")
starts, waits = [], []
for _ in range(12):
    user = mes(environment)
    before = time.perf_counter()
    user.on_start()
    starts.append(time.perf_counter() - before)
    waits.append([user.wait_time(), user.wait_time()])
user._next_poll = time.perf_counter() - 1.0  # a call that overran its period by far
overrun = [user.wait_time(), user.wait_time()]
try:
    user_classes(TrafficConfig(mes_rate=0.0), build_payloads(PayloadSizes()))
    refused = False
except ValueError:
    refused = True
print(json.dumps({"starts": starts, "waits": waits, "overrun": overrun, "refused": refused}))
"""


@pytest.mark.parametrize("phase", ["random", "spawn"])
def test_mes_pollers_keep_a_fixed_schedule_from_a_random_point_of_their_period(phase: str) -> None:
    """Each MES user polls every 1 / rate s on a fixed schedule. With random phases (the default) the users
    start at spread-out points of the period (seeded), so they do not fire together; from spawn, at once.
    An overrun moves the schedule on instead of firing the missed calls back to back. (A subprocess:
    these imports patch the standard library for gevent.)"""
    completed = subprocess.run([sys.executable, "-c", _POLLING_SCRIPT, phase], cwd=ROOT, capture_output=True,
                               text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    starts = result["starts"]
    if phase == "random":
        assert all(0.0 <= s <= 0.12 for s in starts) and max(starts) - min(starts) > 0.04
    else:
        assert max(starts) < 0.01
    for first, second in result["waits"]:  # the next call one period after the first, the one after that two
        assert 0.08 < first <= 0.1 and 0.18 < second <= 0.2
    assert result["overrun"][0] == 0.0 and 0.09 < result["overrun"][1] <= 0.1
    assert result["refused"]


def test_poll_phase_flags_reach_the_traffic_config() -> None:
    script = ("from loadtests.profiles import PROFILES; from loadtests.run import parse_args, traffic_config; "
              "print([(t.random_poll_phase, t.phase_seed) for t in "
              "(traffic_config(PROFILES['forecast'], parse_args(a)) "
              "for a in ([], ['--poll-phase-from-spawn', '--phase-seed', '3']))])")
    completed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                               check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip().splitlines()[-1] == "[(True, 0), (False, 3)]"
