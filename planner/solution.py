"""What a plan is: scheduled operations, per-order results, KPIs and solve statistics.

Times are minutes from plan start, like everywhere in the planner.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from planner.status import SolveStatus


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScheduledOperation(_Result):
    order_id: str
    product_id: str
    operation_id: str
    operation_index: int = Field(description="Position in the product's routing, from 0.")
    machine_id: str
    start: int = Field(description="Start, minutes from plan start (setup begins here).")
    end: int = Field(description="End, minutes from plan start.")
    quantity: int = Field(description="Units processed.")
    setup_minutes: int = Field(default=0, description="Setup part at the start of the operation.")


class OrderResult(_Result):
    order_id: str
    completion: int = Field(description="End of the last operation, minutes from plan start.")
    due: int
    tardiness: int = Field(description="max(0, completion - due) in minutes.")

    @property
    def on_time(self) -> bool:
        return self.tardiness == 0


class MachineUtilization(_Result):
    machine_id: str
    busy_minutes: int
    available_minutes: int = Field(description="Working time between plan start and the makespan.")
    operations: int

    @property
    def utilization(self) -> float:
        return self.busy_minutes / self.available_minutes if self.available_minutes else 0.0


class Kpis(_Result):
    on_time_rate: float = Field(description="Share of orders on time, 0 to 1.")
    late_orders: int
    total_tardiness_minutes: int
    weighted_tardiness_minutes: float
    makespan_minutes: int
    machine_utilization: list[MachineUtilization]


class SolveStats(_Result):
    solver: str = "cp-sat"
    solver_version: str = ""
    objective: float = 0.0
    best_bound: float = 0.0
    gap: float = 0.0
    wall_seconds: float = 0.0
    time_limit_seconds: float = 0.0
    num_workers: int = 1
    random_seed: int = 0
    operations: int = 0
    alternatives: int = 0
    notes: str = ""


class PlanResult(_Result):
    """A plan, or the reasons there is none."""

    status: SolveStatus
    assignments: list[ScheduledOperation] = Field(default_factory=list)
    order_results: list[OrderResult] = Field(default_factory=list)
    kpis: Kpis | None = None
    stats: SolveStats = Field(default_factory=SolveStats)
    infeasibility_reasons: list[str] = Field(default_factory=list)
