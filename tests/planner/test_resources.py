"""Secondary resources: setters for the setup only, a die for the whole run, capacity by shift. The rule binds
only when the resource is short, the checker finds every overuse (against a minute-by-minute count), the
dispatching start and the solver keep the rule on random small instances, and bad input is reported."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    NO_MACHINE,
    EligibleMachine,
    FamilyChangeover,
    Machine,
    Objective,
    Operation,
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
    RunningOperation,
    Shift,
    ShiftCalendar,
    ShiftCapacity,
    WorkInProgress,
)
from planner.explanations.late_orders import explain_late_orders
from planner.kpis import order_results
from planner.plan import create_plan
from planner.scheduling import lns
from planner.scheduling.dispatching import MAKESPAN_RULES, TARDINESS_RULES, dispatch
from planner.scheduling.rules.resources import (
    FOREVER,
    ResourceUse,
    capacity_at,
    capacity_profile,
    capacity_profiles,
    usage_problems,
)
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations

SETTERS = ShiftCalendar(id="setters", shifts=[Shift(name="early", start_minute=0, length_minutes=480),
                                              Shift(name="late", start_minute=480, length_minutes=480)],
                        working_days=[0, 1, 2, 3, 4, 5, 6])


def _needing(op_id: str, machine: str, *needs: ResourceNeed, setup: int = 30) -> Product:
    return Product(id=f"P-{op_id}", routing=[operation(op_id, [machine], 1.0, setup).model_copy(
        update={"resources": list(needs)})])


def _two_cells(resource: Resource, need: ResourceNeed, releases: tuple[int, ...] = (0, 0)) -> PlanRequest:
    """Two lots of 30 units, each with a 30-min setup, on two machines; both need the resource."""
    products = [_needing("a", "M1", need), _needing("b", "M2", need)]
    orders = [order("A", "P-a", 30, release=releases[0]), order("B", "P-b", 30, release=releases[1])]
    req = request(["M1", "M2"], products, orders, horizon=2880, objective=Objective.MAKESPAN)
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": [resource], "calendars": [SETTERS]})})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


# --- the rule: binding and non-binding -------------------------------------------------------------

def test_one_setter_staggers_the_setups_and_two_do_not() -> None:
    setup_only = ResourceNeed(resource_id="setter", setup_only=True)
    assert _solve(_two_cells(Resource(id="setter", capacity=1), setup_only)).stats.objective == 30 + 60
    assert _solve(_two_cells(Resource(id="setter", capacity=2), setup_only)).stats.objective == 60


def test_one_die_for_two_cells_runs_them_one_after_the_other() -> None:
    die = ResourceNeed(resource_id="die")
    assert _solve(_two_cells(Resource(id="die", capacity=1), die)).stats.objective == 120
    assert _solve(_two_cells(Resource(id="die", capacity=2), die)).stats.objective == 60


def test_capacity_follows_the_shift() -> None:
    """Two setters on the early shift, one on the late one: released in the late shift, the setups stagger."""
    setters = Resource(id="setter", capacity=1, calendar_id="setters",
                       shift_capacities=[ShiftCapacity(shift="early", capacity=2)])
    setup_only = ResourceNeed(resource_id="setter", setup_only=True)
    early = _solve(_two_cells(setters, setup_only))
    late = _solve(_two_cells(setters, setup_only, releases=(500, 500)))
    assert early.stats.objective == 60 and late.stats.objective == 500 + 30 + 60
    profile = capacity_profile(setters, _two_cells(setters, setup_only))
    assert profile[:4] == [(0, 480, 2), (480, 960, 1), (960, 1440, 0), (1440, 1920, 2)]  # off at night


def test_a_resource_off_shift_holds_the_work_until_its_next_shift() -> None:
    night_off = ShiftCalendar(id="setters", shifts=[Shift(name="day", start_minute=360, length_minutes=600)],
                              working_days=[0, 1, 2, 3, 4, 5, 6])
    req = _two_cells(Resource(id="setter", capacity=2, calendar_id="setters"),
                     ResourceNeed(resource_id="setter", setup_only=True))
    req = req.model_copy(update={"factory": req.factory.model_copy(update={"calendars": [night_off]})})
    plan = _solve(req)
    assert all(a.start >= 360 for a in plan.assignments) and plan.stats.objective == 360 + 60


# --- the checker ------------------------------------------------------------------------------------

def test_checker_catches_two_cells_on_one_die() -> None:
    req = _two_cells(Resource(id="die", capacity=1), ResourceNeed(resource_id="die"))
    placed = [ScheduledOperation(order_id=o, product_id=p, operation_id=op, operation_index=0, machine_id=m,
                                 start=start, end=start + 60, quantity=30, setup_minutes=30)
              for o, p, op, m, start in (("A", "P-a", "a", "M1", 0), ("B", "P-b", "b", "M2", 50))]
    problems = check_schedule(req, placed)
    assert problems == ["resource die: 2 units held at 50 (A/0, B/0), 1 available"]
    placed[1] = placed[1].model_copy(update={"start": 60, "end": 120})
    assert check_schedule(req, placed) == []


@st.composite
def _holds(draw: st.DrawFn) -> tuple[PlanRequest, dict[str, list[tuple[int, int, int, str]]]]:
    early, late = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    resource = Resource(id="r", capacity=late, calendar_id="setters" if draw(st.booleans()) else None,
                        shift_capacities=[ShiftCapacity(shift="early", capacity=early)])
    req = _two_cells(resource, ResourceNeed(resource_id="r"))
    holds = [(s, s + draw(st.integers(1, 400)), draw(st.integers(1, 3)), f"op{i}")
             for i, s in enumerate(draw(st.lists(st.integers(0, 2000), max_size=6)))]
    return req, {"r": holds}


@settings(max_examples=150, deadline=None)
@given(_holds())
def test_the_checker_agrees_with_a_minute_by_minute_count(case: tuple[PlanRequest, dict]) -> None:
    req, uses = case
    profile = capacity_profiles(req)["r"]
    capacity = [next(c for s, e, c in profile if s <= t < e) for t in range(req.options.horizon_minutes)]
    over = any(sum(q for s, e, q, _ in uses["r"] if s <= t < e) > capacity[t]
               for t in range(req.options.horizon_minutes))
    assert bool(usage_problems(req, uses)) == over


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 700), st.integers(1, 300), st.integers(1, 3)), max_size=6),
       st.integers(-20, 900), st.integers(0, 200), st.integers(1, 3), st.booleans())
def test_the_starts_resource_ledger_agrees_with_a_minute_by_minute_count(
        holds: list[tuple[int, int, int]], start: int, length: int, quantity: int, give_one_back: bool) -> None:
    """`ResourceUse` (the dispatching start's ledger): room, and the first moment there could be room, as counted
    minute by minute against the shift profile (2 early, 1 late, none at night) after holds and a give-back."""
    shifts = Resource(id="r", capacity=1, calendar_id="setters",
                      shift_capacities=[ShiftCapacity(shift="early", capacity=2)])
    req = _two_cells(shifts, ResourceNeed(resource_id="r"))
    profile = capacity_profiles(req)["r"]
    use = ResourceUse({"r": profile})
    for s, n, q in holds:
        use.take("r", s, s + n, q)
    if give_one_back and holds:
        use.take("r", holds[0][0], holds[0][0] + holds[0][1], -holds[0][2])
        holds = holds[1:]

    def room(t: int) -> bool:
        return sum(q for s, n, q in holds if s <= t < s + n) + quantity <= capacity_at(profile, t)

    blocked = use.blocked_until("r", start, start + length, quantity)
    assert (blocked is None) == all(room(t) for t in range(start, start + length))
    if blocked is not None and blocked < FOREVER:
        assert start < blocked and not room(blocked - 1)  # it ends a stretch without room...
        assert all(not all(room(t) for t in range(s, s + length)) for s in range(start, blocked))  # ...none fits before


# --- solver plans and starts keep the rule (random small instances) ---------------------------------

@st.composite
def _resource_requests(draw: st.DrawFn) -> PlanRequest:
    setters = Resource(id="setter", capacity=draw(st.integers(1, 2)), calendar_id="setters",
                       shift_capacities=[ShiftCapacity(shift="early", capacity=draw(st.integers(1, 3)))])
    die = Resource(id="die", capacity=1)
    needs = [[], [ResourceNeed(resource_id="setter", setup_only=True)], [ResourceNeed(resource_id="die")],
             [ResourceNeed(resource_id="setter", setup_only=True), ResourceNeed(resource_id="die")]]
    products = [Product(id=f"P{i}", routing=[
        operation("cast", ["M1", "M2", "M3"][: draw(st.integers(1, 3))], 1.0, draw(st.integers(0, 60))).model_copy(
            update={"resources": draw(st.sampled_from(needs))}),
        operation("finish", ["M3"], 0.5, draw(st.integers(0, 30))).model_copy(
            update={"resources": draw(st.sampled_from(needs[:2]))})]) for i in range(2)]
    count = draw(st.integers(1, 5))
    orders = [order(f"O{i}", f"P{draw(st.integers(0, 1))}", draw(st.integers(1, 60)), release=draw(st.integers(0, 600)),
                    due=2000) for i in range(count)]
    req = request(["M1", "M2", "M3"], products, orders, horizon=2880,
                  objective=draw(st.sampled_from(list(Objective))), time_limit=2.0)
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": [setters, die], "calendars": [SETTERS]})})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_resource_requests())
def test_solver_plans_pass_the_checker(req: PlanRequest) -> None:
    plan = create_plan(req)
    assert plan.status.has_solution, plan.infeasibility_reasons
    assert check_plan(req, plan) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_resource_requests())
def test_every_dispatching_rule_keeps_the_resources(req: PlanRequest) -> None:
    jobs = build_jobs(req)
    for rule in (*TARDINESS_RULES, *MAKESPAN_RULES):
        hint = dispatch(jobs, availability_by_machine(req), rule, resources=capacity_profiles(req))
        assert hint is not None
        placed = hint_assignments(jobs, hint)
        assert placed is not None and check_schedule(req, placed) == []


# --- manual work: operations that need no machine ------------------------------------------------------------

OPERATORS = ShiftCalendar(id="operators", shifts=[Shift(name="day", start_minute=360, length_minutes=600)],
                          working_days=[0, 1, 2, 3, 4, 5, 6])


def _assembly(operators: int, lots: int = 2, calendar: bool = False, release: int = 0) -> PlanRequest:
    """`lots` lots of 30 units: cast on M1 (0.5 min a unit), then assembled by hand by two operators (2 min a unit,
    no machine)."""
    assemble = Operation(id="assemble", eligible_machines=[], run_minutes_per_unit=2.0,
                         resources=[ResourceNeed(resource_id="operators", quantity=2)])
    product = Product(id="KIT", routing=[operation("cast", ["M1"], 0.5), assemble])
    orders = [order(f"K{i}", "KIT", 30, release=release, due=2000) for i in range(lots)]
    req = request(["M1"], [product], orders, horizon=2880, objective=Objective.MAKESPAN)
    team = Resource(id="operators", capacity=operators, calendar_id="operators" if calendar else None)
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": [team], "calendars": [OPERATORS]})})


def test_manual_work_runs_side_by_side_while_there_are_operators_for_it() -> None:
    """Casts end at 15 and 30; with four operators both assemblies run at once (makespan 30 + 60), with two the
    second waits for the first pair (15 + 60 + 60)."""
    four, two = _solve(_assembly(4)), _solve(_assembly(2))
    assert four.stats.objective == 90 and two.stats.objective == 135
    assert {a.machine_id for a in four.assignments if a.operation_id == "assemble"} == {NO_MACHINE}
    kpis = four.kpis
    assert kpis is not None and [u.operations for u in kpis.machine_utilization] == [2]  # casts only


def test_manual_work_waits_for_the_operators_shift() -> None:
    """Operators work 06:00-16:00: assembly released at night starts at 06:00, not on the machine's clock."""
    plan = _solve(_assembly(2, lots=1, calendar=True, release=1000))
    (assembly,) = [a for a in plan.assignments if a.operation_id == "assemble"]
    assert assembly.start == 1440 + 360 and plan.stats.objective == 1440 + 360 + 60


def test_checker_finds_manual_work_beyond_its_operators_or_on_a_machine() -> None:
    req = _assembly(2)
    placed = [ScheduledOperation(order_id=f"K{i}", product_id="KIT", operation_id=op, operation_index=index,
                                 machine_id=machine, start=start, end=end, quantity=30)
              for i, (op, index, machine, start, end) in enumerate((("cast", 0, "M1", 0, 15),
                                                                     ("cast", 0, "M1", 15, 30)))]
    assemble = [ScheduledOperation(order_id=o, product_id="KIT", operation_id="assemble", operation_index=1,
                                   machine_id=NO_MACHINE, start=start, end=start + 60, quantity=30)
                for o, start in (("K0", 15), ("K1", 75))]
    assert check_schedule(req, placed + assemble) == []
    overlapping = [assemble[0], assemble[1].model_copy(update={"start": 40, "end": 100})]
    assert check_schedule(req, placed + overlapping) == ["resource operators: 4 units held at 40 (K0/1, K1/1), "
                                                         "2 available"]
    assert check_schedule(_assembly(4), placed + overlapping) == []  # four operators: side by side is fine
    on_machine = [assemble[0], assemble[1].model_copy(update={"machine_id": "M1"})]
    assert any("M1" in p and "eligible" in p for p in check_schedule(req, placed + on_machine))


@st.composite
def _manual_requests(draw: st.DrawFn) -> PlanRequest:
    operators = Resource(id="operators", capacity=draw(st.integers(2, 4)),
                         calendar_id="operators" if draw(st.booleans()) else None)
    req = draw(_resource_requests())
    setter = [ResourceNeed(resource_id="setter", setup_only=True)] if draw(st.booleans()) else []
    pack = Operation(id="pack", eligible_machines=[], run_minutes_per_unit=draw(st.sampled_from([0.5, 1.0, 3.0])),
                     setup_minutes=draw(st.integers(0, 20)),
                     resources=[ResourceNeed(resource_id="operators", quantity=draw(st.integers(1, 2))), *setter])
    products = [p.model_copy(update={"routing": [*p.routing, pack]}) for p in req.factory.products]
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "products": products, "resources": [*req.factory.resources, operators],
        "calendars": [*req.factory.calendars, OPERATORS]})})


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_manual_requests())
def test_solver_plans_with_manual_work_pass_the_checker(req: PlanRequest) -> None:
    plan = create_plan(req)
    assert plan.status.has_solution, plan.infeasibility_reasons
    assert check_plan(req, plan) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_manual_requests())
def test_every_dispatching_rule_keeps_manual_work_within_its_operators(req: PlanRequest) -> None:
    jobs = build_jobs(req)
    for rule in (*TARDINESS_RULES, *MAKESPAN_RULES):
        hint = dispatch(jobs, availability_by_machine(req), rule, resources=capacity_profiles(req))
        assert hint is not None
        placed = hint_assignments(jobs, hint)
        assert placed is not None and check_schedule(req, placed) == []


# --- explanations ------------------------------------------------------------------------------------

def test_an_order_that_waited_for_the_die_says_so_in_english_and_korean() -> None:
    """B could run on M2 from 0 (done by 60, due 70) but the only die is on M1 with A until 60."""
    req = _two_cells(Resource(id="die", capacity=1), ResourceNeed(resource_id="die"))
    req = req.model_copy(update={"orders": [order("A", "P-a", 30, due=60), order("B", "P-b", 30, due=70)]})
    placed = [ScheduledOperation(order_id=o, product_id=p, operation_id=op, operation_index=0, machine_id=m,
                                 start=start, end=start + 60, quantity=30, setup_minutes=30)
              for o, p, op, m, start in (("A", "P-a", "a", "M1", 0), ("B", "P-b", "b", "M2", 60))]
    assert check_schedule(req, placed) == []
    for locale, words in (("en", "waited 1 h before b on M2 for die"), ("ko", "M2의 b 전에 die을(를) 1시간")):
        localized = req.model_copy(update={"options": req.options.model_copy(update={"locale": locale})})
        (explanation,) = explain_late_orders(localized, build_jobs(localized), availability_by_machine(localized),
                                             placed, order_results(localized, placed))
        assert explanation.reason_code == "RESOURCE_SHORTAGE" and words in explanation.reason, explanation.reason
        assert explanation.orders_ahead == ["A"] and explanation.fix_saves_minutes == 50 and "die" in explanation.fix


def test_manual_work_that_waited_for_its_operators_says_so() -> None:
    """Two assemblies due at 80 with two operators: the second one waits for the first pair, a shortage of operators
    (its missing machine is never the reason)."""
    req = _assembly(2).model_copy(update={"orders": [order(f"K{i}", "KIT", 30, due=80) for i in range(2)]})
    for locale, words in (("en", "before assemble (manual work) for operators"), ("ko", "assemble(수작업) 전에")):
        localized = req.model_copy(update={"options": req.options.model_copy(update={"locale": locale})})
        plan = create_plan(localized)
        assert check_plan(localized, plan) == []
        (late,) = [e for e in plan.late_orders if e.reason_code == "RESOURCE_SHORTAGE"]
        assert words in late.reason and late.machine_id == NO_MACHINE and "operators" in late.fix, late.reason


# --- validation ------------------------------------------------------------------------------------

def test_bad_resource_input_is_each_reported() -> None:
    req = _two_cells(Resource(id="setter", capacity=-1, calendar_id="nights", shift_capacities=[
        ShiftCapacity(shift="early", capacity=-2)]), ResourceNeed(resource_id="setter", quantity=0))
    products = [*req.factory.products, _needing("c", "M1", ResourceNeed(resource_id="crane"),
                                                ResourceNeed(resource_id="setter", quantity=5))]
    req = req.model_copy(update={"factory": req.factory.model_copy(update={"products": products})})
    fields = {v.field: v.reason for v in find_violations(req)}
    assert fields["factory.resources[0].capacity"] == "must not be negative"
    assert fields["factory.resources[0].calendar_id"] == "unknown calendar 'nights'"
    assert fields["factory.resources[0].shift_capacities[0].capacity"] == "must not be negative"
    assert fields["factory.resources[0].shift_capacities[0].shift"] == "no shift 'early' in the resource's calendar"
    assert fields["factory.products[0].routing[0].resources[0].quantity"] == "must be more than 0"
    assert fields["factory.products[2].routing[0].resources[0].resource_id"] == "unknown resource 'crane'"
    assert "has at most 0" in fields["factory.products[2].routing[0].resources[1].quantity"]


# --- plant scale: the large-neighbourhood search does not apply ----------------------------------------------

def _die(number: int) -> ResourceNeed:
    return ResourceNeed(resource_id=f"die{number}")


def _plant_scale(orders: int) -> PlanRequest:
    """Two operations per order on six cells and four machining centres; every cast needs a setter for its setup
    (three of them) and one of two dies for its whole run, every machining a setter for its setup."""
    cells, centres = [f"DC{i}" for i in range(6)], [f"CNC{i}" for i in range(4)]
    setter = ResourceNeed(resource_id="setter", setup_only=True)
    products = [Product(id=f"P{d}", routing=[
        operation("cast", cells, 0.5, 20).model_copy(update={"resources": [setter, _die(d)]}),
        operation("machine", centres, 1.0, 10).model_copy(update={"resources": [setter]})]) for d in range(2)]
    lots = [order(f"O{i}", f"P{i % 2}", 10 + i % 7, release=(i // 10) * 30, due=200 + 12 * i) for i in range(orders)]
    req = request([*cells, *centres], products, lots, horizon=40_000, time_limit=4.0, workers=2)
    return req.model_copy(update={"factory": req.factory.model_copy(update={"resources": [
        Resource(id="setter", capacity=3), Resource(id="die0"), Resource(id="die1")]})})


def test_a_plant_scale_request_with_resources_gets_a_valid_plan_without_the_neighbourhood_search() -> None:
    req = _plant_scale(300)
    jobs = build_jobs(req)
    assert sum(len(job.tasks) for job in jobs) >= lns.MIN_OPERATIONS  # large enough for the search...
    assert not lns.applies(req, jobs)  # ...which would ignore the others' holds, so the full model plans it
    without = req.model_copy(update={"factory": req.factory.model_copy(update={"resources": []})})
    without = without.model_copy(update={"factory": without.factory.model_copy(update={"products": [
        p.model_copy(update={"routing": [op.model_copy(update={"resources": []}) for op in p.routing]})
        for p in without.factory.products]})})
    assert lns.applies(without, build_jobs(without))  # the same plant without resources would take it
    plan = create_plan(req)
    assert plan.status.has_solution, plan.infeasibility_reasons
    assert check_plan(req, plan) == []


def test_bad_manual_work_is_each_reported() -> None:
    req = _assembly(2)
    assemble = req.factory.products[0].routing[1]
    products = [req.factory.products[0],
                Product(id="BARE", routing=[assemble.model_copy(update={"resources": []})]),  # nobody to do it
                Product(id="SETUP", routing=[assemble.model_copy(update={"resources": [
                    ResourceNeed(resource_id="operators", setup_only=True)]})]),  # nobody for the run
                Product(id="LOAD", routing=[assemble.model_copy(update={"recipe": "T6"})])]
    running = WorkInProgress(running=RunningOperation(operation_id="cast", machine_id="M1", remaining_minutes=10))
    manual_running = WorkInProgress(done_operation_ids=["cast"], running=RunningOperation(
        operation_id="assemble", machine_id="M1", remaining_minutes=10))
    orders = [order("K0", "KIT", 30).model_copy(update={"work_in_progress": running}),
              order("K1", "KIT", 30).model_copy(update={"work_in_progress": manual_running})]
    bad = req.model_copy(update={"orders": orders, "factory": req.factory.model_copy(update={"products": products})})
    fields: dict[str, str] = {}
    for violation in find_violations(bad):
        fields[violation.field] = f"{fields.get(violation.field, '')}; {violation.reason}"
    assert "manual work" in fields["factory.products[1].routing[0].eligible_machines"]
    assert "manual work" in fields["factory.products[2].routing[0].eligible_machines"]
    assert "no recipe" in fields["factory.products[3].routing[0].recipe"]
    assert "leave machine_id empty" in fields["orders[1].work_in_progress.running.machine_id"]
    assert "orders[0].work_in_progress.running.machine_id" not in fields
    with_lots = req.model_copy(update={"options": req.options.model_copy(update={"lot_sizing": True})})
    assert "lot sizing" in {v.field: v.reason for v in find_violations(with_lots)}[
        "factory.products[0].routing[1].eligible_machines"]
    assert find_violations(req) == []


def test_manual_work_in_progress_keeps_its_operators_from_plan_start() -> None:
    """K0's assembly is running (40 min left) with two of three operators: K1's needs two and waits for them."""
    progress = WorkInProgress(done_operation_ids=["cast"], running=RunningOperation(
        operation_id="assemble", machine_id=NO_MACHINE, remaining_minutes=40))
    req = _assembly(3)
    req = req.model_copy(update={"orders": [req.orders[0].model_copy(update={"work_in_progress": progress}),
                                            req.orders[1]]})
    assert find_violations(req) == []
    plan = _solve(req)
    starts = {(a.order_id, a.operation_id): a.start for a in plan.assignments}
    assert starts[("K0", "assemble")] == 0 and starts[("K1", "assemble")] == 40


# --- dies: a unit resource, and its change a changeover between die families --------------------------------

def test_a_die_is_changed_only_when_the_next_lot_needs_another_one() -> None:
    """Four lots of 60 min on one cell, two per die; a die change takes 45 min (a changeover between the dies as
    families), keeping the die mounted takes none: the best plan runs each die's lots together (one change). On
    two cells each die is on one cell at a time, so the lots of one die never run side by side."""
    products = [Product(id=f"P-{die}{n}", family=die, routing=[operation("cast", ["M1"], 2.0).model_copy(
        update={"resources": [ResourceNeed(resource_id=die)]})]) for die in ("A", "B") for n in (1, 2)]
    lots = [order(f"{p.family}{n}", p.id, 30) for n, p in enumerate(products)]
    change = [FamilyChangeover(from_family=a, to_family=b, minutes=45) for a, b in (("A", "B"), ("B", "A"))]
    req = request(["M1"], products, lots, horizon=2000, objective=Objective.MAKESPAN)
    req = req.model_copy(update={"factory": req.factory.model_copy(update={
        "changeovers": change, "resources": [Resource(id="A"), Resource(id="B")]})})
    assert _solve(req).stats.objective == 4 * 60 + 45
    two_cells = [p.model_copy(update={"routing": [p.routing[0].model_copy(update={"eligible_machines": [
        EligibleMachine(machine_id="M1"), EligibleMachine(machine_id="M2")]})]}) for p in products]
    req = req.model_copy(update={"factory": req.factory.model_copy(update={
        "products": two_cells, "machines": [*req.factory.machines, Machine(id="M2")]})})
    plan = _solve(req)
    assert plan.stats.objective == 2 * 60  # each cell keeps one die: no change at all
    for die in ("A", "B"):
        runs = sorted((a.start, a.end) for a in plan.assignments if a.product_id.startswith(f"P-{die}"))
        assert runs[0][1] <= runs[1][0]  # one die, one cell at a time
