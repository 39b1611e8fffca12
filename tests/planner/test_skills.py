"""Operators with skills: needs by skill staffed by named people. The rule binds only when people with the skill
are short, a person covers one unit of an operation, works one operation at a time and only on shift; the checker
finds each broken plan (against a minute-by-minute count); the dispatching start staffs its schedule; bad input is
reported field by field; the API carries people and skills both ways; a late order names the skill it waited for."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    Objective,
    Operation,
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
    Shift,
    ShiftCalendar,
)
from planner.plan import create_plan
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.rules.staffing import staff_schedule
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation, StaffAssignment
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations
from prodplan.v1 import planning_service_pb2 as pb
from service.mapping import plan_request_to_domain, plan_request_to_proto, plan_to_proto
from service.settings import Settings

WELD = ResourceNeed(skill="welding")


def _job(op_id: str, machine: str | None, *needs: ResourceNeed, run: float = 1.0, setup: int = 0) -> Product:
    """One operation of 60 units (60 min at 1 min a unit) on `machine`, or manual work without one."""
    base = operation(op_id, [machine] if machine else [], run, setup)
    return Product(id=f"P-{op_id}", routing=[base.model_copy(update={"resources": list(needs)})])


def _plant(people: list[Resource], products: list[Product], releases: dict[str, int] | None = None,
           dues: dict[str, int] | None = None, objective: Objective = Objective.MAKESPAN,
           calendars: list[ShiftCalendar] | None = None) -> PlanRequest:
    machines = sorted({e.machine_id for p in products for op in p.routing for e in op.eligible_machines}) or ["M0"]
    orders = [order(p.id.removeprefix("P-"), p.id, 60, release=(releases or {}).get(p.id.removeprefix("P-"), 0),
                    due=(dues or {}).get(p.id.removeprefix("P-"), 1000)) for p in products]
    req = request(list(machines), products, orders, horizon=2880, objective=objective)
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": people, "calendars": calendars or []})})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _people_of(plan: PlanResult, order_id: str) -> set[str]:
    return {a.person_id for op in plan.assignments if op.order_id == order_id for a in op.people}


# --- the rule: binding and non-binding -------------------------------------------------------------------

def test_one_welder_runs_two_welding_jobs_one_after_the_other_and_two_run_them_side_by_side() -> None:
    products = [_job("a", "M1", WELD), _job("b", "M2", WELD)]
    one = _solve(_plant([Resource(id="kim", skills=["welding"])], products))
    assert one.stats.objective == 120
    two = _solve(_plant([Resource(id="kim", skills=["welding"]), Resource(id="lee", skills=["welding"])], products))
    assert two.stats.objective == 60
    assert _people_of(two, "a") | _people_of(two, "b") == {"kim", "lee"}


def test_a_person_covers_one_unit_of_an_operation_so_the_only_welder_is_kept_for_welding() -> None:
    """Park welds and grinds, Choi only grinds: on a job needing a welder and a grinder, Park welds."""
    need = [ResourceNeed(skill="welding"), ResourceNeed(skill="grinding")]
    people = [Resource(id="park", skills=["welding", "grinding"]), Resource(id="choi", skills=["grinding"])]
    plan = _solve(_plant(people, [_job("a", None, *need)]))
    staffed = {(a.person_id, a.skill) for a in plan.assignments[0].people}
    assert staffed == {("park", "welding"), ("choi", "grinding")}


def test_a_setter_needed_for_the_setup_only_staggers_the_setups_and_not_the_runs() -> None:
    setter = ResourceNeed(skill="die change", setup_only=True)
    products = [_job("a", "M1", setter, setup=30), _job("b", "M2", setter, setup=30)]
    plan = _solve(_plant([Resource(id="han", skills=["die change"])], products))
    assert plan.stats.objective == 30 + 90  # the second setup waits for the first; the runs overlap


def test_a_person_works_only_on_their_shift() -> None:
    day = ShiftCalendar(id="day", shifts=[Shift(name="day", start_minute=480, length_minutes=480)],
                        working_days=[0, 1, 2, 3, 4, 5, 6])
    plan = _solve(_plant([Resource(id="kim", skills=["welding"], calendar_id="day")], [_job("a", None, WELD)],
                         calendars=[day]))
    assert plan.assignments[0].start == 480


def test_operations_without_needs_by_skill_get_no_people() -> None:
    plan = _solve(_plant([Resource(id="kim", skills=["welding"])], [_job("a", "M1"), _job("b", "M1")]))
    assert all(not op.people for op in plan.assignments)
    assert plan.stats.objective == 120


# --- the dispatching start ------------------------------------------------------------------------------

def test_the_dispatching_start_is_staffed_and_keeps_the_rule() -> None:
    people = [Resource(id="kim", skills=["welding"]), Resource(id="lee", skills=["welding", "grinding"])]
    grind = ResourceNeed(skill="grinding")
    products = [_job("a", "M1", WELD), _job("b", "M2", WELD, grind), _job("c", "M3", grind), _job("d", None, WELD)]
    req = _plant(people, products)
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None
    staffed = staff_schedule(req, jobs, placed)
    assert staffed is not None
    assert check_schedule(req, staffed) == []


# --- the checker ------------------------------------------------------------------------------------------

def _two_jobs() -> tuple[PlanRequest, list[ScheduledOperation]]:
    req = _plant([Resource(id="kim", skills=["welding"]), Resource(id="lee", skills=["welding"])],
                 [_job("a", "M1", WELD), _job("b", "M2", WELD)])
    plan = _solve(req)
    return req, plan.assignments


def _with_people(ops: list[ScheduledOperation], order_id: str, *people: tuple[str, str]) -> list[ScheduledOperation]:
    return [op.model_copy(update={"people": [StaffAssignment(person_id=p, skill=s) for p, s in people]})
            if op.order_id == order_id else op for op in ops]


def test_the_checker_finds_a_person_on_two_operations_at_once() -> None:
    req, ops = _two_jobs()
    broken = _with_people(_with_people(ops, "a", ("kim", "welding")), "b", ("kim", "welding"))
    assert any("person kim: on" in p and "at once" in p for p in check_schedule(req, broken))


def test_the_checker_finds_a_need_without_its_people_and_a_person_without_the_skill() -> None:
    req, ops = _two_jobs()
    assert any("needs 1 with skill 'welding', has 0" in p for p in check_schedule(req, _with_people(ops, "a")))
    req = req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": [*req.factory.resources, Resource(id="choi", skills=["grinding"])]})})
    problems = check_schedule(req, _with_people(ops, "a", ("choi", "welding")))
    assert any("choi does not master 'welding'" in p for p in problems)


def test_the_checker_finds_one_person_covering_two_units() -> None:
    req = _plant([Resource(id="kim", skills=["welding"]), Resource(id="lee", skills=["welding"])],
                 [_job("a", "M1", ResourceNeed(skill="welding", quantity=2))])
    ops = _solve(req).assignments
    broken = _with_people(ops, "a", ("kim", "welding"), ("kim", "welding"))
    assert any("kim covers more than one unit" in p for p in check_schedule(req, broken))


def test_the_checker_finds_a_person_off_shift() -> None:
    day = ShiftCalendar(id="day", shifts=[Shift(name="day", start_minute=480, length_minutes=480)],
                        working_days=[0, 1, 2, 3, 4, 5, 6])
    req = _plant([Resource(id="kim", skills=["welding"], calendar_id="day")], [_job("a", None, WELD)],
                 calendars=[day])
    ops = [op.model_copy(update={"start": 0, "end": 60}) for op in _solve(req).assignments]
    assert any("person kim: on" in p and "off shift" in p for p in check_schedule(req, ops))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 120), st.sampled_from(["kim", "lee", "park"])), min_size=2, max_size=5))
def test_the_checker_reports_double_booking_exactly_when_a_minute_count_finds_it(
        placements: list[tuple[int, str]]) -> None:
    """Random starts and welders for 30-min jobs on their own machines: the checker says a person is on two
    operations at once exactly when some minute has them on two."""
    people = [Resource(id=p, skills=["welding"]) for p in ("kim", "lee", "park")]
    products = [_job(f"j{i}", f"M{i}", WELD, run=0.5) for i in range(len(placements))]
    req = _plant(people, products)
    ops = [ScheduledOperation(order_id=f"j{i}", product_id=f"P-j{i}", operation_id=f"j{i}", operation_index=0,
                              machine_id=f"M{i}", start=start, end=start + 30, quantity=60, processed_quantity=60,
                              people=[StaffAssignment(person_id=person, skill="welding")])
           for i, (start, person) in enumerate(placements)]
    counted = any(sum(1 for s, p in placements if p == person and s <= minute < s + 30) > 1
                  for person in ("kim", "lee", "park") for minute in range(0, 151))
    reported = any("at once" in p for p in check_schedule(req, ops))
    assert reported == counted


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sets(st.sampled_from(["welding", "grinding", "CMM"]), min_size=1), min_size=2, max_size=4),
       st.lists(st.dictionaries(st.sampled_from(["welding", "grinding", "CMM"]), st.integers(1, 2), max_size=2),
                min_size=1, max_size=5))
def test_the_solver_keeps_the_rule_on_random_small_plants(skills: list[set[str]], needs: list[dict[str, int]]) -> None:
    people = [Resource(id=f"p{i}", skills=sorted(s)) for i, s in enumerate(skills)]
    products = [_job(f"j{i}", "M1" if i % 2 else None, *[ResourceNeed(skill=s, quantity=q) for s, q in need.items()],
                     run=0.5) if need else _job(f"j{i}", "M1") for i, need in enumerate(needs)]
    req = _plant(people, products)
    if find_violations(req):
        return  # more people needed than have the skills: rejected before planning
    plan = create_plan(req.model_copy(update={"options": req.options.model_copy(update={"time_limit_seconds": 2.0})}))
    assert plan.status.has_solution
    assert check_plan(req, plan) == []


# --- explanations ---------------------------------------------------------------------------------------------

def test_a_late_order_that_waited_for_a_second_welder_says_so_in_english_and_korean() -> None:
    """B needs two welders on M2, but Kim welds A on M1 first (A is due earlier): B waits for her."""
    people = [Resource(id="kim", skills=["welding"]), Resource(id="lee", skills=["welding"])]
    products = [_job("a", "M1", WELD), _job("b", "M2", ResourceNeed(skill="welding", quantity=2))]
    req = _plant(people, products, dues={"a": 60, "b": 60}, objective=Objective.WEIGHTED_TARDINESS)
    plan = _solve(req)
    late = next(e for e in plan.late_orders if e.minutes_late > 0)
    assert late.reason_code == "SKILL_SHORTAGE"
    assert "a second person with skill 'welding'" in late.reason
    assert "One more person with skill 'welding'" in late.fix
    korean = _solve(req.model_copy(update={"options": req.options.model_copy(update={"locale": "ko"})}))
    assert "'welding' 기술을 가진" in next(e for e in korean.late_orders if e.minutes_late > 0).reason


# --- validation and the API -------------------------------------------------------------------------------

def _fields(req: PlanRequest) -> dict[str, str]:
    return {v.field: v.reason for v in find_violations(req)}


def test_bad_skills_and_needs_are_reported_with_their_fields() -> None:
    people = [Resource(id="kim", skills=["welding", "welding"]), Resource(id="team", capacity=2, skills=["CMM"])]
    ops = [ResourceNeed(skill="painting"), ResourceNeed(skill="welding", quantity=3),
           ResourceNeed(skill="CMM", resource_id="kim")]
    found = _fields(_plant(people, [_job("a", "M1", *ops)]))
    path = "factory.products[0].routing[0].resources"
    assert "a skill must not repeat" in found["factory.resources[0].skills"]
    assert "capacity at most 1" in found["factory.resources[1].capacity"]
    assert "nobody has skill 'painting'" in found[f"{path}[0].skill"]
    assert "only 1 have it" in found[f"{path}[1].quantity"]
    assert "a resource or a skill, not both" in found[f"{path}[2].skill"]


def test_more_people_needed_across_skills_than_master_any_of_them_is_reported() -> None:
    people = [Resource(id="park", skills=["welding", "grinding"])]
    found = _fields(_plant(people, [_job("a", None, ResourceNeed(skill="welding"), ResourceNeed(skill="grinding"))]))
    assert "needs 2 different people" in found["factory.products[0].routing[0].resources"]


def test_a_skill_needed_twice_by_one_operation_is_reported() -> None:
    found = _fields(_plant([Resource(id="kim", skills=["welding"]), Resource(id="lee", skills=["welding"])],
                           [_job("a", "M1", WELD, WELD)]))
    assert "needed twice" in found["factory.products[0].routing[0].resources[1].skill"]


def test_skills_and_people_round_trip_through_the_api() -> None:
    people = [Resource(id="kim", skills=["welding"]), Resource(id="lee", skills=["welding", "grinding"])]
    req = _plant(people, [_job("a", "M1", ResourceNeed(skill="welding", quantity=2, setup_only=True), setup=10)])
    assert plan_request_to_domain(plan_request_to_proto(req), Settings()) == req
    message = plan_to_proto(req, _solve(req))
    staffed = {(p.person_id, p.skill) for p in message.assignments[0].people}
    assert staffed == {("kim", "welding"), ("lee", "welding")}
    assert isinstance(message.assignments[0].people[0], pb.StaffAssignment)


def test_a_need_by_skill_on_manual_work_counts_as_its_whole_run_resource() -> None:
    req = _plant([Resource(id="kim", skills=["welding"])], [_job("a", None, WELD)])
    assert find_violations(req) == []
    assert isinstance(req.factory.products[0].routing[0], Operation)
