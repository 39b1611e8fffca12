"""Business rules of the detailed schedule that come from predictions and plant data, one function each.

Every function receives the CP-SAT model and the task variables (`start`, `end`, `presence` per
eligible machine, as built by `planner.scheduling`), adds its constraints, and returns its part of
the objective (integer coefficients in cost cents) or the variables it created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ortools.sat.python import cp_model

from planner.domain import FamilyChangeover, PlanRequest
from planner.risk import MaintenanceRequirement
from planner.tasks import Job, Task

COST_SCALE = 100
"""Objective coefficients are in cents: CP-SAT needs integers, and a cent is fine enough for any cost."""
RATE_SCALE = 10_000
"""Defect-rate cap in basis points of processed units."""

Presence = cp_model.IntVar | bool


class TaskVars(Protocol):
    task: Task
    start: cp_model.IntVar
    end: cp_model.IntVar
    presence: dict[str, Presence]


def _literal_terms(variables: TaskVars, coefficient: dict[str, int]) -> list[cp_model.LinearExprT]:
    """sum over eligible machines of coefficient x [task runs there] (constants for fixed machines)."""
    terms: list[cp_model.LinearExprT] = []
    for machine_id, literal in variables.presence.items():
        value = coefficient.get(machine_id, 0)
        if value:
            terms.append(value if literal is True else value * literal)
    return terms


def cost_coefficient(coefficient: float) -> int:
    """A per-minute lateness coefficient (weight x late cost x scale) in the model's integer units, at
    least 1: a positive weight must count even below the cost resolution (a hundredth of a currency unit
    per minute). Such a weight then counts as that resolution in the solver; the KPIs keep its value."""
    return max(1, round(coefficient))


def scrap_cost(request: PlanRequest, tasks: Sequence[Sequence[TaskVars]]) -> list[cp_model.LinearExprT]:
    """Soft: each expected scrapped unit costs its product's scrap cost, so work goes where yield is better."""
    costs = {p.id: p.scrap_cost for p in request.factory.products}
    terms: list[cp_model.LinearExprT] = []
    for job_vars in tasks:
        for variables in job_vars:
            cost = costs[variables.task.product_id]
            if cost > 0:
                terms += _literal_terms(variables, {
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
            terms += _literal_terms(variables, {
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
            terms += _literal_terms(variables, {
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


def changeover_minutes(changeovers: Sequence[FamilyChangeover], machine_id: str, before: str, after: str) -> int:
    """Changeover between two families on a machine: a machine-specific rule wins over a general one."""
    if before == after:
        return 0
    pair = (before, after)
    specific = [c for c in changeovers if c.machine_id == machine_id and (c.from_family, c.to_family) == pair]
    general = [c for c in changeovers if c.machine_id is None and (c.from_family, c.to_family) == pair]
    chosen = specific or general
    return chosen[0].minutes if chosen else 0


def family_changeovers(model: cp_model.CpModel, request: PlanRequest,
                       tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: between consecutive lots of different families on a machine, its changeover time passes.

    One circuit per machine over the operations that may run there (node 0 opens and closes the
    sequence; an operation placed elsewhere takes its self-loop)."""
    changeovers = request.factory.changeovers
    if not changeovers:
        return
    family = {p.id: p.family for p in request.factory.products}
    by_machine: dict[str, list[TaskVars]] = {}
    for job_vars in tasks:
        for variables in job_vars:
            for machine_id in variables.presence:
                by_machine.setdefault(machine_id, []).append(variables)
    for machine_id, candidates in by_machine.items():
        families = {family[v.task.product_id] for v in candidates}
        if len(families) < 2 or not any(c.machine_id in (None, machine_id) for c in changeovers):
            continue
        _machine_circuit(model, machine_id, candidates, family, changeovers)


def _machine_circuit(model: cp_model.CpModel, machine_id: str, candidates: list[TaskVars],
                     family: dict[str, str], changeovers: Sequence[FamilyChangeover]) -> None:
    arcs: list[tuple[int, int, cp_model.LiteralT]] = []
    for i, first in enumerate(candidates, start=1):
        present = first.presence[machine_id]
        if present is True:
            present_literal: cp_model.LiteralT = model.new_constant(1)
        else:
            present_literal = present
            arcs.append((i, i, present_literal.negated()))  # type: ignore[union-attr]
        arcs.append((0, i, model.new_bool_var(f"first[{machine_id},{i}]")))
        arcs.append((i, 0, model.new_bool_var(f"last[{machine_id},{i}]")))
        for j, second in enumerate(candidates, start=1):
            if i == j or (first.task.order_id == second.task.order_id and first.task.index > second.task.index):
                continue
            follows = model.new_bool_var(f"next[{machine_id},{i},{j}]")
            gap = changeover_minutes(changeovers, machine_id, family[first.task.product_id],
                                     family[second.task.product_id])
            model.add(second.start >= first.end + gap).only_enforce_if(follows)
            arcs.append((i, j, follows))
    arcs.append((0, 0, model.new_bool_var(f"empty[{machine_id}]")))
    model.add_circuit(arcs)
