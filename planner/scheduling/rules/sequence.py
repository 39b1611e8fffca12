"""Sequence rules (`PlanRequest.sequence_rules`): one order's operation before another's on a machine.

A rule `SequenceRule(machine_id, before_order_id, before_operation_id, after_order_id, after_operation_id)`
says: when both operations run on that machine, the later one starts only once the earlier one has ended.
Where either runs elsewhere (an operation with several eligible machines), the rule does not bind. It is
how a planner writes an agreed sequence into the request ("run SO-1's milling before SO-2's on CNC-2"), and
how a re-sequencing fix (`planner.explanations.fixes`, kind SEQUENCE) is written so that it holds when the plan is
solved again from scratch: a weight is a preference the solver may trade away, a rule is not.

A rule is void once it cannot matter any more: its earlier operation is done (work in progress), or its
later one is done or running at plan start (it started already, nothing can go before it).

Validation (`sequence_violations`) rejects an unknown machine or order, an operation the order's product
does not have, a machine not eligible for the operation, an order before itself, and rules that form a
cycle together with the routings (A before B on M1, B's next operation before A's earlier one on M2),
naming the members on the last rule of the cycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import Order, PlanRequest, Product, SequenceRule
from planner.scheduling.rules.precedence import is_graph

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.tasks import Job
    from planner.solution import ScheduledOperation

Node = tuple[str, str]
"""(order id, operation id)."""


def has_sequence_rules(request: PlanRequest) -> bool:
    return bool(request.sequence_rules)


def is_void(request: PlanRequest, rule: SequenceRule) -> bool:
    """True when the rule cannot bind any more: its earlier operation is done, or its later one is done or
    running at plan start."""
    orders = {o.id: o for o in request.orders}
    before, after = orders.get(rule.before_order_id), orders.get(rule.after_order_id)
    if before is None or after is None:
        return True
    if before.work_in_progress is not None and rule.before_operation_id in before.work_in_progress.done_operation_ids:
        return True
    progress = after.work_in_progress
    return progress is not None and (rule.after_operation_id in progress.done_operation_ids or (
        progress.running is not None and progress.running.operation_id == rule.after_operation_id))


def sequence_rules(model: cp_model.CpModel, request: PlanRequest, tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: where both operations of a rule run on its machine, the later starts after the earlier ends.

    The plant agreed this sequence (a customer's priority, a die that stays mounted, a fix the planner
    accepted); the solver may not trade it away for a better objective. It binds only on that machine:
    the literals of both operations running there enforce it."""
    by_operation = {(v.task.order_id, v.task.operation_id): v for job in tasks for v in job}
    for rule in request.sequence_rules:
        before = by_operation.get((rule.before_order_id, rule.before_operation_id))
        after = by_operation.get((rule.after_order_id, rule.after_operation_id))
        if before is None or after is None or is_void(request, rule):
            continue
        on_before, on_after = before.presence.get(rule.machine_id), after.presence.get(rule.machine_id)
        if on_before is None or on_after is None:
            continue
        enforced = [literal for literal in (on_before, on_after) if literal is not True]
        constraint = model.add(after.start >= before.end)
        if enforced:
            constraint.only_enforce_if(enforced)


def sequence_problems(request: PlanRequest, assignments: Sequence[ScheduledOperation]) -> list[str]:
    """Every sequence rule the schedule breaks, in plain words (the solver-independent check)."""
    placed = {(a.order_id, a.operation_id): a for a in assignments}
    problems = []
    for rule in request.sequence_rules:
        before = placed.get((rule.before_order_id, rule.before_operation_id))
        after = placed.get((rule.after_order_id, rule.after_operation_id))
        if before is None or after is None or is_void(request, rule):
            continue
        if before.machine_id == after.machine_id == rule.machine_id and after.start < before.end:
            problems.append(f"{rule.after_order_id} ({rule.after_operation_id}) starts at {after.start} on "
                            f"{rule.machine_id}, before {rule.before_order_id} ({rule.before_operation_id}) ends "
                            f"at {before.end} (sequence rule)")
    return problems


# --- validation -----------------------------------------------------------------------------------

def sequence_violations(request: PlanRequest, path: str = "sequence_rules") -> list[tuple[str, str]]:
    """(field, reason) for every rule that names what the request does not have, or that cannot hold."""
    orders = {o.id: o for o in request.orders}
    products = {p.id: p for p in request.factory.products}
    machines = {m.id for m in request.factory.machines}
    found: list[tuple[str, str]] = []
    for index, rule in enumerate(request.sequence_rules):
        here = f"{path}[{index}]"
        if rule.machine_id not in machines:
            found.append((f"{here}.machine_id", f"unknown machine '{rule.machine_id}'"))
        for side in ("before", "after"):
            order = orders.get(getattr(rule, f"{side}_order_id"))
            if order is None:
                found.append((f"{here}.{side}_order_id", f"unknown order '{getattr(rule, f'{side}_order_id')}'"))
                continue
            found += _operation_violations(rule, side, order, products, machines, here)
        if rule.before_order_id == rule.after_order_id and rule.before_order_id in orders:
            found.append((f"{here}.after_order_id", "an order cannot run before itself: a rule links two orders "
                                                    "(the routing orders the operations of one order)"))
    if not found:
        found += _cycle_violations(request, path)
    return found


def _operation_violations(rule: SequenceRule, side: str, order: Order, products: Mapping[str, Product],
                          machines: set[str], here: str) -> list[tuple[str, str]]:
    operation_id = getattr(rule, f"{side}_operation_id")
    product = products.get(order.product_id)
    if product is None:
        return []  # the order's own violation names its product
    operation = next((op for op in product.routing if op.id == operation_id), None)
    if operation is None:
        return [(f"{here}.{side}_operation_id", f"product '{product.id}' of order '{order.id}' has no operation "
                                                f"'{operation_id}'")]
    if rule.machine_id in machines and all(e.machine_id != rule.machine_id for e in operation.eligible_machines):
        return [(f"{here}.machine_id", f"machine '{rule.machine_id}' is not eligible for operation "
                                       f"'{operation_id}' of order '{order.id}'")]
    return []


def _cycle_violations(request: PlanRequest, path: str) -> list[tuple[str, str]]:
    """A cycle of rules and routing links cannot hold when its operations run on the rules' machines; named
    on the last rule in it (the one that closed it, e.g. a scenario's new rule)."""
    arcs: dict[Node, list[tuple[Node, int | None]]] = {}
    for index, rule in enumerate(request.sequence_rules):
        before = (rule.before_order_id, rule.before_operation_id)
        arcs.setdefault(before, []).append(((rule.after_order_id, rule.after_operation_id), index))
    for node, successor in _routing_arcs(request):
        arcs.setdefault(node, []).append((successor, None))
    cycle = _find_cycle(arcs)
    if cycle is None:
        return []
    nodes, rules = cycle
    named = " -> ".join(f"{order}/{operation}" for order, operation in nodes)
    return [(f"{path}[{max(rules)}]", f"the sequence rules form a cycle with the routings: {named}")]


def _routing_arcs(request: PlanRequest) -> Iterator[tuple[Node, Node]]:
    """Operation to operation within each order named by a rule: the routing chain, or its precedence graph."""
    named = {r.before_order_id for r in request.sequence_rules} | {r.after_order_id for r in request.sequence_rules}
    products = {p.id: p for p in request.factory.products}
    for order in request.orders:
        product = products.get(order.product_id)
        if order.id not in named or product is None:
            continue
        if is_graph(product):
            for operation in product.routing:
                for link in operation.predecessors:
                    yield (order.id, link.operation_id), (order.id, operation.id)
        else:
            for first, second in zip(product.routing, product.routing[1:], strict=False):
                yield (order.id, first.id), (order.id, second.id)


def _find_cycle(arcs: Mapping[Node, list[tuple[Node, int | None]]]) -> tuple[list[Node], list[int]] | None:
    """A cycle through at least one rule arc: its nodes (closed) and the rules on it; None when there is none."""
    state: dict[Node, int] = {}  # 1 = on the current path, 2 = done
    for root in list(arcs):
        if state.get(root):
            continue
        path: list[tuple[Node, int | None]] = [(root, None)]
        stack = [iter(arcs.get(root, []))]
        state[root] = 1
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()[0]] = 2
                stack.pop()
                continue
            node, rule = step
            if state.get(node) == 1:
                start = next(i for i, (n, _) in enumerate(path) if n == node)
                members = [*path[start:], (node, rule)]
                rules = [r for _, r in members[1:] if r is not None]
                if rules:
                    return [n for n, _ in members], rules
                continue
            if not state.get(node):
                state[node] = 1
                path.append((node, rule))
                stack.append(iter(arcs.get(node, [])))
    return None


TaskKey = tuple[str, int]
"""(order id, routing index) of a task, as the dispatching start and hints name it."""


def dispatch_blockers(request: PlanRequest, jobs: Sequence[Job]) -> dict[TaskKey, list[tuple[str, TaskKey]]]:
    """For the dispatching start: each later task of a live rule -> (machine, earlier task) pairs. The start
    places a task only once its earlier tasks are placed, and not before their end on the rule's machine, so
    that CP-SAT starts from a schedule that keeps the rules (`planner.scheduling.dispatching`)."""
    index = {(t.order_id, t.operation_id): (t.order_id, t.index) for job in jobs for t in job.tasks}
    blockers: dict[TaskKey, list[tuple[str, TaskKey]]] = {}
    for rule in request.sequence_rules:
        before = index.get((rule.before_order_id, rule.before_operation_id))
        after = index.get((rule.after_order_id, rule.after_operation_id))
        if before is not None and after is not None and not is_void(request, rule):
            blockers.setdefault(after, []).append((rule.machine_id, before))
    return blockers
