"""Fixtures of the console tests: the demo plant's request (short time limit) and a console in front of a real
gRPC server on port 0 (the shared `planning_server` fixture)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ServerHandle
from starlette.testclient import TestClient

from console.app import create_app
from console.client import ChannelConfig

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "create_plan.json"
TIME_LIMIT_S = 2


def demo_request_json(time_limit_s: int = TIME_LIMIT_S) -> dict[str, Any]:
    """The demo plant (80 orders, 11 machines) in protobuf JSON, cheap to solve: short limit, 1 worker, no
    counterfactual plans."""
    request: dict[str, Any] = json.loads(EXAMPLE.read_text())
    request["options"].update(timeLimit=f"{time_limit_s}s", numWorkers=1, skipPredictionEffects=True)
    return request


def ndjson(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def demo_request() -> dict[str, Any]:
    """A fresh copy of the demo request (tests change it)."""
    return demo_request_json()


@pytest.fixture(scope="module")
def console(planning_server: ServerHandle) -> Iterator[TestClient]:
    with TestClient(create_app(ChannelConfig(planning_server.address))) as client:
        yield client


@pytest.fixture(scope="module")
def demo_plan_id(console: TestClient) -> str:
    """A stored demo plan, made through the console (explanations in English)."""
    lines = ndjson(console.post("/api/plans", json={"request": demo_request_json(), "locale": "en"}).text)
    assert "result" in lines[-1], lines[-1]
    plan_id: str = lines[-1]["result"]["planId"]
    return plan_id
