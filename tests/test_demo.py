"""`make demo` end to end: a real server process, a real client, the plant-grade plan (furnace loads, resource use,
material waits, work in progress), the what-if table, the re-plan, charts."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from processes import MARK, kill, proc_available, wait_until_none_left


def test_demo_prints_the_plan_and_writes_the_chart(tmp_path: Path) -> None:
    mark = f"demo-{uuid.uuid4().hex}"
    result = subprocess.run([sys.executable, "-m", "service.demo", "--time-limit", "3", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=300, env={**os.environ, MARK: mark})
    assert result.returncode == 0, result.stderr
    if proc_available():  # the server, its fork server, solver workers and helpers all stop with the demo
        left = wait_until_none_left(mark, timeout_s=15)
        kill(left)
        assert not left, "still running after the demo:\n" + "\n".join(map(str, left))
    for heading in ("Demand forecast", "Yield per product and machine", "Equipment risk",
                    "Plan for Gyeongju EV Components, plant 2 (plant-grade)", "on time", "Late orders",
                    "Machines (utilization", "Furnace loads (", "Resource use", "Material waits (",
                    "Work in progress at plan start", "Late orders held back by a plant rule",
                    "Predictions used", "vs. a plan ignoring risk", "Bottlenecks", "What-if comparison:",
                    "risk-aware: chance reserve", "Re-plan after the breakdown:", "operations unchanged"):
        assert heading in result.stdout, heading
    assert "CNC-2" in result.stdout and "PLAN_STATUS_" in result.stdout
    assert "HT-1" in result.stdout and "BRG-6207" in result.stdout and "setter" in result.stdout
    for name in ("gantt.png", "gantt_after_breakdown.png"):
        chart = tmp_path / name
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 20_000


def test_the_replan_report_lists_maintenance_changes() -> None:
    from datetime import UTC, datetime

    from planner.demo_factory import demo_request
    from prodplan.v1 import planning_service_pb2 as pb
    from service import demo_report
    from service.mapping import to_timestamp

    request = demo_request()
    response = pb.ReplanResponse(summary="Re-planned.")
    response.maintenance_changes.add(machine_id="CNC-2", change="MOVED", reason="CNC-2 broken down",
                                     old_start=to_timestamp(datetime(2026, 3, 2, 6, tzinfo=UTC)),
                                     new_start=to_timestamp(datetime(2026, 3, 2, 9, tzinfo=UTC)))
    response.maintenance_changes.add(machine_id="DC-1", change="REMOVED", reason="no longer needed",
                                     old_start=to_timestamp(datetime(2026, 3, 2, 6, tzinfo=UTC)))
    report = demo_report.replan_summary(response, request).splitlines()
    assert report[-2].startswith("    maintenance of CNC-2 MOVED: Mon 02 Mar ") and "(CNC-2 broken down)" in report[-2]
    assert report[-1].startswith("    maintenance of DC-1 REMOVED: Mon 02 Mar ") and "-> removed" in report[-1]
