"""proto <-> domain for CompareScenarios and Replan: deltas and disruptions in, comparisons and re-plans out.

Like `service.mapping`, every problem is collected before anything is solved and raised as one
`InvalidArgumentError` with the API's field paths (`scenarios[1].deltas[0].machine_down.machine_id`).
The rules themselves live in `planner.replanning.scenarios` and `planner.replanning.replan`; this module only reads what
only the API can get wrong (an unset oneof, a missing timestamp, too many scenarios, duplicate names)
and converts timestamps to plan minutes (rounded down, like every timestamp of the API).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from google.protobuf import timestamp_pb2

from planner import domain
from planner.demo_factory import demo_machine_risks, demo_request
from planner.kpis import compute_kpis, order_results
from planner.replanning.replan import (
    Disruption,
    DueDateChange,
    MachineBreakdown,
    ReplanResult,
    RushOrder,
    ScrappedLot,
    apply_disruptions,
    disruption_violations,
)
from planner.replanning.scenarios import (
    AddOrder,
    AssignMachine,
    CancelOrder,
    ChangeDueDate,
    ChangeQuantity,
    ChangeRelease,
    ChangeWeight,
    DemandScale,
    ExtraWorkingTime,
    MachineDown,
    MoveMaintenance,
    ResourceCapacityChange,
    RunBefore,
    ScenarioDelta,
    SetRiskPolicy,
    SplitLot,
    YieldOverride,
    apply_deltas,
    compare_all,
)
from planner.solution import PlanResult, ScheduledOperation, StaffAssignment
from planner.status import SolveStatus
from planner.validation import InvalidPlanRequest
from prodplan.v1 import planning_service_pb2 as pb
from service.errors import FieldViolation, InvalidArgumentError
from service.mapping import (
    minutes,
    plan_request_to_proto,
    plan_to_proto,
    sequence_rule_to_domain,
    sequence_rule_to_proto,
    to_datetime,
    to_duration,
    to_timestamp,
)
from service.mapping import to_field_violations as _api_violations
from service.settings import Settings

MAX_SCENARIOS = 16
MAX_DELTAS = 200
"""Most changes in one scenario (each is applied to a copy of the base request)."""
BASE_NAME = "base"
DEFAULT_MOVE_COST = 5.0
DEFAULT_MACHINE_CHANGE_COST = 30.0

_RISK_POLICIES = {
    pb.RISK_POLICY_UNSPECIFIED: domain.RiskPolicy.NONE,
    pb.RISK_POLICY_EXPECTED_CAPACITY: domain.RiskPolicy.EXPECTED_CAPACITY,
    pb.RISK_POLICY_CHANCE_RESERVE: domain.RiskPolicy.CHANCE_RESERVE,
    pb.RISK_POLICY_PREVENTIVE_MAINTENANCE: domain.RiskPolicy.PREVENTIVE_MAINTENANCE,
    pb.RISK_POLICY_RISK_PENALTY: domain.RiskPolicy.RISK_PENALTY,
}
_STATUSES = {
    pb.PLAN_STATUS_OPTIMAL: SolveStatus.OPTIMAL,
    pb.PLAN_STATUS_FEASIBLE: SolveStatus.FEASIBLE,
    pb.PLAN_STATUS_INFEASIBLE: SolveStatus.INFEASIBLE,
    pb.PLAN_STATUS_NO_SOLUTION_IN_TIME: SolveStatus.NO_SOLUTION_IN_TIME,
}


def _minute(stamp: timestamp_pb2.Timestamp, request: domain.PlanRequest) -> int:
    """Minutes from the plan start, rounded down."""
    return math.floor((to_datetime(stamp) - request.options.plan_start).total_seconds() / 60 + 1e-9)


def _stamp(minute: int, request: domain.PlanRequest) -> timestamp_pb2.Timestamp:
    return to_timestamp(request.options.plan_start + timedelta(minutes=minute))


def _order(message: pb.Order, request: domain.PlanRequest, path: str,
           problems: list[FieldViolation]) -> domain.Order | None:
    """An order of a delta or disruption (release unset: at plan start; due time required)."""
    if not message.HasField("due_time"):
        problems.append(FieldViolation(f"{path}.due_time", "is required"))
        return None
    return domain.Order(
        id=message.id, product_id=message.product_id, quantity=message.quantity,
        release=_minute(message.release_time, request) if message.HasField("release_time") else 0,
        due=_minute(message.due_time, request), weight=message.weight if message.weight != 0 else 1.0,
        customer=message.customer,
    )


def _window(message: pb.TimeWindow, request: domain.PlanRequest, path: str,
            problems: list[FieldViolation]) -> domain.TimeWindow | None:
    if not (message.HasField("start") and message.HasField("end")):
        problems.append(FieldViolation(path, "start and end are required"))
        return None
    return domain.TimeWindow(start=_minute(message.start, request), end=_minute(message.end, request),
                             reason=message.reason)


# --- CompareScenarios -------------------------------------------------------------------------------

def scenarios_from_proto(message: pb.CompareScenariosRequest,
                         base: domain.PlanRequest) -> list[tuple[str, domain.PlanRequest]]:
    """Each scenario's name and request (the base with its deltas applied), in request order.

    `base` is `message.base` already mapped and validated (`service.mapping.plan_request_to_domain`).
    Raises InvalidArgumentError listing every problem of every scenario."""
    problems = _scenario_list_violations(message.scenarios)
    if len(message.scenarios) > MAX_SCENARIOS or any(len(s.deltas) > MAX_DELTAS for s in message.scenarios):
        raise InvalidArgumentError(problems, "the scenarios are invalid")  # bounds first: build nothing
    built: list[tuple[str, domain.PlanRequest]] = []
    for s_index, scenario in enumerate(message.scenarios):
        path = f"scenarios[{s_index}].deltas"
        deltas = [_delta(d, base, f"{path}[{d_index}]", problems) for d_index, d in enumerate(scenario.deltas)]
        try:
            built.append((scenario.name, apply_deltas(base, deltas, path=path)))
        except InvalidPlanRequest as error:
            problems += _api_violations(error.violations)
    if problems:
        raise InvalidArgumentError(problems, "the scenarios are invalid")
    return built


def _scenario_list_violations(scenarios: Sequence[pb.Scenario]) -> list[FieldViolation]:
    problems = []
    if not scenarios:
        problems.append(FieldViolation("scenarios", "at least one scenario is required"))
    if len(scenarios) > MAX_SCENARIOS:
        problems.append(FieldViolation("scenarios", f"at most {MAX_SCENARIOS} scenarios per request "
                                                    f"(got {len(scenarios)})"))
    seen: set[str] = set()
    for index, scenario in enumerate(scenarios):
        path = f"scenarios[{index}].name"
        if not scenario.name.strip():
            problems.append(FieldViolation(path, "must not be empty"))
        elif scenario.name == BASE_NAME:
            problems.append(FieldViolation(path, f"'{BASE_NAME}' is the name of the base case"))
        elif scenario.name in seen:
            problems.append(FieldViolation(path, f"duplicate scenario name '{scenario.name}'"))
        if len(scenario.deltas) > MAX_DELTAS:
            problems.append(FieldViolation(f"scenarios[{index}].deltas", f"at most {MAX_DELTAS} deltas per scenario "
                                                                         f"(got {len(scenario.deltas)})"))
        seen.add(scenario.name)
    return problems


def _delta(message: pb.ScenarioDelta, base: domain.PlanRequest, path: str,
           problems: list[FieldViolation]) -> ScenarioDelta | None:
    """The domain delta, or None (with the problem recorded) when the message cannot be read."""
    kind = message.WhichOneof("delta")
    here = f"{path}.{kind}"
    if kind is None:
        problems.append(FieldViolation(path, "a delta must set one change"))
        return None
    if kind == "add_order":
        order = _order(message.add_order, base, here, problems)
        return AddOrder(order=order) if order is not None else None
    if kind == "cancel_order_id":
        return CancelOrder(order_id=message.cancel_order_id)
    if kind == "change_quantity":
        return ChangeQuantity(order_id=message.change_quantity.order_id, quantity=message.change_quantity.quantity)
    if kind == "change_due_date":
        if not message.change_due_date.HasField("new_due_time"):
            problems.append(FieldViolation(f"{here}.new_due_time", "is required"))
            return None
        return ChangeDueDate(order_id=message.change_due_date.order_id,
                             due=_minute(message.change_due_date.new_due_time, base))
    if kind == "change_release":
        if not message.change_release.HasField("new_release_time"):
            problems.append(FieldViolation(f"{here}.new_release_time", "is required"))
            return None
        return ChangeRelease(order_id=message.change_release.order_id,
                             release=_minute(message.change_release.new_release_time, base))
    if kind == "assign_machine":
        assign = message.assign_machine
        return AssignMachine(order_id=assign.order_id, operation_id=assign.operation_id, machine_id=assign.machine_id)
    if kind == "run_before":
        rule = sequence_rule_to_domain(message.run_before)
        return RunBefore(**rule.model_dump())
    if kind == "split_lot":
        split = message.split_lot
        return SplitLot(order_id=split.order_id, operation_id=split.operation_id, max_sublots=split.max_sublots,
                        min_sublot_units=split.min_sublot_units or 1)  # unset (0): 1, as on operations
    if kind == "change_weight":
        return ChangeWeight(order_id=message.change_weight.order_id, weight=message.change_weight.weight)
    if kind == "move_maintenance":
        move = message.move_maintenance
        missing = [name for name in ("window_start", "new_start") if not move.HasField(name)]
        problems += [FieldViolation(f"{here}.{name}", "is required") for name in missing]
        if missing:
            return None
        return MoveMaintenance(machine_id=move.machine_id, window_start=_minute(move.window_start, base),
                               new_start=_minute(move.new_start, base))
    return _machine_or_option_delta(message, kind, base, here, problems)


def _machine_or_option_delta(message: pb.ScenarioDelta, kind: str, base: domain.PlanRequest, path: str,
                             problems: list[FieldViolation]) -> ScenarioDelta | None:
    if kind in ("machine_down", "extra_working_time"):
        change = message.machine_down if kind == "machine_down" else message.extra_working_time
        window = _window(change.window, base, f"{path}.window", problems)
        if window is None:
            return None
        if kind == "machine_down":
            return MachineDown(machine_id=change.machine_id, window=window)
        return ExtraWorkingTime(machine_id=change.machine_id, window=window)
    if kind == "extra_resource_capacity":
        more = message.extra_resource_capacity
        window = _window(more.window, base, f"{path}.window", problems)
        if window is None:
            return None
        return ResourceCapacityChange(resource_id=more.resource_id, window=window, extra_units=more.extra_units)
    if kind == "demand_scale":
        return DemandScale(product_id=message.demand_scale.product_id or None, factor=message.demand_scale.factor)
    if kind == "risk_policy":
        policy = _RISK_POLICIES.get(message.risk_policy)
        if policy is None:
            problems.append(FieldViolation(path, f"unknown risk policy {message.risk_policy}"))
            return None
        return SetRiskPolicy(risk_policy=policy)
    estimate = message.yield_override
    return YieldOverride(estimate=domain.YieldEstimate(
        product_id=estimate.product_id, machine_id=estimate.machine_id, yield_rate=estimate.yield_rate,
        source=estimate.source or "scenario"))


def delta_to_proto(delta: ScenarioDelta, request: domain.PlanRequest) -> pb.ScenarioDelta:
    """The API form of a domain delta (the inverse of reading one), e.g. a late order's fix."""
    def window(value: domain.TimeWindow) -> pb.TimeWindow:
        return pb.TimeWindow(start=_stamp(value.start, request), end=_stamp(value.end, request), reason=value.reason)

    match delta:
        case SplitLot():
            return pb.ScenarioDelta(split_lot=pb.SplitLot(
                order_id=delta.order_id, operation_id=delta.operation_id, max_sublots=delta.max_sublots,
                min_sublot_units=delta.min_sublot_units))
        case RunBefore():
            return pb.ScenarioDelta(run_before=sequence_rule_to_proto(delta.rule()))
        case AssignMachine():
            return pb.ScenarioDelta(assign_machine=pb.MachineAssignment(
                order_id=delta.order_id, operation_id=delta.operation_id, machine_id=delta.machine_id))
        case ChangeWeight():
            return pb.ScenarioDelta(change_weight=pb.WeightChange(order_id=delta.order_id, weight=delta.weight))
        case ChangeRelease():
            return pb.ScenarioDelta(change_release=pb.ReleaseChange(
                order_id=delta.order_id, new_release_time=_stamp(delta.release, request)))
        case ChangeDueDate():
            return pb.ScenarioDelta(change_due_date=pb.DueDateChange(
                order_id=delta.order_id, new_due_time=_stamp(delta.due, request)))
        case MoveMaintenance():
            return pb.ScenarioDelta(move_maintenance=pb.MaintenanceMove(
                machine_id=delta.machine_id, window_start=_stamp(delta.window_start, request),
                new_start=_stamp(delta.new_start, request)))
        case ExtraWorkingTime():
            return pb.ScenarioDelta(extra_working_time=pb.ExtraWorkingTime(
                machine_id=delta.machine_id, window=window(delta.window)))
        case ResourceCapacityChange():
            return pb.ScenarioDelta(extra_resource_capacity=pb.ResourceCapacityChange(
                resource_id=delta.resource_id, window=window(delta.window), extra_units=delta.extra_units))
        case MachineDown():
            return pb.ScenarioDelta(machine_down=pb.MachineDown(machine_id=delta.machine_id,
                                                                window=window(delta.window)))
        case CancelOrder():
            return pb.ScenarioDelta(cancel_order_id=delta.order_id)
        case ChangeQuantity():
            return pb.ScenarioDelta(change_quantity=pb.QuantityChange(order_id=delta.order_id,
                                                                      quantity=delta.quantity))
        case DemandScale():
            return pb.ScenarioDelta(demand_scale=pb.DemandScale(product_id=delta.product_id or "",
                                                                factor=delta.factor))
        case SetRiskPolicy():
            policy = next(k for k, v in _RISK_POLICIES.items() if v == delta.risk_policy)
            return pb.ScenarioDelta(risk_policy=policy)
        case YieldOverride():
            estimate = delta.estimate
            return pb.ScenarioDelta(yield_override=pb.YieldEstimate(
                product_id=estimate.product_id, machine_id=estimate.machine_id, yield_rate=estimate.yield_rate,
                source=estimate.source))
        case AddOrder():
            order = delta.order
            return pb.ScenarioDelta(add_order=pb.Order(
                id=order.id, product_id=order.product_id, quantity=order.quantity,
                release_time=_stamp(order.release, request), due_time=_stamp(order.due, request),
                weight=order.weight, customer=order.customer))
    raise TypeError(f"no API form for delta {delta!r}")


def comparison_to_proto(comparison_id: str, base_request: domain.PlanRequest, base_plan: PlanResult,
                        scenarios: Sequence[tuple[str, domain.PlanRequest, PlanResult]]) -> pb.CompareScenariosResponse:
    """The base first (its plan is stored under `comparison_id`, so it is left out here), then each
    scenario in request order with its plan and what changed against the base."""
    response = pb.CompareScenariosResponse(comparison_id=comparison_id)
    plans = [(base_request, base_plan)] + [(request, plan) for _, request, plan in scenarios]
    for index, (comparison, (request, plan)) in enumerate(
            zip(compare_all(base_request, base_plan, scenarios), plans, strict=True)):
        proto_plan = plan_to_proto(request, plan)
        result = response.results.add(
            name=comparison.name, status=proto_plan.status, bottleneck_machine_id=comparison.bottleneck_machine_id,
            bottleneck_utilization=comparison.bottleneck_utilization,
            orders_became_late=comparison.orders_became_late, orders_became_on_time=comparison.orders_became_on_time,
            load_changes=[pb.MachineLoadChange(machine_id=c.machine_id, busy_time_change=to_duration(
                c.busy_minutes_change)) for c in comparison.load_changes],
            infeasibility_reasons=comparison.infeasibility_reasons,
            lot_changes=[pb.LotChange(product_id=c.product_id, bucket=c.bucket, production_change=c.production_change)
                         for c in comparison.lot_changes],
        )
        if proto_plan.HasField("kpis"):
            result.kpis.CopyFrom(proto_plan.kpis)
        if index > 0:
            result.plan.CopyFrom(proto_plan)
    return response


# --- Replan -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplanInput:
    """Everything `planner.replan.replan` needs besides the released plan."""

    request: domain.PlanRequest
    """The stored request, with the re-plan's time limit."""
    disruptions: list[Disruption]
    replan_at: int
    frozen_minutes: int
    move_cost: float
    machine_change_cost: float


def disruptions_from_proto(message: pb.ReplanRequest, stored: domain.PlanRequest,
                           settings: Settings | None = None) -> ReplanInput:
    """Read and check the disruptions against the stored request; raises InvalidArgumentError with
    every problem (unknown machine or order, repair before breakdown, a missing time, ...).

    The re-plan time defaults to the earliest breakdown; without a breakdown it is required. Costs
    of 0 mean the API's defaults (5 and 30); the time limit defaults to the stored request's and is
    capped by the server maximum when `settings` are given."""
    problems: list[FieldViolation] = []
    read = [_disruption(m, stored, f"disruptions[{i}]", problems) for i, m in enumerate(message.disruptions)]
    disruptions = [d for d in read if d is not None]
    replan_at = _replan_time(message, stored, disruptions, problems)
    frozen = minutes(message.frozen_window) if message.HasField("frozen_window") else 0
    move_cost = message.move_cost if message.move_cost != 0 else DEFAULT_MOVE_COST
    change_cost = message.machine_change_cost if message.machine_change_cost != 0 else DEFAULT_MACHINE_CHANGE_COST
    request = _with_time_limit(message, stored, settings, problems)
    problems += _api_violations(disruption_violations(stored, read, replan_at, frozen, move_cost, change_cost))
    if not problems:
        try:
            apply_disruptions(stored, disruptions, replan_at)
        except InvalidPlanRequest as error:
            problems += _api_violations(error.violations)
    if problems:
        raise InvalidArgumentError(problems, "the re-plan request is invalid")
    return ReplanInput(request, disruptions, replan_at, frozen, move_cost, change_cost)


def _disruption(message: pb.Disruption, stored: domain.PlanRequest, path: str,
                problems: list[FieldViolation]) -> Disruption | None:
    """The domain disruption, or None (with the problem recorded) when the message cannot be read."""
    kind = message.WhichOneof("event")
    here = f"{path}.{kind}"
    if kind is None:
        problems.append(FieldViolation(path, "a disruption must set one event"))
        return None
    if kind == "machine_breakdown":
        breakdown = message.machine_breakdown
        if not breakdown.HasField("start"):
            problems.append(FieldViolation(f"{here}.start", "is required"))
            return None
        repair_end = _minute(breakdown.expected_repair_end, stored) if breakdown.HasField(
            "expected_repair_end") else None
        return MachineBreakdown(machine_id=breakdown.machine_id, start=_minute(breakdown.start, stored),
                                repair_end=repair_end)
    if kind == "rush_order":
        order = _order(message.rush_order, stored, here, problems)
        return RushOrder(order=order) if order is not None else None
    if kind == "scrapped_lot":
        return ScrappedLot(order_id=message.scrapped_lot.order_id,
                           scrapped_quantity=message.scrapped_lot.scrapped_quantity)
    if not message.due_date_change.HasField("new_due_time"):
        problems.append(FieldViolation(f"{here}.new_due_time", "is required"))
        return None
    return DueDateChange(order_id=message.due_date_change.order_id,
                         due=_minute(message.due_date_change.new_due_time, stored))


def _replan_time(message: pb.ReplanRequest, stored: domain.PlanRequest, disruptions: Sequence[Disruption],
                 problems: list[FieldViolation]) -> int:
    if message.HasField("replan_time"):
        return _minute(message.replan_time, stored)
    starts = [d.start for d in disruptions if isinstance(d, MachineBreakdown)]
    if not starts:
        problems.append(FieldViolation("replan_time", "is required when no machine breakdown gives the time"))
        return 0
    return min(starts)


def _with_time_limit(message: pb.ReplanRequest, stored: domain.PlanRequest, settings: Settings | None,
                     problems: list[FieldViolation]) -> domain.PlanRequest:
    if not message.HasField("time_limit"):
        return stored
    seconds = message.time_limit.seconds + message.time_limit.nanos / 1e9
    if seconds <= 0:
        problems.append(FieldViolation("time_limit", "must be more than 0"))
        return stored
    if settings is not None:
        seconds = min(seconds, settings.max_time_limit_s)
    return stored.model_copy(update={"options": stored.options.model_copy(update={"time_limit_seconds": seconds})})


def released_plan_from_proto(plan: pb.Plan, request: domain.PlanRequest) -> PlanResult:
    """A stored plan back in domain form (schedule, per-order results and KPIs recomputed from it)."""
    assignments = [
        ScheduledOperation(
            order_id=a.order_id, product_id=a.product_id, operation_id=a.operation_id,
            operation_index=a.operation_index, machine_id=a.machine_id, start=_minute(a.start, request),
            end=_minute(a.end, request), quantity=a.quantity, setup_minutes=minutes(a.setup_time),
            processed_quantity=a.processed_quantity, expected_scrap=a.expected_scrap,
            people=[StaffAssignment(person_id=p.person_id, skill=p.skill) for p in a.people],
            sublot_index=a.sublot_index, sublot_count=a.sublot_count or 1, mode_id=a.mode_id,
        )
        for a in plan.assignments
    ]
    status = _STATUSES.get(plan.status, SolveStatus.ERROR)
    if not status.has_solution:
        return PlanResult(status=status, infeasibility_reasons=list(plan.infeasibility_reasons))
    return PlanResult(status=status, assignments=assignments, order_results=order_results(request, assignments),
                      kpis=compute_kpis(request, assignments))


def replan_to_proto(plan_id: str, parent_plan_id: str, result: ReplanResult) -> pb.ReplanResponse:
    request = result.request
    response = pb.ReplanResponse(plan_id=plan_id, parent_plan_id=parent_plan_id,
                                 plan=plan_to_proto(request, result.plan),
                                 unchanged_operations=result.unchanged, summary=result.summary)
    for change in result.changes:
        entry = response.changes.add(
            order_id=change.order_id, operation_id=change.operation_id, operation_index=change.operation_index,
            change=change.change, old_machine_id=change.old_machine_id, new_machine_id=change.new_machine_id,
            reason=change.reason)
        _set_starts(entry, change.old_start, change.new_start, request)
    for maintenance in result.maintenance_changes:
        task = response.maintenance_changes.add(machine_id=maintenance.machine_id, change=maintenance.change,
                                                reason=maintenance.reason)
        _set_starts(task, maintenance.old_start, maintenance.new_start, request)
    return response


def _set_starts(entry: pb.PlanChange | pb.MaintenanceChange, old_start: int | None, new_start: int | None,
                request: domain.PlanRequest) -> None:
    """A change's old and new start as timestamps; each left unset where there is none (ADDED, REMOVED)."""
    if old_start is not None:
        entry.old_start.CopyFrom(_stamp(old_start, request))
    if new_start is not None:
        entry.new_start.CopyFrom(_stamp(new_start, request))


# --- example ------------------------------------------------------------------------------------------

DAY = 24 * 60


def compare_scenarios_example() -> pb.CompareScenariosRequest:
    """The demo plant (risk-blind) against a rush order, CNC-2 down for a shift, demand +20 %, Saturday
    overtime on CNC-2, and risk-aware planning (chance reserve and preventive maintenance)."""
    request = demo_request(time_limit_seconds=3.0).model_copy(update={"machine_risks": demo_machine_risks()})
    base = plan_request_to_proto(request)
    base.request_id = "demo-compare-base"
    base.options.risk_alpha = 0.95  # used by the risk-aware scenarios; the base itself is risk-blind

    def window(start: int, end: int, reason: str) -> pb.TimeWindow:
        return pb.TimeWindow(start=_stamp(start, request), end=_stamp(end, request), reason=reason)

    rush = pb.Order(id="SO-99001", product_id="MH-800", quantity=60, release_time=_stamp(DAY, request),
                    due_time=_stamp(3 * DAY + 16 * 60, request), weight=3.0, customer="Hyundai Mobis")
    # Plan minute 0 is Monday 06:00 local; day d's early shift is [d x DAY, d x DAY + 8 h).
    return pb.CompareScenariosRequest(request_id="demo-compare", base=base, scenarios=[
        pb.Scenario(name="rush order", description="Hyundai Mobis calls off 60 motor housings 800 V for Thursday.",
                    deltas=[pb.ScenarioDelta(add_order=rush)]),
        pb.Scenario(name="CNC-2 down for a shift", description="Unplanned spindle repair, Wednesday early shift.",
                    deltas=[pb.ScenarioDelta(machine_down=pb.MachineDown(machine_id="CNC-2", window=window(
                        2 * DAY, 2 * DAY + 8 * 60, "unplanned spindle repair")))]),
        pb.Scenario(name="demand +20%", description="Every order 20 % larger (rounded up).",
                    deltas=[pb.ScenarioDelta(demand_scale=pb.DemandScale(factor=1.2))]),
        pb.Scenario(name="Saturday overtime on CNC-2", description="An early shift on CNC-2 on Saturday.",
                    deltas=[pb.ScenarioDelta(extra_working_time=pb.ExtraWorkingTime(machine_id="CNC-2", window=window(
                        5 * DAY, 5 * DAY + 8 * 60, "Saturday overtime")))]),
        pb.Scenario(name="risk-aware: chance reserve", description="Hold back time on risky machines (alpha 0.9).",
                    deltas=[pb.ScenarioDelta(risk_policy=pb.RISK_POLICY_CHANCE_RESERVE)]),
        pb.Scenario(name="risk-aware: preventive maintenance",
                    description="Service CNC-2 before its failure risk reaches 30 %.",
                    deltas=[pb.ScenarioDelta(risk_policy=pb.RISK_POLICY_PREVENTIVE_MAINTENANCE)]),
    ])
