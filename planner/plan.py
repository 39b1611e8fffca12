"""One plan from one request: validate, prepare, prove infeasibility or schedule, measure, explain.

This is the single entry point the service, the demo and the benchmarks use, so a benchmark
figure measures exactly what a client gets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from planner.calendar import Interval, availability_by_machine
from planner.dispatching import best_dispatch
from planner.domain import PlanRequest, RiskPolicy
from planner.effects import policy_actions, prediction_effects, predictions_used
from planner.explain import explain_late_orders
from planner.feasibility import infeasibility_reasons, solver_infeasible_reason
from planner.kpis import compute_kpis, order_results
from planner.lots import bottlenecks, lot_orders, lot_plan, realisation_problems, solve_lots, uses_lot_sizing
from planner.risk import planning_availability
from planner.scheduling import Hint, ModelExtension, solve_schedule
from planner.solution import PlanResult, SolveStats
from planner.status import SolveStatus
from planner.tasks import build_jobs
from planner.validation import ensure_valid

logger = logging.getLogger(__name__)

ProgressReport = Callable[[float, float, float], None]
"""Called with (objective, best bound, seconds elapsed) on every improving solution."""

COUNTERFACTUAL_SHARE = 0.2
"""Share of the time limit each counterfactual plan (risk-blind, yield-blind) may use."""


def create_plan(
    request: PlanRequest, hint: Hint | None = None, on_solution: ProgressReport | None = None,
    extensions: Sequence[ModelExtension] = (), should_stop: Callable[[], bool] | None = None,
) -> PlanResult:
    """Plan the request. Raises `InvalidPlanRequest` for bad input; infeasibility is a result.

    When the request carries predictions and `explain_predictions` is on, part of the time limit
    goes to counterfactual plans that ignore them, to report what the predictions changed."""
    ensure_valid(request)
    options = request.options
    counterfactuals = _counterfactual_count(request)
    main_share = 1.0 - COUNTERFACTUAL_SHARE * counterfactuals
    main = request.model_copy(update={"options": options.model_copy(
        update={"time_limit_seconds": options.time_limit_seconds * main_share})}) if counterfactuals else request
    plan = _plan(main, hint, on_solution, explain=True, extensions=extensions, should_stop=should_stop)
    if counterfactuals and plan.status.has_solution and not (should_stop and should_stop()):
        def solve_blind(blind: PlanRequest) -> PlanResult:
            limited = blind.model_copy(update={"options": blind.options.model_copy(
                update={"time_limit_seconds": options.time_limit_seconds * COUNTERFACTUAL_SHARE})})
            return _plan(limited, None, None, explain=False)

        plan = plan.model_copy(update={"prediction_effects": prediction_effects(request, plan, solve_blind)})
    return plan.model_copy(update={"predictions_used": predictions_used(request, plan)})


def _counterfactual_count(request: PlanRequest) -> int:
    if not request.options.explain_predictions:
        return 0
    risk = bool(request.machine_risks) and request.options.risk_policy != RiskPolicy.NONE
    yields = any(y.yield_rate < 1 for y in request.yields)
    return int(risk) + int(yields)


def _plan(request: PlanRequest, hint: Hint | None, on_solution: ProgressReport | None, explain: bool,
          extensions: Sequence[ModelExtension] = (), should_stop: Callable[[], bool] | None = None) -> PlanResult:
    calendar = availability_by_machine(request)
    available = planning_availability(request, calendar)
    if not uses_lot_sizing(request):
        return _schedule(request, calendar, available, hint, on_solution, explain, extensions, should_stop)
    instance, lot_result = solve_lots(request, available)
    lots = lot_orders(request, lot_result, available)
    remaining = max(request.options.time_limit_seconds - lot_result.build_seconds - lot_result.solve_seconds, 0.5)
    detailed = request.model_copy(update={"orders": [*request.orders, *lots], "options": request.options.model_copy(
        update={"time_limit_seconds": remaining})})
    plan = _schedule(detailed, calendar, available, hint, on_solution, explain, extensions, should_stop)
    lots_plan = lot_plan(request, lot_result, lots).model_copy(
        update={"realisation_problems": realisation_problems(lots, plan.assignments) if plan.assignments else []})
    return plan.model_copy(update={"lot_plan": lots_plan, "bottlenecks": bottlenecks(request, instance, lot_result)})


def _schedule(request: PlanRequest, calendar: dict[str, list[Interval]], available: dict[str, list[Interval]],
              hint: Hint | None, on_solution: ProgressReport | None, explain: bool,
              extensions: Sequence[ModelExtension], should_stop: Callable[[], bool] | None) -> PlanResult:
    jobs = build_jobs(request)
    reasons = infeasibility_reasons(request, jobs, available)
    if reasons:
        logger.info("request %s is infeasible before solving: %d reasons", request.request_id, len(reasons))
        return PlanResult(status=SolveStatus.INFEASIBLE, infeasibility_reasons=reasons, stats=SolveStats(
            solver="pre-check", time_limit_seconds=request.options.time_limit_seconds,
            num_workers=request.options.num_workers, random_seed=request.options.random_seed,
        ))
    # A caller's hint (e.g. the released plan when re-planning) wins; else the best dispatching rule.
    start_from = hint if hint is not None else best_dispatch(request, jobs, available)
    outcome = solve_schedule(request, jobs, available, hint=start_from, on_solution=on_solution,
                             extensions=extensions, should_stop=should_stop)
    logger.info(
        "request %s: %s objective=%.1f bound=%.1f in %.2fs",
        request.request_id, outcome.status, outcome.stats.objective, outcome.stats.best_bound,
        outcome.stats.wall_seconds,
    )
    if not outcome.status.has_solution:
        reasons = [solver_infeasible_reason(jobs, available)] if outcome.status == SolveStatus.INFEASIBLE else []
        return PlanResult(status=outcome.status, stats=outcome.stats, infeasibility_reasons=reasons)
    results = order_results(request, outcome.assignments)
    return PlanResult(
        status=outcome.status,
        assignments=outcome.assignments,
        order_results=results,
        kpis=compute_kpis(request, outcome.assignments, outcome.maintenance),
        stats=outcome.stats,
        maintenance=outcome.maintenance,
        late_orders=explain_late_orders(request, jobs, available, outcome.assignments, results,
                                        outcome.maintenance) if explain else [],
        policy_actions=policy_actions(request, calendar, outcome.assignments, outcome.maintenance),
    )
