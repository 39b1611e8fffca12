"""`python -m loadtests.run`: a bounded, headless Locust run against the prodplan gRPC service.

Starts `python -m service --port 0 --db <tmp>` (unless `--host` names a running server), runs the
profile's phases in-process with Locust's `Environment` and local runner, then stops everything it
started and prints a table; `--json` writes per-RPC RPS, p50/p95/p99 latency, failures by status
code, the health-check baseline, versions, machine, load average and the parameters; `--html` writes
Locust's report; `--py-spy` records a profile of the server during the last phase; the server's
resident memory is sampled throughout (`--profile soak` runs 10 minutes and reports its growth).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gevent
import grpc
import locust
from grpc_health.v1 import health_pb2, health_pb2_grpc
from locust.env import Environment
from locust.html import get_html_report
from locust.stats import stats_history

from benchmarks.common import format_table, machine, versions, write_json
from loadtests.memory import MemorySampler
from loadtests.payloads import PayloadSizes, build_payloads
from loadtests.profiles import PROFILES, Profile
from loadtests.recorder import Recorder
from loadtests.server import ServerProcess, log_levels, serving_pids, start_server
from loadtests.users import BASELINE, TrafficConfig, user_classes
from service.replicas import replica_settings
from service.settings import Settings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtests.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="default")
    parser.add_argument("--users", type=int, help="total users, the one baseline user included (profile default)")
    parser.add_argument("--spawn-rate", type=float, help="users started per second (profile default)")
    parser.add_argument("--duration", type=float, help="seconds of load, all phases together (profile default)")
    parser.add_argument("--warmup", type=float, help="seconds at the start of each phase left out of the figures")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--html", type=Path, help="write Locust's HTML report here")
    parser.add_argument("--host", help="HOST:PORT of a running server (default: start one on a free port)")
    parser.add_argument("--server-pid", type=int, help="with --host: pid of the server, for memory and py-spy")
    parser.add_argument("--concurrency-limit", type=int,
                        help="with --host: the server's solver processes + queued solves (overload profile)")
    parser.add_argument("--solver-processes", type=int, help="PRODPLAN_SOLVER_PROCESSES of the started server")
    parser.add_argument("--max-queued", type=int, help="PRODPLAN_MAX_QUEUED_SOLVES of the started server")
    parser.add_argument("--replicas", type=int, help="PRODPLAN_REPLICAS of the started server (default 1)")
    parser.add_argument("--server-log", type=Path, help="keep the started server's log here (default: discarded)")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment of the started server (repeatable), e.g. PRODPLAN_DEFAULT_WORKERS=2")
    parser.add_argument("--variant", help="start `python -m loadtests.variant` with these options instead, "
                        "e.g. '--torch-threads 1 --inference-workers 2'")
    parser.add_argument("--weights", help="task weights, e.g. ForecastDemand=5,CreatePlanSmall=1 (others 0)")
    parser.add_argument("--sizes", help="request sizes, e.g. small_orders=20,small_machines=6,forecast_series=50")
    parser.add_argument("--mes-rate", type=float, help="calls per second of one MES polling user")
    parser.add_argument("--planner-wait", help="MIN,MAX think time of a planner in seconds (0,0: back to back)")
    parser.add_argument("--poll-phase-from-spawn", action="store_true",
                        help="MES users poll from their spawn time instead of a random point of their period "
                             "(bunches them into a few phases; the default before 2026-11-22)")
    parser.add_argument("--phase-seed", type=int, help="seed of the MES users' random polling phases (default 0)")
    parser.add_argument("--ignore-retry-hint", action="store_true",
                        help="refused users retry at once instead of waiting the server's RetryInfo delay")
    parser.add_argument("--py-spy", type=Path, help="record the server with py-spy during the last phase "
                        "(.svg flame graph, .json speedscope, other: raw collapsed stacks)")
    return parser.parse_args(argv)


def _pairs(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if any(len(p) != 2 for p in pairs):
        raise SystemExit(f"expected KEY=VALUE pairs, got {text!r}")
    return {key.strip(): value.strip() for key, value in pairs}


def traffic_config(profile: Profile, args: argparse.Namespace) -> TrafficConfig:
    traffic = profile.traffic
    if args.weights:
        traffic = dataclasses.replace(traffic, weights={k: int(v) for k, v in _pairs(args.weights).items()})
    if args.mes_rate is not None:
        traffic = dataclasses.replace(traffic, mes_rate=args.mes_rate)
    if args.planner_wait:
        low, high = (float(v) for v in args.planner_wait.split(","))
        traffic = dataclasses.replace(traffic, planner_wait_s=(low, high))
    if args.ignore_retry_hint:
        traffic = dataclasses.replace(traffic, honor_retry_hint=False)
    if args.poll_phase_from_spawn:
        traffic = dataclasses.replace(traffic, random_poll_phase=False)
    if args.phase_seed is not None:
        traffic = dataclasses.replace(traffic, phase_seed=args.phase_seed)
    return traffic


def payload_sizes(args: argparse.Namespace) -> PayloadSizes:
    types = {f.name: f.type for f in dataclasses.fields(PayloadSizes)}
    updates: dict[str, Any] = {}
    for key, value in _pairs(args.sizes).items():
        if key not in types:
            raise SystemExit(f"unknown size {key!r}; known: {', '.join(types)}")
        updates[key] = float(value) if types[key] in (float, "float") else int(value)
    return dataclasses.replace(PayloadSizes(), **updates)


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    env = _pairs(",".join(args.server_env))
    if args.solver_processes is not None:
        env["PRODPLAN_SOLVER_PROCESSES"] = str(args.solver_processes)
    if args.replicas is not None:
        env["PRODPLAN_REPLICAS"] = str(args.replicas)
    if args.max_queued is not None:
        env["PRODPLAN_MAX_QUEUED_SOLVES"] = str(args.max_queued)
    return env


def concurrency_limit(args: argparse.Namespace, env: dict[str, str]) -> int:
    """Solver processes + queued solves of the server (what it admits before RESOURCE_EXHAUSTED)."""
    if args.host and args.concurrency_limit is not None:
        return int(args.concurrency_limit)
    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = Settings()
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    each = replica_settings(settings, settings.replicas) if settings.replicas > 1 else settings
    return settings.replicas * (each.solver_processes + each.max_queued_solves)


def wait_until_serving(address: str, timeout_s: float = 60.0) -> None:
    with grpc.insecure_channel(address) as channel:
        status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout_s,
                                                             wait_for_ready=True).status
    if status != health_pb2.HealthCheckResponse.SERVING:
        raise RuntimeError(f"server at {address} is not serving (health {status})")


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of the serving processes (the server, or its replicas; /proc/PID/stat)."""
    if pid is None:
        return None
    total = 0.0
    for serving in serving_pids(pid):
        try:
            fields = Path(f"/proc/{serving}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            if serving == pid:
                return None
    return total


def _load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


class PySpy:
    """`py-spy record` of the server and its solver processes for a bounded time.

    Started with posix_spawn, not fork: a forked child of this process (gRPC threads running under gevent)
    can abort in gRPC's fork handlers before it reaches exec."""

    def __init__(self, output: Path, pid: int, seconds: float) -> None:
        executable = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        suffix = output.suffix.lower()
        fmt = "flamegraph" if suffix == ".svg" else "speedscope" if suffix == ".json" else "raw"
        output.parent.mkdir(parents=True, exist_ok=True)
        self.errors = output.with_name(output.name + ".log")
        self.command = [executable, "record", "-o", str(output), "--pid", str(pid), "--duration",
                        str(max(int(seconds), 1)), "--rate", "100", "--subprocesses", "--nonblocking", "--format", fmt]
        self.pid = os.posix_spawn(executable, self.command, dict(os.environ), file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, str(self.errors), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)])

    def finish(self, timeout_s: float = 60.0) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                return f"py-spy exited {code}: {self.errors.read_text(errors='replace').strip()[-300:]}"
            gevent.sleep(0.5)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return "py-spy killed after the timeout"


def run_load(args: argparse.Namespace, profile: Profile, address: str, server_pid: int | None,
             limit: int) -> dict[str, Any]:
    """Run the profile's phases against `address`; return the results (without versions and machine)."""
    traffic, sizes = traffic_config(profile, args), payload_sizes(args)
    users = args.users if args.users is not None else profile.users(limit)
    duration = args.duration if args.duration is not None else profile.duration_s
    warmup = args.warmup if args.warmup is not None else min(profile.warmup_s, duration / 4)
    spawn_rate = args.spawn_rate if args.spawn_rate is not None else profile.spawn_rate
    phases = profile.phases(users, limit)
    recorder = Recorder()
    environment = Environment(user_classes=user_classes(traffic, build_payloads(sizes)), events=locust.events,
                              host=address)
    environment.events.request.add_listener(recorder.listener)
    runner = environment.create_local_runner()
    history = gevent.spawn(stats_history, runner) if args.html else None
    sampler = MemorySampler(server_pid, profile.memory_interval_s, warmup_s=warmup) if server_pid else None
    spy: PySpy | None = None
    load_before, cpu_before, started = _load_average(), _cpu_seconds(server_pid), time.monotonic()
    own_cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        for index, (name, count, share) in enumerate(phases):
            runner.start(count, spawn_rate=spawn_rate)
            if runner.spawning_greenlet is not None:
                runner.spawning_greenlet.join()
            recorder.begin_phase(name, warmup)
            if args.py_spy and server_pid and index == len(phases) - 1:
                gevent.sleep(warmup)
                spy = PySpy(args.py_spy, server_pid, duration * share - warmup - 1)
                gevent.sleep(duration * share - warmup)
            else:
                gevent.sleep(duration * share)
        recorder.end_phase()
    finally:
        runner.quit()
        if history is not None:
            history.kill()
        if sampler is not None:
            sampler.stop()
    wall = time.monotonic() - started
    own_cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu_after = _cpu_seconds(server_pid)
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(get_html_report(environment, show_download_link=False), encoding="utf-8")
    result: dict[str, Any] = {
        **recorder.summary(), "baseline": BASELINE,
        "load_average": {"before": load_before, "after": _load_average(), "cores": os.cpu_count()},
        "cpu": {"wall_s": round(wall, 1),
                "server_s": None if cpu_before is None or cpu_after is None
                else round(cpu_after - cpu_before, 1),
                "load_generator_s": round(own_cpu.ru_utime + own_cpu.ru_stime - own_cpu_before.ru_utime
                                          - own_cpu_before.ru_stime, 1)},
        "parameters": {"profile": profile.name, "users": users, "spawn_rate": spawn_rate, "duration_s": duration,
                       "warmup_s": warmup, "phases": [{"name": n, "users": c, "seconds": round(duration * s, 1)}
                                                      for n, c, s in phases],
                       "concurrency_limit": limit, "traffic": dataclasses.asdict(traffic),
                       "sizes": dataclasses.asdict(sizes), "host": address},
    }
    if sampler is not None:
        result["memory"] = sampler.samples
        result["memory_growth_pct"] = sampler.growth_pct()
    if spy is not None:
        result["py_spy"] = {"output": str(args.py_spy), "status": spy.finish()}
    return result


def table(result: dict[str, Any]) -> str:
    """Per phase and RPC: RPS, latency percentiles (successful calls), failures by code, p50 over the baseline."""
    rows: list[list[Any]] = []
    for phase, body in result["phases"].items():
        floor = body["rpcs"].get(BASELINE, {}).get("p50_ms")
        for name, rpc in body["rpcs"].items():
            refused = rpc.get("refused", {})
            ratio = round(rpc["p50_ms"] / floor, 1) if floor and rpc.get("p50_ms") is not None else None
            codes = " ".join(f"{code}={count}" for code, count in rpc["failures_by_code"].items()) or "-"
            rows.append([phase, name, rpc["requests"], rpc["rps"], rpc["p50_ms"], rpc["p95_ms"], rpc["p99_ms"],
                         ratio, codes, refused.get("p99_ms")])
    headers = ["phase", "rpc", "calls", "rps", "p50 ms", "p95 ms", "p99 ms", "p50/floor", "failures",
               "refused p99 ms"]
    lines = [format_table(headers, rows)]
    for phase, body in result["phases"].items():
        for name, rpc in body["rpcs"].items():
            if "solver" in rpc:
                s = rpc["solver"]
                lines.append(f"{phase} {name}: solver p50 {s['solver_p50_ms']} ms of latency p50 "
                             f"{s['latency_p50_ms']} ms; outside the solver {s['outside_solver_share']:.1%} "
                             f"(p50 {s['outside_solver_p50_ms']} ms)")
    if "memory_growth_pct" in result:
        memory = result["memory"]
        lines.append(f"server RSS {memory[0]['rss_mb'] if memory else '-'} -> {memory[-1]['rss_mb'] if memory else '-'}"
                     f" MiB; growth after warm-up {result['memory_growth_pct']} %")
    load = result["load_average"]
    lines.append(f"load average before {load['before']} after {load['after']} on {load['cores']} cores; "
                 f"CPU s: {result['cpu']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    profile = PROFILES[args.profile]
    env = server_environment(args)
    limit = concurrency_limit(args, env)
    server: ServerProcess | None = None
    with tempfile.TemporaryDirectory(prefix="prodplan-load-") as scratch:
        server_log = args.server_log or Path(scratch) / "server.log"
        try:
            if args.host:
                address, pid = args.host, args.server_pid
            else:
                server = start_server(Path(scratch) / "plans.db", env, log=server_log,
                                      variant=args.variant.split() if args.variant is not None else None)
                address, pid = server.address, server.pid
            wait_until_serving(address)
            result = run_load(args, profile, address, pid, limit)
        finally:
            exit_code = server.stop() if server is not None else None
        levels = log_levels(server_log) if server is not None else {}
    result = {**result, "versions": versions(("locust", "gevent")), "machine": machine(),
              "server": {"started": server is not None, "exit_code": exit_code, "environment": env,
                         "variant": args.variant,
                         "log_lines_by_level": levels}}
    print(table(result))
    write_json(args.json, result)
    if args.json:
        print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
