"""What a plan is: scheduled operations, per-order results, KPIs and solve statistics.

Times are minutes from plan start, like everywhere in the planner.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from planner.domain import Order, PlanRequest
from planner.replanning.deltas import ExtraWorkingTime, ScenarioDelta
from planner.status import SolveStatus
from planner.timings import PhaseTiming


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StaffAssignment(_Result):
    """A person the plan gives to an operation for one unit of a need by skill (`planner.scheduling.rules.skills`)."""

    person_id: str = Field(description="Resource id of the person.")
    skill: str = Field(description="The skill they cover on the operation (one per person and operation).")


class ScheduledOperation(_Result):
    order_id: str
    product_id: str
    operation_id: str
    operation_index: int = Field(description="Position in the product's routing, from 0.")
    machine_id: str
    start: int = Field(description="Start, minutes from plan start (setup begins here).")
    end: int = Field(description="End, minutes from plan start.")
    quantity: int = Field(description="Good units the operation hands on (the order quantity).")
    setup_minutes: int = Field(default=0, description="Setup part at the start of the operation.")
    processed_quantity: int = Field(default=0, description="Units processed: quantity / expected yield, rounded up.")
    expected_scrap: float = Field(default=0.0, description="Expected scrapped units: processed x (1 - yield).")
    mode_id: str = Field(default="", description="The operation mode chosen (`Operation.modes`); empty without modes.")
    people: list[StaffAssignment] = Field(
        default_factory=list, description="Who covers its needs by skill, one person per unit (for the run, or the "
                                          "setup only, as the need says); empty without such needs.")
    sublot_index: int = Field(
        default=0, description="Split lot (`scheduling.rules.lot_splitting`): which sub-lot of the operation this "
                               "is, from 0; `quantity` is then the sub-lot's good units. 0 for a whole lot.")
    sublot_count: int = Field(default=1, description="Sub-lots the operation's lot was split into; 1 = a whole lot.")


class BatchLoad(_Result):
    """One load of a batch machine (furnace, oven, washer): lots of one recipe that start and end together."""

    machine_id: str
    recipe: str
    start: int = Field(description="Start, minutes from plan start.")
    end: int = Field(description="End (start + the recipe's cycle time), minutes from plan start.")
    order_ids: list[str] = Field(description="The lots in the load, by order id.")
    load: float = Field(description="Capacity used: processed units x load per unit, summed over the lots.")
    capacity: float = Field(description="The machine's batch capacity.")
    changeover_from: str | None = Field(
        default=None, description="Recipe the machine changes over from right before this load (the previous load's "
                                  "on the machine, or its `initial_recipe` before its first load); None: no "
                                  "changeover precedes the load (`oven_rules.with_changeovers` fills it).")
    changeover_minutes: int = Field(default=0, description="The changeover's length: it runs from start - these "
                                                           "minutes to start, in the machine's working time.")
    changeover_cost: float = Field(default=0.0, description="The changeover's `RecipeChangeover.cost`.")

    @property
    def fill(self) -> float:
        """Share of the capacity used, 0 to 1."""
        return self.load / self.capacity if self.capacity else 0.0


class ScheduledMaintenance(_Result):
    """A preventive-maintenance task the plan placed (risk policy PREVENTIVE_MAINTENANCE)."""

    machine_id: str
    start: int
    end: int
    latest_start: int = Field(description="When the predicted risk reaches the threshold.")
    reason: str = ""


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


class CostBreakdown(_Result):
    lateness: float = Field(description="late_cost_per_minute x weighted minutes late.")
    scrap: float = Field(description="Expected scrapped units x each product's scrap cost.")
    risk_penalty: float = Field(default=0.0, description="RISK_PENALTY policy: p x weight x minutes on risky machines.")

    @property
    def total(self) -> float:
        return self.lateness + self.scrap + self.risk_penalty


class Kpis(_Result):
    on_time_rate: float = Field(description="Share of orders on time, 0 to 1.")
    late_orders: int
    total_tardiness_minutes: int
    weighted_tardiness_minutes: float
    makespan_minutes: int
    machine_utilization: list[MachineUtilization]
    fill_rate: float = Field(default=1.0, description="Units delivered on time over units ordered, 0 to 1.")
    processed_units: int = Field(default=0, description="Units processed over all operations.")
    expected_scrap_units: float = Field(default=0.0, description="Expected scrapped units over all operations.")
    risk_exposure_hours: float = Field(
        default=0.0, description="Expected hours of planned work a breakdown would stop (risk curves x load)."
    )
    changeover_minutes: int = Field(default=0, description="Family changeover time between consecutive lots.")
    costs: CostBreakdown = Field(default_factory=lambda: CostBreakdown(lateness=0.0, scrap=0.0))
    average_batch_fill: float = Field(
        default=0.0, description="Mean fill of the batch machines' loads (furnace fill), 0 to 1; 0 without loads.")
    split_operations: int = Field(
        default=0, description="Operations whose lot was split into several sub-lots "
                               "(`planner.scheduling.rules.lot_splitting`).")
    sublots: int = Field(default=0, description="Sub-lots of those split operations, in all.")
    material_wait_minutes: int = Field(
        default=0, description="Minutes operations waited for materials or in-house components after they were "
                               "ready, summed over operations (`planner.scheduling.rules.materials.material_waits`).")
    die_changes: int = Field(default=0, description="Die changes the plan needs (`planner.scheduling.rules.dies`).")
    die_change_minutes: int = Field(default=0, description="Machine time spent changing dies, minutes.")
    recipe_changeover_minutes: int = Field(
        default=0, description="Batch machines' time spent changing recipes between loads (and from their initial "
                               "recipe), minutes (`BatchLoad.changeover_minutes`, summed).")
    recipe_changeovers: int = Field(default=0, description="Recipe changeovers the plan's loads need.")

    @property
    def expected_defect_rate(self) -> float:
        return self.expected_scrap_units / self.processed_units if self.processed_units else 0.0


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


class Fix(_Result):
    """One change that helps a late order, as scenario deltas a client can apply, with its cost and effect."""

    kind: str = Field(description="SEQUENCE, MACHINE, SPLIT_LOT, EARLIER_RELEASE, MOVE_MAINTENANCE, RESOURCE_CAPACITY, "
                                  "OVERTIME, "
                                  "PRIORITY or DUE_DATE, in the order they are tried "
                                  "(`planner.explanations.fix_candidates.TIERS`).")
    text: str = Field(description="The fix and its measured effect in a sentence, in the request's language.")
    changes: list[ScenarioDelta] = Field(description="The deltas that make the fix (overtime: one per day).")
    extra_working_minutes: int = Field(default=0, description="Working time added on top of the calendars.")
    moved_minutes: int = Field(default=0, description="How far maintenance moves later or the release earlier.")
    order_lateness_before: int = Field(description="The order's minutes late in the plan.")
    order_lateness_after: int = Field(description="Its minutes late re-solved with the fix (DUE_DATE: against the "
                                                  "new date).")
    weighted_lateness_before: float = Field(description="The plan's weighted minutes late (the request's weights).")
    weighted_lateness_after: float = Field(description="The same, re-solved with the fix.")
    lateness_pushed: float = Field(default=0.0, description="Weighted minutes late the fix pushed onto other orders.")
    verified: bool = Field(default=False, description="True when the effects were measured by re-solving.")
    whole_plan_verified: bool = Field(
        default=False, description="True when the effects above were measured with the whole plan free to move "
                                   "(not only the order's neighbourhood): what a solve from scratch would face.")

    @property
    def saves_minutes(self) -> int:
        return self.order_lateness_before - self.order_lateness_after


class LateOrderExplanation(_Result):
    """Why an order is late and what would fix it, in the request's language."""

    order_id: str
    minutes_late: int
    reason_code: str = Field(description="DUE_DATE_INFEASIBLE, RELEASE_TOO_LATE, WORK_IN_PROGRESS, TIME_LAG, "
                                         "MAINTENANCE_OR_RISK, BATCH_LOAD, RECIPE_CHANGEOVER, RESOURCE_SHORTAGE, "
                                         "DIE_IN_USE, MATERIAL_WAIT, SKILL_SHORTAGE, BOTTLENECK_CONTENTION")
    reason: str = Field(description="The reason as a sentence for a shop-floor planner.")
    machine_id: str = Field(default="", description="The machine where the order lost the most time.")
    orders_ahead: list[str] = Field(default_factory=list, description="Orders run on that machine while it waited.")
    fix: str = Field(default="", description="A concrete change that would help, with its estimated effect.")
    fix_saves_minutes: int = Field(default=0, description="Lateness the fix removes, minutes: measured for the first "
                                                          "verified fix, else an upper estimate.")
    fixes: list[Fix] = Field(default_factory=list, description="Typed fixes, cheapest first: verified ones when "
                                                               "fixes were verified, else unverified candidates.")
    fixes_dropped: int = Field(default=0, description="Candidates that re-solving showed not to help.")


class PolicyAction(_Result):
    """One place where a prediction became a constraint or a cost."""

    policy: str = Field(description="YIELD, EXPECTED_CAPACITY, CHANCE_RESERVE, PREVENTIVE_MAINTENANCE, RISK_PENALTY, "
                                    "DEFECT_CAP")
    machine_id: str = ""
    product_id: str = ""
    detail: str = Field(description="What it did, e.g. 'held back 95 min over 14 days'.")


class PredictionUse(_Result):
    """A prediction the plan used, where it came from and what it became."""

    kind: str = Field(description="YIELD, RISK or DEMAND.")
    machine_id: str = ""
    product_id: str = ""
    value: str = Field(description="The prediction in words.")
    source: str = Field(description="'supplied' or the model and its version.")
    became: str = Field(description="The constraint or cost it became in this plan.")


class PredictionEffect(_Result):
    """KPIs of this plan against the counterfactual plan that ignores one kind of prediction."""

    ignored: str = Field(description="RISK or YIELD: what the counterfactual plan did not take into account.")
    kpis_with: Kpis
    kpis_without: Kpis = Field(description="The counterfactual's KPIs, evaluated under the predictions.")
    summary: str = Field(description="The difference in a sentence.")
    moved_operations: int = Field(default=0, description="Operations on another machine than in the counterfactual.")


class Bottleneck(_Result):
    """A work center and bucket whose capacity limits the plan, priced by the lot-sizing LP."""

    work_center: str
    bucket: int
    bucket_start: int = Field(description="Minutes from plan start.")
    saves_per_hour: float = Field(description="Cost one more hour of capacity there would save (LP dual, integers "
                                              "fixed).")
    utilization: float = Field(description="Planned load over capacity in that bucket.")
    sentence: str = ""
    extra_hour: ExtraWorkingTime | None = Field(
        default=None, description="The delta that adds that hour on a machine of the work center (None: none can).")


class ProductLots(_Result):
    product_id: str
    production: list[float] = Field(description="Units processed per bucket.")
    inventory: list[float] = Field(description="Good units in stock at the end of each bucket.")
    backlog: list[float] = Field(description="Demand not yet met at the end of each bucket.")


class LotPlan(_Result):
    """The lot plan over buckets (HiGHS) that the detailed schedule realises for its first buckets."""

    status: SolveStatus
    bucket_minutes: int
    buckets: int
    objective: float = 0.0
    best_bound: float = 0.0
    gap: float = 0.0
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    products: list[ProductLots] = Field(default_factory=list)
    lots: list[Order] = Field(default_factory=list, description="Forecast lots the detailed schedule also plans.")
    realisation_problems: list[str] = Field(
        default_factory=list, description="Lots the detailed schedule does not finish in their bucket (empty: all)."
    )
    reasons: list[str] = Field(default_factory=list, description="Why the lot plan is infeasible, when it is.")


def planned_request(request: PlanRequest, plan: PlanResult) -> PlanRequest:
    """The request the detailed schedule was made for: the client's orders plus any forecast lots."""
    if plan.lot_plan is None or not plan.lot_plan.lots:
        return request
    return request.model_copy(update={"orders": [*request.orders, *plan.lot_plan.lots]})


class PlanResult(_Result):
    """A plan, or the reasons there is none."""

    status: SolveStatus
    assignments: list[ScheduledOperation] = Field(default_factory=list)
    order_results: list[OrderResult] = Field(default_factory=list)
    kpis: Kpis | None = None
    stats: SolveStats = Field(default_factory=SolveStats)
    infeasibility_reasons: list[str] = Field(default_factory=list)
    maintenance: list[ScheduledMaintenance] = Field(default_factory=list)
    late_orders: list[LateOrderExplanation] = Field(default_factory=list)
    policy_actions: list[PolicyAction] = Field(default_factory=list)
    prediction_effects: list[PredictionEffect] = Field(default_factory=list)
    lot_plan: LotPlan | None = None
    bottlenecks: list[Bottleneck] = Field(default_factory=list)
    predictions_used: list[PredictionUse] = Field(default_factory=list)
    phases: list[PhaseTiming] = Field(
        default_factory=list, description="Where the time went: validation, preparation, model building, solving, "
                                          "explaining, ... in the order they ran (the service adds its own).")
