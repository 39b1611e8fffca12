"""proto <-> domain for planning: timestamps become minutes from plan start, and back.

Conversions never reject anything themselves except what only the API can get wrong (an unset
required timestamp, an unknown enum value); every other rule is checked once, in
`planner.validation`, and its violations come back with the API's field names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from google.protobuf import duration_pb2, timestamp_pb2

from planner import domain
from planner.replanning.deltas import ScenarioDelta
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.die_mounts import die_changes
from planner.scheduling.rules.materials import has_materials, material_waits, shortages
from planner.scheduling.rules.oven_rules import with_changeovers
from planner.scheduling.rules.resources import holds_of
from planner.scheduling.tasks import build_jobs
from planner.solution import Fix, Kpis, LotPlan, PlanResult
from planner.status import SolveStatus
from planner.timings import PhaseTiming
from planner.validation import InvalidPlanRequest, Violation, find_violations
from prodplan.v1 import planning_service_pb2 as pb
from service.errors import FieldViolation, InvalidArgumentError
from service.settings import Settings

DEFAULT_HORIZON_SLACK = timedelta(days=14)

# Domain field names that differ from the API's (the rest are the same by design).
_API_NAMES = {
    "release": "release_time",
    "due": "due_time",
    "setup_minutes": "setup_time",
    "run_minutes_per_unit": "run_time_per_unit",
    "start_minute": "start",
    "length_minutes": "length",
    "horizon_minutes": "horizon",
    "time_limit_seconds": "time_limit",
    "utc_offset_minutes": "utc_offset",
    "minutes": "changeover_time",
    "repair_minutes": "mean_time_to_repair",
    "maintenance_minutes": "maintenance_duration",
    "risk_bucket_minutes": "risk_bucket",
    "probability": "failure_probability",
    "minute": "time",
    "min_lag_minutes": "min_lag",
    "max_lag_minutes": "max_lag",
    "remaining_minutes": "remaining",
    "cycle_minutes": "cycle_time",
    "mount_minutes": "mount_time",
    "batch_min_minutes": "batch_min_time",
    "batch_max_minutes": "batch_max_time",
}
DEFAULT_REPAIR = timedelta(hours=4)
_RISK_POLICY = {
    pb.RISK_POLICY_UNSPECIFIED: domain.RiskPolicy.NONE,
    pb.RISK_POLICY_EXPECTED_CAPACITY: domain.RiskPolicy.EXPECTED_CAPACITY,
    pb.RISK_POLICY_CHANCE_RESERVE: domain.RiskPolicy.CHANCE_RESERVE,
    pb.RISK_POLICY_PREVENTIVE_MAINTENANCE: domain.RiskPolicy.PREVENTIVE_MAINTENANCE,
    pb.RISK_POLICY_RISK_PENALTY: domain.RiskPolicy.RISK_PENALTY,
}
_RISK_POLICY_TO_PROTO = {v: k for k, v in _RISK_POLICY.items()}
_STATUS = {
    SolveStatus.OPTIMAL: pb.PLAN_STATUS_OPTIMAL,
    SolveStatus.FEASIBLE: pb.PLAN_STATUS_FEASIBLE,
    SolveStatus.INFEASIBLE: pb.PLAN_STATUS_INFEASIBLE,
    SolveStatus.NO_SOLUTION_IN_TIME: pb.PLAN_STATUS_NO_SOLUTION_IN_TIME,
    SolveStatus.MODEL_INVALID: pb.PLAN_STATUS_ERROR,
    SolveStatus.ERROR: pb.PLAN_STATUS_ERROR,
}


def api_field(path: str) -> str:
    """Translate a domain field path (`orders[2].due`) to the API's (`orders[2].due_time`)."""
    return re.sub(r"[a-z_]+", lambda m: _API_NAMES.get(m.group(0), m.group(0)), path)


def to_field_violations(violations: list[Violation]) -> list[FieldViolation]:
    return [FieldViolation(api_field(v.field), v.reason) for v in violations]


def minutes(value: duration_pb2.Duration, round_up: bool = True) -> int:
    total = value.seconds / 60 + value.nanos / 60e9
    return math.ceil(total - 1e-9) if round_up else math.floor(total + 1e-9)


def fractional_minutes(value: duration_pb2.Duration) -> float:
    return value.seconds / 60 + value.nanos / 60e9


def to_datetime(value: timestamp_pb2.Timestamp) -> datetime:
    return datetime.fromtimestamp(value.seconds + value.nanos / 1e9, tz=UTC)


def to_timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def to_duration(minutes_value: float) -> duration_pb2.Duration:
    span = duration_pb2.Duration()
    span.FromTimedelta(timedelta(minutes=minutes_value))
    return span


def plan_request_to_domain(message: pb.CreatePlanRequest, settings: Settings) -> domain.PlanRequest:
    """Map and validate; raises InvalidArgumentError listing every violation with API field paths."""
    problems = _size_violations(message, settings)
    if problems:
        raise InvalidArgumentError(problems, "the request is larger than this server accepts")
    problems += _required_timestamps(message)
    start = _plan_start(message)
    options = _options(message, start, settings, problems)
    request = domain.PlanRequest(
        request_id=message.request_id,
        factory=_factory(message.factory, start, problems),
        orders=[order_to_domain(o, start) for o in message.orders],
        options=options,
        yields=[domain.YieldEstimate(product_id=y.product_id, machine_id=y.machine_id, yield_rate=y.yield_rate,
                                     source=y.source or "supplied") for y in message.yields],
        machine_risks=[_machine_risk(r, start) for r in message.machine_risks],
        demand_forecasts=[domain.DemandForecast(
            product_id=f.product_id, bucket=f.bucket, source=f.source or "supplied",
            quantiles=[domain.QuantileValue(level=q.level, value=q.value) for q in f.quantiles])
            for f in message.demand_forecasts],
        sequence_rules=[sequence_rule_to_domain(r) for r in message.sequence_rules],
    )
    problems += to_field_violations(find_violations(request))
    if problems:
        raise InvalidArgumentError(problems)
    return request


def sequence_rule_to_domain(message: pb.SequenceRule) -> domain.SequenceRule:
    return domain.SequenceRule(machine_id=message.machine_id, before_order_id=message.before_order_id,
                               before_operation_id=message.before_operation_id,
                               after_order_id=message.after_order_id, after_operation_id=message.after_operation_id)


def sequence_rule_to_proto(rule: domain.SequenceRule) -> pb.SequenceRule:
    return pb.SequenceRule(machine_id=rule.machine_id, before_order_id=rule.before_order_id,
                           before_operation_id=rule.before_operation_id, after_order_id=rule.after_order_id,
                           after_operation_id=rule.after_operation_id)


def _size_violations(message: pb.CreatePlanRequest, settings: Settings) -> list[FieldViolation]:
    problems = []
    if len(message.orders) > settings.max_orders:
        problems.append(FieldViolation("orders", f"at most {settings.max_orders} orders per request "
                                                  f"(got {len(message.orders)})"))
    routing_length = {p.id: len(p.routing) for p in message.factory.products}
    operations = sum(routing_length.get(o.product_id, 0) for o in message.orders)
    if operations > settings.max_operations:
        problems.append(FieldViolation("orders", f"at most {settings.max_operations} operations per request "
                                                  f"(orders x routing steps; got {operations})"))
    return problems


def _required_timestamps(message: pb.CreatePlanRequest) -> list[FieldViolation]:
    problems = [
        FieldViolation(f"orders[{i}].due_time", "is required")
        for i, o in enumerate(message.orders)
        if not o.HasField("due_time")
    ]
    for m_index, machine in enumerate(message.factory.machines):
        for w_index, window in enumerate(machine.maintenance_windows):
            if not (window.HasField("start") and window.HasField("end")):
                problems.append(FieldViolation(
                    f"factory.machines[{m_index}].maintenance_windows[{w_index}]", "start and end are required"
                ))
    return problems


def _plan_start(message: pb.CreatePlanRequest) -> datetime:
    if message.options.HasField("plan_start"):
        return to_datetime(message.options.plan_start).replace(second=0, microsecond=0)
    releases = [to_datetime(o.release_time) for o in message.orders if o.HasField("release_time")]
    start = min(releases) if releases else datetime.now(tz=UTC)
    return start.replace(second=0, microsecond=0)


def _offset(value: timestamp_pb2.Timestamp, start: datetime) -> int:
    return math.floor((to_datetime(value) - start).total_seconds() / 60 + 1e-9)


def _options(
    message: pb.CreatePlanRequest, start: datetime, settings: Settings, problems: list[FieldViolation]
) -> domain.PlanOptions:
    options = message.options
    if options.HasField("horizon"):
        horizon = minutes(options.horizon)
    else:
        dues = [_offset(o.due_time, start) for o in message.orders if o.HasField("due_time")]
        horizon = max(dues, default=0) + int(DEFAULT_HORIZON_SLACK.total_seconds() // 60)
    if options.objective not in pb.Objective.values():
        problems.append(FieldViolation("options.objective", f"unknown objective {options.objective}"))
    objective = {pb.OBJECTIVE_MAKESPAN: domain.Objective.MAKESPAN,
                 pb.OBJECTIVE_BATCH_COST: domain.Objective.BATCH_COST}.get(options.objective,
                                                                           domain.Objective.WEIGHTED_TARDINESS)
    requested = (options.time_limit.seconds + options.time_limit.nanos / 1e9) if options.HasField("time_limit") else (
        settings.default_time_limit_s)
    if options.num_workers < 0:
        problems.append(FieldViolation("options.num_workers", "must not be negative"))
    workers = settings.default_workers if options.num_workers <= 0 else options.num_workers
    if options.risk_policy not in _RISK_POLICY:
        problems.append(FieldViolation("options.risk_policy", f"unknown risk policy {options.risk_policy}"))
    defaults = domain.PlanOptions(horizon_minutes=1)
    return domain.PlanOptions(
        plan_start=start,
        horizon_minutes=horizon,
        objective=objective,
        time_limit_seconds=min(requested, settings.max_time_limit_s),
        num_workers=min(workers, settings.max_workers),
        random_seed=options.random_seed,
        locale=options.locale or "en",
        risk_policy=_RISK_POLICY.get(options.risk_policy, domain.RiskPolicy.NONE),
        risk_alpha=options.risk_alpha or defaults.risk_alpha,
        maintenance_threshold=options.maintenance_threshold or defaults.maintenance_threshold,
        maintenance_minutes=(minutes(options.maintenance_duration) if options.HasField("maintenance_duration")
                             else defaults.maintenance_minutes),
        risk_penalty_weight=options.risk_penalty_weight or defaults.risk_penalty_weight,
        risk_bucket_minutes=(minutes(options.risk_bucket) if options.HasField("risk_bucket")
                             else defaults.risk_bucket_minutes),
        max_expected_defect_rate=(options.max_expected_defect_rate if options.HasField("max_expected_defect_rate")
                                  else None),
        late_cost_per_minute=options.late_cost_per_minute or defaults.late_cost_per_minute,
        explain_predictions=not options.skip_prediction_effects,
        lot_sizing=options.lot_sizing,
        lot_bucket_minutes=(minutes(options.lot_bucket) if options.HasField("lot_bucket")
                            else defaults.lot_bucket_minutes),
        service_level=options.service_level or defaults.service_level,
        detailed_lot_buckets=options.detailed_lot_buckets or defaults.detailed_lot_buckets,
        lot_lead_times=not options.skip_lot_lead_times,
        batch_run_cost_per_minute=(options.batch_run_cost_per_minute if options.HasField("batch_run_cost_per_minute")
                                   else defaults.batch_run_cost_per_minute),
        late_order_cost=options.late_order_cost,
        holding_cost_per_unit=(options.holding_cost_per_unit if options.HasField("holding_cost_per_unit")
                               else defaults.holding_cost_per_unit),
        setup_cost=options.setup_cost if options.HasField("setup_cost") else defaults.setup_cost,
        verify_fixes_seconds=_verify_fixes_seconds(options, problems),
    )


def _verify_fixes_seconds(options: pb.PlanOptions, problems: list[FieldViolation]) -> float:
    """Seconds of the time limit for verifying fixes (unset: 0, off); a negative duration is reported."""
    seconds = options.verify_fixes_time.seconds + options.verify_fixes_time.nanos / 1e9
    if seconds < 0:
        problems.append(FieldViolation("options.verify_fixes_time", "must not be negative"))
    return max(seconds, 0.0)


def _machine_risk(message: pb.MachineRisk, start: datetime) -> domain.MachineRisk:
    repair = message.mean_time_to_repair if message.HasField("mean_time_to_repair") else None
    return domain.MachineRisk(
        machine_id=message.machine_id,
        curve=[domain.RiskPoint(minute=_offset(p.time, start), probability=p.failure_probability)
               for p in message.curve],
        repair_minutes=minutes(repair) if repair is not None else int(DEFAULT_REPAIR.total_seconds() // 60),
        source=message.source or "supplied",
    )


def _factory(message: pb.Factory, start: datetime, problems: list[FieldViolation]) -> domain.Factory:
    return domain.Factory(
        name=message.name,
        utc_offset_minutes=round(fractional_minutes(message.utc_offset)),
        calendars=[_calendar(c, f"factory.calendars[{i}]", problems) for i, c in enumerate(message.calendars)],
        machines=[
            domain.Machine(
                id=m.id,
                name=m.name,
                work_center=m.work_center,
                calendar_id=m.calendar_id or None,
                maintenance_windows=[
                    domain.TimeWindow(start=_offset(w.start, start), end=_offset(w.end, start), reason=w.reason)
                    for w in m.maintenance_windows
                    if w.HasField("start") and w.HasField("end")
                ],
                # A batch machine is one with a capacity; 0 (unset) is a machine that runs one lot at a time.
                batch_capacity=m.batch_capacity or None,
                recipes=[domain.BatchRecipe(id=r.id, name=r.name, cycle_minutes=minutes(r.cycle_time))
                         for r in m.recipes],
                operations_may_pause=m.operations_may_pause,
                mounted_die=m.mounted_die or None,
                batch_min_load=m.batch_min_load,
                recipe_changeovers=[domain.RecipeChangeover(from_recipe=c.from_recipe, to_recipe=c.to_recipe,
                                                            minutes=minutes(c.changeover_time), cost=c.cost)
                                    for c in m.recipe_changeovers],
                initial_recipe=m.initial_recipe or None,
            )
            for m in message.machines
        ],
        products=[_product(p, f"factory.products[{i}]", problems) for i, p in enumerate(message.products)],
        changeovers=[domain.FamilyChangeover(from_family=c.from_family, to_family=c.to_family,
                                             minutes=minutes(c.changeover_time), machine_id=c.machine_id or None)
                     for c in message.changeovers],
        resources=[_resource(r) for r in message.resources],
        materials=[_material(m, f"factory.materials[{i}]", start, problems) for i, m in enumerate(message.materials)],
    )


def _material(message: pb.Material, path: str, start: datetime, problems: list[FieldViolation]) -> domain.Material:
    """A bought-in material; a receipt needs its time (validation checks it lies in the horizon)."""
    receipts = []
    for index, receipt in enumerate(message.receipts):
        if not receipt.HasField("time"):  # reported; kept (at minute 0) so later receipts keep their index
            problems.append(FieldViolation(f"{path}.receipts[{index}].time", "is required"))
        minute = _offset(receipt.time, start) if receipt.HasField("time") else 0
        receipts.append(domain.MaterialReceipt(minute=minute, quantity=receipt.quantity))
    return domain.Material(id=message.id, name=message.name, unit=message.unit, on_hand=message.on_hand,
                           receipts=receipts)


def _resource(message: pb.Resource) -> domain.Resource:
    """A secondary resource; an unset capacity is 1 (a die), an unset calendar around the clock."""
    return domain.Resource(
        id=message.id, name=message.name, capacity=message.capacity if message.HasField("capacity") else 1,
        calendar_id=message.calendar_id or None,
        shift_capacities=[domain.ShiftCapacity(shift=s.shift, capacity=s.capacity) for s in message.shift_capacities],
        skills=list(message.skills),
        mount_minutes=minutes(message.mount_time) if message.HasField("mount_time") else 0,
    )


def _calendar(message: pb.ShiftCalendar, path: str, problems: list[FieldViolation]) -> domain.ShiftCalendar:
    days = []
    for index, day in enumerate(message.working_days):
        if day == pb.DAY_OF_WEEK_UNSPECIFIED or day not in pb.DayOfWeek.values():
            problems.append(FieldViolation(f"{path}.working_days[{index}]", "must be a day of the week"))
        else:
            days.append(day - 1)
    shifts = [
        domain.Shift(name=s.name, start_minute=minutes(s.start, round_up=False), length_minutes=minutes(s.length))
        for s in message.shifts
    ]
    if message.working_days:
        return domain.ShiftCalendar(id=message.id, shifts=shifts, working_days=days)
    return domain.ShiftCalendar(id=message.id, shifts=shifts)


_RELATION = {
    pb.PRECEDENCE_RELATION_UNSPECIFIED: domain.PrecedenceRelation.END_TO_START,
    pb.PRECEDENCE_RELATION_END_TO_START: domain.PrecedenceRelation.END_TO_START,
    pb.PRECEDENCE_RELATION_START_TO_START: domain.PrecedenceRelation.START_TO_START,
}
_RELATION_CODE = {
    domain.PrecedenceRelation.END_TO_START: pb.PRECEDENCE_RELATION_END_TO_START,
    domain.PrecedenceRelation.START_TO_START: pb.PRECEDENCE_RELATION_START_TO_START,
}


def _predecessor(message: pb.Predecessor, path: str, problems: list[FieldViolation]) -> domain.Predecessor:
    """A precedence link; lags rounded towards the safe side (a minimum up, a maximum down); an unknown
    relation is a field violation."""
    if message.relation not in _RELATION:
        problems.append(FieldViolation(f"{path}.relation", "must be END_TO_START or START_TO_START"))
    return domain.Predecessor(
        operation_id=message.operation_id,
        relation=_RELATION.get(message.relation, domain.PrecedenceRelation.END_TO_START),
        min_lag_minutes=minutes(message.min_lag),
        max_lag_minutes=minutes(message.max_lag, round_up=False) if message.HasField("max_lag") else None,
    )


def _predecessor_to_proto(link: domain.Predecessor) -> pb.Predecessor:
    relation = _RELATION_CODE[link.relation]
    return pb.Predecessor(
        operation_id=link.operation_id, relation=relation,
        min_lag=to_duration(link.min_lag_minutes) if link.min_lag_minutes else None,
        max_lag=to_duration(link.max_lag_minutes) if link.max_lag_minutes is not None else None,
    )


def _product(message: pb.Product, path: str, problems: list[FieldViolation]) -> domain.Product:
    return domain.Product(
        id=message.id,
        name=message.name,
        family=message.family,
        scrap_cost=message.scrap_cost,
        routing=[
            domain.Operation(
                id=op.id,
                name=op.name,
                setup_minutes=minutes(op.setup_time),
                run_minutes_per_unit=fractional_minutes(op.run_time_per_unit),
                # Rounded towards the safe side: a minimum lag up, a maximum lag down.
                min_lag_minutes=minutes(op.min_lag),
                max_lag_minutes=minutes(op.max_lag, round_up=False) if op.HasField("max_lag") else None,
                transfer_batch_units=op.transfer_batch_units or None,
                recipe=op.recipe or None,
                batch_load_per_unit=op.batch_load_per_unit or 1.0,
                batch_min_minutes=minutes(op.batch_min_time) if op.HasField("batch_min_time") else None,
                batch_max_minutes=minutes(op.batch_max_time) if op.HasField("batch_max_time") else None,
                resources=[domain.ResourceNeed(resource_id=n.resource_id, quantity=n.quantity or 1,
                                               setup_only=n.setup_only, skill=n.skill or None)
                           for n in op.resources],
                materials=[domain.MaterialUse(material_id=u.material_id, quantity_per_unit=u.quantity_per_unit)
                           for u in op.materials],
                produces=[domain.MaterialOutput(material_id=u.material_id, quantity_per_unit=u.quantity_per_unit)
                          for u in op.produces],
                predecessors=[_predecessor(link, f"{path}.routing[{o}].predecessors[{k}]", problems)
                              for k, link in enumerate(op.predecessors)],
                may_pause=op.may_pause if op.HasField("may_pause") else None,  # unset: the machine's default
                modes=[_mode(mode) for mode in op.modes],
                lot_split=_lot_split(op.lot_split) if op.HasField("lot_split") else None,
                eligible_machines=[
                    domain.EligibleMachine(
                        machine_id=e.machine_id,
                        setup_minutes=minutes(e.setup_time) if e.HasField("setup_time") else None,
                        run_minutes_per_unit=(
                            fractional_minutes(e.run_time_per_unit) if e.HasField("run_time_per_unit") else None
                        ),
                    )
                    for e in op.eligible_machines
                ],
            )
            for o, op in enumerate(message.routing)
        ],
    )


def _mode(message: pb.OperationMode) -> domain.OperationMode:
    """An operation mode (`planner.scheduling.rules.modes`); an unset quantity of a need is 1, as on operations."""
    return domain.OperationMode(
        id=message.id, name=message.name, machine_id=message.machine_id, setup_minutes=minutes(message.setup_time),
        run_minutes_per_unit=fractional_minutes(message.run_time_per_unit),
        resources=[domain.ResourceNeed(resource_id=n.resource_id, quantity=n.quantity or 1, setup_only=n.setup_only)
                   for n in message.resources],
        materials=[domain.MaterialUse(material_id=u.material_id, quantity_per_unit=u.quantity_per_unit)
                   for u in message.materials],
    )


def _mode_to_proto(mode: domain.OperationMode) -> pb.OperationMode:
    return pb.OperationMode(
        id=mode.id, name=mode.name, machine_id=mode.machine_id, setup_time=to_duration(mode.setup_minutes),
        run_time_per_unit=to_duration(mode.run_minutes_per_unit),
        resources=[pb.ResourceNeed(resource_id=n.resource_id, quantity=n.quantity, setup_only=n.setup_only)
                   for n in mode.resources],
        materials=[pb.MaterialUse(material_id=u.material_id, quantity_per_unit=u.quantity_per_unit)
                   for u in mode.materials],
    )


def _lot_split(message: pb.LotSplit | pb.OrderLotSplit) -> domain.LotSplit:
    """A lot-split permission (`planner.scheduling.rules.lot_splitting`); an unset (0) minimum sub-lot is 1."""
    return domain.LotSplit(max_sublots=message.max_sublots, min_sublot_units=message.min_sublot_units or 1)


def _order_lot_split(message: pb.OrderLotSplit) -> domain.OrderLotSplit:
    return domain.OrderLotSplit(operation_id=message.operation_id, **_lot_split(message).model_dump())


def order_to_domain(message: pb.Order, start: datetime) -> domain.Order:
    # A release before plan start stays negative: the order is available from minute 0, and an
    # order that was due before plan start (already late) is still valid input.
    release = _offset(message.release_time, start) if message.HasField("release_time") else 0
    return domain.Order(
        id=message.id,
        product_id=message.product_id,
        quantity=message.quantity,
        release=release,
        due=_offset(message.due_time, start) if message.HasField("due_time") else release,
        weight=message.weight if message.weight != 0 else 1.0,
        customer=message.customer,
        work_in_progress=_work_in_progress(message.work_in_progress, start) if message.HasField("work_in_progress")
        else None,
        lot_splits=[_order_lot_split(split) for split in message.lot_splits],
    )


def _work_in_progress(message: pb.WorkInProgress, start: datetime) -> domain.WorkInProgress:
    running = message.running
    return domain.WorkInProgress(
        done_operation_ids=list(message.done_operation_ids),
        running=domain.RunningOperation(
            operation_id=running.operation_id, machine_id=running.machine_id,
            started=_offset(running.started, start) if running.HasField("started") else None,
            remaining_minutes=minutes(running.remaining),
        ) if message.HasField("running") else None,
    )


def _work_in_progress_to_proto(progress: domain.WorkInProgress,
                               stamp: Callable[[int], timestamp_pb2.Timestamp]) -> pb.WorkInProgress:
    message = pb.WorkInProgress(done_operation_ids=progress.done_operation_ids)
    running = progress.running
    if running is not None:
        message.running.CopyFrom(pb.RunningOperation(
            operation_id=running.operation_id, machine_id=running.machine_id,
            started=stamp(running.started) if running.started is not None else None,
            remaining=to_duration(running.remaining_minutes)))
    return message


def invalid_plan_request(error: InvalidPlanRequest) -> InvalidArgumentError:
    return InvalidArgumentError(to_field_violations(error.violations))


def plan_to_proto(request: domain.PlanRequest, result: PlanResult) -> pb.Plan:
    start = request.options.plan_start

    def stamp(minute: int) -> timestamp_pb2.Timestamp:
        return to_timestamp(start + timedelta(minutes=minute))

    plan = pb.Plan(
        status=_STATUS[result.status],
        plan_start=to_timestamp(start),
        horizon_end=stamp(request.options.horizon_minutes),
        infeasibility_reasons=result.infeasibility_reasons,
        statistics=_statistics(result),
    )
    for a in result.assignments:
        plan.assignments.add(
            order_id=a.order_id, product_id=a.product_id, operation_id=a.operation_id,
            operation_index=a.operation_index, machine_id=a.machine_id, start=stamp(a.start), end=stamp(a.end),
            quantity=a.quantity, setup_time=to_duration(a.setup_minutes), processed_quantity=a.processed_quantity,
            expected_scrap=a.expected_scrap, mode_id=a.mode_id,
            people=[pb.StaffAssignment(person_id=p.person_id, skill=p.skill) for p in a.people],
            sublot_index=a.sublot_index, sublot_count=a.sublot_count,
        )
    for r in result.order_results:
        plan.order_results.add(
            order_id=r.order_id, completion_time=stamp(r.completion), due_time=stamp(r.due),
            tardiness=to_duration(r.tardiness), on_time=r.on_time,
        )
    if result.kpis is not None:
        plan.kpis.CopyFrom(kpis_to_proto(result.kpis))
    for m in result.maintenance:
        plan.maintenance.add(machine_id=m.machine_id, start=stamp(m.start), end=stamp(m.end),
                             latest_start=stamp(m.latest_start), reason=m.reason)
    for e in result.late_orders:
        plan.late_orders.add(order_id=e.order_id, lateness=to_duration(e.minutes_late), reason_code=e.reason_code,
                             reason=e.reason, machine_id=e.machine_id, orders_ahead=e.orders_ahead, fix=e.fix,
                             fix_saves=to_duration(e.fix_saves_minutes), fixes=_fixes_to_proto(request, e.fixes),
                             fixes_dropped=e.fixes_dropped)
    for action in result.policy_actions:
        plan.policy_actions.add(policy=action.policy, machine_id=action.machine_id, product_id=action.product_id,
                                detail=action.detail)
    for effect in result.prediction_effects:
        plan.prediction_effects.add(ignored=effect.ignored, kpis_with=kpis_to_proto(effect.kpis_with),
                                    kpis_without=kpis_to_proto(effect.kpis_without), summary=effect.summary,
                                    moved_operations=effect.moved_operations)
    if result.lot_plan is not None:
        plan.lot_plan.CopyFrom(_lot_plan_to_proto(result.lot_plan, stamp))
    for use in result.predictions_used:
        plan.predictions_used.add(kind=use.kind, machine_id=use.machine_id, product_id=use.product_id,
                                  value=use.value, source=use.source, became=use.became)
    for b in result.bottlenecks:
        bottleneck = plan.bottlenecks.add(work_center=b.work_center, bucket=b.bucket,
                                          bucket_start=stamp(b.bucket_start), saves_per_hour=b.saves_per_hour,
                                          utilization=b.utilization, sentence=b.sentence)
        if b.extra_hour is not None:
            bottleneck.extra_hour.CopyFrom(_fixes_delta(request, b.extra_hour))
    for load in with_changeovers(request, loads_of(request, result.assignments)):
        plan.batch_loads.add(machine_id=load.machine_id, recipe=load.recipe, start=stamp(load.start),
                             end=stamp(load.end), order_ids=load.order_ids, load=load.load, capacity=load.capacity,
                             fill=load.fill, changeover_from_recipe=load.changeover_from or "",
                             changeover_time=to_duration(load.changeover_minutes),
                             changeover_cost=load.changeover_cost)
    for hold in holds_of(request, result.assignments):
        plan.resource_holds.add(resource_id=hold.resource_id, order_id=hold.order_id, operation_id=hold.operation_id,
                                start=stamp(hold.start), end=stamp(hold.end), quantity=hold.quantity,
                                setup_only=hold.setup_only)
    for change in die_changes(request, result.assignments):
        plan.die_changes.add(machine_id=change.machine_id, die_id=change.die_id, start=stamp(change.start),
                             end=stamp(change.end), order_id=change.order_id, operation_id=change.operation_id,
                             replaced_die_id=change.replaced_die_id or "")
    _materials_to_proto(request, result, plan, stamp)
    return plan


def _materials_to_proto(request: domain.PlanRequest, result: PlanResult, plan: pb.Plan,
                        stamp: Callable[[int], timestamp_pb2.Timestamp]) -> None:
    """Material waits and their total (a plan), or the shortages (an infeasible request)."""
    if not has_materials(request):
        return
    jobs = build_jobs(request)
    if result.kpis is not None:
        plan.material_wait_total.CopyFrom(to_duration(result.kpis.material_wait_minutes))
    for wait in material_waits(request, jobs, result.assignments):
        plan.material_waits.add(order_id=wait.order_id, operation_id=wait.operation_id,
                                operation_index=wait.operation_index, material_id=wait.material_id,
                                ready=stamp(wait.ready), available=stamp(wait.available), start=stamp(wait.start),
                                quantity=wait.quantity, wait=to_duration(wait.minutes))
    if result.status == SolveStatus.INFEASIBLE:
        for short in shortages(request, jobs):
            plan.material_shortages.add(material_id=short.material_id, needed=short.needed,
                                        available=short.available, shortfall=short.short,
                                        latest_arrival=stamp(short.latest_arrival))


def _fixes_delta(request: domain.PlanRequest, delta: ScenarioDelta) -> pb.ScenarioDelta:
    from service.scenario_mapping import delta_to_proto  # scenario_mapping imports this module: import late

    return delta_to_proto(delta, request)


def _fixes_to_proto(request: domain.PlanRequest, fixes: Sequence[Fix]) -> list[pb.Fix]:
    """A late order's typed fixes, their deltas in the API form CompareScenarios reads."""
    return [pb.Fix(kind=f.kind, text=f.text, changes=[_fixes_delta(request, d) for d in f.changes],
                   extra_working_time=to_duration(f.extra_working_minutes), moved=to_duration(f.moved_minutes),
                   order_lateness_before=to_duration(f.order_lateness_before),
                   order_lateness_after=to_duration(f.order_lateness_after),
                   weighted_lateness_before=f.weighted_lateness_before,
                   weighted_lateness_after=f.weighted_lateness_after, lateness_pushed=f.lateness_pushed,
                   verified=f.verified, whole_plan_verified=f.whole_plan_verified) for f in fixes]


def _lot_plan_to_proto(lots: LotPlan, stamp: Callable[[int], timestamp_pb2.Timestamp]) -> pb.LotPlan:
    return pb.LotPlan(
        status=_STATUS[lots.status], bucket=to_duration(lots.bucket_minutes), buckets=lots.buckets,
        objective=lots.objective, best_bound=lots.best_bound, gap=lots.gap,
        build_time=to_duration(lots.build_seconds / 60), solve_time=to_duration(lots.solve_seconds / 60),
        products=[pb.ProductLots(product_id=p.product_id, production=p.production, inventory=p.inventory,
                                 backlog=p.backlog) for p in lots.products],
        lots=[pb.Order(id=o.id, product_id=o.product_id, quantity=o.quantity, release_time=stamp(o.release),
                       due_time=stamp(o.due), weight=o.weight, customer=o.customer) for o in lots.lots],
        realisation_problems=lots.realisation_problems, reasons=lots.reasons,
    )


def kpis_to_proto(kpis: Kpis) -> pb.Kpis:
    return pb.Kpis(
        on_time_rate=kpis.on_time_rate,
        late_orders=kpis.late_orders,
        total_tardiness=to_duration(kpis.total_tardiness_minutes),
        weighted_tardiness_minutes=kpis.weighted_tardiness_minutes,
        makespan=to_duration(kpis.makespan_minutes),
        machine_utilization=[
            pb.MachineUtilization(
                machine_id=u.machine_id, utilization=u.utilization, busy_time=to_duration(u.busy_minutes),
                available_time=to_duration(u.available_minutes), operations=u.operations,
            )
            for u in kpis.machine_utilization
        ],
        fill_rate=kpis.fill_rate,
        processed_units=kpis.processed_units,
        expected_scrap_units=kpis.expected_scrap_units,
        expected_defect_rate=kpis.expected_defect_rate,
        risk_exposure_hours=kpis.risk_exposure_hours,
        changeover_time=to_duration(kpis.changeover_minutes),
        costs=pb.CostBreakdown(lateness=kpis.costs.lateness, scrap=kpis.costs.scrap,
                               risk_penalty=kpis.costs.risk_penalty, total=kpis.costs.total),
        average_batch_fill=kpis.average_batch_fill,
        die_changes=kpis.die_changes,
        die_change_time=to_duration(kpis.die_change_minutes),
        split_operations=kpis.split_operations,
        sublots=kpis.sublots,
        recipe_changeover_time=to_duration(kpis.recipe_changeover_minutes),
        recipe_changeovers=kpis.recipe_changeovers,
    )


def _statistics(result: PlanResult) -> pb.SolveStatistics:
    stats = result.stats

    def finite(value: float) -> float:
        return value if math.isfinite(value) else 0.0

    return pb.SolveStatistics(
        solver=stats.solver, solver_version=stats.solver_version, objective=finite(stats.objective),
        best_bound=finite(stats.best_bound), gap=finite(stats.gap),
        wall_time=to_duration(stats.wall_seconds / 60), time_limit=to_duration(stats.time_limit_seconds / 60),
        num_workers=stats.num_workers, random_seed=stats.random_seed, operations=stats.operations,
        alternatives=stats.alternatives, notes=stats.notes, phases=phases_to_proto(result.phases),
    )


def phases_to_proto(phases: Sequence[PhaseTiming]) -> list[pb.PhaseTime]:
    """Phases of a call (`planner.timings`) in the API's form: name, duration, start (UTC)."""
    converted = []
    for timing in phases:
        duration = duration_pb2.Duration()
        duration.FromNanoseconds(round(timing.seconds * 1e9))
        start = timestamp_pb2.Timestamp()
        start.FromNanoseconds(round(timing.start * 1e9))
        converted.append(pb.PhaseTime(name=timing.name, duration=duration, start=start))
    return converted


_DEFAULT_BATCH_RUN_COST = domain.PlanOptions.model_fields["batch_run_cost_per_minute"].default
"""Left unset in a request message where it is the default (examples stay as they were)."""


def plan_request_to_proto(request: domain.PlanRequest) -> pb.CreatePlanRequest:
    """The API form of a domain request (for the demo client, examples and stored requests)."""
    start = request.options.plan_start

    def stamp(minute: int) -> timestamp_pb2.Timestamp:
        return to_timestamp(start + timedelta(minutes=minute))

    factory = request.factory
    message = pb.CreatePlanRequest(
        request_id=request.request_id,
        factory=pb.Factory(
            name=factory.name,
            utc_offset=to_duration(factory.utc_offset_minutes),
            calendars=[
                pb.ShiftCalendar(
                    id=c.id,
                    shifts=[
                        pb.Shift(name=s.name, start=to_duration(s.start_minute), length=to_duration(s.length_minutes))
                        for s in c.shifts
                    ],
                    working_days=[d + 1 for d in c.working_days],  # type: ignore[misc]
                )
                for c in factory.calendars
            ],
            machines=[
                pb.Machine(
                    id=m.id, name=m.name, work_center=m.work_center, calendar_id=m.calendar_id or "",
                    maintenance_windows=[pb.TimeWindow(start=stamp(w.start), end=stamp(w.end), reason=w.reason)
                                         for w in m.maintenance_windows],
                    batch_capacity=m.batch_capacity or 0.0,
                    recipes=[pb.BatchRecipe(id=r.id, name=r.name, cycle_time=to_duration(r.cycle_minutes))
                             for r in m.recipes],
                    operations_may_pause=m.operations_may_pause,
                    mounted_die=m.mounted_die or "",
                    batch_min_load=m.batch_min_load,
                    recipe_changeovers=[pb.RecipeChangeover(from_recipe=c.from_recipe, to_recipe=c.to_recipe,
                                                            changeover_time=to_duration(c.minutes), cost=c.cost)
                                        for c in m.recipe_changeovers],
                    initial_recipe=m.initial_recipe or "",
                )
                for m in factory.machines
            ],
            products=[_product_to_proto(p) for p in factory.products],
        ),
        orders=[
            pb.Order(id=o.id, product_id=o.product_id, quantity=o.quantity, release_time=stamp(o.release),
                     due_time=stamp(o.due), weight=o.weight, customer=o.customer,
                     work_in_progress=_work_in_progress_to_proto(o.work_in_progress, stamp)
                     if o.work_in_progress is not None else None,
                     lot_splits=[pb.OrderLotSplit(operation_id=s.operation_id, max_sublots=s.max_sublots,
                                                  min_sublot_units=s.min_sublot_units) for s in o.lot_splits])
            for o in request.orders
        ],
        options=_options_to_proto(request.options),
        yields=[pb.YieldEstimate(product_id=y.product_id, machine_id=y.machine_id, yield_rate=y.yield_rate,
                                 source=y.source) for y in request.yields],
        machine_risks=[
            pb.MachineRisk(machine_id=r.machine_id, mean_time_to_repair=to_duration(r.repair_minutes), source=r.source,
                           curve=[pb.RiskPoint(time=stamp(p.minute), failure_probability=p.probability)
                                  for p in r.curve])
            for r in request.machine_risks
        ],
    )
    message.demand_forecasts.extend(
        pb.DemandForecast(product_id=f.product_id, bucket=f.bucket, source=f.source,
                          quantiles=[pb.QuantileValue(level=q.level, value=q.value) for q in f.quantiles])
        for f in request.demand_forecasts
    )
    message.sequence_rules.extend(sequence_rule_to_proto(r) for r in request.sequence_rules)
    message.factory.changeovers.extend(
        pb.FamilyChangeover(from_family=c.from_family, to_family=c.to_family, changeover_time=to_duration(c.minutes),
                            machine_id=c.machine_id or "")
        for c in factory.changeovers
    )
    message.factory.resources.extend(
        pb.Resource(id=r.id, name=r.name, capacity=r.capacity, calendar_id=r.calendar_id or "",
                    shift_capacities=[pb.ShiftCapacity(shift=s.shift, capacity=s.capacity) for s in r.shift_capacities],
                    skills=r.skills, mount_time=to_duration(r.mount_minutes) if r.mount_minutes else None)
        for r in factory.resources
    )
    message.factory.materials.extend(
        pb.Material(id=m.id, name=m.name, unit=m.unit, on_hand=m.on_hand,
                    receipts=[pb.MaterialReceipt(time=stamp(r.minute), quantity=r.quantity) for r in m.receipts])
        for m in factory.materials
    )
    return message


def _product_to_proto(product: domain.Product) -> pb.Product:
    return pb.Product(
        id=product.id, name=product.name, family=product.family, scrap_cost=product.scrap_cost,
        routing=[
            pb.Operation(
                id=op.id, name=op.name, setup_time=to_duration(op.setup_minutes),
                run_time_per_unit=to_duration(op.run_minutes_per_unit),
                min_lag=to_duration(op.min_lag_minutes) if op.min_lag_minutes else None,
                max_lag=to_duration(op.max_lag_minutes) if op.max_lag_minutes is not None else None,
                transfer_batch_units=op.transfer_batch_units or 0,
                recipe=op.recipe or "",
                batch_load_per_unit=op.batch_load_per_unit if op.batch_load_per_unit != 1.0 else 0.0,  # 0: unset
                batch_min_time=to_duration(op.batch_min_minutes) if op.batch_min_minutes is not None else None,
                batch_max_time=to_duration(op.batch_max_minutes) if op.batch_max_minutes is not None else None,
                resources=[pb.ResourceNeed(resource_id=n.resource_id, quantity=n.quantity, setup_only=n.setup_only,
                                           skill=n.skill or "") for n in op.resources],
                materials=[pb.MaterialUse(material_id=u.material_id, quantity_per_unit=u.quantity_per_unit)
                           for u in op.materials],
                produces=[pb.MaterialOutput(material_id=u.material_id, quantity_per_unit=u.quantity_per_unit)
                          for u in op.produces],
                predecessors=[_predecessor_to_proto(link) for link in op.predecessors],
                may_pause=op.may_pause,  # None leaves it unset
                modes=[_mode_to_proto(mode) for mode in op.modes],
                lot_split=pb.LotSplit(max_sublots=op.lot_split.max_sublots,
                                      min_sublot_units=op.lot_split.min_sublot_units) if op.lot_split else None,
                eligible_machines=[
                    pb.EligibleMachine(
                        machine_id=e.machine_id,
                        setup_time=to_duration(e.setup_minutes) if e.setup_minutes is not None else None,
                        run_time_per_unit=(
                            to_duration(e.run_minutes_per_unit) if e.run_minutes_per_unit is not None else None
                        ),
                    )
                    for e in op.eligible_machines
                ],
            )
            for op in product.routing
        ],
    )


def _options_to_proto(options: domain.PlanOptions) -> pb.PlanOptions:
    span = duration_pb2.Duration()
    span.FromTimedelta(timedelta(seconds=options.time_limit_seconds))
    return pb.PlanOptions(
        plan_start=to_timestamp(options.plan_start),
        horizon=to_duration(options.horizon_minutes),
        objective={domain.Objective.MAKESPAN: pb.OBJECTIVE_MAKESPAN,
                   domain.Objective.BATCH_COST: pb.OBJECTIVE_BATCH_COST}.get(options.objective,
                                                                            pb.OBJECTIVE_WEIGHTED_TARDINESS),
        time_limit=span,
        num_workers=options.num_workers,
        random_seed=options.random_seed,
        locale=options.locale,
        risk_policy=_RISK_POLICY_TO_PROTO[options.risk_policy],
        risk_alpha=options.risk_alpha,
        maintenance_threshold=options.maintenance_threshold,
        maintenance_duration=to_duration(options.maintenance_minutes),
        risk_penalty_weight=options.risk_penalty_weight,
        risk_bucket=to_duration(options.risk_bucket_minutes),
        max_expected_defect_rate=options.max_expected_defect_rate,
        late_cost_per_minute=options.late_cost_per_minute,
        skip_prediction_effects=not options.explain_predictions,
        lot_sizing=options.lot_sizing,
        lot_bucket=to_duration(options.lot_bucket_minutes),
        service_level=options.service_level,
        detailed_lot_buckets=options.detailed_lot_buckets,
        skip_lot_lead_times=not options.lot_lead_times,
        batch_run_cost_per_minute=(options.batch_run_cost_per_minute  # unset: the default
                                   if options.batch_run_cost_per_minute != _DEFAULT_BATCH_RUN_COST else None),
        late_order_cost=options.late_order_cost,
        holding_cost_per_unit=options.holding_cost_per_unit,
        setup_cost=options.setup_cost,
        # unset when off, so requests written before the option existed read the same
        verify_fixes_time=duration_pb2.Duration(seconds=int(options.verify_fixes_seconds), nanos=int(
            options.verify_fixes_seconds % 1 * 1e9)) if options.verify_fixes_seconds > 0 else None,
    )
