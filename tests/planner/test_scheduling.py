"""Each scheduling rule has a case where it binds; the checker validates every solve."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from strategies import plan_requests

from benchmarks.instances import ShopInstance, to_plan_request
from planner.checker import check_plan, check_schedule
from planner.domain import Machine, Objective, PlanRequest, Shift, ShiftCalendar, TimeWindow
from planner.plan import create_plan
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import order, product, request


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert check_plan(req, plan) == []
    return plan


def _by_op(plan: PlanResult) -> dict[tuple[str, int], tuple[str, int, int]]:
    return {(a.order_id, a.operation_index): (a.machine_id, a.start, a.end) for a in plan.assignments}


def test_routing_precedence_and_processing_time() -> None:
    req = request(["M1", "M2"], [product("P", ("cut", ["M1"], 2.0), ("drill", ["M2"], 1.0))],
                  [order("O1", "P", quantity=10)])
    ops = _by_op(_solve(req))
    assert ops[("O1", 0)] == ("M1", 0, 20)
    assert ops[("O1", 1)][1] >= 20 and ops[("O1", 1)][2] - ops[("O1", 1)][1] == 10


def test_setup_time_is_added_once_per_lot() -> None:
    p = product("P", ("cut", ["M1"], 1.0))
    p = p.model_copy(update={"routing": [p.routing[0].model_copy(update={"setup_minutes": 15})]})
    plan = _solve(request(["M1"], [p], [order("O1", "P", quantity=10)]))
    assert plan.assignments[0].end - plan.assignments[0].start == 25
    assert plan.assignments[0].setup_minutes == 15


def test_release_date_binds() -> None:
    req = request(["M1"], [product("P", ("cut", ["M1"], 1.0))], [order("O1", "P", quantity=5, release=300)])
    assert _by_op(_solve(req))[("O1", 0)][1] >= 300


def test_eligibility_spreads_work_over_alternative_machines() -> None:
    req = request(["M1", "M2"], [product("P", ("cut", ["M1", "M2"], 1.0))],
                  [order("A", "P", 60, due=60), order("B", "P", 60, due=60)])
    plan = _solve(req)
    assert {a.machine_id for a in plan.assignments} == {"M1", "M2"}
    assert plan.kpis is not None and plan.kpis.late_orders == 0


def test_machine_runs_one_operation_at_a_time_so_one_order_is_late() -> None:
    req = request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                  [order("A", "P", 60, due=60), order("B", "P", 60, due=60, weight=3.0)])
    plan = _solve(req)
    assert plan.status == SolveStatus.OPTIMAL
    late = [r.order_id for r in plan.order_results if not r.on_time]
    assert late == ["A"]  # the heavier order goes first
    assert plan.stats.objective == 60


def test_maintenance_window_blocks_the_machine() -> None:
    machine = Machine(id="M1", maintenance_windows=[TimeWindow(start=10, end=100, reason="bearing")])
    plan = _solve(request([machine], [product("P", ("cut", ["M1"], 1.0))], [order("O1", "P", 20, due=30)]))
    assert plan.assignments[0].start >= 100  # 20 minutes do not fit before minute 10


def test_operations_run_only_inside_shifts() -> None:
    day_shift = ShiftCalendar(id="day", shifts=[Shift(start_minute=8 * 60, length_minutes=8 * 60)],
                              working_days=[0, 1, 2, 3, 4, 5, 6])
    machine = Machine(id="M1", calendar_id="day")
    req = request([machine], [product("P", ("cut", ["M1"], 1.0))], [order("O1", "P", 120, due=2000)],
                  calendars=[day_shift], horizon=3 * 1440)
    req = req.model_copy(update={"options": req.options.model_copy(update={"plan_start": req.options.plan_start})})
    start = _solve(req).assignments[0].start
    assert start % 1440 >= 8 * 60 and (start % 1440) + 120 <= 16 * 60


def test_operation_longer_than_any_shift_is_infeasible_with_a_reason() -> None:
    day_shift = ShiftCalendar(id="day", shifts=[Shift(start_minute=8 * 60, length_minutes=8 * 60)],
                              working_days=[0, 1, 2, 3, 4, 5, 6])
    req = request([Machine(id="M1", calendar_id="day")], [product("P", ("cut", ["M1"], 1.0))],
                  [order("O1", "P", 600, due=2000)], calendars=[day_shift], horizon=3 * 1440)
    plan = create_plan(req)
    assert plan.status == SolveStatus.INFEASIBLE and plan.assignments == []
    assert "O1" in plan.infeasibility_reasons[0] and "M1" in plan.infeasibility_reasons[0]


def test_overloaded_machine_is_infeasible_with_a_reason() -> None:
    req = request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                  [order("A", "P", 600, due=900), order("B", "P", 600, due=900)], horizon=1000)
    plan = create_plan(req)
    assert plan.status == SolveStatus.INFEASIBLE
    assert any("Machine M1" in r and "A, B" in r for r in plan.infeasibility_reasons)


def test_infeasibility_only_the_solver_finds_is_still_explained() -> None:
    # Two working stretches of 250 min hold 500 min in all, and three 150-min lots need only 450,
    # but no stretch holds two lots: a packing conflict no pre-check sees, which CP-SAT proves.
    machine = Machine(id="M1", maintenance_windows=[TimeWindow(start=250, end=350)])
    req = request([machine], [product("P", ("cut", ["M1"], 1.0))],
                  [order(o, "P", 150, due=600) for o in "ABC"], horizon=600)
    plan = create_plan(req)
    assert plan.status == SolveStatus.INFEASIBLE and plan.stats.solver == "cp-sat"
    assert plan.infeasibility_reasons and "M1" in plan.infeasibility_reasons[0]


def test_makespan_objective() -> None:
    req = request(["M1", "M2"], [product("P", ("a", ["M1"], 1.0), ("b", ["M2"], 1.0)),
                                 product("Q", ("a", ["M2"], 1.0), ("b", ["M1"], 1.0))],
                  [order("O1", "P", 10), order("O2", "Q", 10)], objective=Objective.MAKESPAN)
    plan = _solve(req)
    assert plan.status == SolveStatus.OPTIMAL and plan.stats.objective == 20 and plan.stats.gap == 0


def test_same_request_and_seed_give_the_same_plan_with_one_worker() -> None:
    from planner.demo_factory import demo_request

    req = demo_request(time_limit_seconds=2.0, num_workers=1, seed=3)
    req = req.model_copy(update={"orders": req.orders[:25]})
    first, second = create_plan(req), create_plan(req)
    if first.status == SolveStatus.FEASIBLE:  # a time limit can cut two runs at different points
        assert check_plan(req, first) == [] and check_plan(req, second) == []
    else:
        assert first.assignments == second.assignments


def test_checker_catches_broken_schedules() -> None:
    req = request(["M1", "M2"], [product("P", ("cut", ["M1"], 1.0), ("drill", ["M2"], 1.0))],
                  [order("O1", "P", 10), order("O2", "P", 10)])
    plan = _solve(req)
    first = plan.assignments[0]
    overlapping = [a.model_copy(update={"start": first.start, "end": first.end}) if a.machine_id == first.machine_id
                   else a for a in plan.assignments]
    assert any("overlap" in p for p in check_schedule(req, overlapping))
    wrong_machine = [a.model_copy(update={"machine_id": "M2"}) if a.operation_index == 0 else a
                     for a in plan.assignments]
    assert any("not eligible" in p for p in check_schedule(req, wrong_machine))
    assert any("not scheduled" in p for p in check_schedule(req, plan.assignments[1:]))
    swapped = [a.model_copy(update={"start": a.start + 100, "end": a.end + 100}) if a.operation_index == 0 else a
               for a in plan.assignments]
    assert any("before its predecessor" in p for p in check_schedule(req, swapped))


def test_checker_accepts_a_zero_minute_operation_at_the_start_of_another() -> None:
    """Published instances have 0-minute operations; one placed where another starts on the same machine
    takes no time there (the tabu search's schedules have them, checked in test_tabu_kernel)."""
    instance = ShopInstance("zero", 1, ((((0, 5),),), (((0, 0),),)))
    req = to_plan_request(instance, 1.0, num_workers=1)

    def placed(job: int, start: int, minutes: int) -> ScheduledOperation:
        return ScheduledOperation(order_id=f"J{job}", product_id=f"J{job}", operation_id="op0", operation_index=0,
                                  machine_id="M0", start=start, end=start + minutes, quantity=1)

    assert check_schedule(req, [placed(0, 0, 5), placed(1, 0, 0)]) == []
    assert check_schedule(req, [placed(0, 0, 5), placed(1, 5, 0)]) == []
    assert any("overlap" in p for p in check_schedule(req, [placed(0, 0, 5), placed(1, 2, 0)]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_requests())
def test_every_random_plan_passes_the_checker(req: PlanRequest) -> None:
    plan = create_plan(req)
    assert plan.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.INFEASIBLE)
    assert check_plan(req, plan) == []
    if plan.status.has_solution:
        assert plan.stats.best_bound <= plan.stats.objective + 1e-6
        assert plan.kpis is not None and plan.kpis.weighted_tardiness_minutes >= 0


def test_an_order_weight_below_the_cost_resolution_still_counts() -> None:
    """A's weight x late cost (0.004 per minute) is below a hundredth: rounded to zero it would cost
    nothing, and the solver would make A wait 500 minutes behind C to keep C (0.01 per minute) on time,
    at a true cost of 2.0 against 0.1 the other way round."""
    req = request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                  [order("A", "P", 10, due=10, weight=0.004), order("C", "P", 500, due=500, weight=0.01)],
                  time_limit=5.0)
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL and check_plan(req, plan) == []
    late = {r.order_id: r.tardiness for r in plan.order_results}
    assert late == {"A": 0, "C": 10}
