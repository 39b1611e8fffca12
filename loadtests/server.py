"""The server under test: start `python -m service --port 0` as a child process, read its address, stop it;
and read a process's resident memory from /proc (no psutil needed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT_S = 120.0
LISTENING = "prodplan listening on "


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    address: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM (graceful: running calls get 5 s), then SIGKILL if it has not exited in `timeout_s`."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


def start_server(db: Path, env: dict[str, str] | None = None, log_level: str = "WARNING",
                 log: Path | None = None, variant: list[str] | None = None) -> ServerProcess:
    """Start the server on 127.0.0.1 and a free port with plan store `db`, its log (stderr) to `log` when given;
    return once it listens. `variant` (options of `loadtests.variant`) starts that drop-in instead."""
    module = ["loadtests.variant", *variant] if variant is not None else ["service"]
    with open(log, "w", encoding="utf-8") if log is not None else open(os.devnull, "w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", *module, "--host", "127.0.0.1", "--port", "0", "--log-level", log_level,
             "--db", str(db)],
            stdout=subprocess.PIPE, stderr=errors if log is not None else None, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    assert process.stdout is not None
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            tail = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
            raise RuntimeError(f"the server exited with code {process.wait()} before listening\n{tail}")
        if line.startswith(LISTENING):
            return ServerProcess(process, line.removeprefix(LISTENING).strip())
    process.kill()
    raise TimeoutError(f"the server did not listen within {STARTUP_TIMEOUT_S:.0f} s")


def log_levels(log: Path) -> dict[str, int]:
    """Lines per level in the server's key=value log (`level=WARNING ...`), e.g. one per refused call."""
    counts: dict[str, int] = {}
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return counts
    for line in text.splitlines():
        if " level=" in line:
            level = line.split(" level=", 1)[1].split(" ", 1)[0]
            counts[level] = counts.get(level, 0) + 1
    return dict(sorted(counts.items()))


def rss_mb(pid: int) -> float | None:
    """Resident memory of one process (VmRSS), in MiB; None when it is gone or /proc is unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (the solver pool's forkserver and its workers), from /proc children lists."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found.extend(children)
            pending.extend(children)
    return found


def serving_pids(pid: int) -> list[int]:
    """The processes that serve calls: `pid` itself, or with `--replicas N` its replica processes (its
    spawned children) as well; solver pools and multiprocessing helpers are left out."""
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(int(child))
    return found


def serving_rss_mb(pid: int) -> float | None:
    """Resident memory of the serving processes (see `serving_pids`), in MiB."""
    sizes = [rss_mb(p) for p in serving_pids(pid)]
    return None if sizes[0] is None else sum(r for r in sizes if r is not None)


def tree_rss_mb(pid: int) -> float | None:
    """Resident memory of `pid` and all its descendants, in MiB (shared pages are counted in each)."""
    own = rss_mb(pid)
    if own is None:
        return None
    return own + sum(r for child in descendants(pid) if (r := rss_mb(child)) is not None)
