"""The plant-grade demo plant (`planner.demo_plant`) at plant scale: the plant copied, a month of orders.

Each copy has its own machines, products, setters, inspectors, dies and materials (ids suffixed `-P1`, `-P2`,
...), the same calendars, furnace recipes, lags, pausing and the subassembly (its gearbox covers are the copy's
own component). Each copy gets the demo's stories (work in progress, the bearing shortage, the T5 load, the
inspector queue) and orders drawn like the demo's (`planner.demo_factory.demo_orders`: release days, 2 to 5 days
of lead time, quantities, customer weights) at the demo's load: 89 orders a copy over 21 days. Beyond
MAX_COPIES copies the release days, due dates, horizon and ingot trucks stretch by orders / (copies x 89)
instead. The benchmark (`benchmarks.scale`) and the plant-rule LNS tests use it.
"""

from __future__ import annotations

import math
import random

from planner.demo_factory import CUSTOMERS, DAY, HORIZON_DAYS, PLAN_START
from planner.demo_factory import _products as demo_products
from planner.demo_plant import INGOT, plant_grade_factory, story_orders
from planner.domain import (
    Factory,
    Material,
    MaterialReceipt,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    Product,
    WorkInProgress,
)

PLANT_ORDERS = 89
"""Orders of one plant-grade demo plant over its 21 days (80 demo orders and 9 stories): the load every copy keeps."""
MAX_COPIES = 9
RELEASE_DAYS = (0, 0, 0, 1, 1, 2, 2, 3, 4, 7, 8, 9)
"""Release days of the demo's orders (its first 9 working days); stretched with the horizon."""
TRUCK_EVERY_DAYS = 2
"""Beyond the demo's three weeks an ingot truck comes every two days (the demo's rhythm)."""


def copies_for(orders: int) -> int:
    """Plant copies for `orders`: one per PLANT_ORDERS orders, at most MAX_COPIES (then the horizon stretches)."""
    return max(1, min(MAX_COPIES, math.ceil(orders / PLANT_ORDERS)))


def stretch_for(orders: int) -> float:
    return max(1.0, orders / (copies_for(orders) * PLANT_ORDERS))


def _suffixed_operation(op: Operation, suffix: str, own: set[str]) -> Operation:
    """The operation with the copy's machines, resources and materials (shared calendars and recipes stay)."""
    return op.model_copy(update={
        "eligible_machines": [e.model_copy(update={"machine_id": e.machine_id + suffix}) for e in op.eligible_machines],
        "resources": [r.model_copy(update={"resource_id": r.resource_id + suffix}) for r in op.resources],
        "materials": [m.model_copy(update={"material_id": m.material_id + suffix if m.material_id in own
                                           else m.material_id}) for m in op.materials],
    })


def _stretched_materials(materials: list[Material], horizon_days: int) -> list[Material]:
    """The ingot gets a truck every TRUCK_EVERY_DAYS days past the demo's three weeks (none when not stretched)."""
    stretched = []
    for material in materials:
        if material.id == INGOT and horizon_days > HORIZON_DAYS:
            last = max(r.minute for r in material.receipts)
            extra = [MaterialReceipt(minute=minute, quantity=material.receipts[-1].quantity)
                     for minute in range(last + TRUCK_EVERY_DAYS * DAY, horizon_days * DAY, TRUCK_EVERY_DAYS * DAY)]
            material = material.model_copy(update={"receipts": [*material.receipts, *extra]})
        stretched.append(material)
    return stretched


def scaled_plant_factory(copies: int, horizon_days: int = HORIZON_DAYS) -> Factory:
    """The plant-grade demo plant `copies` times (see the module)."""
    plant = plant_grade_factory()
    own = {m.id for m in plant.materials} | {p.id for p in plant.products}
    machines, products, resources, materials = [], [], [], []
    for copy in range(1, copies + 1):
        suffix = f"-P{copy}"
        machines += [m.model_copy(update={"id": m.id + suffix, "mounted_die": m.mounted_die and m.mounted_die + suffix})
                     for m in plant.machines]
        resources += [r.model_copy(update={"id": r.id + suffix}) for r in plant.resources]
        materials += [m.model_copy(update={"id": m.id + suffix})
                      for m in _stretched_materials(plant.materials, horizon_days)]
        products += [p.model_copy(update={"id": p.id + suffix, "routing": [
            _suffixed_operation(op, suffix, own) for op in p.routing]}) for p in plant.products]
    return plant.model_copy(update={"name": f"{plant.name} x{copies}", "machines": machines, "products": products,
                                    "resources": resources, "materials": materials})


def _copy_story(order: Order, suffix: str) -> Order:
    progress = order.work_in_progress
    if progress is not None and progress.running is not None:
        progress = WorkInProgress(done_operation_ids=progress.done_operation_ids, running=progress.running.model_copy(
            update={"machine_id": progress.running.machine_id + suffix}))
    return order.model_copy(update={"id": order.id + suffix, "product_id": order.product_id + suffix,
                                    "work_in_progress": progress})


def _due_on_working_day(day: int) -> int:
    """22:00 local on that day, moved to Monday when it is a Sunday (as the demo's due dates)."""
    if day % 7 == 6:
        day += 1
    return day * DAY + 16 * 60


def scaled_plant_orders(orders: int, seed: int = 0) -> list[Order]:
    """The stories of every copy, and the rest of `orders` drawn like the demo's, round robin over the copies."""
    copies = copies_for(orders)
    stretch = stretch_for(orders)
    stories = [_copy_story(order, f"-P{copy}") for copy in range(1, copies + 1) for order in story_orders()]
    rng = random.Random(seed)
    products: list[Product] = demo_products()
    drawn = []
    for index in range(max(orders - len(stories), 0)):
        release_day = round(rng.choice(RELEASE_DAYS) * stretch)
        customer, weight = rng.choice(CUSTOMERS)
        drawn.append(Order(
            id=f"SO-{index + 1:05d}", product_id=f"{rng.choice(products).id}-P{index % copies + 1}",
            quantity=rng.choice([30, 40, 50, 60, 80, 100]),
            release=release_day * DAY + rng.choice([0, 2 * 60, 8 * 60]),
            due=_due_on_working_day(release_day + rng.randint(2, 5)), weight=weight, customer=customer,
        ))
    return [*stories, *drawn][:orders]


def scaled_plant_request(orders: int, time_limit_seconds: float = 60.0, num_workers: int = 2,
                         seed: int = 0) -> PlanRequest:
    """The plant-grade request for `orders` orders: weighted tardiness over 21 days, stretched beyond 9 copies."""
    horizon_days = math.ceil(HORIZON_DAYS * stretch_for(orders))
    return PlanRequest(
        request_id=f"plant-scale-{orders}", factory=scaled_plant_factory(copies_for(orders), horizon_days),
        orders=scaled_plant_orders(orders, seed),
        options=PlanOptions(plan_start=PLAN_START, horizon_minutes=horizon_days * DAY,
                            time_limit_seconds=time_limit_seconds, num_workers=num_workers, random_seed=seed),
    )
