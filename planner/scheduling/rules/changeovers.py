"""Family changeovers: sequence-dependent setups when a machine switches product families.

With operation modes (`planner.scheduling.rules.modes`) a task's alternatives are told apart by machine and mode, so
the rule groups them by machine: a task is on a machine when any of its modes there is chosen (the sum of those modes'
presence literals, at most one of which is true), and manual modes, on no machine, take no changeover.

The dispatching start keeps the rule with `ChangeoverTimeline`: a lot goes in the first gap of its machine where the
changeovers from the lot before and to the lot after it fit; its machine sequences hint the circuits' arcs
(`ChangeoverArcs.hint`), so CP-SAT starts from a complete solution instead of working out every sequence first.
"""


from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import NO_MACHINE, FamilyChangeover, PlanRequest
from planner.scheduling.rules.base import Presence, TaskVars

if TYPE_CHECKING:
    from planner.scheduling.rules.batching import Timeline
    from planner.scheduling.tasks import Alternative, Job
    from planner.solution import ScheduledOperation


def changeover_minutes(changeovers: Sequence[FamilyChangeover], machine_id: str, before: str, after: str) -> int:
    """Changeover between two families on a machine: a machine-specific rule wins over a general one."""
    if before == after:
        return 0
    pair = (before, after)
    specific = [c for c in changeovers if c.machine_id == machine_id and (c.from_family, c.to_family) == pair]
    general = [c for c in changeovers if c.machine_id is None and (c.from_family, c.to_family) == pair]
    chosen = specific or general
    return chosen[0].minutes if chosen else 0


@dataclass
class _Circuit:
    nodes: list[tuple[str, int]]
    """(order id, operation index) of node 1, 2, ... (node 0 opens and closes the sequence)."""
    arcs: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    """(from node, to node) -> its literal; the self-loops of absent lots are their presence literals' negations."""


@dataclass
class ChangeoverArcs:
    """The circuit of each machine, so that a start schedule can hint its arcs: without them CP-SAT has to work out
    the sequence on every machine from the hinted starts before it has its first solution."""

    circuits: dict[str, _Circuit] = field(default_factory=dict)

    def hint(self, model: cp_model.CpModel, placed: Iterable[ScheduledOperation]) -> None:
        """Hint the arcs of the machines' sequences in a complete schedule (its lots by start on each machine)."""
        on: dict[str, list[tuple[int, str, int]]] = {}
        for op in placed:
            on.setdefault(op.machine_id, []).append((op.start, op.order_id, op.operation_index))
        for machine_id, circuit in self.circuits.items():
            if len(set(circuit.nodes)) < len(circuit.nodes):  # sub-lots of one lot: not told apart by the schedule
                continue
            node = {key: i for i, key in enumerate(circuit.nodes, start=1)}
            sequence = [0, *(node[(o, k)] for _, o, k in sorted(on.get(machine_id, [])) if (o, k) in node), 0]
            used = set(pairwise(sequence)) if len(sequence) > 2 else {(0, 0)}
            for arc, literal in circuit.arcs.items():
                model.add_hint(literal, arc in used)


def family_changeovers(model: cp_model.CpModel, request: PlanRequest,
                       tasks: Sequence[Sequence[TaskVars]]) -> ChangeoverArcs:
    """Hard: between consecutive lots of different families on a machine, its changeover time passes.

    One circuit per machine over the operations that may run there (node 0 opens and closes the
    sequence; an operation placed elsewhere takes its self-loop)."""
    changeovers = request.factory.changeovers
    found = ChangeoverArcs()
    if not changeovers:
        return found
    family = {p.id: p.family for p in request.factory.products}
    by_machine: dict[str, list[tuple[TaskVars, Presence]]] = {}
    for job_vars in tasks:
        for variables in job_vars:
            for machine_id, present in machine_presence(model, variables).items():
                by_machine.setdefault(machine_id, []).append((variables, present))
    for machine_id, candidates in by_machine.items():
        families = {family[v.task.product_id] for v, _ in candidates}
        if len(families) < 2 or not any(c.machine_id in (None, machine_id) for c in changeovers):
            continue
        found.circuits[machine_id] = _machine_circuit(model, machine_id, candidates, family, changeovers)
    return found


def machine_presence(model: cp_model.CpModel, variables: TaskVars) -> dict[str, Presence]:
    """Machine id -> whether the task runs there: its alternative's literal, or with several modes on one machine a
    literal for "one of them" (their sum: exactly one mode of a task is chosen). Manual work is on no machine."""
    literals: dict[str, list[Presence]] = {}
    for key, present in variables.presence.items():
        alternative = variables.task.alternative(key)
        machine_id = alternative.machine_id if alternative is not None else key  # a sub-lot's key is its machine
        if machine_id != NO_MACHINE:
            literals.setdefault(machine_id, []).append(present)
    on: dict[str, Presence] = {}
    for machine_id, found in literals.items():
        if len(found) == 1:  # the only literal True: the task's one alternative
            on[machine_id] = found[0]
            continue
        either = model.new_bool_var(f"on_machine[{variables.task.order_id}/{variables.task.index}@{machine_id}]")
        model.add(either == cp_model.LinearExpr.sum(found))
        on[machine_id] = either
    return on


def _machine_circuit(model: cp_model.CpModel, machine_id: str, candidates: list[tuple[TaskVars, Presence]],
                     family: dict[str, str], changeovers: Sequence[FamilyChangeover]) -> _Circuit:
    circuit = _Circuit([(v.task.order_id, v.task.index) for v, _ in candidates])
    arcs: list[tuple[int, int, cp_model.LiteralT]] = []
    for i, (first, present) in enumerate(candidates, start=1):
        if present is True:
            present_literal: cp_model.LiteralT = model.new_constant(1)
        else:
            present_literal = present
            arcs.append((i, i, present_literal.negated()))  # type: ignore[union-attr]
        circuit.arcs[(0, i)] = model.new_bool_var(f"first[{machine_id},{i}]")
        circuit.arcs[(i, 0)] = model.new_bool_var(f"last[{machine_id},{i}]")
        for j, (second, _) in enumerate(candidates, start=1):
            if i == j or (first.task.order_id == second.task.order_id and first.task.index > second.task.index):
                continue
            follows = model.new_bool_var(f"next[{machine_id},{i},{j}]")
            gap = changeover_minutes(changeovers, machine_id, family[first.task.product_id],
                                     family[second.task.product_id])
            model.add(second.start >= first.end + gap).only_enforce_if(follows)
            circuit.arcs[(i, j)] = follows
    circuit.arcs[(0, 0)] = model.new_bool_var(f"empty[{machine_id}]")
    model.add_circuit(arcs + [(i, j, literal) for (i, j), literal in circuit.arcs.items()])
    return circuit


# --- the dispatching start ----------------------------------------------------------------------------------------

class ChangeoverTimeline:
    """A machine in the dispatching start where family changeovers apply: a lot starts only once the changeover from
    the lot before it on the machine has passed, and where the changeover to the lot after it still fits before that
    one starts (first fit, as the plain timeline; it is asked again from the first minute that could hold)."""

    def __init__(self, machine: Timeline, machine_id: str, changeovers: Sequence[FamilyChangeover],
                 families: Mapping[int, str], end: Callable[[Alternative, int], int]) -> None:
        self.machine = machine
        self.machine_id = machine_id
        self.changeovers = changeovers
        self.families = families
        self.end = end
        self.placed: list[tuple[int, int, str | None]] = []
        """(start, end, family) of the lots on the machine, by start."""
        self._gaps: dict[tuple[str, str], int] = {}

    def _family(self, lot: Alternative | None) -> str | None:
        return self.families.get(id(lot)) if lot is not None else None

    def _gap(self, before: str | None, after: str | None) -> int:
        if before is None or after is None or before == after:
            return 0
        gap = self._gaps.get((before, after))
        if gap is None:  # asked for every gap the first fit tries: looked up once per pair of families
            gap = self._gaps[(before, after)] = changeover_minutes(self.changeovers, self.machine_id, before, after)
        return gap

    def _finish(self, lot: Alternative | None, start: int, duration: int) -> int:
        return self.end(lot, start) if lot is not None else start + duration

    def _too_close(self, start: int, finish: int, family: str | None) -> int | None:
        """The first minute worth trying when a lot on [start, finish) breaks a changeover; None when it breaks none."""
        index = bisect.bisect_right(self.placed, (start, math.inf, ""))
        if index > 0:
            before_end, before_family = self.placed[index - 1][1], self.placed[index - 1][2]
            if start < before_end + self._gap(before_family, family):
                return before_end + self._gap(before_family, family)
        if index < len(self.placed):
            after_start, after_end, after_family = self.placed[index]
            if finish + self._gap(family, after_family) > after_start:  # after that lot, its changeover first
                return max(after_end + self._gap(after_family, family), start + 1)
        return None

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        family = self._family(lot)
        while True:
            start = self.machine.earliest_start(ready, duration, lot)
            if start is None:
                return None
            retry = self._too_close(start, self._finish(lot, start, duration), family)
            if retry is None:
                return start
            ready = retry

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.machine.reserve(start, duration, lot)
        bisect.insort(self.placed, (start, self._finish(lot, start, duration), self._family(lot)),
                      key=lambda item: (item[0], item[1]))

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.machine.release(start, duration, lot)
        self.placed.remove((start, self._finish(lot, start, duration), self._family(lot)))


def changeover_timelines(request: PlanRequest, timelines: Mapping[str, Timeline], jobs: Sequence[Job],
                         end: Callable[[Alternative, int], int]) -> dict[str, Timeline]:
    """The dispatching start's machines, those where a family changeover applies keeping it (`ChangeoverTimeline`);
    batch machines (recipes instead) and manual work (no machine) as they are. A lot's family is its product's, found
    by the alternative object the start places (every task's alternatives are its own objects)."""
    changeovers = request.factory.changeovers
    family = {p.id: p.family for p in request.factory.products}
    families = {id(a): family[task.product_id] for job in jobs for task in job.tasks for a in task.alternatives}
    batch = {m.id for m in request.factory.machines if m.is_batch}
    return {m: ChangeoverTimeline(timeline, m, changeovers, families, end)
            if m != NO_MACHINE and m not in batch and any(c.machine_id in (None, m) for c in changeovers) else timeline
            for m, timeline in timelines.items()}
