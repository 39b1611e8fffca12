"""The HiGHS backend of lot sizing: run one built model and map its outcome into `SolveStatus`.

Improving thread: HiGHS' branch-and-bound on these models runs on one core. With setup columns given,
`run_highs` runs `improve.fix_and_optimize` beside it on a second thread, returns the cheaper of the
two plans, and stops the MIP once that plan meets HiGHS' dual bound (see improve.py).

Threads: HiGHS keeps one thread scheduler per process. Asking for a different thread count than the
one the scheduler was started with fails, so the scheduler is reset and the run repeated once; the
service runs one solve per pool process, which makes that reset safe.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
from highspy.highs import HighsCallbackEvent

from planner.lotsizing.formulation import FloatArray, IntArray, LotSizingModel, configured_highs
from planner.lotsizing.improve import Incumbents, fix_and_optimize
from planner.lotsizing.model import LotSizingOptions
from planner.status import SolveStatus, relative_gap

logger = logging.getLogger(__name__)

HIGHS_VERSION = f"highs {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"
_TIMED_OUT = {
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kHighsInterrupt,
    highspy.HighsModelStatus.kObjectiveBound,
    highspy.HighsModelStatus.kObjectiveTarget,
    highspy.HighsModelStatus.kMemoryLimit,
}


@dataclass(frozen=True)
class HighsOutcome:
    """What one HiGHS run produced, copied out of the solver object."""

    status: SolveStatus
    model_status: str
    objective: float | None
    bound: float | None
    col_value: FloatArray | None
    row_dual: FloatArray | None
    seconds: float
    improved_by_search: bool = False  # the plan came from the fix-and-optimize thread


def map_highs_status(model_status: highspy.HighsModelStatus, has_solution: bool) -> SolveStatus:
    """HiGHS model status -> the planner's status."""
    if model_status == highspy.HighsModelStatus.kOptimal:
        return SolveStatus.OPTIMAL
    # All costs are nonnegative, so "unbounded or infeasible" can only mean infeasible.
    if model_status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return SolveStatus.INFEASIBLE
    if model_status in _TIMED_OUT:
        return SolveStatus.FEASIBLE if has_solution else SolveStatus.NO_SOLUTION_IN_TIME
    if model_status in (highspy.HighsModelStatus.kModelError, highspy.HighsModelStatus.kLoadError):
        return SolveStatus.MODEL_INVALID
    return SolveStatus.ERROR


def run_highs(model: LotSizingModel, options: LotSizingOptions, time_limit: float,
              improve_setups: IntArray | None = None) -> HighsOutcome:
    """Solve one built model (MIP or LP) with the options' limits and copy the outcome out.

    `improve_setups` ([item, bucket] setup columns) runs fix-and-optimize beside a MIP.
    """
    highs = configured_highs(options, time_limit, options.log_to_console)
    if model.problem.load_into(highs) == highspy.HighsStatus.kError:
        return HighsOutcome(SolveStatus.MODEL_INVALID, "load error", None, None, None, None, 0.0)
    improving = model.problem.is_mip and improve_setups is not None and improve_setups.size > 0
    incumbents = Incumbents()
    stop = threading.Event()
    start = time.perf_counter()
    worker = None
    if improving:
        assert improve_setups is not None
        _share_incumbents(highs, incumbents, options.relative_gap)
        worker = threading.Thread(target=fix_and_optimize, name="lot-sizing-fix-and-optimize", daemon=True,
                                  args=(model.problem, improve_setups, incumbents, options,
                                        start + max(time_limit, 0.01), stop))
        worker.start()
    try:
        if highs.run() == highspy.HighsStatus.kError and highs.getModelStatus() == highspy.HighsModelStatus.kNotset:
            logger.info("HiGHS refused the thread count; resetting its scheduler to %d threads", options.threads)
            highspy.Highs.resetGlobalScheduler(True)
            highs.run()
    finally:
        stop.set()
        if worker is not None:
            worker.join()
    seconds = time.perf_counter() - start
    outcome = _outcome(highs, model, seconds)
    return _with_improvement(outcome, incumbents, options.relative_gap) if improving else outcome


def _outcome(highs: highspy.Highs, model: LotSizingModel, seconds: float) -> HighsOutcome:
    model_status, info = highs.getModelStatus(), highs.getInfo()
    has_solution = info.primal_solution_status == highspy.kSolutionStatusFeasible
    solution = highs.getSolution()
    bound = info.mip_dual_bound if model.problem.is_mip else info.objective_function_value
    return HighsOutcome(
        status=map_highs_status(model_status, has_solution),
        model_status=highs.modelStatusToString(model_status),
        objective=info.objective_function_value if has_solution else None,
        bound=bound if np.isfinite(bound) else None,
        col_value=np.asarray(solution.col_value) if has_solution else None,
        row_dual=np.asarray(solution.row_dual) if solution.dual_valid else None,
        seconds=seconds,
    )


def _share_incumbents(highs: highspy.Highs, incumbents: Incumbents, gap_tolerance: float) -> None:
    """HiGHS' new plans go to `incumbents`; HiGHS stops once the shared plan meets its dual bound."""

    def on_improving(event: HighsCallbackEvent) -> None:
        incumbents.offer(np.asarray(event.data_out.mip_solution), float(event.data_out.objective_function_value))

    def on_interrupt_check(event: HighsCallbackEvent) -> None:
        _, objective = incumbents.best()
        bound = float(event.data_out.mip_dual_bound)
        if incumbents.improvements and np.isfinite(objective) and np.isfinite(bound) \
                and relative_gap(objective, bound) <= gap_tolerance:
            event.interrupt()

    highs.cbMipImprovingSolution.subscribe(on_improving)
    highs.cbMipInterrupt.subscribe(on_interrupt_check)


def _with_improvement(outcome: HighsOutcome, incumbents: Incumbents, gap_tolerance: float) -> HighsOutcome:
    """The MIP's outcome, with the improving thread's plan where that is cheaper."""
    values, objective = incumbents.best()
    if values is None or (outcome.objective is not None and objective >= outcome.objective - 1e-9 * abs(objective)):
        return outcome
    status = outcome.status
    if outcome.bound is not None and relative_gap(objective, outcome.bound) <= gap_tolerance:
        status = SolveStatus.OPTIMAL  # HiGHS was stopped because this plan met its bound
    elif status in (SolveStatus.NO_SOLUTION_IN_TIME, SolveStatus.OPTIMAL):
        status = SolveStatus.FEASIBLE
    return replace(outcome, status=status, objective=objective, col_value=values, improved_by_search=True)
