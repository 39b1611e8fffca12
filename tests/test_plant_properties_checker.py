"""The checker against random plans that break a plant rule: a generated plant request
(`strategies.plant_requests`) is solved, the plan is mutated so that it breaks one rule, and the solver-independent
checker (`planner.checker.check_schedule`) must say so, in that rule's words.

Covered here (no property test broke these rules before): sequence rules; lot splits (sub-lots that do not add up,
more sub-lots than allowed, a split where none is allowed); the bill of materials (an assembly before its
components are made); the oven's minimum fill (raised above a planned load).

Already covered by a property test beside the rule's binding / non-binding pair (not repeated here):
- batch loads: `test_batching.py::test_checker_finds_every_broken_load_and_accepts_the_rest`
- recipe changeovers: `test_oven_rules.py::test_checker_flags_a_changeover_exactly_when_the_gap_is_too_short`
- secondary resources, shift capacities: `test_resources.py::test_the_checker_agrees_with_a_minute_by_minute_count`
- dies: `test_dies.py::test_the_checker_agrees_with_a_minute_by_minute_count`
- skills: `test_skills.py::test_the_checker_reports_double_booking_exactly_when_a_minute_count_finds_it`
- materials: `test_materials.py::test_the_checker_agrees_with_a_minute_by_minute_recount`
- produced stock: `test_stock_production.py::test_the_checker_agrees_with_a_minute_by_minute_recount`
- time lags: `test_time_lags.py::test_checker_finds_every_broken_lag_and_only_those`
- transfer batches: `test_transfer_batches.py::test_checker_agrees_with_a_batch_by_batch_count`
- pausing: `test_pausing.py::test_checker_accepts_exactly_the_pausing_plans`
- modes: `test_modes.py::test_the_checker_accepts_random_mode_choices_exactly_when_a_minute_count_does`
- precedence graphs: `test_precedence.py::test_random_graphs_solve_to_checked_plans_and_broken_links_are_caught`
- work in progress: `test_work_in_progress.py::test_checker_finds_every_broken_work_in_progress`
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import plant_requests

from planner import testing
from planner.checker import check_schedule
from planner.domain import PlanRequest, Product
from planner.plan import create_plan
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.lot_splitting import split_permission
from planner.scheduling.tasks import build_jobs
from planner.solution import ScheduledOperation

BREAK = settings(max_examples=20, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _solved(request: PlanRequest) -> list[ScheduledOperation]:
    """The plan's assignments, checked clean first (a plan to break must keep every rule to begin with)."""
    plan = create_plan(request)
    assume(plan.status.has_solution)
    assert check_schedule(request, plan.assignments, plan.maintenance) == []
    return plan.assignments


def _moved(placed: ScheduledOperation, machine_id: str, start: int) -> ScheduledOperation:
    length = placed.end - placed.start
    return placed.model_copy(update={"machine_id": machine_id, "start": start, "end": start + length})


@BREAK
@given(plant_requests(rules={"sequence_rules"}, max_orders=5), st.data())
def test_a_plan_that_runs_the_later_operation_first_breaks_the_sequence_rule(request: PlanRequest,
                                                                             data: st.DataObject) -> None:
    """Both operations of a rule put on its machine, the later one at the earlier one's start."""
    assume(request.sequence_rules)
    assignments = _solved(request)
    rule = data.draw(st.sampled_from(request.sequence_rules))
    placed = {(a.order_id, a.operation_id): i for i, a in enumerate(assignments)}
    before = placed[(rule.before_order_id, rule.before_operation_id)]
    after = placed[(rule.after_order_id, rule.after_operation_id)]
    broken = list(assignments)
    broken[before] = _moved(assignments[before], rule.machine_id, assignments[before].start)
    broken[after] = _moved(assignments[after], rule.machine_id, assignments[before].start)
    problems = check_schedule(request, broken)
    assert any(p.endswith("(sequence rule)") and p.startswith(f"{rule.after_order_id} ") for p in problems), problems


def _split_tasks(request: PlanRequest, assignments: list[ScheduledOperation], allowed: bool
                 ) -> list[tuple[str, int]]:
    """(order id, operation index) of planned operations whose lot may (or may not) be split into sub-lots (a
    permission for 2 or more that the lot is big enough to use: `Task.split`)."""
    found = {(t.order_id, t.index) for job in build_jobs(request) for t in job.tasks
             if (t.split is not None) == allowed}
    return sorted({(a.order_id, a.operation_index) for a in assignments} & found)


@BREAK
@given(plant_requests(rules={"lot_splits"}, max_orders=5), st.data())
def test_sub_lots_that_do_not_add_up_to_the_lot_break_the_lot_split(request: PlanRequest, data: st.DataObject) -> None:
    assignments = _solved(request)
    tasks = _split_tasks(request, assignments, allowed=True)
    assume(tasks)
    order_id, index = data.draw(st.sampled_from(tasks))
    first = next(i for i, a in enumerate(assignments) if (a.order_id, a.operation_index) == (order_id, index))
    broken = list(assignments)
    broken[first] = assignments[first].model_copy(update={"quantity": assignments[first].quantity + 1})
    problems = check_schedule(request, broken)
    assert any(f"{order_id}/{index} " in p and "sub-lots hold" in p for p in problems), problems


@BREAK
@given(plant_requests(rules={"lot_splits"}, max_orders=5), st.data())
def test_a_lot_split_into_too_many_or_unpermitted_sub_lots_breaks_the_rule(request: PlanRequest,
                                                                           data: st.DataObject) -> None:
    """A lot cut into more sub-lots than its permission allows (max_sublots + 1, each of at least one unit, side by
    side on its machine), or into two where no permission allows a split."""
    assignments = _solved(request)
    allowed = data.draw(st.booleans())
    products = {p.id: p for p in request.factory.products}
    orders = {o.id: o for o in request.orders}
    tasks = [(o, i) for o, i in _split_tasks(request, assignments, allowed)
             if sum(a.quantity for a in assignments if (a.order_id, a.operation_index) == (o, i)) >= 3]
    assume(tasks)
    order_id, index = data.draw(st.sampled_from(tasks))
    parts = [a for a in assignments if (a.order_id, a.operation_index) == (order_id, index)]
    permission = split_permission(orders[order_id], products[orders[order_id].product_id].routing[index])
    count = permission.max_sublots + 1 if allowed and permission is not None else 2
    quantity = sum(a.quantity for a in parts)
    assume(quantity >= count)
    sizes = [quantity // count + (k < quantity % count) for k in range(count)]
    broken = [a for a in assignments if a not in parts] + [
        parts[0].model_copy(update={"quantity": size, "sublot_index": k, "sublot_count": count})
        for k, size in enumerate(sizes)]
    problems = check_schedule(request, broken)
    words = f"split into {count} sub-lots" if allowed else "its lot may not be split"
    assert any(p.startswith(f"{order_id}/{index} ") and words in p for p in problems), problems


@BREAK
@given(plant_requests(rules={"bom"}, max_orders=3))
def test_an_assembly_before_its_components_are_made_breaks_the_bill_of_materials(request: PlanRequest) -> None:
    """The assembly moved to plan start, when no component order can have completed (the component stock starts
    empty and every component operation takes at least a minute)."""
    assignments = _solved(request)
    assembly = next(i for i, a in enumerate(assignments) if a.order_id == "O-assembly")
    component = request.factory.product("ASM").routing[0].materials[0].material_id
    broken = list(assignments)
    broken[assembly] = _moved(assignments[assembly], assignments[assembly].machine_id, 0)
    problems = check_schedule(request, broken)
    assert any(p.startswith(f"material {component}: ") and "O-assembly" in p for p in problems), problems


def test_a_whole_lot_that_reports_another_quantity_than_its_order_is_rejected() -> None:
    req = testing.request(["M0"], [Product(id="P", routing=[testing.operation("op0", ["M0"], run=0.5)])],
                          [testing.order("O0", "P", 1, due=60)], time_limit=2.0)
    plan = create_plan(req)
    assert plan.status.has_solution and check_schedule(req, plan.assignments) == []
    assert check_schedule(req, [plan.assignments[0].model_copy(update={"quantity": 7})]) != []


@BREAK
@given(plant_requests(rules={"batching"}, max_orders=5))
def test_a_load_below_a_raised_minimum_fill_breaks_the_oven_rule(request: PlanRequest) -> None:
    """The furnace's minimum fill raised just above its least-filled load (at most its capacity): that load breaks
    the rule, and no load that holds at least the new minimum is reported."""
    assignments = _solved(request)
    loads = loads_of(request, assignments)
    assume(loads)
    furnace = request.factory.machine(loads[0].machine_id)
    least = min(load.load for load in loads if load.machine_id == furnace.id)
    raised = least + 0.5
    assume(raised <= (furnace.batch_capacity or 0.0))
    machines = [m.model_copy(update={"batch_min_load": raised}) if m.id == furnace.id else m
                for m in request.factory.machines]
    stricter = request.model_copy(update={"factory": request.factory.model_copy(update={"machines": machines})})
    problems = [p for p in check_schedule(stricter, assignments) if "less than the minimum fill" in p]
    below = [load for load in loads if load.machine_id == furnace.id and load.load < raised]
    assert below and len(problems) == len(below), problems
