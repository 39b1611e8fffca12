"""What the predictions did to the plan: where each policy acted, and KPIs against counterfactual plans.

A counterfactual plan is solved from the same request with one kind of prediction ignored (risk
policy off, or every yield taken as 100 %), then scored with the same KPI code. For risk, its KPIs
are evaluated under the risk curves it ignored (so risk exposure is comparable); for yield, the
blind plan's time allows only the ordered units, and the summary says how many good parts it would
be short at the predicted yields.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from planner.calendar import Interval
from planner.domain import PlanRequest, RiskPolicy
from planner.kpis import compute_kpis
from planner.risk import capacity_reserves, penalty_rates
from planner.scheduling.tasks import processed_quantity
from planner.solution import (
    Kpis,
    PlanResult,
    PolicyAction,
    PredictionEffect,
    PredictionUse,
    ScheduledMaintenance,
    ScheduledOperation,
    planned_request,
)

Solve = Callable[[PlanRequest], PlanResult]


def policy_actions(request: PlanRequest, calendar: dict[str, list[Interval]],
                   assignments: Sequence[ScheduledOperation],
                   maintenance: Sequence[ScheduledMaintenance]) -> list[PolicyAction]:
    """Where predictions became constraints or costs in this plan."""
    actions = _yield_actions(request, assignments)
    policy = request.options.risk_policy
    for machine_id, windows in sorted(capacity_reserves(request, calendar).items()):
        held = sum(w.end - w.start for w in windows)
        actions.append(PolicyAction(policy=policy.value, machine_id=machine_id,
                                    detail=f"held back {held} min of working time in {len(windows)} buckets "
                                           f"for expected breakdowns"))
    for task in maintenance:
        actions.append(PolicyAction(policy=RiskPolicy.PREVENTIVE_MAINTENANCE.value, machine_id=task.machine_id,
                                    detail=f"maintenance at minute {task.start}-{task.end}, before the risk "
                                           f"threshold at minute {task.latest_start}"))
    weights = {o.id: o.weight for o in request.orders}
    for machine_id, rate in sorted(penalty_rates(request).items()):
        weighted = sum(weights[a.order_id] * (a.end - a.start) for a in assignments if a.machine_id == machine_id)
        actions.append(PolicyAction(policy=RiskPolicy.RISK_PENALTY.value, machine_id=machine_id,
                                    detail=f"failure probability {rate:.0%} over the horizon; {weighted:.0f} "
                                           f"weight-minutes of work kept on it"))
    if request.options.max_expected_defect_rate is not None:
        kpis = compute_kpis(request, assignments, maintenance)
        actions.append(PolicyAction(policy="DEFECT_CAP", detail=f"expected defect rate "
                                    f"{kpis.expected_defect_rate:.2%} against the cap "
                                    f"{request.options.max_expected_defect_rate:.2%}"))
    return actions


def predictions_used(request: PlanRequest, plan: PlanResult) -> list[PredictionUse]:
    """Per machine and product, each prediction the plan used and what it became."""
    acted: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for action in plan.policy_actions:
        acted[("YIELD" if action.policy == "YIELD" else "RISK", action.machine_id, action.product_id)].append(
            action.detail)
    uses = [PredictionUse(kind="YIELD", machine_id=y.machine_id, product_id=y.product_id,
                          value=f"yield {y.yield_rate:.1%}", source=y.source,
                          became="; ".join(acted[("YIELD", y.machine_id, y.product_id)])
                          or "no lot of this product on this machine in the plan")
            for y in request.yields]
    horizon = request.options.horizon_minutes
    policy = request.options.risk_policy
    uses += [PredictionUse(kind="RISK", machine_id=r.machine_id, value=f"failure probability "
                           f"{r.probability_by(horizon):.0%} over the horizon, repair {r.repair_minutes / 60:.1f} h",
                           source=r.source, became="; ".join(acted[("RISK", r.machine_id, "")]) or (
                               "risk exposure KPI only (no risk policy)" if policy == RiskPolicy.NONE
                               else f"{policy.value}: not binding on this machine"))
             for r in request.machine_risks]
    return uses + _demand_uses(request, plan)


def _demand_uses(request: PlanRequest, plan: PlanResult) -> list[PredictionUse]:
    by_product: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    sources: dict[str, str] = {}
    level = request.options.service_level
    for forecast in request.demand_forecasts:
        totals = by_product[forecast.product_id]
        totals[0] += forecast.at(0.5)
        totals[1] += forecast.at(level)
        totals[2] += 1
        sources[forecast.product_id] = forecast.source
    lots = {o.id: o for o in (plan.lot_plan.lots if plan.lot_plan else [])}
    uses = []
    for product_id, (median, covered, buckets) in sorted(by_product.items()):
        scheduled = sum(o.quantity for o in lots.values() if o.product_id == product_id)
        uses.append(PredictionUse(
            kind="DEMAND", product_id=product_id, source=sources[product_id],
            value=f"median {median:.0f} units over {buckets:.0f} buckets, {covered:.0f} at the {level:.0%} quantile",
            became=f"lot sizing covers it to the {level:.0%} quantile (safety stock {covered - median:.0f} units); "
                   f"{scheduled} units in forecast lots of the detailed schedule"))
    return uses


def _yield_actions(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> list[PolicyAction]:
    extra: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for placed in assignments:
        rate = request.yield_rate(placed.product_id, placed.machine_id)
        if rate < 1:
            totals = extra[(placed.product_id, placed.machine_id)]
            totals[0] += 1
            totals[1] += processed_quantity(placed.quantity, rate) - placed.quantity
    return [
        PolicyAction(policy="YIELD", product_id=product_id, machine_id=machine_id,
                     detail=f"yield {request.yield_rate(product_id, machine_id):.1%}: {units} extra units "
                            f"processed over {lots} lots to deliver the ordered good units")
        for (product_id, machine_id), (lots, units) in sorted(extra.items())
    ]


def prediction_effects(request: PlanRequest, plan: PlanResult, solve: Solve) -> list[PredictionEffect]:
    """KPIs of the plan against the plans that ignore risk and yield (only for predictions present)."""
    assert plan.kpis is not None
    effects = []
    if request.machine_risks and request.options.risk_policy != RiskPolicy.NONE:
        blind = solve(request.model_copy(update={"options": request.options.model_copy(
            update={"risk_policy": RiskPolicy.NONE})}))
        if blind.status.has_solution:
            # Scored with the risk curves it ignored (policy off: no reserves or penalty), and its own lots.
            scored = planned_request(request.model_copy(update={"options": request.options.model_copy(
                update={"risk_policy": RiskPolicy.NONE})}), blind)
            effects.append(_risk_effect(plan, blind, compute_kpis(scored, blind.assignments, blind.maintenance)))
    if any(y.yield_rate < 1 for y in request.yields):
        blind_request = request.model_copy(update={"yields": []})
        blind = solve(blind_request)
        if blind.status.has_solution:
            without = compute_kpis(planned_request(blind_request, blind), blind.assignments)
            effects.append(_yield_effect(request, plan, blind, without))
    return effects


def _moved(plan: PlanResult, other: PlanResult) -> int:
    machines = {(a.order_id, a.operation_index): a.machine_id for a in other.assignments}
    return sum(1 for a in plan.assignments if machines.get((a.order_id, a.operation_index)) != a.machine_id)


def _risk_effect(plan: PlanResult, blind: PlanResult, without: Kpis) -> PredictionEffect:
    assert plan.kpis is not None
    with_ = plan.kpis
    summary = (f"Taking equipment risk into account changes the expected hours of work a breakdown would stop from "
               f"{without.risk_exposure_hours:.1f} h to {with_.risk_exposure_hours:.1f} h; on-time rate "
               f"{without.on_time_rate:.0%} -> {with_.on_time_rate:.0%}, weighted lateness "
               f"{without.weighted_tardiness_minutes:.0f} -> {with_.weighted_tardiness_minutes:.0f} min; "
               f"{_moved(plan, blind)} operations on another machine.")
    return PredictionEffect(ignored="RISK", kpis_with=with_, kpis_without=without, summary=summary,
                            moved_operations=_moved(plan, blind))


def _yield_effect(request: PlanRequest, plan: PlanResult, blind: PlanResult, without: Kpis) -> PredictionEffect:
    assert plan.kpis is not None
    short = 0.0
    for placed in blind.assignments:
        short += placed.quantity * (1 - request.yield_rate(placed.product_id, placed.machine_id))
    ordered = sum(o.quantity for o in planned_request(request, blind).orders)
    summary = (f"Planning with the yield predictions processes {plan.kpis.processed_units - without.processed_units} "
               f"more units so that the ordered good parts come out; a yield-blind plan would take "
               f"{without.makespan_minutes / 60:.1f} h instead of {plan.kpis.makespan_minutes / 60:.1f} h but would "
               f"be about {short:.0f} good parts short ({short / max(ordered, 1):.1%} of the ordered parts); "
               f"expected scrap "
               f"{plan.kpis.expected_scrap_units:.0f} units, cost {plan.kpis.costs.scrap:.0f}.")
    return PredictionEffect(ignored="YIELD", kpis_with=plan.kpis, kpis_without=without, summary=summary,
                            moved_operations=_moved(plan, blind))
