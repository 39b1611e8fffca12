"""Fixes for late orders as typed scenario deltas, verified by re-solving the plan with each one applied.

A fix is a change a client can apply with CompareScenarios (`planner.deltas`), with its cost in the
plan's own terms. Candidates per late order, in the order they are tried and offered (`_TIERS`): first those that add
capacity, whose effect held when the plan was solved again from scratch, then those that only re-sequence,
whose effect depends on the search (docs/FIXES.md has the measurements); cheapest first within a kind:
1. EARLIER_RELEASE: release it earlier by the time it lacks (only when it is released after plan start);
2. MOVE_MAINTENANCE: move the maintenance window it waited for to after its operation;
3. OVERTIME: extra working time on the machine where it lost the most time, right after the shifts
   from the day it waited, in whole hours sized to the time lost (all of it, then half, then a quarter),
   never a whole night more than needed;
4. MACHINE: run the operation that waited longest on another of its eligible machines, the least busy
   during the wait first (an `AssignMachine` delta: a hard constraint of the scenario, which a solve
   from scratch cannot trade away; no working time added, its cost is the lateness it pushes onto the
   orders that machine ran, which the verification measures);
5. PRIORITY: raise the order's weight so the planner runs it earlier: a preference, which a solve from
   scratch often paid for with the other orders' lateness although the neighbourhood re-solve measured
   the plan as not worse;
6. DUE_DATE: a date agreed with the customer at its planned completion, only when nothing else helped.

Verification re-solves the request with the fix applied, warm-started from the plan (its schedule as
the CP-SAT hint), inside a time budget shared by all late orders, latest order first. The re-solve may
move the order's operations, the operations on its machines and on the machines the fix changes from
its release to its completion, and every later operation of their orders; the rest of the plan is held
(`neighbourhood`), so that a second or two measure the fix on a plant of a hundred orders. A candidate
is offered only when the re-solved plan (a complete, valid plan) makes the order less late without
making the plan's weighted lateness worse, judged with the request's own weights and due times (a
PRIORITY fix's raised weight never hides the lateness it pushes onto others); the texts state only those
measured effects. A solve from scratch with the fix applied may do better or, within a short time
limit, worse: `benchmarks.fixes` measures how often the order still gains.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planner.calendar import availability_by_machine, available_intervals, unavailable_intervals
from planner.deltas import (
    AssignMachine,
    ChangeDueDate,
    ChangeRelease,
    ChangeWeight,
    ExtraWorkingTime,
    MoveMaintenance,
    ScenarioDelta,
)
from planner.domain import NO_MACHINE, PlanRequest, TimeWindow
from planner.explain import local_time
from planner.fix_texts import describe
from planner.kpis import order_results
from planner.risk import planning_availability
from planner.rules import MaintenanceVars, TaskVars
from planner.scenarios import apply_deltas
from planner.scheduling import Hint, ModelExtension, solve_schedule
from planner.solution import Bottleneck, Fix, LateOrderExplanation, PlanResult, ScheduledOperation, planned_request
from planner.tasks import build_jobs

MAX_VERIFY_SHARE = 0.5
"""At most this share of the request's time limit goes to verifying fixes."""
MIN_SOLVE_SECONDS = 1.0
"""A re-solve shorter than this rarely gets past building the model of a plant of 100 orders: not worth starting."""
MIN_ORDER_SECONDS = 2.0
"""Each late order verified gets at least this long; orders the budget cannot reach keep unverified candidates."""
MAX_OVERTIME_PER_DAY = 8 * 60
OVERTIME_STEPS = (1, 2, 4)
"""Overtime candidates: all, half and a quarter of the working time lost (whole hours), tried in that order, so
that the order's whole need is what a short budget verifies (a quarter first removed 62 % of the lateness today's
fixes removed, the whole need 86 %: docs/FIXES.md); among verified ones the smallest comes first."""
PRIORITY_FACTOR = 20.0
"""The raised weight: this many times the highest weight of any order, so that it goes first, also in the
dispatching-rule start of a solve from scratch (a factor of 4 often left the order where it was there)."""
RELEASE_SLACK = 60
"""A release binds when the order's first operation starts within this many minutes of it."""
TOLERANCE = 1e-6
MAX_MACHINE_CANDIDATES = 2
"""Other eligible machines tried for the operation that waited longest, the least busy during the wait first."""
MAX_VERIFIED = 2
"""Verified fixes per late order: after two, the other candidates are not tried (a budget of seconds rarely reaches
them; the first verified kinds are the ones offered first)."""


@dataclass(frozen=True)
class Candidate:
    """A fix before verification: its deltas and cost."""

    kind: str
    changes: list[ScenarioDelta]
    extra_working_minutes: int = 0
    moved_minutes: int = 0
    from_machine: str = ""
    """MACHINE: where the plan ran the operation (for the text)."""


@dataclass(frozen=True)
class Measured:
    """The order's and the plan's lateness after re-solving with a candidate applied."""

    order_lateness: int
    weighted_lateness: float
    pushed: float


def verification_budget(request: PlanRequest) -> float:
    """Seconds of the time limit kept for verifying fixes: the option, at most half the limit."""
    options = request.options
    wanted = options.verify_fixes_seconds if math.isfinite(options.verify_fixes_seconds) else 0.0
    return max(0.0, min(wanted, options.time_limit_seconds * MAX_VERIFY_SHARE))


def attach_fixes(request: PlanRequest, plan: PlanResult, budget_seconds: float,
                 should_stop: Callable[[], bool] | None = None) -> PlanResult:
    """The plan with typed fixes on each late-order explanation and the extra-hour delta on each bottleneck.

    With a budget, candidates are verified by re-solving (latest order first, until the budget is
    spent); orders the budget did not reach, and every order without a budget, keep their candidates
    unverified (no DUE_DATE among them)."""
    planned = _detailed_request(request, plan)
    hint: Hint = {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in plan.assignments}
    deadline = time.monotonic() + budget_seconds
    before = _weighted(planned, plan.assignments)  # once: at 2,000 orders, once per late order took 23 s
    explained = []
    for position, explanation in enumerate(plan.late_orders):
        # Each order gets an even share of what is left, so time an order did not need goes to the next.
        left = deadline - time.monotonic()
        share = min(max(left / (len(plan.late_orders) - position), MIN_ORDER_SECONDS), left)
        stopped = should_stop is not None and should_stop()
        if budget_seconds > 0 and share >= MIN_SOLVE_SECONDS and not stopped:
            explained.append(_verified(planned, plan, explanation, hint, time.monotonic() + share, before))
        else:
            explained.append(_unverified(planned, plan, explanation, before))
    marked = [b.model_copy(update={"extra_hour": extra_hour(request, b)}) for b in plan.bottlenecks]
    return plan.model_copy(update={"late_orders": explained, "bottlenecks": marked})


def _detailed_request(request: PlanRequest, plan: PlanResult) -> PlanRequest:
    """The request the schedule was made for, with lot sizing off: fixes act on the detailed schedule."""
    planned = planned_request(request, plan)
    return planned.model_copy(update={"demand_forecasts": [], "options": planned.options.model_copy(
        update={"lot_sizing": False, "explain_predictions": False, "verify_fixes_seconds": 0.0})})


def _unverified(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation, before: float
                ) -> LateOrderExplanation:
    """The candidates as they are (`before`: the plan's weighted lateness)."""
    fixes = [_fix(request, explanation, c, None, before) for c in candidates(request, plan, explanation)]
    return explanation.model_copy(update={"fixes": fixes})


def _verified(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation, hint: Hint,
              deadline: float, before: float) -> LateOrderExplanation:
    """Re-solve with each candidate in cost order until MAX_VERIFIED of them helped or `deadline` (monotonic
    clock) comes; keep those that help. A new date is tried only when every candidate was tried and none
    helped; candidates there was no time for stay, unverified, after the verified ones. `before`: the
    plan's weighted lateness."""
    tried = candidates(request, plan, explanation)
    kept: list[Fix] = []
    dropped = 0
    for position, candidate in enumerate(tried):
        left = deadline - time.monotonic()
        if left < MIN_SOLVE_SECONDS or len(kept) >= MAX_VERIFIED:
            break
        slots = max(min(len(tried) - position, MAX_VERIFIED - len(kept)), 1)
        seconds = min(max(left / slots, MIN_SOLVE_SECONDS), left)
        measured = measure(request, plan, explanation.order_id, candidate, hint, seconds)
        if measured is not None and _helps(explanation, measured, before):
            kept.append(_fix(request, explanation, candidate, measured, before))
        else:
            dropped += 1
    untried = tried[len(kept) + dropped:] if len(kept) < MAX_VERIFIED else []
    if not kept and not untried:
        agreed = due_date_candidate(request, plan, explanation)
        seconds = deadline - time.monotonic()
        if seconds >= MIN_SOLVE_SECONDS:
            measured = measure(request, plan, explanation.order_id, agreed, hint, seconds)
            if measured is not None and _helps(explanation, measured, before):
                kept.append(_fix(request, explanation, agreed, measured, before))
    kept.sort(key=_rank)
    waiting = [_fix(request, explanation, c, None, before) for c in untried]
    update: dict[str, object] = {"fixes": kept + waiting, "fixes_dropped": dropped}
    if kept:  # the first verified fix also fills the older text fields
        update.update(fix=kept[0].text, fix_saves_minutes=kept[0].saves_minutes)
    elif not untried:
        update.update(fix=describe(request, "none_helped", tried=dropped), fix_saves_minutes=0)
    return explanation.model_copy(update=update)


def _rank(fix: Fix) -> tuple[int, int, float, int]:
    """By kind (`_TIERS`: what held from scratch first), then cheapest first: working time added, lateness
    pushed onto others, how far things move."""
    return (_TIERS.index(fix.kind), fix.extra_working_minutes, fix.lateness_pushed, fix.moved_minutes)


def _helps(explanation: LateOrderExplanation, measured: Measured, weighted_before: float) -> bool:
    """The order is less late and the plan as a whole is not worse off (`measure` judges both with the
    original weights and due times)."""
    return (measured.order_lateness < explanation.minutes_late
            and measured.weighted_lateness <= weighted_before + TOLERANCE)


# --- candidates -----------------------------------------------------------------------------------

_TIERS = ["EARLIER_RELEASE", "MOVE_MAINTENANCE", "OVERTIME", "MACHINE", "PRIORITY", "DUE_DATE"]
"""Kinds in the order they are tried and offered: those that add capacity first (their effect held when the plan
was solved again from scratch), then those that only re-sequence (whose effect depends on the search)."""


def candidates(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation) -> list[Candidate]:
    """Candidate fixes of one late order in `_TIERS` order, cheapest first within a kind (no DUE_DATE: that is
    the last resort)."""
    order = next(o for o in request.orders if o.id == explanation.order_id)
    highest = max(o.weight for o in request.orders)
    waited = longest_wait(request, plan.assignments, order.id)
    found: list[Candidate] = []
    if order.release > 0 and _release_binds(plan.assignments, order.id, order.release):
        earlier = max(0, order.release - explanation.minutes_late)
        found.append(Candidate("EARLIER_RELEASE", [ChangeRelease(order_id=order.id, release=earlier)],
                               moved_minutes=order.release - earlier))
    if waited is not None and waited[0].machine_id != NO_MACHINE:  # manual work: no machine to give time
        operation, ready = waited
        found += _maintenance_moves(request, operation, ready)
        needed = overtime_needed(request, operation, ready, explanation.minutes_late)
        for minutes in sorted({max(60, math.ceil(needed / share / 60) * 60) for share in OVERTIME_STEPS},
                              reverse=True):
            overtime = overtime_windows(request, operation.machine_id, ready, minutes)
            if overtime:
                found.append(Candidate("OVERTIME", [ExtraWorkingTime(machine_id=operation.machine_id, window=w)
                                                    for w in overtime],
                                       extra_working_minutes=sum(w.end - w.start for w in overtime)))
    if waited is not None:
        found += machine_candidates(request, plan.assignments, waited)
    found.append(Candidate("PRIORITY", [ChangeWeight(order_id=order.id, weight=highest * PRIORITY_FACTOR)]))
    return found


def machine_candidates(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                       waited: tuple[ScheduledOperation, int]) -> list[Candidate]:
    """The operation that waited run on another of its eligible machines: those least busy between the
    operation becoming ready and its planned end first, at most MAX_MACHINE_CANDIDATES. None for manual
    work, for an operation of a product other products consume (a machine assignment copies the product)
    and for an order that is running that operation already."""
    operation, ready = waited
    order = next(o for o in request.orders if o.id == operation.order_id)
    product = request.factory.product(order.product_id)
    routed = next((op for op in product.routing if op.id == operation.operation_id), None)
    progress = order.work_in_progress
    running = progress is not None and progress.running is not None
    consumed = any(use.material_id == product.id for p in request.factory.products for op in p.routing
                   for use in op.materials)
    if routed is None or operation.machine_id == NO_MACHINE or running or consumed:
        return []

    def busy(machine_id: str) -> int:
        return sum(max(0, min(a.end, operation.end) - max(a.start, ready)) for a in assignments
                   if a.machine_id == machine_id)

    others = sorted({e.machine_id for e in routed.eligible_machines} - {operation.machine_id, NO_MACHINE},
                    key=lambda m: (busy(m), m))
    return [Candidate("MACHINE", [AssignMachine(order_id=order.id, operation_id=routed.id, machine_id=machine_id)],
                      from_machine=operation.machine_id)
            for machine_id in others[:MAX_MACHINE_CANDIDATES]]


def overtime_needed(request: PlanRequest, operation: ScheduledOperation, ready: int, minutes_late: int) -> int:
    """Working time the machine spent on others while the operation waited (never more than the order's
    lateness), in whole hours: the most overtime that can be worth trying there."""
    working = available_intervals(request.factory.machine(operation.machine_id), request)
    lost = sum(max(0, min(end, operation.start) - max(start, ready)) for start, end in working)
    return max(60, math.ceil(min(lost, minutes_late) / 60) * 60)


def _release_binds(assignments: Sequence[ScheduledOperation], order_id: str, release: int) -> bool:
    first = min((a for a in assignments if a.order_id == order_id), key=lambda a: a.operation_index, default=None)
    return first is not None and first.start - release <= RELEASE_SLACK


def due_date_candidate(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation) -> Candidate:
    """A date agreed with the customer: the planned completion, rounded up to the hour (inside the horizon)."""
    completion = next(r.completion for r in plan.order_results if r.order_id == explanation.order_id)
    agreed = min(math.ceil(completion / 60) * 60, request.options.horizon_minutes)
    return Candidate("DUE_DATE", [ChangeDueDate(order_id=explanation.order_id, due=agreed)],
                     moved_minutes=explanation.minutes_late)


def longest_wait(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                 order_id: str) -> tuple[ScheduledOperation, int] | None:
    """The order's operation that waited longest between becoming ready and starting, and when it became ready."""
    order = next(o for o in request.orders if o.id == order_id)
    ready = max(order.release, 0)
    worst: tuple[ScheduledOperation, int] | None = None
    for placed in sorted((a for a in assignments if a.order_id == order_id), key=lambda a: a.operation_index):
        if placed.start > ready and (worst is None or placed.start - ready > worst[0].start - worst[1]):
            worst = (placed, ready)
        ready = max(ready, placed.end)
    return worst


def _maintenance_moves(request: PlanRequest, operation: ScheduledOperation, ready: int) -> list[Candidate]:
    """Maintenance windows of the machine that fall inside the wait, each moved to just after the operation."""
    machine = request.factory.machine(operation.machine_id)
    moves = []
    for window in machine.maintenance_windows:
        if window.start < operation.start and window.end > ready:
            new_start = operation.end + (operation.start - window.start if window.start > ready else 0)
            new_start = max(new_start, operation.end)
            if new_start + window.end - window.start <= request.options.horizon_minutes:
                moves.append(Candidate("MOVE_MAINTENANCE", [MoveMaintenance(
                    machine_id=machine.id, window_start=window.start, new_start=new_start)],
                    moved_minutes=new_start - window.start))
    return moves


def overtime_windows(request: PlanRequest, machine_id: str, since: int, minutes: int) -> list[TimeWindow]:
    """`minutes` of extra working time on the machine right after its shifts end, from `since` on, at most
    8 h a day, in whole hours per day; empty when the machine has no off-shift time to add (24/7)."""
    machine = request.factory.machine(machine_id)
    off_shift = [w for w in unavailable_intervals(machine, request) if w.reason == "off shift" and w.end > since
                 and w.start > 0]
    windows: list[TimeWindow] = []
    left = minutes
    for gap in off_shift:
        if left <= 0:
            break
        length = min(left, MAX_OVERTIME_PER_DAY, (gap.end - gap.start) // 60 * 60)
        if length >= 60:
            windows.append(TimeWindow(start=gap.start, end=gap.start + length, reason="overtime (fix)"))
            left -= length
    return windows


def extra_hour(request: PlanRequest, bottleneck: Bottleneck) -> ExtraWorkingTime | None:
    """One hour of extra working time on a machine of the bottleneck's work center inside its bucket,
    right after a shift ends (None when every machine there works around the clock in that bucket)."""
    start = bottleneck.bucket_start
    end = start + request.options.lot_bucket_minutes
    for machine in request.factory.machines:
        if (machine.work_center or machine.id) != bottleneck.work_center:
            continue
        working = available_intervals(machine, request)
        for window in overtime_windows(request, machine.id, start, 60):
            if start <= window.start < end and any(e == window.start for _, e in working):
                return ExtraWorkingTime(machine_id=machine.id, window=window.model_copy(
                    update={"reason": "one more hour (bottleneck)"}))
    return None


# --- verification ---------------------------------------------------------------------------------

def measure(request: PlanRequest, plan: PlanResult, order_id: str, candidate: Candidate, hint: Hint,
            seconds: float) -> Measured | None:
    """Re-solve with the candidate applied, warm-started from the plan; None when there is no plan in time
    (or the change breaks a rule of the request). Lateness is judged with the request's weights and due
    times, except the due time a DUE_DATE fix agrees."""
    try:
        changed = apply_deltas(request, candidate.changes)
    except ValueError:  # InvalidPlanRequest: e.g. a release moved before a done operation's constraints
        return None
    timed = changed.model_copy(update={"options": changed.options.model_copy(update={"time_limit_seconds": seconds})})
    available = planning_availability(timed, availability_by_machine(timed))
    free = neighbourhood(request, plan.assignments, order_id, candidate.changes)
    outcome = solve_schedule(timed, build_jobs(timed), available, hint=hint, extensions=[hold_rest(hint, free)])
    if not outcome.status.has_solution:
        return None
    dues = {d.order_id: d.due for d in candidate.changes if isinstance(d, ChangeDueDate)}
    judge = request.model_copy(update={"orders": [o.model_copy(update={"due": dues[o.id]}) if o.id in dues else o
                                                  for o in request.orders]})
    after = {r.order_id: r.tardiness for r in order_results(judge, outcome.assignments)}
    before = {r.order_id: r.tardiness for r in order_results(judge, plan.assignments)}
    weights = {o.id: o.weight for o in request.orders}
    pushed = sum(weights[o] * max(0, after.get(o, 0) - before.get(o, 0)) for o in weights if o != order_id)
    return Measured(order_lateness=after.get(order_id, 0),
                    weighted_lateness=sum(weights[o] * t for o, t in after.items()), pushed=pushed)


def neighbourhood(request: PlanRequest, assignments: Sequence[ScheduledOperation], order_id: str,
                  changes: Sequence[ScenarioDelta]) -> set[tuple[str, int]]:
    """The operations a verification re-solve may move: the order's own, those on its machines and on the
    machines the fix changes between its release and its completion (or the end of the change), and every
    later operation of their orders. The rest of the plan is held where it is, so a re-solve of a few
    seconds measures the fix rather than a better search of the whole plan."""
    order = next(o for o in request.orders if o.id == order_id)
    own = [a for a in assignments if a.order_id == order_id]
    machines = {a.machine_id for a in own} | {d.machine_id for d in changes
                                              if isinstance(d, ExtraWorkingTime | MoveMaintenance | AssignMachine)}
    start = max(min(order.release, *(a.start for a in own)), 0) if own else 0
    end = max([a.end for a in own] + [_change_end(request, d) for d in changes])
    touched = {(a.order_id, a.operation_index) for a in assignments
               if a.order_id == order_id or (a.machine_id in machines and a.end > start and a.start < end)}
    first_touched: dict[str, int] = {}
    for moved_order, index in touched:
        first_touched[moved_order] = min(index, first_touched.get(moved_order, index))
    return {(a.order_id, a.operation_index) for a in assignments
            if a.order_id in first_touched and a.operation_index >= first_touched[a.order_id]}


def _change_end(request: PlanRequest, delta: ScenarioDelta) -> int:
    if isinstance(delta, ExtraWorkingTime):
        return delta.window.end
    if isinstance(delta, MoveMaintenance):
        window = next(w for w in request.factory.machine(delta.machine_id).maintenance_windows
                      if w.start == delta.window_start)
        return delta.new_start + window.end - window.start
    return 0


def hold_rest(hint: Hint, free: set[tuple[str, int]]) -> ModelExtension:
    """A model extension that keeps every hinted operation outside `free` on its machine and start."""
    def extend(model: cp_model.CpModel, tasks: Sequence[Sequence[TaskVars]], maintenance: Sequence[MaintenanceVars],
               scale: int) -> list[cp_model.LinearExprT]:
        for job in tasks:
            for variables in job:
                key = (variables.task.order_id, variables.task.index)
                placed = hint.get(key)
                if placed is None or key in free or variables.task.running:
                    continue
                machine_id, start = placed
                literal = variables.presence.get(machine_id)
                if literal is None:
                    continue
                model.add(variables.start == start)
                if literal is not True:
                    model.add(literal == 1)
        return []

    return extend


def _weighted(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> float:
    weights = {o.id: o.weight for o in request.orders}
    return sum(weights[r.order_id] * r.tardiness for r in order_results(request, assignments))


def _fix(request: PlanRequest, explanation: LateOrderExplanation, candidate: Candidate, measured: Measured | None,
         weighted_before: float) -> Fix:
    """The typed fix with its text; an unverified one repeats the plan's lateness as its 'after' values."""
    after = measured or Measured(explanation.minutes_late, weighted_before, 0.0)
    fix = Fix(kind=candidate.kind, text="", changes=candidate.changes,
              extra_working_minutes=candidate.extra_working_minutes, moved_minutes=candidate.moved_minutes,
              order_lateness_before=explanation.minutes_late, order_lateness_after=after.order_lateness,
              weighted_lateness_before=weighted_before, weighted_lateness_after=after.weighted_lateness,
              lateness_pushed=after.pushed, verified=measured is not None)
    return fix.model_copy(update={"text": describe_fix(request, explanation, fix, candidate.from_machine)})


def describe_fix(request: PlanRequest, explanation: LateOrderExplanation, fix: Fix, from_machine: str = "") -> str:
    """The fix's sentence: what to change, then what re-solving measured (or that it was not verified);
    `from_machine`: where the plan ran the operation a MACHINE fix moves."""
    return describe(request, fix.kind, **_change_values(request, explanation, fix, from_machine)) + " " + (
        describe(request, "measured", order=explanation.order_id, before=fix.order_lateness_before,
                 after=fix.order_lateness_after, weighted_before=fix.weighted_lateness_before,
                 weighted_after=fix.weighted_lateness_after, pushed=fix.lateness_pushed)
        if fix.verified else describe(request, "not_verified"))


def _change_values(request: PlanRequest, explanation: LateOrderExplanation, fix: Fix,
                   from_machine: str) -> dict[str, object]:
    order = next(o for o in request.orders if o.id == explanation.order_id)
    first = fix.changes[0]
    values: dict[str, object] = {"order": order.id, "customer": order.customer, "extra": fix.extra_working_minutes,
                                 "moved": fix.moved_minutes}
    if isinstance(first, ChangeWeight):
        values.update(old=order.weight, new=first.weight)
    elif isinstance(first, AssignMachine):
        routing = request.factory.product(order.product_id).routing
        name = next((op.name or op.id for op in routing if op.id == first.operation_id), first.operation_id)
        values.update(operation=name, machine=first.machine_id, old=from_machine or "-")
    elif isinstance(first, ChangeRelease):
        values.update(time=local_time(request, first.release))
    elif isinstance(first, MoveMaintenance):
        window = next(w for w in request.factory.machine(first.machine_id).maintenance_windows
                      if w.start == first.window_start)
        values.update(machine=first.machine_id, what=window.reason or "maintenance",
                      old=local_time(request, first.window_start), time=local_time(request, first.new_start))
    elif isinstance(first, ExtraWorkingTime):
        values.update(machine=first.machine_id, windows=", ".join(
            f"{local_time(request, d.window.start)}-{local_time(request, d.window.end)[-5:]}"
            for d in fix.changes if isinstance(d, ExtraWorkingTime)))
    elif isinstance(first, ChangeDueDate):
        values.update(time=local_time(request, first.due))
    return values
