"""The precedence graph of a routing (`Operation.predecessors`): operations of one product as a DAG.

By default a routing is a chain: each operation follows the previous one of the list (with the
operation's own `min_lag_minutes` / `max_lag_minutes`, `planner.scheduling.rules.time_lags`). As soon as
one operation of a product names predecessors, the product's routing is a graph: each operation
follows exactly the operations it names (none = it may start at the order's release), and the
list order no longer means anything for precedence (it still names `done_operation_ids` of work in
progress, and is the tie-break of the topological order the tasks are kept in).

A link `Predecessor(operation_id, relation, min_lag_minutes, max_lag_minutes)` says, with
d = this operation's start minus the predecessor's end (`END_TO_START`, the default) or minus the
predecessor's start (`START_TO_START`, as RCPSP/max's generalised precedences are stated):

    min_lag <= d <= max_lag        (max_lag None = no maximum)

An end-to-start minimum lag is >= 0 (cooling before machining). A start-to-start minimum lag may be
negative: -30 lets the successor start up to 30 min before its predecessor (RCPSP/max's negative
arcs become such links); the link then keeps the two in order for the graph (no cycles), not in
time. A maximum lag ties the two together (heat treatment within 24 h of casting); a set of maximum
lags can make an order impossible, which CP-SAT proves (INFEASIBLE; `max_lag_conflicts` names the
links a simple longest-path test finds contradictory before solving).

Validation (`graph_violations`) rejects unknown operation ids, a self-loop, a link given twice,
an end-to-start link with a negative minimum, a maximum below the minimum, and cycles (named with
their members); a graph product does not take the chain-only fields (`min_lag_minutes`,
`max_lag_minutes`, `transfer_batch_units`).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import PlanRequest, PrecedenceRelation, Product

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.tasks import Job, Task
    from planner.solution import ScheduledOperation


@dataclass(frozen=True)
class Link:
    """One arc of a job's precedence graph, towards the task that carries it."""

    before: int
    """Routing index of the predecessor (the task's `index`)."""
    start_to_start: bool = False
    min_lag: int = 0
    max_lag: int | None = None

    def delay(self, before_start: int, before_end: int) -> int:
        """Earliest start of the successor after the predecessor ran [before_start, before_end)."""
        return (before_start if self.start_to_start else before_end) + self.min_lag

    def latest(self, before_start: int, before_end: int) -> int | None:
        """Latest start of the successor (None = no maximum)."""
        if self.max_lag is None:
            return None
        return (before_start if self.start_to_start else before_end) + self.max_lag


def is_graph(product: Product) -> bool:
    """True when some operation of the product names predecessors: its routing is a graph, not a chain."""
    return any(op.predecessors for op in product.routing)


def has_precedence_graph(request: PlanRequest) -> bool:
    return any(is_graph(product) for product in request.factory.products)


def has_graph_max_lags(request: PlanRequest) -> bool:
    """A graph with a maximum lag or a negative start-to-start lag: the dispatching start does not keep them."""
    return any(link.max_lag_minutes is not None or link.min_lag_minutes < 0
               for product in request.factory.products for op in product.routing for link in op.predecessors)


def links_of(product: Product) -> list[list[Link]]:
    """Per routing index, the links into that operation (a *valid* graph product)."""
    index = {op.id: i for i, op in enumerate(product.routing)}
    return [[Link(index[p.operation_id], p.relation == PrecedenceRelation.START_TO_START, p.min_lag_minutes,
                  p.max_lag_minutes) for p in op.predecessors] for op in product.routing]


def topological_order(links: Sequence[Sequence[Link]]) -> list[int] | None:
    """Routing indices in an order where every predecessor comes first, ties by routing index (so a routing
    listed in processing order keeps its order); None when the graph has a cycle."""
    successors: list[list[int]] = [[] for _ in links]
    waiting = [len({link.before for link in into}) for into in links]
    for after, into in enumerate(links):
        for before in {link.before for link in into}:
            successors[before].append(after)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        current = heapq.heappop(ready)
        order.append(current)
        for after in successors[current]:
            waiting[after] -= 1
            if waiting[after] == 0:
                heapq.heappush(ready, after)
    return order if len(order) == len(links) else None


def find_cycle(edges: Mapping[int, Sequence[int]], size: int) -> list[int] | None:
    """One cycle of the directed graph (node -> successors) as its nodes in order, or None (iterative DFS)."""
    state = [0] * size  # 0 new, 1 on the path, 2 done
    for root in range(size):
        if state[root]:
            continue
        path, stack = [root], [iter(edges.get(root, ()))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state[nxt] == 1:
                return path[path.index(nxt):]
            elif state[nxt] == 0:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(edges.get(nxt, ())))
    return None


def graph_violations(product: Product, path: str) -> list[tuple[str, str]]:
    """(field path, reason) for every problem of the product's precedence graph; `path` is the product's."""
    if not is_graph(product):
        return []
    found = []
    index = {op.id: i for i, op in enumerate(product.routing)}
    edges: dict[int, list[int]] = {}
    for o_index, op in enumerate(product.routing):
        op_path = f"{path}.routing[{o_index}]"
        for field in ("min_lag_minutes", "max_lag_minutes", "transfer_batch_units"):
            if getattr(op, field) not in (0, None):
                found.append((f"{op_path}.{field}", "a routing with predecessors takes its lags on the predecessors "
                                                    "(Predecessor.min_lag / max_lag), not on the operation"))
        seen: set[str] = set()
        for l_index, link in enumerate(op.predecessors):
            l_path = f"{op_path}.predecessors[{l_index}]"
            if link.operation_id not in index:
                found.append((f"{l_path}.operation_id", f"unknown operation '{link.operation_id}' in the routing of "
                                                        f"'{product.id}'"))
            elif link.operation_id == op.id:
                found.append((f"{l_path}.operation_id", f"operation '{op.id}' cannot precede itself"))
            elif link.operation_id in seen:
                found.append((f"{l_path}.operation_id", f"predecessor '{link.operation_id}' listed twice"))
            else:
                edges.setdefault(index[link.operation_id], []).append(o_index)
            seen.add(link.operation_id)
            found += _lag_violations(link.relation, link.min_lag_minutes, link.max_lag_minutes, l_path)
    cycle = find_cycle(edges, len(product.routing))
    if cycle is not None:
        names = " -> ".join(product.routing[i].id for i in [*cycle, cycle[0]])
        found.append((f"{path}.routing[{cycle[0]}].predecessors", f"the precedence graph has a cycle: {names}"))
    return found


def _lag_violations(relation: PrecedenceRelation, low: int, high: int | None, path: str) -> list[tuple[str, str]]:
    found = []
    if relation == PrecedenceRelation.END_TO_START and low < 0:
        found.append((f"{path}.min_lag_minutes", "must not be negative for an end-to-start link (only a "
                                                  "start-to-start link may let the successor start first)"))
    if high is not None and high < low:
        found.append((f"{path}.max_lag_minutes", f"is below the minimum lag ({high} < {low} min)"))
    return found


def precedence_graph(model: cp_model.CpModel, jobs: Sequence[Job], tasks: Sequence[Sequence[TaskVars]]) -> None:
    """Hard: an operation of a graph routing starts within the lags of each of its predecessors, and not
    before its order's release.

    Why the plant cares: a subassembly is fitted only after both of its parts are made, and parts made
    in parallel branches (a housing cast while its cover is machined) shorten the lead time only if the
    plan lets them overlap; a plan that forces a chain promises late, one that ignores a link cannot be
    run."""
    for job, job_vars in zip(jobs, tasks, strict=True):
        by_index = {variables.task.index: variables for variables in job_vars}
        for variables in job_vars:
            if variables.task.predecessors is None:
                continue
            if not variables.task.running:
                model.add(variables.start >= job.order.release)
            for link in variables.task.predecessors:
                before = by_index[link.before]
                anchor = before.start if link.start_to_start else before.end
                model.add(variables.start >= anchor + link.min_lag)
                if link.max_lag is not None:
                    model.add(variables.start <= anchor + link.max_lag)


def sinks(job_vars: Sequence[TaskVars]) -> list[TaskVars]:
    """The tasks that can end an order: the last one of a chain, every task no other follows in a graph."""
    if not job_vars or job_vars[0].task.predecessors is None:
        return list(job_vars[-1:])
    followed = {link.before for variables in job_vars for link in variables.task.predecessors or ()}
    return [variables for variables in job_vars if variables.task.index not in followed]


def longest_path(tasks: Sequence[Task]) -> int:
    """Lower bound on an order's span from its first start to its last end: the longest path over the
    graph with each task's shortest duration and the minimum lags (tasks in topological order)."""
    start: dict[int, int] = {}
    finish = 0
    for task in tasks:
        begin = 0
        for link in task.predecessors or ():
            if link.before in start:
                before = link.before
                shortest = next(t.shortest for t in tasks if t.index == before)
                begin = max(begin, link.delay(start[before], start[before] + shortest))
        start[task.index] = begin
        finish = max(finish, begin + task.shortest)
    return finish


def link_problems(job: Job, placed: Mapping[int, ScheduledOperation]) -> list[str]:
    """Every link of the job's graph that the placed operations break (solver-independent)."""
    problems = []
    for task in job.tasks:
        found = placed.get(task.index)
        if found is None or task.predecessors is None:
            continue
        label = f"{job.order.id}/{task.index} ({task.operation_id})"
        if not task.running and found.start < job.order.release:
            problems.append(f"{label}: starts at {found.start}, before its release at {job.order.release}")
        for link in task.predecessors:
            before = placed.get(link.before)
            if before is None:
                continue
            kind = "start" if link.start_to_start else "end"
            anchor = before.start if link.start_to_start else before.end
            earliest, latest = link.delay(before.start, before.end), link.latest(before.start, before.end)
            if found.start < earliest:
                problems.append(f"{label}: starts at {found.start}, before {earliest} ({link.min_lag} min after the "
                                f"{kind} of its predecessor {job.order.id}/{link.before} at {anchor})")
            if latest is not None and found.start > latest:
                problems.append(f"{label}: starts at {found.start}, after {latest} (at most {link.max_lag} min after "
                                f"the {kind} of its predecessor {job.order.id}/{link.before} at {anchor}: "
                                f"maximum time lag)")
    return problems


def max_lag_conflicts(job: Job) -> list[str]:
    """Links whose maximum lags contradict the minimum ones whatever the machines do: a positive cycle in
    the difference constraints over starts (Bellman-Ford with the tasks' shortest durations). Each entry names
    the operations of one contradictory cycle; empty when none is found (CP-SAT still decides the rest)."""
    tasks = {task.index: task for task in job.tasks}
    # start[after] - start[before] >= weight (min lags) and start[before] - start[after] >= -max (max lags)
    arcs: list[tuple[int, int, int]] = []
    for task in job.tasks:
        for link in task.predecessors or ():
            if link.before not in tasks:
                continue
            offset = 0 if link.start_to_start else tasks[link.before].shortest
            arcs.append((link.before, task.index, offset + link.min_lag))
            if link.max_lag is not None:
                arcs.append((task.index, link.before, -(offset + link.max_lag)))
    if not any(weight < 0 for _, _, weight in arcs):
        return []
    longest = dict.fromkeys(tasks, 0)
    parent: dict[int, int] = {}
    changed: int | None = None
    for _ in range(len(tasks) + 1):
        changed = None
        for before, after, weight in arcs:
            if longest[before] + weight > longest[after]:
                longest[after] = longest[before] + weight
                parent[after] = before
                changed = after
        if changed is None:
            return []
    assert changed is not None
    node: int = changed
    for _ in range(len(tasks)):  # walk back into the cycle
        node = parent[node]
    cycle, current = [node], parent[node]
    while current != node:
        cycle.append(current)
        current = parent[current]
    names = " -> ".join(tasks[i].operation_id for i in reversed([*cycle, node]))
    return [f"{job.order.id}: the time lags of {names} contradict each other (the maximum lags are shorter than the "
            f"minimum lags and processing times they must cover)"]
