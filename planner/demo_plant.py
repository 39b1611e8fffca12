"""The plant-grade demo plant: the demo factory with every plant rule a real EV-parts plant is bound by.

`planner.demo_factory` is the simple plant (machines with calendars, linear routings, 80 orders); this
module builds on its machines, products and orders and adds what the shop floor of a Korean
die-casting and machining plant really runs on:

- Furnaces as batch machines (`planner.scheduling.rules.batching`): HT-1 holds 3.0 t, HT-2 2.4 t of castings
  a load, both around the clock; recipes T6-A (housings, 7 h / 6.5 h), T6-S (structural trays and nodes,
  8 h / 7.5 h), and T5 (ageing of rotor end plates, 4 h) on HT-2 only; HT-2 is serviced Monday 12:00-20:00.
  A lot's share of a load is its casting weight (1.1 to 21 kg a part).
- Routings: heat-treated parts are cast, heat-treated within 24 h of casting (before they age
  naturally: a maximum time lag), cooled at least 1 h, machined and inspected; the others are cast,
  cooled at least 2 h before machining (a minimum time lag), machined and inspected. Machining of the
  7.5-9 min parts may pause overnight (`planner.scheduling.rules.pausing`).
- Secondary resources (`planner.scheduling.rules.resources`): setters on the die-casting calendar (3 on the
  early shift, 2 on the late one) for every die change, fixture change and press set-up (setup only);
  one die per cast part that the cells share, mounted on one cell at a time: changing it takes 45 min of the
  cell and a setter, only when the cell's next casting needs another die (`planner.scheduling.rules.dies`;
  DC-1, DC-2 and DC-3 start with the gearbox-cover, rotor-end-plate and large-tray dies mounted); inspectors
  on the inspection calendar (2 early, 1 late), one for each lot on the CMM or the leak-test cell.
- Materials (`planner.scheduling.rules.materials`): AlSi10MnMg structural-alloy ingot for trays and subframe
  nodes, poured at 1.3 x the casting weight (runners, overflows, biscuit), 4 t on hand and a 6 t truck
  every two working days; bought-in 6207 bearings, 100 on hand and 300 arriving Wednesday 06:00 and the
  next Monday.
- A subassembly (`planner.scheduling.rules.bom`): gearbox covers (GBX-C, cast and machined in-house on their
  own work orders) have two bearings pressed in on a new press-fit cell, ASM-1 (GBX-CA); the leak test
  takes them in racks of 10 (a transfer batch, `planner.scheduling.rules.transfer_batches`).
- Work in progress at plan start (`planner.scheduling.rules.work_in_progress`): a T6-S load running on HT-1
  (2.5 h to go), a casting running on DC-2 (2 h to go), lots already cast or machined over the weekend.

Four small stories sit on top of the 80 demo orders, each a situation the planner should see and explain:
SO-26201/26202 (rotor end plates, one cast on Saturday, one casting now) share the only T5 load that fits
before HT-2's service, so the first waits for it to fill, and the second cannot make its due; SO-26203/26204
(machined on Saturday, inspection only, released at Tuesday's late shift with one inspector) queue for the
inspector; SO-26205/26206 (gearbox cover assemblies) need 220 bearings where 100 are in stock before
Wednesday; SO-26207 (a structural tray) is in the furnace load now.
"""

from __future__ import annotations

from planner.demo_factory import CALENDARS, DAY, HORIZON_DAYS, MACHINES, PLAN_START, UTC_OFFSET_MINUTES, demo_orders
from planner.demo_factory import _products as demo_products
from planner.domain import (
    BatchRecipe,
    EligibleMachine,
    Factory,
    Machine,
    Material,
    MaterialReceipt,
    MaterialUse,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
    RunningOperation,
    ShiftCapacity,
    TimeWindow,
    WorkInProgress,
)

INGOT = "AL-SF36"
STRUCTURAL = ("BT-L", "BT-S", "SUB-F")
"""Structural castings, cast from bought-in AlSi10MnMg ingot (INGOT); the housings' A356 comes from the plant's
own melt shop without a limit that matters for the plan."""
BEARING = "BRG-6207"
SETTER = "setter"
INSPECTOR = "inspector"
POUR_FACTOR = 1.3
"""Ingot poured per kg of casting: runners, overflows and the biscuit are remelted, but not before the plan ends."""
COOLING_MINUTES = 120
"""Castings cool at least this long before machining (warping, measuring)."""
HEAT_TREAT_WITHIN_MINUTES = 24 * 60
"""Castings go into the T6 solution furnace within this long of casting (before natural ageing sets in)."""
QUENCH_COOLING_MINUTES = 60
"""Parts out of the furnace cool at least this long before they are clamped for machining."""

RECIPE_OF = {"MH-800": "T6-A", "MH-400": "T6-A", "GBX-H": "T6-A", "BT-L": "T6-S", "BT-S": "T6-S",
             "SUB-F": "T6-S", "REP": "T5"}
"""Heat-treatment recipe of each heat-treated product (the other products are not heat-treated)."""
CASTING_KG = {"MH-800": 8.5, "MH-400": 6.8, "INV-H": 5.2, "GBX-H": 11.5, "BT-L": 21.0, "BT-S": 12.5,
              "CP-1": 3.6, "BMB": 1.4, "CPH": 1.9, "REP": 1.1, "SUB-F": 9.5, "GBX-C": 3.2}
"""Casting weight of a part, kg: its share of a furnace load, and (x POUR_FACTOR) the ingot it takes."""

FURNACES = {
    "HT-1": (3000.0, [BatchRecipe(id="T6-A", name="T6 housings", cycle_minutes=420),
                      BatchRecipe(id="T6-S", name="T6 structural", cycle_minutes=480)]),
    "HT-2": (2400.0, [BatchRecipe(id="T6-A", name="T6 housings", cycle_minutes=390),
                      BatchRecipe(id="T6-S", name="T6 structural", cycle_minutes=450),
                      BatchRecipe(id="T5", name="T5 ageing", cycle_minutes=240)]),
}
"""Batch capacity (kg a load) and recipes (cycle per load) of each furnace; both run around the clock."""

FURNACE_SERVICE = {"HT-2": [TimeWindow(start=6 * 60, end=14 * 60, reason="quench tank pump service")]}
"""Planned furnace downtime on top of the demo's: HT-2 is down Monday 12:00-20:00."""

LONG_MACHINING = ("INV-H", "GBX-H", "SUB-F")
"""Parts machined on the 5-axis centres for 7.5-9 min each: a lot left on the machine at 22:00 goes on the next
morning (pausing); shorter lots run in one stretch, as the cell leader plans them."""

DIE_MOUNT_MINUTES = 45
"""Changing a die on a 2,500-4,000 t cell with quick-die-change clamps and preheated dies: unclamp, swap and clamp,
couple the cooling lines (`Resource.mount_time`; 30-60 min with quick-die-change, 2-4 h without). Only when the
cell's next casting needs another die (`planner.scheduling.rules.dies`)."""
CAST_SETUP_MINUTES = 15
"""A casting lot's own setup once its die is mounted: the die brought to temperature with warm-up shots, which are
scrapped. The demo factory's 60 min a lot (`planner.demo_factory`) counted a die change on every lot; here the
change is DIE_MOUNT_MINUTES on its own, when the die changes, and a lot with its die mounted takes 15 min."""
MOUNTED_AT_START = {"DC-1": "GBX-C", "DC-2": "REP", "DC-3": "BT-L"}
"""The die on each casting cell at plan start (`Machine.mounted_die`): DC-2 is casting rotor end plates now."""

PRESS = Machine(id="ASM-1", name="Bearing press-fit cell", work_center="assembly", calendar_id="two-shift-5d")


def plant_grade_machines() -> list[Machine]:
    """The demo machines, furnaces as batch machines around the clock, and the press-fit cell."""
    machines = []
    for machine in MACHINES:
        if machine.id in FURNACES:
            capacity, recipes = FURNACES[machine.id]
            machine = machine.model_copy(update={"batch_capacity": capacity, "recipes": recipes, "calendar_id": None,
                                                 "maintenance_windows": [*machine.maintenance_windows,
                                                                         *FURNACE_SERVICE.get(machine.id, [])]})
        if machine.id in MOUNTED_AT_START:
            machine = machine.model_copy(update={"mounted_die": _die(MOUNTED_AT_START[machine.id])})
        machines.append(machine)
    return [*machines, PRESS]


def plant_grade_resources() -> list[Resource]:
    """Setters and inspectors by shift; one die per cast part, shared by the cells that can cast it."""
    people = [
        Resource(id=SETTER, name="Die and fixture setters", capacity=2, calendar_id="two-shift-6d",
                 shift_capacities=[ShiftCapacity(shift="early", capacity=3)]),
        Resource(id=INSPECTOR, name="CMM and leak-test inspectors", capacity=1, calendar_id="two-shift-5d",
                 shift_capacities=[ShiftCapacity(shift="early", capacity=2)]),
    ]
    dies = [Resource(id=_die(product), name=f"Die-casting die {product}", mount_minutes=DIE_MOUNT_MINUTES)
            for product in CASTING_KG]
    return [*people, *dies]


def plant_grade_materials() -> list[Material]:
    """Ingot (kg) with a truck every two working days; bearings (pcs) on Wednesday and the next Monday."""
    trucks = [1 * DAY + 2 * 60, 3 * DAY + 2 * 60, 7 * DAY + 2 * 60, 9 * DAY + 2 * 60, 11 * DAY + 2 * 60]  # 08:00
    return [
        Material(id=INGOT, name="AlSi10MnMg structural alloy ingot", unit="kg", on_hand=4_000.0,
                 receipts=[MaterialReceipt(minute=minute, quantity=6_000.0) for minute in trucks]),
        Material(id=BEARING, name="Deep-groove ball bearing 6207 (bought in)", unit="pcs", on_hand=100.0,
                 receipts=[MaterialReceipt(minute=2 * DAY, quantity=300.0),
                           MaterialReceipt(minute=7 * DAY, quantity=300.0)]),
    ]


def _die(product_id: str) -> str:
    return f"die-{product_id}"


def _plant_grade_routing(product: Product) -> list[Operation]:
    """The demo routing with the plant's rules: ingot, dies and setters at casting; heat treatment in furnace
    loads right after casting; cooling lags before machining; setters for fixtures; inspectors."""
    by_id = {op.id: op for op in product.routing}
    cast, machine, inspect = by_id["OP10-cast"], by_id["OP20-machine"], by_id["OP40-inspect"]
    setter = ResourceNeed(resource_id=SETTER, setup_only=True)
    ingot = ([MaterialUse(material_id=INGOT, quantity_per_unit=CASTING_KG[product.id] * POUR_FACTOR)]
             if product.id in STRUCTURAL else [])
    routing = [cast.model_copy(update={"resources": [setter, ResourceNeed(resource_id=_die(product.id))],
                                       "materials": ingot, "setup_minutes": CAST_SETUP_MINUTES})]
    recipe = RECIPE_OF.get(product.id)
    if recipe is not None:
        furnaces = [m for m, (_, recipes) in FURNACES.items() if any(r.id == recipe for r in recipes)]
        routing.append(Operation(
            id="OP20-heat-treat", eligible_machines=[EligibleMachine(machine_id=m) for m in furnaces],
            run_minutes_per_unit=0.05, recipe=recipe, batch_load_per_unit=CASTING_KG[product.id],
            max_lag_minutes=HEAT_TREAT_WITHIN_MINUTES))
    routing.append(machine.model_copy(update={
        "id": "OP30-machine", "resources": [setter], "may_pause": True if product.id in LONG_MACHINING else None,
        "min_lag_minutes": QUENCH_COOLING_MINUTES if recipe is not None else COOLING_MINUTES}))
    routing.append(inspect.model_copy(update={"resources": [ResourceNeed(resource_id=INSPECTOR)]}))
    return routing


def _subassembly_products() -> list[Product]:
    """Gearbox covers, made in-house as a component, and the cover assembly with two bearings pressed in."""
    cover = Product(id="GBX-C", name="E-axle gearbox cover (component)", family="housings", scrap_cost=20.0, routing=[
        Operation(id="OP10-cast", setup_minutes=60, run_minutes_per_unit=1.5,
                  eligible_machines=[EligibleMachine(machine_id="DC-1"), EligibleMachine(machine_id="DC-2")]),
        Operation(id="OP20-machine", setup_minutes=30, run_minutes_per_unit=3.5,
                  eligible_machines=[EligibleMachine(machine_id="CNC-1"), EligibleMachine(machine_id="CNC-4")]),
        Operation(id="OP40-inspect", setup_minutes=15, run_minutes_per_unit=0.5,
                  eligible_machines=[EligibleMachine(machine_id="INS-1")]),
    ])
    assembly = Product(id="GBX-CA", name="Gearbox cover assembly (bearings pressed in)", family="assemblies",
                       scrap_cost=45.0, routing=[
        Operation(id="OP50-press-fit", setup_minutes=20, run_minutes_per_unit=1.2,
                  eligible_machines=[EligibleMachine(machine_id="ASM-1")],
                  resources=[ResourceNeed(resource_id=SETTER, setup_only=True)],
                  materials=[MaterialUse(material_id="GBX-C", quantity_per_unit=1.0),
                             MaterialUse(material_id=BEARING, quantity_per_unit=2.0)]),
        Operation(id="OP60-leak-test", setup_minutes=10, run_minutes_per_unit=0.8, transfer_batch_units=10,
                  eligible_machines=[EligibleMachine(machine_id="INS-2")],
                  resources=[ResourceNeed(resource_id=INSPECTOR)]),
    ])
    return [cover.model_copy(update={"routing": _plant_grade_routing(cover)}), assembly]


def plant_grade_factory() -> Factory:
    products = [p.model_copy(update={"routing": _plant_grade_routing(p)}) for p in demo_products()]
    return Factory(name="Gyeongju EV Components, plant 2 (plant-grade)", utc_offset_minutes=UTC_OFFSET_MINUTES,
                   calendars=CALENDARS, machines=plant_grade_machines(), products=[*products, *_subassembly_products()],
                   resources=plant_grade_resources(), materials=plant_grade_materials())


def _done(*operation_ids: str) -> WorkInProgress:
    return WorkInProgress(done_operation_ids=list(operation_ids))


def story_orders() -> list[Order]:
    """The situations on top of the demo orders (see the module docstring); times are minutes from Monday 06:00."""
    tuesday_late = DAY + 8 * 60  # Tuesday 14:00, one inspector on the late shift
    return [
        Order(id="SO-26201", product_id="REP", quantity=60, due=11 * 60 + 30, weight=3.0, customer="Hyundai Mobis",
              work_in_progress=_done("OP10-cast")),
        Order(id="SO-26202", product_id="REP", quantity=60, due=11 * 60, weight=3.0, customer="Hyundai Mobis",
              work_in_progress=WorkInProgress(running=RunningOperation(
                  operation_id="OP10-cast", machine_id="DC-2", started=-30, remaining_minutes=120))),
        Order(id="SO-26203", product_id="CPH", quantity=80, release=tuesday_late, due=tuesday_late + 90, weight=2.0,
              customer="Hanon Systems", work_in_progress=_done("OP10-cast", "OP30-machine")),
        Order(id="SO-26204", product_id="MH-400", quantity=60, release=tuesday_late, due=tuesday_late + 90, weight=2.0,
              customer="LG Magna e-Powertrain",
              work_in_progress=_done("OP10-cast", "OP20-heat-treat", "OP30-machine")),
        Order(id="WO-GBX-C-1", product_id="GBX-C", quantity=120, due=DAY + 8 * 60, weight=1.0,
              customer="internal: sub-assembly"),
        Order(id="WO-GBX-C-2", product_id="GBX-C", quantity=100, release=3 * DAY, due=5 * DAY + 8 * 60, weight=1.0,
              customer="internal: sub-assembly"),
        Order(id="SO-26205", product_id="GBX-CA", quantity=50, due=DAY + 16 * 60, weight=2.0,
              customer="Hyundai Mobis"),
        Order(id="SO-26206", product_id="GBX-CA", quantity=60, due=DAY + 16 * 60, weight=2.0,
              customer="Hyundai Mobis"),
        Order(id="SO-26207", product_id="BT-L", quantity=60, due=3 * DAY + 16 * 60, weight=2.0,
              customer="Hyundai Mobis", work_in_progress=WorkInProgress(
                  done_operation_ids=["OP10-cast"], running=RunningOperation(
                      operation_id="OP20-heat-treat", machine_id="HT-1", started=-330, remaining_minutes=150))),
    ]


def plant_grade_request(time_limit_seconds: float = 20.0, num_workers: int = 2, seed: int = 0) -> PlanRequest:
    """The plant-grade demo plan request: the 80 demo orders and the stories, weighted tardiness over 3 weeks."""
    return PlanRequest(
        request_id="demo-plant-grade",
        factory=plant_grade_factory(),
        orders=[*demo_orders(), *story_orders()],
        options=PlanOptions(plan_start=PLAN_START, horizon_minutes=HORIZON_DAYS * DAY,
                            time_limit_seconds=time_limit_seconds, num_workers=num_workers, random_seed=seed),
    )
