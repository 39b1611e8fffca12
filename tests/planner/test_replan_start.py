"""The re-plan's start (`planner.replanning.replan_start`) on the plant-grade demo's breakdown (CNC-3 down Wednesday
10:00 for 12 h, 2 h frozen): complete where the released plan less the moved operations is not, so the die rule
gets its hint; kept work where it was, nothing else before the re-plan time, checker-clean; and the re-plan is
never worse than it, also when CP-SAT returns nothing."""

from __future__ import annotations

import time

import pytest

from planner import plan as planning
from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.demo_plant import plant_grade_request
from planner.domain import PlanRequest
from planner.replanning import replan_start as start_module
from planner.replanning.replan import MachineBreakdown, apply_disruptions, kept_operations, replan
from planner.replanning.replan_start import replan_objective, replan_start, start_assignments
from planner.risk import planning_availability
from planner.scheduling.rules.die_mounts import has_dies
from planner.scheduling.rules.modes import alternative_key
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult
from planner.status import SolveStatus

BREAKDOWN_AT = 2 * 1440 + 4 * 60  # Wednesday 10:00 local, as in `service.demo`
BREAKDOWN = [MachineBreakdown(machine_id="CNC-3", start=BREAKDOWN_AT, repair_end=BREAKDOWN_AT + 12 * 60)]
FROZEN = 120


@pytest.fixture(autouse=True)
def every_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """All passes of the start, whatever the time limit and the load: the start a test computes is the re-plan's."""
    monkeypatch.setattr(start_module, "START_SHARE", 100.0)


@pytest.fixture(scope="module")
def released() -> tuple[PlanRequest, PlanResult]:
    req = plant_grade_request(time_limit_seconds=3.0, num_workers=2)
    plan = planning.create_plan(req)
    assert plan.status.has_solution
    return req, plan


def _start_inputs(req: PlanRequest, plan: PlanResult):  # type: ignore[no-untyped-def]
    new = apply_disruptions(req, BREAKDOWN, BREAKDOWN_AT)
    kept, reasons = kept_operations(new, plan, BREAKDOWN, BREAKDOWN_AT, FROZEN)
    previous = {(a.order_id, a.operation_index): (alternative_key(a.machine_id, a.mode_id), a.start)
                for a in plan.assignments}
    return new, kept, reasons, previous


def test_the_start_is_complete_keeps_the_frozen_work_and_passes_the_checker(
        released: tuple[PlanRequest, PlanResult]) -> None:
    req, plan = released
    new, kept, reasons, previous = _start_inputs(req, plan)
    jobs = build_jobs(new)
    assert has_dies(new) and reasons and kept
    old_hint = {key: placed for key, placed in previous.items() if key not in reasons}
    assert hint_assignments(jobs, old_hint) is None  # what re-planning hinted before: incomplete, no die hint
    available = planning_availability(new, availability_by_machine(new))
    start = replan_start(new, jobs, available, kept, previous, set(reasons), BREAKDOWN_AT, 5.0, 30.0)
    assert start is not None
    hint, value = start
    assert value > 0
    placed = start_assignments(jobs, hint, available)
    assert placed is not None and check_schedule(new, placed) == []
    assert all(hint[key] == where for key, where in kept.items())
    assert all(start_minute >= BREAKDOWN_AT for key, (_, start_minute) in hint.items() if key not in kept)
    assert not any(a.machine_id == "CNC-3" and a.start < BREAKDOWN_AT + 720 and a.end > BREAKDOWN_AT
                   for a in placed)


def test_the_replan_is_checker_clean_and_no_worse_than_its_start(released: tuple[PlanRequest, PlanResult]) -> None:
    req, plan = released
    new, kept, reasons, previous = _start_inputs(req, plan)
    jobs = build_jobs(new)
    start = replan_start(new, jobs, planning_availability(new, availability_by_machine(new)), kept, previous,
                         set(reasons), BREAKDOWN_AT, 5.0, 30.0)
    assert start is not None
    # 10 s: every pass of the start runs here (2 s at load 4.6), and the pinned start is planned only in the time
    # left inside the limit (`replan_start.MIN_SOLVE_SECONDS` at least), which a loaded machine must not eat up.
    limited = req.model_copy(update={"options": req.options.model_copy(update={"time_limit_seconds": 10.0})})
    result = replan(limited, plan, BREAKDOWN, BREAKDOWN_AT, frozen_minutes=FROZEN)
    assert result.plan.status.has_solution, result.summary
    assert check_plan(result.request, result.plan, result.overdue_maintenance) == []
    value = replan_objective(result.request, result.plan, previous, 5.0, 30.0)
    assert value <= start[1] + 1e-6


def test_when_cp_sat_returns_nothing_the_start_is_planned_as_it_is(
        released: tuple[PlanRequest, PlanResult], monkeypatch: pytest.MonkeyPatch) -> None:
    req, plan = released
    calls: list[int] = []

    def first_finds_nothing(request: PlanRequest, hint=None, extensions=()):  # type: ignore[no-untyped-def]
        calls.append(len(extensions))
        if len(calls) == 1:
            return PlanResult(status=SolveStatus.NO_SOLUTION_IN_TIME)
        return planning.create_plan(request, hint=hint, extensions=extensions)

    monkeypatch.setattr(start_module, "create_plan", first_finds_nothing)
    # 10 s: every pass of the start runs here (2 s at load 4.6), and the pinned start is planned only in the time
    # left inside the limit (`replan_start.MIN_SOLVE_SECONDS` at least), which a loaded machine must not eat up.
    limited = req.model_copy(update={"options": req.options.model_copy(update={"time_limit_seconds": 10.0})})
    began = time.perf_counter()
    result = replan(limited, plan, BREAKDOWN, BREAKDOWN_AT, frozen_minutes=FROZEN)
    assert time.perf_counter() - began <= 10.0 + 1.0  # the pinned start inside the limit (1 s: a loaded machine)
    assert calls == [1, 2]  # the solve, then the start with every operation pinned
    assert result.plan.status.has_solution
    assert check_plan(result.request, result.plan, result.overdue_maintenance) == []
    new, kept, reasons, previous = _start_inputs(req, plan)
    jobs = build_jobs(new)
    start = replan_start(new, jobs, planning_availability(new, availability_by_machine(new)), kept, previous,
                         set(reasons), BREAKDOWN_AT, 5.0, 30.0)
    assert start is not None
    assert {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in result.plan.assignments} == start[0]
