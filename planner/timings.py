"""Where the time of one plan goes: named phases with their start and length.

`create_plan` records its phases (validation, model building, solving, counterfactual plans,
explanations) and the service adds its own (mapping, storing). Each phase is a `PhaseTiming` with a
start in epoch seconds (`time.time()`, so that phases of different processes line up on one clock)
and a length measured by the monotonic clock. Traces turn them into spans; the API reports them in
`SolveStatistics.phases`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel, ConfigDict, Field


class PhaseTiming(BaseModel):
    """One phase of a plan request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="validation, preparation, solving, counterfactuals, explaining, mapping, storing.")
    start: float = Field(description="When the phase began, seconds since the epoch (time.time()).")
    seconds: float = Field(ge=0.0, description="How long it took, seconds.")


class PhaseClock:
    """Collects phases in the order they ran; `phase(name)` times a block (nested blocks are phases of their own).

    Phases of the same name are kept apart (a counterfactual plan's solve is not the plan's solve)."""

    def __init__(self) -> None:
        self._phases: list[PhaseTiming] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as phase `name`; it is recorded even when the block raises."""
        start = time.time()
        began = time.perf_counter()
        try:
            yield
        finally:
            self._phases.append(PhaseTiming(name=name, start=start, seconds=time.perf_counter() - began))

    def add(self, timing: PhaseTiming) -> None:
        self._phases.append(timing)

    @property
    def phases(self) -> list[PhaseTiming]:
        return sorted(self._phases, key=lambda p: p.start)


def total_by_name(phases: list[PhaseTiming]) -> dict[str, float]:
    """Seconds per phase name, summed over repeated phases, in the order the names first appear."""
    totals: dict[str, float] = {}
    for timing in phases:
        totals[timing.name] = totals.get(timing.name, 0.0) + timing.seconds
    return totals
