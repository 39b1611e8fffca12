"""The makespan search for projects (`planner.scheduling.project_search`, its kernel `project_kernel`): it finds the
optimum of small projects, CP-SAT then proves it within the search's makespan, every plan passes the checker, the
search stops when told to or when its time is up, and requests that are not projects keep their path."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.plantrules_readers import Arc, Project, to_plan_request
from planner.checker import check_plan, check_schedule
from planner.domain import EligibleMachine
from planner.plan import create_plan
from planner.scheduling import project_search
from planner.scheduling.tasks import build_jobs
from planner.status import SolveStatus


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    project_search.warm_up()  # as the service's solver processes would at start; else the first search is left out


def _pairs_exclude() -> Project:
    """After a start of no time, three activities of 2 minutes that each hold 2 of the 3 units: one at a time, 6
    minutes. The bounds say less (longest path 2, energy ceil(12 / 3) = 4), so only a search or a proof finds 6. (A
    routing that names no predecessors at all is a chain: the start makes it a graph.)"""
    return Project("pairs", [0, 2, 2, 2], [[0], [2], [2], [2]], [3], [Arc(0, i, 0, False) for i in (1, 2, 3)])


def _search(project: Project, seconds: float = 1.0) -> project_search.ProjectSchedule:
    request = to_plan_request(project, 5.0, 2)
    jobs = build_jobs(request)
    arrays = project_search.as_project(request, jobs)
    assert arrays is not None
    found = project_search.search(request, jobs, arrays, seconds)
    assert found is not None
    assert check_schedule(request, found.placed) == []
    return found


def test_the_search_finds_the_optimum_the_bounds_do_not_prove() -> None:
    found = _search(_pairs_exclude())
    assert found.makespan == 6
    assert found.lower_bound == 4
    assert not found.proven


def test_cp_sat_proves_the_search_plan_within_its_makespan_and_the_checker_passes_it() -> None:
    request = to_plan_request(_pairs_exclude(), 5.0, 2)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.objective == 6
    assert "project search: makespan 6" in plan.stats.notes
    assert check_plan(request, plan) == []


def test_a_plan_at_the_lower_bound_is_returned_as_optimal_without_cp_sat() -> None:
    chain = Project("chain", [3, 4, 5], [[1], [1], [1]], [1], [Arc(0, 1, 0, False), Arc(1, 2, 2, False)])
    request = to_plan_request(chain, 5.0, 2)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.objective == 14  # 3 + 4 + the lag of 2 + 5
    assert plan.stats.notes.startswith("project search: makespan 14 (lower bound 14)")
    assert check_plan(request, plan) == []


@st.composite
def _projects(draw: st.DrawFn) -> Project:
    count = draw(st.integers(2, 8))
    durations = draw(st.lists(st.integers(0, 6), min_size=count, max_size=count))
    capacities = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    demands = [[draw(st.integers(0, c)) for c in capacities] for _ in range(count)]
    arcs = [Arc(i, j, draw(st.integers(0, 2)), False) for i in range(count) for j in range(i + 1, count)
            if draw(st.booleans())]
    return Project("random", durations, demands, capacities, arcs)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_projects())
def test_on_random_projects_the_search_plan_is_checked_and_never_beats_the_proven_optimum(project: Project) -> None:
    found = _search(project, seconds=0.2)
    request = to_plan_request(project, 5.0, 2)
    request = request.model_copy(update={"options": request.options.model_copy(update={"random_seed": 1})})
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert check_plan(request, plan) == []
    assert found.lower_bound <= plan.stats.objective <= found.makespan


def _wide(count: int = 40) -> Project:
    """Many activities in two layers on two tight resources: the bounds are far below any plan, so the search
    runs until it is stopped or out of time."""
    durations = [3 + (7 * i) % 9 for i in range(count)]
    demands = [[1 + (i % 3), 1 + ((i * 5) % 4)] for i in range(count)]
    arcs = [Arc(i, count // 2 + (i * 3) % (count // 2), 0, False) for i in range(count // 2)]
    return Project("wide", durations, demands, [4, 4], arcs)


def test_the_search_honours_should_stop() -> None:
    request = to_plan_request(_wide(), 30.0, 2)
    jobs = build_jobs(request)
    arrays = project_search.as_project(request, jobs)
    assert arrays is not None
    began = time.perf_counter()
    found = project_search.search(request, jobs, arrays, 30.0, should_stop=lambda: True)
    assert time.perf_counter() - began < 2.0  # one generation, not 30 s
    assert found is not None
    assert check_schedule(request, found.placed) == []


def test_the_search_keeps_to_its_time() -> None:
    began = time.perf_counter()
    found = _search(_wide(), seconds=0.3)
    assert time.perf_counter() - began < 2.0  # 0.3 s and the checker, with room for a loaded machine
    assert found.seconds < 1.0


def test_requests_that_are_not_projects_keep_their_path() -> None:
    start_to_start = Project("ss", [3, 4], [[1], [1]], [1], [Arc(0, 1, 0, True)])
    request = to_plan_request(start_to_start, 5.0, 2)
    assert project_search.as_project(request, build_jobs(request)) is None
    plan = create_plan(request)
    assert "project search" not in plan.stats.notes
    assert check_plan(request, plan) == []
    on_a_machine = to_plan_request(_pairs_exclude(), 5.0, 2)
    routing = [op.model_copy(update={"eligible_machines": [EligibleMachine(machine_id="unused")]})
               for op in on_a_machine.factory.products[0].routing]
    product = on_a_machine.factory.products[0].model_copy(update={"routing": routing})
    on_a_machine = on_a_machine.model_copy(update={"factory": on_a_machine.factory.model_copy(
        update={"products": [product]})})
    assert project_search.as_project(on_a_machine, build_jobs(on_a_machine)) is None


def test_a_project_is_planned_by_cp_sat_alone_while_the_kernel_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project_search, "ready", lambda: False)
    monkeypatch.setattr(project_search, "_compile_in_background", lambda: None)
    request = to_plan_request(_pairs_exclude(), 5.0, 2)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.objective == 6
    assert "project search" not in plan.stats.notes
    assert check_plan(request, plan) == []
