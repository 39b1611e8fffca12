"""Each prediction-driven rule: a tiny instance where it binds and one where it does not; each risk
policy moves work off a risky machine against the counterfactual plan; the checker passes every solve."""

from __future__ import annotations

import pytest

from planner.checker import check_plan
from planner.domain import (
    FamilyChangeover,
    MachineRisk,
    Objective,
    PlanRequest,
    RiskPoint,
    RiskPolicy,
    YieldEstimate,
)
from planner.plan import create_plan
from planner.solution import PlanResult
from planner.status import SolveStatus
from planner.testing import order, product, request


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE), plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _with(req: PlanRequest, **options: object) -> PlanRequest:
    return req.model_copy(update={"options": req.options.model_copy(update=options)})


def _minutes_on(plan: PlanResult, machine_id: str, weights: dict[str, float] | None = None) -> float:
    return sum((weights or {}).get(a.order_id, 1.0) * (a.end - a.start)
               for a in plan.assignments if a.machine_id == machine_id)


# --- family changeovers -------------------------------------------------------------------------

def _two_families(second_family: str) -> PlanRequest:
    products = [product("P", ("cut", ["M1"], 1.0), family="housings"),
                product("Q", ("cut", ["M1"], 1.0), family=second_family)]
    req = request(["M1"], products, [order("A", "P", 30), order("B", "Q", 30)], objective=Objective.MAKESPAN)
    changeovers = [FamilyChangeover(from_family="housings", to_family="trays", minutes=45),
                   FamilyChangeover(from_family="trays", to_family="housings", minutes=45)]
    return req.model_copy(update={"factory": req.factory.model_copy(update={"changeovers": changeovers})})


def test_changeover_between_families_binds() -> None:
    plan = _solve(_two_families("trays"))
    assert plan.stats.objective == 105 and plan.kpis is not None and plan.kpis.changeover_minutes == 45


def test_no_changeover_within_a_family() -> None:
    plan = _solve(_two_families("housings"))
    assert plan.stats.objective == 60 and plan.kpis is not None and plan.kpis.changeover_minutes == 0


# --- yield and scrap ----------------------------------------------------------------------------

def _yield_request(scrap_cost: float) -> PlanRequest:
    p = product("P", ("cut", ["M1", "M2"], 1.0)).model_copy(update={"scrap_cost": scrap_cost})
    req = request(["M1", "M2"], [p], [order("A", "P", 100, due=5000)])
    return req.model_copy(update={"yields": [YieldEstimate(product_id="P", machine_id="M1", yield_rate=0.8),
                                             YieldEstimate(product_id="P", machine_id="M2", yield_rate=0.95)]})


def test_processed_quantity_is_quantity_over_yield() -> None:
    plan = _solve(_yield_request(scrap_cost=5.0))
    (placed,) = plan.assignments
    assert placed.machine_id == "M2" and placed.processed_quantity == 106 and placed.end - placed.start == 106
    assert plan.kpis is not None and plan.kpis.expected_scrap_units == pytest.approx(106 * 0.05)
    assert plan.kpis.costs.scrap == pytest.approx(106 * 0.05 * 5.0)


def test_scrap_cost_steers_work_to_the_better_yield_machine() -> None:
    # Binding: M1 makes 125 parts for 100 good, M2 106; with a scrap cost the plan uses M2, and the
    # yield-blind counterfactual is reported.
    plan = _solve(_yield_request(scrap_cost=5.0))
    assert plan.assignments[0].machine_id == "M2"
    assert [e.ignored for e in plan.prediction_effects] == ["YIELD"]
    assert any(a.policy == "YIELD" and a.machine_id == "M2" for a in plan.policy_actions)


def test_without_scrap_cost_a_worse_yield_machine_is_allowed_when_it_is_earlier() -> None:
    # Non-binding: M2 is busy until minute 300 with another order; with no scrap cost and a tight due
    # time the order runs on M1 despite its lower yield.
    req = _yield_request(scrap_cost=0.0)
    req = req.model_copy(update={"orders": [order("A", "P", 100, due=130),
                                            order("X", "P", 280, due=300)]})
    plan = _solve(req)
    machines = {a.order_id: a.machine_id for a in plan.assignments}
    assert machines["A"] == "M1"


def test_defect_rate_cap_binds_and_does_not_bind() -> None:
    # B fits its due time only on M2 (106 min); A fits on M1 (125 min) while M2 runs B.
    req = _yield_request(scrap_cost=0.0)
    req = req.model_copy(update={"orders": [order("A", "P", 100, due=126), order("B", "P", 100, due=107)]})
    loose = _solve(_with(req, max_expected_defect_rate=0.5))
    assert {a.order_id: a.machine_id for a in loose.assignments} == {"A": "M1", "B": "M2"}
    assert loose.kpis is not None and loose.kpis.late_orders == 0
    capped = _solve(_with(req, max_expected_defect_rate=0.06))  # A on M1 would make it 13 %
    assert {a.machine_id for a in capped.assignments} == {"M2"}
    assert capped.kpis is not None and capped.kpis.expected_defect_rate <= 0.06 and capped.kpis.late_orders == 1


def test_defect_rate_cap_that_cannot_hold_is_infeasible() -> None:
    plan = create_plan(_with(_yield_request(scrap_cost=0.0), max_expected_defect_rate=0.01))
    assert plan.status == SolveStatus.INFEASIBLE


# --- equipment risk -----------------------------------------------------------------------------

RISKY_M1 = MachineRisk(machine_id="M1", repair_minutes=200, curve=[
    RiskPoint(minute=0, probability=0.0), RiskPoint(minute=200, probability=0.6),
    RiskPoint(minute=400, probability=0.7)])


def _risk_request(policy: RiskPolicy, **options: object) -> PlanRequest:
    # M1 is fast (1 min/unit), M2 slow (1.5); A (weight 3) fits on time only on M1, B fits on M2.
    req = request(["M1", "M2"], [product("P", ("cut", ["M1", "M2"], 1.0))],
                  [order("A", "P", 100, due=100, weight=3.0), order("B", "P", 50, due=75)], horizon=400)
    slow_m2 = req.factory.products[0].routing[0].model_copy(update={"eligible_machines": [
        req.factory.products[0].routing[0].eligible_machines[0],
        req.factory.products[0].routing[0].eligible_machines[1].model_copy(update={"run_minutes_per_unit": 1.5})]})
    factory = req.factory.model_copy(update={"products": [req.factory.products[0].model_copy(
        update={"routing": [slow_m2]})]})
    return _with(req.model_copy(update={"factory": factory, "machine_risks": [RISKY_M1]}),
                 risk_policy=policy, risk_bucket_minutes=200, **options)


@pytest.mark.parametrize("policy", [RiskPolicy.EXPECTED_CAPACITY, RiskPolicy.CHANCE_RESERVE,
                                    RiskPolicy.RISK_PENALTY])
def test_each_risk_policy_moves_work_off_the_risky_machine(policy: RiskPolicy) -> None:
    aware = _solve(_risk_request(policy))
    blind = _solve(_risk_request(RiskPolicy.NONE))
    weights = {"A": 3.0, "B": 1.0}
    assert _minutes_on(aware, "M1", weights) < _minutes_on(blind, "M1", weights)
    (effect,) = aware.prediction_effects
    assert effect.ignored == "RISK" and effect.moved_operations >= 1
    assert effect.kpis_with.risk_exposure_hours < effect.kpis_without.risk_exposure_hours
    assert any(a.policy == policy.value and a.machine_id == "M1" for a in aware.policy_actions)


def test_capacity_reserve_does_not_bind_when_the_risk_is_small() -> None:
    low = RISKY_M1.model_copy(update={"curve": [RiskPoint(minute=0, probability=0.0),
                                                RiskPoint(minute=400, probability=0.001)]})
    req = _risk_request(RiskPolicy.EXPECTED_CAPACITY).model_copy(update={"machine_risks": [low]})
    plan = _solve(req)
    assert {a.order_id: a.machine_id for a in plan.assignments}["A"] == "M1"
    assert plan.kpis is not None and plan.kpis.late_orders == 0


def test_preventive_maintenance_starts_before_the_risk_threshold() -> None:
    plan = _solve(_risk_request(RiskPolicy.PREVENTIVE_MAINTENANCE, maintenance_threshold=0.05,
                                maintenance_minutes=60))
    (task,) = plan.maintenance
    assert task.machine_id == "M1" and task.start <= task.latest_start == 16
    assert any(a.policy == "PREVENTIVE_MAINTENANCE" for a in plan.policy_actions)
    on_m1 = [a for a in plan.assignments if a.machine_id == "M1"]
    assert all(a.end <= task.start or a.start >= task.end for a in on_m1)


def test_preventive_maintenance_not_needed_when_the_threshold_is_never_reached() -> None:
    plan = _solve(_risk_request(RiskPolicy.PREVENTIVE_MAINTENANCE, maintenance_threshold=0.95))
    assert plan.maintenance == [] and plan.kpis is not None and plan.kpis.late_orders == 0


def test_policy_none_ignores_the_curves_but_reports_exposure() -> None:
    plan = _solve(_risk_request(RiskPolicy.NONE))
    assert plan.prediction_effects == [] and plan.kpis is not None and plan.kpis.risk_exposure_hours > 0
