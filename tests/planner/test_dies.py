"""Dies mounted on machines: changing the die is a setup (`planner.scheduling.rules.dies`).

The rule binds when lots of different dies share a machine or one die is wanted on two machines, and costs
nothing when every lot finds its die mounted; a die change needs the machine's working time and the setter the
setup needs. The checker finds a die on two machines at once and a die not mounted in time (against a
minute-by-minute count), the dispatching start keeps the rule on random instances, a late order names the die
it waited for (en, ko), the fields survive the gRPC mapping, and bad input is INVALID_ARGUMENT."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    Machine,
    Objective,
    OperationMode,
    Order,
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
    RunningOperation,
    Shift,
    ShiftCalendar,
    WorkInProgress,
)
from planner.plan import create_plan
from planner.scheduling import lns
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.rules.die_mounts import die_changes, die_problems
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.mapping import plan_request_to_domain, plan_request_to_proto, plan_to_proto
from service.settings import Settings

HOUR = 60


def _casting(product_id: str, die: str, machines: list[str], setup: int = 0, *extra: ResourceNeed) -> Product:
    """One casting operation of 1 min a unit that runs with `die` (plus any other needs)."""
    return Product(id=product_id, routing=[operation(f"{product_id}-cast", machines, 1.0, setup).model_copy(
        update={"resources": [ResourceNeed(resource_id=die), *extra]})])


def _plant(machines: list[Machine | str], products: list[Product], orders: list[Order], resources: list[Resource],
           objective: Objective = Objective.MAKESPAN, calendars: list[ShiftCalendar] | None = None,
           horizon: int = 4000) -> PlanRequest:
    req = request(machines, products, orders, horizon=horizon, objective=objective, time_limit=5.0,
                  calendars=calendars)
    return req.model_copy(update={"factory": req.factory.model_copy(update={"resources": resources})})


def _dies(mount: int, *ids: str) -> list[Resource]:
    return [Resource(id=die, mount_minutes=mount) for die in ids]


def _one_cell(mount: int, mounted: str | None = None, second: str = "E") -> PlanRequest:
    """DC-1 casts three lots of an hour: A1 and A2 with die D, B1 with die `second`."""
    return _plant([Machine(id="DC-1", mounted_die=mounted)],
                  [_casting("A", "D", ["DC-1"]), _casting("B", second, ["DC-1"])],
                  [order("A1", "A", 60, due=0), order("B1", "B", 60, due=0), order("A2", "A", 60, due=0)],
                  _dies(mount, "D", "E"))


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


# --- the rule: binding and non-binding ---------------------------------------------------------------------------


def test_lots_of_one_die_run_together_and_each_change_takes_the_mount_time() -> None:
    """No die mounted: D once and E once (the two D lots run back to back), 2 x 60 min of changes."""
    plan = _solve(_one_cell(60))
    assert plan.stats.objective == 3 * HOUR + 2 * HOUR
    assert plan.kpis is not None and (plan.kpis.die_changes, plan.kpis.die_change_minutes) == (2, 120)
    changes = die_changes(_one_cell(60), plan.assignments)
    assert sorted(c.die_id for c in changes) == ["D", "E"]
    assert all(c.end - c.start == 60 for c in changes)


def test_a_die_mounted_at_plan_start_saves_its_change() -> None:
    plan = _solve(_one_cell(60, mounted="D"))
    assert plan.stats.objective == 3 * HOUR + HOUR
    (change,) = die_changes(_one_cell(60, mounted="D"), plan.assignments)
    assert (change.die_id, change.replaced_die_id) == ("E", "D")


def test_the_rule_costs_nothing_when_every_lot_finds_its_die_mounted() -> None:
    """All three lots need D, which is mounted: no change, the same makespan as without a mount time."""
    with_die = _solve(_one_cell(60, mounted="D", second="D"))
    without = _solve(_one_cell(0, second="D"))
    assert with_die.stats.objective == without.stats.objective == 3 * HOUR
    assert with_die.kpis is not None and with_die.kpis.die_changes == 0


def _two_cells(mount: int, extra: tuple[ResourceNeed, ...] = (), setup: int = 0, mounted: str | None = "D",
               dies: tuple[str, str] = ("D", "D"), resources: tuple[Resource, ...] = ()) -> PlanRequest:
    """DC-1 and DC-2 each cast an hour's lot; with one die D (mounted on DC-1), DC-2 must wait for it."""
    return _plant([Machine(id="DC-1", mounted_die=mounted), Machine(id="DC-2")],
                  [_casting("A", dies[0], ["DC-1"], setup, *extra), _casting("B", dies[1], ["DC-2"], setup, *extra)],
                  [order("A1", "A", 60 - setup, due=0), order("B1", "B", 60 - setup, due=0)],
                  [*_dies(mount, *sorted(set(dies))), *resources])


def test_one_die_for_two_cells_moves_from_one_to_the_other() -> None:
    """D runs A1 on DC-1 (mounted, 0-60), is changed onto DC-2 (60-120) and casts B1 there (120-180)."""
    plan = _solve(_two_cells(60))
    assert plan.stats.objective == 180
    (change,) = die_changes(_two_cells(60), plan.assignments)
    assert (change.machine_id, change.start, change.end) == ("DC-2", 60, 120)
    assert _solve(_two_cells(0, mounted=None)).stats.objective == 120  # a plain unit resource: no mount time


def test_a_die_change_holds_the_setter_a_setup_needs() -> None:
    """Two dies, one setter for the setups (30 min): each change (60 min) needs the setter too, so the second
    cell's change waits for the first change and setup; with two setters both cells start at once."""
    setter = ResourceNeed(resource_id="setter", setup_only=True)
    one = _two_cells(60, (setter,), setup=30, mounted=None, dies=("D", "E"), resources=(Resource(id="setter"),))
    two = _two_cells(60, (setter,), setup=30, mounted=None, dies=("D", "E"),
                     resources=(Resource(id="setter", capacity=2),))
    assert _solve(one).stats.objective == 90 + 60 + 60
    assert _solve(two).stats.objective == 60 + 60


def test_a_die_change_is_done_in_working_time() -> None:
    """DC-1 works 06:00-14:00: the change starts at 06:00, the lot at 07:00."""
    early = ShiftCalendar(id="early", shifts=[Shift(name="early", start_minute=360, length_minutes=480)],
                          working_days=list(range(7)))
    req = _plant([Machine(id="DC-1", calendar_id="early")], [_casting("A", "D", ["DC-1"])],
                 [order("A1", "A", 60, due=0)], _dies(60, "D"), calendars=[early])
    (lot,) = _solve(req).assignments
    assert lot.start == 360 + 60


def test_work_in_progress_runs_with_its_die_and_the_next_lot_keeps_it() -> None:
    req = _one_cell(60, second="D")
    running = WorkInProgress(running=RunningOperation(operation_id="A-cast", machine_id="DC-1", remaining_minutes=30))
    req = req.model_copy(update={"orders": [req.orders[0].model_copy(update={"work_in_progress": running}),
                                            *req.orders[1:]]})
    plan = _solve(req)
    assert plan.stats.objective == 30 + 2 * HOUR
    assert plan.kpis is not None and plan.kpis.die_changes == 0


def test_the_local_search_leaves_die_plants_alone() -> None:
    assert not lns.decomposable(_one_cell(60).model_copy(update={"options": _one_cell(60).options.model_copy(
        update={"objective": Objective.WEIGHTED_TARDINESS})}))


# --- the checker ----------------------------------------------------------------------------------------------------


def _placed(order_id: str, product_id: str, machine_id: str, start: int, length: int = 60) -> ScheduledOperation:
    return ScheduledOperation(order_id=order_id, product_id=product_id, operation_id=f"{product_id}-cast",
                              operation_index=0, machine_id=machine_id, start=start, end=start + length, quantity=60)


def test_checker_catches_one_die_on_two_cells_at_once() -> None:
    req = _two_cells(60)
    broken = [_placed("A1", "A", "DC-1", 0), _placed("B1", "B", "DC-2", 90)]  # change on DC-2 from 30: D busy
    assert [p for p in check_schedule(req, broken) if p.startswith("die D")] == [
        "die D: on DC-1 (A1/0) and DC-2 (B1/0) at once from 30 to 60"]
    assert check_schedule(req, [_placed("A1", "A", "DC-1", 0), _placed("B1", "B", "DC-2", 120)]) == []


def test_checker_catches_a_die_not_mounted_in_time() -> None:
    req = _one_cell(60, mounted="D")
    broken = [_placed("A1", "A", "DC-1", 0), _placed("B1", "B", "DC-1", 90), _placed("A2", "A", "DC-1", 200)]
    problems = check_schedule(req, broken)
    assert any("B1/0 on DC-1: die E must be mounted from 30 to 90, but A1/0 is on the machine" in p for p in problems)
    assert any("A2/0 on DC-1: die D must be mounted from 140 to 200, but B1/0" in p for p in problems)
    fixed = [_placed("A1", "A", "DC-1", 0), _placed("A2", "A", "DC-1", 60), _placed("B1", "B", "DC-1", 180)]
    assert check_schedule(req, fixed) == []


def test_checker_catches_a_change_before_plan_start() -> None:
    problems = check_schedule(_one_cell(60), [_placed("A1", "A", "DC-1", 0), _placed("A2", "A", "DC-1", 60),
                                              _placed("B1", "B", "DC-1", 180)])
    assert problems == ["A1/0 on DC-1: die D must be mounted from -60 to 0, outside working time or before plan "
                        "start (die not mounted in time)"]


@st.composite
def _die_schedules(draw: st.DrawFn) -> tuple[PlanRequest, list[ScheduledOperation]]:
    """Two cells, dies D and E (mount 20), up to six lots of 10 min on random cells, each cell's lots one after the
    other with random gaps (the machine rule holds; only the die rule can break)."""
    mounted = [draw(st.sampled_from([None, "D", "E"])) for _ in range(2)]
    if mounted[0] is not None and mounted[0] == mounted[1]:
        mounted[1] = None
    lots = draw(st.lists(st.tuples(st.sampled_from(["DC-1", "DC-2"]), st.sampled_from(["D", "E"]),
                                   st.integers(0, 40)), min_size=1, max_size=6))
    products = [_casting(f"P{die}{m[-1]}", die, [m]) for m in ("DC-1", "DC-2") for die in ("D", "E")]
    req = _plant([Machine(id="DC-1", mounted_die=mounted[0]), Machine(id="DC-2", mounted_die=mounted[1])], products,
                 [order(f"O{i}", f"P{die}{m[-1]}", 10) for i, (m, die, _) in enumerate(lots)], _dies(20, "D", "E"),
                 horizon=1000)
    clock = {"DC-1": 0, "DC-2": 0}
    placed = []
    for i, (machine_id, die, gap) in enumerate(lots):
        start = clock[machine_id] + gap
        placed.append(_placed(f"O{i}", f"P{die}{machine_id[-1]}", machine_id, start, 10))
        clock[machine_id] = start + 10
    return req, placed


def _minute_count_conflicts(req: PlanRequest, placed: list[ScheduledOperation]) -> bool:
    """Whether some minute has a machine doing two things (a lot, a die change) or a die in two places, counted
    minute by minute; a lot needs a change unless the last die lot begun on its machine used its die and its die's
    last lot begun anywhere was on that machine (or, before any, the die was mounted there at plan start)."""
    on_machine = {m.id: m.mounted_die for m in req.factory.machines}
    location = {die: m for m, die in on_machine.items() if die is not None}
    machine_use: dict[tuple[str, int], int] = {}
    die_use: dict[tuple[str, int], set[str]] = {}
    die_of = {p.id: p.routing[0].resources[0].resource_id for p in req.factory.products}
    for lot in sorted(placed, key=lambda p: p.start):
        die = die_of[lot.product_id]
        change = on_machine[lot.machine_id] != die or location.get(die) != lot.machine_id
        begin = lot.start - 20 if change else lot.start
        if begin < 0:
            return True
        for minute in range(begin, lot.end):
            machine_use[(lot.machine_id, minute)] = machine_use.get((lot.machine_id, minute), 0) + 1
            die_use.setdefault((die, minute), set()).add(lot.order_id)
        on_machine = {m: (None if d == die else d) for m, d in on_machine.items()} | {lot.machine_id: die}
        location[die] = lot.machine_id
    return any(n > 1 for n in machine_use.values()) or any(len(who) > 1 for who in die_use.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_die_schedules())
def test_the_checker_agrees_with_a_minute_by_minute_count(case: tuple[PlanRequest, list[ScheduledOperation]]) -> None:
    req, placed = case
    available = availability_by_machine(req)
    assert bool(die_problems(req, placed, available)) == _minute_count_conflicts(req, placed)


# --- the dispatching start and the solver on random instances ----------------------------------------------------


@st.composite
def _die_plants(draw: st.DrawFn) -> PlanRequest:
    machines = ["DC-1", "DC-2", "DC-3"][:draw(st.integers(1, 3))]
    dies = ["D", "E", "F"][:draw(st.integers(1, 3))]
    products = [_casting(f"P{i}", draw(st.sampled_from(dies)),
                         draw(st.lists(st.sampled_from(machines), min_size=1, max_size=len(machines), unique=True)),
                         draw(st.sampled_from([0, 15])))
                for i in range(draw(st.integers(1, 3)))]
    orders = [order(f"O{i}", draw(st.sampled_from(products)).id, draw(st.integers(10, 60)),
                    due=draw(st.integers(120, 400)), release=draw(st.integers(0, 120)))
              for i in range(draw(st.integers(1, 6)))]
    mounted = draw(st.permutations([*dies, None, None, None]))
    return _plant([Machine(id=m, mounted_die=mounted[i]) for i, m in enumerate(machines)], products, orders,
                  [Resource(id=d, mount_minutes=draw(st.sampled_from([10, 45]))) for d in dies],
                  objective=Objective.WEIGHTED_TARDINESS, horizon=5000)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_die_plants())
def test_the_start_and_the_solver_keep_the_die_rule(req: PlanRequest) -> None:
    assert find_violations(req) == []
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    start = hint_assignments(jobs, hint)
    assert start is not None and check_schedule(req, start) == []
    plan = create_plan(req.model_copy(update={"options": req.options.model_copy(update={"time_limit_seconds": 2.0})}))
    assert plan.status.has_solution and check_plan(req, plan) == []


# --- explanations --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "words"), [("en", "for die D, held on DC-1"), ("ko", "금형 D")])
def test_a_late_order_names_the_die_it_waited_for(locale: str, words: str) -> None:
    """B1 on DC-2 needs D, which casts the long A1 on DC-1 first (A1 is due earlier and weighs more)."""
    req = _plant([Machine(id="DC-1", mounted_die="D"), Machine(id="DC-2")],
                 [_casting("A", "D", ["DC-1"]), _casting("B", "D", ["DC-2"])],
                 [order("A1", "A", 300, due=300, weight=5.0), order("B1", "B", 60, due=60)], _dies(60, "D"),
                 objective=Objective.WEIGHTED_TARDINESS)
    req = req.model_copy(update={"options": req.options.model_copy(update={"locale": locale})})
    plan = _solve(req)
    (late,) = plan.late_orders
    assert late.order_id == "B1" and late.reason_code == "DIE_IN_USE", late.reason
    assert words in late.reason and "A1" in late.orders_ahead, late.reason
    assert late.fix_saves_minutes == 300  # the 5 h the die cast A1 on DC-1 while B1 waited


# --- the API: mapping and bad input --------------------------------------------------------------------------------


def test_dies_survive_the_mapping_and_the_plan_lists_its_changes() -> None:
    req = _one_cell(60, mounted="D")
    message = plan_request_to_proto(req)
    assert message.factory.resources[0].mount_time.ToTimedelta() == timedelta(minutes=60)
    assert message.factory.machines[0].mounted_die == "D"
    back = plan_request_to_domain(message, Settings())
    assert back.factory.resources == req.factory.resources and back.factory.machines[0].mounted_die == "D"
    plan = _solve(req)
    proto = plan_to_proto(req, plan)
    (change,) = proto.die_changes
    assert (change.machine_id, change.die_id, change.replaced_die_id) == ("DC-1", "E", "D")
    assert change.end.ToDatetime() - change.start.ToDatetime() == timedelta(minutes=60)
    assert proto.kpis.die_changes == 1 and proto.kpis.die_change_time.ToTimedelta() == timedelta(hours=1)


def test_bad_dies_are_field_violations() -> None:
    req = _one_cell(60, mounted="X")
    resources = [Resource(id="F", mount_minutes=-5), Resource(id="E", mount_minutes=60, capacity=2),
                 Resource(id="setter", capacity=2), Resource(id="D", mount_minutes=60)]
    needs = [ResourceNeed(resource_id="D", setup_only=True), ResourceNeed(resource_id="E")]
    product = req.factory.products[0]
    product = product.model_copy(update={"routing": [product.routing[0].model_copy(update={"resources": needs})]})
    machines = [req.factory.machines[0], Machine(id="DC-2", mounted_die="setter")]
    bad = req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": resources, "machines": machines, "products": [product, *req.factory.products[1:]]})})
    fields = {v.field: v.reason for v in find_violations(bad)}
    assert fields["factory.resources[0].mount_minutes"] == "must not be negative"
    assert "capacity must be 1" in fields["factory.resources[1].capacity"]
    assert fields["factory.machines[0].mounted_die"] == "unknown die 'X'"
    assert "no die" in fields["factory.machines[1].mounted_die"]
    assert "one die at a time" in fields["factory.products[0].routing[0].resources"]
    assert "whole run" in fields["factory.products[0].routing[0].resources[0].setup_only"]


def test_the_modes_of_an_operation_run_with_the_same_die() -> None:
    req = _one_cell(60)
    modes = [OperationMode(id="fast", machine_id="DC-1", run_minutes_per_unit=0.5,
                           resources=[ResourceNeed(resource_id="D")]),
             OperationMode(id="slow", machine_id="DC-1", run_minutes_per_unit=1.0,
                           resources=[ResourceNeed(resource_id="E")])]
    product = req.factory.products[0]
    product = product.model_copy(update={"routing": [product.routing[0].model_copy(update={"modes": modes})]})
    bad = req.model_copy(update={"factory": req.factory.model_copy(update={
        "products": [product, *req.factory.products[1:]]})})
    fields = {v.field: v.reason for v in find_violations(bad)}
    assert "same die" in fields["factory.products[0].routing[0].modes"]


def test_bad_dies_are_invalid_argument_and_nothing_is_stored(channel: grpc.Channel) -> None:
    stub = pb_grpc.PlanningServiceStub(channel)
    message = plan_request_to_proto(_one_cell(60))
    message.request_id = "dies-invalid"
    message.factory.resources[0].mount_time.FromTimedelta(timedelta(minutes=-30))
    message.factory.machines[0].mounted_die = "nope"
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    with pytest.raises(grpc.RpcError) as caught:
        stub.CreatePlan(message, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.reason for v in bad_request_violations(caught.value)}
    assert violations["factory.resources[0].mount_time"] == "must not be negative"
    assert violations["factory.machines[0].mounted_die"] == "unknown die 'nope'"
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before
