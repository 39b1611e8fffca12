"""The dispatching-rule start is a complete schedule valid under the core rules (routing, eligibility,
calendars, maintenance, releases), so CP-SAT always starts from a plan; it does not know changeovers or
risk policies, which CP-SAT repairs."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from strategies import plan_requests

from planner.calendar import availability_by_machine
from planner.checker import check_schedule
from planner.demo_factory import demo_request
from planner.demo_plant import plant_grade_request
from planner.domain import PlanRequest
from planner.risk import planning_availability
from planner.scheduling import dispatching
from planner.scheduling.dispatching import best_dispatch, dispatch, hint_objective
from planner.scheduling.model import Hint, with_pauses
from planner.scheduling.priority_rules import (
    FIRST_RULE,
    TARDINESS_RULES,
    Priority,
    _edd,
    _weighted_modified_due_date,
)
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import ScheduledOperation
from planner.testing import order, product, request


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


def test_on_a_deep_backlog_the_weighted_rule_finishes_heavy_work_first() -> None:
    # One machine, every order due before it can start: each one is late whatever goes first, so the weighted
    # tardiness is least in weighted-shortest-processing-time order (weight per minute of work, highest first).
    # The heavy orders are listed last, so due dates (all equal, ties by listing) put them last.
    orders = [order(f"O{k}", "P", quantity=quantity, due=1, weight=weight)
              for k, (quantity, weight) in enumerate([(30, 1.0), (10, 1.0), (20, 1.0), (20, 3.0), (30, 3.0),
                                                      (10, 3.0)])]
    req = request(["M"], [product("P", ("a", ["M"], 1.0))], orders)
    jobs = build_jobs(req)
    available = availability_by_machine(req)
    by_rule = {rule: dispatch(jobs, available, rule) for rule in TARDINESS_RULES}
    value = {rule: hint_objective(req, jobs, hint) for rule, hint in by_rule.items() if hint is not None}
    wspt = sorted(orders, key=lambda o: -o.weight / o.quantity)
    completion = list(itertools.accumulate(o.quantity for o in wspt))
    optimum = sum(o.weight * (end - o.due) for o, end in zip(wspt, completion, strict=True))
    assert value[_weighted_modified_due_date] == pytest.approx(optimum)
    assert value[_edd] > 1.5 * optimum
    best = best_dispatch(req, jobs, available)
    assert best is not None and check_schedule(req, _as_schedule(req, best)) == []
    assert hint_objective(req, jobs, best) == pytest.approx(optimum)  # the best pass wins


def test_with_a_budget_every_rule_runs_without_die_campaigns_before_any_campaign_pass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    req = plant_grade_request()
    passes: list[tuple[Priority, bool]] = []
    real = dispatching.dispatch

    def recorded(*args: Any, **kwargs: Any) -> Hint | None:
        passes.append((args[2], kwargs["die_campaigns"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(dispatching, "dispatch", recorded)
    jobs = build_jobs(req)
    available = planning_availability(req, availability_by_machine(req))
    hint = best_dispatch(req, jobs, available, seconds=60.0)
    placed = hint_assignments(jobs, hint) if hint is not None else None
    assert placed is not None and check_schedule(req, with_pauses(jobs, placed, available)) == []
    campaigns = [with_campaigns for _, with_campaigns in passes]
    assert campaigns == [False] * len(TARDINESS_RULES) + [True] * len(TARDINESS_RULES)
    first_rules = [FIRST_RULE, *(rule for rule in TARDINESS_RULES if rule is not FIRST_RULE)]
    assert [rule for rule, _ in passes[:len(TARDINESS_RULES)]] == first_rules  # due dates first: a short limit's pass
    assert [rule for rule, _ in passes[len(TARDINESS_RULES):]] == first_rules
