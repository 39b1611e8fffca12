"""Hypothesis strategies for random, valid planning requests (small enough to solve in a test): `plan_requests`
(machines, routings and predictions) and `plant_requests` (the plant rules: furnaces, setters, dies, skills,
materials, bills of materials, lags, pausing, lot splits, modes, precedence graphs, sequence rules, work in
progress)."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import pairwise

from hypothesis import strategies as st

from planner.domain import (
    MINUTES_PER_DAY,
    BatchRecipe,
    DemandForecast,
    EligibleMachine,
    Factory,
    FamilyChangeover,
    LotSplit,
    Machine,
    MachineRisk,
    Material,
    MaterialOutput,
    MaterialReceipt,
    MaterialUse,
    Objective,
    Operation,
    OperationMode,
    Order,
    OrderLotSplit,
    PlanOptions,
    PlanRequest,
    PrecedenceRelation,
    Predecessor,
    Product,
    QuantileValue,
    RecipeChangeover,
    Resource,
    ResourceNeed,
    RiskPoint,
    RiskPolicy,
    RunningOperation,
    SequenceRule,
    Shift,
    ShiftCalendar,
    ShiftCapacity,
    TimeWindow,
    WorkInProgress,
    YieldEstimate,
)
from planner.solution import ScheduledOperation
from planner.testing import operation, request


@st.composite
def plan_requests(draw: st.DrawFn, max_orders: int = 6, max_machines: int = 4, predictions: bool = True) -> PlanRequest:
    """Random valid requests; with `predictions`, half of them carry yields, risk curves, a risk policy,
    scrap costs and family changeovers."""
    machine_ids = [f"M{i}" for i in range(draw(st.integers(1, max_machines)))]
    machines: list[Machine | str] = []
    for machine_id in machine_ids:
        windows = draw(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 60)), max_size=2))
        machines.append(Machine(id=machine_id, maintenance_windows=[
            TimeWindow(start=s, end=s + length, reason="test") for s, length in windows]))
    products = []
    for p_index in range(draw(st.integers(1, 3))):
        steps = draw(st.integers(1, 3))
        products.append(Product(id=f"P{p_index}", family=draw(st.sampled_from(["a", "b"])), routing=[
            operation(f"op{k}", draw(st.lists(st.sampled_from(machine_ids), min_size=1, max_size=len(machine_ids),
                                               unique=True)),
                      run=draw(st.sampled_from([0.5, 1.0, 2.0, 3.5])), setup=draw(st.integers(0, 15)))
            for k in range(steps)
        ]))
    orders = []
    for o_index in range(draw(st.integers(1, max_orders))):
        release = draw(st.integers(0, 200))
        orders.append(Order(id=f"O{o_index}", product_id=draw(st.sampled_from([p.id for p in products])),
                            quantity=draw(st.integers(1, 40)), release=release,
                            due=release + draw(st.integers(0, 400)), weight=draw(st.sampled_from([1.0, 2.0, 0.5]))))
    objective = draw(st.sampled_from(list(Objective)))
    base = request(machines, products, orders, horizon=5000, objective=objective, time_limit=2.0)
    if not predictions or not draw(st.booleans()):
        return base
    return _with_predictions(draw, base, machine_ids, [p.id for p in products])


def _with_predictions(
    draw: st.DrawFn, base: PlanRequest, machine_ids: list[str], product_ids: list[str]
) -> PlanRequest:
    pairs = draw(st.lists(st.tuples(st.sampled_from(product_ids), st.sampled_from(machine_ids)), unique=True,
                          max_size=4))
    yields = [YieldEstimate(product_id=p, machine_id=m, yield_rate=draw(st.sampled_from([0.7, 0.9, 0.97, 1.0])))
              for p, m in pairs]
    risky = draw(st.lists(st.sampled_from(machine_ids), unique=True, max_size=2))
    risks = []
    for machine_id in risky:
        first = draw(st.floats(0.0, 0.5))
        risks.append(MachineRisk(machine_id=machine_id, repair_minutes=draw(st.integers(30, 300)), curve=[
            RiskPoint(minute=draw(st.integers(0, 100)), probability=first),
            RiskPoint(minute=draw(st.integers(200, 2000)), probability=min(1.0, first + draw(st.floats(0.0, 0.5))))]))
    options = base.options.model_copy(update={
        "risk_policy": draw(st.sampled_from(list(RiskPolicy))),
        "risk_bucket_minutes": draw(st.sampled_from([240, 480, 1440])),
        "maintenance_minutes": draw(st.integers(10, 120)),
        "maintenance_threshold": draw(st.sampled_from([0.1, 0.3, 0.9])),
    })
    products = [p.model_copy(update={"scrap_cost": draw(st.sampled_from([0.0, 2.5]))}) for p in base.factory.products]
    changeovers = [FamilyChangeover(from_family="a", to_family="b", minutes=draw(st.integers(0, 60))),
                   FamilyChangeover(from_family="b", to_family="a", minutes=draw(st.integers(0, 60)),
                                    machine_id=draw(st.sampled_from([None, *machine_ids])))]
    changeovers = changeovers if draw(st.booleans()) else []
    factory = base.factory.model_copy(update={"products": products, "changeovers": changeovers})
    forecasts = [DemandForecast(product_id=draw(st.sampled_from(product_ids)), bucket=bucket, quantiles=[
        QuantileValue(level=0.1, value=median * 0.5), QuantileValue(level=0.5, value=median),
        QuantileValue(level=0.9, value=median * 1.4)])
        for bucket, median in enumerate(draw(st.lists(st.sampled_from([0.0, 5.0, 20.0]), max_size=3)))]
    return base.model_copy(update={"yields": yields, "machine_risks": risks, "options": options, "factory": factory,
                                   "demand_forecasts": forecasts})


def back_to_back(order_id: str, product_id: str, quantity: int,
                 steps: list[tuple[int, str, int, int]]) -> list[ScheduledOperation]:
    """One order's operations placed one after the other from plan start: per step (operation index, machine,
    minutes of gap before it, length); operation ids are `op<index>`."""
    placed, cursor = [], 0
    for index, machine_id, gap, length in steps:
        start = cursor + gap
        placed.append(ScheduledOperation(order_id=order_id, product_id=product_id, operation_id=f"op{index}",
                                         operation_index=index, machine_id=machine_id, start=start,
                                         end=start + length, quantity=quantity))
        cursor = start + length
    return placed


# --- plant rules ---------------------------------------------------------------------------------------------------

PLANT_RULES = ("batching", "resources", "dies", "skills", "materials", "bom", "time_lags", "transfer_batches",
               "pausing", "lot_splits", "modes", "precedence", "sequence_rules", "work_in_progress")
"""The plant rules `plant_requests` can put into a request, by name."""
PLANT_HORIZON = 7 * MINUTES_PER_DAY
"""A week: the plan starts on a Monday; the two-shift calendar works Monday to Saturday."""

_TWO_SHIFTS = ShiftCalendar(id="two-shift", shifts=[Shift(name="early", start_minute=360, length_minutes=480),
                                                    Shift(name="late", start_minute=840, length_minutes=480)],
                            working_days=[0, 1, 2, 3, 4, 5])
_FURNACE = "F0"
_PEOPLE = [Resource(id="W0", skills=["weld"]), Resource(id="W1", skills=["weld", "cmm"]),
           Resource(id="W2", skills=["cmm"])]


@dataclass
class _Plant:
    """What the routings of a generated plant may use (filled by `plant_requests` rule by rule)."""

    rules: frozenset[str]
    machines: list[str]
    pausing_machines: set[str] = field(default_factory=set)
    resources: list[Resource] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)

    @property
    def dies(self) -> list[str]:
        return [r.id for r in self.resources if r.is_die]


@st.composite
def plant_requests(draw: st.DrawFn, rules: Collection[str] | None = None, max_orders: int = 4,
                   max_machines: int = 3) -> PlanRequest:
    """Random valid requests that use the plant rules: `rules` names those to use (from `PLANT_RULES`), None = a
    random subset. Small
    enough for a 2 s solve with one worker; some are infeasible (material short, a maximum time lag across a
    night), which the plan's status and reasons say."""
    chosen = frozenset(draw(st.sets(st.sampled_from(PLANT_RULES))) if rules is None else rules)
    assert chosen <= set(PLANT_RULES), f"unknown plant rules {sorted(chosen - set(PLANT_RULES))}"
    plant = _Plant(rules=chosen, machines=[f"M{i}" for i in range(draw(st.integers(1, max_machines)))])
    machines = [_plant_machine(draw, plant, machine_id) for machine_id in plant.machines]
    if "batching" in chosen:
        machines.append(_furnace(draw))
    plant.resources = _plant_resources(draw, plant)
    if "materials" in chosen:
        plant.materials = [Material(id="ingot", unit="kg", on_hand=draw(st.sampled_from([0.0, 50.0, 400.0])),
                                    receipts=[MaterialReceipt(minute=minute, quantity=500.0) for minute in
                                              draw(st.lists(st.integers(0, 3000), max_size=2))]),
                           Material(id="rack", on_hand=draw(st.sampled_from([10.0, 100.0])))]
    products = [_plant_product(draw, plant, f"P{index}", index) for index in range(draw(st.integers(1, 3)))]
    if "bom" in chosen:
        products.append(_assembly(draw, plant, products[0].id))
    if "dies" in chosen and draw(st.booleans()):
        machines[0] = machines[0].model_copy(update={"mounted_die": "D0"})
    factory = Factory(machines=machines, products=products, calendars=[_TWO_SHIFTS], resources=plant.resources,
                      materials=plant.materials)
    orders = _plant_orders(draw, plant, products, max_orders)
    objective = draw(st.sampled_from([Objective.WEIGHTED_TARDINESS, Objective.MAKESPAN]
                                     + ([Objective.BATCH_COST] if "batching" in chosen else [])))
    base = PlanRequest(factory=factory, orders=orders, options=PlanOptions(
        horizon_minutes=PLANT_HORIZON, objective=objective, time_limit_seconds=2.0, num_workers=1,
        explain_predictions=False))
    if "sequence_rules" in chosen:
        base = base.model_copy(update={"sequence_rules": _sequence_rules(draw, base)})
    return base


def _plant_machine(draw: st.DrawFn, plant: _Plant, machine_id: str) -> Machine:
    pauses = "pausing" in plant.rules and "transfer_batches" not in plant.rules and draw(st.booleans())
    if pauses:
        plant.pausing_machines.add(machine_id)
    return Machine(id=machine_id, calendar_id=draw(st.sampled_from([None, _TWO_SHIFTS.id])),
                   operations_may_pause=pauses)


def _furnace(draw: st.DrawFn) -> Machine:
    recipes = [BatchRecipe(id="A", cycle_minutes=draw(st.sampled_from([60, 120]))),
               BatchRecipe(id="B", cycle_minutes=draw(st.sampled_from([90, 180])))]
    changeovers = [RecipeChangeover(from_recipe="A", to_recipe="B", minutes=draw(st.integers(0, 30)),
                                    cost=draw(st.sampled_from([0.0, 5.0])))] if draw(st.booleans()) else []
    return Machine(id=_FURNACE, batch_capacity=draw(st.sampled_from([40.0, 80.0, 200.0])), recipes=recipes,
                   batch_min_load=draw(st.sampled_from([0.0, 0.0, 1.0])), recipe_changeovers=changeovers,
                   initial_recipe=draw(st.sampled_from([None, "A", "B"])))


def _plant_resources(draw: st.DrawFn, plant: _Plant) -> list[Resource]:
    resources = []
    if plant.rules & {"resources", "modes"}:
        shifts = draw(st.booleans())
        resources.append(Resource(id="setter", capacity=draw(st.integers(1, 3)),
                                  calendar_id=_TWO_SHIFTS.id if shifts else None,
                                  shift_capacities=[ShiftCapacity(shift="late", capacity=draw(st.integers(1, 2)))]
                                  if shifts else []))
        resources.append(Resource(id="fitter", capacity=draw(st.integers(1, 2))))
    if "dies" in plant.rules:
        resources += [Resource(id=f"D{i}", mount_minutes=draw(st.sampled_from([15, 60]))) for i in range(2)]
    if "skills" in plant.rules:
        resources += _PEOPLE
    return resources


def _plant_product(draw: st.DrawFn, plant: _Plant, product_id: str, index: int) -> Product:
    """A product of 1 to 3 operations of random kinds (machine, furnace load, manual, modes), in a chain with
    time lags and transfer batches, or in a precedence graph with lags on its links."""
    length = draw(st.integers(1, 3))
    graph = "precedence" in plant.rules and length >= 2 and draw(st.booleans())
    routing: list[Operation] = []
    for k in range(length):
        kinds = ["machine", "machine", *(["furnace"] if "batching" in plant.rules else []),
                 *(["manual"] if "resources" in plant.rules else []), *(["modes"] if "modes" in plant.rules else [])]
        kind = draw(st.sampled_from(kinds))
        if kind == "furnace":
            op = _furnace_operation(draw, f"op{k}")
        elif kind == "manual":
            op = Operation(id=f"op{k}", eligible_machines=[], run_minutes_per_unit=draw(st.sampled_from([0.5, 2.0])),
                           resources=[ResourceNeed(resource_id="fitter")])
        elif kind == "modes":
            op = _modal_operation(draw, plant, f"op{k}")
        else:
            op = _machine_operation(draw, plant, f"op{k}")
        if graph and k > 0:
            op = op.model_copy(update={"predecessors": _links(draw, [o.id for o in routing])})
        elif k > 0:
            op = _chain_link(draw, plant, op, routing[-1])
        routing.append(_maybe_split(draw, plant, op))
    return Product(id=product_id, family=f"fam{index}", routing=routing)


def _machine_operation(draw: st.DrawFn, plant: _Plant, op_id: str) -> Operation:
    needs: list[ResourceNeed] = []
    if "resources" in plant.rules and draw(st.booleans()):
        needs.append(ResourceNeed(resource_id="setter", setup_only=True))
    if "dies" in plant.rules and draw(st.booleans()):
        needs.append(ResourceNeed(resource_id=draw(st.sampled_from(plant.dies))))
    if "skills" in plant.rules and draw(st.booleans()):
        needs.append(ResourceNeed(skill=draw(st.sampled_from(["weld", "cmm"])), quantity=draw(st.integers(1, 2)),
                                  setup_only=draw(st.booleans())))
    materials, produces = [], []
    if "materials" in plant.rules and draw(st.booleans()):
        materials.append(MaterialUse(material_id=draw(st.sampled_from(["ingot", "rack"])),
                                     quantity_per_unit=draw(st.sampled_from([0.5, 1.0]))))
        produces = [MaterialOutput(material_id="rack", quantity_per_unit=1.0)] if draw(st.booleans()) else []
    holds = any(not need.setup_only for need in needs)
    may_pause = None
    if "pausing" in plant.rules and not holds:  # transfer batches stay away from it (`_chain_link`)
        may_pause = draw(st.sampled_from([None, True, False]))
    machines = draw(st.lists(st.sampled_from(plant.machines), min_size=1, max_size=len(plant.machines), unique=True))
    return Operation(id=op_id, eligible_machines=[EligibleMachine(machine_id=m) for m in machines],
                     setup_minutes=draw(st.integers(0, 20)),
                     run_minutes_per_unit=draw(st.sampled_from([0.5, 1.0, 3.0])),
                     resources=needs, materials=materials, produces=produces, may_pause=may_pause)


def _furnace_operation(draw: st.DrawFn, op_id: str) -> Operation:
    window = draw(st.booleans())
    return Operation(id=op_id, eligible_machines=[EligibleMachine(machine_id=_FURNACE)],
                     recipe=draw(st.sampled_from(["A", "B"])), batch_load_per_unit=draw(st.sampled_from([0.5, 1.0])),
                     batch_min_minutes=60 if window else None, batch_max_minutes=240 if window else None)


def _modal_operation(draw: st.DrawFn, plant: _Plant, op_id: str) -> Operation:
    """A fast mode on a machine with a setter for its setup, and a slow manual one by a fitter."""
    materials = [MaterialUse(material_id="ingot", quantity_per_unit=1.0)] if "materials" in plant.rules else []
    fast = OperationMode(id="fast", machine_id=draw(st.sampled_from(plant.machines)),
                         setup_minutes=draw(st.integers(0, 20)), run_minutes_per_unit=draw(st.sampled_from([0.5, 1.0])),
                         resources=[ResourceNeed(resource_id="setter", setup_only=True)], materials=materials)
    slow = OperationMode(id="slow", run_minutes_per_unit=draw(st.sampled_from([2.0, 4.0])),
                         resources=[ResourceNeed(resource_id="fitter")], materials=materials)
    return Operation(id=op_id, eligible_machines=[], modes=[fast, slow])


def _links(draw: st.DrawFn, earlier: list[str]) -> list[Predecessor]:
    """Links to one or two earlier operations: end-to-start with a minimum and maybe a maximum lag, or
    start-to-start with a lag that may be negative."""
    links = []
    for operation_id in draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True)):
        relation = draw(st.sampled_from(list(PrecedenceRelation)))
        low = draw(st.integers(0, 60) if relation == PrecedenceRelation.END_TO_START else st.integers(-30, 60))
        high = draw(st.sampled_from([None, low + 600, low + 2 * MINUTES_PER_DAY]))
        links.append(Predecessor(operation_id=operation_id, relation=relation, min_lag_minutes=low,
                                 max_lag_minutes=high))
    return links


def _chain_link(draw: st.DrawFn, plant: _Plant, op: Operation, previous: Operation) -> Operation:
    """Time lags, or a transfer batch, from the previous operation of a chain."""
    links = ["none", *(["lags"] if "time_lags" in plant.rules else [])]
    if "transfer_batches" in plant.rules and _hands_on_batches(previous) and _hands_on_batches(op) \
            and previous.lot_split is None:
        links.append("transfer")
    link = draw(st.sampled_from(links))
    if link == "lags":
        low = draw(st.sampled_from([0, 30, 120]))
        return op.model_copy(update={"min_lag_minutes": low,
                                     "max_lag_minutes": draw(st.sampled_from([None, low + 2 * MINUTES_PER_DAY]))})
    if link == "transfer":
        return op.model_copy(update={"transfer_batch_units": draw(st.integers(1, 10))})
    return op


def _hands_on_batches(op: Operation) -> bool:
    """Whether transfer batches may run into or out of the operation: not a load, not modes, not manual, not
    pausing (machines that pause by default are not drawn together with transfer batches)."""
    return op.recipe is None and not op.modes and not op.is_manual and not op.may_pause


def _splittable(plant: _Plant, op: Operation) -> bool:
    """Whether a lot split could apply (`planner.scheduling.rules.lot_splitting` models none of these with it)."""
    return (bool(op.eligible_machines) and op.recipe is None and not op.modes and not op.resources
            and not op.materials and not op.produces and not op.may_pause and op.max_lag_minutes is None
            and op.transfer_batch_units is None and not any(p.max_lag_minutes is not None for p in op.predecessors)
            and not any(e.machine_id in plant.pausing_machines for e in op.eligible_machines))


def _maybe_split(draw: st.DrawFn, plant: _Plant, op: Operation) -> Operation:
    if "lot_splits" not in plant.rules or not _splittable(plant, op) or not draw(st.booleans()):
        return op
    return op.model_copy(update={"lot_split": LotSplit(max_sublots=draw(st.integers(2, 3)),
                                                       min_sublot_units=draw(st.integers(1, 5)))})


def _assembly(draw: st.DrawFn, plant: _Plant, component: str) -> Product:
    """A product made of `component` (a product made in-house: the bill of materials)."""
    use = MaterialUse(material_id=component, quantity_per_unit=draw(st.sampled_from([1.0, 2.0])))
    return Product(id="ASM", family="asm", routing=[Operation(
        id="assemble", eligible_machines=[EligibleMachine(machine_id=draw(st.sampled_from(plant.machines)))],
        run_minutes_per_unit=draw(st.sampled_from([1.0, 2.0])), materials=[use])])


def _plant_orders(draw: st.DrawFn, plant: _Plant, products: list[Product], max_orders: int) -> list[Order]:
    """Orders of the plain products (some with work in progress or their own lot splits), then, with a bill of
    materials, one order of the assembly and one of its component that covers it."""
    plain = [p for p in products if p.id != "ASM"]
    orders: list[Order] = []
    running_on: set[str] = set()
    for index in range(draw(st.integers(1, max_orders))):
        product = draw(st.sampled_from(plain))
        quantity = draw(st.integers(1, 40))
        release = draw(st.integers(0, 300))
        order = Order(id=f"O{index}", product_id=product.id, quantity=quantity, release=release,
                      due=release + draw(st.integers(60, 3000)), weight=draw(st.sampled_from([1.0, 2.0])))
        if "work_in_progress" in plant.rules and draw(st.booleans()):
            order = _in_progress(draw, order, product, running_on)
        if "lot_splits" in plant.rules:
            order = _order_split(draw, plant, order, product)
        orders.append(order)
    assembly = next((p for p in products if p.id == "ASM"), None)
    if assembly is not None:
        quantity = draw(st.integers(1, 10))
        use = assembly.routing[0].materials[0]
        orders.append(Order(id="O-component", product_id=use.material_id,
                            quantity=math.ceil(quantity * use.quantity_per_unit), due=2000))
        orders.append(Order(id="O-assembly", product_id="ASM", quantity=quantity, due=3000))
    return orders


def _in_progress(draw: st.DrawFn, order: Order, product: Product, running_on: set[str]) -> Order:
    """The first operations done and maybe the next one running, on a machine around the clock that runs nothing
    else, without resources or a split lot (so it needs nothing at plan start but its machine)."""
    done = draw(st.integers(0, len(product.routing) - 1))
    operation = product.routing[done]
    free = [e.machine_id for e in operation.eligible_machines if e.machine_id not in running_on]
    running = None
    if (free and operation.recipe is None and not operation.resources and operation.lot_split is None
            and draw(st.booleans())):
        machine_id = draw(st.sampled_from(free))
        running_on.add(machine_id)
        running = RunningOperation(operation_id=operation.id, machine_id=machine_id,
                                   remaining_minutes=draw(st.integers(1, 90)), started=-draw(st.integers(0, 120)))
    if not done and running is None:
        return order
    progress = WorkInProgress(done_operation_ids=[op.id for op in product.routing[:done]], running=running)
    return order.model_copy(update={"work_in_progress": progress, "release": 0 if running else order.release})


def _open_operations(order: Order, product: Product) -> list[Operation]:
    """The operations still to plan: neither done nor running."""
    progress = order.work_in_progress
    skip = len(progress.done_operation_ids) + (progress.running is not None) if progress is not None else 0
    return product.routing[skip:]


def _order_split(draw: st.DrawFn, plant: _Plant, order: Order, product: Product) -> Order:
    following = {a.id: b for a, b in pairwise(product.routing)}
    candidates = [op.id for op in _open_operations(order, product) if _splittable(plant, op) and op.lot_split is None
                  and (op.id not in following or following[op.id].transfer_batch_units is None)]
    if not candidates or not draw(st.booleans()):
        return order
    split = OrderLotSplit(operation_id=draw(st.sampled_from(candidates)), max_sublots=draw(st.integers(2, 3)),
                          min_sublot_units=draw(st.integers(1, order.quantity)))
    return order.model_copy(update={"lot_splits": [split]})


def _sequence_rules(draw: st.DrawFn, request: PlanRequest) -> list[SequenceRule]:
    """Up to two rules, each from an earlier order to a later one (so they never close a cycle), between open
    operations on a machine both may run on, that are not split."""
    products = {p.id: p for p in request.factory.products}
    batch = {m.id for m in request.factory.machines if m.is_batch}

    def candidates(order: Order) -> list[tuple[str, set[str]]]:
        split = {s.operation_id for s in order.lot_splits}
        return [(op.id, {e.machine_id for e in op.eligible_machines} - batch)
                for op in _open_operations(order, products[order.product_id])
                if op.lot_split is None and op.id not in split and op.eligible_machines]

    options = [SequenceRule(machine_id=machine, before_order_id=a.id, before_operation_id=a_op,
                            after_order_id=b.id, after_operation_id=b_op)
               for i, a in enumerate(request.orders) for b in request.orders[i + 1:]
               for a_op, a_machines in candidates(a) for b_op, b_machines in candidates(b)
               for machine in sorted(a_machines & b_machines)]
    if not options:
        return []
    return draw(st.lists(st.sampled_from(options), max_size=2, unique=True))
