"""The embedded demo factory: an EV auto-parts plant, its calendars, products and two weeks of orders.

All numbers live here, in one place, and are chosen to look like a mid-sized Korean die-casting and
machining plant supplying e-drive and battery parts:

- Die-casting (HPDC cells, 2,500 t and 4,000 t): a shot every 1.2-2.6 min per part, a die change of
  45-90 min per lot; two shifts (06:00-22:00) Monday to Saturday.
- CNC machining (4 machining centres, two 5-axis): 3-9 min per part, 20-40 min fixture change;
  two shifts Monday to Friday. This is the bottleneck, loaded to about 80-90 % over the horizon.
- Heat treatment (T6 solution + ageing furnaces): a furnace cycle of 5-6 h per lot, modelled as
  setup (the cycle) plus a few seconds per part for loading; runs around the clock Monday to Saturday.
- Inspection (CMM + X-ray, leak test): 0.6-1.5 min per part; two shifts Monday to Friday.
- Maintenance: DC-2 die-cooling overhaul (day 3), CNC-2 spindle bearing replacement (day 5),
  HT-1 refractory inspection (day 8).
- Scrap costs 8 to 150 (thousand KRW a part: material, energy and machining lost), weighed against
  one weighted minute late costing 1, so a predicted yield loss can outweigh a short delay.
- 80 orders from four customers over two weeks, 30-100 parts each (a lot fits in one double shift
  on every machine, as the planners here split larger calls), due 2 to 5 days after release;
  customer priority sets the weight of a late minute (1 to 3).

Plan start is Monday 2 March 2026, 06:00 in Korea (UTC+9). Orders are drawn from a seeded random
generator, so the factory is identical on every machine.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from planner.domain import (
    EligibleMachine,
    Factory,
    Machine,
    MachineRisk,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    Product,
    RiskPoint,
    Shift,
    ShiftCalendar,
    TimeWindow,
)

PLAN_START = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)  # Monday 2 March 2026, 06:00 KST
UTC_OFFSET_MINUTES = 9 * 60
DAY = 24 * 60
HORIZON_DAYS = 21
ORDER_SEED = 7

CALENDARS = [
    ShiftCalendar(id="two-shift-6d", shifts=[Shift(name="early", start_minute=6 * 60, length_minutes=8 * 60),
                                             Shift(name="late", start_minute=14 * 60, length_minutes=8 * 60)],
                  working_days=[0, 1, 2, 3, 4, 5]),
    ShiftCalendar(id="two-shift-5d", shifts=[Shift(name="early", start_minute=6 * 60, length_minutes=8 * 60),
                                             Shift(name="late", start_minute=14 * 60, length_minutes=8 * 60)]),
    ShiftCalendar(id="continuous-6d", shifts=[Shift(name="all day", start_minute=0, length_minutes=DAY)],
                  working_days=[0, 1, 2, 3, 4, 5]),
]

MACHINES = [
    Machine(id="DC-1", name="HPDC cell 1 (2,500 t)", work_center="die-casting", calendar_id="two-shift-6d"),
    Machine(id="DC-2", name="HPDC cell 2 (2,500 t)", work_center="die-casting", calendar_id="two-shift-6d",
            maintenance_windows=[TimeWindow(start=2 * DAY + 8 * 60, end=2 * DAY + 16 * 60,
                                            reason="die-cooling circuit overhaul")]),
    Machine(id="DC-3", name="HPDC cell 3 (4,000 t)", work_center="die-casting", calendar_id="two-shift-6d"),
    Machine(id="CNC-1", name="Machining centre 1 (4-axis)", work_center="machining", calendar_id="two-shift-5d"),
    Machine(id="CNC-2", name="Machining centre 2 (5-axis)", work_center="machining", calendar_id="two-shift-5d",
            maintenance_windows=[TimeWindow(start=4 * DAY + 6 * 60, end=4 * DAY + 12 * 60,
                                            reason="spindle bearing replacement")]),
    Machine(id="CNC-3", name="Machining centre 3 (5-axis)", work_center="machining", calendar_id="two-shift-5d"),
    Machine(id="CNC-4", name="Machining centre 4 (4-axis)", work_center="machining", calendar_id="two-shift-5d"),
    Machine(id="HT-1", name="T6 furnace 1", work_center="heat-treatment", calendar_id="continuous-6d",
            maintenance_windows=[TimeWindow(start=7 * DAY, end=7 * DAY + 12 * 60, reason="refractory inspection")]),
    Machine(id="HT-2", name="T6 furnace 2", work_center="heat-treatment", calendar_id="continuous-6d"),
    Machine(id="INS-1", name="CMM + X-ray cell", work_center="inspection", calendar_id="two-shift-5d"),
    Machine(id="INS-2", name="Helium leak-test cell", work_center="inspection", calendar_id="two-shift-5d"),
]


def _op(op_id: str, machines: list[str], setup: int, run: float,
        faster: dict[str, float] | None = None) -> Operation:
    return Operation(
        id=op_id,
        setup_minutes=setup,
        run_minutes_per_unit=run,
        eligible_machines=[
            EligibleMachine(machine_id=m, run_minutes_per_unit=(faster or {}).get(m)) for m in machines
        ],
    )


_DC_SMALL = ["DC-1", "DC-2"]
_DC_ANY = ["DC-1", "DC-2", "DC-3"]
_CNC_4AX = ["CNC-1", "CNC-4"]
_CNC_ANY = ["CNC-1", "CNC-2", "CNC-3", "CNC-4"]
_CNC_5AX = ["CNC-2", "CNC-3"]
_HT = ["HT-1", "HT-2"]
# 5-axis centres machine a part in fewer clamps: 25 % faster on the parts all four can make.
_FAST_5AX = {"CNC-2": 0.75, "CNC-3": 0.75}


def _products() -> list[Product]:
    def routing(dc: list[str], dc_run: float, cnc: list[str], cnc_run: float, heat: bool, inspect: str,
                ins_run: float) -> list[Operation]:
        ops = [_op("OP10-cast", dc, 60, dc_run)]
        faster = {m: cnc_run * f for m, f in _FAST_5AX.items() if m in cnc and len(cnc) > 2}
        ops.append(_op("OP20-machine", cnc, 30, cnc_run, faster))
        if heat:
            ops.append(_op("OP30-heat-treat", _HT, 330, 0.05))
        ops.append(_op("OP40-inspect", [inspect], 15, ins_run))
        return ops

    # (id, name, family, die-casting machines, casting min/part, CNC machines, machining min/part,
    #  heat-treated?, inspection cell, inspection min/part, scrap cost per part in thousand KRW)
    spec = [
        ("MH-800", "Motor housing 800 V", "housings", _DC_ANY, 2.2, _CNC_ANY, 6.0, True, "INS-2", 1.2, 62.0),
        ("MH-400", "Motor housing 400 V", "housings", _DC_ANY, 1.9, _CNC_ANY, 5.0, True, "INS-2", 1.0, 48.0),
        ("INV-H", "Inverter housing", "housings", _DC_SMALL, 1.6, _CNC_5AX, 7.5, False, "INS-2", 1.1, 35.0),
        ("GBX-H", "E-axle gearbox housing", "housings", _DC_ANY, 2.6, _CNC_5AX, 8.5, True, "INS-1", 1.5, 90.0),
        ("BT-L", "Battery tray, large (structural)", "trays", ["DC-3"], 2.5, _CNC_ANY, 5.5, True, "INS-1", 1.4, 150.0),
        ("BT-S", "Battery tray, small", "trays", ["DC-3"], 2.0, _CNC_4AX, 4.5, True, "INS-1", 1.2, 110.0),
        ("CP-1", "Battery cooling plate", "trays", _DC_SMALL, 1.3, _CNC_4AX, 3.0, False, "INS-2", 0.8, 25.0),
        ("BMB", "Battery module bracket", "brackets", _DC_SMALL, 1.2, _CNC_4AX, 3.2, False, "INS-1", 0.6, 8.0),
        ("CPH", "Charging port housing", "brackets", _DC_SMALL, 1.4, _CNC_ANY, 3.5, False, "INS-1", 0.7, 15.0),
        ("REP", "Rotor end plate", "brackets", _DC_ANY, 1.3, _CNC_ANY, 4.0, True, "INS-1", 0.7, 12.0),
        ("SUB-F", "Subframe node (front)", "nodes", ["DC-3"], 2.4, _CNC_5AX, 9.0, True, "INS-1", 1.5, 140.0),
    ]
    return [
        Product(id=pid, name=name, family=family, scrap_cost=scrap,
                routing=routing(dc, dc_run, cnc, cnc_run, heat, inspect, ins_run))
        for pid, name, family, dc, dc_run, cnc, cnc_run, heat, inspect, ins_run, scrap in spec
    ]


CUSTOMERS = [("Hyundai Mobis", 3.0), ("Hanon Systems", 2.0), ("LG Magna e-Powertrain", 2.0), ("Aftermarket", 1.0)]


def demo_orders(count: int = 80, seed: int = ORDER_SEED) -> list[Order]:
    """Orders released over the first 9 working days, each due 2 to 5 days after its release."""
    rng = random.Random(seed)
    products = [p.id for p in _products()]
    orders = []
    for index in range(count):
        release_day = rng.choice([0, 0, 0, 1, 1, 2, 2, 3, 4, 7, 8, 9])
        release = release_day * DAY + rng.choice([0, 2 * 60, 8 * 60])
        customer, weight = rng.choice(CUSTOMERS)
        orders.append(Order(
            id=f"SO-{26031 + index:05d}",
            product_id=rng.choice(products),
            quantity=rng.choice([30, 40, 50, 60, 80, 100]),
            release=release,
            due=_due_on_working_day(release_day + rng.randint(2, 5)),
            weight=weight,
            customer=customer,
        ))
    return orders


def demo_machine_risks() -> list[MachineRisk]:
    """Failure-risk curves for the demo, as a risk model would give them: CNC-2's spindle vibration trend rises
    (its bearing is due), DC-3 carries a low background risk. Repair: 6 h and 4 h."""
    def curve(points: list[tuple[int, float]]) -> list[RiskPoint]:
        return [RiskPoint(minute=minute, probability=p) for minute, p in points]

    return [
        MachineRisk(machine_id="CNC-2", repair_minutes=6 * 60, source="example: spindle-vibration risk model",
                    curve=curve([(0, 0.02), (DAY, 0.10), (3 * DAY, 0.40), (6 * DAY, 0.75), (10 * DAY, 0.95)])),
        MachineRisk(machine_id="DC-3", repair_minutes=4 * 60, source="example: fleet failure rate",
                    curve=curve([(0, 0.0), (21 * DAY, 0.15)])),
    ]


def _due_on_working_day(day: int) -> int:
    """End of the late shift (22:00 local) on that day, moved to Monday when it falls on a Sunday."""
    if day % 7 == 6:
        day += 1
    return day * DAY + 16 * 60


def demo_factory() -> Factory:
    return Factory(name="Gyeongju EV Components, plant 2", utc_offset_minutes=UTC_OFFSET_MINUTES,
                   calendars=CALENDARS, machines=MACHINES, products=_products())


def demo_request(time_limit_seconds: float = 20.0, num_workers: int = 2, seed: int = 0) -> PlanRequest:
    """The whole demo plan request: factory, 80 orders, weighted tardiness over a 3-week horizon."""
    return PlanRequest(
        request_id="demo-plan",
        factory=demo_factory(),
        orders=demo_orders(),
        options=PlanOptions(plan_start=PLAN_START, horizon_minutes=HORIZON_DAYS * DAY,
                            time_limit_seconds=time_limit_seconds, num_workers=num_workers, random_seed=seed),
    )
