"""The multi-mode PSPLIB benchmark: the `.mm` reader parses a tiny hand-written instance and a published one (checked
against the file's own numbers and PyJobShop's reader), both solve through `create_plan` to their optimum with a
checker-valid plan, a non-renewable over-demand is proven infeasible, and the command line runs the set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import plantrules
from benchmarks.plantrules_mrcpsp import read_mrcpsp, read_optima, to_plan_request
from planner.checker import check_plan
from planner.plan import create_plan
from planner.status import SolveStatus

PLUS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "scheduling-plus"
J1010_1 = PLUS / "psplib-mrcpsp" / "j10" / "j1010_1.mm"
needs_shared = pytest.mark.skipif(not J1010_1.is_file(), reason="shared benchmark data not present")

# Two real jobs between the dummies, in parallel; job 2 fast (2) with 2 of R1 or slow (5) with 1 of N1, job 3 fast (3)
# with 2 of R1 or slow (4) with 1 of N1. R1 has 2: both fast must run one after the other (5); one N1 unit lets one
# job go slow beside the other's fast mode: max(2, 4) = 4 or max(3, 5) = 5, so the optimum is 4.
TINY_MM = """\
************************************************************************
jobs (incl. supersource/sink ):  4
RESOURCES
  - renewable                 :  1   R
  - nonrenewable              :  1   N
  - doubly constrained        :  0   D
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        2          1           4
   3        2          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  N 1
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     2       2    0
         2     5       0    1
  3      1     3       2    0
         2     4       0    1
  4      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  N 1
    2    {budget}
************************************************************************
"""


def _tiny(tmp_path: Path, budget: int) -> Path:
    path = tmp_path / f"tiny{budget}.mm"
    path.write_text(TINY_MM.format(budget=budget))
    return path


def test_the_reader_reads_modes_demands_and_budgets(tmp_path: Path) -> None:
    project = read_mrcpsp(_tiny(tmp_path, 1))
    assert [len(m) for m in project.modes] == [1, 2, 2, 1]
    assert project.modes[1][1].duration == 5 and project.modes[1][1].nonrenewable == (1,)
    assert project.capacities == [2] and project.budgets == [1]
    assert project.successors == {0: [1, 2], 1: [3], 2: [3], 3: []}


@pytest.mark.parametrize(("budget", "optimum"), [(0, 5), (1, 4), (2, 4)])
def test_the_tiny_instance_solves_to_its_optimum_with_the_modes_the_budget_allows(
        tmp_path: Path, budget: int, optimum: int) -> None:
    request = to_plan_request(read_mrcpsp(_tiny(tmp_path, budget)), time_limit=5, workers=1)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.objective == optimum
    assert check_plan(request, plan) == []
    slow = sum(a.mode_id == "m2" for a in plan.assignments)
    assert slow <= budget


def test_a_non_renewable_over_demand_is_proven_infeasible(tmp_path: Path) -> None:
    project = read_mrcpsp(_tiny(tmp_path, 1))
    project.budgets = [0]
    project.modes[1] = project.modes[1][1:]  # job 2 can only run slow, which needs the N1 unit there is not
    plan = create_plan(to_plan_request(project, time_limit=5, workers=1))
    assert plan.status == SolveStatus.INFEASIBLE
    assert any("N1" in reason for reason in plan.infeasibility_reasons)


@needs_shared
def test_a_published_instance_reads_as_pyjobshop_reads_it_and_solves_to_its_optimum() -> None:
    project = read_mrcpsp(J1010_1)
    assert len(project.modes) == 12 and project.capacities == [11, 9] and project.budgets == [42, 17]
    pyjobshop = pytest.importorskip("pyjobshop")
    data = pyjobshop.read(J1010_1, instance_format="psplib")
    assert len(data.tasks) == len(project.modes)
    assert len(data.modes) == sum(len(m) for m in project.modes)
    request = to_plan_request(project, time_limit=10, workers=1)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.objective == read_optima(PLUS)["j1010_1.mm"][0] == 17
    assert check_plan(request, plan) == []


@needs_shared
def test_the_command_line_runs_the_set(tmp_path: Path) -> None:
    out = tmp_path / "mrcpsp.json"
    assert plantrules.main(["mrcpsp", "--time-limit", "5", "--workers", "1", "--json", str(out), str(J1010_1)]) == 0
    summary = json.loads(out.read_text())["summary"]["ours"]
    assert summary["optimal"] == 1 and summary["mean_gap_to_best_known"] == 0.0
