"""The RCPSP-CPR benchmark (stock consumed at starts, produced at ends): the `.rcp` reader parses a tiny hand-written
instance and a published one, both solve through `create_plan` to their optimum with a checker-valid plan, the dummy
activities' stock use is ignored as in the reference model, an instance whose stock cannot suffice is decided
infeasible, the best-known values are read from the published result files, and the command line runs the set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import plantrules
from benchmarks.plantrules_cpr import read_best_known, read_cpr, to_plan_request
from planner.checker import check_plan
from planner.plan import create_plan
from planner.status import SolveStatus

PLUS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "scheduling-plus"
BL2002 = PLUS / "rcpsp-cpr-inventory" / "data" / "BL_ConsProd" / "ConsProd_bl2002.rcp"
needs_shared = pytest.mark.skipif(not BL2002.is_file(), reason="shared benchmark data not present")

# Three real activities between the dummies, all able to run at once (capacity 3): a2 (3) produces 2 of S1 at its
# end, a3 (2) consumes {take} at its start, a4 (4) neither. With no initial stock a3 waits for a2: makespan 5; with 2
# on hand it does not: 4. The source "produces" 5 and the sink "consumes" 3: ignored, as in the reference model.
TINY_RCP = """\
5 1 1
3 {stock}
0 0 5 5 3 2 3 4
3 1 0 2 1 5
2 1 {take} 0 1 5
4 1 0 0 1 5
0 0 3 0 0
"""


def _tiny(tmp_path: Path, stock: int, take: int = 2) -> Path:
    path = tmp_path / f"tiny{stock}_{take}.rcp"
    path.write_text(TINY_RCP.format(stock=stock, take=take))
    return path


def test_the_reader_parses_a_hand_written_instance(tmp_path: Path) -> None:
    project = read_cpr(_tiny(tmp_path, 0))
    assert project.durations == [0, 3, 2, 4, 0] and project.capacities == [3] and project.stocks == [0]
    assert project.consumption[2] == [2] and project.production[1] == [2] and project.production[0] == [5]
    assert project.successors[0] == [1, 2, 3] and project.successors[4] == []
    request = to_plan_request(project, 1.0, 1)
    routing = request.factory.products[0].routing
    assert routing[0].produces == [] and routing[4].materials == []  # the dummies' stock use is ignored
    assert [u.material_id for u in routing[1].produces] == ["S1"] and routing[2].materials[0].quantity_per_unit == 2


@pytest.mark.parametrize(("stock", "makespan"), [(0, 5), (2, 4)])
def test_the_tiny_instance_waits_for_produced_stock_only_when_it_must(tmp_path: Path, stock: int,
                                                                      makespan: int) -> None:
    request = to_plan_request(read_cpr(_tiny(tmp_path, stock)), 5.0, 1)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL and plan.stats.objective == pytest.approx(makespan)
    assert check_plan(request, plan) == []


def test_stock_that_cannot_suffice_is_decided_infeasible(tmp_path: Path) -> None:
    plan = create_plan(to_plan_request(read_cpr(_tiny(tmp_path, 0, take=3)), 5.0, 1))
    assert plan.status == SolveStatus.INFEASIBLE
    assert "S1" in " ".join(plan.infeasibility_reasons)


def test_a_malformed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.rcp"
    path.write_text(TINY_RCP.format(stock=0, take=2) + "7\n")
    with pytest.raises(ValueError, match="not an RCPSP-CPR"):
        read_cpr(path)


@needs_shared
def test_a_published_instance_solves_to_its_best_known_makespan() -> None:
    project = read_cpr(BL2002)
    assert len(project.durations) == 22 and project.capacities == [6, 6, 6] and project.stocks == [36, 39, 60]
    request = to_plan_request(project, 10.0, 2)
    plan = create_plan(request)
    assert plan.status.has_solution and plan.stats.objective == pytest.approx(16)
    assert check_plan(request, plan) == []


@needs_shared
def test_best_known_values_come_from_the_published_runs() -> None:
    known = read_best_known(PLUS)
    assert known["BL_ConsProd/ConsProd_bl2002.rcp"] == (16.0, True)
    assert known["Pack_d_ConsProd/ConsProd_Pack001.rcp"] == (612.0, True)
    assert known["BL_ConsProd/ConsProd_bl2507.rcp"] == (None, True)  # proven infeasible
    assert len(known) == 1111


@needs_shared
def test_the_command_line_runs_the_set(tmp_path: Path) -> None:
    out = tmp_path / "cpr.json"
    assert plantrules.main(["cpr", "--time-limit", "5", "--workers", "2", "--json", str(out), str(BL2002)]) == 0
    result = json.loads(out.read_text())
    (record,) = result["instances"]
    assert record["instance"] == "BL_ConsProd/ConsProd_bl2002.rcp" and record["best_known"] == 16
    assert record["ours"]["objective"] == pytest.approx(16) and record["ours"]["checker_problems"] == 0
    assert "pyjobshop" not in result["summary"]
