"""What every rule module of the CP-SAT model shares: the task variables it sees and the cost scale."""


from __future__ import annotations

from typing import Protocol

from ortools.sat.python import cp_model

from planner.scheduling.tasks import Task

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


def literal_terms(variables: TaskVars, coefficient: dict[str, int]) -> list[cp_model.LinearExprT]:
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


