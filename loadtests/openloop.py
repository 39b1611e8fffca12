"""`python -m loadtests.openloop`: the forecast RPCs at a fixed rate from a light asyncio client, no Locust.

Locust's gRPC users run on gevent, and at a few hundred calls per second its own client adds tens of
milliseconds to every call (its health-check baseline shows it). This driver separates the server's
latency from the load generator's: one `grpc.aio` channel, an open loop that starts calls on a fixed
schedule whether or not earlier ones have answered (so a slow server cannot slow the offered rate),
half ForecastDemand and half AssessEquipmentRisk with the load test's payloads, plus a health check
every 25 calls. It starts the server on port 0 (or targets `--host`) and prints p50/p95/p99 per RPC.

    python -m loadtests.openloop --rate 250 --duration 15 [--host HOST:PORT] [--variant "..."] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benchmarks.common import machine, versions, write_json
from loadtests.payloads import equipment_risk_request, forecast_demand_request
from loadtests.recorder import latency_summary
from loadtests.server import start_server
from prodplan.v1 import forecast_service_pb2_grpc

HEALTH_EVERY = 25


async def drive(address: str, rate: float, duration_s: float, warmup_calls: int = 20,
                channels: int = 1) -> dict[str, Any]:
    """Offer `rate` calls/s for `duration_s` seconds over `channels` connections (calls take them in
    turn); latencies (ms) and failures per RPC."""
    opened = [grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
              for _ in range(channels)]
    try:
        return await _drive(opened, rate, duration_s, warmup_calls)
    finally:
        for channel in opened:
            await channel.close()


async def _drive(channels: list[grpc.aio.Channel], rate: float, duration_s: float,
                 warmup_calls: int) -> dict[str, Any]:
    forecasting = [forecast_service_pb2_grpc.ForecastServiceStub(c) for c in channels]
    health = health_pb2_grpc.HealthStub(channels[0])
    demand, risk = forecast_demand_request(), equipment_risk_request()
    turn = itertools.count()

    def stub() -> forecast_service_pb2_grpc.ForecastServiceStub:
        return forecasting[next(turn) % len(forecasting)]

    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "prodplan.v1.ForecastService/ForecastDemand": lambda: stub().ForecastDemand(demand),
        "prodplan.v1.ForecastService/AssessEquipmentRisk": lambda: stub().AssessEquipmentRisk(risk),
        "grpc.health.v1.Health/Check": lambda: health.Check(health_pb2.HealthCheckRequest()),
    }
    for _ in range(max(warmup_calls, len(channels))):
        await calls["prodplan.v1.ForecastService/ForecastDemand"]()
        await calls["prodplan.v1.ForecastService/AssessEquipmentRisk"]()
    latencies: dict[str, list[float]] = {name: [] for name in calls}
    failures: dict[str, int] = dict.fromkeys(calls, 0)

    async def one(name: str) -> None:
        started = time.perf_counter()
        try:
            await calls[name]()
        except grpc.aio.AioRpcError:
            failures[name] += 1
            return
        latencies[name].append((time.perf_counter() - started) * 1000.0)

    names = list(calls)[:2]
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    sent = 0
    while time.perf_counter() - start < duration_s:
        tasks.append(asyncio.create_task(one(names[sent % 2])))
        if sent % HEALTH_EVERY == 0:
            tasks.append(asyncio.create_task(one("grpc.health.v1.Health/Check")))
        sent += 1
        await asyncio.sleep(max(0.0, start + sent / rate - time.perf_counter()))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return {"rpcs": {name: {"calls": len(latencies[name]), **latency_summary(latencies[name]),
                            "failures": failures[name], "rps": round(len(latencies[name]) / elapsed, 1)}
                     for name in calls},
            "offered_rate": rate, "channels": len(channels), "duration_s": round(elapsed, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.openloop", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=250.0, help="forecast calls offered per second")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load")
    parser.add_argument("--host", help="HOST:PORT of a running server (default: start one on port 0)")
    parser.add_argument("--variant", help="start `python -m loadtests.variant` with these options instead")
    parser.add_argument("--channels", type=int, default=1,
                        help="connections the calls take in turn, as separate MES clients would open "
                        "(replicas are chosen per connection)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0 or args.channels < 1:
        parser.error("--rate and --duration must be positive, --channels at least 1")
    variant = args.variant.split() if args.variant else None
    server = None if args.host else start_server(Path(tempfile.mkdtemp()) / "openloop.db", variant=variant)
    try:
        address = args.host or (server.address if server else "")
        result = asyncio.run(drive(address, args.rate, args.duration, channels=args.channels))
    finally:
        if server is not None:
            server.stop()
    for name, figures in result["rpcs"].items():
        print(f"{name:50} {figures}")
    write_json(args.json, {**result, "versions": versions(), "machine": machine()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
