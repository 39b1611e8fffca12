"""The plant-rule benchmark: the PSPLIB and ProGen/max readers parse real instances as published (checked against
the files' own numbers and PyJobShop's reader), a tiny hand-written instance of each format solves through
`create_plan` to its known optimum with a checker-valid plan, an instance known to be infeasible is proven so,
and the command line writes its summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks import plantrules
from benchmarks.plantrules_readers import Arc, Project, read_best_known, read_psplib, read_rcpsp_max, to_plan_request
from planner.checker import check_plan
from planner.domain import PlanRequest
from planner.plan import create_plan
from planner.solution import PlanResult
from planner.status import SolveStatus
from planner.validation import find_violations

PLUS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "scheduling-plus"
J301_1 = PLUS / "psplib-rcpsp" / "j30" / "j301_1.sm"
PSP1 = PLUS / "rcpsp-max" / "sm_j10" / "PSP1.SCH"
needs_shared = pytest.mark.skipif(not J301_1.is_file(), reason="shared benchmark data not present")

TINY_SM = """\
************************************************************************
jobs (incl. supersource/sink ):  5
RESOURCES
  - renewable                 :  1   R
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           5
   4        1          1           5
   5        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1
------------------------------------------------------------------------
  1      1     0       0
  2      1     3       2
  3      1     4       2
  4      1     2       1
  5      1     0       0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1
    3
************************************************************************
"""
"""Activities 2 and 3 need 2 of 3 units: they cannot overlap, so 3 + 4 = 7 (2 -> 4 runs beside 3: 3 + 2 = 5 <= 7)."""

TINY_SCH = """\
2\t1\t0\t0
0\t1\t2\t1\t2\t[0]\t[0]
1\t1\t2\t2\t3\t[1]\t[3]
2\t1\t2\t1\t3\t[-3]\t[4]
3\t1\t0
0\t1\t0\t0
1\t1\t3\t1
2\t1\t4\t1
3\t1\t0\t0
1
"""
"""Activity 2 starts 1 to 3 min after activity 1 starts (arcs 1 -> 2 lag 1, 2 -> 1 lag -3); both need the one unit
of the resource, and 1 lasts 3, so 2 starts exactly when 1 ends. Optimum: 1 at 0, 2 at 3, end 7."""


def _solve(text: str, name: str, tmp_path: Path,
           reader: Callable[[Path], Project]) -> tuple[Project, PlanRequest, PlanResult]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    project = reader(path)
    request = to_plan_request(project, time_limit=5.0, workers=1)
    assert find_violations(request) == []
    plan = create_plan(request)
    return project, request, plan


def test_a_tiny_psplib_instance_solves_to_its_optimum(tmp_path: Path) -> None:
    project, request, plan = _solve(TINY_SM, "tiny.sm", tmp_path, read_psplib)
    assert project.durations == [0, 3, 4, 2, 0] and project.capacities == [3]
    assert Arc(0, 1, 0, False) in project.arcs and len(project.arcs) == 5
    assert plan.status == SolveStatus.OPTIMAL and plan.stats.objective == pytest.approx(7.0)
    assert check_plan(request, plan) == []


def test_a_tiny_rcpsp_max_instance_keeps_its_maximum_lag(tmp_path: Path) -> None:
    project, request, plan = _solve(TINY_SCH, "tiny.sch", tmp_path, read_rcpsp_max)
    assert Arc(2, 1, -3, True) in project.arcs and project.durations == [0, 3, 4, 0]
    assert plan.status == SolveStatus.OPTIMAL and plan.stats.objective == pytest.approx(7.0)
    assert check_plan(request, plan) == []
    starts = {a.operation_id: a.start for a in plan.assignments}
    assert 1 <= starts["a2"] - starts["a1"] <= 3


def test_a_maximum_lag_the_resource_cannot_keep_is_proven_infeasible(tmp_path: Path) -> None:
    tight = TINY_SCH.replace("[-3]", "[-2]")  # 2 must start within 2 of 1's start, but 1 holds the unit for 3
    _, _, plan = _solve(tight, "tight.sch", tmp_path, read_rcpsp_max)
    assert plan.status == SolveStatus.INFEASIBLE and "maximum time lags" in plan.infeasibility_reasons[0]


@needs_shared
def test_the_psplib_reader_matches_the_published_file_and_pyjobshop() -> None:
    pyjobshop = pytest.importorskip("pyjobshop")
    project = read_psplib(J301_1)
    assert len(project.durations) == 32 and project.capacities == [12, 13, 4, 12]
    assert project.durations[1] == 8 and project.demands[1] == [4, 0, 0, 0]
    assert project.durations[5] == 8 and project.demands[5] == [0, 0, 0, 8]
    peer = pyjobshop.read(J301_1, instance_format="psplib")
    assert [r.capacity for r in peer.resources] == project.capacities
    assert sorted(m.duration for m in peer.modes) == sorted(project.durations)
    assert len(project.arcs) == len(peer.constraints.end_before_start)


@needs_shared
def test_the_rcpsp_max_reader_matches_the_published_file_and_solves_to_the_optimum() -> None:
    pyjobshop = pytest.importorskip("pyjobshop")
    project = read_rcpsp_max(PSP1)
    assert len(project.durations) == 12 and project.capacities == [5, 5, 5, 5, 5]
    assert project.durations[2] == 10 and project.demands[2] == [1, 0, 3, 0, 0]
    peer = pyjobshop.read(PSP1, instance_format="rcpsp_max")
    assert sorted((c.task1, c.task2, c.delay) for c in peer.constraints.start_before_start) == \
        sorted((a.before, a.after, a.lag) for a in project.arcs)
    known = read_best_known("rcpsp-max", PLUS)
    assert known["sm_j10/PSP1.SCH"] == (26.0, True) and known["sm_j10/PSP2.SCH"] == (None, True)
    request = to_plan_request(project, time_limit=5.0, workers=1)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL and plan.stats.objective == pytest.approx(26.0)
    assert check_plan(request, plan) == []


@needs_shared
def test_the_command_writes_its_summary(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    assert plantrules.main(["rcpsp", str(J301_1), "--time-limit", "5", "--workers", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["instances"][0]["best_known"] == 43.0
    summary = result["summary"]["ours"]
    assert summary["optimal"] == 1 and summary["mean_gap_to_best_known"] == pytest.approx(0.0)
    assert result["instances"][0]["ours"]["checker_problems"] == 0
    assert result["versions"]["ortools"] and result["parameters"]["time_limit_seconds"] == 5.0
    assert plantrules.main(["osp", str(J301_1)]) == 2  # not an OSP instance: says so, solves nothing
