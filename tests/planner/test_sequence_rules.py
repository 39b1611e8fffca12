"""Sequence rules: "run A's operation before B's on machine M" binds when both run on M and only then, the
checker catches a plan that breaks it, bad rules are refused with the rule's field, and the `run_before`
scenario delta adds one (cancelling an order drops the rules that name it)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import PlanRequest, RunningOperation, SequenceRule, WorkInProgress
from planner.plan import create_plan
from planner.replanning.deltas import CancelOrder, RunBefore
from planner.replanning.scenarios import apply_deltas
from planner.risk import planning_availability
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult
from planner.status import SolveStatus
from planner.testing import order, product, request
from planner.validation import InvalidPlanRequest, find_violations


def _rule(before: str, after: str, machine: str = "M1", before_op: str = "op", after_op: str = "op") -> SequenceRule:
    return SequenceRule(machine_id=machine, before_order_id=before, before_operation_id=before_op,
                        after_order_id=after, after_operation_id=after_op)


def _one_machine(*rules: SequenceRule) -> PlanRequest:
    """A (100 min) and B (100 min, weight 3), both due at 100 on M1: without a rule B goes first."""
    base = request(["M1"], [product("P", ("op", ["M1"], 1.0))],
                   [order("A", "P", quantity=100, due=100), order("B", "P", quantity=100, due=100, weight=3.0)],
                   horizon=1000, time_limit=5.0)
    return base.model_copy(update={"sequence_rules": list(rules)})


def _solve(plan_request: PlanRequest) -> PlanResult:
    plan = create_plan(plan_request)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(plan_request, plan) == []
    return plan


def _starts(plan: PlanResult) -> dict[str, int]:
    return {a.order_id: a.start for a in plan.assignments}


def test_a_rule_binds_where_it_goes_against_the_objective() -> None:
    free, ruled = _solve(_one_machine()), _solve(_one_machine(_rule("A", "B")))
    assert _starts(free)["B"] < _starts(free)["A"]
    assert _starts(ruled)["A"] + 100 <= _starts(ruled)["B"]
    assert ruled.stats.objective > free.stats.objective


def test_a_rule_the_plan_keeps_anyway_changes_nothing() -> None:
    free, ruled = _solve(_one_machine()), _solve(_one_machine(_rule("B", "A")))
    assert ruled.stats.objective == pytest.approx(free.stats.objective)
    assert _starts(ruled)["B"] < _starts(ruled)["A"]


def test_a_rule_does_not_bind_when_the_operations_run_on_different_machines() -> None:
    """With M2 eligible too, A and B run side by side and nothing is late: the rule on M1 only says
    which goes first where both run on M1."""
    base = request(["M1", "M2"], [product("P", ("op", ["M1", "M2"], 1.0))],
                   [order("A", "P", quantity=100, due=100), order("B", "P", quantity=100, due=100, weight=3.0)],
                   horizon=1000)
    plan = _solve(base.model_copy(update={"sequence_rules": [_rule("A", "B")]}))
    assert plan.stats.objective == pytest.approx(0.0)
    assert len({a.machine_id for a in plan.assignments}) == 2


def test_a_rule_is_void_once_its_later_operation_runs() -> None:
    """B's cut runs on M1 at plan start: nothing can go before it any more, so "A's cut before B's" is void
    (kept, it would make every plan impossible)."""
    base = request(["M1", "M2"], [product("P", ("cut", ["M1"], 1.0), ("mill", ["M2"], 1.0))],
                   [order("A", "P", quantity=10), order("B", "P", quantity=10)], horizon=1000)
    running = WorkInProgress(running=RunningOperation(operation_id="cut", machine_id="M1", remaining_minutes=50))
    started = base.model_copy(update={
        "orders": [o.model_copy(update={"work_in_progress": running}) if o.id == "B" else o for o in base.orders],
        "sequence_rules": [_rule("A", "B", before_op="cut", after_op="cut")]})
    assert find_violations(started) == []
    plan = _solve(started)
    assert min(a.start for a in plan.assignments if a.order_id == "A") >= 50


def test_the_checker_names_a_plan_that_breaks_the_rule() -> None:
    ruled = _one_machine(_rule("A", "B"))
    free = _solve(_one_machine())  # B first: breaks "A before B"
    problems = check_schedule(ruled, free.assignments)
    assert len(problems) == 1 and "sequence rule" in problems[0] and "B (op)" in problems[0]


# --- validation --------------------------------------------------------------------------------------

def _two_step() -> PlanRequest:
    """A and B of P: cut on M1, then mill on M2 (M3 eligible for nothing)."""
    return request(["M1", "M2", "M3"], [product("P", ("cut", ["M1"], 1.0), ("mill", ["M2"], 1.0))],
                   [order("A", "P", quantity=10), order("B", "P", quantity=10)], horizon=1000)


def _fields(plan_request: PlanRequest) -> set[str]:
    return {v.field for v in find_violations(plan_request)}


@pytest.mark.parametrize(("rule", "field"), [
    (_rule("A", "B", machine="X", before_op="cut", after_op="cut"), "sequence_rules[0].machine_id"),
    (_rule("Z", "B", before_op="cut", after_op="cut"), "sequence_rules[0].before_order_id"),
    (_rule("A", "Z", before_op="cut", after_op="cut"), "sequence_rules[0].after_order_id"),
    (_rule("A", "B", before_op="nope", after_op="cut"), "sequence_rules[0].before_operation_id"),
    (_rule("A", "B", before_op="cut", after_op="nope"), "sequence_rules[0].after_operation_id"),
    (_rule("A", "B", machine="M3", before_op="cut", after_op="cut"), "sequence_rules[0].machine_id"),
    (_rule("A", "B", machine="M2", before_op="cut", after_op="mill"), "sequence_rules[0].machine_id"),
    (_rule("A", "A", before_op="cut", after_op="cut"), "sequence_rules[0].after_order_id"),
])
def test_a_bad_rule_is_refused_with_its_field(rule: SequenceRule, field: str) -> None:
    assert _fields(_two_step().model_copy(update={"sequence_rules": [rule]})) == {field}


def test_rules_that_form_a_cycle_with_the_routings_are_refused() -> None:
    """B's mill before A's on M2 and A's cut before B's on M1 hold together; but A's mill before B's cut
    (through the routings: A cut < A mill < B cut < B mill < A mill) cannot."""
    fine = [_rule("B", "A", machine="M2", before_op="mill", after_op="mill"),
            _rule("A", "B", machine="M1", before_op="cut", after_op="cut")]
    assert _fields(_two_step().model_copy(update={"sequence_rules": fine})) == set()
    loop = [_rule("B", "A", machine="M2", before_op="mill", after_op="mill"),
            _rule("A", "B", machine="M1", before_op="cut", after_op="cut"),
            _rule("A", "B", machine="M2", before_op="mill", after_op="mill")]
    violations = find_violations(_two_step().model_copy(update={"sequence_rules": loop}))
    assert [v.field for v in violations] == ["sequence_rules[2]"]
    assert "cycle" in violations[0].reason and "A/mill" in violations[0].reason


@settings(max_examples=12, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from("ABC")), min_size=1, max_size=4))
def test_any_accepted_set_of_rules_is_kept_by_the_plan(pairs: list[tuple[str, str]]) -> None:
    """Random rules on one machine: refused exactly when one names an order twice or they form a cycle;
    otherwise the plan keeps every one of them (the checker re-derives them)."""
    base = request(["M1"], [product("P", ("op", ["M1"], 1.0))],
                   [order(o, "P", quantity=q, due=50) for o, q in (("A", 30), ("B", 20), ("C", 10))],
                   horizon=1000, time_limit=3.0)
    ruled = base.model_copy(update={"sequence_rules": [_rule(b, a) for b, a in pairs]})
    arcs = {(b, a) for b, a in pairs}
    reachable = {(x, y) for x, y in arcs}
    for _ in range(3):
        reachable |= {(x, z) for x, y in reachable for y2, z in reachable if y == y2}
    refused = any(b == a for b, a in pairs) or any(x == y for x, y in reachable)
    if refused:
        assert find_violations(ruled)
        return
    jobs = build_jobs(ruled)
    start = best_dispatch(ruled, jobs, planning_availability(ruled, availability_by_machine(ruled)))
    placed = hint_assignments(jobs, start) if start is not None else None
    assert placed is not None and check_schedule(ruled, placed) == []  # the dispatching start keeps them too
    plan = _solve(ruled)
    starts = _starts(plan)
    assert all(starts[b] < starts[a] for b, a in pairs)


# --- the run_before delta ----------------------------------------------------------------------------

def test_run_before_adds_a_rule_that_a_solve_from_scratch_keeps() -> None:
    changed = apply_deltas(_one_machine(), [RunBefore(machine_id="M1", before_order_id="A", before_operation_id="op",
                                                      after_order_id="B", after_operation_id="op")])
    assert changed.sequence_rules == [_rule("A", "B")]
    plan = _solve(changed)
    assert _starts(plan)["A"] < _starts(plan)["B"]


def test_a_bad_run_before_is_named_on_the_delta() -> None:
    bad = [RunBefore(machine_id="X", before_order_id="A", before_operation_id="op", after_order_id="B",
                     after_operation_id="op"),
           RunBefore(machine_id="M1", before_order_id="A", before_operation_id="op", after_order_id="A",
                     after_operation_id="op"),
           RunBefore(machine_id="M1", before_order_id="B", before_operation_id="op", after_order_id="A",
                     after_operation_id="op")]
    with pytest.raises(InvalidPlanRequest) as error:
        apply_deltas(_one_machine(_rule("A", "B")), bad)
    assert {v.field for v in error.value.violations} == {
        "deltas[0].run_before.machine_id", "deltas[1].run_before.after_order_id", "deltas[2].run_before"}


def test_cancelling_an_order_drops_the_rules_that_name_it() -> None:
    changed = apply_deltas(_one_machine(_rule("A", "B")), [CancelOrder(order_id="B")])
    assert changed.sequence_rules == [] and [o.id for o in changed.orders] == ["A"]
