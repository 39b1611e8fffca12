"""Finding the processes a test started, wherever they ended up in the process tree.

Every process inherits its parent's environment, so a variable set before a process is started marks
it and everything it starts in turn: a server, its solver pool's fork server and workers, a manager.
Orphans that were re-parented to init carry the mark as well, which the process tree would not show.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

MARK = "PRODPLAN_TEST_PROCESS_MARK"
"""Environment variable whose value marks the processes that one test run (or one test) started."""


@dataclass(frozen=True)
class MarkedProcess:
    pid: int
    parent: int
    command: str

    def __str__(self) -> str:
        return f"pid {self.pid} (parent {self.parent}): {self.command[:160]}"


def marked_processes(value: str, exclude: set[int] | None = None) -> list[MarkedProcess]:
    """The live processes (zombies left out) whose environment has MARK=value."""
    wanted = f"{MARK}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (exclude or set()):
            continue
        try:
            if wanted not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if fields[0] != "Z":
            found.append(MarkedProcess(int(entry.name), int(fields[1]), command))
    return found


def wait_until_none_left(value: str, timeout_s: float, exclude: set[int] | None = None) -> list[MarkedProcess]:
    """Wait up to `timeout_s` for every process marked `value` to exit; return those still running."""
    deadline = time.monotonic() + timeout_s
    while (left := marked_processes(value, exclude)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def kill(processes: list[MarkedProcess]) -> None:
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)


def proc_available() -> bool:
    return Path("/proc/self/environ").exists()
