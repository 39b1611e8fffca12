"""Solver-independent checks of a lot-sizing plan against its instance, and the plan's cost.

This module owns the definition of a correct plan in plain arithmetic, without HiGHS or the model:
inventory balance with yield, capacity with setup minutes and overtime caps (each operation's load in
the bucket its lead-time offset books it in), setup forcing, lots only where their lead time reaches
and within `max_lot`, nonnegativity, backlog only where allowed, safety stock, and the objective
recomputed from the plan.
Tests run `check_lot_plan` after every solve; the solver's own claims are never taken on trust.
"""

from __future__ import annotations

import numpy as np

from planner.lotsizing.model import LotSizingCost, LotSizingInstance, LotSizingResult
from planner.status import SolveStatus


def plan_cost(instance: LotSizingInstance, result: LotSizingResult) -> LotSizingCost:
    """Setup, holding, backlog and overtime cost of the plan in `result`, from its quantities."""
    setup = holding = backlog = overtime = 0.0
    for item in instance.items:
        plan = result.item_plan(item.item_id)
        setup += item.setup_cost * sum(plan.setup)
        holding += item.holding_cost * float(np.sum(plan.inventory))
        backlog += (item.backlog_cost or 0.0) * float(np.sum(plan.backlog))
    for resource in instance.resources:
        overtime += resource.overtime_cost_per_minute * float(np.sum(result.resource_plan(resource.resource_id)
                                                                     .overtime_minutes))
    return LotSizingCost(setup=setup, holding=holding, backlog=backlog, overtime=overtime,
                         total=setup + holding + backlog + overtime)


def check_lot_plan(instance: LotSizingInstance, result: LotSizingResult, tolerance: float = 1e-6) -> list[str]:
    """Every rule the plan breaks, as readable messages; an empty list means the plan is valid.

    Quantities are compared with an absolute slack of `tolerance` times the item's (or resource's)
    scale, because LP solutions satisfy rows only within the solver's feasibility tolerance.
    """
    if not result.status.has_solution:
        missing_reason = result.status == SolveStatus.INFEASIBLE and not result.reasons
        return ["infeasible without a reason"] if missing_reason else []
    problems = _check_shapes(instance, result)
    if problems:
        return problems
    for item in instance.items:
        problems += _check_item(instance, item.item_id, result, tolerance)
    for resource in instance.resources:
        problems += _check_resource(instance, resource.resource_id, result, tolerance)
    problems += _check_objective(instance, result, tolerance)
    return problems


def _check_shapes(instance: LotSizingInstance, result: LotSizingResult) -> list[str]:
    buckets = instance.bucket_count
    problems = []
    if sorted(p.item_id for p in result.items) != sorted(instance.item_ids()):
        problems.append("the plan's items differ from the instance's items")
    if sorted(p.resource_id for p in result.resources) != sorted(instance.resource_ids()):
        problems.append("the plan's resources differ from the instance's resources")
    for plan in result.items:
        for name in ("production", "good_production", "inventory", "backlog", "setup"):
            if len(getattr(plan, name)) != buckets:
                problems.append(f"item '{plan.item_id}': {name} has {len(getattr(plan, name))} values, "
                                f"expected {buckets}")
    for resource_plan in result.resources:
        for name in ("load_minutes", "overtime_minutes"):
            if len(getattr(resource_plan, name)) != buckets:
                problems.append(f"resource '{resource_plan.resource_id}': {name} has the wrong length")
    return problems


def _check_item(instance: LotSizingInstance, item_id: str, result: LotSizingResult, tolerance: float) -> list[str]:
    """Balance, nonnegativity, yield, setup forcing, backlog policy and safety stock of one item."""
    item = next(candidate for candidate in instance.items if candidate.item_id == item_id)
    plan = result.item_plan(item_id)
    slack = tolerance * max(1.0, item.initial_inventory + sum(item.demand) + max(item.safety_stock or [0.0]))
    production, good = np.array(plan.production), np.array(plan.good_production)
    inventory, backlog = np.array(plan.inventory), np.array(plan.backlog)
    problems = []
    for name, values in (("production", production), ("inventory", inventory), ("backlog", backlog)):
        for t in np.flatnonzero(values < -slack):
            problems.append(f"item '{item_id}' bucket {t}: negative {name} {values[t]:g}")
    for t in np.flatnonzero(np.abs(good - production * item.yield_rate) > slack):
        problems.append(f"item '{item_id}' bucket {t}: good production is not production x yield_rate")
    net_before = np.concatenate([[item.initial_inventory], (inventory - backlog)[:-1]])
    imbalance = net_before + production * item.yield_rate - np.array(item.demand) - (inventory - backlog)
    for t in np.flatnonzero(np.abs(imbalance) > slack):
        problems.append(f"item '{item_id}' bucket {t}: inventory balance is off by {imbalance[t]:g}")
    for t in np.flatnonzero((production > slack) & ~np.array(plan.setup, dtype=bool)):
        problems.append(f"item '{item_id}' bucket {t}: produces {production[t]:g} without a setup")
    problems += _check_lead_time(instance, item_id, good, slack)
    if item.backlog_cost is None:
        for t in np.flatnonzero(backlog > slack):
            problems.append(f"item '{item_id}' bucket {t}: backlog {backlog[t]:g} but backlog is not allowed")
    safety = np.array(item.safety_stock or [0.0] * instance.bucket_count)
    for t in np.flatnonzero(inventory < safety - slack):
        problems.append(f"item '{item_id}' bucket {t}: stock {inventory[t]:g} below safety stock {safety[t]:g}")
    return problems


def _check_lead_time(instance: LotSizingInstance, item_id: str, good: np.ndarray, slack: float) -> list[str]:
    """No lot completes in a bucket its lead time cannot reach, nor holds more than `max_lot` good units."""
    item = next(candidate for candidate in instance.items if candidate.item_id == item_id)
    possible = item.completion_possible(instance.bucket_count)
    problems = [f"item '{item_id}' bucket {t}: a lot of {good[t]:g} completes where its lead time reaches "
                f"before bucket 0" for t in range(instance.bucket_count) if not possible[t] and good[t] > slack]
    if item.max_lot is not None:
        problems += [f"item '{item_id}' bucket {t}: lot of {good[t]:g} good units above its lead-time limit "
                     f"{limit:g}" for t, limit in enumerate(item.max_lot) if good[t] > limit + slack]
    return problems


def _booked_load(instance: LotSizingInstance, resource_id: str, result: LotSizingResult) -> np.ndarray:
    """Minutes per bucket the plan loads on the resource: each lot's operation in the bucket its lead-time
    offset books it in (a lot completing in t runs the operation in t - offset)."""
    buckets = instance.bucket_count
    load = np.zeros(buckets)
    for item in instance.items:
        item_plan = result.item_plan(item.item_id)
        for operation in item.operations:
            if operation.resource_id != resource_id:
                continue
            for t, offset in enumerate(operation.offsets(buckets)):
                if t - offset >= 0:
                    load[t - offset] += (operation.minutes_per_unit * item_plan.production[t]
                                         + operation.setup_minutes * float(item_plan.setup[t]))
    return load


def _check_resource(instance: LotSizingInstance, resource_id: str, result: LotSizingResult,
                    tolerance: float) -> list[str]:
    """Capacity including setup minutes and overtime, the overtime cap, and the reported load."""
    resource = next(candidate for candidate in instance.resources if candidate.resource_id == resource_id)
    plan = result.resource_plan(resource_id)
    load = _booked_load(instance, resource_id, result)
    capacity = np.array(resource.capacity_minutes)
    overtime = np.array(plan.overtime_minutes)
    cap = np.array(resource.overtime_cap_minutes or [0.0] * instance.bucket_count)
    slack = tolerance * max(1.0, float(capacity.max() + cap.max()))
    problems = []
    for t in np.flatnonzero(load > capacity + overtime + slack):
        problems.append(f"resource '{resource_id}' bucket {t}: load {load[t]:g} minutes exceeds capacity "
                        f"{capacity[t]:g} plus overtime {overtime[t]:g}")
    for t in np.flatnonzero((overtime > cap + slack) | (overtime < -slack)):
        problems.append(f"resource '{resource_id}' bucket {t}: overtime {overtime[t]:g} outside [0, {cap[t]:g}]")
    for t in np.flatnonzero(np.abs(load - np.array(plan.load_minutes)) > slack):
        problems.append(f"resource '{resource_id}' bucket {t}: reported load {plan.load_minutes[t]:g} "
                        f"differs from the recomputed {load[t]:g}")
    if plan.shadow_price is not None and min(plan.shadow_price) < 0:
        problems.append(f"resource '{resource_id}': negative capacity shadow price")
    return problems


def _check_objective(instance: LotSizingInstance, result: LotSizingResult, tolerance: float) -> list[str]:
    """The reported objective equals the recomputed cost, and the bound does not exceed it."""
    cost = plan_cost(instance, result).total
    problems = []
    if result.objective is None or abs(result.objective - cost) > tolerance * max(1.0, abs(cost)):
        problems.append(f"objective {result.objective} differs from the recomputed cost {cost:.6f}")
    if result.best_bound is not None and result.best_bound > cost + tolerance * max(1.0, abs(cost)):
        problems.append(f"bound {result.best_bound} exceeds the plan's cost {cost:.6f}")
    return problems
