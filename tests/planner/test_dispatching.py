"""The dispatching-rule start is a complete schedule valid under the core rules (routing, eligibility,
calendars, maintenance, releases), so CP-SAT always starts from a plan; it does not know changeovers or
risk policies, which CP-SAT repairs."""

from __future__ import annotations

from hypothesis import given, settings
from strategies import plan_requests

from planner.calendar import availability_by_machine
from planner.checker import check_schedule
from planner.demo_factory import demo_request
from planner.domain import PlanRequest
from planner.scheduling.dispatching import best_dispatch, hint_objective
from planner.scheduling.tasks import build_jobs
from planner.solution import ScheduledOperation


def _as_schedule(req: PlanRequest, hint: dict[tuple[str, int], tuple[str, int]]) -> list[ScheduledOperation]:
    placed = []
    for job in build_jobs(req):
        for task in job.tasks:
            machine_id, start = hint[(task.order_id, task.index)]
            alternative = task.alternative(machine_id)
            assert alternative is not None
            placed.append(ScheduledOperation(
                order_id=task.order_id, product_id=task.product_id, operation_id=task.operation_id,
                operation_index=task.index, machine_id=machine_id, start=start, end=start + alternative.duration,
                quantity=task.quantity))
    return placed


def test_demo_factory_dispatch_is_valid_and_beats_nothing_placed() -> None:
    req = demo_request()
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    assert check_schedule(req, _as_schedule(req, hint)) == []
    assert hint_objective(req, jobs, hint) >= 0


@settings(max_examples=80, deadline=None)
@given(plan_requests(max_orders=8, predictions=False))
def test_dispatch_schedules_pass_the_checker(req: PlanRequest) -> None:
    hint = best_dispatch(req, build_jobs(req), availability_by_machine(req))
    if hint is not None:  # None only when some operation finds no room before the horizon
        assert check_schedule(req, _as_schedule(req, hint)) == []
