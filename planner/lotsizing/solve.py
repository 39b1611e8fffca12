"""Solving lot sizing: the MIP, the pricing LP with setups fixed, and the result.

This module owns `solve_lot_sizing`, the one entry point the rest of the planner calls. It runs, in
order: a cheap proof of infeasibility (diagnosis) -> the MIP -> an LP with the setup decisions fixed
at the MIP's values, whose primal is the returned plan (exact zeros where there is no setup, no
integrality tolerance left) and whose capacity-row duals are the shadow prices -> the cost recomputed
from the plan. Every HiGHS outcome maps into `SolveStatus`; nothing here raises on infeasible input.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from planner.lotsizing.backend import HIGHS_VERSION, HighsOutcome, run_highs
from planner.lotsizing.checker import plan_cost
from planner.lotsizing.diagnosis import diagnose_infeasibility, proven_conflicts
from planner.lotsizing.formulation import (
    BoolArray,
    FloatArray,
    Formulation,
    LotSizingModel,
    PreparedData,
    build_model,
    flow_column_count,
    prepare,
)
from planner.lotsizing.model import (
    LotSizingInstance,
    LotSizingItemPlan,
    LotSizingOptions,
    LotSizingResourcePlan,
    LotSizingResult,
)
from planner.status import SolveStatus, relative_gap

logger = logging.getLogger(__name__)


def solve_lot_sizing(instance: LotSizingInstance, options: LotSizingOptions | None = None) -> LotSizingResult:
    """Plan lots for every item and bucket; the result's status says how far the solve got."""
    options = options or LotSizingOptions()
    started = time.perf_counter()
    data = prepare(instance)
    reasons = proven_conflicts(data)
    if reasons:
        return _result(instance, options, SolveStatus.INFEASIBLE, reasons=reasons,
                       build=time.perf_counter() - started)
    formulation = choose_formulation(data, options)
    # The result records the formulation actually built, not "auto".
    options = options.model_copy(update={"formulation": formulation})
    model = build_model(data, formulation)
    build = time.perf_counter() - started
    improve = model.variables.setup if options.fix_and_optimize else None
    mip = run_highs(model, options, options.time_limit_seconds, improve_setups=improve)
    logger.info("lot sizing %s: %s in %.2fs (build %.3fs)%s", instance.name, mip.model_status, mip.seconds, build,
                ", plan from fix-and-optimize" if mip.improved_by_search else "")
    if mip.status == SolveStatus.INFEASIBLE:
        diagnosis_started = time.perf_counter()
        reasons = diagnose_infeasibility(data, options, options.time_limit_seconds - (diagnosis_started - started))
        solve = mip.seconds + time.perf_counter() - diagnosis_started
        return _result(instance, options, mip.status, reasons=reasons, build=build, solve=solve)
    if mip.col_value is None:
        reason = f"HiGHS ended with '{mip.model_status}' and no plan"
        return _result(instance, options, mip.status, reasons=[reason], build=build, solve=mip.seconds,
                       bound=mip.bound)
    setups = mip.col_value[model.variables.setup] > 0.5
    return _priced_result(instance, options, data, setups, mip, build)


def choose_formulation(data: PreparedData, options: LotSizingOptions) -> Formulation:
    """The formulation to build: `auto` keeps the tight one while its flow columns stay affordable."""
    if options.formulation != "auto":
        return options.formulation
    flows = flow_column_count(data)
    if flows <= options.max_flow_columns:
        return "facility_location"
    # HiGHS may spend longer than the time limit in presolve on very large flow models.
    logger.info("%d flow columns exceed %d: using the aggregated formulation", flows, options.max_flow_columns)
    return "aggregated"


def _priced_result(instance: LotSizingInstance, options: LotSizingOptions, data: PreparedData,
                   setups: BoolArray, mip: HighsOutcome, build: float) -> LotSizingResult:
    """Re-solve with setups fixed: the clean plan and the capacity shadow prices."""
    started = time.perf_counter()
    pricing_model = build_model(data, "aggregated", fixed_setups=setups)
    build += time.perf_counter() - started
    pricing = run_highs(pricing_model, options, max(options.time_limit_seconds, 10.0))
    values, duals = pricing.col_value, pricing.row_dual
    if values is None:
        # Not expected for a MIP solution within tolerances; keep the MIP values rather than fail. The
        # column indices agree: every model creates the business variables first, in the same order.
        logger.warning("pricing LP ended with '%s'; returning the MIP values", pricing.model_status)
        values, duals = mip.col_value, None
    assert values is not None
    result = _result(instance, options, mip.status, build=build, solve=mip.seconds + pricing.seconds,
                     bound=mip.bound)
    result.items = _item_plans(data, pricing_model, values, setups)
    result.resources = _resource_plans(data, pricing_model, values, setups,
                                       duals if options.shadow_prices else None)
    result.cost = plan_cost(instance, result)
    result.objective = result.cost.total
    if result.best_bound is not None:
        # The bound comes from the MIP within its tolerances; never report it above the plan's cost.
        result.best_bound = min(result.best_bound, result.objective)
        result.gap = relative_gap(result.objective, result.best_bound)
    return result


def _item_plans(data: PreparedData, model: LotSizingModel, values: FloatArray,
                setups: BoolArray) -> list[LotSizingItemPlan]:
    columns = model.variables
    production = np.where(setups, np.maximum(values[columns.production], 0.0), 0.0)
    inventory, backlog = np.maximum(values[columns.inventory], 0.0), np.maximum(values[columns.backlog], 0.0)
    return [
        LotSizingItemPlan(
            item_id=item_id,
            production=production[i].tolist(),
            good_production=(production[i] * data.yield_rate[i]).tolist(),
            inventory=inventory[i].tolist(),
            backlog=backlog[i].tolist(),
            setup=setups[i].tolist(),
        )
        for i, item_id in enumerate(data.item_ids)
    ]


def _resource_plans(data: PreparedData, model: LotSizingModel, values: FloatArray, setups: BoolArray,
                    duals: FloatArray | None) -> list[LotSizingResourcePlan]:
    production = np.where(setups, np.maximum(values[model.variables.production], 0.0), 0.0)
    overtime = np.maximum(values[model.variables.overtime], 0.0)
    load = data.loads.load(production, setups.astype(float), data.n_resources)  # [R, T], lead-time offsets included
    # HiGHS reports d(cost)/d(rhs) (<= 0 on a binding <= row); planners read "minutes saved cost X".
    prices = None if duals is None else np.maximum(-duals[model.capacity_rows], 0.0)
    return [
        LotSizingResourcePlan(
            resource_id=resource_id,
            load_minutes=load[r].tolist(),
            overtime_minutes=overtime[r].tolist(),
            shadow_price=None if prices is None else prices[r].tolist(),
        )
        for r, resource_id in enumerate(data.resource_ids)
    ]


def _result(instance: LotSizingInstance, options: LotSizingOptions, status: SolveStatus,
            reasons: list[str] | None = None, build: float = 0.0, solve: float = 0.0,
            bound: float | None = None) -> LotSizingResult:
    return LotSizingResult(
        instance_name=instance.name,
        status=status,
        best_bound=bound,
        reasons=reasons or [],
        build_seconds=build,
        solve_seconds=solve,
        solver=HIGHS_VERSION,
        parameters=options.model_dump(),
    )


def solve_lp_relaxation(instance: LotSizingInstance, formulation: Formulation = "facility_location",
                        options: LotSizingOptions | None = None) -> float | None:
    """Optimal value of the LP relaxation of the chosen formulation (its root bound before cuts)."""
    options = options or LotSizingOptions()
    model = build_model(prepare(instance), formulation, integer=False)
    return run_highs(model, options, options.time_limit_seconds).objective
