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
(`planner.explanations.fix_settling`: `neighbourhood`, `hold_rest`); `Fix.whole_plan_verified` says which of the
two measured the fix. Before that, a candidate is screened on the dispatching-rule schedule of the changed request,
where a solve from scratch starts (milliseconds on the demo, 0.1-0.3 s on the plant-grade demo; each screened once,
`Starts`): one that does not make the order less late there, or makes the plan's weighted lateness worse, is dropped
unsolved, one that does is settled on it (`settle`: overtime and its crew cut to the hours that schedule worked in
it, re-sequencing pinned ahead of the operation that followed the order there), and the settled fix is what is
re-solved and offered. The orders are verified in two passes: one fix that helps for each order first, then the
other candidates with the time left (`attach_fixes`).
A candidate is offered only when the re-solved plan (a complete, valid plan) makes the order less late by a
margin (`MIN_GAIN_SHARE` of its lateness, so that a gain within the noise of a short search does not count)
without making the plan's weighted lateness worse, judged with the request's own weights and due times (a
PRIORITY fix's raised weight never hides the lateness it pushes onto others); the texts state only those
measured effects. `benchmarks.fixes` measures how often the order still gains when the plan is solved from
scratch with the fix applied.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from planner.calendar import availability_by_machine, available_intervals
from planner.domain import NO_MACHINE, PlanRequest
from planner.explanations.fix_candidates import (
    TIERS,
    Candidate,
    candidates,
    due_date_candidate,
    longest_wait,
    overtime_needed,
    overtime_windows,
    waits,
    with_crew,
    working_minutes,
)
from planner.explanations.fix_settling import hold_rest, neighbourhood, settle_on
from planner.explanations.fix_texts import bought_materials, describe, describe_fix
from planner.kpis import order_results
from planner.replanning.deltas import ChangeDueDate, ExtraWorkingTime, ScenarioDelta
from planner.replanning.scenarios import apply_deltas
from planner.risk import planning_availability
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.model import Hint, solve_schedule
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


class Starts:
    """What one late order's verification measured, by the changes: the dispatching-rule start of each changed
    request screened (calling it), and each candidate's verification (`verified`). One verification screens the
    same change several times (the first partial fix before its top-up, `_verify`, the settled fix, a top-up's
    rounds), and on the plant-grade demo each screen takes 0.13-0.3 s, not milliseconds (a quarter of the 16 s
    budget went to repeats); the second pass over the orders (`attach_fixes`) re-uses the first's re-solves."""

    def __init__(self, request: PlanRequest, plan: PlanResult, order_id: str,
                 bar: Callable[[], float] | None = None) -> None:
        self.request, self.plan, self.order_id = request, plan, order_id
        self.bar = bar
        """The plan's weighted lateness a start may not exceed, asked for only when a start is worse than the plan
        (`attach_fixes`; None: the plan's own)."""
        self._known: dict[tuple[str, ...], Measured | None] = {}
        self.verified: dict[tuple[str, ...], tuple[Candidate, Measured] | None] = {}

    @staticmethod
    def key(candidate: Candidate) -> tuple[str, ...]:
        return tuple(d.model_dump_json() for d in candidate.changes)

    def __call__(self, candidate: Candidate) -> Measured | None:
        key = self.key(candidate)
        if key not in self._known:
            self._known[key] = measure(self.request, self.plan, self.order_id, candidate, None, MIN_SOLVE_SECONDS,
                                       start_only=True)
        return self._known[key]


def verification_budget(request: PlanRequest) -> float:
    """Seconds of the time limit kept for verifying fixes: the option, at most half the limit."""
    options = request.options
    wanted = options.verify_fixes_seconds if math.isfinite(options.verify_fixes_seconds) else 0.0
    return max(0.0, min(wanted, options.time_limit_seconds * MAX_VERIFY_SHARE))


def attach_fixes(request: PlanRequest, plan: PlanResult, budget_seconds: float,
                 should_stop: Callable[[], bool] | None = None) -> PlanResult:
    """The plan with typed fixes on each late-order explanation and the extra-hour delta on each bottleneck.

    With a budget, candidates are verified by re-solving, latest order first, in two passes: the first looks for
    one fix that helps for each order (`_verified` with `most=1`: a partial gain is topped up with overtime first),
    the second, with the time left, verifies the other candidates of each order (re-using the first pass's
    re-solves, `Starts`). On the plant-grade demo a re-solve of each candidate and the screens before it took
    2.5-5 s an order, so depth first reached 5 of 16 late orders in 16 s. Orders the budget did not reach, and
    every order without a budget, keep their candidates unverified (no DUE_DATE among them)."""
    planned = _detailed_request(request, plan)
    hint: Hint = {(a.order_id, a.operation_index): (a.machine_id, a.start) for a in plan.assignments}
    deadline = time.monotonic() + budget_seconds
    before = _weighted(planned, plan.assignments)  # once: at 2,000 orders, once per late order took 23 s
    late = plan.late_orders
    explained: list[LateOrderExplanation | None] = [None] * len(late)

    @functools.cache
    def bar() -> float:
        """A start may be as bad for the plan as the unchanged request's start, where the search improved on that
        (the plant-grade generated plan of seed 22: 25,623 against the plan's 25,257): the re-solve judges the rest.
        Once, and only when a start is worse than the plan (a dispatching pass of the whole plant)."""
        unchanged = measure(planned, plan, late[0].order_id, Candidate("NONE", []), None, MIN_SOLVE_SECONDS,
                            start_only=True)
        return max(before, unchanged.weighted_lateness) if unchanged is not None else before

    checks = [Starts(planned, plan, explanation.order_id, bar) for explanation in late]
    for most in (1, MAX_KEPT) if budget_seconds > 0 else ():
        for position, explanation in enumerate(late):
            # Each order gets an even share of what is left, so time an order did not need goes to the next.
            left = deadline - time.monotonic()
            share = min(max(left / (len(late) - position), MIN_ORDER_SECONDS), left)
            if share < MIN_SOLVE_SECONDS or (should_stop is not None and should_stop()):
                break
            explained[position] = _verified(planned, plan, explanation, hint, time.monotonic() + share, before,
                                            deadline, checks[position], most)
    fixed = [e if e is not None else _unverified(planned, plan, late[i], before) for i, e in enumerate(explained)]
    marked = [b.model_copy(update={"extra_hour": extra_hour(request, b)}) for b in plan.bottlenecks]
    return plan.model_copy(update={"late_orders": fixed, "bottlenecks": marked})


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
              deadline: float, before: float, overall: float | None = None, starts: Starts | None = None,
              most: int = MAX_KEPT) -> LateOrderExplanation:
    """Verify candidates in `TIERS` order until one that puts the order on time, `most` (at most MAX_KEPT), or
    MAX_VERIFIED that help, are kept or `deadline` (monotonic clock) comes; `starts`: what this order's
    verification measured before (a first pass), re-used. The first fix that leaves the order late is also tried at once
    topped up with overtime for what is left (`_topped_up`), before the budget goes on other kinds. A new date
    is tried only when every candidate was tried and none helped; candidates there was no time for stay,
    unverified, after the verified ones. `before`: the plan's weighted lateness. An order whose first fix helps
    only in part may take up to TOP_UP_SECONDS from the whole budget (`overall`, the monotonic deadline of all
    orders; later orders get less), so that the top-up is verified and the fix it tops up is not lost to it."""
    tried = candidates(request, plan, explanation)
    starts = starts or Starts(request, plan, explanation.order_id)
    kept: list[Fix] = []
    measured: list[tuple[Candidate, Measured]] = []
    dropped = 0
    skipped: set[int] = set()
    last = -1
    topped_tried = False
    topped_fixes: list[Fix] = []

    def top_up(partial: tuple[Candidate, Measured], share: float) -> None:
        """The partial fix topped up with overtime for what is left, kept when it removes more."""
        topped = _topped_up(request, plan, explanation.order_id, *partial, starts=starts)
        left = deadline - time.monotonic()
        seconds = min(max(left * share, MIN_SOLVE_SECONDS), left)
        found = _verify(request, plan, explanation, topped, hint, seconds, before, starts) if (
            topped is not None and seconds >= MIN_SOLVE_SECONDS) else None
        if found is not None and found[1].order_lateness < partial[1].order_lateness:
            kept.append(_fix(request, explanation, *found, before))
            measured.append(found)
            topped_fixes.append(kept[-1])
    for position, candidate in enumerate(tried):
        left = deadline - time.monotonic()
        if left < MIN_SOLVE_SECONDS or len(kept) >= most or any(f.order_lateness_after <= 0 for f in kept):
            break  # enough: the candidates not tried are not offered (cheaper ones came first)
        last = position
        if len(kept) >= MAX_VERIFIED and candidate.kind in {f.kind for f in kept}:
            skipped.add(position)  # a kind already kept: only another kind may still put the order on time
            continue
        if not topped_tried:  # the first candidate that its start shows to help in part: topped up, verified first
            start = starts(candidate)
            if start is not None and 0 < start.order_lateness < explanation.minutes_late:
                topped_tried = True
                if overall is not None:  # the top-up and the fix it tops up are each worth a re-solve
                    deadline = max(deadline, min(overall, time.monotonic() + TOP_UP_SECONDS))
                top_up((settle(request, explanation.order_id, candidate, start) or candidate, start), 0.5)
                if len(kept) >= most:
                    break  # a first pass (`attach_fixes`): the topped-up fix helps, the next order comes first
                if overall is not None:
                    deadline = max(deadline, min(overall, time.monotonic() + 1.5 * MIN_SOLVE_SECONDS))
                left = deadline - time.monotonic()
                if left < MIN_SOLVE_SECONDS:
                    break
        slots = max(min(len(tried) - position, MAX_VERIFIED - len(kept)), 1)
        seconds = min(max(left / slots, MIN_SOLVE_SECONDS), left)
        found = _verify(request, plan, explanation, candidate, hint, seconds, before, starts)
        if found is None:
            dropped += 1
            continue
        kept.append(_fix(request, explanation, *found, before))
        measured.append(found)
        if found[1].order_lateness > 0 and not topped_tried:  # the first partial fix, made whole with overtime
            topped_tried = True  # right away, before the budget goes on other kinds
            top_up(found, 0.5)
    if measured and all(m.order_lateness > 0 for _, m in measured) and not topped_tried and most > 1:
        top_up(measured[min(range(len(kept)), key=lambda i: _rank(kept[i]))], 1.0)
    done = len(kept) >= MAX_VERIFIED or any(f.order_lateness_after <= 0 for f in kept)
    untried = [] if done else [c for i, c in enumerate(tried) if i > last and i not in skipped]
    if not kept and not untried:
        agreed = due_date_candidate(request, plan, explanation)
        seconds = deadline - time.monotonic()
        if seconds >= MIN_SOLVE_SECONDS:
            found = _verify(request, plan, explanation, agreed, hint, seconds, before, starts)
            if found is not None:
                kept.append(_fix(request, explanation, *found, before))
    kept.sort(key=lambda fix: _rank(fix, any(fix is t for t in topped_fixes)))
    waiting = [_fix(request, explanation, c, None, before) for c in untried]
    update: dict[str, object] = {"fixes": kept + waiting, "fixes_dropped": dropped}
    if kept:  # the first verified fix also fills the older text fields
        update.update(fix=kept[0].text, fix_saves_minutes=kept[0].saves_minutes)
    elif not untried:
        bought = bought_materials(request, explanation)
        text = describe(request, "none_helped", tried=dropped)
        if bought:
            text += " " + describe(request, "material_not_ours", materials=", ".join(bought))
        update.update(fix=text, fix_saves_minutes=0)
    return explanation.model_copy(update=update)


def _verify(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation, candidate: Candidate,
            hint: Hint, seconds: float, before: float, starts: Starts | None = None
            ) -> tuple[Candidate, Measured] | None:
    """The candidate as offered and what it measured, or None when it does not help.

    1. The start (milliseconds on the demo, 0.1-0.6 s on the plant-grade plans; `starts` keeps each one
       screened): the dispatching-rule schedule of the changed request, where a solve from scratch starts. A
       candidate that does not make the order less late there, or makes the plan's weighted lateness worse than
       the plan and the unchanged request's start (`Starts.bar`), is dropped unsolved: on the demo and the
       plant-grade demo, CP-SAT on one worker did not move a plan off that start within 16 s, so its re-solve
       would only have measured that start again, a second or more each. One that does is settled on it
       (`settle`) and the settled fix kept when its start is as good for the order.
    2. The fix re-solved from scratch (`_from_scratch`); where that finds no plan in its time (a plant of
       thousands of operations), in the order's neighbourhood, warm-started from the plan, and settled on
       that re-solved plan (which the settled fix keeps as it is)."""
    order_id = explanation.order_id
    starts = starts or Starts(request, plan, order_id)
    key = starts.key(candidate)
    if key not in starts.verified:
        starts.verified[key] = _verify_once(request, plan, explanation, candidate, hint, seconds, before, starts)
    return starts.verified[key]


def _verify_once(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation, candidate: Candidate,
                 hint: Hint, seconds: float, before: float, starts: Starts) -> tuple[Candidate, Measured] | None:
    order_id = explanation.order_id
    start = starts(candidate)
    if start is not None:
        if start.order_lateness >= explanation.minutes_late or (start.weighted_lateness > before + TOLERANCE and (
                starts.bar is None or start.weighted_lateness > starts.bar() + TOLERANCE)):
            return None
        settled = settle(request, order_id, candidate, start)
        if settled is not None and settled != candidate:
            again = starts(settled)
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
               measured: Measured, starts: Starts | None = None) -> Candidate | None:
    """A fix that left the order late, topped up with overtime until the order is on time or no more helps.

    Each round tries the machines the order still waited for in the last schedule (the fix's re-solved plan, then
    the dispatching-rule start of the changed request), longest wait first, with the working time that machine
    spent on others meanwhile (at least the operation's run, at most the lateness left): after its shifts, or an
    extra shift on a day off (`_overtime_for_rest`); the first that makes the order less late on the start where
    a solve from scratch begins (milliseconds) is taken, else the one that leaves it least late. At most
    MAX_TOP_UPS rounds and, with the fix's own working time, MAX_TOP_UP_SHARE of the order's lateness in hours; a
    round that did not make the order less late is taken out again where the order does as well without it.
    None where no round made the order less late than the partial fix; the caller verifies what is returned by
    re-solving, like any candidate. `starts`: the screens of this order so far."""
    starts = starts or Starts(request, plan, order_id)
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
            start = starts(longer)
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
        start = starts(without)
        if start is not None and start.order_lateness <= at.order_lateness:
            chain, at = without, start
    return chain if chain is not partial and at.order_lateness < measured.order_lateness else None


def _overtime_for_rest(changed: PlanRequest, order_id: str, at: Measured, most: int) -> list[list[ScenarioDelta]]:
    """Overtime for the lateness left in the schedule `at` of the `changed` request (at most `most` minutes), one
    option per machine the order waited for there, the longest wait first: after the machine's shifts, or an
    extra shift on a day off, each with the crew the operation needs there (`with_crew`); [] where there is none
    to add."""
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
            options.append(with_crew(changed, operation, windows))
    return options


def _with_overtime(candidate: Candidate, changes: list[ScenarioDelta]) -> Candidate:
    """The candidate with these changes, its extra working time (machines' and staff's) counted from them."""
    return replace(candidate, changes=changes, extra_working_minutes=working_minutes(changes))


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


def settle(request: PlanRequest, order_id: str, candidate: Candidate, measured: Measured) -> Candidate | None:
    """The fix as offered once a schedule with it (`measured`) is known (`fix_settling.settle_on`)."""
    return settle_on(request, order_id, candidate, measured.assignments)


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
