"""Recipe changeovers of batch machines in the plan's output, the KPIs and the explanations (issue #25).

An oven `OV` runs recipes R1 and R2 (5-min cycles). The stories: the oven is on R2 at plan start and a 40-min
R2 -> R1 purge makes an R1 order late (the changeover from the initial recipe); an R2 order runs first and the
purge before the R1 load makes the R1 order late (the changeover from the previous load). The checker pair holds
a plan to the changeover: an R1 load right after the plan start is rejected, one after the purge accepted. A purge
that runs while a lot waits for its load to fill is not the reason the lot is late.
"""

from __future__ import annotations

from planner.checker import check_plan
from planner.domain import BatchRecipe, Machine, Operation, Order, PlanRequest, Product, RecipeChangeover
from planner.kpis import compute_kpis
from planner.plan import create_plan
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.rules.oven_rules import with_changeovers
from planner.solution import PlanResult
from planner.status import SolveStatus
from planner.testing import operation, order, request
from service.demo_report import plant_rules_summary
from service.mapping import plan_to_proto

PURGE = RecipeChangeover(from_recipe="R2", to_recipe="R1", minutes=40, cost=12.5)


def _oven_request(orders: list[Order], locale: str = "en", purge: RecipeChangeover = PURGE,
                  min_load: float = 0.0) -> PlanRequest:
    oven = Machine(id="OV", batch_capacity=10.0, initial_recipe="R2", recipe_changeovers=[purge],
                   batch_min_load=min_load,
                   recipes=[BatchRecipe(id="R1", cycle_minutes=5), BatchRecipe(id="R2", cycle_minutes=5)])
    products = []
    for product_id, recipe in (("P", "R1"), ("Q", "R2")):
        bake: Operation = operation("bake", ["OV"]).model_copy(update={"recipe": recipe})
        products.append(Product(id=product_id, routing=[bake]))
    req = request([oven], products, orders, horizon=2000, time_limit=5.0, workers=1)
    return req.model_copy(update={"options": req.options.model_copy(update={"locale": locale})})


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _moved(plan: PlanResult, order_id: str, start: int) -> PlanResult:
    return plan.model_copy(update={"assignments": [
        a.model_copy(update={"start": start, "end": start + a.end - a.start}) if a.order_id == order_id else a
        for a in plan.assignments]})


def test_each_load_names_the_changeover_before_it_and_the_kpis_count_them() -> None:
    req = _oven_request([order("A", "P", 2, due=20), order("B", "Q", 2, due=5)])
    plan = _solve(req)
    loads = with_changeovers(req, loads_of(req, plan.assignments))
    assert [(load.recipe, load.start, load.changeover_from, load.changeover_minutes) for load in loads] == [
        ("R2", 0, None, 0), ("R1", 45, "R2", 40)]
    assert abs(loads[1].changeover_cost - 12.5) < 1e-9
    kpis = plan.kpis
    assert kpis is not None and kpis.recipe_changeovers == 1 and kpis.recipe_changeover_minutes == 40
    assert kpis.changeover_minutes == 0  # the family changeovers are another KPI


def test_the_first_load_names_the_changeover_from_the_initial_recipe_in_the_proto() -> None:
    req = _oven_request([order("A", "P", 2, due=100)])
    plan = _solve(req)
    message = plan_to_proto(req, plan)
    (load,) = message.batch_loads
    assert load.changeover_from_recipe == "R2" and load.changeover_time.seconds == 40 * 60
    assert abs(load.changeover_cost - 12.5) < 1e-9
    assert (load.start.ToSeconds() - message.plan_start.ToSeconds()) // 60 == 40
    assert message.kpis.recipe_changeovers == 1 and message.kpis.recipe_changeover_time.seconds == 40 * 60


def test_a_load_of_the_machines_recipe_at_plan_start_has_no_changeover() -> None:
    req = _oven_request([order("B", "Q", 2)])
    plan = _solve(req)
    (load,) = plan_to_proto(req, plan).batch_loads
    assert load.changeover_from_recipe == "" and load.changeover_time.seconds == 0
    assert compute_kpis(req, plan.assignments).recipe_changeovers == 0


def test_checker_rejects_a_load_that_skips_its_changeover_and_accepts_one_after_it() -> None:
    req = _oven_request([order("A", "P", 2, due=100)])
    plan = _solve(req)
    assert any("changeover" in problem for problem in check_plan(req, _moved(plan, "A", 0)))
    assert any("changeover" in problem for problem in check_plan(req, _moved(plan, "A", 39)))
    assert check_plan(req, _moved(plan, "A", 40)) == []


def test_a_late_order_that_waited_for_the_changeover_after_another_load_says_so() -> None:
    req = _oven_request([order("A", "P", 2, due=20), order("B", "Q", 2, due=5)])
    (late,) = _solve(req).late_orders
    assert late.order_id == "A" and late.reason_code == "RECIPE_CHANGEOVER" and late.machine_id == "OV"
    assert "waited 40 min for the R2 -> R1 changeover on OV" in late.reason
    assert "before the R2 one" in late.fix and late.fix_saves_minutes == 30


def test_a_late_order_that_waited_for_the_changeover_from_plan_start_says_so_in_korean() -> None:
    req = _oven_request([order("A", "P", 2, due=10)], locale="ko")
    (late,) = _solve(req).late_orders
    assert late.reason_code == "RECIPE_CHANGEOVER"
    assert "R2 -> R1 레시피 전환을 40분 기다렸습니다" in late.reason
    assert "계획 시작 전에 OV" in late.fix and late.fix_saves_minutes == 35


def test_a_changeover_inside_a_wait_for_the_load_to_fill_is_not_the_reason() -> None:
    """A (2 units, ready at 0) needs company to reach the minimum fill of 5: C (3 units) comes at 100. The 80-min
    purge runs 20-100, right before the shared load, but it held nothing back: A waited for the load to fill."""
    long_purge = PURGE.model_copy(update={"minutes": 80})
    req = _oven_request([order("A", "P", 2, due=50), order("C", "P", 3, release=100)], purge=long_purge,
                        min_load=5.0)
    plan = _solve(req)
    assert [(load.start, load.changeover_minutes) for load in with_changeovers(req, loads_of(req, plan.assignments))
            ] == [(100, 80)]
    (late,) = plan.late_orders
    assert late.order_id == "A" and late.reason_code == "BATCH_LOAD", late.reason


def test_the_demo_report_lists_the_changeovers_beside_the_furnace_loads() -> None:
    req = _oven_request([order("A", "P", 2, due=20), order("B", "Q", 2, due=5)])
    report = plant_rules_summary(plan_to_proto(req, _solve(req)), req)
    assert "recipe changeovers 1, 0.7 h in all:" in report
    assert "OV    R2 -> R1 40 min before the load at" in report and "cost 12" in report
    assert "[RECIPE_CHANGEOVER] Order A waited 40 min" in report
    assert "Die changes" not in report  # the oven plant has no dies


def test_the_demo_report_prints_the_die_changes_beside_the_loads() -> None:
    req = _oven_request([order("B", "Q", 2)])
    message = plan_to_proto(req, _solve(req))
    message.kpis.die_changes = 3
    message.kpis.die_change_time.FromSeconds(150 * 60)
    report = plant_rules_summary(message, req)
    assert "Die changes: 3, 2.5 h of casting-cell time" in report and "recipe changeovers" not in report
