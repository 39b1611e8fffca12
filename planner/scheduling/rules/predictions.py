"""Rules from the predictions: scrap cost and the defect-rate cap (yield), the risk penalty and
preventive maintenance (equipment risk). Each adds its constraints and returns its part of the
objective in cost cents."""


from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planner.domain import PlanRequest
from planner.risk import MaintenanceRequirement
from planner.scheduling.rules.base import COST_SCALE, RATE_SCALE, TaskVars, literal_terms
from planner.scheduling.tasks import Job


def scrap_cost(request: PlanRequest, tasks: Sequence[Sequence[TaskVars]]) -> list[cp_model.LinearExprT]:
    """Soft: each expected scrapped unit costs its product's scrap cost, so work goes where yield is better."""
    costs = {p.id: p.scrap_cost for p in request.factory.products}
    terms: list[cp_model.LinearExprT] = []
    for job_vars in tasks:
        for variables in job_vars:
            cost = costs[variables.task.product_id]
            if cost > 0:
                terms += literal_terms(variables, {
                    a.key: round(a.expected_scrap * cost * COST_SCALE) for a in variables.task.alternatives})
    return terms


def defect_rate_cap(model: cp_model.CpModel, request: PlanRequest, tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: expected scrap units over processed units of the whole plan stay at or below the cap."""
    cap = request.options.max_expected_defect_rate
    if cap is None:
        return
    terms: list[cp_model.LinearExprT] = []
    for job_vars in tasks:
        for variables in job_vars:
            # scrap x 10^4 - cap_bp x processed <= 0, per chosen machine
            terms += literal_terms(variables, {
                a.key: round(a.expected_scrap * RATE_SCALE) - round(cap * RATE_SCALE) * a.processed
                for a in variables.task.alternatives})
    if terms:
        model.add(cp_model.LinearExpr.sum(terms) <= 0)


def risk_penalty(request: PlanRequest, jobs: Sequence[Job], tasks: Sequence[Sequence[TaskVars]],
                 rates: dict[str, float]) -> list[cp_model.LinearExprT]:
    """Soft: p x order weight x minutes on a risky machine, so high-priority work avoids machines likely to fail."""
    if not rates:
        return []
    weight = request.options.risk_penalty_weight
    terms: list[cp_model.LinearExprT] = []
    for job, job_vars in zip(jobs, tasks, strict=True):
        for variables in job_vars:
            terms += literal_terms(variables, {
                a.key: round(rates.get(a.machine_id, 0.0) * job.order.weight * a.duration * weight * COST_SCALE)
                for a in variables.task.alternatives})
    return terms


@dataclass
class MaintenanceVars:
    requirement: MaintenanceRequirement
    start: cp_model.IntVar
    interval: cp_model.IntervalVar


def preventive_maintenance(
    model: cp_model.CpModel, requirements: Sequence[MaintenanceRequirement], horizon: int,
    intervals_by_machine: dict[str, list[cp_model.IntervalVar]],
) -> list[MaintenanceVars]:
    """Hard: a maintenance task on each risky machine starts before its risk crosses the threshold;
    it takes the machine like any operation, so production is planned around it."""
    created = []
    for requirement in requirements:
        latest = min(requirement.latest_start, horizon - requirement.minutes)
        start = model.new_int_var(0, max(latest, 0), f"maintenance[{requirement.machine_id}]")
        interval = model.new_fixed_size_interval_var(start, requirement.minutes, f"pm[{requirement.machine_id}]")
        intervals_by_machine.setdefault(requirement.machine_id, []).append(interval)
        created.append(MaintenanceVars(requirement, start, interval))
    return created


