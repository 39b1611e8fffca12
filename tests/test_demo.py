"""`make demo` end to end: a real server process, a real client, the plan, the what-if table, the re-plan, charts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_demo_prints_the_plan_and_writes_the_chart(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "service.demo", "--time-limit", "3", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for heading in ("Demand forecast", "Yield per product and machine", "Equipment risk",
                    "Plan for Gyeongju EV Components", "on time", "Late orders", "Machines (utilization",
                    "Predictions used", "vs. a plan ignoring risk", "Bottlenecks", "What-if comparison:",
                    "risk-aware: chance reserve", "Re-plan after the breakdown:", "operations unchanged"):
        assert heading in result.stdout, heading
    assert "CNC-2" in result.stdout and "PLAN_STATUS_" in result.stdout
    for name in ("gantt.png", "gantt_after_breakdown.png"):
        chart = tmp_path / name
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 20_000
