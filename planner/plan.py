"""One plan from one request: validate, prepare, prove infeasibility or schedule, measure.

This is the single entry point the service, the demo and the benchmarks use, so a benchmark
figure measures exactly what a client gets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from planner.calendar import availability_by_machine
from planner.dispatching import best_dispatch
from planner.domain import PlanRequest
from planner.feasibility import infeasibility_reasons, solver_infeasible_reason
from planner.kpis import compute_kpis, order_results
from planner.scheduling import Hint, solve_schedule
from planner.solution import PlanResult, SolveStats
from planner.status import SolveStatus
from planner.tasks import build_jobs
from planner.validation import ensure_valid

logger = logging.getLogger(__name__)

ProgressReport = Callable[[float, float, float], None]
"""Called with (objective, best bound, seconds elapsed) on every improving solution."""


def create_plan(
    request: PlanRequest, hint: Hint | None = None, on_solution: ProgressReport | None = None
) -> PlanResult:
    """Plan the request. Raises `InvalidPlanRequest` for bad input; infeasibility is a result."""
    ensure_valid(request)
    jobs = build_jobs(request)
    available = availability_by_machine(request)
    reasons = infeasibility_reasons(request, jobs, available)
    if reasons:
        logger.info("request %s is infeasible before solving: %d reasons", request.request_id, len(reasons))
        return PlanResult(status=SolveStatus.INFEASIBLE, infeasibility_reasons=reasons, stats=SolveStats(
            solver="pre-check", time_limit_seconds=request.options.time_limit_seconds,
            num_workers=request.options.num_workers, random_seed=request.options.random_seed,
        ))
    # A caller's hint (e.g. the released plan when re-planning) wins; else the best dispatching rule.
    start_from = hint if hint is not None else best_dispatch(request, jobs, available)
    outcome = solve_schedule(request, jobs, available, hint=start_from, on_solution=on_solution)
    logger.info(
        "request %s: %s objective=%.1f bound=%.1f in %.2fs",
        request.request_id, outcome.status, outcome.stats.objective, outcome.stats.best_bound,
        outcome.stats.wall_seconds,
    )
    if not outcome.status.has_solution:
        reasons = [solver_infeasible_reason(jobs, available)] if outcome.status == SolveStatus.INFEASIBLE else []
        return PlanResult(status=outcome.status, stats=outcome.stats, infeasibility_reasons=reasons)
    return PlanResult(
        status=outcome.status,
        assignments=outcome.assignments,
        order_results=order_results(request, outcome.assignments),
        kpis=compute_kpis(request, outcome.assignments),
        stats=outcome.stats,
    )
