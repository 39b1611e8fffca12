"""Data contract of lot sizing: the instance, the solve options and the result, as pydantic types.

This module owns what a lot-sizing request and answer look like and every check on the input data.
A bad instance raises one `pydantic.ValidationError` that lists every problem found (field path and
reason): per-value problems (negative demand, NaN, yield outside (0, 1]) and cross-field problems
(lengths that do not match the bucket count, unknown resource ids, duplicate ids) together.

Units: quantities are units of product, time is minutes, costs are money per unit per bucket (holding,
backlog), per setup, or per overtime minute. Bucket t covers the t-th planning period (day, shift,
week: the caller decides).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from planner.status import SolveStatus

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class LotSizingOperation(BaseModel):
    """How producing an item loads one resource (machine group / work center)."""

    model_config = ConfigDict(frozen=True)

    resource_id: str = Field(min_length=1, description="Id of the resource this operation runs on.")
    minutes_per_unit: NonNegative = Field(
        description="Capacity minutes consumed per gross (processed) unit, scrap included."
    )
    setup_minutes: NonNegative = Field(
        0.0, description="Capacity minutes consumed once per bucket in which the item is produced."
    )
    offset_buckets: NonNegativeInt | list[NonNegativeInt] = Field(
        0,
        description="Lead-time offset: a lot that completes in bucket t loads this resource in bucket "
        "t - offset (the operation runs that many buckets before the lot is done). One value for every "
        "bucket, or one per completion bucket (calendars differ by day). Where t - offset < 0 no lot can "
        "complete in t. 0 = the classic single-level model.",
    )

    def offsets(self, bucket_count: int) -> list[int]:
        """The offset per completion bucket."""
        if isinstance(self.offset_buckets, int):
            return [self.offset_buckets] * bucket_count
        return list(self.offset_buckets)


class LotSizingItem(BaseModel):
    """A product to plan: its demand per bucket and the costs and rules that govern its lots."""

    model_config = ConfigDict(frozen=True)

    item_id: str = Field(min_length=1, description="Unique id of the item (product).")
    demand: list[NonNegative] = Field(
        description="Good units required per bucket (from orders plus the chosen demand quantile)."
    )
    operations: list[LotSizingOperation] = Field(
        min_length=1, description="Resources the item loads when produced (its routing, per bucket)."
    )
    setup_cost: NonNegative = Field(0.0, description="Cost of one setup (a lot) in a bucket.")
    holding_cost: NonNegative = Field(
        0.0, description="Cost per good unit held in stock at the end of a bucket."
    )
    backlog_cost: Positive | None = Field(
        None,
        description="Penalty per unit of demand late by one bucket; None means demand may not be late.",
    )
    initial_inventory: NonNegative = Field(0.0, description="Good units in stock before the first bucket.")
    safety_stock: list[NonNegative] | None = Field(
        None, description="Minimum good units in stock at the end of each bucket (hard); None means zero."
    )
    yield_rate: float = Field(
        1.0,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="Good units per gross unit processed: good = gross x yield_rate; capacity is "
        "consumed by gross units.",
    )
    max_lot: list[NonNegative] | None = Field(
        None,
        description="Most good units a lot completing in each bucket may hold, so that it passes through the "
        "routing within its lead-time offsets (see `planner.lotsizing.lead_times`); None means no limit.",
    )

    def completion_possible(self, bucket_count: int) -> list[bool]:
        """Per bucket: whether a lot can complete there (no operation would have to run before bucket 0)."""
        offsets = [operation.offsets(bucket_count) for operation in self.operations]
        return [all(t - offset[t] >= 0 for offset in offsets) for t in range(bucket_count)]


class LotSizingResource(BaseModel):
    """A capacity-constrained resource (machine group / work center) and its capacity per bucket."""

    model_config = ConfigDict(frozen=True)

    resource_id: str = Field(min_length=1, description="Unique id of the resource.")
    capacity_minutes: list[NonNegative] = Field(description="Regular capacity in minutes per bucket.")
    overtime_cap_minutes: list[NonNegative] | None = Field(
        None, description="Most overtime minutes that may be added per bucket; None means no overtime."
    )
    overtime_cost_per_minute: NonNegative = Field(0.0, description="Cost of one overtime minute.")


class LotSizingInstance(BaseModel):
    """One multi-item, multi-resource capacitated lot-sizing problem over `bucket_count` buckets."""

    model_config = ConfigDict(frozen=True)

    name: str = Field("lot-sizing", description="Label used in logs and benchmark tables.")
    bucket_count: int = Field(ge=1, description="Number of planning buckets (periods).")
    items: list[LotSizingItem] = Field(min_length=1, description="Items to plan.")
    resources: list[LotSizingResource] = Field(min_length=1, description="Capacitated resources.")

    @model_validator(mode="wrap")
    @classmethod
    def _collect_every_problem(cls, data: Any, handler: Any) -> LotSizingInstance:
        """Report per-field and cross-field problems in one error instead of stopping at the first kind."""
        problems: list[InitErrorDetails] = []
        instance: LotSizingInstance | None = None
        try:
            instance = handler(data)
        except ValidationError as error:
            problems.extend(_as_details(error.errors()))
        raw = instance if instance is not None else data
        problems.extend(_cross_field_problems(raw))
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        assert instance is not None
        return instance

    def resource_ids(self) -> list[str]:
        return [resource.resource_id for resource in self.resources]

    def item_ids(self) -> list[str]:
        return [item.item_id for item in self.items]


class LotSizingOptions(BaseModel):
    """How to solve: limits and tolerances passed through to HiGHS, and which formulation to build."""

    model_config = ConfigDict(frozen=True)

    time_limit_seconds: Positive = Field(60.0, description="Wall-clock limit of the MIP solve.")
    relative_gap: NonNegative = Field(
        1e-4, description="Stop when (objective - bound) / objective is at most this (HiGHS mip_rel_gap)."
    )
    threads: int = Field(
        0, ge=0, description="HiGHS threads; 0 leaves HiGHS' default. One value per process (see solve.py)."
    )
    random_seed: int = Field(
        0, ge=0, description="HiGHS random seed: reproducible plans where fix_and_optimize is off or the solve "
        "ends proven optimal.",
    )
    formulation: Literal["auto", "facility_location", "aggregated"] = Field(
        "auto",
        description="facility_location adds flow variables whose LP relaxation is much tighter; "
        "aggregated is the plain textbook model; auto picks facility_location unless its flow columns "
        "would exceed `max_flow_columns`.",
    )
    max_flow_columns: int = Field(
        60_000, ge=0, description="Size above which `auto` falls back to the aggregated formulation."
    )
    fix_and_optimize: bool = Field(
        True,
        description="Improve the MIP's plan on a second thread by re-solving windows of buckets with the "
        "other setups fixed (see improve.py). Cheaper plans on hard models; where the time limit ends the "
        "solve, the plan can differ between runs. False gives HiGHS alone, reproducible per random_seed.",
    )
    shadow_prices: bool = Field(
        True, description="Re-solve the LP with setups fixed to price capacity (costs one extra LP)."
    )
    log_to_console: bool = Field(False, description="Let HiGHS print its log (benchmarks, debugging).")


class LotSizingItemPlan(BaseModel):
    """The plan of one item, one value per bucket."""

    item_id: str
    production: list[float] = Field(description="Gross units processed per bucket (capacity is charged).")
    good_production: list[float] = Field(description="Good units per bucket: production x yield_rate.")
    inventory: list[float] = Field(description="Good units in stock at the end of each bucket.")
    backlog: list[float] = Field(description="Units of demand not yet delivered at the end of each bucket.")
    setup: list[bool] = Field(description="Whether the item is set up (a lot is produced) in the bucket.")


class LotSizingResourcePlan(BaseModel):
    """Load, overtime and the value of capacity of one resource, one value per bucket."""

    resource_id: str
    load_minutes: list[float] = Field(description="Processing plus setup minutes planned per bucket.")
    overtime_minutes: list[float] = Field(description="Overtime minutes planned per bucket.")
    shadow_price: list[float] | None = Field(
        None,
        description="Cost saved by one more regular minute in the bucket, from the LP with the setup "
        "decisions fixed at the plan's values (>= 0; 0 where capacity is not binding).",
    )


class LotSizingCost(BaseModel):
    """The plan's cost, by component, recomputed from the plan itself (not read from the solver)."""

    setup: float
    holding: float
    backlog: float
    overtime: float
    total: float


class LotSizingResult(BaseModel):
    """Outcome of one lot-sizing solve. Infeasible and time-limited are statuses, not exceptions."""

    instance_name: str
    status: SolveStatus
    objective: float | None = Field(None, description="Cost of the returned plan (total of `cost`).")
    best_bound: float | None = Field(None, description="Proven lower bound on the optimal cost.")
    gap: float | None = Field(None, description="Relative gap between objective and best_bound.")
    cost: LotSizingCost | None = None
    items: list[LotSizingItemPlan] = Field(default_factory=list)
    resources: list[LotSizingResourcePlan] = Field(default_factory=list)
    reasons: list[str] = Field(
        default_factory=list, description="Why the instance is infeasible, or what went wrong, in words."
    )
    build_seconds: float = Field(0.0, description="Time spent building the model(s) for HiGHS.")
    solve_seconds: float = Field(0.0, description="Time spent in HiGHS (MIP plus the pricing LP).")
    solver: str = Field("", description="Solver name and version.")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Solver parameters used.")

    def item_plan(self, item_id: str) -> LotSizingItemPlan:
        return next(plan for plan in self.items if plan.item_id == item_id)

    def resource_plan(self, resource_id: str) -> LotSizingResourcePlan:
        return next(plan for plan in self.resources if plan.resource_id == resource_id)


# --- cross-field validation -------------------------------------------------------------------------


def _get(obj: Any, key: str) -> Any:
    """A field of either raw input (dict) or an already validated model."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _seq(obj: Any) -> list[Any]:
    return list(obj) if isinstance(obj, list | tuple) else []


def _problem(loc: tuple[int | str, ...], kind: str, message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)


def _as_details(errors: Iterable[Any]) -> list[InitErrorDetails]:
    # Re-wrapped as custom errors so that they can be raised together with the cross-field ones.
    return [
        InitErrorDetails(
            type=PydanticCustomError(error["type"], error["msg"].replace("{", "(").replace("}", ")")),
            loc=tuple(error["loc"]),
            input=error.get("input"),
        )
        for error in errors
    ]


def _cross_field_problems(data: Any) -> list[InitErrorDetails]:
    """Length, reference and uniqueness checks that look at more than one field."""
    buckets = _get(data, "bucket_count")
    if not isinstance(buckets, int) or isinstance(buckets, bool) or buckets < 1:
        buckets = None
    items, resources = _seq(_get(data, "items")), _seq(_get(data, "resources"))
    known = [_get(resource, "resource_id") for resource in resources]
    problems = _duplicates("items", "item_id", [_get(item, "item_id") for item in items])
    problems += _duplicates("resources", "resource_id", known)
    for index, item in enumerate(items):
        for field in ("demand", "safety_stock", "max_lot"):
            problems += _length("items", index, field, _get(item, field), buckets)
        for op_index, operation in enumerate(_seq(_get(item, "operations"))):
            resource_id = _get(operation, "resource_id")
            if resource_id not in known:
                loc = ("items", index, "operations", op_index, "resource_id")
                problems.append(_problem(loc, "unknown_resource", f"unknown resource '{resource_id}'",
                                         resource_id))
            problems += _length(("items", index, "operations", op_index), None, "offset_buckets",
                                _get(operation, "offset_buckets"), buckets)
    for index, resource in enumerate(resources):
        for field in ("capacity_minutes", "overtime_cap_minutes"):
            problems += _length("resources", index, field, _get(resource, field), buckets)
    return problems


def _length(group: str | tuple[str | int, ...], index: int | None, field: str, values: Any,
            buckets: int | None) -> list[InitErrorDetails]:
    if buckets is None or not isinstance(values, list | tuple) or len(values) == buckets:
        return []
    message = f"{field} has {len(values)} values but bucket_count is {buckets}"
    where = group if isinstance(group, tuple) else (group,)
    loc = (*where, *(() if index is None else (index,)), field)
    return [_problem(loc, "length_mismatch", message, list(values))]


def _duplicates(group: str, field: str, ids: list[Any]) -> list[InitErrorDetails]:
    seen: set[Any] = set()
    problems = []
    for index, value in enumerate(ids):
        if not isinstance(value, str):
            continue
        if value in seen:
            problems.append(_problem((group, index, field), "duplicate_id", f"duplicate {field} '{value}'",
                                     value))
        seen.add(value)
    return problems
