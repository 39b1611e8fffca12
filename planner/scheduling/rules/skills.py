"""Operators with skills (`Resource.skills`, `ResourceNeed.skill`): needs by skill, staffed by named people.

A person is a resource with `skills` (capacity 1, on their calendar's shifts). An operation may need
`quantity` people with a skill ("two welders") for its whole run or only for its setup, instead of naming
a resource: the planner chooses who. Each unit of a need is a different person who masters the skill, a
person covers one unit of an operation (a welder who also grinds does not count twice), and a person is on
one operation at a time, only on shift. This is the multi-skill project scheduling problem (MSPSP) inside
the plant model.

CP-SAT model (after Young, Feydy and Schutt, CP 2017): a boolean per (operation, need, person who masters
its skill), exactly `quantity` of them per need and at most one per (operation, person); one optional
interval per (operation, person, span) present when the person works on it, over the operation's run (or
its setup on the machine chosen); one NoOverlap per person over those intervals, the person's direct holds
(a need naming them by id) and their off-shift time. The assignment alone propagates weakly on start
times, so redundant Cumulatives make the model strong: per set of skills (every subset when an operation
could need few skills, else each skill alone and all together), the operations' demand for that set
against the people who master any skill of it (an operation needing two welders and a grinder holds three
of the people who weld or grind), the capacity falling off shift.

The dispatching start keeps the rule with `PeopleTimeline`: a start is taken only when a matching gives
every unit of the operation's needs a different free person; the people it chose are redone for the hint
(`staff_schedule`), greedily in start order, or by a small CP-SAT model over the fixed times when the
greedy pass gets stuck.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.domain import PlanRequest, Resource, ResourceNeed

if TYPE_CHECKING:
    from planner.scheduling.rules.base import TaskVars
    from planner.scheduling.tasks import Alternative
    from planner.solution import StaffAssignment

Span = tuple[int, int]
MAX_SKILL_SUBSETS = 64
"""Redundant cumulatives over every subset of the skills an operation may need, up to this many subsets; beyond,
one per skill and one over all skills."""
STAFFING_SECONDS = 2.0
"""Time limit of the fixed-times assignment model (`staff_schedule`) when the greedy pass gets stuck."""


def by_resource(needs: Iterable[ResourceNeed]) -> tuple[ResourceNeed, ...]:
    """The needs that name a resource (setters, a die)."""
    return tuple(n for n in needs if n.skill is None)


def by_skill(needs: Iterable[ResourceNeed]) -> tuple[ResourceNeed, ...]:
    """The needs by skill (people the planner chooses)."""
    return tuple(n for n in needs if n.skill is not None)


def has_skills(request: PlanRequest) -> bool:
    return any(n.skill is not None for p in request.factory.products for op in p.routing
               for n in [*op.resources, *(need for mode in op.modes for need in mode.resources)])


def people(request: PlanRequest) -> dict[str, Resource]:
    """The named people (resources with skills), by id."""
    return {r.id: r for r in request.factory.resources if r.is_person}


def masters(request: PlanRequest, skill: str) -> list[str]:
    """Ids of the people who master `skill`, in the factory's order."""
    return [r.id for r in request.factory.resources if skill in r.skills]


def held_span(alternative: Alternative, need: ResourceNeed, start: int, end: int) -> Span:
    """When a person covering `need` works on the operation started at `start` on this machine: its run, or
    its setup there."""
    return (start, start + alternative.setup) if need.setup_only else (start, end)


def off_shift(request: PlanRequest, person: Resource) -> list[Span]:
    """The stretches of [0, horizon) in which the person does not work (capacity 0 on their calendar)."""
    from planner.scheduling.rules.resources import capacity_profile
    return [(s, e) for s, e, capacity in capacity_profile(person, request) if capacity < 1]


# --- CP-SAT -------------------------------------------------------------------------------------------------


@dataclass
class Staffing:
    """The assignment variables: per task (order id, operation index), (person, skill, literal)."""

    choices: dict[tuple[str, int], list[tuple[str, str, cp_model.IntVar]]] = field(default_factory=dict)


def _span_intervals(model: cp_model.CpModel, variables: TaskVars, horizon: int,
                    name: str) -> dict[bool, tuple[cp_model.LinearExprT, cp_model.LinearExprT, cp_model.LinearExprT]]:
    """(start, size, end) of the run (False) and of the setup (True) on the machine chosen."""
    alternatives = variables.task.alternatives
    run_size = model.new_int_var(min(a.duration for a in alternatives), horizon, f"run_size[{name}]")
    model.add(run_size == variables.end - variables.start)
    setups = {a.setup for a in alternatives}
    if len(setups) == 1:
        setup: cp_model.IntVar | int = next(iter(setups))
    else:
        setup = model.new_int_var(min(setups), max(setups), f"setup_size[{name}]")
        model.add(setup == sum(a.setup * variables.presence[a.key] for a in alternatives))
    setup_end = model.new_int_var(0, horizon, f"setup_end[{name}]")
    model.add(setup_end == variables.start + setup)
    return {False: (variables.start, run_size, variables.end), True: (variables.start, setup, setup_end)}


def skill_assignment(model: cp_model.CpModel, request: PlanRequest, tasks: Sequence[Sequence[TaskVars]]) -> Staffing:
    """Hard: every unit of an operation's need by skill is covered by a different person who masters the
    skill, a person covers at most one unit of an operation, and works on one operation at a time, only
    on shift.

    Why the plant cares: an SME has fewer skilled people than machines; a plan that needs three welders
    where two are on shift, or gives the same inspector two operations at once, cannot be run."""
    staffing = Staffing()
    if not has_skills(request):
        return staffing
    horizon = request.options.horizon_minutes
    by_person: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    demands: list[tuple[dict[str, int], cp_model.IntervalVar]] = []
    for job_vars in tasks:
        for variables in job_vars:
            _staff_task(model, request, variables, horizon, staffing, by_person, demands)
    for person_id, person in people(request).items():
        blocked = [model.new_fixed_size_interval_var(s, e - s, f"off[{person_id}@{s}]")
                   for s, e in off_shift(request, person)]
        if by_person[person_id] and len(by_person[person_id]) + len(blocked) > 1:
            model.add_no_overlap(by_person[person_id] + blocked)
    _redundant_cumulatives(model, request, demands)
    return staffing


def _staff_task(model: cp_model.CpModel, request: PlanRequest, variables: TaskVars, horizon: int,
                staffing: Staffing, by_person: dict[str, list[cp_model.IntervalVar]],
                demands: list[tuple[dict[str, int], cp_model.IntervalVar]]) -> None:
    """The assignment variables and person intervals of one task."""
    if variables.task.has_modes:  # each mode needs its own people (`planner.scheduling.rules.modes`)
        _staff_modes(model, request, variables, horizon, staffing, by_person, demands)
        return
    first = variables.task.alternatives[0]
    persons = people(request)
    direct = [n for n in first.needs if n.resource_id in persons]
    if not first.skill_needs and not direct:
        return
    key = (variables.task.order_id, variables.task.index)
    name = f"{key[0]}/{key[1]}"
    spans = _span_intervals(model, variables, horizon, name)
    taken = {n.resource_id for n in direct}  # named by id: not also a skill unit of this operation
    for need in direct:
        start, size, end = spans[need.setup_only]
        held = model.new_interval_var(start, size, end, f"holds[{need.resource_id}@{name}]")
        by_person[need.resource_id].append(held)
    works: dict[tuple[str, bool], list[cp_model.IntVar]] = defaultdict(list)
    choices = staffing.choices.setdefault(key, [])
    for need in first.skill_needs:
        assert need.skill is not None
        literals = []
        for person_id in masters(request, need.skill):
            if person_id in taken:
                continue
            literal = model.new_bool_var(f"staff[{name},{need.skill},{person_id}]")
            literals.append(literal)
            choices.append((person_id, need.skill, literal))
            works[(person_id, need.setup_only)].append(literal)
        model.add(sum(literals) == need.quantity)
        start, size, end = spans[need.setup_only]
        demands.append(({need.skill: need.quantity}, model.new_interval_var(start, size, end, f"need[{name}]")))
    for person_id in {p for p, _ in works}:
        model.add_at_most_one(works[(person_id, False)] + works[(person_id, True)])
    for (person_id, setup_only), literals in works.items():
        present = literals[0] if len(literals) == 1 else model.new_bool_var(f"on[{name},{person_id}]")
        if len(literals) > 1:
            model.add(present == sum(literals))
        start, size, end = spans[setup_only]
        by_person[person_id].append(model.new_optional_interval_var(start, size, end, present,
                                                                    f"works[{person_id}@{name}]"))


def _staff_modes(model: cp_model.CpModel, request: PlanRequest, variables: TaskVars, horizon: int,
                 staffing: Staffing, by_person: dict[str, list[cp_model.IntervalVar]],
                 demands: list[tuple[dict[str, int], cp_model.IntervalVar]]) -> None:
    """As `_staff_task`, for a task with modes: each mode's needs are covered only when the mode is chosen (a need's
    literals sum to its quantity times the mode's literal), over the run or the mode's own setup."""
    task, persons = variables.task, people(request)
    if not any(a.skill_needs or any(n.resource_id in persons for n in a.needs) for a in task.alternatives):
        return
    key = (task.order_id, task.index)
    name = f"{key[0]}/{key[1]}"
    run_size = model.new_int_var(0, horizon, f"run_size[{name}]")
    model.add(run_size == variables.end - variables.start)
    choices = staffing.choices.setdefault(key, [])
    for alternative in task.alternatives:
        present = variables.presence[alternative.key]
        where = f"{name}@{alternative.key}"

        def span(setup_only: bool, label: str, literal: cp_model.IntVar | bool = present,
                 setup: int = alternative.setup) -> cp_model.IntervalVar | None:
            """The run, or the setup in this mode, present with `literal` (None: a setup of no time)."""
            if setup_only and setup <= 0:
                return None
            size: cp_model.LinearExprT = setup if setup_only else run_size
            end: cp_model.LinearExprT = variables.start + setup if setup_only else variables.end
            if literal is True:
                return model.new_interval_var(variables.start, size, end, label)
            return model.new_optional_interval_var(variables.start, size, end, literal, label)

        taken = {n.resource_id for n in alternative.needs if n.resource_id in persons}
        for need in alternative.needs:
            if need.resource_id in persons and (held := span(need.setup_only, f"holds[{need.resource_id}@{where}]")):
                by_person[need.resource_id].append(held)
        works: dict[tuple[str, bool], list[cp_model.IntVar]] = defaultdict(list)
        for need in alternative.skill_needs:
            assert need.skill is not None
            literals = []
            for person_id in masters(request, need.skill):
                if person_id not in taken:
                    literal = model.new_bool_var(f"staff[{where},{need.skill},{person_id}]")
                    literals.append(literal)
                    choices.append((person_id, need.skill, literal))
                    works[(person_id, need.setup_only)].append(literal)
            model.add(sum(literals) == need.quantity * present)
            if (needed := span(need.setup_only, f"need[{where},{need.skill}]")) is not None:
                demands.append(({need.skill: need.quantity}, needed))
        for person_id in {p for p, _ in works}:
            model.add_at_most_one(works[(person_id, False)] + works[(person_id, True)])
        for (person_id, setup_only), literals in works.items():
            on = literals[0] if len(literals) == 1 else model.new_bool_var(f"on[{where},{person_id}]")
            if len(literals) > 1:
                model.add(on == sum(literals))
            if (worked := span(setup_only, f"works[{person_id}@{where}]", on)) is not None:
                by_person[person_id].append(worked)


def _skill_sets(request: PlanRequest) -> list[frozenset[str]]:
    """The sets of skills that get a redundant cumulative (see the module)."""
    skills = sorted({n.skill for p in request.factory.products for op in p.routing
                     for n in [*op.resources, *(need for mode in op.modes for need in mode.resources)]
                     if n.skill is not None})
    if 2 ** len(skills) - 1 <= MAX_SKILL_SUBSETS:
        return [frozenset(c) for size in range(1, len(skills) + 1) for c in itertools.combinations(skills, size)]
    return [frozenset([s]) for s in skills] + [frozenset(skills)]


def _redundant_cumulatives(model: cp_model.CpModel, request: PlanRequest,
                           demands: list[tuple[dict[str, int], cp_model.IntervalVar]]) -> None:
    """Redundant: the units a set of skills is needed for at a time never exceed the people on shift who
    master one of them (each unit is a different person)."""
    from planner.scheduling.rules.resources import capacity_profile
    persons = people(request)
    for skills in _skill_sets(request):
        used = [(interval, sum(q for s, q in need.items() if s in skills)) for need, interval in demands]
        used = [(interval, q) for interval, q in used if q > 0]
        crew = [p for p in persons.values() if skills & set(p.skills)]
        if not used or not crew:
            continue
        points = sorted({0, request.options.horizon_minutes, *(x for p in crew for s, e in off_shift(request, p)
                                                                for x in (s, e))})
        profiles = [capacity_profile(p, request) for p in crew]
        peak = len(crew)
        blocked = []
        for a, b in itertools.pairwise(points):
            there = sum(1 for profile in profiles if _capacity_at(profile, a) >= 1)
            if there < peak and b > a:
                blocked.append((model.new_fixed_size_interval_var(a, b - a, f"absent[{sorted(skills)}@{a}]"),
                                peak - there))
        intervals, heights = zip(*(used + blocked), strict=True)
        model.add_cumulative(list(intervals), list(heights), peak)


def _capacity_at(profile: Sequence[tuple[int, int, int]], minute: int) -> int:
    return next((c for s, e, c in profile if s <= minute < e), 0)


def read_people(staffing: Staffing, solver: cp_model.CpSolver, key: tuple[str, int]) -> list[StaffAssignment]:
    """Who the solver gave the task's needs by skill."""
    from planner.solution import StaffAssignment
    return [StaffAssignment(person_id=person_id, skill=skill)
            for person_id, skill, literal in staffing.choices.get(key, []) if solver.boolean_value(literal)]


def hint_people(model: cp_model.CpModel, staffing: Staffing,
                staffed: Mapping[tuple[str, int], Sequence[StaffAssignment]]) -> None:
    """Hint the assignment variables of the tasks a start staffed (`staff_schedule`)."""
    for key, choices in staffing.choices.items():
        if key not in staffed:
            continue
        chosen = {(a.person_id, a.skill) for a in staffed[key]}
        for person_id, skill, literal in choices:
            model.add_hint(literal, (person_id, skill) in chosen)
