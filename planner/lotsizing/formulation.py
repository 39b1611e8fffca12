"""The lot-sizing MIP for HiGHS: prepared data, variables, and one function per business rule.

This module owns the translation of a validated `LotSizingInstance` into a HiGHS problem. The model
is assembled from numpy arrays and passed to HiGHS in one call, which builds in milliseconds where an
expression API takes seconds on large instances.

Order, as in every model of this project: data (`prepare`) -> variables (`create_variables`) ->
constraints (one `add_*` function per rule) -> objective (`set_objective`) -> `ModelBuilder.to_problem`.

Two formulations share every rule. `aggregated` is the textbook model (balance, capacity, big-M setup
forcing). `facility_location` adds `add_tightening_inequalities`: flow variables that assign each unit
of cumulative requirement to the bucket producing it, so the LP relaxation can no longer pay a
fraction of a setup for a whole lot; for uncapacitated single-item lot sizing this is the convex hull.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import highspy
import numpy as np
import numpy.typing as npt

from planner.lotsizing.model import LotSizingInstance, LotSizingOptions
from planner.lotsizing.offsets import LoadTerms, load_terms, lot_size_limit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

Formulation = Literal["facility_location", "aggregated"]

INF = highspy.kHighsInf
# Requirements below this are treated as zero: it only decides which flow variables exist.
_EPS = 1e-9


@dataclass(frozen=True)
class PreparedData:
    """The instance as arrays ([item, bucket], [resource, bucket]), plus derived bounds."""

    item_ids: list[str]
    resource_ids: list[str]
    demand: FloatArray  # [I, T] good units
    safety_stock: FloatArray  # [I, T]
    initial_inventory: FloatArray  # [I]
    yield_rate: FloatArray  # [I]
    holding_cost: FloatArray  # [I]
    setup_cost: FloatArray  # [I]
    backlog_cost: FloatArray  # [I], 0 where backlog is not allowed
    backlog_allowed: BoolArray  # [I]
    minutes_per_unit: FloatArray  # [I, R], 0 where the item does not use the resource
    setup_minutes: FloatArray  # [I, R]
    uses: BoolArray  # [I, R]
    loads: LoadTerms  # who loads which resource-bucket, with the lead-time offsets
    capacity: FloatArray  # [R, T] regular minutes
    overtime_cap: FloatArray  # [R, T]
    overtime_cost: FloatArray  # [R]
    max_gross: FloatArray  # [I, T] big-M: most gross units worth producing in a bucket
    lot_limit: FloatArray  # [I, T] most gross units a lot completing in the bucket may hold (lead time; 0 = none)
    requirement: FloatArray  # [I, T] cumulative good units production must cover by the bucket's end

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_buckets(self) -> int:
        return int(self.demand.shape[1])

    @property
    def n_resources(self) -> int:
        return len(self.resource_ids)


def prepare(instance: LotSizingInstance) -> PreparedData:
    """Turn the validated instance into arrays and derive big-M bounds and cumulative requirements."""
    buckets = instance.bucket_count
    resource_index = {rid: r for r, rid in enumerate(instance.resource_ids())}
    n_items, n_resources = len(instance.items), len(instance.resources)
    minutes = np.zeros((n_items, n_resources))
    setup_minutes = np.zeros((n_items, n_resources))
    uses = np.zeros((n_items, n_resources), dtype=bool)
    for i, item in enumerate(instance.items):
        for operation in item.operations:
            r = resource_index[operation.resource_id]
            # Two operations on one resource in the same bucket simply add up.
            minutes[i, r] += operation.minutes_per_unit
            setup_minutes[i, r] += operation.setup_minutes
            uses[i, r] = True
    loads = load_terms(instance, resource_index)
    yield_rate = np.array([item.yield_rate for item in instance.items], dtype=float)
    lot_limit = np.where(loads.completion_possible(n_items), lot_size_limit(instance) / yield_rate[:, None], 0.0)
    zeros = [0.0] * buckets
    demand = np.array([item.demand for item in instance.items], dtype=float)
    safety = np.array([item.safety_stock or zeros for item in instance.items], dtype=float)
    initial = np.array([item.initial_inventory for item in instance.items], dtype=float)
    allowed = np.array([item.backlog_cost is not None for item in instance.items], dtype=bool)
    capacity = np.array([res.capacity_minutes for res in instance.resources], dtype=float)
    overtime = np.array([res.overtime_cap_minutes or zeros for res in instance.resources], dtype=float)
    return PreparedData(
        item_ids=instance.item_ids(),
        resource_ids=instance.resource_ids(),
        demand=demand,
        safety_stock=safety,
        initial_inventory=initial,
        yield_rate=yield_rate,
        holding_cost=np.array([item.holding_cost for item in instance.items], dtype=float),
        setup_cost=np.array([item.setup_cost for item in instance.items], dtype=float),
        backlog_cost=np.array([item.backlog_cost or 0.0 for item in instance.items], dtype=float),
        backlog_allowed=allowed,
        minutes_per_unit=minutes,
        setup_minutes=setup_minutes,
        uses=uses,
        loads=loads,
        capacity=capacity,
        overtime_cap=overtime,
        overtime_cost=np.array([res.overtime_cost_per_minute for res in instance.resources], dtype=float),
        max_gross=np.minimum(_max_gross_production(demand, safety, yield_rate, allowed, loads, capacity + overtime),
                             lot_limit),
        lot_limit=lot_limit,
        requirement=cumulative_requirement(demand, safety, initial, allowed),
    )


def _max_gross_production(
    demand: FloatArray, safety: FloatArray, yield_rate: FloatArray, allowed: BoolArray, loads: LoadTerms,
    available: FloatArray,
) -> FloatArray:
    """Big-M per item-bucket: the smaller of what fits into the buckets the lot loads and what could ever
    be needed (`prepare` also caps it by the lead-time limit `lot_limit`).

    The demand part keeps at least one optimal plan: gross units beyond all remaining demand plus the
    largest safety stock (all demand, when earlier backlog may be caught up) can be removed without
    breaking a constraint or raising cost.
    """
    n_items, n_buckets = demand.shape
    loaded = np.maximum(loads.bucket, 0)  # [K, T]
    room = available[loads.resource[:, None], loaded]  # [K, T] capacity of the bucket each term loads
    with np.errstate(divide="ignore", invalid="ignore"):
        fits = (room - loads.setup_minutes[:, None]) / loads.minutes_per_unit[:, None]
    fits = np.where(loads.minutes_per_unit[:, None] > 0, fits, INF)
    fits = np.where(loads.setup_minutes[:, None] > room, 0.0, np.maximum(fits, 0.0))
    capacity_bound = np.full((n_items, n_buckets), INF)
    np.minimum.at(capacity_bound, loads.item, fits)
    return np.minimum(capacity_bound, uncapacitated_max_gross(demand, safety, yield_rate, allowed))


def uncapacitated_max_gross(demand: FloatArray, safety: FloatArray, yield_rate: FloatArray,
                            allowed: BoolArray) -> FloatArray:
    """The demand part of the big-M alone ([I, T]), for models that ignore capacity limits."""
    remaining = demand[:, ::-1].cumsum(axis=1)[:, ::-1]
    later_safety = np.maximum.accumulate(safety[:, ::-1], axis=1)[:, ::-1]
    everything = demand.sum(axis=1, keepdims=True) + safety.max(axis=1, keepdims=True)
    needed = np.where(allowed[:, None], everything, remaining + later_safety)
    return np.asarray(needed / yield_rate[:, None], dtype=float)


def cumulative_requirement(
    demand: FloatArray, safety: FloatArray, initial: FloatArray, allowed: BoolArray
) -> FloatArray:
    """Good units that production must have covered by the end of each bucket, nondecreasing.

    Without backlog, cumulative good production by t is at least demand up to t plus safety stock at t
    minus initial stock, for t and every earlier bucket (running maximum). With backlog that level minus
    the backlog at t is what is covered, so the running minimum from the end keeps the curve
    nondecreasing while staying below the level (what the backlog link in the flow model needs).
    """
    level = demand.cumsum(axis=1) + safety - initial[:, None]
    no_backlog = np.maximum.accumulate(level, axis=1)
    with_backlog = np.minimum.accumulate(level[:, ::-1], axis=1)[:, ::-1]
    return np.maximum(np.where(allowed[:, None], with_backlog, no_backlog), 0.0)


@dataclass
class ModelBuilder:
    """Collects columns and rows as numpy chunks and hands HiGHS one row-wise sparse model."""

    _cost: list[FloatArray] = field(default_factory=list)
    _lower: list[FloatArray] = field(default_factory=list)
    _upper: list[FloatArray] = field(default_factory=list)
    _integer: list[BoolArray] = field(default_factory=list)
    _col_updates: list[tuple[str, IntArray, FloatArray]] = field(default_factory=list)
    _row_index: list[IntArray] = field(default_factory=list)
    _row_value: list[FloatArray] = field(default_factory=list)
    _row_length: list[IntArray] = field(default_factory=list)
    _row_lower: list[FloatArray] = field(default_factory=list)
    _row_upper: list[FloatArray] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0

    def add_columns(self, shape: tuple[int, ...], upper: float | FloatArray = INF,
                    integer: bool = False) -> IntArray:
        """New columns in [0, upper] with zero cost; returns their indices in the given shape."""
        count = int(np.prod(shape))
        self._cost.append(np.zeros(count))
        self._lower.append(np.zeros(count))
        self._upper.append(np.broadcast_to(np.asarray(upper, dtype=float), shape).ravel().copy())
        self._integer.append(np.full(count, integer))
        indices = np.arange(self.n_cols, self.n_cols + count, dtype=np.int64).reshape(shape)
        self.n_cols += count
        return indices

    def set_columns(self, attribute: Literal["cost", "lower", "upper"], columns: IntArray,
                    values: float | FloatArray) -> None:
        """Change cost or a bound of existing columns (applied in call order when the model is built)."""
        values_array = np.broadcast_to(np.asarray(values, dtype=float), columns.shape).ravel()
        self._col_updates.append((attribute, columns.ravel(), values_array.copy()))

    def add_rows(self, index: IntArray, value: FloatArray, lower: float | FloatArray,
                 upper: float | FloatArray) -> IntArray:
        """Rows of equal length k: index and value are [n, k]; returns the n new row indices."""
        count, width = index.shape
        values = np.broadcast_to(np.asarray(value, dtype=float), index.shape)
        return self.add_sparse_rows(np.repeat(np.arange(count), width), index.ravel(), values.ravel(),
                                    lower, upper, count)

    def add_sparse_rows(self, row: IntArray, index: IntArray, value: FloatArray | float,
                        lower: float | FloatArray, upper: float | FloatArray, count: int) -> IntArray:
        """`count` rows of any length: entry k goes to new row `row[k]` (0-based among the new rows)."""
        order = np.argsort(row, kind="stable")
        values = np.broadcast_to(np.asarray(value, dtype=float), index.shape)
        self._row_index.append(index[order].astype(np.int64))
        self._row_value.append(values[order].astype(float))
        self._row_length.append(np.bincount(row, minlength=count).astype(np.int64))
        self._row_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)).copy())
        self._row_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)).copy())
        rows = np.arange(self.n_rows, self.n_rows + count, dtype=np.int64)
        self.n_rows += count
        return rows

    def to_problem(self, integer: bool = True) -> SparseProblem:
        """The collected model as arrays for HiGHS; integer=False gives its LP relaxation."""
        cost, lower, upper = (np.concatenate(c) for c in (self._cost, self._lower, self._upper))
        targets = {"cost": cost, "lower": lower, "upper": upper}
        for attribute, columns, values in self._col_updates:
            targets[attribute][columns] = values
        index, value = np.concatenate(self._row_index), np.concatenate(self._row_value)
        row_of_entry = np.repeat(np.arange(self.n_rows), np.concatenate(self._row_length))
        # Placeholder entries (coefficient 0) keep rows rectangular while building; HiGHS must not see them.
        keep = value != 0.0
        starts = np.zeros(self.n_rows + 1, dtype=np.int32)
        starts[1:] = np.cumsum(np.bincount(row_of_entry[keep], minlength=self.n_rows))
        is_integer = np.concatenate(self._integer)
        return SparseProblem(
            cost=cost, lower=lower, upper=upper,
            row_lower=np.concatenate(self._row_lower), row_upper=np.concatenate(self._row_upper),
            starts=starts, index=index[keep].astype(np.int32), value=value[keep],
            integrality=is_integer.astype(np.int32) if integer and is_integer.any() else np.zeros(0, np.int32),
        )


@dataclass(frozen=True)
class SparseProblem:
    """A MIP (or LP) in HiGHS' row-wise array form; numpy arrays pass to HiGHS without copying by element."""

    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    starts: npt.NDArray[np.int32]
    index: npt.NDArray[np.int32]
    value: FloatArray
    integrality: npt.NDArray[np.int32]  # 1 = integer, 0 = continuous; empty for an LP

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.size)

    def load_into(self, highs: highspy.Highs) -> highspy.HighsStatus:
        """Pass the problem to a HiGHS instance (minimisation, no objective offset)."""
        counts = (self.cost.size, self.row_lower.size, self.value.size)
        rowwise, minimise = int(highspy.MatrixFormat.kRowwise), int(highspy.ObjSense.kMinimize)
        arrays = (self.cost, self.lower, self.upper, self.row_lower, self.row_upper, self.starts, self.index,
                  self.value)
        # All-continuous integrality makes HiGHS treat the problem as an LP (with duals).
        integrality = self.integrality if self.is_mip else np.zeros(self.cost.size, dtype=np.int32)
        return highs.passModel(*counts, rowwise, minimise, 0.0, *arrays, integrality)


@dataclass(frozen=True)
class LotSizingVariables:
    """Column indices by business meaning; [item, bucket] or [resource, bucket]."""

    production: IntArray  # gross units processed
    inventory: IntArray  # good units in stock at the end of the bucket
    backlog: IntArray  # demand not yet delivered at the end of the bucket
    setup: IntArray  # 1 when the item is produced in the bucket
    overtime: IntArray  # overtime minutes of the resource
    shortfall: IntArray | None  # capacity minutes missing (only in the elastic diagnosis model)


@dataclass(frozen=True)
class LotSizingModel:
    """A built model: the HiGHS problem, its columns, and the capacity rows (for shadow prices)."""

    problem: SparseProblem
    variables: LotSizingVariables
    capacity_rows: IntArray  # [R, T]


def create_variables(builder: ModelBuilder, data: PreparedData, elastic: bool) -> LotSizingVariables:
    """All columns, nonnegative and free of cost; the rules below set their bounds and costs."""
    item_shape, resource_shape = (data.n_items, data.n_buckets), (data.n_resources, data.n_buckets)
    return LotSizingVariables(
        production=builder.add_columns(item_shape),
        inventory=builder.add_columns(item_shape),
        backlog=builder.add_columns(item_shape),
        setup=builder.add_columns(item_shape, upper=1.0, integer=True),
        overtime=builder.add_columns(resource_shape),
        shortfall=builder.add_columns(resource_shape) if elastic else None,
    )


def add_inventory_balance(builder: ModelBuilder, data: PreparedData, variables: LotSizingVariables) -> None:
    """Hard: stock carried in + good production - demand = stock carried out - backlog, per item-bucket.

    Good production is gross production x yield_rate: scrap never reaches stock or the customer.
    """
    inventory, backlog = variables.inventory, variables.backlog
    previous_inventory = np.concatenate([inventory[:, :1], inventory[:, :-1]], axis=1)
    previous_backlog = np.concatenate([backlog[:, :1], backlog[:, :-1]], axis=1)
    carried = np.ones(data.demand.shape)
    carried[:, 0] = 0.0  # the first bucket starts from initial_inventory (a constant, on the right side)
    index = np.stack([inventory, previous_inventory, backlog, previous_backlog, variables.production], -1)
    yields = np.broadcast_to(data.yield_rate[:, None], data.demand.shape)
    value = np.stack([np.ones(data.demand.shape), -carried, -np.ones(data.demand.shape), carried, -yields], -1)
    rhs = -data.demand.copy()
    rhs[:, 0] += data.initial_inventory
    builder.add_rows(index.reshape(-1, 5), value.reshape(-1, 5), rhs.ravel(), rhs.ravel())


def add_safety_stock(builder: ModelBuilder, data: PreparedData, variables: LotSizingVariables) -> None:
    """Hard: stock at the end of each bucket is at least the item's safety stock for that bucket."""
    builder.set_columns("lower", variables.inventory, data.safety_stock)


def add_backlog_policy(builder: ModelBuilder, data: PreparedData, variables: LotSizingVariables) -> None:
    """Hard: demand of an item without a backlog cost is delivered in its bucket, never late."""
    not_allowed = ~data.backlog_allowed
    builder.set_columns("upper", variables.backlog[not_allowed], 0.0)


def add_overtime(builder: ModelBuilder, data: PreparedData, variables: LotSizingVariables) -> None:
    """Hard: overtime on a resource-bucket stays within its cap (zero where none is offered)."""
    builder.set_columns("upper", variables.overtime, data.overtime_cap)


def add_capacity(builder: ModelBuilder, data: PreparedData, variables: LotSizingVariables) -> IntArray:
    """Hard: processing minutes of gross units plus setup minutes fit into capacity plus overtime.

    Returns the [R, T] row indices, whose duals are the capacity shadow prices.
    With lead-time offsets a lot completing in bucket t loads each resource in the bucket its operation
    runs in (`LoadTerms.bucket`), so a row (r, s) holds the lots of every bucket whose work on r falls in s.
    """
    n_buckets = data.n_buckets
    row, column, value = data.loads.capacity_entries(variables.production, variables.setup, n_buckets)
    extras = [variables.overtime] + ([variables.shortfall] if variables.shortfall is not None else [])
    cells = np.arange(data.n_resources * n_buckets)
    for extra in extras:
        row, column = np.concatenate([row, cells]), np.concatenate([column, extra.ravel()])
        value = np.concatenate([value, -np.ones(cells.size)])
    rows = builder.add_sparse_rows(row, column, value, -INF, data.capacity.ravel(), cells.size)
    return rows.reshape(data.n_resources, n_buckets)


def add_setup_forcing(builder: ModelBuilder, data: PreparedData, variables: LotSizingVariables,
                      fixed_setups: BoolArray | None) -> None:
    """Hard: an item is produced in a bucket only if it is set up there (gross <= max_gross x setup).

    With `fixed_setups` the setup decisions are constants (the pricing LP): production is simply
    forbidden where there is no setup and bounded elsewhere only by the lead-time lot limit (a rule,
    `lot_limit`), so that no big-M row can take a share of the capacity duals.
    """
    if fixed_setups is not None:
        builder.set_columns("lower", variables.setup, fixed_setups.astype(float))
        builder.set_columns("upper", variables.setup, fixed_setups.astype(float))
        builder.set_columns("upper", variables.production, np.where(fixed_setups, data.lot_limit, 0.0))
        return
    possible = data.max_gross > _EPS
    builder.set_columns("upper", variables.setup[~possible], 0.0)
    builder.set_columns("upper", variables.production[~possible], 0.0)
    index = np.stack([variables.production[possible], variables.setup[possible]], axis=1)
    value = np.stack([np.ones(int(possible.sum())), -data.max_gross[possible]], axis=1)
    builder.add_rows(index, value, -INF, 0.0)


def add_tightening_inequalities(builder: ModelBuilder, data: PreparedData,
                                variables: LotSizingVariables) -> None:
    """Facility-location reformulation, added on top of the aggregated model (valid, not a rule).

    Flow z[s, t] is the part of the requirement increment of bucket t (see `cumulative_requirement`)
    produced in bucket s: z[s, t] <= min(increment, max good output of s) x setup[s]. Every integer plan
    has such flows (assign produced units to required units first-in-first-out), so nothing feasible
    is cut off, while the LP relaxation must open a setup for each unit it carries.
    """
    for i in range(data.n_items):
        increment = np.diff(data.requirement[i], prepend=0.0)
        max_good = data.max_gross[i] * data.yield_rate[i]
        backlog = bool(data.backlog_allowed[i])
        sources, targets = _flow_pairs(increment, max_good, backlog)
        if sources.size == 0:
            continue
        flows = builder.add_columns((sources.size,), upper=increment[targets])
        bound = np.minimum(increment[targets], max_good[sources])
        builder.add_rows(np.stack([flows, variables.setup[i][sources]], 1),
                         np.stack([np.ones(flows.size), -bound], 1), -INF, 0.0)
        # Each increment is delivered by flows (in full unless backlog may leave part of it unmet).
        served, target_row = np.unique(targets, return_inverse=True)
        builder.add_sparse_rows(target_row, flows, 1.0, -INF if backlog else increment[served],
                                increment[served], served.size)
        # Flows out of a bucket carry at most its good production.
        producing, source_row = np.unique(sources, return_inverse=True)
        builder.add_sparse_rows(np.concatenate([source_row, np.arange(producing.size)]),
                                np.concatenate([flows, variables.production[i][producing]]),
                                np.concatenate([np.ones(flows.size), np.full(producing.size, -data.yield_rate[i])]),
                                -INF, 0.0, producing.size)
        if backlog:
            _add_backlog_link(builder, data.requirement[i], variables.backlog[i], flows, sources, targets)


def flow_column_count(data: PreparedData) -> int:
    """How many flow columns `add_tightening_inequalities` would create (to bound the model's size)."""
    total = 0
    for i in range(data.n_items):
        increment = np.diff(data.requirement[i], prepend=0.0)
        max_good = data.max_gross[i] * data.yield_rate[i]
        total += _flow_pairs(increment, max_good, bool(data.backlog_allowed[i]))[0].size
    return total


def _flow_pairs(increment: FloatArray, max_good: FloatArray, backlog: bool) -> tuple[IntArray, IntArray]:
    """(source, target) bucket pairs that may carry flow: sources that can produce, before the target
    unless backlog allows later ones."""
    targets = np.flatnonzero(increment > _EPS)
    producing = np.flatnonzero(max_good > _EPS)
    source_grid, target_grid = np.meshgrid(producing, targets, indexing="ij")
    keep = np.ones(source_grid.shape, dtype=bool) if backlog else source_grid <= target_grid
    return source_grid[keep].astype(np.int64), target_grid[keep].astype(np.int64)


def _add_backlog_link(builder: ModelBuilder, cumulative: FloatArray, backlog: IntArray, flows: IntArray,
                      sources: IntArray, targets: IntArray) -> None:
    """backlog[t] >= requirement by t not yet covered by flows produced by t.

    The covered amount is accumulated in one helper column per bucket (covered[t] = covered[t-1] +
    flows whose later end is t), so that each flow enters one row instead of every later bucket's.
    """
    buckets = cumulative.size
    covered = builder.add_columns((buckets,))
    previous = np.arange(1, buckets)
    latest = np.maximum(sources, targets)
    builder.add_sparse_rows(np.concatenate([np.arange(buckets), previous, latest]),
                            np.concatenate([covered, covered[previous - 1], flows]),
                            np.concatenate([np.ones(buckets), -np.ones(buckets - 1), -np.ones(flows.size)]),
                            0.0, 0.0, buckets)
    index = np.stack([covered, backlog], axis=1)
    builder.add_rows(index, np.ones(index.shape), cumulative, INF)


def set_objective(builder: ModelBuilder, data: PreparedData, variables: LotSizingVariables,
                  elastic: bool) -> None:
    """Soft: minimise setup + holding + backlog + overtime cost.

    The elastic diagnosis model instead minimises missing capacity minutes, and nothing else.
    """
    if elastic and variables.shortfall is not None:
        builder.set_columns("cost", variables.shortfall, 1.0)
        return
    builder.set_columns("cost", variables.setup, np.broadcast_to(data.setup_cost[:, None], variables.setup.shape))
    builder.set_columns("cost", variables.inventory,
                        np.broadcast_to(data.holding_cost[:, None], variables.inventory.shape))
    builder.set_columns("cost", variables.backlog,
                        np.broadcast_to(data.backlog_cost[:, None], variables.backlog.shape))
    builder.set_columns("cost", variables.overtime,
                        np.broadcast_to(data.overtime_cost[:, None], variables.overtime.shape))


def build_model(data: PreparedData, formulation: Formulation = "facility_location",
                fixed_setups: BoolArray | None = None, elastic: bool = False,
                integer: bool = True) -> LotSizingModel:
    """Assemble the model. `fixed_setups` gives the pricing LP, `elastic` the infeasibility diagnosis,
    `integer=False` the LP relaxation."""
    builder = ModelBuilder()
    variables = create_variables(builder, data, elastic)
    add_inventory_balance(builder, data, variables)
    add_safety_stock(builder, data, variables)
    add_backlog_policy(builder, data, variables)
    add_overtime(builder, data, variables)
    capacity_rows = add_capacity(builder, data, variables)
    add_setup_forcing(builder, data, variables, fixed_setups)
    if formulation == "facility_location" and fixed_setups is None:
        add_tightening_inequalities(builder, data, variables)
    set_objective(builder, data, variables, elastic)
    problem = builder.to_problem(integer=integer and fixed_setups is None)
    return LotSizingModel(problem=problem, variables=variables, capacity_rows=capacity_rows)


def configured_highs(options: LotSizingOptions, time_limit: float, log: bool = False) -> highspy.Highs:
    """A HiGHS instance with the options' relative gap, seed and threads, this time limit, and its log on
    the console only when `log` is set: the main MIP and the improving thread's sub-MIPs alike."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", log)
    highs.setOptionValue("time_limit", max(time_limit, 0.01))
    highs.setOptionValue("mip_rel_gap", options.relative_gap)
    highs.setOptionValue("random_seed", options.random_seed)
    if options.threads:
        highs.setOptionValue("threads", options.threads)
    return highs
