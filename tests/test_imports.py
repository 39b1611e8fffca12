"""OR-Tools and highspy both bundle libhighs.so.1: they must import in either order (fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("first,second", [("ortools.linear_solver.pywraplp", "highspy"),
                                          ("highspy", "ortools.linear_solver.pywraplp")])
def test_ortools_and_highspy_import_in_either_order(first: str, second: str) -> None:
    code = (f"import {first}, {second}\n"
            "import highspy\n"
            "h = highspy.Highs(); h.setOptionValue('output_flag', False)\n"
            "from ortools.sat.python import cp_model\n"
            "m = cp_model.CpModel(); x = m.new_int_var(0, 3, 'x'); m.maximize(x)\n"
            "s = cp_model.CpSolver(); assert s.solve(m) == cp_model.OPTIMAL\n"
            "print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_planner_and_forecaster_do_not_import_grpc() -> None:
    code = ("import sys, planner.plan, planner.scheduling.dispatching, planner.gantt\n"
            "import importlib.util\n"
            "if importlib.util.find_spec('forecaster'): import forecaster\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('grpc', 'prodplan', 'service')]\n"
            "assert not bad, bad\n"
            "assert 'torch' not in sys.modules or importlib.util.find_spec('forecaster')\n"
            "print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_planner_does_not_import_torch() -> None:
    code = "import sys, planner.plan, planner.scheduling.dispatching\nassert 'torch' not in sys.modules\nprint('ok')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
