"""Operators with skills outside CP-SAT: who is free when, for the dispatching start, the checker, the
explanations and validation (the rule and its model: `planner.scheduling.rules.skills`).

`PeopleLedger` keeps each person's busy stretches; `match` gives every unit of an operation's needs a
different free person who can cover it (augmenting paths: a bipartite matching, so a welder who also grinds
is kept for the grinding unit when only they grind). `PeopleTimeline` wraps a machine of the dispatching start
and moves its earliest start later until a matching exists. `staff_schedule` staffs a finished schedule
(the start, for the hint, or as the answer when CP-SAT found nothing), greedily in start order, else by a
small CP-SAT model over the fixed times.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import PlanRequest, ResourceNeed
from planner.scheduling.rules.resources import FOREVER
from planner.scheduling.rules.skills import STAFFING_SECONDS, Span, held_span, masters, off_shift, people
from planner.scheduling.tasks import Alternative, Job, Task, build_jobs
from planner.solution import ScheduledOperation, StaffAssignment

if TYPE_CHECKING:
    from planner.scheduling.rules.batching import Timeline

Unit = tuple[ResourceNeed, tuple[str, ...]]
"""One unit of a need: the need, and the people who may cover it (a direct need on a person: that person)."""


def units_of(request: PlanRequest, alternative: Alternative) -> list[Unit]:
    """The units an operation on this machine must staff: one per person of each need by skill, and one for
    each need that names a person directly."""
    persons = people(request)
    direct = [n for n in alternative.needs if n.resource_id in persons]
    taken = {n.resource_id for n in direct}
    units: list[Unit] = [(n, (n.resource_id,)) for n in direct]
    for need in alternative.skill_needs:
        candidates = tuple(p for p in masters(request, need.skill or "") if p not in taken)
        units += [(need, candidates)] * need.quantity
    return units


class PeopleLedger:
    """Each person's busy stretches (sorted) and off-shift time."""

    def __init__(self, request: PlanRequest) -> None:
        horizon = request.options.horizon_minutes  # nobody works past the horizon
        self.busy: dict[str, list[Span]] = {p: sorted([*off_shift(request, r), (horizon, FOREVER)])
                                            for p, r in people(request).items()}

    def free(self, person_id: str, span: Span) -> bool:
        start, end = span
        if end <= start:
            return True
        # A person's stretches never overlap, so their ends are sorted too: only the last one starting before
        # `end` can reach past `start`.
        busy = self.busy[person_id]
        index = bisect.bisect_left(busy, (end, end))
        return index == 0 or busy[index - 1][1] <= start

    def next_change(self, person_id: str, after: int) -> int | None:
        """The first moment after `after` at which the person may become free (a busy stretch ends)."""
        busy = self.busy[person_id]
        index = bisect.bisect_right(busy, (after, after))
        ends = [e for _, e in busy[max(index - 1, 0):index + 1] if e > after]
        return min(ends) if ends else None

    def take(self, person_id: str, span: Span) -> None:
        if span[1] > span[0]:
            bisect.insort(self.busy[person_id], span)

    def give_back(self, person_id: str, span: Span) -> None:
        if span[1] > span[0]:
            self.busy[person_id].remove(span)


def match(units: Sequence[Unit], spans: Sequence[Span], ledger: PeopleLedger) -> list[str] | None:
    """A different free person for every unit (unit i busy over spans[i]), or None when there is none."""
    owner: dict[str, int] = {}

    def augment(i: int, seen: set[str]) -> bool:
        for person_id in units[i][1]:
            if person_id in seen or not ledger.free(person_id, spans[i]):
                continue
            seen.add(person_id)
            if person_id not in owner or augment(owner[person_id], seen):
                owner[person_id] = i
                return True
        return False

    if not all(augment(i, set()) for i in range(len(units))):
        return None
    chosen = [""] * len(units)
    for person_id, i in owner.items():
        chosen[i] = person_id
    return chosen


def _spans(units: Sequence[Unit], alternative: Alternative, start: int, end: int) -> list[Span]:
    return [held_span(alternative, need, start, end) for need, _ in units]


class PeopleTimeline:
    """A machine of the dispatching start whose operations need people by skill: its earliest start moves later
    until every unit has a different free person."""

    def __init__(self, machine: Timeline, request: PlanRequest, ledger: PeopleLedger) -> None:
        self.machine = machine
        self.request = request
        self.ledger = ledger
        self.staffed: dict[tuple[int, int], list[tuple[str, Span]]] = {}

    def earliest_start(self, ready: int, duration: int, lot: Alternative | None = None) -> int | None:
        start = self.machine.earliest_start(ready, duration, lot)
        units = units_of(self.request, lot) if lot is not None else []
        while start is not None and lot is not None and units:
            if match(units, _spans(units, lot, start, start + duration), self.ledger) is not None:
                return start
            later = [t for _, candidates in units for p in candidates
                     if (t := self.ledger.next_change(p, start)) is not None]
            if not later:
                return None
            start = self.machine.earliest_start(max(min(later), start + 1), duration, lot)
        return start

    def reserve(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.machine.reserve(start, duration, lot)
        units = units_of(self.request, lot) if lot is not None else []
        if lot is None or not units:
            return
        spans = _spans(units, lot, start, start + duration)
        chosen = match(units, spans, self.ledger) or []
        for person_id, span in zip(chosen, spans, strict=False):
            self.ledger.take(person_id, span)
        self.staffed[(id(lot), start)] = list(zip(chosen, spans, strict=False))

    def release(self, start: int, duration: int, lot: Alternative | None = None) -> None:
        self.machine.release(start, duration, lot)
        if lot is not None:
            for person_id, span in self.staffed.pop((id(lot), start), []):
                self.ledger.give_back(person_id, span)


def staff_schedule(request: PlanRequest, jobs: Sequence[Job],
                   placed: Sequence[ScheduledOperation]) -> list[ScheduledOperation] | None:
    """The schedule with people on every need by skill (greedy in start order, else the fixed-times model);
    None when no assignment exists for these times."""
    tasks = {(t.order_id, t.index): t for job in jobs for t in job.tasks}
    work = []
    for op in placed:
        task = tasks.get((op.order_id, op.operation_index))
        alternative = task.placed_on(op) if task is not None else None
        if alternative is not None and alternative.skill_needs:
            units = units_of(request, alternative)
            work.append((op, units, _spans(units, alternative, op.start, op.end)))
    ledger = PeopleLedger(request)
    for _, units, spans in work:  # direct holds of people first: they are fixed
        for (need, candidates), span in zip(units, spans, strict=True):
            if need.skill is None:
                ledger.take(candidates[0], span)
    chosen: dict[tuple[str, int], list[str]] = {}
    for op, units, spans in sorted(work, key=lambda w: (w[0].start, w[0].end)):
        skill_units = [(u, s) for u, s in zip(units, spans, strict=True) if u[0].skill is not None]
        found = match([u for u, _ in skill_units], [s for _, s in skill_units], ledger)
        if found is None:
            solved = _fixed_times(work)
            if solved is None:
                return None
            chosen = solved
            break
        for person_id, (_, span) in zip(found, skill_units, strict=True):
            ledger.take(person_id, span)
        chosen[(op.order_id, op.operation_index)] = found
    by_key = {(op.order_id, op.operation_index): [u for u in units if u[0].skill is not None] for op, units, _ in work}
    return [op.model_copy(update={"people": [StaffAssignment(person_id=p, skill=u[0].skill or "") for p, u in
                                             zip(chosen[key], by_key[key], strict=True)]})
            if (key := (op.order_id, op.operation_index)) in chosen else op for op in placed]


def _fixed_times(work: Sequence[tuple[ScheduledOperation, list[Unit], list[Span]]]) -> dict[tuple[str, int],
                                                                                             list[str]] | None:
    """The assignment for fixed times as a small CP-SAT model: one boolean per (unit, candidate), each unit
    covered once, a person once per operation, and no person on two overlapping spans."""
    model = cp_model.CpModel()
    spans_of: dict[str, list[tuple[Span, cp_model.LiteralT]]] = defaultdict(list)
    literals: dict[tuple[str, int], list[list[tuple[str, cp_model.IntVar]]]] = {}
    for op, units, spans in work:
        key = (op.order_id, op.operation_index)
        per_person: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        rows = []
        for (need, candidates), span in zip(units, spans, strict=True):
            row = [(p, model.new_bool_var(f"{key}{p}")) for p in candidates]
            model.add_exactly_one(v for _, v in row)
            for p, v in row:
                per_person[p].append(v)
                spans_of[p].append((span, v))
            if need.skill is not None:
                rows.append(row)
        for vs in per_person.values():
            model.add_at_most_one(vs)
        literals[key] = rows
    for entries in spans_of.values():
        model.add_no_overlap([model.new_optional_fixed_size_interval_var(s, e - s, v, "w")
                              for (s, e), v in entries if e > s])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = STAFFING_SECONDS
    solver.parameters.num_workers = 1
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {key: [next(p for p, v in row if solver.boolean_value(v)) for row in rows]
            for key, rows in literals.items()}


def staffing_problems(request: PlanRequest, assignments: Sequence[ScheduledOperation],
                      jobs: Sequence[Job] | None = None) -> list[str]:
    """Every need by skill not covered as the rule says, and every person on two operations at once or off
    shift (people held directly by id count too)."""
    persons = people(request)
    if not persons:
        return []
    tasks = {(t.order_id, t.index): t for job in (jobs if jobs is not None else build_jobs(request))
             for t in job.tasks}
    problems: list[str] = []
    works: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for op in assignments:
        task = tasks.get((op.order_id, op.operation_index))
        alternative = task.placed_on(op) if task is not None else None
        if task is None or alternative is None:
            continue
        label = f"{op.order_id}/{op.operation_index} ({op.operation_id})"
        problems += _coverage_problems(request, label, task, alternative, op)
        needs = {n.skill: n for n in alternative.skill_needs}
        for a in op.people:
            if a.skill in needs and a.person_id in persons:
                works[a.person_id].append((*held_span(alternative, needs[a.skill], op.start, op.end), label))
        for need in alternative.needs:
            if need.resource_id in persons:
                works[need.resource_id].append((*held_span(alternative, need, op.start, op.end), label))
    for person_id, items in works.items():
        ordered = sorted(i for i in items if i[1] > i[0])
        problems += [f"person {person_id}: on {a[2]} and {b[2]} at once" for a, b in itertools.pairwise(ordered)
                     if b[0] < a[1]]
        off = off_shift(request, persons[person_id])
        problems += [f"person {person_id}: on {label} from {s} to {e}, off shift" for s, e, label in ordered
                     if any(a < e and s < b for a, b in off)]
    return problems


def _coverage_problems(request: PlanRequest, label: str, task: Task, alternative: Alternative,
                       op: ScheduledOperation) -> list[str]:
    """Each need by skill has its number of different people, each masters the skill; no one else is listed."""
    problems = []
    persons = people(request)
    needs = {n.skill: n for n in alternative.skill_needs}
    seen: set[str] = set()
    for a in op.people:
        if a.person_id in seen:
            problems.append(f"{label}: {a.person_id} covers more than one unit")
        seen.add(a.person_id)
        if a.skill not in needs:
            problems.append(f"{label}: {a.person_id} listed for skill '{a.skill}', which it does not need")
        elif a.person_id not in persons or a.skill not in persons[a.person_id].skills:
            problems.append(f"{label}: {a.person_id} does not master '{a.skill}'")
    for skill, need in needs.items():
        count = sum(1 for a in op.people if a.skill == skill)
        if count != need.quantity:
            problems.append(f"{label}: needs {need.quantity} with skill '{skill}', has {count}")
    return problems


@dataclass(frozen=True)
class SkillShortage:
    """For how long an operation's need by skill found too few free people while it waited."""

    skill: str
    needed: int
    free: int
    """People with the skill free at the first short moment."""
    minutes: int
    first: int
    busy_with: list[str]
    """Orders the people with the skill worked on at that moment."""


def skill_shortage(request: PlanRequest, op: ScheduledOperation, became_ready: int,
                   assignments: Sequence[ScheduledOperation]) -> SkillShortage | None:
    """The need by skill of `op` that was short longest over [became_ready, op.start) (None: none was)."""
    routings = {p.id: p.routing for p in request.factory.products}
    needs = [n for n in routings[op.product_id][op.operation_index].resources if n.skill is not None]
    if not needs or op.start <= became_ready:
        return None
    persons = people(request)
    work: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for other in assignments:
        if other.order_id == op.order_id:
            continue
        setup_only = {n.skill for n in routings[other.product_id][other.operation_index].resources if n.setup_only}
        for staff in other.people:  # a setup-only need holds its person for the setup
            end = other.start + other.setup_minutes if staff.skill in setup_only else other.end
            work[staff.person_id].append((other.start, end, other.order_id))
    worst = None
    for need in needs:
        crew = [p for p in masters(request, need.skill or "") if p in persons]
        points = sorted({became_ready, op.start, *(x for p in crew for s, e, _ in work[p] for x in (s, e)
                                                   if became_ready < x < op.start),
                         *(x for p in crew for s, e in off_shift(request, persons[p]) for x in (s, e)
                           if became_ready < x < op.start)})
        short, first, free_then, busy = 0, None, 0, []
        for a, b in itertools.pairwise(points):
            taken = [o for p in crew for s, e, o in work[p] if s <= a < e]
            absent = sum(1 for p in crew if any(s <= a < e for s, e in off_shift(request, persons[p])))
            free = len(crew) - len(taken) - absent
            if free < need.quantity:
                short += b - a
                if first is None:
                    first, free_then, busy = a, max(free, 0), sorted(set(taken))
        if first is not None and (worst is None or short > worst.minutes):
            worst = SkillShortage(need.skill or "", need.quantity, free_then, short, first, busy)
    return worst


def skill_violations(request: PlanRequest) -> list[tuple[str, str]]:
    """Bad input on people and needs by skill, as (field path, reason)."""
    found: list[tuple[str, str]] = []
    holders: dict[str, int] = defaultdict(int)
    for r_index, resource in enumerate(request.factory.resources):
        path = f"factory.resources[{r_index}]"
        for skill in set(resource.skills):
            holders[skill] += 1
        if any(not s.strip() for s in resource.skills):
            found.append((f"{path}.skills", "a skill must not be empty"))
        if len(set(resource.skills)) != len(resource.skills):
            found.append((f"{path}.skills", "a skill must not repeat"))
        if resource.skills and (resource.capacity > 1 or any(s.capacity > 1 for s in resource.shift_capacities)):
            found.append((f"{path}.capacity", "a person with skills is one person: capacity at most 1"))
    for p_index, product in enumerate(request.factory.products):
        for o_index, operation in enumerate(product.routing):
            found += _need_violations(operation.resources, f"factory.products[{p_index}].routing[{o_index}]",
                                      holders, request)
    return found


def _need_violations(needs: Sequence[ResourceNeed], path: str, holders: Mapping[str, int],
                     request: PlanRequest) -> list[tuple[str, str]]:
    found = []
    seen: set[str] = set()
    for n_index, need in enumerate(needs):
        where = f"{path}.resources[{n_index}]"
        if need.skill is None:
            continue
        if need.resource_id:
            found.append((f"{where}.skill", "a need names a resource or a skill, not both"))
        if not need.skill.strip():
            found.append((f"{where}.skill", "must not be empty"))
        elif need.skill in seen:
            found.append((f"{where}.skill", f"skill '{need.skill}' is needed twice by the operation"))
        elif holders.get(need.skill, 0) == 0:
            found.append((f"{where}.skill", f"nobody has skill '{need.skill}'"))
        elif need.quantity > holders[need.skill]:
            found.append((f"{where}.quantity", f"needs {need.quantity} people with skill '{need.skill}', but only "
                                               f"{holders[need.skill]} have it"))
        seen.add(need.skill)
    if not found:
        found += _hall_violations(needs, path, request)
    return found


def _hall_violations(needs: Sequence[ResourceNeed], path: str, request: PlanRequest) -> list[tuple[str, str]]:
    """Each person covers one unit of an operation: every set of its skills needs as many different people
    who master one of them (Hall's condition of the matching)."""
    by_skill = [n for n in needs if n.skill is not None]
    for size in range(2, min(len(by_skill), 6) + 1):
        for group in _combinations(by_skill, size):
            skills = {n.skill for n in group}
            crew = {r.id for r in request.factory.resources if skills & set(r.skills)}
            wanted = sum(n.quantity for n in group)
            if wanted > len(crew):
                return [(f"{path}.resources", f"needs {wanted} different people with skills "
                                              f"{', '.join(sorted(str(s) for s in skills))}, but only {len(crew)} "
                                              "have one of them")]
    return []


def _combinations(items: Sequence[ResourceNeed], size: int) -> list[tuple[ResourceNeed, ...]]:
    from itertools import combinations
    return list(combinations(items, size))
