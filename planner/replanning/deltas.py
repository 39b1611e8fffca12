"""The typed changes of a what-if scenario (`ScenarioDelta` of the API), as plain domain values.

They live apart from `planner.replanning.scenarios`, which applies them, so that a plan's results (a late
order's fixes, a bottleneck's extra hour) can carry them without importing the scenario engine.
Each type's `kind` is the name of its field in the API's `ScenarioDelta` oneof.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.domain import Order, RiskPolicy, SequenceRule, TimeWindow, YieldEstimate


class _Delta(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AddOrder(_Delta):
    """A new order, e.g. a rush order."""

    kind: Literal["add_order"] = "add_order"
    order: Order


class CancelOrder(_Delta):
    kind: Literal["cancel_order_id"] = "cancel_order_id"
    order_id: str


class ChangeQuantity(_Delta):
    kind: Literal["change_quantity"] = "change_quantity"
    order_id: str
    quantity: int = Field(description="New quantity, > 0.")


class ChangeDueDate(_Delta):
    kind: Literal["change_due_date"] = "change_due_date"
    order_id: str
    due: int = Field(description="New due time, minutes from plan start.")


class MachineDown(_Delta):
    """The machine cannot work inside the window (it becomes a maintenance window)."""

    kind: Literal["machine_down"] = "machine_down"
    machine_id: str
    window: TimeWindow


class ExtraWorkingTime(_Delta):
    """Overtime or an added shift: the window becomes working time even outside the machine's calendar."""

    kind: Literal["extra_working_time"] = "extra_working_time"
    machine_id: str
    window: TimeWindow


class ChangeRelease(_Delta):
    """A new release time, e.g. earlier once the material is there."""

    kind: Literal["change_release"] = "change_release"
    order_id: str
    release: int = Field(description="New release, minutes from plan start.")


class ChangeWeight(_Delta):
    """A new weight of a minute late: a higher one makes the planner run the order earlier."""

    kind: Literal["change_weight"] = "change_weight"
    order_id: str
    weight: float = Field(description="New weight, > 0 and finite.")


class MoveMaintenance(_Delta):
    """One maintenance window of a machine moved to a new start; its length and reason stay."""

    kind: Literal["move_maintenance"] = "move_maintenance"
    machine_id: str
    window_start: int = Field(description="Start of the window to move, minutes from plan start.")
    new_start: int = Field(description="Its new start, minutes from plan start, >= 0.")


class AssignMachine(_Delta):
    """One operation of one order must run on this machine (one of the operation's eligible machines).

    A hard constraint of the scenario, not a preference a solver can trade away: it is how a fix says
    "run it on the other machine" (`planner.explanations.fixes`)."""

    kind: Literal["assign_machine"] = "assign_machine"
    order_id: str
    operation_id: str = Field(description="An operation of the order's routing, not done or running yet.")
    machine_id: str = Field(description="One of that operation's eligible machines.")


class RunBefore(_Delta):
    """On a machine, one order's operation runs before another order's: a sequence rule added to the request.

    Hard, like every `SequenceRule` (`planner.scheduling.rules.sequence`): it is how a fix says "run the late order
    ahead of that order on this machine" so that the sequence holds when the plan is solved from scratch."""

    kind: Literal["run_before"] = "run_before"
    machine_id: str = Field(description="The machine; the rule binds when both operations run there.")
    before_order_id: str = Field(description="The order that goes first.")
    before_operation_id: str = Field(description="Its operation (an id of its product's routing).")
    after_order_id: str = Field(description="The order that goes after it; another order.")
    after_operation_id: str = Field(description="Its operation (an id of its product's routing).")

    def rule(self) -> SequenceRule:
        return SequenceRule(machine_id=self.machine_id, before_order_id=self.before_order_id,
                            before_operation_id=self.before_operation_id, after_order_id=self.after_order_id,
                            after_operation_id=self.after_operation_id)


class SplitLot(_Delta):
    """One order may split one operation's lot into sub-lots across its eligible machines: the order's lot-split
    permission for that operation (`Order.lot_splits`, `planner.scheduling.rules.lot_splitting`), replaced or added.

    How a fix says "split the lot across both machining centres"; the plan still chooses whether to split."""

    kind: Literal["split_lot"] = "split_lot"
    order_id: str
    operation_id: str = Field(description="An operation of the order's routing.")
    max_sublots: int = Field(description="At most this many sub-lots, >= 1.")
    min_sublot_units: int = Field(default=1, description="Each sub-lot at least this many good units, >= 1.")


class ResourceCapacityChange(_Delta):
    """More units of a secondary resource (setters, inspectors) inside a window: one more setter on Wednesday's
    late shift. Added to `Resource.extra_capacity`, on top of what its calendar gives there, also off shift."""

    kind: Literal["extra_resource_capacity"] = "extra_resource_capacity"
    resource_id: str = Field(description="A pool of the factory's secondary resources (not a die or a person).")
    window: TimeWindow
    extra_units: int = Field(description="Units added inside the window, > 0.")


class DemandScale(_Delta):
    kind: Literal["demand_scale"] = "demand_scale"
    product_id: str | None = Field(default=None, description="Only this product's orders; None = every order.")
    factor: float = Field(description="Multiplies order quantities (rounded up) and the demand forecasts' quantiles, "
                                      "> 0; 1.2 is demand +20 %.")


class SetRiskPolicy(_Delta):
    kind: Literal["risk_policy"] = "risk_policy"
    risk_policy: RiskPolicy


class YieldOverride(_Delta):
    kind: Literal["yield_override"] = "yield_override"
    estimate: YieldEstimate


ScenarioDelta = Annotated[
    AddOrder | CancelOrder | ChangeQuantity | ChangeDueDate | MachineDown | ExtraWorkingTime | DemandScale
    | SetRiskPolicy | YieldOverride | ChangeRelease | ChangeWeight | MoveMaintenance | AssignMachine | RunBefore
    | SplitLot | ResourceCapacityChange,
    Field(discriminator="kind"),
]
