"""Materials and bills of materials: an operation starts only when the stock of what it consumes covers it.

Binding / non-binding pairs for bought-in material (on-hand stock, a receipt) and for an in-house component
(its order must complete first); a shortage is INFEASIBLE with the amount and the latest arrival; the checker
finds a plan that takes material before it arrives, and agrees with a minute-by-minute recount on random
plans; the stock's earliest-start query agrees with brute force; the dispatching start and the solver keep the
rule on random small instances, and a re-plan keeps it; MATERIAL_WAIT names the material and a date whose fix,
applied and re-solved, makes the order on time; bad input is reported field by field."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    Material,
    MaterialReceipt,
    MaterialUse,
    Objective,
    Order,
    PlanRequest,
    Product,
    RunningOperation,
    WorkInProgress,
    YieldEstimate,
)
from planner.plan import create_plan
from planner.replanning.replan import MachineBreakdown, replan
from planner.scheduling import lns
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.rules.bom import bom_cycle
from planner.scheduling.rules.materials import STOCK_SCALE, MaterialStock, material_waits, shortages, stock_problems
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations


def _casting(per_unit: float = 2.0, material: str = "AL") -> Product:
    """Cast (on either of two cells, taking `per_unit` kg of `material` per casting), then machine on M3."""
    cast = operation("cast", ["M1", "M2"], 1.0).model_copy(
        update={"materials": [MaterialUse(material_id=material, quantity_per_unit=per_unit)]})
    return Product(id="P", routing=[cast, operation("mach", ["M3"], 1.0)])


def _with(req: PlanRequest, *materials: Material, products: list[Product] | None = None) -> PlanRequest:
    update: dict[str, object] = {"materials": list(materials)}
    if products is not None:
        update["products"] = products
    return req.model_copy(update={"factory": req.factory.model_copy(update=update)})


def _two_lots(on_hand: float, receipts: Sequence[tuple[int, float]], due: int = 1000,
              objective: Objective = Objective.MAKESPAN) -> PlanRequest:
    """Two lots of 10 castings (20 kg of ingot each) that could cast side by side on M1 and M2."""
    req = request(["M1", "M2", "M3"], [_casting()], [order("A", "P", 10, due=due), order("B", "P", 10, due=due)],
                  horizon=1000, objective=objective)
    receipts_ = [MaterialReceipt(minute=m, quantity=q) for m, q in receipts]
    return _with(req, Material(id="AL", unit="kg", on_hand=on_hand, receipts=receipts_))


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _start(plan: PlanResult, order_id: str, index: int) -> int:
    return next(a.start for a in plan.assignments if a.order_id == order_id and a.operation_index == index)


# --- the rule: binding and non-binding -------------------------------------------------------------

def test_enough_ingot_on_hand_lets_both_lots_cast_at_once() -> None:
    plan = _solve(_two_lots(on_hand=40, receipts=[]))
    assert _start(plan, "A", 0) == _start(plan, "B", 0) == 0
    assert plan.stats.objective == 30  # 10 min cast side by side, then 2 x 10 min machining on M3
    assert plan.kpis is not None and plan.kpis.material_wait_minutes == 0


def test_a_lot_whose_ingot_arrives_later_waits_for_the_receipt() -> None:
    req = _two_lots(on_hand=20, receipts=[(100, 20)])
    plan = _solve(req)
    assert sorted([_start(plan, "A", 0), _start(plan, "B", 0)]) == [0, 100]
    assert plan.stats.objective == 120
    waits = material_waits(req, build_jobs(req), plan.assignments)
    assert [(w.material_id, w.ready, w.available, w.minutes) for w in waits] == [("AL", 0, 100, 100)]
    assert plan.kpis is not None and plan.kpis.material_wait_minutes == 100


def test_the_operation_may_start_at_the_minute_its_receipt_arrives_and_scrap_consumes_too() -> None:
    req = _two_lots(on_hand=20, receipts=[(50, 20)])
    assert _solve(req).stats.objective == 70
    # at 80 % yield 13 castings are processed for 10 good ones: 26 kg each, 52 kg for both lots
    lossy = req.model_copy(update={"yields": [
        YieldEstimate(product_id="P", machine_id=m, yield_rate=0.8) for m in ("M1", "M2")]})
    assert create_plan(lossy).status == SolveStatus.INFEASIBLE
    enough = _with(lossy, Material(id="AL", unit="kg", on_hand=26, receipts=[MaterialReceipt(minute=50,
                                                                                             quantity=26)]))
    assert _solve(enough).stats.objective > 0


def test_more_demand_than_stock_and_receipts_is_infeasible_with_the_shortfall_and_a_date() -> None:
    req = _two_lots(on_hand=20, receipts=[(100, 10)])
    plan = create_plan(req)
    assert plan.status == SolveStatus.INFEASIBLE
    assert any("AL" in r and "10 kg short" in r and "at the latest" in r for r in plan.infeasibility_reasons), \
        plan.infeasibility_reasons
    (short,) = shortages(req, build_jobs(req))
    assert (short.material_id, short.needed, short.available, short.short) == ("AL", 40, 30, 10)
    assert short.latest_arrival == 1000 - 20  # the cast and its machining must still fit in the horizon


# --- bills of materials -------------------------------------------------------------------------------

def _assembly(component_orders: list[Order], parent_quantity: int = 4) -> PlanRequest:
    """A housing (component, made on M1) and a drive unit (parent) whose assembly on M2 takes 2 housings each."""
    housing = Product(id="HOUSING", routing=[operation("cast", ["M1"], 5.0)])
    assemble = operation("assemble", ["M2"], 1.0).model_copy(
        update={"materials": [MaterialUse(material_id="HOUSING", quantity_per_unit=2)]})
    drive = Product(id="DRIVE", routing=[operation("prep", ["M2"], 1.0), assemble])
    orders = [*component_orders, order("D", "DRIVE", parent_quantity, due=1000)]
    return request(["M1", "M2"], [housing, drive], orders, horizon=2000, objective=Objective.MAKESPAN)


def test_the_parents_assembly_waits_for_enough_component_orders_to_complete() -> None:
    req = _assembly([order("H1", "HOUSING", 4), order("H2", "HOUSING", 4)])
    plan = _solve(req)
    housings_done = max(a.end for a in plan.assignments if a.product_id == "HOUSING")
    assert housings_done == 40  # 2 x 4 housings at 5 min each on M1
    assert _start(plan, "D", 1) >= housings_done  # 8 housings needed: both orders


def test_a_parent_needing_fewer_components_waits_only_for_the_first_order() -> None:
    req = _assembly([order("H1", "HOUSING", 4), order("H2", "HOUSING", 4)], parent_quantity=2)
    urgent = req.model_copy(update={"orders": [*req.orders[:2], req.orders[2].model_copy(update={"due": 25})],
                                    "options": req.options.model_copy(
                                        update={"objective": Objective.WEIGHTED_TARDINESS})})
    plan = _solve(urgent)
    first_done = min(a.end for a in plan.assignments if a.product_id == "HOUSING")
    assert first_done == 20 and 20 <= _start(plan, "D", 1) <= 23  # 4 housings: after the first order only
    assert plan.kpis is not None and plan.kpis.late_orders == 0


def test_too_few_component_orders_is_infeasible() -> None:
    plan = create_plan(_assembly([order("H1", "HOUSING", 4)]))
    assert plan.status == SolveStatus.INFEASIBLE
    assert any(r.startswith("Component HOUSING") and "4 units short" in r for r in plan.infeasibility_reasons)


def test_a_bom_cycle_and_a_product_consuming_itself_are_invalid() -> None:
    req = _assembly([order("H1", "HOUSING", 8)])
    housing, drive = req.factory.products
    cyclic = housing.model_copy(update={"routing": [housing.routing[0].model_copy(update={
        "materials": [MaterialUse(material_id="DRIVE", quantity_per_unit=1)]})]})
    bad = _with(req, products=[cyclic, drive])
    assert bom_cycle(bad.factory) in (["DRIVE", "HOUSING", "DRIVE"], ["HOUSING", "DRIVE", "HOUSING"])
    fields = {v.field: v.reason for v in find_violations(bad)}
    assert any("cycle" in reason and "HOUSING" in reason for reason in fields.values()), fields
    selfish = drive.model_copy(update={"routing": [drive.routing[0].model_copy(update={
        "materials": [MaterialUse(material_id="DRIVE", quantity_per_unit=1)]}), drive.routing[1]]})
    fields = {v.field: v.reason for v in find_violations(_with(req, products=[housing, selfish]))}
    assert "consume itself" in fields["factory.products[1].routing[0].materials[0].material_id"]


# --- the checker ------------------------------------------------------------------------------------

def test_the_checker_finds_a_lot_cast_before_its_ingot_arrived() -> None:
    req = _two_lots(on_hand=20, receipts=[(100, 20)])
    plan = _solve(req)
    first = next(a for a in plan.assignments if a.operation_index == 0 and a.start == 0)
    free = "M2" if first.machine_id == "M1" else "M1"
    early = [a.model_copy(update={"start": 0, "end": 10, "machine_id": free})  # cast at once, on the free cell
             if a.operation_index == 0 and a.start == 100 else a for a in plan.assignments]
    problems = check_schedule(req, early)
    assert problems and all(p.startswith("material AL:") for p in problems), problems
    assert check_schedule(req, plan.assignments) == []


def _recount(req: PlanRequest, assignments: list[ScheduledOperation]) -> bool:
    """Independent: at every minute, received so far >= consumed so far, for every material."""
    jobs = {job.order.id: job for job in build_jobs(req)}
    routings = {p.id: p.routing for p in req.factory.products}
    horizon = req.options.horizon_minutes
    for material in req.factory.materials:
        level = [material.on_hand] * (horizon + 1)
        for receipt in material.receipts:
            for minute in range(receipt.minute, horizon + 1):
                level[minute] += receipt.quantity
        for placed in assignments:
            task = next(t for t in jobs[placed.order_id].tasks if t.index == placed.operation_index)
            alternative = task.alternative(placed.machine_id)
            assert alternative is not None
            for use in routings[placed.product_id][placed.operation_index].materials:
                if use.material_id == material.id:
                    for minute in range(placed.start, horizon + 1):
                        level[minute] -= use.quantity_per_unit * alternative.processed
        if min(level) < -1e-6:
            return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(on_hand=st.integers(0, 60), receipts=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 30)), max_size=3),
       starts=st.lists(st.integers(0, 200), min_size=3, max_size=3))
def test_the_checker_agrees_with_a_minute_by_minute_recount(on_hand: int, receipts: list[tuple[int, int]],
                                                           starts: list[int]) -> None:
    req = _two_lots(on_hand, receipts)
    req = req.model_copy(update={"orders": [*req.orders, order("C", "P", 5)], "options": req.options.model_copy(
        update={"horizon_minutes": 300})})
    assignments = [ScheduledOperation(order_id=o.id, product_id="P", operation_id="cast", operation_index=0,
                                      machine_id="M1", start=s, end=s + o.quantity, quantity=o.quantity)
                   for o, s in zip(req.orders, starts, strict=True)]
    found = stock_problems(req, build_jobs(req), assignments)
    assert (found == []) == _recount(req, assignments), found


@settings(max_examples=60, deadline=None)
@given(events=st.lists(st.tuples(st.integers(0, 50), st.integers(-5, 8)), max_size=8),
       ready=st.integers(0, 60), amount=st.integers(1, 10))
def test_the_earliest_start_of_a_consumption_agrees_with_brute_force(events: list[tuple[int, int]], ready: int,
                                                                    amount: int) -> None:
    stock = MaterialStock({"X": []})
    for minute, change in events:
        stock.add("X", minute, change * STOCK_SCALE)

    def fits(at: int) -> bool:
        return all(sum(c for m, c in events if m <= t) - amount >= 0 for t in range(at, 62))  # from `at` on

    # after the last event (minute 50 at most) the level no longer changes, so this range decides
    assert stock.earliest("X", ready, amount * STOCK_SCALE) == next((t for t in range(ready, 61) if fits(t)), None)


# --- the solver and the start on random instances ----------------------------------------------------

@st.composite
def _instances(draw: st.DrawFn) -> PlanRequest:
    """Two to four lots of one or two products that take one or two materials, with random stock and receipts
    (enough in total), and sometimes a component made in-house."""
    uses = draw(st.lists(st.sampled_from(["AL", "BRG"]), min_size=1, max_size=2, unique=True))
    per_unit = {u: draw(st.sampled_from([0.5, 1.0, 2.0])) for u in uses}
    cast = operation("cast", ["M1", "M2"], 1.0).model_copy(update={"materials": [
        MaterialUse(material_id=u, quantity_per_unit=per_unit[u]) for u in uses]})
    products = [Product(id="P", routing=[cast, operation("mach", ["M3"], 1.0)])]
    quantities = draw(st.lists(st.integers(1, 12), min_size=2, max_size=4))
    orders = [order(f"O{i}", "P", q, due=draw(st.integers(10, 120))) for i, q in enumerate(quantities)]
    if draw(st.booleans()):  # a component: the last lot's machining takes one bracket per unit
        bracket = Product(id="BRACKET", routing=[operation("press", ["M2"], 2.0)])
        mach = operation("mach", ["M3"], 1.0).model_copy(
            update={"materials": [MaterialUse(material_id="BRACKET", quantity_per_unit=1)]})
        products = [products[0], Product(id="Q", routing=[cast, mach]), bracket]
        orders[-1] = orders[-1].model_copy(update={"product_id": "Q"})
        orders.append(order("BR", "BRACKET", quantities[-1], due=draw(st.integers(10, 120))))
    materials = []
    for use in uses:
        needed = sum(q for q in quantities) * per_unit[use]
        on_hand = draw(st.integers(0, int(needed)))
        arrival = draw(st.integers(0, 150))
        materials.append(Material(id=use, on_hand=on_hand, receipts=[MaterialReceipt(minute=arrival,
                                                                                     quantity=needed - on_hand)]
                                  if needed > on_hand else []))
    req = request(["M1", "M2", "M3"], products, orders, horizon=600, time_limit=2.0)
    return _with(req, *materials)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(req=_instances())
def test_the_dispatching_start_and_the_solver_keep_the_stock_on_random_instances(req: PlanRequest) -> None:
    assert find_violations(req) == []
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    started = hint_assignments(jobs, hint)
    assert started is not None and check_schedule(req, started) == []
    plan = create_plan(req)
    assert plan.status.has_solution
    assert check_plan(req, plan) == []


# --- explanations --------------------------------------------------------------------------------------

def test_a_late_order_that_waited_for_ingot_names_it_and_the_date_that_would_make_it_on_time() -> None:
    req = _two_lots(on_hand=20, receipts=[(100, 20)], due=60, objective=Objective.WEIGHTED_TARDINESS)
    plan = _solve(req)
    (late,) = plan.late_orders
    assert late.reason_code == "MATERIAL_WAIT", late.reason
    assert "AL" in late.reason and "20 kg" in late.reason and "Mon 05 Jan 01:40" in late.reason
    assert late.fix.startswith("AL would have to arrive by Mon 05 Jan 00:40 (20 kg more")
    assert "for the order to be on time" in late.fix and late.fix_saves_minutes == late.minutes_late == 60
    # the fix, applied and re-solved: 20 kg more at minute 40 and the order is on time
    (material,) = req.factory.materials
    fixed = _with(req, material.model_copy(update={"receipts": [*material.receipts,
                                                                 MaterialReceipt(minute=40, quantity=20)]}))
    assert _solve(fixed).late_orders == []
    korean = _solve(req.model_copy(update={"options": req.options.model_copy(update={"locale": "ko"})}))
    assert korean.late_orders[0].reason_code == "MATERIAL_WAIT"
    assert "AL" in korean.late_orders[0].fix and "01월 05일 00:40" in korean.late_orders[0].fix


# --- validation and the LNS gate -------------------------------------------------------------------

def test_bad_material_input_is_reported_field_by_field() -> None:
    req = _two_lots(on_hand=-1, receipts=[(-5, 10), (2000, 0)])
    cast = req.factory.products[0].routing[0].model_copy(update={"materials": [
        MaterialUse(material_id="GHOST", quantity_per_unit=1), MaterialUse(material_id="AL", quantity_per_unit=0),
        MaterialUse(material_id="AL", quantity_per_unit=float("nan"))]})
    product = req.factory.products[0].model_copy(update={"routing": [cast, req.factory.products[0].routing[1]]})
    clash, twice = Material(id="P"), Material(id="AL")
    bad = _with(req, *req.factory.materials, clash, twice, products=[product])
    found = defaultdict(list)
    for violation in find_violations(bad):
        found[violation.field].append(violation.reason)
    uses = "factory.products[0].routing[0].materials"
    assert "at least 0" in found["factory.materials[0].on_hand"][0]
    assert "horizon" in found["factory.materials[0].receipts[0].minute"][0]
    assert "horizon" in found["factory.materials[0].receipts[1].minute"][0]
    assert "greater than 0" in found["factory.materials[0].receipts[1].quantity"][0]
    assert "also a product id" in found["factory.materials[1].id"][0]
    assert "duplicate id 'AL'" in found["factory.materials[2].id"][0]
    assert "unknown material or component 'GHOST'" in found[f"{uses}[0].material_id"][0]
    assert "greater than 0" in found[f"{uses}[1].quantity_per_unit"][0]
    assert "greater than 0" in found[f"{uses}[2].quantity_per_unit"][0]
    assert "listed twice" in found[f"{uses}[2].material_id"][0]
    assert find_violations(_two_lots(on_hand=20, receipts=[(0, 5), (1000, 5)])) == []


def test_the_lns_leaves_plans_with_materials_to_the_full_model() -> None:
    req = _two_lots(on_hand=40, receipts=[], objective=Objective.WEIGHTED_TARDINESS)
    assert not lns.decomposable(req)
    assert lns.decomposable(req.model_copy(update={"factory": req.factory.model_copy(update={
        "materials": [], "products": [Product(id="P", routing=[operation("cast", ["M1", "M2"]),
                                                               operation("mach", ["M3"])])]})}))


def test_a_replan_after_a_breakdown_still_waits_for_the_receipt() -> None:
    req = _two_lots(on_hand=20, receipts=[(100, 20)])
    released = _solve(req)
    result = replan(req, released, [MachineBreakdown(machine_id="M2", start=5, repair_end=300)], replan_at=5)
    assert result.plan.status.has_solution
    assert check_plan(result.request, result.plan, result.overdue_maintenance) == []
    casts = sorted(a.start for a in result.plan.assignments if a.operation_index == 0)
    assert casts[1] >= 100 and all(a.machine_id != "M2" or a.end <= 5 or a.start >= 300
                                   for a in result.plan.assignments)


def test_a_component_order_running_at_plan_start_fills_the_stock_when_it_ends() -> None:
    req = _assembly([order("H1", "HOUSING", 8)])
    running = WorkInProgress(running=RunningOperation(operation_id="cast", machine_id="M1", remaining_minutes=15))
    req = req.model_copy(update={"orders": [req.orders[0].model_copy(update={"work_in_progress": running}),
                                            req.orders[1]]})
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None and hint[("D", 1)][1] >= 15  # the start waits for the housings, and finds them
    plan = _solve(req)
    assert _start(plan, "D", 1) >= 15
