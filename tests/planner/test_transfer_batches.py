"""Transfer batches: the next operation starts once the first batch is done (binding only where its
machine is free), the checker catches plans that start too early (also random ones, against a batch-by-batch
count), the dispatching start and short time limits respect them, and bad batches are reported."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import Objective, Operation, PlanRequest, Product, RunningOperation, WorkInProgress
from planner.plan import create_plan
from planner.scheduling.dispatching import MAKESPAN_RULES, TARDINESS_RULES, dispatch
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations


def _batched(op: Operation, units: int | None) -> Operation:
    return op.model_copy(update={"transfer_batch_units": units})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _cast_then_machine(batch: int | None, machining_run: float = 1.0, other_work: bool = False) -> PlanRequest:
    """60 castings at 1 min on DC, then machining on CNC; optionally 100 min of other work on CNC."""
    routing = [operation("cast", ["DC"]), _batched(operation("machine", ["CNC"], machining_run), batch)]
    products = [Product(id="P", routing=routing), Product(id="Q", routing=[operation("mill", ["CNC"])])]
    orders = [order("A", "P", 60)] + ([order("B", "Q", 100)] if other_work else [])
    return request(["DC", "CNC"], products, orders, objective=Objective.MAKESPAN, time_limit=5.0)


def test_transfer_batches_overlap_the_operations_when_the_next_machine_is_free() -> None:
    assert _solve(_cast_then_machine(None)).stats.objective == 120
    assert _solve(_cast_then_machine(10)).stats.objective == 70  # machining starts after the first 10 castings
    # Slower machining: the first batch decides; faster machining: the last batch does (60 + 10 x 0.5).
    assert _solve(_cast_then_machine(10, machining_run=2.0)).stats.objective == 130
    assert _solve(_cast_then_machine(10, machining_run=0.5)).stats.objective == 65


def test_transfer_batches_change_nothing_when_the_next_machine_is_busy_anyway() -> None:
    whole, batched = _solve(_cast_then_machine(None, other_work=True)), _solve(_cast_then_machine(10, other_work=True))
    assert whole.stats.objective == batched.stats.objective == 160


def test_checker_catches_machining_that_starts_before_the_first_batch() -> None:
    req = _cast_then_machine(10)
    plan = _solve(req)
    early = [a.model_copy(update={"start": a.start - 1, "end": a.end - 1}) if a.operation_index == 1 else a
             for a in plan.assignments]
    assert any("transfer batches of 10 units" in p for p in check_schedule(req, early))


def _batch_by_batch_delay(setup_a: int, run_a: int, setup_b: int, run_b: int, processed: int, batch: int) -> int:
    """The earliest start of the next operation after the previous one's start, batch by batch: batch i must be
    done on the previous machine (setup plus its share of the run, rounded up) before the next machine, running
    without a break, reaches it (setup plus the share of the run before it, rounded down). It may be negative:
    a long setup on the next machine can begin before the previous operation starts."""
    earliest, done_units, before_units = -(10**9), 0, 0
    while done_units < processed:
        done_units = min(done_units + batch, processed)
        done_at = setup_a + -(-run_a * done_units // processed)
        reached_after = setup_b + run_b * before_units // processed
        earliest = max(earliest, done_at - reached_after)
        before_units = done_units
    return earliest


@st.composite
def _batched_plans(draw: st.DrawFn) -> tuple[PlanRequest, list[ScheduledOperation], int]:
    """Two operations with random setups, run times, quantity and batch, the second starting `shift` minutes from
    its batch-by-batch earliest start (negative: too early). Returns the shift."""
    quantity, batch = draw(st.integers(1, 80)), draw(st.integers(1, 40))
    setup_a, setup_b = draw(st.integers(0, 30)), draw(st.integers(0, 30))
    run_a, run_b = draw(st.sampled_from([0.25, 0.5, 1.0, 1.5, 3.0])), draw(st.sampled_from([0.25, 0.5, 1.0, 2.0]))
    routing = [operation("op0", ["M0"], run_a, setup_a), _batched(operation("op1", ["M1"], run_b, setup_b), batch)]
    req = request(["M0", "M1"], [Product(id="P", routing=routing)], [order("A", "P", quantity)], horizon=100_000)
    length_a, length_b = (setup_a + -(-quantity * run_a // 1)), setup_b + -(-quantity * run_b // 1)
    delay = _batch_by_batch_delay(setup_a, int(length_a - setup_a), setup_b, int(length_b - setup_b), quantity, batch)
    # A long setup on the next machine may even let it start before the previous operation (delay < 0).
    shift, start_a = draw(st.integers(-40, 60)), draw(st.integers(80, 180))
    placed = [ScheduledOperation(order_id="A", product_id="P", operation_id="op0", operation_index=0, machine_id="M0",
                                 start=start_a, end=start_a + int(length_a), quantity=quantity),
              ScheduledOperation(order_id="A", product_id="P", operation_id="op1", operation_index=1, machine_id="M1",
                                 start=start_a + delay + shift, end=start_a + delay + shift + int(length_b),
                                 quantity=quantity)]
    return req, placed, shift


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_batched_plans())
def test_checker_agrees_with_a_batch_by_batch_count(case: tuple[PlanRequest, list[ScheduledOperation], int]) -> None:
    req, placed, shift = case
    problems = check_schedule(req, placed)
    if shift >= 0:
        assert problems == []
    else:
        assert len(problems) == 1 and "transfer batches" in problems[0]


# --- dispatching start, short time limits, work in progress ---------------------------------------

def _plant(orders: int, time_limit: float) -> PlanRequest:
    routing = [operation("cast", ["DC-1", "DC-2"], 1.0), _batched(operation("machine", ["CNC-1", "CNC-2"], 1.5), 8),
               _batched(operation("inspect", ["QC"], 0.25), 20)]
    placed = [order(f"O{i}", "P", 20 + 9 * (i % 7), due=150 + 35 * i, weight=1 + i % 3) for i in range(orders)]
    return request(["DC-1", "DC-2", "CNC-1", "CNC-2", "QC"], [Product(id="P", routing=routing)], placed,
                   horizon=20_000, time_limit=time_limit)


def test_every_dispatching_rule_keeps_the_transfer_batches() -> None:
    req = _plant(8, 2.0)
    jobs = build_jobs(req)
    for rule in (*TARDINESS_RULES, *MAKESPAN_RULES):
        hint = dispatch(jobs, availability_by_machine(req), rule)
        assert hint is not None
        placed = hint_assignments(jobs, hint)
        assert placed is not None and check_schedule(req, placed) == [], rule.__name__
        overlapping = [o for o in range(8) if hint[(f"O{o}", 1)][1] < hint[(f"O{o}", 0)][1] + 20 + 9 * (o % 7)]
        assert overlapping, "no order took its castings in batches"


def test_a_very_short_time_limit_still_gives_a_plan_that_keeps_the_transfer_batches() -> None:
    req = _plant(60, 0.05)
    for objective in Objective:
        short = req.model_copy(update={"options": req.options.model_copy(update={"objective": objective})})
        plan = create_plan(short)
        assert plan.status.has_solution and check_plan(short, plan) == []


def test_after_a_running_operation_the_whole_lot_is_awaited() -> None:
    running = WorkInProgress(done_operation_ids=["cast"], running=RunningOperation(
        operation_id="machine", machine_id="CNC-1", remaining_minutes=40))
    req = _plant(1, 2.0)
    req = req.model_copy(update={"orders": [req.orders[0].model_copy(update={"work_in_progress": running})]})
    placed = {a.operation_index: a for a in _solve(req).assignments}
    assert placed[1].start == 0 and placed[2].start >= 40  # no batch count for a lot already running
    moved = [a.model_copy(update={"start": 30, "end": 35}) if a.operation_index == 2 else a
             for a in placed.values()]
    assert any("before its predecessor ends" in p for p in check_schedule(req, moved))


# --- validation ----------------------------------------------------------------------------------

def test_bad_transfer_batches_are_each_reported() -> None:
    routing = [_batched(operation("cast", ["DC"]), 5), _batched(operation("machine", ["CNC"]), 0),
               _batched(operation("heat", ["HT"]), 10).model_copy(update={"min_lag_minutes": 60})]
    req = request(["DC", "CNC", "HT"], [Product(id="P", routing=routing)], [order("A", "P", 5)])
    fields = {v.field: v.reason for v in find_violations(req)}
    path = "factory.products[0].routing"
    assert fields == {
        f"{path}[0].transfer_batch_units": "the first operation of a routing has no previous operation to take "
                                           "batches from",
        f"{path}[1].transfer_batch_units": "must be more than 0",
        f"{path}[2].transfer_batch_units": "time lags and a transfer batch do not combine on one operation",
    }
