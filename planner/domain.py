"""The planning domain: the factory, its orders and plan options, as every solver and the API speak it.

Time inside the planner is integer minutes from `PlanOptions.plan_start` (the API's timestamps are
converted once, at the edge). The types carry their rules in field descriptions; all checks that
span fields or objects (unknown ids, due before release, ...) live in `planner.validation`, which
reports every violation at once instead of stopping at the first.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MINUTES_PER_DAY = 24 * 60


class _Domain(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TimeWindow(_Domain):
    """A half-open interval [start, end) in minutes from plan start."""

    start: int = Field(description="First minute of the window, minutes from plan start.")
    end: int = Field(description="First minute after the window; must be greater than start.")
    reason: str = Field(default="", description="Why the window exists, shown in explanations.")


class Shift(_Domain):
    name: str = Field(default="", description="Display name, e.g. 'day'.")
    start_minute: int = Field(description="Start as minutes after local midnight, 0 to 1439.")
    length_minutes: int = Field(description="Length in minutes, 1 to 1440; may run past midnight.")


class ShiftCalendar(_Domain):
    """A weekly pattern of shifts; machines on it are available only inside shifts."""

    id: str
    shifts: list[Shift] = Field(description="Shifts worked on every working day.")
    working_days: list[int] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4],
        description="Worked weekdays, 0 = Monday ... 6 = Sunday (local time).",
    )


class Machine(_Domain):
    id: str
    name: str = ""
    work_center: str = Field(default="", description="Machine group, e.g. 'machining'.")
    calendar_id: str | None = Field(default=None, description="ShiftCalendar id; None = around the clock.")
    maintenance_windows: list[TimeWindow] = Field(default_factory=list, description="Planned downtime.")


class EligibleMachine(_Domain):
    machine_id: str
    setup_minutes: int | None = Field(default=None, description="Overrides the operation's setup here.")
    run_minutes_per_unit: float | None = Field(default=None, description="Overrides the run time here.")


class Operation(_Domain):
    id: str
    name: str = ""
    eligible_machines: list[EligibleMachine] = Field(description="Machines that can process it; not empty.")
    setup_minutes: int = Field(default=0, description="Setup per lot in minutes, at least 0.")
    run_minutes_per_unit: float = Field(default=1.0, description="Processing minutes per unit, > 0.")

    def processing_minutes(self, option: EligibleMachine, quantity: int) -> int:
        """Setup plus quantity x run time on this machine, rounded up to whole minutes."""
        setup = self.setup_minutes if option.setup_minutes is None else option.setup_minutes
        run = self.run_minutes_per_unit if option.run_minutes_per_unit is None else option.run_minutes_per_unit
        # A tiny tolerance keeps 3 x 0.1 min from rounding up to 1 minute too many.
        return setup + math.ceil(quantity * run - 1e-9)

    def setup_on(self, option: EligibleMachine) -> int:
        return self.setup_minutes if option.setup_minutes is None else option.setup_minutes


class Product(_Domain):
    id: str
    name: str = ""
    family: str = Field(default="", description="Product family, for sequence-dependent setups.")
    routing: list[Operation] = Field(description="Operations in processing order; not empty.")


class Order(_Domain):
    id: str
    product_id: str
    quantity: int = Field(description="Units to deliver, > 0.")
    release: int = Field(default=0, description="Earliest start, minutes from plan start; negative = already released.")
    due: int = Field(description="Due time, minutes from plan start; may be negative (already late).")
    weight: float = Field(default=1.0, description="Weight of a minute late, > 0 and finite.")
    customer: str = ""


class Factory(_Domain):
    name: str = ""
    utc_offset_minutes: int = Field(default=0, description="Local time minus UTC, for shift times.")
    calendars: list[ShiftCalendar] = Field(default_factory=list)
    machines: list[Machine]
    products: list[Product]

    def machine(self, machine_id: str) -> Machine:
        return next(m for m in self.machines if m.id == machine_id)

    def product(self, product_id: str) -> Product:
        return next(p for p in self.products if p.id == product_id)


class Objective(StrEnum):
    WEIGHTED_TARDINESS = "WEIGHTED_TARDINESS"
    MAKESPAN = "MAKESPAN"


class PlanOptions(_Domain):
    plan_start: datetime = Field(
        default_factory=lambda: datetime(2026, 1, 5, tzinfo=UTC), description="Time zero of the plan (UTC)."
    )
    horizon_minutes: int = Field(description="Every operation must end by this minute.")
    objective: Objective = Objective.WEIGHTED_TARDINESS
    time_limit_seconds: float = Field(default=10.0, description="Solver wall-clock limit, > 0.")
    num_workers: int = Field(default=2, description="CP-SAT workers, >= 1.")
    random_seed: int = Field(default=0, description="CP-SAT seed.")
    locale: str = Field(default="en", description="Language of explanations: 'en' or 'ko'.")


class PlanRequest(_Domain):
    """Everything one plan is computed from."""

    request_id: str = ""
    factory: Factory
    orders: list[Order]
    options: PlanOptions
