"""Family changeovers: sequence-dependent setups when a machine switches product families."""


from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from planner.domain import FamilyChangeover, PlanRequest
from planner.scheduling.rules.base import TaskVars


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
