"""`python -m loadtests.variant`: the unchanged server with tuning knobs its settings do not expose yet.

A drop-in for `python -m service` (same `--host/--port/--db/--log-level`, same `prodplan listening on`
line) that measures a proposed change before anyone makes it: `--torch-threads N` sets torch's intra-op
threads after the ForecastService has set its own, `--inference-workers N` bounds the event loop's default
thread pool (where `asyncio.to_thread` runs store calls), `--max-batch-calls N` caps the ForecastService's
batches (1: every call alone, as before batching), `--switch-interval-ms X` sets Python's GIL switch
interval, `--gc-freeze` settles the garbage collector as the service now does.
`loadtests.run --variant "..."` (and `loadtests.openloop --variant "..."`) starts it instead of the service.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from concurrent.futures import ThreadPoolExecutor

import torch

from service.garbage import settle_garbage_collector
from service.server import create_server
from service.settings import Settings


async def serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    if args.inference_workers:
        loop.set_default_executor(ThreadPoolExecutor(max_workers=args.inference_workers))
    settings = Settings(host=args.host, port=args.port, db=args.db, log_level=args.log_level)
    running = await create_server(f"{args.host}:{args.port}", settings)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    if args.max_batch_calls and running.forecast is not None:
        running.forecast.batcher.max_calls = args.max_batch_calls
    if args.switch_interval_ms:
        sys.setswitchinterval(args.switch_interval_ms / 1000.0)
    if args.gc_freeze:
        settle_garbage_collector()
    print(f"prodplan listening on {args.host}:{running.port}", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await running.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.variant", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--db", default="prodplan.db")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--torch-threads", type=int, default=0, help="torch intra-op threads (0: as the service)")
    parser.add_argument("--inference-workers", type=int, default=0,
                        help="threads of the default executor (0: asyncio's default)")
    parser.add_argument("--max-batch-calls", type=int, default=0,
                        help="most ForecastService calls per batch (0: as the service; 1: no batching)")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="settle the garbage collector after start-up as `python -m service` does")
    parser.add_argument("--switch-interval-ms", type=float, default=0.0,
                        help="Python's GIL switch interval in ms (0: Python's default, 5 ms)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
