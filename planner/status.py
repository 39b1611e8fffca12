"""The planner's own solve status, which every solver backend (CP-SAT, HiGHS) maps into.

Infeasible, time-limited and optimal are values here, never exceptions.
"""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """Outcome of one solve, in the planner's words rather than a solver's."""

    OPTIMAL = "OPTIMAL"
    """A solution was found and proven optimal (within the solver's gap tolerance)."""
    FEASIBLE = "FEASIBLE"
    """A solution was found but the time limit stopped the proof; see the gap."""
    INFEASIBLE = "INFEASIBLE"
    """The constraints cannot all hold; the result carries the reasons."""
    NO_SOLUTION_IN_TIME = "NO_SOLUTION_IN_TIME"
    """The time limit passed before any solution was found; nothing was proven."""
    MODEL_INVALID = "MODEL_INVALID"
    """The solver rejected the model (a bug in our translation, never the user's input)."""
    ERROR = "ERROR"
    """The solver failed for another reason; the result carries the message."""

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def relative_gap(objective: float, bound: float) -> float:
    """Relative optimality gap |objective - bound| / max(|objective|, 1e-9), 0 when they agree."""
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-9)
