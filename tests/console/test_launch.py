"""`make demo`'s last step (console/launch.py): the gRPC server and the console started detached on a plan store,
both answering before `start` returns, the console's plan list showing the stored plans, a second `start`
replacing the first pair, and `stop` leaving no process behind (solver workers included)."""

from __future__ import annotations

import json
import os
import socket
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from processes import MARK, kill, proc_available, wait_until_none_left

from console import launch

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plant_materials.json"


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def create_plan(console_url: str) -> str:
    """A small plan (5 orders, 1 s) made through the console; its id."""
    request = json.loads(EXAMPLE.read_text())
    request["options"].update(timeLimit="1s", numWorkers=1, skipPredictionEffects=True)
    body = json.dumps({"request": request, "locale": "en"}).encode()
    call = urllib.request.Request(f"{console_url}api/plans", data=body, method="POST",
                                  headers={"content-type": "application/json"})
    with urllib.request.urlopen(call, timeout=120) as response:
        last = json.loads(response.read().decode().strip().splitlines()[-1])
    assert "result" in last, last
    plan_id: str = last["result"]["planId"]
    return plan_id


@pytest.mark.skipif(not proc_available(), reason="needs /proc to find the processes the launcher started")
def test_start_lists_the_stored_plans_restart_replaces_the_pair_and_stop_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mark = f"launch-{uuid.uuid4().hex}"
    monkeypatch.setenv(MARK, mark)  # the launched processes inherit it, and so do their solver workers
    state, db = tmp_path / "out", str(tmp_path / "plans.db")
    try:
        first = launch.start(state, db, grpc_port=0, console_port=0, timeout_s=120)
        assert launch.running(state) == {"server": first.server_pid, "console": first.console_pid}
        plan_id = create_plan(first.console_url)

        again = launch.start(state, db, grpc_port=0, console_port=0, timeout_s=120)  # `make demo` run twice
        assert {again.server_pid, again.console_pid}.isdisjoint({first.server_pid, first.console_pid})
        assert launch.running(state) == {"server": again.server_pid, "console": again.console_pid}
        listed = get_json(f"{again.console_url}api/plans")["plans"]
        assert plan_id in [p["planId"] for p in listed]
        assert (state / "server.log").exists() and (state / "console.log").exists()
    finally:
        stopped = launch.stop(state)
        left = wait_until_none_left(mark, 20)
        kill(left)
    assert len(stopped) == 2 and left == [], left
    assert launch.running(state) == {} and not list(state.glob("*.pid"))
    assert launch.stop(state) == []  # stopping twice is harmless


def test_a_taken_port_moves_to_the_next_free_one() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        chosen = launch.free_port("127.0.0.1", port)
    assert chosen != port and chosen > 0


def test_a_stale_pid_file_is_only_removed(tmp_path: Path) -> None:
    (tmp_path / "server.pid").write_text("999999999\n")
    (tmp_path / "console.pid").write_text(f"{os.getpid()}\n")  # alive, but not `python -m console`
    assert launch.stop(tmp_path) == []
    assert not list(tmp_path.glob("*.pid"))


def test_a_server_that_cannot_start_is_reported_with_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODPLAN_SOLVER_PROCESSES", "0")  # refused by the server's settings: it exits at once
    with pytest.raises(launch.LaunchError, match=r"(?s)exited with code .*solver_processes"):
        launch.start(tmp_path, str(tmp_path / "plans.db"), grpc_port=0, console_port=0, timeout_s=60)
    assert launch.running(tmp_path) == {} and not list(tmp_path.glob("*.pid"))
