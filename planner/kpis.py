"""KPIs of a schedule, computed from the schedule and the request alone (no solver values)."""

from __future__ import annotations

from planner.calendar import availability_by_machine
from planner.domain import PlanRequest
from planner.solution import Kpis, MachineUtilization, OrderResult, ScheduledOperation


def order_results(request: PlanRequest, assignments: list[ScheduledOperation]) -> list[OrderResult]:
    """Completion and tardiness per order, in request order (orders without operations are skipped)."""
    completion: dict[str, int] = {}
    for placed in assignments:
        completion[placed.order_id] = max(completion.get(placed.order_id, placed.end), placed.end)
    return [
        OrderResult(
            order_id=order.id,
            completion=completion[order.id],
            due=order.due,
            tardiness=max(0, completion[order.id] - order.due),
        )
        for order in request.orders
        if order.id in completion
    ]


def compute_kpis(request: PlanRequest, assignments: list[ScheduledOperation]) -> Kpis:
    results = order_results(request, assignments)
    weights = {o.id: o.weight for o in request.orders}
    makespan = max((a.end for a in assignments), default=0)
    late = [r for r in results if not r.on_time]
    return Kpis(
        on_time_rate=(len(results) - len(late)) / len(results) if results else 1.0,
        late_orders=len(late),
        total_tardiness_minutes=sum(r.tardiness for r in results),
        weighted_tardiness_minutes=sum(weights[r.order_id] * r.tardiness for r in results),
        makespan_minutes=makespan,
        machine_utilization=_utilization(request, assignments, makespan),
    )


def _utilization(
    request: PlanRequest, assignments: list[ScheduledOperation], makespan: int
) -> list[MachineUtilization]:
    available = availability_by_machine(request)
    busy: dict[str, int] = {m.id: 0 for m in request.factory.machines}
    count: dict[str, int] = {m.id: 0 for m in request.factory.machines}
    for placed in assignments:
        busy[placed.machine_id] += placed.end - placed.start
        count[placed.machine_id] += 1
    return [
        MachineUtilization(
            machine_id=machine.id,
            busy_minutes=busy[machine.id],
            available_minutes=sum(max(0, min(e, makespan) - s) for s, e in available[machine.id] if s < makespan),
            operations=count[machine.id],
        )
        for machine in request.factory.machines
    ]
