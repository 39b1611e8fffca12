"""Fixes for late orders as typed scenario deltas, verified by re-solving the plan with each one applied.

A fix is a change a client can apply with CompareScenarios (`replanning.deltas`), with its cost in the plan's own
terms. The candidates and the order they are tried and offered in, cheapest first (re-sequencing and another
machine, which add no working time, before an earlier release, a moved maintenance window and overtime), are
`planner.explanations.fix_candidates`.

Verification re-solves the request with the fix applied inside a time budget shared by all late orders,
latest order first. Each candidate is re-solved **from scratch** (`_from_scratch`), as CompareScenarios or a
new plan request would solve it: nothing held, no hint from the plan, from the best dispatching-rule schedule
of the changed request. Why not from the plan: a re-solve warm-started from the plan with the rest of the plan
held (the neighbourhood, below) is optimistic. A solve from scratch starts elsewhere (on the 80-order demo,
8-16 s of CP-SAT on one worker did not improve on the dispatching start at all), may hand the fix's capacity to
other orders and re-sequences the rest around a rule; the previous verification, by neighbourhood only, saw
13 of 15 first fixes hold from scratch and 0 of 2 machine changes (docs/FIXES.md). Where a solve from scratch
finds no plan in the time (a plant of thousands of operations), the neighbourhood stands in: the order's
operations, the operations on its machines and on the machines the fix changes from its release to its
completion, and every later operation of their orders may move, warm-started from the plan; the rest is held
(`neighbourhood`, `hold_rest`); `Fix.whole_plan_verified` says which of the two measured the fix.
Before that, a candidate is screened on the dispatching-rule schedule of the changed request, where a solve from
scratch starts (milliseconds): one that does not make the order less late there is dropped unsolved, one that does
is settled on it (`settle`: overtime cut to the hours that schedule worked in it, re-sequencing pinned ahead of
the operation that followed the order there), and the settled fix is what is re-solved and offered.
A candidate is offered only when the re-solved plan (a complete, valid plan) makes the order less late by a
margin (`MIN_GAIN_SHARE` of its lateness, so that a gain within the noise of a short search does not count)
without making the plan's weighted lateness worse, judged with the request's own weights and due times (a
PRIORITY fix's raised weight never hides the lateness it pushes onto others); the texts state only those
measured effects. `benchmarks.fixes` measures how often the order still gains when the plan is solved from
scratch with the fix applied.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from planner.calendar import availability_by_machine, available_intervals
from planner.domain import NO_MACHINE, PlanRequest
from planner.explanations.fix_candidates import (
    TIERS,
    Candidate,
    ahead_of,
    candidates,
    due_date_candidate,
    longest_wait,
    overtime_needed,
    overtime_windows,
    waits,
)
from planner.explanations.fix_texts import describe, describe_fix
from planner.kpis import order_results
from planner.replanning.deltas import (
    AssignMachine,
    ChangeDueDate,
    ExtraWorkingTime,
    MoveMaintenance,
    ResourceCapacityChange,
    RunBefore,
    ScenarioDelta,
)
from planner.replanning.scenarios import apply_deltas
from planner.risk import planning_availability
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.model import Hint, ModelExtension, solve_schedule
from planner.scheduling.rules.base import TaskVars
from planner.scheduling.rules.predictions import MaintenanceVars
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import Bottleneck, Fix, LateOrderExplanation, PlanResult, ScheduledOperation, planned_request
from planner.validation import InvalidPlanRequest

__all__ = ["Candidate", "attach_fixes", "candidates", "extra_hour", "hold_rest", "longest_wait", "measure",
           "neighbourhood", "overtime_windows", "settle", "verification_budget"]

MAX_VERIFY_SHARE = 0.5
"""At most this share of the request's time limit goes to verifying fixes."""
MIN_SOLVE_SECONDS = 1.0
"""A re-solve shorter than this rarely gets past building the model of a plant of 100 orders: not worth starting."""
MIN_ORDER_SECONDS = 2.0
"""Each late order verified gets at least this long; orders the budget cannot reach keep unverified candidates."""
TOLERANCE = 1e-6
MAX_VERIFIED = 2
"""Verified fixes per late order of the cheapest kinds: after two, only candidates of other kinds are tried, and
only while no fix kept puts the order on time (a split lot may, where a sequence rule left it partly late)."""
MAX_KEPT = 4
"""Verified fixes per late order, at most."""
TOP_UP_SECONDS = 3.0
"""An order whose first fix helps only in part may take this long from the whole budget (beyond its even share):
the top-up's rounds on the dispatching start, its re-solve, and the re-solve of the fix it tops up."""
MAX_TOP_UPS = 4
"""Rounds of overtime a partial fix is topped up with, at most (each on one machine the order then still waited for)."""
MAX_TOP_UP_SHARE = 1.0
"""Working time a topped-up fix adds in all (the fix's own and its top-up's), at most, as a share of the order's
lateness in the plan (in whole hours): never more hours than the order is late, where today's fix rounds up to
whole nights."""
MIN_GAIN_SHARE = 0.1
"""A fix must remove at least this share of the order's lateness (and at least a minute) when re-solved: a smaller
gain is within what a short search from scratch moves an order either way."""


@dataclass(frozen=True)
class Measured:
    """The order's and the plan's lateness after re-solving with a candidate applied, and the re-solved plan."""

    order_lateness: int
    weighted_lateness: float
    pushed: float
    assignments: tuple[ScheduledOperation, ...] = ()
    whole_plan: bool = False
    """Measured with nothing held (`_confirm`), not only in the order's neighbourhood."""


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
            explained.append(_verified(planned, plan, explanation, hint, time.monotonic() + share, before, deadline))
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
              deadline: float, before: float, overall: float | None = None) -> LateOrderExplanation:
    """Verify candidates in `TIERS` order until one that puts the order on time, or MAX_VERIFIED that help, are
    kept or `deadline` (monotonic clock) comes. The first fix that leaves the order late is also tried at once
    topped up with overtime for what is left (`_topped_up`), before the budget goes on other kinds. A new date
    is tried only when every candidate was tried and none helped; candidates there was no time for stay,
    unverified, after the verified ones. `before`: the plan's weighted lateness. An order whose first fix helps
    only in part may take up to TOP_UP_SECONDS from the whole budget (`overall`, the monotonic deadline of all
    orders; later orders get less), so that the top-up is verified and the fix it tops up is not lost to it."""
    tried = candidates(request, plan, explanation)
    kept: list[Fix] = []
    measured: list[tuple[Candidate, Measured]] = []
    dropped = 0
    skipped: set[int] = set()
    last = -1
    topped_tried = False
    topped_fixes: list[Fix] = []

    def top_up(partial: tuple[Candidate, Measured], share: float) -> None:
        """The partial fix topped up with overtime for what is left, kept when it removes more."""
        topped = _topped_up(request, plan, explanation.order_id, *partial)
        left = deadline - time.monotonic()
        seconds = min(max(left * share, MIN_SOLVE_SECONDS), left)
        found = _verify(request, plan, explanation, topped, hint, seconds, before) if (
            topped is not None and seconds >= MIN_SOLVE_SECONDS) else None
        if found is not None and found[1].order_lateness < partial[1].order_lateness:
            kept.append(_fix(request, explanation, *found, before))
            measured.append(found)
            topped_fixes.append(kept[-1])
    for position, candidate in enumerate(tried):
        left = deadline - time.monotonic()
        if left < MIN_SOLVE_SECONDS or len(kept) >= MAX_KEPT or any(f.order_lateness_after <= 0 for f in kept):
            break  # enough: the candidates not tried are not offered (cheaper ones came first)
        last = position
        if len(kept) >= MAX_VERIFIED and candidate.kind in {f.kind for f in kept}:
            skipped.add(position)  # a kind already kept: only another kind may still put the order on time
            continue
        if not topped_tried:  # the first candidate that its start shows to help in part: topped up, verified first
            start = measure(request, plan, explanation.order_id, candidate, None, left, start_only=True)
            if start is not None and 0 < start.order_lateness < explanation.minutes_late:
                topped_tried = True
                if overall is not None:  # the top-up and the fix it tops up are each worth a re-solve
                    deadline = max(deadline, min(overall, time.monotonic() + TOP_UP_SECONDS))
                top_up((candidate, start), 0.5)
                if overall is not None:
                    deadline = max(deadline, min(overall, time.monotonic() + 1.5 * MIN_SOLVE_SECONDS))
                left = deadline - time.monotonic()
                if left < MIN_SOLVE_SECONDS:
                    break
        slots = max(min(len(tried) - position, MAX_VERIFIED - len(kept)), 1)
        seconds = min(max(left / slots, MIN_SOLVE_SECONDS), left)
        found = _verify(request, plan, explanation, candidate, hint, seconds, before)
        if found is None:
            dropped += 1
            continue
        kept.append(_fix(request, explanation, *found, before))
        measured.append(found)
        if found[1].order_lateness > 0 and not topped_tried:  # the first partial fix, made whole with overtime
            topped_tried = True  # right away, before the budget goes on other kinds
            top_up(found, 0.5)
    if measured and all(m.order_lateness > 0 for _, m in measured) and not topped_tried:
        top_up(measured[min(range(len(kept)), key=lambda i: _rank(kept[i]))], 1.0)
    done = len(kept) >= MAX_VERIFIED or any(f.order_lateness_after <= 0 for f in kept)
    untried = [] if done else [c for i, c in enumerate(tried) if i > last and i not in skipped]
    if not kept and not untried:
        agreed = due_date_candidate(request, plan, explanation)
        seconds = deadline - time.monotonic()
        if seconds >= MIN_SOLVE_SECONDS:
            found = _verify(request, plan, explanation, agreed, hint, seconds, before)
            if found is not None:
                kept.append(_fix(request, explanation, *found, before))
    kept.sort(key=lambda fix: _rank(fix, any(fix is t for t in topped_fixes)))
    waiting = [_fix(request, explanation, c, None, before) for c in untried]
    update: dict[str, object] = {"fixes": kept + waiting, "fixes_dropped": dropped}
    if kept:  # the first verified fix also fills the older text fields
        update.update(fix=kept[0].text, fix_saves_minutes=kept[0].saves_minutes)
    elif not untried:
        update.update(fix=describe(request, "none_helped", tried=dropped), fix_saves_minutes=0)
    return explanation.model_copy(update=update)


def _verify(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation, candidate: Candidate,
            hint: Hint, seconds: float, before: float) -> tuple[Candidate, Measured] | None:
    """The candidate as offered and what it measured, or None when it does not help.

    1. The start (milliseconds): the dispatching-rule schedule of the changed request, where a solve from
       scratch starts. A candidate that does not make the order less late there is dropped unsolved (on the
       demo, CP-SAT never moved a plan off that start within 16 s). One that does is settled on it (`settle`)
       and the settled fix kept when its start is as good for the order.
    2. The fix re-solved from scratch (`_from_scratch`); where that finds no plan in its time (a plant of
       thousands of operations), in the order's neighbourhood, warm-started from the plan, and settled on
       that re-solved plan (which the settled fix keeps as it is)."""
    order_id = explanation.order_id
    start = measure(request, plan, order_id, candidate, None, seconds, start_only=True)
    if start is not None:
        if start.order_lateness >= explanation.minutes_late:
            return None
        settled = settle(request, order_id, candidate, start)
        if settled is not None and settled != candidate:
            again = measure(request, plan, order_id, settled, None, seconds, start_only=True)
            if again is not None and again.order_lateness <= start.order_lateness:
                candidate = settled
    began = time.monotonic()
    measured = _from_scratch(request, plan, order_id, candidate, seconds)
    if measured is None:
        left = max(seconds - (time.monotonic() - began), MIN_SOLVE_SECONDS)
        measured = measure(request, plan, order_id, candidate, hint, left)
        if measured is None or not _helps(explanation, measured, before):
            return None
        settled = settle(request, order_id, candidate, measured)
        return (settled, measured) if settled is not None else None
    return (candidate, measured) if _helps(explanation, measured, before) else None


def _topped_up(request: PlanRequest, plan: PlanResult, order_id: str, partial: Candidate,
               measured: Measured) -> Candidate | None:
    """A fix that left the order late, topped up with overtime until the order is on time or no more helps.

    Each round tries the machines the order still waited for in the last schedule (the fix's re-solved plan, then
    the dispatching-rule start of the changed request), longest wait first, with the working time that machine
    spent on others meanwhile (at least the operation's run, at most the lateness left): after its shifts, or an
    extra shift on a day off (`_overtime_for_rest`); the first that makes the order less late on the start where
    a solve from scratch begins (milliseconds) is taken, else the one that leaves it least late. At most
    MAX_TOP_UPS rounds and, with the fix's own working time, MAX_TOP_UP_SHARE of the order's lateness in hours; a
    round that did not make the order less late is taken out again where the order does as well without it.
    None where no round made the order less late than the partial fix; the caller verifies what is returned by
    re-solving, like any candidate."""
    try:
        changed = apply_deltas(request, partial.changes)
    except InvalidPlanRequest:
        return None
    order_late = next((e.minutes_late for e in plan.late_orders if e.order_id == order_id), measured.order_lateness)
    cap = max(partial.extra_working_minutes, math.ceil(order_late * MAX_TOP_UP_SHARE / 60) * 60)
    chain, at = partial, measured
    rounds: list[tuple[list[ScenarioDelta], bool]] = []
    for _ in range(MAX_TOP_UPS):
        tried: list[tuple[list[ScenarioDelta], Candidate, Measured]] = []
        for extra in _overtime_for_rest(changed, order_id, at, cap - chain.extra_working_minutes):
            longer = _with_overtime(chain, [*chain.changes, *extra])
            start = measure(request, plan, order_id, longer, None, MIN_SOLVE_SECONDS, start_only=True)
            if start is not None:
                tried.append((extra, longer, start))
                if start.order_lateness < at.order_lateness:
                    break  # the first machine whose overtime helps the order, longest wait first
        if not tried:
            break
        extra, chain, start = min(tried, key=lambda t: t[2].order_lateness)
        rounds.append((extra, start.order_lateness < at.order_lateness))
        at = start
        changed = apply_deltas(request, chain.changes)
        if at.order_lateness <= 0:
            break
    for extra, gained in rounds:
        if gained:
            continue
        without = _with_overtime(chain, [d for d in chain.changes if d not in extra])
        start = measure(request, plan, order_id, without, None, MIN_SOLVE_SECONDS, start_only=True)
        if start is not None and start.order_lateness <= at.order_lateness:
            chain, at = without, start
    return chain if chain is not partial and at.order_lateness < measured.order_lateness else None


def _overtime_for_rest(changed: PlanRequest, order_id: str, at: Measured, most: int) -> list[list[ScenarioDelta]]:
    """Overtime for the lateness left in the schedule `at` of the `changed` request (at most `most` minutes), one
    option per machine the order waited for there, the longest wait first: after the machine's shifts, or an
    extra shift on a day off; [] where there is none to add."""
    if most < 60:
        return []
    options: list[list[ScenarioDelta]] = []
    for operation, ready in waits(changed, at.assignments, order_id):
        if operation.machine_id == NO_MACHINE or any(
                d.machine_id == operation.machine_id for o in options for d in o if isinstance(d, ExtraWorkingTime)):
            continue
        needed = max(overtime_needed(changed, operation, ready, at.order_lateness),  # at least its own run
                     math.ceil((operation.end - operation.start) / 60) * 60)
        needed = min(needed, most // 60 * 60)
        windows = overtime_windows(changed, operation.machine_id, ready, needed, extra_shifts=True)
        if windows:
            options.append([ExtraWorkingTime(machine_id=operation.machine_id, window=w) for w in windows])
    return options


def _with_overtime(candidate: Candidate, changes: list[ScenarioDelta]) -> Candidate:
    """The candidate with these changes, its extra working time counted from them."""
    return replace(candidate, changes=changes, extra_working_minutes=sum(
        d.window.end - d.window.start for d in changes if isinstance(d, ExtraWorkingTime)))


def _from_scratch(request: PlanRequest, plan: PlanResult, order_id: str, candidate: Candidate,
                  seconds: float) -> Measured | None:
    """Re-solve with the fix as a plan request is solved: nothing held, no hint from the plan, from the best
    dispatching-rule schedule of the changed request."""
    confirmed = measure(request, plan, order_id, candidate, None, seconds)
    return replace(confirmed, whole_plan=True) if confirmed is not None else None


def _rank(fix: Fix, topped: bool = False) -> tuple[bool, int, bool, int, float, int]:
    """Fixes that put the order on time first, then by kind (`TIERS`: cheapest first), then within a kind: a
    partial fix topped up with overtime (`topped`: it removes more than the fix it tops up, which follows it),
    working time added, lateness pushed onto others, how far things move."""
    return (fix.order_lateness_after > 0, TIERS.index(fix.kind), not topped, fix.extra_working_minutes,
            fix.lateness_pushed, fix.moved_minutes)


def _helps(explanation: LateOrderExplanation, measured: Measured, weighted_before: float) -> bool:
    """The order is less late by a margin (MIN_GAIN_SHARE of its lateness) and the plan as a whole is not worse
    off (`measure` judges both with the original weights and due times)."""
    margin = max(1, math.ceil(explanation.minutes_late * MIN_GAIN_SHARE))
    return (measured.order_lateness <= explanation.minutes_late - margin
            and measured.weighted_lateness <= weighted_before + TOLERANCE)


# --- settling a verified fix ------------------------------------------------------------------------

def settle(request: PlanRequest, order_id: str, candidate: Candidate, measured: Measured) -> Candidate | None:
    """The fix as offered once a schedule with it is known (`measured`), valid for that schedule as it is:
    - overtime: each day's window cut to the hours the schedule worked in it (None when it used none: the
      gain was not the overtime's);
    - SEQUENCE, MACHINE: the order's operation also pinned ahead of the operation that followed it on its
      machine in that schedule (a sequence rule the schedule keeps), so that a solve from scratch keeps its
      place, not only its machine or one neighbour."""
    settled: Candidate | None = candidate
    if any(isinstance(d, ExtraWorkingTime) for d in candidate.changes):
        settled = _trimmed(candidate, measured.assignments)
    if settled is not None and settled.kind in ("SEQUENCE", "MACHINE"):
        settled = _pinned(request, order_id, settled, measured.assignments)
    return settled


def _trimmed(candidate: Candidate, assignments: Sequence[ScheduledOperation]) -> Candidate | None:
    changes: list[ScenarioDelta] = []
    extra = 0
    for delta in candidate.changes:
        if not isinstance(delta, ExtraWorkingTime):
            changes.append(delta)
            continue
        window = delta.window
        used = max((min(a.end, window.end) for a in assignments if a.machine_id == delta.machine_id
                    and a.start < window.end and a.end > window.start), default=None)
        if used is not None:
            end = min(window.end, window.start + math.ceil((used - window.start) / 60) * 60)
            changes.append(delta.model_copy(update={"window": window.model_copy(update={"end": end})}))
            extra += end - window.start
    if extra == 0:
        return None
    return replace(candidate, changes=changes, extra_working_minutes=extra)


def _pinned(request: PlanRequest, order_id: str, candidate: Candidate,
            assignments: Sequence[ScheduledOperation]) -> Candidate:
    machine_id, operation_id = _moved_operation(candidate)
    mine = next((a for a in assignments if a.order_id == order_id and a.operation_id == operation_id
                 and a.machine_id == machine_id), None)
    if mine is None:
        return candidate
    running = {o.id: o.work_in_progress.running.operation_id for o in request.orders
               if o.work_in_progress is not None and o.work_in_progress.running is not None}
    after = sorted((a for a in assignments if a.machine_id == machine_id and a.order_id != order_id
                    and a.start >= mine.end and running.get(a.order_id) != a.operation_id), key=lambda a: a.start)
    ruled = {(d.after_order_id, d.after_operation_id) for d in candidate.changes if isinstance(d, RunBefore)}
    if not after or (after[0].order_id, after[0].operation_id) in ruled:
        return candidate
    pinned = replace(candidate, changes=[*candidate.changes, ahead_of(machine_id, order_id, operation_id, after[0])])
    try:
        apply_deltas(request, pinned.changes)
    except InvalidPlanRequest:
        return candidate
    return pinned


def _moved_operation(candidate: Candidate) -> tuple[str, str]:
    """(machine, operation id) of the order's operation a SEQUENCE or MACHINE fix places."""
    first = candidate.changes[0]
    if isinstance(first, RunBefore):
        return first.machine_id, first.before_operation_id
    if isinstance(first, AssignMachine):
        return first.machine_id, first.operation_id
    return "", ""


# --- verification ---------------------------------------------------------------------------------

def measure(request: PlanRequest, plan: PlanResult, order_id: str, candidate: Candidate, hint: Hint | None,
            seconds: float, start_only: bool = False) -> Measured | None:
    """Re-solve with the candidate applied, warm-started from `hint` (the plan), holding everything outside the
    order's neighbourhood where the hint has it; with no hint, from scratch: nothing held, from the best
    dispatching-rule schedule, as a plan request starts (`start_only`: that schedule itself, no solve). None
    when there is no plan in time (or the change breaks a rule of the request). Lateness is judged with the
    request's weights and due times, except the due time a DUE_DATE fix agrees."""
    try:
        changed = apply_deltas(request, candidate.changes)
    except InvalidPlanRequest:  # e.g. a release moved before a done operation's constraints
        return None
    timed = changed.model_copy(update={"options": changed.options.model_copy(update={"time_limit_seconds": seconds})})
    available = planning_availability(timed, availability_by_machine(timed))
    jobs = build_jobs(timed)
    if hint is None:
        start = best_dispatch(timed, jobs, available)
        if start_only:
            placed = hint_assignments(jobs, start) if start is not None else None
            return _judged(request, plan, order_id, candidate, placed) if placed is not None else None
        outcome = solve_schedule(timed, jobs, available, hint=start)
    else:
        free = neighbourhood(request, plan.assignments, order_id, candidate.changes)
        outcome = solve_schedule(timed, jobs, available, hint=hint, extensions=[hold_rest(hint, free)])
    if not outcome.status.has_solution:
        return None
    return _judged(request, plan, order_id, candidate, outcome.assignments)


def _judged(request: PlanRequest, plan: PlanResult, order_id: str, candidate: Candidate,
            assignments: Sequence[ScheduledOperation]) -> Measured:
    dues = {d.order_id: d.due for d in candidate.changes if isinstance(d, ChangeDueDate)}
    judge = request.model_copy(update={"orders": [o.model_copy(update={"due": dues[o.id]}) if o.id in dues else o
                                                  for o in request.orders]})
    after = {r.order_id: r.tardiness for r in order_results(judge, assignments)}
    before = {r.order_id: r.tardiness for r in order_results(judge, plan.assignments)}
    weights = {o.id: o.weight for o in request.orders}
    pushed = sum(weights[o] * max(0, after.get(o, 0) - before.get(o, 0)) for o in weights if o != order_id)
    return Measured(order_lateness=after.get(order_id, 0),
                    weighted_lateness=sum(weights[o] * t for o, t in after.items()), pushed=pushed,
                    assignments=tuple(assignments))


def neighbourhood(request: PlanRequest, assignments: Sequence[ScheduledOperation], order_id: str,
                  changes: Sequence[ScenarioDelta]) -> set[tuple[str, int]]:
    """The operations a verification re-solve may move: the order's own, those on its machines and on the
    machines the fix changes between its release and its completion (or the end of the change), and every
    later operation of their orders. The rest of the plan is held where it is, so a re-solve of a few
    seconds measures the fix rather than a better search of the whole plan."""
    order = next(o for o in request.orders if o.id == order_id)
    own = [a for a in assignments if a.order_id == order_id]
    machines = {a.machine_id for a in own} | {d.machine_id for d in changes if isinstance(
        d, ExtraWorkingTime | MoveMaintenance | AssignMachine | RunBefore)}
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
    if isinstance(delta, ExtraWorkingTime | ResourceCapacityChange):
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
              lateness_pushed=after.pushed, verified=measured is not None,
              whole_plan_verified=measured is not None and measured.whole_plan)
    return fix.model_copy(update={"text": describe_fix(request, explanation, fix, candidate.from_machine)})
