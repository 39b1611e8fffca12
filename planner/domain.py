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
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field

MINUTES_PER_DAY = 24 * 60
NO_MACHINE = ""
"""The machine id of manual work: an operation with no eligible machines, held back only by its resources."""


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


class BatchRecipe(_Domain):
    """A recipe (batch family) of a batch machine: lots of one recipe share a load, which lasts its cycle time."""

    id: str = Field(description="Recipe id, e.g. 'T6-A'; unique on its machine.")
    name: str = ""
    cycle_minutes: int = Field(description="Length of one load of this recipe on this machine, whatever its fill, > 0.")


class RecipeChangeover(_Domain):
    """Setup between two loads on a batch machine: from a load of one recipe to the next load of another (or the
    same) recipe, the machine needs this time (cleaning, heating up or cooling down) and it costs this much
    (`planner.scheduling.rules.oven_rules`)."""

    from_recipe: str = Field(description="Recipe of the previous load (or the machine's `initial_recipe`).")
    to_recipe: str = Field(description="Recipe of the next load.")
    minutes: int = Field(default=0, description="Setup minutes right before the next load, in its working time, >= 0.")
    cost: float = Field(default=0.0, description="Cost of the changeover (objective BATCH_COST), finite, >= 0.")


class Machine(_Domain):
    id: str
    name: str = ""
    work_center: str = Field(default="", description="Machine group, e.g. 'machining'.")
    calendar_id: str | None = Field(default=None, description="ShiftCalendar id; None = around the clock.")
    maintenance_windows: list[TimeWindow] = Field(default_factory=list, description="Planned downtime.")
    extra_working_windows: list[TimeWindow] = Field(
        default_factory=list,
        description="Working time on top of the calendar (overtime, an added shift); maintenance still wins.",
    )
    batch_capacity: float | None = Field(
        default=None, description="Batch machine (furnace, oven, washer): what one load holds, in units or in the "
                                  "weight or volume that `Operation.batch_load_per_unit` counts, > 0; None = a machine "
                                  "that runs one lot at a time.")
    recipes: list[BatchRecipe] = Field(
        default_factory=list, description="Batch machine: the recipes it runs, each with its cycle time.")
    operations_may_pause: bool = Field(
        default=False, description="Pausing: operations here may pause over breaks, nights and maintenance and resume "
                                   "(machining) unless the operation says otherwise (`Operation.may_pause`); never on "
                                   "a batch machine (`planner.scheduling.rules.pausing`).")
    batch_min_load: float = Field(
        default=0.0, description="Batch machine: the least a load may hold (same unit as `batch_capacity`), >= 0 and "
                                 "at most the capacity; 0 = any fill (`planner.scheduling.rules.oven_rules`).")
    recipe_changeovers: list[RecipeChangeover] = Field(
        default_factory=list, description="Batch machine: sequence-dependent setup times and costs between the "
                                          "recipes of consecutive loads; a pair not listed needs none "
                                          "(`planner.scheduling.rules.oven_rules`).")
    initial_recipe: str | None = Field(
        default=None, description="Batch machine: the recipe of its last load before plan start, from which the "
                                  "first load's changeover counts; None = no changeover before the first load.")
    mounted_die: str | None = Field(
        default=None, description="Die (a Resource with mount_minutes > 0) mounted on the machine at plan start; "
                                  "None = no die (`planner.scheduling.rules.dies`).")

    @property
    def is_batch(self) -> bool:
        return self.batch_capacity is not None

    def recipe(self, recipe_id: str) -> BatchRecipe | None:
        return next((r for r in self.recipes if r.id == recipe_id), None)


class ShiftCapacity(_Domain):
    """How many units of a resource work in one shift of its calendar (3 setters early, 2 late)."""

    shift: str = Field(description="Name of a shift of the resource's calendar.")
    capacity: int = Field(description="Units available during that shift, >= 0.")


class ResourceCapacityWindow(_Domain):
    """More units of a resource inside a window than its calendar gives: one more setter on Wednesday's late shift
    (a scenario's `extra_resource_capacity`); inside the window they come on top, also off shift."""

    window: TimeWindow
    units: int = Field(description="Units added inside the window, > 0.")


class Resource(_Domain):
    """A secondary resource an operation needs besides its machine: a pool of people (setters, inspectors)
    whose number may vary by shift, or a unit resource that exists once (a die, mould or fixture)."""

    id: str
    name: str = ""
    capacity: int = Field(default=1, description="Units available at a time, >= 0, where no shift says otherwise "
                                                 "(1 for a die).")
    calendar_id: str | None = Field(
        default=None, description="ShiftCalendar of the resource: available only inside its shifts; None = around "
                                  "the clock.")
    shift_capacities: list[ShiftCapacity] = Field(
        default_factory=list, description="Capacity per shift of the calendar, where it differs from `capacity`.")
    extra_capacity: list[ResourceCapacityWindow] = Field(
        default_factory=list, description="Units added inside windows on top of the calendar (a scenario's extra "
                                          "resource capacity: one more setter on a shift).")
    mount_minutes: int = Field(
        default=0, description="Die, mould or fixture: minutes to change it on a machine (mount it where the next "
                               "operation needs it), >= 0; > 0 makes it a die, which is on one machine at a time and "
                               "stays mounted between its operations there (`planner.scheduling.rules.dies`).")

    @property
    def is_die(self) -> bool:
        """A die (mould, fixture): mounted on one machine at a time; changing it is a setup."""
        return self.mount_minutes > 0
    skills: list[str] = Field(
        default_factory=list, description="A named person (capacity 1): the skills they master ('welding', "
                                          "'CMM'), so that needs by skill can be given to them "
                                          "(`planner.scheduling.rules.skills`); empty = no person with skills.")

    @property
    def is_person(self) -> bool:
        """A named person with skills, whom needs by skill are given to (`planner.scheduling.rules.skills`)."""
        return bool(self.skills)


class ResourceNeed(_Domain):
    resource_id: str = Field(default="", description="The resource held; empty when the need is by `skill`.")
    quantity: int = Field(default=1, description="Units of the resource the operation holds (with `skill`: people, "
                                                 "each a different person who masters it), > 0.")
    setup_only: bool = Field(default=False, description="Held only during the setup (a setter), not the whole run.")
    skill: str | None = Field(
        default=None, description="A need by skill instead of by resource: `quantity` different people who master "
                                  "it, chosen by the planner (`scheduling.rules.skills`); None = by `resource_id`.")


class MaterialReceipt(_Domain):
    """A scheduled delivery of a material (a purchase order's due date at the plant)."""

    minute: int = Field(description="When it arrives, minutes from plan start, 0 to the horizon.")
    quantity: float = Field(description="Amount delivered, in the material's unit, > 0 and finite.")


class Material(_Domain):
    """Bought-in material (aluminium ingot, bearings): on-hand stock at plan start plus scheduled receipts."""

    id: str
    name: str = ""
    unit: str = Field(default="", description="Unit of the quantities, e.g. 'kg' or 'pcs' (for display).")
    on_hand: float = Field(default=0.0, description="Stock at plan start, >= 0 and finite.")
    receipts: list[MaterialReceipt] = Field(default_factory=list, description="Scheduled receipts.")


class MaterialUse(_Domain):
    """What one unit an operation processes consumes of a material, or of a component made in-house
    (a product of the factory: `planner.scheduling.rules.bom`); consumed when the operation starts."""

    material_id: str = Field(description="A Material id, or the id of a product made in-house (a component).")
    quantity_per_unit: float = Field(description="Consumed per processed unit, > 0 and finite.")


class MaterialOutput(_Domain):
    """What one good unit of an operation puts into a material's stock when the operation ends: a semi-finished
    part (a machined blank, a kitted set) that later operations consume (`planner.scheduling.rules.stock`)."""

    material_id: str = Field(description="A Material id (not a product: components made by orders use the BOM).")
    quantity_per_unit: float = Field(description="Put into stock per good unit of the order, > 0 and finite "
                                                 "(scrapped units produce nothing).")


class PrecedenceRelation(StrEnum):
    """What a predecessor link measures its lags from (`planner.scheduling.rules.precedence`)."""

    END_TO_START = "END_TO_START"
    """From the predecessor's end to this operation's start (cooling, waiting before heat treatment)."""
    START_TO_START = "START_TO_START"
    """From the predecessor's start to this operation's start (RCPSP/max's generalised precedences)."""


class Predecessor(_Domain):
    """A link of a routing's precedence graph: this operation follows `operation_id` of the same routing."""

    operation_id: str = Field(description="An operation of the same routing, not this one.")
    relation: PrecedenceRelation = PrecedenceRelation.END_TO_START
    min_lag_minutes: int = Field(
        default=0, description="At least this many minutes from the predecessor's end (or start) to this start; >= 0 "
                               "end-to-start; start-to-start may be negative (this one may start first).")
    max_lag_minutes: int | None = Field(
        default=None, description="At most this many minutes from the predecessor's end (or start) to this start, "
                                  ">= min_lag_minutes; None = no maximum.")


class EligibleMachine(_Domain):
    machine_id: str
    setup_minutes: int | None = Field(default=None, description="Overrides the operation's setup here.")
    run_minutes_per_unit: float | None = Field(default=None, description="Overrides the run time here.")


class OperationMode(_Domain):
    """One way to run an operation (multi-mode, `planner.scheduling.rules.modes`): on a machine or by hand, with its own
    times, secondary resources and materials (a fast mode with two setters, a slow one with one)."""

    id: str = Field(description="Mode id, unique within the operation, e.g. 'fast'.")
    name: str = ""
    machine_id: str = Field(default=NO_MACHINE, description="The machine it runs on; empty = manual work, which holds "
                                                            "a resource for its whole run.")
    setup_minutes: int = Field(default=0, description="Setup per lot in this mode, >= 0.")
    run_minutes_per_unit: float = Field(default=0.0, description="Processing minutes per unit in this mode, >= 0 "
                                                                 "(0 with a setup = a fixed duration).")
    resources: list[ResourceNeed] = Field(
        default_factory=list, description="Secondary resources this mode holds, for its whole run or its setup.")
    materials: list[MaterialUse] = Field(
        default_factory=list, description="Materials each processed unit consumes in this mode, taken at its start.")

    def processing_minutes(self, quantity: int) -> int:
        """Setup plus quantity x run time in this mode, rounded up to whole minutes."""
        return self.setup_minutes + math.ceil(quantity * self.run_minutes_per_unit - 1e-9)


class LotSplit(_Domain):
    """Permission to split an operation's lot into sub-lots that run side by side on its eligible machines
    (`planner.scheduling.rules.lot_splitting`): two machining centres each take part of a rush order."""

    max_sublots: int = Field(description="At most this many sub-lots, >= 1 (1 = the lot stays whole).")
    min_sublot_units: int = Field(default=1, description="Each sub-lot has at least this many good units, >= 1 and "
                                                        "at most the order quantity.")


class OrderLotSplit(LotSplit):
    """An order's own lot-split permission for one operation of its routing; wins over `Operation.lot_split`."""

    operation_id: str = Field(description="An operation id of the order's product routing.")


class Operation(_Domain):
    id: str
    name: str = ""
    eligible_machines: list[EligibleMachine] = Field(
        description="Machines that can process it; empty = manual work (assembly by two operators), which needs no "
                    "machine but must hold a resource for its whole run, and runs when its resources are there.")
    setup_minutes: int = Field(default=0, description="Setup per lot in minutes, at least 0.")
    run_minutes_per_unit: float = Field(default=1.0, description="Processing minutes per unit, > 0.")
    min_lag_minutes: int = Field(
        default=0, description="Time lag: at least this many minutes from the end of the previous operation of the "
                               "routing to this one's start (castings cooling before machining), >= 0; not on the "
                               "first operation.")
    max_lag_minutes: int | None = Field(
        default=None, description="Time lag: at most this many minutes from the end of the previous operation to "
                                  "this one's start (heat treatment within 24 h of casting), >= min_lag_minutes; "
                                  "None = no maximum; not on the first operation.")
    transfer_batch_units: int | None = Field(
        default=None, description="Transfer batch: the previous operation hands units on in batches of this many "
                                  "(of its processed units), so this one may start before the whole lot is done; "
                                  "> 0; None = after the whole lot; not on the first operation, not with time lags.")
    recipe: str | None = Field(
        default=None, description="Batch family on batch machines: only lots of the same recipe share a load, which "
                                  "lasts the recipe's cycle time on that machine; required there, not allowed on "
                                  "other machines.")
    batch_load_per_unit: float = Field(
        default=1.0, description="Capacity of a batch machine one processed unit takes (1 = count units; else its "
                                 "weight or volume), > 0.")
    batch_min_minutes: int | None = Field(
        default=None, description="Batch machine: the shortest load this lot may be in (its processing-time window "
                                  "starts here), > 0; None = the recipe's cycle time "
                                  "(`planner.scheduling.rules.oven_rules`).")
    batch_max_minutes: int | None = Field(
        default=None, description="Batch machine: the longest load this lot may be in, >= its shortest; None = its "
                                  "shortest. A load lasts between the longest shortest and the shortest longest of "
                                  "its lots.")
    resources: list[ResourceNeed] = Field(
        default_factory=list, description="Secondary resources it needs besides its machine (not on batch machines); "
                                          "manual work (no eligible machines) needs one for its whole run.")
    predecessors: list[Predecessor] = Field(
        default_factory=list, description="Precedence graph: the operations of the routing this one follows, each with "
                                          "its lags; when no operation of the product names any, the routing is a "
                                          "chain in list order (`planner.scheduling.rules.precedence`).")
    materials: list[MaterialUse] = Field(
        default_factory=list, description="Materials and in-house components each processed unit consumes, taken from "
                                          "stock when the operation starts (`planner.scheduling.rules.materials`).")
    produces: list[MaterialOutput] = Field(
        default_factory=list, description="Materials the operation puts into stock when it ends, per good unit "
                                          "(`planner.scheduling.rules.stock`); later operations consume them.")
    may_pause: bool | None = Field(
        default=None, description="Pausing: True = the work may stop over non-working time and resume (machining), "
                                  "False = it runs in one stretch (a furnace cycle, a casting shot); None = the "
                                  "machine's `operations_may_pause` (`planner.scheduling.rules.pausing`).")
    modes: list[OperationMode] = Field(
        default_factory=list, description="Multi-mode: alternative ways to run the operation, each with its own "
                                          "machine (or none), times, resources and materials; exactly one is chosen. "
                                          "Empty = the eligible machines (`planner.scheduling.rules.modes`).")
    lot_split: LotSplit | None = Field(
        default=None, description="Lot splitting: the lot may be split into sub-lots on the eligible machines, each at "
                                  "least a minimum size; None = the lot stays whole, unless the order says otherwise "
                                  "(`Order.lot_splits`, `planner.scheduling.rules.lot_splitting`).")

    @property
    def is_manual(self) -> bool:
        """Manual work: no machine, only people (and tools) from `resources`."""
        return not self.eligible_machines and not self.modes

    def processing_minutes(self, option: EligibleMachine, quantity: int) -> int:
        """Setup plus quantity x run time on this machine, rounded up to whole minutes."""
        setup = self.setup_minutes if option.setup_minutes is None else option.setup_minutes
        run = self.run_minutes_per_unit if option.run_minutes_per_unit is None else option.run_minutes_per_unit
        # A tiny tolerance keeps 3 x 0.1 min from rounding up to 1 minute too many.
        return setup + math.ceil(quantity * run - 1e-9)

    def mode(self, mode_id: str) -> OperationMode | None:
        return next((m for m in self.modes if m.id == mode_id), None)

    def setup_on(self, option: EligibleMachine) -> int:
        return self.setup_minutes if option.setup_minutes is None else option.setup_minutes


class Product(_Domain):
    id: str
    name: str = ""
    family: str = Field(default="", description="Product family, for sequence-dependent setups.")
    routing: list[Operation] = Field(description="Operations in processing order; not empty.")
    scrap_cost: float = Field(default=0.0, description="Cost of one scrapped unit (material and work), >= 0.")


class FamilyChangeover(_Domain):
    """Extra setup when a machine switches from one product family to another."""

    from_family: str
    to_family: str
    minutes: int = Field(description="Changeover minutes between the two lots, >= 0.")
    machine_id: str | None = Field(default=None, description="Only on this machine; None = on every machine.")


class RunningOperation(_Domain):
    """An operation the MES reports as running at plan start: it keeps its machine until it ends."""

    operation_id: str = Field(description="The routing operation that runs: the first one not done.")
    machine_id: str = Field(description="The machine it runs on; must be eligible for the operation.")
    started: int | None = Field(default=None, description="When it started, minutes from plan start, <= 0 "
                                                         "(for the record; the plan does not use it).")
    remaining_minutes: int = Field(description="Minutes until it ends, counted from plan start, > 0.")


class WorkInProgress(_Domain):
    """How far an order has got through its routing at plan start, as the MES reports it."""

    done_operation_ids: list[str] = Field(
        default_factory=list, description="Operations already finished: the first ones of the routing, in order; "
                                          "the plan skips them.")
    running: RunningOperation | None = Field(
        default=None, description="The operation running at plan start (the first one not done), if any.")


class Order(_Domain):
    id: str
    product_id: str
    quantity: int = Field(description="Units to deliver, > 0.")
    release: int = Field(default=0, description="Earliest start, minutes from plan start; negative = already released.")
    due: int = Field(description="Due time, minutes from plan start; may be negative (already late).")
    weight: float = Field(default=1.0, description="Weight of a minute late, > 0 and finite.")
    customer: str = ""
    work_in_progress: WorkInProgress | None = Field(
        default=None, description="Operations done or running at plan start; the plan continues from there.")
    lot_splits: list[OrderLotSplit] = Field(
        default_factory=list, description="Lot splitting for this order, per operation id; each wins over the "
                                          "operation's `lot_split` (`planner.scheduling.rules.lot_splitting`).")


class Factory(_Domain):
    name: str = ""
    utc_offset_minutes: int = Field(default=0, description="Local time minus UTC, for shift times.")
    calendars: list[ShiftCalendar] = Field(default_factory=list)
    machines: list[Machine]
    products: list[Product]
    changeovers: list[FamilyChangeover] = Field(
        default_factory=list, description="Sequence-dependent setups between product families."
    )
    resources: list[Resource] = Field(
        default_factory=list, description="Secondary resources (setters, inspectors, dies) operations may need.")
    materials: list[Material] = Field(
        default_factory=list, description="Bought-in materials with stock and receipts that operations consume.")

    def machine(self, machine_id: str) -> Machine:
        return next(m for m in self.machines if m.id == machine_id)

    def product(self, product_id: str) -> Product:
        return next(p for p in self.products if p.id == product_id)


class YieldEstimate(_Domain):
    """Expected share of good units when a product is processed on a machine (a prediction or a fact)."""

    product_id: str
    machine_id: str
    yield_rate: float = Field(description="Good units / processed units, in (0, 1].")
    source: str = Field(default="supplied", description="Where the figure came from, e.g. a model version.")


class RiskPoint(_Domain):
    minute: int = Field(description="Minutes from plan start.")
    probability: float = Field(description="Probability that the machine has failed by then, in [0, 1].")


class MachineRisk(_Domain):
    """Predicted failure risk of one machine: a cumulative probability curve over the horizon."""

    machine_id: str
    curve: list[RiskPoint] = Field(description="Non-decreasing cumulative failure probability; linear between points.")
    repair_minutes: int = Field(default=240, description="Mean time to repair after a failure, > 0.")
    source: str = Field(default="supplied", description="Where the curve came from, e.g. a model version.")

    def _points(self) -> list[RiskPoint]:
        """The curve with its implied start: no failure yet at plan start, unless the curve says otherwise."""
        if self.curve and self.curve[0].minute <= 0:
            return list(self.curve)
        return [RiskPoint(minute=0, probability=0.0), *self.curve]

    def probability_by(self, minute: float) -> float:
        """Cumulative failure probability at `minute`, linear between points, flat beyond the last."""
        points = self._points()
        if minute <= points[0].minute:
            return points[0].probability
        for before, after in pairwise(points):
            if minute <= after.minute:
                share = (minute - before.minute) / max(after.minute - before.minute, 1)
                return before.probability + share * (after.probability - before.probability)
        return points[-1].probability

    def first_minute_at(self, threshold: float) -> int | None:
        """First minute the cumulative probability reaches `threshold` (None if it never does)."""
        points = self._points()
        if points[0].probability >= threshold:
            return max(points[0].minute, 0)
        for before, after in pairwise(points):
            if after.probability >= threshold:
                share = (threshold - before.probability) / (after.probability - before.probability)
                return max(math.floor(before.minute + share * (after.minute - before.minute)), 0)
        return None


class QuantileValue(_Domain):
    level: float = Field(description="Quantile level in (0, 1), e.g. 0.9.")
    value: float = Field(description="Demand at that quantile, units, >= 0.")


class DemandForecast(_Domain):
    """Forecast demand of one product in one lot-sizing bucket, beyond the firm orders (make-to-stock)."""

    product_id: str
    bucket: int = Field(description="Index of the lot-sizing bucket from plan start, >= 0.")
    quantiles: list[QuantileValue] = Field(description="Demand quantiles, levels increasing; values non-decreasing.")
    source: str = Field(default="supplied", description="Where it came from, e.g. a model version.")

    def at(self, level: float) -> float:
        """Demand at a quantile level, linear between the given levels, clamped at the ends."""
        points = sorted(self.quantiles, key=lambda q: q.level)
        if level <= points[0].level:
            return points[0].value
        for low, high in pairwise(points):
            if level <= high.level:
                share = (level - low.level) / (high.level - low.level)
                return low.value + share * (high.value - low.value)
        return points[-1].value


class RiskPolicy(StrEnum):
    """How predicted equipment risk shapes the plan (ARCHITECTURE.md, 'How predictions become constraints')."""

    NONE = "NONE"
    EXPECTED_CAPACITY = "EXPECTED_CAPACITY"
    """Hold back p x repair time of each bucket's working time: plan on expected capacity."""
    CHANCE_RESERVE = "CHANCE_RESERVE"
    """Hold back enough time that the bucket's plan survives a breakdown with probability >= alpha."""
    PREVENTIVE_MAINTENANCE = "PREVENTIVE_MAINTENANCE"
    """Schedule a maintenance task that starts before the risk crosses the threshold."""
    RISK_PENALTY = "RISK_PENALTY"
    """Charge p x order weight x duration for work on risky machines, so important work avoids them."""


class Objective(StrEnum):
    WEIGHTED_TARDINESS = "WEIGHTED_TARDINESS"
    MAKESPAN = "MAKESPAN"
    BATCH_COST = "BATCH_COST"
    """Batch machines' run minutes x `batch_run_cost_per_minute` + late orders x `late_order_cost` + recipe
    changeover costs (`planner.scheduling.rules.oven_rules`): what an oven shop pays for energy, misses and setups."""


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
    risk_policy: RiskPolicy = RiskPolicy.NONE
    risk_alpha: float = Field(default=0.9, description="CHANCE_RESERVE: survive a breakdown with this probability.")
    maintenance_threshold: float = Field(
        default=0.3, description="PREVENTIVE_MAINTENANCE: start the task before the risk reaches this probability."
    )
    maintenance_minutes: int = Field(default=240, description="PREVENTIVE_MAINTENANCE: length of the task.")
    risk_penalty_weight: float = Field(
        default=1.0, description="RISK_PENALTY: cost per (probability x order weight x minute)."
    )
    risk_bucket_minutes: int = Field(default=1440, description="Bucket of the capacity policies, minutes.")
    max_expected_defect_rate: float | None = Field(
        default=None, description="Hard cap on expected scrap units / processed units over the plan, in [0, 1)."
    )
    late_cost_per_minute: float = Field(
        default=1.0, description="Cost of one weighted minute late, to weigh lateness against scrap cost."
    )
    explain_predictions: bool = Field(
        default=True, description="Also solve without the predictions to report what they changed."
    )
    lot_sizing: bool = Field(
        default=False, description="Plan lots per work center and bucket first (on when demand forecasts are given)."
    )
    lot_bucket_minutes: int = Field(default=1440, description="Lot-sizing bucket: a day, a shift or a week, minutes.")
    lot_lead_times: bool = Field(
        default=True, description="Lot sizing offsets each operation of a routing to the bucket it runs in, from the "
                                  "routing's flow time on the calendars, so that a planned lot can finish in its "
                                  "bucket (`planner.lotsizing.lead_times`); False = every operation in the lot's "
                                  "own bucket (the classic single-level model)."
    )
    service_level: float = Field(
        default=0.9, description="Forecast demand is covered up to this quantile; the spread above the median is "
                                 "safety stock."
    )
    detailed_lot_buckets: int = Field(
        default=2, description="Forecast lots of this many first buckets become jobs of the detailed schedule."
    )
    holding_cost_per_unit: float = Field(default=0.1, description="Cost of keeping one unit in stock for a bucket.")
    setup_cost: float = Field(default=20.0, description="Cost of one lot (setup) in the lot plan.")
    batch_run_cost_per_minute: float = Field(
        default=1.0, description="BATCH_COST: cost of one minute a batch machine runs a load (energy), finite, >= 0.")
    late_order_cost: float = Field(
        default=0.0, description="BATCH_COST: cost of one order that ends after its due time, finite, >= 0.")
    verify_fixes_seconds: float = Field(
        default=0.0, description="Part of the time limit spent re-solving with each candidate fix of a late order "
                                 "applied (at most half of it); 0 = off, fixes are estimates only."
    )


class SequenceRule(_Domain):
    """On a machine, one order's operation runs before another order's (when both run there).

    A precedence the planner agreed with the shop floor ("run SO-1's milling before SO-2's on CNC-2"),
    and how a re-sequencing fix is written into a request (`planner.scheduling.rules.sequence`)."""

    machine_id: str = Field(description="The machine the rule is about; it binds only when both operations run there.")
    before_order_id: str = Field(description="The order whose operation runs first.")
    before_operation_id: str = Field(description="That order's operation (an id of its product's routing).")
    after_order_id: str = Field(description="The order whose operation runs after it; not the same order.")
    after_operation_id: str = Field(description="That order's operation (an id of its product's routing).")


class PlanRequest(_Domain):
    """Everything one plan is computed from."""

    request_id: str = ""
    factory: Factory
    orders: list[Order]
    options: PlanOptions
    yields: list[YieldEstimate] = Field(default_factory=list, description="Yield per product and machine.")
    machine_risks: list[MachineRisk] = Field(default_factory=list, description="Failure risk curve per machine.")
    demand_forecasts: list[DemandForecast] = Field(
        default_factory=list, description="Make-to-stock demand per product and lot bucket, as quantiles."
    )
    sequence_rules: list[SequenceRule] = Field(
        default_factory=list, description="Operations of two orders that run in this order on a machine "
                                          "(`planner.scheduling.rules.sequence`)."
    )

    def yield_rate(self, product_id: str, machine_id: str) -> float:
        """Expected yield of the product on the machine (1.0 where nothing was predicted)."""
        return next((y.yield_rate for y in self.yields if y.product_id == product_id and y.machine_id == machine_id),
                    1.0)

    def risk_of(self, machine_id: str) -> MachineRisk | None:
        return next((r for r in self.machine_risks if r.machine_id == machine_id), None)

    @property
    def uses_predictions(self) -> bool:
        return bool(self.yields) or (bool(self.machine_risks) and self.options.risk_policy != RiskPolicy.NONE)
