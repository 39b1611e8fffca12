"""The hierarchical plan: lot sizing over buckets (HiGHS) above the detailed schedule (CP-SAT).

From a plan request this module builds the lot-sizing instance:
- resources are work centers; a bucket's capacity is the working time of their machines in it,
  after the risk policy's reserves (so EXPECTED_CAPACITY plans lots on expected capacity);
- items are products; demand per bucket is the firm orders due in it plus the forecast median,
  and the forecast quantile at the service level above the median is safety stock;
- an item's time per unit on a work center is the mean run time over the eligible machines divided
  by the mean yield there (gross units take the capacity); setup time is the operation's setup;
- each operation loads its work center in the bucket it runs in: a lot that completes in bucket t runs
  its early operations `offset` buckets before t where the routing's flow time on the calendars crosses
  a bucket boundary, and no lot completes where that would reach before the plan
  (`planner.lotsizing.lead_times`, option `lot_lead_times`);
- backlog costs what lateness costs: the order weight x late cost per minute x bucket minutes,
  per unit of an average order.

The solved lot plan then does two things. Its forecast-driven lots in the first
`detailed_lot_buckets` buckets (production beyond the firm orders due there) become jobs of the
detailed schedule, released at the start of the bucket their first operation runs in and due at their
bucket's end; after scheduling, `realisation_problems` lists any lot
the schedule does not finish in its bucket. And the capacity rows' duals (LP with the setups fixed)
rank bottlenecks: "one more hour on <work center> in <bucket> saves <cost>".
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from planner.calendar import Interval
from planner.domain import Order, PlanRequest
from planner.lotsizing import (
    LotSizingInstance,
    LotSizingItem,
    LotSizingOperation,
    LotSizingOptions,
    LotSizingResource,
    LotSizingResult,
    solve_lot_sizing,
)
from planner.lotsizing.lead_times import LotLeadTime, RoutingLeadTimes
from planner.scheduling.rules.pausing import may_pause
from planner.solution import Bottleneck, LotPlan, ProductLots, ScheduledOperation

LOT_PREFIX = "LOT"
LOT_WEIGHT = 0.5
"""Weight of a forecast lot's lateness: stock replenishment matters, but less than a customer order."""
MAX_BOTTLENECKS = 5
LOT_SHARE_OF_TIME = 0.15
"""Share of the request's time limit the lot-sizing MIP may use."""


def uses_lot_sizing(request: PlanRequest) -> bool:
    return request.options.lot_sizing or bool(request.demand_forecasts)


def bucket_count(request: PlanRequest) -> int:
    return math.ceil(request.options.horizon_minutes / request.options.lot_bucket_minutes)


def _bucket_of(request: PlanRequest, minute: int) -> int:
    return min(max(minute, 0) // request.options.lot_bucket_minutes, bucket_count(request) - 1)


def _capacities(request: PlanRequest, available: dict[str, list[Interval]]) -> dict[str, list[float]]:
    size, buckets = request.options.lot_bucket_minutes, bucket_count(request)
    capacity: dict[str, list[float]] = defaultdict(lambda: [0.0] * buckets)
    for machine in request.factory.machines:
        center = machine.work_center or machine.id
        for start, end in available[machine.id]:
            for bucket in range(start // size, min((end - 1) // size, buckets - 1) + 1):
                capacity[center][bucket] += min(end, (bucket + 1) * size) - max(start, bucket * size)
    return capacity


def _operations(request: PlanRequest, product_id: str,
                lead: list[LotLeadTime] | None) -> tuple[list[LotSizingOperation], float]:
    """Per machine operation of the routing: its work center, gross minutes per unit, setup and lead-time
    offset per completion bucket; and the product's mean yield. Manual work loads no work center."""
    product = request.factory.product(product_id)
    centers = {m.id: m.work_center or m.id for m in request.factory.machines}
    ops, yields = [], []
    for index, operation in enumerate(product.routing):
        options = operation.eligible_machines
        if not options:
            continue
        rates = [request.yield_rate(product_id, o.machine_id) for o in options]
        runs = [(o.run_minutes_per_unit or operation.run_minutes_per_unit) for o in options]
        ops.append(LotSizingOperation(resource_id=centers[options[0].machine_id],
                                      minutes_per_unit=sum(runs) / len(runs), setup_minutes=operation.setup_minutes,
                                      offset_buckets=_offsets(lead, index)))
        yields.append(sum(rates) / len(rates))
    mean_yield = math.prod(yields) ** (1 / len(yields)) if yields else 1.0
    return ops, mean_yield


def _offsets(lead: list[LotLeadTime] | None, index: int) -> list[int] | int:
    """Offset per completion bucket of routing operation `index`; t + 1 (before the plan) where no lot can
    complete in t."""
    if lead is None:
        return 0
    return [t - time.operation_buckets.get(index, t) if time.release is not None else t + 1
            for t, time in enumerate(lead)]


def _lead_times(request: PlanRequest, available: dict[str, list[Interval]], product_id: str,
                demand: list[float], safety: list[float], buckets: int | None = None) -> list[LotLeadTime]:
    """The product's lead time per completion bucket (the first `buckets`, default all), for a lot of the largest
    bucket's requirement (demand plus safety stock), or the largest lot that fits the working stretches where that
    one does not (larger lots are split for the schedule). The offsets of that lot hold for every smaller one
    (flow time grows with the lot); larger lots are bounded by each bucket's `max_lot`."""
    largest_need = math.ceil(max((d + s for d, s in zip(demand, safety, strict=True)), default=1.0))
    most = math.ceil(sum(demand) + max(safety, default=0.0))
    routing = RoutingLeadTimes(request, available)
    reference = routing.reference_lot(product_id, largest_need)
    count = bucket_count(request) if buckets is None else buckets
    return [routing.lead_time(product_id, t, reference, most) for t in range(count)]


def _demand(request: PlanRequest) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[Order]]]:
    """Per product: demand per bucket (orders + forecast median), safety stock, and its orders."""
    buckets = bucket_count(request)
    demand: dict[str, list[float]] = defaultdict(lambda: [0.0] * buckets)
    safety: dict[str, list[float]] = defaultdict(lambda: [0.0] * buckets)
    orders: dict[str, list[Order]] = defaultdict(list)
    for order in request.orders:
        demand[order.product_id][_bucket_of(request, order.due)] += order.quantity
        orders[order.product_id].append(order)
    for forecast in request.demand_forecasts:
        median = forecast.at(0.5)
        demand[forecast.product_id][forecast.bucket] += median
        safety[forecast.product_id][forecast.bucket] += max(forecast.at(request.options.service_level) - median, 0.0)
    return demand, safety, orders


def lot_sizing_instance(request: PlanRequest, available: dict[str, list[Interval]]) -> LotSizingInstance:
    options = request.options
    demand, safety, orders = _demand(request)
    capacity = _capacities(request, available)
    items = []
    for product_id in sorted(demand):
        lead = _lead_times(request, available, product_id, demand[product_id],
                           safety.get(product_id, [0.0] * len(demand[product_id]))) if options.lot_lead_times else None
        operations, mean_yield = _operations(request, product_id, lead)
        product_orders = orders.get(product_id, [])
        weight = sum(o.weight for o in product_orders) / len(product_orders) if product_orders else LOT_WEIGHT
        quantity = sum(o.quantity for o in product_orders) / len(product_orders) if product_orders else 100.0
        backlog = weight * options.late_cost_per_minute * options.lot_bucket_minutes / max(quantity, 1.0)
        items.append(LotSizingItem(
            item_id=product_id, demand=demand[product_id], operations=operations, setup_cost=options.setup_cost,
            holding_cost=options.holding_cost_per_unit, backlog_cost=max(backlog, options.holding_cost_per_unit * 2),
            safety_stock=safety.get(product_id), yield_rate=min(mean_yield, 1.0),
            max_lot=None if lead is None else [time.max_lot for time in lead],
        ))
    used = {op.resource_id for item in items for op in item.operations}
    resources = [LotSizingResource(resource_id=c, capacity_minutes=capacity[c]) for c in sorted(used)]
    return LotSizingInstance(name=request.request_id or "plan", bucket_count=bucket_count(request), items=items,
                             resources=resources)


def solve_lots(request: PlanRequest,
               available: dict[str, list[Interval]]) -> tuple[LotSizingInstance, LotSizingResult]:
    # The improving thread is a second worker: only where the request allows more than one.
    options = LotSizingOptions(time_limit_seconds=max(request.options.time_limit_seconds * LOT_SHARE_OF_TIME, 0.5),
                               threads=request.options.num_workers, random_seed=request.options.random_seed,
                               fix_and_optimize=request.options.num_workers > 1)
    instance = lot_sizing_instance(request, available)
    return instance, solve_lot_sizing(instance, options)


def lot_orders(request: PlanRequest, result: LotSizingResult, available: dict[str, list[Interval]]) -> list[Order]:
    """Forecast-driven lots of the first buckets, as orders for the detailed schedule.

    A lot is the bucket's good production beyond the firm orders due in it, and never more than the
    forecast demand (median plus safety stock) not yet covered: early production for a firm order due
    later is that order's own job already. Lots larger than one working stretch are split."""
    if not result.status.has_solution or not request.demand_forecasts:
        return []
    releases = _release_buckets(request, available, [p.item_id for p in result.items])
    firm: dict[tuple[str, int], float] = defaultdict(float)
    for order in request.orders:
        # A firm order due where its product cannot complete is made in the first bucket that can.
        due_bucket = _bucket_of(request, order.due)
        reachable = [t for t, r in enumerate(releases.get(order.product_id, [])) if t >= due_bucket and r is not None]
        firm[(order.product_id, reachable[0] if reachable else due_bucket)] += order.quantity
    uncovered: dict[str, float] = defaultdict(float)
    for forecast in request.demand_forecasts:
        uncovered[forecast.product_id] += max(forecast.at(request.options.service_level), forecast.at(0.5))
    lots = []
    for plan in result.items:
        for bucket in range(min(request.options.detailed_lot_buckets, len(plan.good_production))):
            beyond_orders = plan.good_production[bucket] - firm[(plan.item_id, bucket)]
            quantity = math.floor(min(beyond_orders, uncovered[plan.item_id]) + 1e-6)
            if quantity <= 0:
                continue
            uncovered[plan.item_id] -= quantity
            release = releases[plan.item_id][bucket] if plan.item_id in releases else None
            lots += _split_lot(request, plan.item_id, bucket, quantity, available,
                               bucket if release is None else release)
    return lots


def _release_buckets(request: PlanRequest, available: dict[str, list[Interval]],
                     product_ids: list[str]) -> dict[str, list[int | None]]:
    """Per product and completion bucket of the detailed window: the bucket its lot is released in, as the
    lot sizing offset it (the completion bucket itself without lead times; None where no lot can complete)."""
    buckets = min(request.options.detailed_lot_buckets, bucket_count(request))
    if not request.options.lot_lead_times:
        return {p: list(range(buckets)) for p in product_ids}
    demand, safety, _ = _demand(request)
    releases: dict[str, list[int | None]] = {}
    for product_id in product_ids:
        lead = _lead_times(request, available, product_id, demand[product_id],
                           safety.get(product_id, [0.0] * len(demand[product_id])), buckets)
        releases[product_id] = [time.release for time in lead]
    return releases


def _split_lot(request: PlanRequest, product_id: str, bucket: int, quantity: int,
               available: dict[str, list[Interval]], release_bucket: int) -> list[Order]:
    """One order per part of the lot, each small enough that every operation fits a working stretch (or may
    pause); released at the start of `release_bucket`, due at the end of `bucket`."""
    largest = max(_largest_fitting_lot(request, product_id, available), 1)
    parts = math.ceil(quantity / largest)
    size = request.options.lot_bucket_minutes
    return [Order(id=f"{LOT_PREFIX}-{product_id}-B{bucket}" + (f"-{k + 1}" if parts > 1 else ""),
                  product_id=product_id, quantity=min(largest, quantity - k * largest), release=release_bucket * size,
                  due=min((bucket + 1) * size, request.options.horizon_minutes), weight=LOT_WEIGHT,
                  customer="stock (forecast lot)") for k in range(parts)]


def _largest_fitting_lot(request: PlanRequest, product_id: str, available: dict[str, list[Interval]]) -> int:
    """Most units whose every operation fits, on some eligible machine, the longest stretch of working time
    (operations that may pause somewhere, and manual work, set no limit)."""
    product = request.factory.product(product_id)
    machines = {m.id: m for m in request.factory.machines}
    limit = math.inf
    for operation in product.routing:
        if not operation.eligible_machines or any(may_pause(operation, machines[o.machine_id])
                                                  for o in operation.eligible_machines):
            continue  # manual work has no calendar; work that may pause needs no single stretch
        best = 0.0
        for option in operation.eligible_machines:
            stretch = max((e - s for s, e in available[option.machine_id]), default=0)
            run = (option.run_minutes_per_unit or operation.run_minutes_per_unit)
            setup = operation.setup_on(option)
            best = max(best, (stretch - setup) * request.yield_rate(product_id, option.machine_id) / run)
        limit = min(limit, best)
    return int(limit) if math.isfinite(limit) else 1


def realisation_problems(lots: list[Order], assignments: list[ScheduledOperation]) -> list[str]:
    """Lots that the detailed schedule does not finish inside their bucket."""
    finish: dict[str, int] = {}
    for placed in assignments:
        finish[placed.order_id] = max(finish.get(placed.order_id, 0), placed.end)
    return [f"lot {lot.id} ({lot.quantity} units) finishes at minute {finish[lot.id]}, after its bucket ends at "
            f"minute {lot.due}" for lot in lots if lot.id in finish and finish[lot.id] > lot.due] + [
            f"lot {lot.id} is not scheduled" for lot in lots if lot.id not in finish]


def lot_plan(request: PlanRequest, result: LotSizingResult, lots: list[Order]) -> LotPlan:
    return LotPlan(
        status=result.status, bucket_minutes=request.options.lot_bucket_minutes, buckets=bucket_count(request),
        objective=result.objective or 0.0, best_bound=result.best_bound or 0.0, gap=result.gap or 0.0,
        build_seconds=result.build_seconds, solve_seconds=result.solve_seconds,
        products=[ProductLots(product_id=p.item_id, production=p.production, inventory=p.inventory,
                              backlog=p.backlog) for p in result.items],
        lots=lots, reasons=result.reasons,
    )


BOTTLENECK_TEXT = {
    "en": "One more hour on {center} on {day} would save {saves:,.0f} (at {utilization:.0%} load).",
    "ko": "{day} {center} 작업장에 1시간을 더하면 {saves:,.0f}을(를) 절감합니다 (부하율 {utilization:.0%}).",
}


def bottlenecks(request: PlanRequest, instance: LotSizingInstance, result: LotSizingResult) -> list[Bottleneck]:
    """Work center x bucket ranked by what one more hour of capacity would save (LP dual x 60)."""
    if not result.status.has_solution:
        return []
    capacity = {r.resource_id: r.capacity_minutes for r in instance.resources}
    found = []
    for plan in result.resources:
        for bucket, price in enumerate(plan.shadow_price or []):
            saves = abs(price) * 60
            if saves > 1e-6:
                cap = capacity.get(plan.resource_id, [0.0] * (bucket + 1))[bucket]
                found.append((saves, plan.resource_id, bucket, plan.load_minutes[bucket] / cap if cap else 1.0))
    ranked = sorted(found, reverse=True)[:MAX_BOTTLENECKS]
    return [_bottleneck(request, saves, center, bucket, load) for saves, center, bucket, load in ranked]


def _bottleneck(request: PlanRequest, saves: float, center: str, bucket: int, utilization: float) -> Bottleneck:
    start = bucket * request.options.lot_bucket_minutes
    moment = request.options.plan_start + timedelta(minutes=start + request.factory.utc_offset_minutes)
    day = moment.strftime("%m월 %d일") if request.options.locale == "ko" else moment.strftime("%a %d %b")
    sentence = BOTTLENECK_TEXT[request.options.locale].format(center=center, day=day, saves=saves,
                                                              utilization=utilization)
    return Bottleneck(work_center=center, bucket=bucket, bucket_start=start, saves_per_hour=saves,
                      utilization=min(utilization, 1.0), sentence=sentence)
