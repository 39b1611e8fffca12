"""Published job-shops through `create_plan` (the CreatePlan path) reach their optima, every schedule
passes the solver-independent checker, and the peer models solve ft06 with the seed they are given."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.instances import ShopInstance, best_known, read_jobshop, to_plan_request
from benchmarks.jobshop import _as_assignments
from benchmarks.peers import solve_pyjobshop, solve_textbook
from planner.checker import check_plan, check_schedule
from planner.plan import create_plan
from planner.status import SolveStatus

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "jobshop"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared benchmark data not present")
# Generous: these normally solve to optimality in well under a second.
TIME_LIMIT = 10.0


@needs_shared
@pytest.mark.parametrize(
    "path",
    ["FisherThompson1963/ft06.txt"] + [f"Lawrence1984/la0{i}.txt" for i in range(1, 6)],
)
def test_create_plan_reaches_the_optimum(path: str) -> None:
    file = SHARED / path
    request = to_plan_request(read_jobshop(file), TIME_LIMIT, num_workers=2)
    plan = create_plan(request)
    optimum = best_known(file)["upper_bound"]  # type: ignore[index]
    assert check_plan(request, plan) == []
    assert plan.kpis is not None and plan.kpis.makespan_minutes == optimum
    assert plan.stats.objective == optimum


def test_tiny_flexible_job_shop_is_solved_to_optimum_and_checked() -> None:
    # Job 1 needs machine 0 for [0, 2) and machine 1 for [2, 5); job 0's first operation takes 3 min on
    # machine 1 or 4 min on machine 0, then 2 min on machine 0. Every lower bound says 5, but no
    # placement of job 0's first operation reaches it: the optimum is 6 (machine 1 for [0, 3)).
    instance = ShopInstance(
        "tiny-flex", 2,
        (
            (((0, 4), (1, 3)), ((0, 2),)),
            (((0, 2),), ((1, 3),)),
        ),
    )
    request = to_plan_request(instance, TIME_LIMIT, num_workers=2)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert check_plan(request, plan) == []
    assert plan.stats.objective == plan.stats.best_bound == 6


@needs_shared
def test_textbook_peer_solves_ft06_and_passes_the_checker() -> None:
    instance = read_jobshop(SHARED / "FisherThompson1963" / "ft06.txt")
    outcome = solve_textbook(instance, TIME_LIMIT, num_workers=2)
    assert outcome.status == "OPTIMAL"
    assert outcome.makespan == 55
    request = to_plan_request(instance, TIME_LIMIT, num_workers=2)
    assert check_schedule(request, _as_assignments(instance, outcome.placements)) == []


@needs_shared
def test_pyjobshop_peer_runs_with_the_requested_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    # The benchmark's --seed must reach every solver: an unseeded peer repeats one search in every
    # "seed" of a comparison and looks more robust than it is.
    pytest.importorskip("pyjobshop")
    from ortools.sat.python import cp_model

    seeds = []
    original = cp_model.CpSolver.solve

    def recording_solve(self, model, *args, **kwargs):  # type: ignore[no-untyped-def]
        seeds.append(self.parameters.random_seed)
        return original(self, model, *args, **kwargs)

    monkeypatch.setattr(cp_model.CpSolver, "solve", recording_solve)
    instance = read_jobshop(SHARED / "FisherThompson1963" / "ft06.txt")
    outcome = solve_pyjobshop(instance, TIME_LIMIT, num_workers=2, seed=7)
    assert seeds == [7]
    assert outcome.makespan == 55
    request = to_plan_request(instance, TIME_LIMIT, num_workers=2)
    assert check_schedule(request, _as_assignments(instance, outcome.placements)) == []
