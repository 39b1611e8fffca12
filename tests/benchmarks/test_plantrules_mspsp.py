"""The MSPSP (multi-skill) reader: a tiny hand-written `.dzn` solves through `create_plan` to its optimum with a
checker-valid plan; a published set-1 instance is read as its file says and matched with its optimum; the command
line writes its summary without a peer (PyJobShop reads no MSPSP format)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import plantrules
from benchmarks.plantrules_mspsp import read_mspsp, read_optima, to_plan_request
from planner.checker import check_plan
from planner.plan import create_plan
from planner.status import SolveStatus
from planner.validation import find_violations

PLUS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "scheduling-plus"
SET_1 = PLUS / "mspsp-multiskill" / "instances" / "set-1" / "set-1a"
FIRST = SET_1 / "inst_set1a_sf0.5_nc1.5_n20_m10_00.dzn"
needs_shared = pytest.mark.skipif(not FIRST.is_file(), reason="shared benchmark data not present")

# Two real activities of 4 and 3 between two dummies. a1 needs two welders (skill 1), a2 one welder and one
# grinder (skill 2); W1 welds, W2 welds and grinds, W3 grinds. Both need W1 or W2 twice over: they cannot
# overlap (a2 could take W1 + W3, but a1 takes both welders), so the makespan is 7.
TINY = """\
% a hand-written instance
mint = 4;
nActs = 4;
dur = [0,4,3,0];
nSkills = 2;
sreq = [| 0,0,
    | 2,0,
    | 1,1,
    | 0,0, |];
nResources = 3;
mastery = [| true,false,
    | true,true,
    | false,true, |];
nPrecs = 4;
pred = [1,1,2,3];
succ = [2,3,4,4];
"""


def test_a_tiny_instance_solves_to_its_optimum_with_a_valid_plan(tmp_path: Path) -> None:
    path = tmp_path / "tiny.dzn"
    path.write_text(TINY)
    project = read_mspsp(path)
    assert project.durations == [0, 4, 3, 0]
    assert project.needs[2] == [1, 1]
    assert project.precedences == [(0, 1), (0, 2), (1, 3), (2, 3)]
    request = to_plan_request(project, time_limit=5.0, workers=1)
    assert find_violations(request) == []
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.objective == 7
    assert check_plan(request, plan) == []


@needs_shared
def test_a_published_instance_is_read_as_its_file_says_and_has_its_optimum() -> None:
    project = read_mspsp(FIRST)
    assert len(project.durations) == 22 and len(project.mastery) == 10
    assert project.durations[:4] == [0, 9, 8, 9]
    assert project.needs[2] == [0, 3, 1, 0]
    assert project.mastery[2] == [True, False, False, False]
    assert len(project.precedences) == 31 and project.precedences[0] == (0, 1)
    assert find_violations(to_plan_request(project, 10.0, 2)) == []
    optima = read_optima(PLUS)
    assert len(optima) == 216
    assert optima[FIRST.name] == (61.0, True)


@needs_shared
def test_the_command_solves_an_instance_and_writes_its_summary(tmp_path: Path) -> None:
    out = tmp_path / "mspsp.json"
    assert plantrules.main(["mspsp", "--time-limit", "10", "--workers", "1", "--peers", "--json", str(out),
                            str(FIRST)]) == 0
    result = json.loads(out.read_text())
    record = result["instances"][0]
    assert "pyjobshop" not in record  # no peer reads MSPSP
    assert record["ours"]["checker_problems"] == 0
    assert record["ours"]["objective"] <= record["best_known"] * 1.02
