"""`python -m console.launch start|stop|status`: the gRPC server and the console, detached, in the background.

`make demo` ends with `start` on the demo's plan store, so that the address it prints opens the console with the
demo's plans in it; `make stop` runs `stop`. Both processes run in their own session (closing the terminal does
not stop them), write their output to `server.log` and `console.log` and leave `server.pid` and `console.pid` in a
state folder (out/ for the demo), where a later `stop`, or the next `start` (which stops the previous pair first),
finds them. Nothing waits forever: `start` waits at most `timeout_s` for the server's health check and the
console's plan list to answer, and stops what it started when they do not.

This module only starts processes (`python -m service`, `python -m console`); like the rest of the console it
imports nothing of the service, the planner or the forecaster.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVER, CONSOLE = "server", "console"
MODULES = {SERVER: "service", CONSOLE: "console"}
"""Which `python -m` module each process runs; a pid file is trusted only while its process still runs it."""

PORT_TRIES = 20
"""Ports tried above the preferred one (8080, 8081, ...) before any free port is taken."""

STOP_GRACE_S = 15.0


class LaunchError(RuntimeError):
    """The server or the console did not come up in time (the message ends with the tail of its log)."""


@dataclass(frozen=True)
class Launched:
    """A running pair: process ids, the gRPC address and the console's URL."""

    server_pid: int
    console_pid: int
    grpc_address: str
    console_url: str


def free_port(host: str, preferred: int, tries: int = PORT_TRIES) -> int:
    """`preferred` when nothing listens there, else the next free port above it, else any free port (0: any)."""
    candidates = [preferred + step for step in range(tries) if preferred and preferred + step < 65536]
    for port in [*candidates, 0]:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            bound: int = probe.getsockname()[1]
            return bound
    raise LaunchError(f"no free port on {host}")


def start(state_dir: Path, db: str, *, host: str = "127.0.0.1", grpc_port: int = 50051, console_port: int = 8080,
          model_dir: str = "", timeout_s: float = 90.0) -> Launched:
    """Stop the pair this folder remembers, start the server on `db` and the console in front of it, wait until
    both answer, and return where they are. On failure both are stopped and LaunchError says why."""
    state_dir.mkdir(parents=True, exist_ok=True)
    stop(state_dir)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if model_dir:
        env["PRODPLAN_MODEL_DIR"] = model_dir
    grpc_port = free_port(host, grpc_port)
    grpc_address = f"[{host}]:{grpc_port}" if ":" in host else f"{host}:{grpc_port}"
    deadline = time.monotonic() + timeout_s
    try:
        server = _spawn(state_dir, SERVER, ["--host", host, "--port", str(grpc_port), "--db", db,
                                            "--log-level", "WARNING"], env)
        _wait_serving(server, grpc_address, deadline, state_dir / f"{SERVER}.log")
        console_port = free_port(host, console_port)
        console = _spawn(state_dir, CONSOLE, ["--grpc", grpc_address, "--host", host, "--port", str(console_port)], env)
        url = f"http://{'[' + host + ']' if ':' in host else host}:{console_port}/"
        _wait_http(console, f"{url}api/plans", deadline, state_dir / f"{CONSOLE}.log")
    except BaseException:
        stop(state_dir)
        raise
    return Launched(server.pid, console.pid, grpc_address, url)


def stop(state_dir: Path) -> list[int]:
    """Stop the console and the server this folder's pid files name (console first); return the ids stopped.

    A pid file whose process is gone, or now runs something else, is only removed."""
    stopped = []
    for name in (CONSOLE, SERVER):
        pid_file = state_dir / f"{name}.pid"
        pid = _read_pid(pid_file)
        if pid is not None and _runs(pid, MODULES[name]):
            _terminate(pid)
            stopped.append(pid)
        pid_file.unlink(missing_ok=True)
    return stopped


def running(state_dir: Path) -> dict[str, int]:
    """The processes of this folder's pid files that still run: name -> pid."""
    pids = {name: _read_pid(state_dir / f"{name}.pid") for name in (SERVER, CONSOLE)}
    return {name: pid for name, pid in pids.items() if pid is not None and _runs(pid, MODULES[name])}


def _spawn(state_dir: Path, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    with open(state_dir / f"{name}.log", "wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([sys.executable, "-m", MODULES[name], *args], stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    (state_dir / f"{name}.pid").write_text(f"{process.pid}\n")
    return process


def _wait_serving(process: subprocess.Popen[bytes], address: str, deadline: float, log: Path) -> None:
    """Until the server's health check says SERVING (or the process ends, or the deadline passes)."""
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            _check_alive(process, "the gRPC server", log)
            try:
                answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            _wait_or_fail(deadline, f"the gRPC server did not answer on {address}", log)


def _wait_http(process: subprocess.Popen[bytes], url: str, deadline: float, log: Path) -> None:
    """Until GET `url` answers 200 (the console's plan list: the console is up and reaches the server)."""
    while True:
        _check_alive(process, "the console", log)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        _wait_or_fail(deadline, f"the console did not answer at {url}", log)


def _check_alive(process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    if process.poll() is not None:
        raise LaunchError(f"{what} exited with code {process.returncode}\n{_tail(log)}")


def _wait_or_fail(deadline: float, message: str, log: Path) -> None:
    if time.monotonic() > deadline:
        raise LaunchError(f"{message} in time\n{_tail(log)}")
    time.sleep(0.25)


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _runs(pid: int, module: str) -> bool:
    """Whether `pid` is alive and, where /proc tells, still runs `python -m module` (a pid can be reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: not ours to stop
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return any(a == b"-m" and b == module.encode() for a, b in itertools.pairwise(args))


def _terminate(pid: int) -> None:
    """SIGTERM to the process's group (its solver workers too), SIGKILL after the grace period; reaped if ours."""
    group = _own_group(pid)
    _signal(pid, group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        _signal(pid, group, signal.SIGKILL)
        while _alive(pid) and time.monotonic() < deadline + 5:
            time.sleep(0.1)


def _own_group(pid: int) -> bool:
    """The process leads its own process group (started here with a new session)."""
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def _signal(pid: int, group: bool, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        if group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # our own child: reap it, else it lingers as a zombie
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console.launch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    started = commands.add_parser("start", help="(re)start the server and the console in the background")
    started.add_argument("--db", required=True, help="plan store of the server (SQLite file or postgresql:// URL)")
    started.add_argument("--host", default="127.0.0.1", help="address both listen on (default 127.0.0.1)")
    started.add_argument("--grpc-port", type=int, default=50051, help="gRPC port, or the next free one (0: any)")
    started.add_argument("--port", type=int, default=8080, help="console port, or the next free one (0: any)")
    started.add_argument("--model-dir", default="", help="model registry of the server (PRODPLAN_MODEL_DIR)")
    started.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for both to answer")
    for command in (started, commands.add_parser("stop", help="stop the pair started from --dir"),
                    commands.add_parser("status", help="say whether the pair of --dir runs")):
        command.add_argument("--dir", type=Path, default=Path("out"), help="pid files and logs (default out/)")
    args = parser.parse_args(argv)
    if args.command == "stop":
        pids = stop(args.dir)
        print(f"stopped {', '.join(map(str, pids))}" if pids else f"nothing from {args.dir} was running")
        return 0
    if args.command == "status":
        alive = running(args.dir)
        print(", ".join(f"{name} {pid}" for name, pid in alive.items()) or "not running")
        return 0 if len(alive) == 2 else 1
    try:
        launched = start(args.dir, args.db, host=args.host, grpc_port=args.grpc_port, console_port=args.port,
                         model_dir=args.model_dir, timeout_s=args.timeout)
    except LaunchError as error:
        print(f"could not start the console: {error}", file=sys.stderr)
        return 1
    print(f"\nThe console is at {launched.console_url} with the plans of {args.db} "
          f"(gRPC server {launched.grpc_address}).\n"
          f"Both run in the background (logs and pid files in {args.dir}/); `make stop` stops them "
          f"(python -m console.launch stop --dir {args.dir}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
