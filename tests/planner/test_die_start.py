"""The dispatching start with dies mounted on machines (`planner.scheduling.die_start`, `rules.dies`).

The start runs a die's lots as a campaign (a lot whose die is still mounted goes before a die change, when that
keeps the lot that wanted the change on time) and not otherwise; its schedule is checker-clean on random plants
with dies, and it hints every variable of the die rule with a solution of the model (CP-SAT starts from it)."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import Machine, Objective, Order, PlanRequest, Product, Resource, ResourceNeed
from planner.plan import create_plan
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.model import _add_hint, _build_model
from planner.scheduling.rules.die_mounts import die_changes
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import ScheduledOperation
from planner.testing import operation, order, request
from planner.validation import find_violations


def _casting(product_id: str, die: str, machines: list[str], setup: int = 0) -> Product:
    """One casting operation of 1 min a unit that runs with `die`."""
    return Product(id=product_id, routing=[operation(f"{product_id}-cast", machines, 1.0, setup).model_copy(
        update={"resources": [ResourceNeed(resource_id=die)]})])


def _plant(machines: list[Machine | str], products: list[Product], orders: list[Order], dies: list[Resource],
           horizon: int = 4000) -> PlanRequest:
    req = request(machines, products, orders, horizon=horizon, objective=Objective.WEIGHTED_TARDINESS,
                  time_limit=2.0)
    return req.model_copy(update={"factory": req.factory.model_copy(update={"resources": dies})})


def _start(req: PlanRequest) -> list[ScheduledOperation]:
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None and check_schedule(req, placed) == []
    return sorted(placed, key=lambda p: p.start)


def _alternating_dues(b1_due: int, a2_due: int = 700, b2_due: int = 800) -> PlanRequest:
    """One cell, dies D and E (1 h to mount, none mounted), four lots of 1 h due in the order A1 (D), B1 (E),
    A2 (D), B2 (E): by due date alone the cell would switch dies before every lot."""
    return _plant([Machine(id="DC-1")], [_casting("A", "D", ["DC-1"]), _casting("B", "E", ["DC-1"])],
                  [order("A1", "A", 60, due=200), order("B1", "B", 60, due=b1_due), order("A2", "A", 60, due=a2_due),
                   order("B2", "B", 60, due=b2_due)],
                  [Resource(id="D", mount_minutes=60), Resource(id="E", mount_minutes=60)])


def test_the_start_casts_a_dies_lots_back_to_back_instead_of_alternating() -> None:
    """Binding: A2 runs on D right after A1, before the cell changes to E; two changes instead of four, and every
    lot on time (alternating, A2 would end at 360 and B2 at 480, both late)."""
    req = _alternating_dues(b1_due=330, a2_due=340, b2_due=400)
    placed = _start(req)
    assert [p.order_id for p in placed] == ["A1", "A2", "B1", "B2"]
    assert [c.die_id for c in die_changes(req, placed)] == ["D", "E"]
    assert all(p.end <= o.due for p in placed for o in req.orders if o.id == p.order_id)


def test_the_campaign_does_not_make_the_lot_that_wanted_the_change_late() -> None:
    """Non-binding: B1 is due at 290; behind A2 it would end at 300, so the cell changes to E for it first."""
    req = _alternating_dues(b1_due=290)
    placed = _start(req)
    assert [p.order_id for p in placed][:2] == ["A1", "B1"]
    assert next(p for p in placed if p.order_id == "B1").end <= 290
    assert len(die_changes(req, placed)) == 3  # A2 changes D back, B2 keeps E


def test_the_start_takes_the_mounted_die_into_account() -> None:
    """E is mounted at plan start: B1 casts with it before the change to D that A1 (due first) wants, which keeps
    A1 on time; B2 does not (A1 would end at 240), so it waits for the change back to E after A2."""
    req = _alternating_dues(b1_due=600)
    req = req.model_copy(update={"factory": req.factory.model_copy(
        update={"machines": [Machine(id="DC-1", mounted_die="E")]})})
    placed = _start(req)
    assert [p.order_id for p in placed] == ["B1", "A1", "A2", "B2"]
    assert [c.die_id for c in die_changes(req, placed)] == ["D", "E"]
    assert all(p.end <= o.due for p in placed for o in req.orders if o.id == p.order_id)


@st.composite
def _die_plants(draw: st.DrawFn) -> PlanRequest:
    """1-3 cells, 1-3 dies (10 or 45 min to mount, some mounted at plan start), up to 8 lots of 1-3 products, each
    cast on a random subset of the cells."""
    machines = ["DC-1", "DC-2", "DC-3"][:draw(st.integers(1, 3))]
    dies = ["D", "E", "F"][:draw(st.integers(1, 3))]
    products = [_casting(f"P{i}", draw(st.sampled_from(dies)),
                         draw(st.lists(st.sampled_from(machines), min_size=1, max_size=len(machines), unique=True)),
                         draw(st.sampled_from([0, 15])))
                for i in range(draw(st.integers(1, 3)))]
    orders = [order(f"O{i}", draw(st.sampled_from(products)).id, draw(st.integers(10, 60)),
                    due=draw(st.integers(120, 400)), release=draw(st.integers(0, 120)))
              for i in range(draw(st.integers(1, 8)))]
    mounted = draw(st.permutations([*dies, None, None, None]))
    return _plant([Machine(id=m, mounted_die=mounted[i]) for i, m in enumerate(machines)], products, orders,
                  [Resource(id=d, mount_minutes=draw(st.sampled_from([10, 45]))) for d in dies], horizon=5000)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_die_plants())
def test_the_start_is_checker_clean_and_hints_every_die_variable_with_a_solution(req: PlanRequest) -> None:
    assert find_violations(req) == []
    jobs = build_jobs(req)
    available = availability_by_machine(req)
    hint = best_dispatch(req, jobs, available)
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None and check_schedule(req, placed) == []
    built = _build_model(req, jobs, available)
    _add_hint(built, hint)
    built.dies.hint(built.model, req, placed)
    proto = built.model.proto
    hinted = set(proto.solution_hint.vars)
    die_variables = [i for i, v in enumerate(proto.variables) if v.name.startswith(("die_", "on_machine["))]
    assert die_variables and all(i in hinted for i in die_variables)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)  # the hint is a solution


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_die_plants())
def test_cp_sat_never_ends_worse_than_the_start(req: PlanRequest) -> None:
    jobs = build_jobs(req)
    available = availability_by_machine(req)
    hint = best_dispatch(req, jobs, available)
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None
    due = {o.id: (o.due, o.weight) for o in req.orders}
    start_lateness = sum(w * max(0, p.end - d) for p in placed for d, w in [due[p.order_id]])
    plan = create_plan(req)
    assert plan.status.has_solution and check_plan(req, plan) == []
    assert plan.stats.objective <= start_lateness + 1e-6


@st.composite
def _schedules(draw: st.DrawFn) -> tuple[PlanRequest, list[ScheduledOperation]]:
    """Two cells, dies D and E (20 min to mount, some mounted at plan start), up to seven lots of 10 min on random
    cells, each cell's lots one after the other with random gaps; only the die rule can break (filtered below)."""
    mounted = draw(st.permutations(["D", "E", None, None]))[:2]
    lots = draw(st.lists(st.tuples(st.sampled_from(["DC-1", "DC-2"]), st.sampled_from(["D", "E"]),
                                   st.integers(0, 40)), min_size=1, max_size=7))
    products = [_casting(f"P{die}", die, ["DC-1", "DC-2"]) for die in ("D", "E")]
    req = _plant([Machine(id="DC-1", mounted_die=mounted[0]), Machine(id="DC-2", mounted_die=mounted[1])], products,
                 [order(f"O{i}", f"P{die}", 10, due=1000) for i, (_, die, _) in enumerate(lots)],
                 [Resource(id=die, mount_minutes=20) for die in ("D", "E")], horizon=1000)
    clock = {"DC-1": 0, "DC-2": 0}
    placed = []
    for i, (machine_id, die, gap) in enumerate(lots):
        start = clock[machine_id] + gap
        placed.append(ScheduledOperation(order_id=f"O{i}", product_id=f"P{die}", operation_id=f"P{die}-cast",
                                         operation_index=0, machine_id=machine_id, start=start, end=start + 10,
                                         quantity=10))
        clock[machine_id] = start + 10
    return req, placed


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_schedules())
def test_every_schedule_the_checker_accepts_is_a_solution_of_the_model(
        case: tuple[PlanRequest, list[ScheduledOperation]]) -> None:
    """The lighter model (keeps per pair of one die on one machine, a NoOverlap of held intervals per machine)
    forbids nothing the rule allows: a checker-clean schedule, fixed as the hint, is feasible."""
    req, placed = case
    assume(check_schedule(req, placed) == [])
    jobs = build_jobs(req)
    built = _build_model(req, jobs, availability_by_machine(req))
    _add_hint(built, {(p.order_id, p.operation_index): (p.machine_id, p.start) for p in placed})
    built.dies.hint(built.model, req, placed)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
