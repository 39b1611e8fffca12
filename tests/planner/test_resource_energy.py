"""The resource-energy bound on the makespan (`planner.scheduling.rules.resources.energy_lower_bound`) and the
start's makespan as the bound of a small makespan model (`planner.scheduling.model._cap_by_start`): the energy says
what the longest path does not, it never exceeds a proven optimum, it leaves out orders whose operations may end
after their last one, and a project keeps being solved to a plan the checker passes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.plantrules_readers import Arc, Project, to_plan_request
from planner.checker import check_plan
from planner.domain import EligibleMachine
from planner.plan import create_plan
from planner.scheduling import project_search
from planner.scheduling.rules.resources import energy_lower_bound, manual_work_only
from planner.scheduling.tasks import build_jobs
from planner.status import SolveStatus


def _bound(project: Project) -> int:
    request = to_plan_request(project, 5.0, 2)
    return energy_lower_bound(request, build_jobs(request))


def _parallel(durations: list[int], arcs: list[Arc] | None = None) -> Project:
    """Activities without precedence that each need the whole of the one resource: they run one at a time."""
    return Project("parallel", durations, [[2] for _ in durations], [2], arcs or [])


def test_work_that_needs_the_whole_resource_adds_up_where_the_longest_path_is_one_activity() -> None:
    assert _bound(_parallel([3, 4, 5])) == 12
    half = Project("half", [3, 4, 5], [[1], [1], [1]], [2])
    assert _bound(half) == 6  # ceil(12 / 2)


def test_the_solver_reports_the_energy_as_its_bound_and_proves_it() -> None:
    project = _parallel([3, 4, 5])
    request = to_plan_request(project, 5.0, 2)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.objective == 12
    assert plan.stats.best_bound >= 12
    assert check_plan(request, plan) == []


def test_an_order_with_a_start_to_start_link_is_left_out() -> None:
    """b may start with a (lag 0 from a's start) and a may then end after b, the order's last: no bound from it."""
    assert _bound(_parallel([3, 4], [Arc(0, 1, 0, True)])) == 0
    assert _bound(_parallel([3, 4], [Arc(0, 1, 0, False)])) == 7


@st.composite
def _projects(draw: st.DrawFn) -> Project:
    count = draw(st.integers(2, 7))
    durations = draw(st.lists(st.integers(0, 6), min_size=count, max_size=count))
    capacities = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    demands = [[draw(st.integers(0, c)) for c in capacities] for _ in range(count)]
    arcs = [Arc(i, j, 0, False) for i in range(count) for j in range(i + 1, count) if draw(st.booleans())]
    return Project("random", durations, demands, capacities, arcs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_projects())
def test_the_bound_never_exceeds_a_proven_optimum_and_plans_pass_the_checker(project: Project) -> None:
    request = to_plan_request(project, 5.0, 2)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert check_plan(request, plan) == []
    assert _bound(project) <= plan.stats.objective


def test_a_project_is_solved_within_its_starts_makespan_without_the_start_as_hint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Manual work only, makespan, a start the checker passes: the start's makespan bounds CP-SAT, with no hint (the
    path of a project while the project search is not compiled yet, `planner.scheduling.project_search`)."""
    monkeypatch.setattr(project_search, "ready", lambda: False)
    monkeypatch.setattr(project_search, "_compile_in_background", lambda: None)
    project = Project("chain", [2, 3, 4, 1], [[1], [2], [1], [2]], [2], [Arc(0, 1, 0, False), Arc(1, 3, 0, False)])
    request = to_plan_request(project, 5.0, 2)
    plan = create_plan(request)
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.stats.objective == 8  # a2 (4 min, 1 unit) fits beside a0 only, a1 and a3 take both units: 4 + 3 + 1
    assert "the start's makespan as upper bound, no hint" in plan.stats.notes
    assert check_plan(request, plan) == []
    assert manual_work_only(build_jobs(request))


def test_work_on_a_machine_is_no_project() -> None:
    request = to_plan_request(_parallel([3, 4]), 5.0, 2)
    product = request.factory.products[0]
    on_unused = [EligibleMachine(machine_id="unused")]
    routing = [op.model_copy(update={"eligible_machines": on_unused}) for op in product.routing]
    on_machine = request.model_copy(update={"factory": request.factory.model_copy(
        update={"products": [product.model_copy(update={"routing": routing})]})})
    assert not manual_work_only(build_jobs(on_machine))
