"""The HiGHS backend of lot sizing: run one built model and map its outcome into `SolveStatus`.

Threads: HiGHS keeps one thread scheduler per process. Asking for a different thread count than the
one the scheduler was started with fails, so the scheduler is reset and the run repeated once; the
service runs one solve per pool process, which makes that reset safe.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import highspy
import numpy as np

from planner.lotsizing.formulation import FloatArray, LotSizingModel
from planner.lotsizing.model import LotSizingOptions
from planner.status import SolveStatus

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


def run_highs(model: LotSizingModel, options: LotSizingOptions, time_limit: float) -> HighsOutcome:
    """Solve one built model (MIP or LP) with the options' limits and copy the outcome out."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", options.log_to_console)
    highs.setOptionValue("time_limit", max(time_limit, 0.01))
    highs.setOptionValue("mip_rel_gap", options.relative_gap)
    highs.setOptionValue("random_seed", options.random_seed)
    if options.threads:
        highs.setOptionValue("threads", options.threads)
    if model.problem.load_into(highs) == highspy.HighsStatus.kError:
        return HighsOutcome(SolveStatus.MODEL_INVALID, "load error", None, None, None, None, 0.0)
    start = time.perf_counter()
    if highs.run() == highspy.HighsStatus.kError and highs.getModelStatus() == highspy.HighsModelStatus.kNotset:
        logger.info("HiGHS refused the thread count; resetting its scheduler to %d threads", options.threads)
        highspy.Highs.resetGlobalScheduler(True)
        highs.run()
    seconds = time.perf_counter() - start
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
