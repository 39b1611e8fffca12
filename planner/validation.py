"""Request validation: every problem in a plan request, found in one pass.

Each check appends a `Violation` (a field path in the request, a plain reason) and carries on, so a
client learns about all of its mistakes at once. Paths use the domain's field names; the service
translates them to the API's names.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from planner.domain import MINUTES_PER_DAY, NO_MACHINE, Factory, Machine, Operation, Order, PlanOptions, PlanRequest
from planner.scheduling.rules.bom import bom_violations
from planner.scheduling.rules.die_mounts import die_violations
from planner.scheduling.rules.lot_splitting import lot_split_violations
from planner.scheduling.rules.materials import material_violations
from planner.scheduling.rules.modes import mode_violations, running_mode_problem
from planner.scheduling.rules.oven_rules import oven_violations
from planner.scheduling.rules.pausing import pausing_violations
from planner.scheduling.rules.precedence import graph_violations, is_graph
from planner.scheduling.rules.sequence import sequence_violations
from planner.scheduling.rules.staffing import skill_violations
from planner.scheduling.rules.stock import production_violations

MAX_ID_LENGTH = 64
SUPPORTED_LOCALES = ("en", "ko")
MAX_BATCH_CAPACITY = 1e9
"""Largest batch capacity: the model counts it in thousandths in 64-bit integers (`scheduling.rules.batching`)."""


@dataclass(frozen=True)
class Violation:
    field: str
    reason: str


class InvalidPlanRequest(Exception):
    """A request that breaks the contract; carries every violation found."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = list(violations)
        super().__init__("; ".join(f"{v.field}: {v.reason}" for v in self.violations))


def find_violations(request: PlanRequest) -> list[Violation]:
    """All violations in the request (empty when it is valid)."""
    found: list[Violation] = []
    found += _factory_violations(request.factory)
    machine_ids = {m.id for m in request.factory.machines}
    for p_index, product in enumerate(request.factory.products):
        for o_index, operation in enumerate(product.routing):
            path = f"factory.products[{p_index}].routing[{o_index}]"
            found += _operation_violations(operation, path, machine_ids)
            found += _time_lag_violations(operation, o_index, path)
    found += _order_violations(request, {p.id for p in request.factory.products})
    found += _work_in_progress_violations(request, machine_ids)
    found += _options_violations(request.options)
    found += _prediction_violations(request, machine_ids)
    found += _changeover_violations(request.factory, machine_ids)
    found += _forecast_violations(request)
    found += _batch_violations(request)
    found += _resource_violations(request.factory)
    found += _manual_work_violations(request)
    found += _precedence_violations(request)
    found += _id_violations([m.id for m in request.factory.materials], "factory.materials")
    found += [Violation(field, reason) for field, reason in material_violations(request)
              + bom_violations(request.factory) + pausing_violations(request) + skill_violations(request)]
    found += [Violation(field, reason) for field, reason in sequence_violations(request)]
    found += [Violation(field, reason) for field, reason in oven_violations(request)]
    found += [Violation(field, reason) for field, reason in die_violations(request)]
    found += [Violation(field, reason) for field, reason in mode_violations(request)]
    found += [Violation(field, reason) for field, reason in production_violations(request)]
    found += [Violation(field, reason) for field, reason in lot_split_violations(request)]
    return found


def _precedence_violations(request: PlanRequest) -> list[Violation]:
    """The precedence graphs (`planner.scheduling.rules.precedence.graph_violations`), and work in progress that
    reports an operation done or running while one of its predecessors is not done."""
    found = [Violation(field, reason) for p_index, product in enumerate(request.factory.products)
             for field, reason in graph_violations(product, f"factory.products[{p_index}]")]
    if found:
        return found
    products = {p.id: p for p in request.factory.products}
    for index, order in enumerate(request.orders):
        product, progress = products.get(order.product_id), order.work_in_progress
        if product is None or progress is None or not is_graph(product):
            continue
        done = set(progress.done_operation_ids)
        started = [*progress.done_operation_ids, *([progress.running.operation_id] if progress.running else [])]
        for op in product.routing:
            missing = [p.operation_id for p in op.predecessors if p.operation_id not in done]
            if op.id in started and missing:
                found.append(Violation(f"orders[{index}].work_in_progress",
                                       f"operation '{op.id}' is reported done or running, but its predecessor "
                                       f"'{missing[0]}' is not done"))
    return found


def ensure_valid(request: PlanRequest) -> None:
    violations = find_violations(request)
    if violations:
        raise InvalidPlanRequest(violations)


def _id_violations(ids: list[str], path: str) -> list[Violation]:
    found = []
    counts = Counter(ids)
    for index, value in enumerate(ids):
        if not value.strip():
            found.append(Violation(f"{path}[{index}].id", "must not be empty"))
        elif len(value) > MAX_ID_LENGTH:
            found.append(Violation(f"{path}[{index}].id", f"is longer than {MAX_ID_LENGTH} characters"))
        elif counts[value] > 1 and ids.index(value) != index:
            found.append(Violation(f"{path}[{index}].id", f"duplicate id '{value}'"))
    return found


def _factory_violations(factory: Factory) -> list[Violation]:
    found: list[Violation] = []
    if not factory.machines:
        found.append(Violation("factory.machines", "at least one machine is required"))
    if not factory.products:
        found.append(Violation("factory.products", "at least one product is required"))
    found += _id_violations([c.id for c in factory.calendars], "factory.calendars")
    found += _id_violations([m.id for m in factory.machines], "factory.machines")
    found += _id_violations([p.id for p in factory.products], "factory.products")
    for c_index, calendar in enumerate(factory.calendars):
        found += _calendar_violations(calendar.shifts, calendar.working_days, f"factory.calendars[{c_index}]")
    calendar_ids = {c.id for c in factory.calendars}
    for m_index, machine in enumerate(factory.machines):
        path = f"factory.machines[{m_index}]"
        if machine.calendar_id is not None and machine.calendar_id not in calendar_ids:
            found.append(Violation(f"{path}.calendar_id", f"unknown calendar '{machine.calendar_id}'"))
        for w_index, window in enumerate(machine.maintenance_windows):
            if window.end <= window.start:
                found.append(Violation(f"{path}.maintenance_windows[{w_index}]", "end must be after start"))
    for p_index, product in enumerate(factory.products):
        if not (math.isfinite(product.scrap_cost) and product.scrap_cost >= 0):
            found.append(Violation(f"factory.products[{p_index}].scrap_cost", "must be a finite number, at least 0"))
        if not product.routing:
            found.append(Violation(f"factory.products[{p_index}].routing", "routing must not be empty"))
        found += _id_violations([op.id for op in product.routing], f"factory.products[{p_index}].routing")
    return found


def _calendar_violations(shifts: list, working_days: list[int], path: str) -> list[Violation]:
    found = []
    if not shifts:
        found.append(Violation(f"{path}.shifts", "a calendar needs at least one shift"))
    for s_index, shift in enumerate(shifts):
        if not 0 <= shift.start_minute < MINUTES_PER_DAY:
            found.append(Violation(f"{path}.shifts[{s_index}].start_minute", "must be within 0 h to 24 h"))
        if not 0 < shift.length_minutes <= MINUTES_PER_DAY:
            found.append(Violation(f"{path}.shifts[{s_index}].length_minutes", "must be more than 0 and at most 24 h"))
    for d_index, day in enumerate(working_days):
        if not 0 <= day <= 6:
            found.append(Violation(f"{path}.working_days[{d_index}]", "must be a day of the week"))
    if len(set(working_days)) != len(working_days):
        found.append(Violation(f"{path}.working_days", "days must not repeat"))
    return found


def _operation_violations(operation: Operation, path: str, machine_ids: set[str]) -> list[Violation]:
    found = []
    if operation.is_manual and not any(not need.setup_only for need in operation.resources):
        found.append(Violation(f"{path}.eligible_machines", "an operation needs at least one eligible machine, or, "
                                                            "as manual work, a resource it holds for its whole run"))
    if operation.setup_minutes < 0:
        found.append(Violation(f"{path}.setup_minutes", "must not be negative"))
    if not operation.modes and not _positive_finite(operation.run_minutes_per_unit):  # modes have their own
        found.append(Violation(f"{path}.run_minutes_per_unit", "must be a finite number greater than 0"))
    seen: set[str] = set()
    for e_index, option in enumerate(operation.eligible_machines):
        e_path = f"{path}.eligible_machines[{e_index}]"
        if option.machine_id not in machine_ids:
            found.append(Violation(f"{e_path}.machine_id", f"unknown machine '{option.machine_id}'"))
        elif option.machine_id in seen:
            found.append(Violation(f"{e_path}.machine_id", f"machine '{option.machine_id}' listed twice"))
        seen.add(option.machine_id)
        if option.setup_minutes is not None and option.setup_minutes < 0:
            found.append(Violation(f"{e_path}.setup_minutes", "must not be negative"))
        if option.run_minutes_per_unit is not None and not _positive_finite(option.run_minutes_per_unit):
            found.append(Violation(f"{e_path}.run_minutes_per_unit", "must be a finite number greater than 0"))
    return found


def _time_lag_violations(operation: Operation, index: int, path: str) -> list[Violation]:
    found = []
    low, high = operation.min_lag_minutes, operation.max_lag_minutes
    if index == 0 and (low or high is not None):
        found.append(Violation(path, "the first operation of a routing has no previous operation to lag behind"))
    if low < 0:
        found.append(Violation(f"{path}.min_lag_minutes", "must not be negative"))
    if high is not None and high < 0:
        found.append(Violation(f"{path}.max_lag_minutes", "must not be negative"))
    elif high is not None and high < low:
        found.append(Violation(f"{path}.max_lag_minutes", f"is below the minimum lag ({high} < {low} min)"))
    batch = operation.transfer_batch_units
    if batch is not None and batch <= 0:
        found.append(Violation(f"{path}.transfer_batch_units", "must be more than 0"))
    elif batch is not None and index == 0:
        found.append(Violation(f"{path}.transfer_batch_units", "the first operation of a routing has no previous "
                                                               "operation to take batches from"))
    elif batch is not None and (low or high is not None):
        found.append(Violation(f"{path}.transfer_batch_units", "time lags and a transfer batch do not combine on "
                                                               "one operation"))
    return found


def _work_in_progress_violations(request: PlanRequest, machine_ids: set[str]) -> list[Violation]:
    found: list[Violation] = []
    products = {p.id: p for p in request.factory.products}
    running_on: dict[str, str] = {}
    for index, order in enumerate(request.orders):
        progress, product = order.work_in_progress, products.get(order.product_id)
        if progress is None or product is None:
            continue
        path = f"orders[{index}].work_in_progress"
        routing = [op.id for op in product.routing]
        done = progress.done_operation_ids
        if done != routing[:len(done)]:
            found.append(Violation(f"{path}.done_operation_ids", "must be the first operations of the routing, in "
                                   f"order ({', '.join(routing[:len(done)]) or 'none'}); got {', '.join(done)}"))
        elif len(done) >= len(routing) > 0:
            found.append(Violation(f"{path}.done_operation_ids", "every operation is done: a finished order needs "
                                                                 "no plan"))
        running = progress.running
        if running is None:
            continue
        found += _running_violations(request, order, product.routing, f"{path}.running", machine_ids)
        if running.machine_id in running_on and running.machine_id != NO_MACHINE:  # manual work runs side by side
            found.append(Violation(f"{path}.running.machine_id", f"machine '{running.machine_id}' already runs "
                                                                 f"order '{running_on[running.machine_id]}'"))
        running_on.setdefault(running.machine_id, order.id)
    return found


def _running_violations(request: PlanRequest, order: Order, routing: list[Operation], path: str,
                        machine_ids: set[str]) -> list[Violation]:
    found = []
    progress = order.work_in_progress
    assert progress is not None and progress.running is not None
    running = progress.running
    done = len(progress.done_operation_ids)
    operation = next((op for op in routing if op.id == running.operation_id), None)
    if operation is None:
        found.append(Violation(f"{path}.operation_id", f"unknown operation '{running.operation_id}' in the routing"))
    elif done >= len(routing) or routing[done].id != running.operation_id:
        found.append(Violation(f"{path}.operation_id", "must be the first operation that is not done"))
    if operation is not None and operation.modes:  # it runs in its mode on that machine (`scheduling.rules.modes`)
        problem = running_mode_problem(operation, running.machine_id)
        if problem is not None:
            found.append(Violation(f"{path}.machine_id", problem))
    elif operation is not None and operation.is_manual:
        if running.machine_id != NO_MACHINE:
            found.append(Violation(f"{path}.machine_id", f"operation '{operation.id}' is manual work, which runs on "
                                                         "no machine: leave machine_id empty"))
    elif running.machine_id not in machine_ids:
        found.append(Violation(f"{path}.machine_id", f"unknown machine '{running.machine_id}'"))
    elif operation is not None and running.machine_id not in {e.machine_id for e in operation.eligible_machines}:
        found.append(Violation(f"{path}.machine_id", f"machine '{running.machine_id}' is not eligible for "
                                                     f"operation '{operation.id}'"))
    if running.remaining_minutes <= 0:
        found.append(Violation(f"{path}.remaining_minutes", "must be more than 0"))
    elif running.remaining_minutes > request.options.horizon_minutes:
        found.append(Violation(f"{path}.remaining_minutes", "ends after the planning horizon"))
    if running.started is not None and running.started > 0:
        found.append(Violation(f"{path}.started", "a running operation started at or before plan start"))
    if order.release > 0:
        found.append(Violation(path.replace(".work_in_progress.running", ".release"),
                               "an order with a running operation cannot be released after plan start"))
    return found


def _order_violations(request: PlanRequest, product_ids: set[str]) -> list[Violation]:
    found: list[Violation] = []
    if not request.orders:
        found.append(Violation("orders", "at least one order is required"))
    found += _id_violations([o.id for o in request.orders], "orders")
    horizon = request.options.horizon_minutes
    for index, order in enumerate(request.orders):
        found += _one_order_violations(order, f"orders[{index}]", product_ids, horizon)
    return found


def _one_order_violations(order: Order, path: str, product_ids: set[str], horizon: int) -> list[Violation]:
    found = []
    if order.product_id not in product_ids:
        found.append(Violation(f"{path}.product_id", f"unknown product '{order.product_id}'"))
    if order.quantity <= 0:
        found.append(Violation(f"{path}.quantity", f"must be greater than 0 (got {order.quantity})"))
    if not _positive_finite(order.weight):
        found.append(Violation(f"{path}.weight", "must be a finite number greater than 0"))
    if order.due < order.release:
        found.append(Violation(f"{path}.due", "due time is before the release time"))
    if order.release >= horizon:
        found.append(Violation(f"{path}.release", "release time is after the end of the planning horizon"))
    if order.due > horizon:
        found.append(Violation(f"{path}.due", "due time is after the end of the planning horizon"))
    return found


def _options_violations(options: PlanOptions) -> list[Violation]:
    found = []
    if options.horizon_minutes <= 0:
        found.append(Violation("options.horizon_minutes", "must be more than 0"))
    if not _positive_finite(options.time_limit_seconds):
        found.append(Violation("options.time_limit_seconds", "must be a finite number greater than 0"))
    if options.num_workers < 1:
        found.append(Violation("options.num_workers", "must be at least 1"))
    if options.locale not in SUPPORTED_LOCALES:
        found.append(Violation("options.locale", f"must be one of {', '.join(SUPPORTED_LOCALES)}"))
    checks = [
        ("risk_alpha", 0 < options.risk_alpha < 1, "must be more than 0 and less than 1"),
        ("maintenance_threshold", 0 < options.maintenance_threshold <= 1, "must be more than 0 and at most 1"),
        ("maintenance_minutes", options.maintenance_minutes > 0, "must be more than 0"),
        ("risk_penalty_weight", options.risk_penalty_weight >= 0, "must not be negative"),
        ("risk_bucket_minutes", options.risk_bucket_minutes > 0, "must be more than 0"),
        ("late_cost_per_minute", _positive_finite(options.late_cost_per_minute), "must be a finite number above 0"),
        ("lot_bucket_minutes", options.lot_bucket_minutes > 0, "must be more than 0"),
        ("service_level", 0 < options.service_level < 1, "must be between 0 and 1"),
        ("detailed_lot_buckets", options.detailed_lot_buckets >= 1, "must be at least 1"),
        ("holding_cost_per_unit", options.holding_cost_per_unit >= 0, "must not be negative"),
        ("setup_cost", options.setup_cost >= 0, "must not be negative"),
    ]
    cap = options.max_expected_defect_rate
    checks.append(("max_expected_defect_rate", cap is None or 0 <= cap < 1, "must be at least 0 and below 1"))
    found += [Violation(f"options.{name}", reason) for name, ok, reason in checks if not ok]
    return found


def _prediction_violations(request: PlanRequest, machine_ids: set[str]) -> list[Violation]:
    found: list[Violation] = []
    product_ids = {p.id for p in request.factory.products}
    seen: set[tuple[str, str]] = set()
    for index, estimate in enumerate(request.yields):
        path = f"yields[{index}]"
        if estimate.product_id not in product_ids:
            found.append(Violation(f"{path}.product_id", f"unknown product '{estimate.product_id}'"))
        if estimate.machine_id not in machine_ids:
            found.append(Violation(f"{path}.machine_id", f"unknown machine '{estimate.machine_id}'"))
        if not (math.isfinite(estimate.yield_rate) and 0 < estimate.yield_rate <= 1):
            found.append(Violation(f"{path}.yield_rate", "must be more than 0 and at most 1"))
        if (estimate.product_id, estimate.machine_id) in seen:
            found.append(Violation(path, "a second yield for the same product and machine"))
        seen.add((estimate.product_id, estimate.machine_id))
    risky: set[str] = set()
    for index, risk in enumerate(request.machine_risks):
        path = f"machine_risks[{index}]"
        if risk.machine_id not in machine_ids:
            found.append(Violation(f"{path}.machine_id", f"unknown machine '{risk.machine_id}'"))
        elif risk.machine_id in risky:
            found.append(Violation(f"{path}.machine_id", f"a second risk curve for machine '{risk.machine_id}'"))
        risky.add(risk.machine_id)
        if risk.repair_minutes <= 0:
            found.append(Violation(f"{path}.repair_minutes", "must be more than 0"))
        found += _curve_violations(risk.curve, path)
    return found


def _curve_violations(curve: list, path: str) -> list[Violation]:
    if not curve:
        return [Violation(f"{path}.curve", "a risk curve needs at least one point")]
    found = []
    for index, point in enumerate(curve):
        if not (math.isfinite(point.probability) and 0 <= point.probability <= 1):
            found.append(Violation(f"{path}.curve[{index}].probability", "must be a probability, 0 to 1"))
        if index and point.minute <= curve[index - 1].minute:
            found.append(Violation(f"{path}.curve[{index}].minute", "points must be in increasing time order"))
        elif index and point.probability < curve[index - 1].probability:
            found.append(Violation(f"{path}.curve[{index}].probability",
                                   "a cumulative failure probability cannot decrease"))
    return found


def _forecast_violations(request: PlanRequest) -> list[Violation]:
    found: list[Violation] = []
    product_ids = {p.id for p in request.factory.products}
    buckets = -(-request.options.horizon_minutes // max(request.options.lot_bucket_minutes, 1))
    for index, forecast in enumerate(request.demand_forecasts):
        path = f"demand_forecasts[{index}]"
        if forecast.product_id not in product_ids:
            found.append(Violation(f"{path}.product_id", f"unknown product '{forecast.product_id}'"))
        if not 0 <= forecast.bucket < buckets:
            found.append(Violation(f"{path}.bucket", f"must be a lot bucket of the horizon, 0 to {buckets - 1}"))
        if not forecast.quantiles:
            found.append(Violation(f"{path}.quantiles", "at least one quantile is required"))
        for q_index, quantile in enumerate(forecast.quantiles):
            q_path = f"{path}.quantiles[{q_index}]"
            if not (math.isfinite(quantile.level) and 0 < quantile.level < 1):
                found.append(Violation(f"{q_path}.level", "must be between 0 and 1"))
            if not (math.isfinite(quantile.value) and quantile.value >= 0):
                found.append(Violation(f"{q_path}.value", "must be a finite number, at least 0"))
            if q_index and (quantile.level <= forecast.quantiles[q_index - 1].level
                            or quantile.value < forecast.quantiles[q_index - 1].value):
                found.append(Violation(q_path, "levels must increase and values must not decrease"))
    return found


def _changeover_violations(factory: Factory, machine_ids: set[str]) -> list[Violation]:
    # Families need not appear among this request's products: a plant sends its whole matrix.
    found = []
    for index, changeover in enumerate(factory.changeovers):
        path = f"factory.changeovers[{index}]"
        if changeover.minutes < 0:
            found.append(Violation(f"{path}.minutes", "must not be negative"))
        if changeover.machine_id is not None and changeover.machine_id not in machine_ids:
            found.append(Violation(f"{path}.machine_id", f"unknown machine '{changeover.machine_id}'"))
    return found


def _batch_violations(request: PlanRequest) -> list[Violation]:
    """Batch machines (`planner.scheduling.rules.batching`): capacities, recipes, and lots that fit a load."""
    factory = request.factory
    found = []
    for m_index, machine in enumerate(factory.machines):
        path = f"factory.machines[{m_index}]"
        if machine.batch_capacity is not None and not _positive_finite(machine.batch_capacity):
            found.append(Violation(f"{path}.batch_capacity", "must be a finite number greater than 0"))
        elif machine.batch_capacity is not None and machine.batch_capacity > MAX_BATCH_CAPACITY:
            found.append(Violation(f"{path}.batch_capacity", f"must be at most {MAX_BATCH_CAPACITY:g}"))
        if machine.recipes and machine.batch_capacity is None:
            found.append(Violation(f"{path}.recipes", "only a batch machine (with a batch_capacity) runs recipes"))
        if machine.batch_capacity is not None and not machine.recipes:
            found.append(Violation(f"{path}.recipes", "a batch machine needs at least one recipe"))
        found += _id_violations([r.id for r in machine.recipes], f"{path}.recipes")
        for r_index, recipe in enumerate(machine.recipes):
            if recipe.cycle_minutes <= 0:
                found.append(Violation(f"{path}.recipes[{r_index}].cycle_minutes", "must be more than 0"))
    machines = {m.id: m for m in factory.machines}
    for p_index, product in enumerate(factory.products):
        for o_index, operation in enumerate(product.routing):
            path = f"factory.products[{p_index}].routing[{o_index}]"
            found += _batch_operation_violations(operation, path, machines)
            previous = product.routing[o_index - 1] if o_index else None
            if operation.transfer_batch_units is not None and (
                    operation.recipe is not None or (previous is not None and previous.recipe is not None)):
                found.append(Violation(f"{path}.transfer_batch_units",
                                       "transfer batches do not apply into or out of a batch machine (a load starts "
                                       "and ends whole)"))
    found += _oversized_lot_violations(request, machines)
    found += _batch_changeover_violations(factory)
    return found


def _resource_violations(factory: Factory) -> list[Violation]:
    """Secondary resources (`planner.scheduling.rules.resources`): capacities, calendars, shifts, and the needs."""
    found = _id_violations([r.id for r in factory.resources], "factory.resources")
    calendars = {c.id: c for c in factory.calendars}
    peaks: dict[str, int] = {}
    for r_index, resource in enumerate(factory.resources):
        path = f"factory.resources[{r_index}]"
        if resource.capacity < 0:
            found.append(Violation(f"{path}.capacity", "must not be negative"))
        calendar = calendars.get(resource.calendar_id) if resource.calendar_id is not None else None
        if resource.calendar_id is not None and calendar is None:
            found.append(Violation(f"{path}.calendar_id", f"unknown calendar '{resource.calendar_id}'"))
        shifts = {s.name for s in calendar.shifts} if calendar is not None else set()
        for s_index, shift in enumerate(resource.shift_capacities):
            if shift.capacity < 0:
                found.append(Violation(f"{path}.shift_capacities[{s_index}].capacity", "must not be negative"))
            if shift.shift not in shifts:
                found.append(Violation(f"{path}.shift_capacities[{s_index}].shift",
                                       f"no shift '{shift.shift}' in the resource's calendar"))
        for e_index, extra in enumerate(resource.extra_capacity):
            if extra.units <= 0:
                found.append(Violation(f"{path}.extra_capacity[{e_index}].units", "must be positive"))
            if extra.window.end <= extra.window.start:
                found.append(Violation(f"{path}.extra_capacity[{e_index}].window", "end must be after start"))
        peaks[resource.id] = max([0, resource.capacity, *(s.capacity for s in resource.shift_capacities)]) + sum(
            max(0, extra.units) for extra in resource.extra_capacity)
    for p_index, product in enumerate(factory.products):
        for o_index, operation in enumerate(product.routing):
            for n_index, need in enumerate(operation.resources):
                path = f"factory.products[{p_index}].routing[{o_index}].resources[{n_index}]"
                if need.skill is None and need.resource_id not in peaks:  # by skill: `skill_violations`
                    found.append(Violation(f"{path}.resource_id", f"unknown resource '{need.resource_id}'"))
                if need.quantity <= 0:
                    found.append(Violation(f"{path}.quantity", "must be more than 0"))
                elif need.resource_id in peaks and need.quantity > peaks[need.resource_id]:
                    found.append(Violation(f"{path}.quantity", f"needs {need.quantity} of '{need.resource_id}', which "
                                                               f"has at most {peaks[need.resource_id]}"))
            if operation.is_manual and operation.recipe is not None:
                found.append(Violation(f"factory.products[{p_index}].routing[{o_index}].recipe",
                                       "manual work (no eligible machine) runs in no furnace load: no recipe"))
            elif operation.resources and operation.recipe is not None:
                found.append(Violation(f"factory.products[{p_index}].routing[{o_index}].resources",
                                       "operations on batch machines take no secondary resources"))
    return found


def _manual_work_violations(request: PlanRequest) -> list[Violation]:
    """Manual work (operations with no machine) is not in the lot-sizing model, whose capacities are machines'."""
    if not (request.options.lot_sizing or request.demand_forecasts):
        return []
    return [Violation(f"factory.products[{p_index}].routing[{o_index}].eligible_machines",
                      "manual work (no eligible machine) is not supported with lot sizing (options.lot_sizing or "
                      "demand_forecasts) yet")
            for p_index, product in enumerate(request.factory.products)
            for o_index, operation in enumerate(product.routing) if operation.is_manual]


def _batch_operation_violations(operation: Operation, path: str, machines: dict[str, Machine]) -> list[Violation]:
    found = []
    if not _positive_finite(operation.batch_load_per_unit):
        found.append(Violation(f"{path}.batch_load_per_unit", "must be a finite number greater than 0"))
    for e_index, option in enumerate(operation.eligible_machines):
        machine = machines.get(option.machine_id)
        if machine is None:
            continue  # reported with the operation
        if operation.recipe is not None and not machine.is_batch:
            found.append(Violation(f"{path}.eligible_machines[{e_index}].machine_id",
                                   f"'{machine.id}' is not a batch machine; an operation with a recipe runs only on "
                                   "batch machines"))
        elif operation.recipe is None and machine.is_batch:
            found.append(Violation(f"{path}.recipe", f"required: '{machine.id}' is a batch machine"))
        elif operation.recipe is not None and machine.recipe(operation.recipe) is None:
            found.append(Violation(f"{path}.recipe",
                                   f"batch machine '{machine.id}' has no recipe '{operation.recipe}'"))
    return found


def _oversized_lot_violations(request: PlanRequest, machines: dict[str, Machine]) -> list[Violation]:
    """A lot is never split across loads: each open batch operation of an order must fit one eligible machine."""
    products = {p.id: p for p in request.factory.products}
    found = []
    for index, order in enumerate(request.orders):
        product = products.get(order.product_id)
        if product is None or order.quantity <= 0:
            continue
        progress = order.work_in_progress
        skip = len(progress.done_operation_ids) + (progress.running is not None) if progress is not None else 0
        for operation in product.routing[skip:]:
            batch = [machines[e.machine_id] for e in operation.eligible_machines
                     if e.machine_id in machines and machines[e.machine_id].batch_capacity is not None]
            if operation.recipe is None or not batch or not _positive_finite(operation.batch_load_per_unit):
                continue
            needs = {m.id: math.ceil(order.quantity / request.yield_rate(product.id, m.id) - 1e-9)
                     * operation.batch_load_per_unit for m in batch}
            if all(needs[m.id] > (m.batch_capacity or 0.0) * (1 + 1e-9) for m in batch):
                largest = max(m.batch_capacity or 0.0 for m in batch)
                found.append(Violation(f"orders[{index}].quantity",
                                       f"the lot takes {min(needs.values()):g} of a load at {operation.id}, more than "
                                       f"any eligible batch machine holds ({largest:g}); lots are not split across "
                                       "loads"))
    return found


def _batch_changeover_violations(factory: Factory) -> list[Violation]:
    """Family changeovers sequence lots one after the other, which a load of several lots cannot be."""
    batch = {m.id for m in factory.machines if m.is_batch}
    families: dict[str, set[str]] = {m: set() for m in batch}
    for product in factory.products:
        for operation in product.routing:
            for option in operation.eligible_machines:
                if option.machine_id in batch:
                    families[option.machine_id].add(product.family)
    mixed = {m for m, f in families.items() if len(f) > 1}
    found = []
    for index, changeover in enumerate(factory.changeovers):
        applies = mixed if changeover.machine_id is None else mixed & {changeover.machine_id}
        if applies:
            found.append(Violation(f"factory.changeovers[{index}]",
                                   f"family changeovers do not apply on batch machines ({', '.join(sorted(applies))}, "
                                   "which run products of several families in one load): use recipes there, and "
                                   "give this changeover the machine it is for"))
    return found


def _positive_finite(value: float) -> bool:
    return math.isfinite(value) and value > 0
