"""Several server processes on one port: `python -m service --replicas N` (PRODPLAN_REPLICAS).

One server process runs its Python work (request mapping, validation, forecast inference, the gRPC
event loop) under one interpreter lock, so on a busy machine forecast calls queue behind each other
even while cores are free. Replicas are whole, independent servers (own solver pool, own models, own
connection to the shared plan store) that bind the same address with SO_REUSEPORT: the kernel hands
each new client connection to one of them. This is the ARCHITECTURE's "replicas behind a load
balancer" on one machine, with the kernel as the (connection-level) balancer:

- a client's channel sticks to one replica; many clients spread over all of them;
- the store is shared as it is between replicas on several machines (SQLite in WAL mode with a busy
  timeout on one machine, PostgreSQL otherwise); admission control and the solver pool are per replica,
  and unless set explicitly, each replica gets `cores // N` solver processes (at least one) and as many
  queued solves, so that N replicas do not start N times the solves the machine can run;
- the supervisor (this module) reserves the port, starts the replicas (spawned, never forked, so each
  starts with a clean gRPC and torch), prints the usual "prodplan listening on HOST:PORT" line once
  every replica serves, passes SIGTERM/SIGINT on, and stops all of them and exits non-zero when one
  dies unexpectedly (restarting is the process manager's job, as for a single server).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from service.settings import Settings

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 180.0
"""How long the replicas may take to load the models and bind."""
STOP_TIMEOUT_S = 30.0
"""How long a replica may take to finish its calls after SIGTERM before it is killed."""
PR_SET_PDEATHSIG = 1
"""prctl option: the signal a process gets when its parent dies (linux/prctl.h)."""


def replica_settings(settings: Settings, replicas: int, cores: int | None = None) -> Settings:
    """One replica's settings: solver processes and queued solves split over the replicas unless the
    operator set them explicitly; everything else as given."""
    cores = cores or os.cpu_count() or 1
    share = max(1, cores // replicas)
    update: dict[str, Any] = {"replicas": 1}
    for name in ("solver_processes", "max_queued_solves"):
        if name not in settings.model_fields_set:
            update[name] = share
    return settings.model_copy(update=update)


def reserve_port(host: str, port: int) -> tuple[socket.socket, int]:
    """A socket bound to host:port with SO_REUSEPORT (port 0: a free one), kept open while the replicas
    bind the same port, so no other program takes it meanwhile. An explicit port that some other program
    already holds is refused here with a clear error instead of being shared with it."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    if port != 0:
        probe = socket.socket(family, socket.SOCK_STREAM)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            raise OSError(f"cannot bind {host}:{port}: {error.strerror or error}") from error
        finally:
            probe.close()
    reservation = socket.socket(family, socket.SOCK_STREAM)
    reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    reservation.bind((host.strip("[]"), port))
    return reservation, reservation.getsockname()[1]


def _replica_main(settings_json: str, index: int, ready: Connection) -> None:
    """Entry point of one replica process (spawned)."""
    import asyncio

    from service.logging_setup import configure_logging
    from service.server import serve

    settings = Settings.model_validate_json(settings_json)
    configure_logging(settings.log_level, replica=index, log_format=settings.log_format)
    _stop_with_parent()

    def announce(port: int) -> None:
        ready.send(("ready", index, port))
        ready.close()

    try:
        asyncio.run(serve(settings, announce=announce, reuse_port=True))
    except Exception as error:
        logger.exception("replica %d failed", index)
        with contextlib.suppress(OSError):  # the supervisor is gone, or this replica had reported ready
            ready.send(("failed", index, f"{type(error).__name__}: {error}"))
        raise SystemExit(1) from error


def _stop_with_parent() -> None:
    """Ask Linux to send this replica SIGTERM when its supervisor dies, even by SIGKILL, so that no
    replica keeps serving on its own (elsewhere replicas rely on the supervisor's orderly stop)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        logger.warning("replica: cannot ask to be stopped with the supervisor (prctl unavailable)")
        return
    if os.getppid() != parent:  # the supervisor died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)



def run_replicas(settings: Settings, replicas: int,
                 print_line: Callable[[str], None] = lambda line: print(line, flush=True)) -> int:
    """Start `replicas` server processes on one port and supervise them; returns the exit status."""
    if replicas < 2:
        raise ValueError("run_replicas needs at least 2 replicas")
    context = multiprocessing.get_context("spawn")
    try:
        reservation, port = reserve_port(settings.host, settings.port)
    except OSError as error:
        logger.error("replicas not started: %s", error)
        return 1
    each = replica_settings(settings, replicas).model_copy(update={"port": port})
    logger.info("starting %d replicas on %s:%d, %d solver processes each", replicas, settings.host, port,
                each.solver_processes)
    processes: list[BaseProcess] = []
    pipes: list[Connection] = []
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        logger.info("supervisor: signal %d, stopping the replicas", signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        for index in range(replicas):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_replica_main, args=(each.model_dump_json(), index, sender),
                                      name=f"prodplan-replica-{index}", daemon=False)
            process.start()
            sender.close()
            processes.append(process)
            pipes.append(receiver)
        failure = _wait_until_ready(pipes, processes, lambda: stopping)
        reservation.close()
        if failure is not None:
            logger.error("replicas did not start: %s", failure)
            return 1
        if stopping:
            return 0
        print_line(f"prodplan listening on {settings.host}:{port}")  # the line scripts parse, as without replicas
        logger.info("listening on %s:%d with %d replicas", settings.host, port, replicas)
        while not stopping:
            dead = [p for p in processes if not p.is_alive()]
            if dead:
                logger.error("replica %s exited with %s; stopping the others", dead[0].name, dead[0].exitcode)
                return 1
            time.sleep(0.2)
        return 0
    finally:
        reservation.close()
        _stop_all(processes)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _wait_until_ready(pipes: list[Connection], processes: list[BaseProcess], stopping: Callable[[], bool]
                      ) -> str | None:
    """None once every replica reported ready; otherwise why not."""
    from multiprocessing.connection import wait

    waiting = dict(zip(pipes, processes, strict=True))
    deadline = time.monotonic() + START_TIMEOUT_S
    while waiting and not stopping():
        if time.monotonic() > deadline:
            return f"{len(waiting)} replicas not ready after {START_TIMEOUT_S:.0f} s"
        for ready in wait(list(waiting), timeout=0.2):
            pipe = next(p for p in waiting if p is ready)
            process = waiting.pop(pipe)
            try:
                message = pipe.recv()
            except EOFError:
                process.join(5)
                return f"{process.name} exited during start-up (exit code {process.exitcode})"
            if message[0] != "ready":
                return f"{process.name}: {message[2]}"
    return None


def _stop_all(processes: list[BaseProcess]) -> None:
    """SIGTERM to every live replica (each finishes its running calls), then kill what is left."""
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            logger.error("%s did not stop in %.0f s; killing it", process.name, STOP_TIMEOUT_S)
            process.kill()
            process.join(5)


if __name__ == "__main__":  # pragma: no cover - started through `python -m service`
    sys.exit("use python -m service --replicas N")
