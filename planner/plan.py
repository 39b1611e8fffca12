"""One plan from one request: validate, prepare, prove infeasibility or schedule, measure, explain.

This is the single entry point the service, the demo and the benchmarks use, so a benchmark
figure measures exactly what a client gets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from planner.calendar import Interval, availability_by_machine
from planner.domain import PlanRequest, RiskPolicy
from planner.explanations.effects import policy_actions, prediction_effects, predictions_used
from planner.explanations.fixes import MAX_VERIFY_SHARE, attach_fixes, verification_budget
from planner.explanations.late_orders import explain_late_orders
from planner.kpis import compute_kpis, order_results
from planner.lots import bottlenecks, lot_orders, lot_plan, realisation_problems, solve_lots, uses_lot_sizing
from planner.risk import planning_availability
from planner.scheduling import lns, lns_plant, oven_lns
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.feasibility import infeasibility_reasons, solver_infeasible_reason
from planner.scheduling.model import Hint, ModelExtension, solve_schedule
from planner.scheduling.tasks import Job, build_jobs
from planner.solution import (
    LateOrderExplanation,
    OrderResult,
    PlanResult,
    ScheduledMaintenance,
    ScheduledOperation,
    SolveStats,
)
from planner.status import SolveStatus
from planner.timings import PhaseClock
from planner.validation import ensure_valid

logger = logging.getLogger(__name__)

ProgressReport = Callable[[float, float, float], None]
"""Called with (objective, best bound, seconds elapsed) on every improving solution."""

COUNTERFACTUAL_SHARE = 0.2
"""Share of the time limit each counterfactual plan (risk-blind, yield-blind) may use."""
EXPLAIN_SECONDS_PER_OPERATION = 0.0008
"""Time kept back from the solve per operation for KPIs, late-order explanations and their fixes: at 2,000
orders (7,256 operations) they took 2.4 s and, for 100 late orders, 9 s on a 2-core machine at load 9
(docs/SCALE.md); with MAX_FIXED_ORDERS, about 5 s."""
EXPLAIN_MAX_SHARE = 0.25
"""... but never more than this share of the time limit."""
EXPLAIN_PER_PREPARATION = 3.0
"""... nor more than this many times what preparing the request took (calendars, jobs, pre-checks, the
dispatching start: work that grows with the operations like the explanations, and measured on this machine at its
present load). At 2,000 orders KPIs, explanations and fixes took 0.6 s after a preparation of 0.6 s on a quiet
machine and 2.1-2.5 s after 1.7 s at load 6, where the fixed 5.8 s left 3.7 s of a 60 s limit unused; twice the
preparation once ended 0.1 s past the limit (1.64 s after 0.83 s; docs/SCALE.md)."""
MAX_EXPLAINED_ORDERS = 100
"""Late orders explained per plan, the latest first: a plan of 2,000 orders had 845 late ones, whose
explanations took 3 s and their fixes 23 s on their own, and no planner reads past the first hundred. The
KPIs and order results count every order."""
MAX_FIXED_ORDERS = 25
"""Late orders given fixes (`planner.explanations.fixes`), the latest first: 0.05-0.1 s each at 2,000 orders, where the
fixes re-derive the whole plan's lateness once per order."""
START_SHARE = 0.1
START_MAX_SECONDS = 2.0
"""The dispatching start of a plant-scale request tries rules for at most this share of the limit and this long
(`_start_seconds`): at 2,000 plant-grade orders its ten passes (five rules, with and without die campaigns) took
62 s at load 12, where one pass without campaigns takes 1-3.5 s; with 4 s the first plan came after 6.6 s there
(load 8). The passes left out run after the first plan (`planner.scheduling.lns_plant.solve_by_lns`)."""
MIN_SOLVE_SECONDS = 0.05
"""The solver gets at least this long, even when the work before it used up the limit."""


def create_plan(
    request: PlanRequest, hint: Hint | None = None, on_solution: ProgressReport | None = None,
    extensions: Sequence[ModelExtension] = (), should_stop: Callable[[], bool] | None = None,
) -> PlanResult:
    """Plan the request. Raises `InvalidPlanRequest` for bad input; infeasibility is a result.

    The time limit covers the whole call: validation, preparation and the start schedule, model
    building, the solve, the explanations (a reserve kept back from the solve, `explanation_reserve`)
    and the counterfactuals. When the request carries predictions and `explain_predictions` is on, part
    of the time limit goes to counterfactual plans that ignore them, to report what the predictions
    changed. With `verify_fixes_seconds`, part of the main plan's share goes to re-solving with each late
    order's candidate fixes applied (`planner.explanations.fixes`). `PlanResult.phases` says where the time went."""
    started = time.perf_counter()
    clock = PhaseClock()
    with clock.phase("validation"):
        ensure_valid(request)
    options = request.options
    counterfactuals = _counterfactual_count(request)
    main_share = 1.0 - COUNTERFACTUAL_SHARE * counterfactuals
    # A caller's model extensions (a re-plan's frozen window) are not in the fixes' re-solves: no verification.
    verify = 0.0 if extensions else min(verification_budget(request),
                                        options.time_limit_seconds * main_share * MAX_VERIFY_SHARE)
    main_limit = options.time_limit_seconds * main_share - verify - (time.perf_counter() - started)
    main = request.model_copy(update={"options": options.model_copy(
        update={"time_limit_seconds": max(main_limit, MIN_SOLVE_SECONDS)})})
    plan = _plan(main, hint, on_solution, explain=True, extensions=extensions, should_stop=should_stop, clock=clock)
    if plan.late_orders or plan.bottlenecks:
        with clock.phase("fixes"):
            plan = _with_fixes(request, plan, verify, should_stop)
    if counterfactuals and plan.status.has_solution and not (should_stop and should_stop()):
        def solve_blind(blind: PlanRequest) -> PlanResult:
            limited = blind.model_copy(update={"options": blind.options.model_copy(
                update={"time_limit_seconds": options.time_limit_seconds * COUNTERFACTUAL_SHARE})})
            return _plan(limited, None, None, explain=False)

        with clock.phase("counterfactuals"):
            plan = plan.model_copy(update={"prediction_effects": prediction_effects(request, plan, solve_blind)})
    with clock.phase("explaining"):
        used = predictions_used(request, plan)
    return plan.model_copy(update={"predictions_used": used, "phases": clock.phases})


def _with_fixes(request: PlanRequest, plan: PlanResult, verify: float,
                should_stop: Callable[[], bool] | None) -> PlanResult:
    """Fixes (`planner.explanations.fixes`) for the MAX_FIXED_ORDERS latest orders; the later explanations keep none."""
    fixed = attach_fixes(request, plan.model_copy(update={"late_orders": plan.late_orders[:MAX_FIXED_ORDERS]}),
                         verify, should_stop)
    return fixed.model_copy(update={"late_orders": [*fixed.late_orders, *plan.late_orders[MAX_FIXED_ORDERS:]]})


def explanation_reserve(time_limit_seconds: float, operations: int, preparation_seconds: float | None = None) -> float:
    """Seconds kept back from the solve for KPIs and explanations: EXPLAIN_SECONDS_PER_OPERATION each, at most
    EXPLAIN_MAX_SHARE of the limit and, when the preparation was timed, EXPLAIN_PER_PREPARATION times it."""
    reserve = min(EXPLAIN_SECONDS_PER_OPERATION * operations, EXPLAIN_MAX_SHARE * time_limit_seconds)
    return reserve if preparation_seconds is None else min(reserve, EXPLAIN_PER_PREPARATION * preparation_seconds)


def _most_late(results: list[OrderResult]) -> list[OrderResult]:
    """The MAX_EXPLAINED_ORDERS latest orders, or every order when fewer are late."""
    late = sorted((r for r in results if not r.on_time), key=lambda r: -r.tardiness)
    return results if len(late) <= MAX_EXPLAINED_ORDERS else late[:MAX_EXPLAINED_ORDERS]


def _start_seconds(request: PlanRequest, jobs: list[Job]) -> float | None:
    """The time the dispatching start may take on a plant-scale request (`best_dispatch`'s `seconds`): START_SHARE
    of the limit, at most START_MAX_SECONDS; None (every rule) below `lns.MIN_OPERATIONS` operations."""
    if sum(len(job.tasks) for job in jobs) < lns.MIN_OPERATIONS:
        return None
    return min(START_SHARE * request.options.time_limit_seconds, START_MAX_SECONDS)


def _explain_in_time(request: PlanRequest, jobs: list[Job], available: dict[str, list[Interval]],
                     assignments: list[ScheduledOperation], results: list[OrderResult],
                     maintenance: list[ScheduledMaintenance], deadline: float) -> list[LateOrderExplanation]:
    """The latest orders' explanations (`_most_late`) while they fit before the plan's deadline: the first order
    alone, then at most twice as many as so far at a time, and no more than half the time left holds at the slowest
    time per order seen. Under the plant rules an explanation can take far longer than the reserve assumes, and one
    order's far longer than another's (2,000 plant-grade orders: 0.07 s for the first, 1.5 s for the next nine, load
    1.2, where sizing the next chunk by the mean so far ended 1 s past a 6 s limit); the time limit is a promise
    (issue 21). The orders left unexplained keep their order results and KPIs. Plans below `lns.MIN_OPERATIONS`
    operations get every explanation."""
    if sum(len(job.tasks) for job in jobs) < lns.MIN_OPERATIONS:  # a small plan: every explanation, as before
        return explain_late_orders(request, jobs, available, assignments, _most_late(results), maintenance)
    late = sorted((r for r in _most_late(results) if not r.on_time), key=lambda r: -r.tardiness)
    explained: list[LateOrderExplanation] = []
    slowest = 0.0  # seconds per order of the slowest chunk so far
    # The first MAX_FIXED_ORDERS explained get fixes after the deadline (`_with_fixes`: 0.05-0.1 s an order at 2,000
    # orders, about what its explanation took), so as much again is kept back for each of them.
    while len(explained) < len(late) and (
            left := deadline - time.perf_counter() - slowest * min(len(explained), MAX_FIXED_ORDERS)) > 0:
        count = min(2 * len(explained), int(left / 2 / slowest)) if explained else 1
        if count < 1:
            break
        chunk = late[len(explained):len(explained) + count]
        began = time.perf_counter()
        explained += explain_late_orders(request, jobs, available, assignments, chunk, maintenance)
        slowest = max(slowest, (time.perf_counter() - began) / len(chunk), 1e-6)
    return explained


def _counterfactual_count(request: PlanRequest) -> int:
    if not request.options.explain_predictions:
        return 0
    risk = bool(request.machine_risks) and request.options.risk_policy != RiskPolicy.NONE
    yields = any(y.yield_rate < 1 for y in request.yields)
    return int(risk) + int(yields)


def _plan(request: PlanRequest, hint: Hint | None, on_solution: ProgressReport | None, explain: bool,
          extensions: Sequence[ModelExtension] = (), should_stop: Callable[[], bool] | None = None,
          clock: PhaseClock | None = None) -> PlanResult:
    """One plan within `request`'s time limit, from now."""
    clock = clock or PhaseClock()
    deadline = time.perf_counter() + request.options.time_limit_seconds
    with clock.phase("preparation"):
        calendar = availability_by_machine(request)
        available = planning_availability(request, calendar)
    if not uses_lot_sizing(request):
        return _schedule(request, calendar, available, hint, on_solution, explain, extensions, should_stop, clock,
                         deadline)
    with clock.phase("lot sizing"):
        instance, lot_result = solve_lots(request, available)
        lots = lot_orders(request, lot_result, available)
    detailed = request.model_copy(update={"orders": [*request.orders, *lots]})
    plan = _schedule(detailed, calendar, available, hint, on_solution, explain, extensions, should_stop, clock,
                     deadline)
    lots_plan = lot_plan(request, lot_result, lots).model_copy(
        update={"realisation_problems": realisation_problems(lots, plan.assignments) if plan.assignments else []})
    return plan.model_copy(update={"lot_plan": lots_plan, "bottlenecks": bottlenecks(request, instance, lot_result)})


def _schedule(request: PlanRequest, calendar: dict[str, list[Interval]], available: dict[str, list[Interval]],
              hint: Hint | None, on_solution: ProgressReport | None, explain: bool,
              extensions: Sequence[ModelExtension], should_stop: Callable[[], bool] | None, clock: PhaseClock,
              deadline: float) -> PlanResult:
    prepared = time.perf_counter()
    with clock.phase("preparation"):
        jobs = build_jobs(request)
        reasons = infeasibility_reasons(request, jobs, available)
        # A caller's hint (e.g. the released plan when re-planning) wins; else the best dispatching rule.
        start_from = hint if hint is not None or reasons else best_dispatch(
            request, jobs, available, _start_seconds(request, jobs))
    if reasons:
        logger.info("request %s is infeasible before solving: %d reasons", request.request_id, len(reasons))
        return PlanResult(status=SolveStatus.INFEASIBLE, infeasibility_reasons=reasons, stats=SolveStats(
            solver="pre-check", time_limit_seconds=request.options.time_limit_seconds,
            num_workers=request.options.num_workers, random_seed=request.options.random_seed,
        ))
    operations = sum(len(job.tasks) for job in jobs)
    reserve = explanation_reserve(request.options.time_limit_seconds, operations,
                                  time.perf_counter() - prepared) if explain else 0.0
    limit = max(deadline - time.perf_counter() - reserve, MIN_SOLVE_SECONDS)
    timed = request.model_copy(update={"options": request.options.model_copy(update={"time_limit_seconds": limit})})
    outcome = None
    if hint is None and start_from is not None and lns.applies(request, jobs, extensions):
        with clock.phase("solving"):
            outcome = lns.solve_by_lns(timed, jobs, available, start_from, on_solution, should_stop)
    elif hint is None and start_from is not None and lns_plant.applies(request, jobs, extensions):  # plant rules
        with clock.phase("solving"):
            outcome = lns_plant.solve_by_lns(timed, jobs, available, start_from, on_solution, should_stop)
    if hint is None and oven_lns.applies(request, jobs, extensions):  # an oven shop: `planner.scheduling.oven_lns`
        with clock.phase("solving"):
            outcome = oven_lns.solve_ovens(timed, jobs, available, on_solution, should_stop)
    if outcome is None:
        outcome = solve_schedule(timed, jobs, available, hint=start_from, on_solution=on_solution,
                                 extensions=extensions, should_stop=should_stop, clock=clock)
    logger.info(
        "request %s: %s objective=%.1f bound=%.1f in %.2fs",
        request.request_id, outcome.status, outcome.stats.objective, outcome.stats.best_bound,
        outcome.stats.wall_seconds,
    )
    if not outcome.status.has_solution:
        reasons = [solver_infeasible_reason(jobs, available)] if outcome.status == SolveStatus.INFEASIBLE else []
        return PlanResult(status=outcome.status, stats=outcome.stats, infeasibility_reasons=reasons)
    with clock.phase("explaining"):
        results = order_results(request, outcome.assignments)
        return PlanResult(
            status=outcome.status,
            assignments=outcome.assignments,
            order_results=results,
            kpis=compute_kpis(request, outcome.assignments, outcome.maintenance, jobs, calendar),
            stats=outcome.stats,
            maintenance=outcome.maintenance,
            late_orders=_explain_in_time(request, jobs, available, outcome.assignments, results, outcome.maintenance,
                                         deadline) if explain else [],
            policy_actions=policy_actions(request, calendar, outcome.assignments, outcome.maintenance),
        )
