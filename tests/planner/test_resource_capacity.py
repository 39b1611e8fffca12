"""More capacity of a resource in a shift ("one more setter on Wednesday's late shift"): the scenario delta adds units
inside its window on top of the calendar, the model, the dispatching start and the checker all see them, bad input
is named on the delta's fields, and a late order that waited for a resource pool gets it as a fix, verified by
re-solving from scratch (on the plant-grade demo: the inspector SO-26204 queues for)."""

from __future__ import annotations

import pytest

from planner.checker import check_plan
from planner.demo_plant import INSPECTOR, plant_grade_request
from planner.domain import (
    Objective,
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
    Shift,
    ShiftCalendar,
    ShiftCapacity,
    TimeWindow,
)
from planner.explanations.fixes import attach_fixes
from planner.plan import create_plan
from planner.replanning.deltas import ResourceCapacityChange
from planner.replanning.scenarios import apply_deltas
from planner.scheduling.rules.resources import capacity_profile
from planner.solution import PlanResult
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import InvalidPlanRequest

SETTERS = ShiftCalendar(id="setters", shifts=[Shift(name="early", start_minute=0, length_minutes=480),
                                              Shift(name="late", start_minute=480, length_minutes=480)],
                        working_days=[0, 1, 2, 3, 4, 5, 6])
SETTER = Resource(id="setter", capacity=1, calendar_id="setters", shift_capacities=[ShiftCapacity(shift="early",
                                                                                                  capacity=2)])


def _two_cells(releases: tuple[int, int] = (500, 500)) -> PlanRequest:
    """Two lots of 30 units, each with a 30-min setup that needs a setter, on two machines, released in the late
    shift (one setter): the setups stagger, 30 min apart."""
    need = ResourceNeed(resource_id="setter", setup_only=True)
    products = [Product(id=f"P-{op}", routing=[operation(op, [machine], 1.0, 30).model_copy(
        update={"resources": [need]})]) for op, machine in (("a", "M1"), ("b", "M2"))]
    orders = [order("A", "P-a", 30, release=releases[0]), order("B", "P-b", 30, release=releases[1])]
    base = request(["M1", "M2"], products, orders, horizon=2880, objective=Objective.MAKESPAN, workers=1)
    return base.model_copy(update={"factory": base.factory.model_copy(update={
        "resources": [SETTER], "calendars": [SETTERS]})})


def _more(resource_id: str = "setter", start: int = 480, end: int = 960, units: int = 1) -> ResourceCapacityChange:
    return ResourceCapacityChange(resource_id=resource_id, window=TimeWindow(start=start, end=end), extra_units=units)


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def test_one_more_setter_on_the_late_shift_adds_a_unit_there_only() -> None:
    base = _two_cells()
    changed = apply_deltas(base, [_more()])
    before = capacity_profile(SETTER, base)
    after = capacity_profile(changed.factory.resources[0], changed)
    assert before[:3] == [(0, 480, 2), (480, 960, 1), (960, 1440, 0)]
    assert after[:2] == [(0, 960, 2), (960, 1440, 0)]  # two all day, then off shift as before
    assert after[2:] == before[3:]
    night = apply_deltas(base, [_more(start=960, end=1200)])  # off shift: the unit works there too
    assert capacity_profile(night.factory.resources[0], night)[:3] == [(0, 480, 2), (480, 1200, 1), (1200, 1440, 0)]


def test_with_one_more_setter_the_late_setups_run_side_by_side() -> None:
    """One setter on the late shift staggers the setups (makespan 500 + 30 + 60); two let them run together."""
    base = _two_cells()
    assert _solve(base).stats.objective == 500 + 30 + 60
    assert _solve(apply_deltas(base, [_more()])).stats.objective == 500 + 60
    assert _solve(apply_deltas(base, [_more(start=600, end=960)])).stats.objective == 500 + 30 + 60  # too late


def test_bad_extra_resource_capacity_is_named_on_the_delta_fields() -> None:
    base = _two_cells()
    die = Resource(id="die-A", capacity=1, mount_minutes=20)
    with_die = base.model_copy(update={"factory": base.factory.model_copy(update={"resources": [SETTER, die]})})
    with pytest.raises(InvalidPlanRequest) as caught:
        apply_deltas(with_die, [_more(resource_id="welder"), _more(units=0), _more(start=600, end=600),
                                _more(resource_id="die-A")])
    assert {v.field for v in caught.value.violations} == {
        "deltas[0].extra_resource_capacity.resource_id", "deltas[1].extra_resource_capacity.extra_units",
        "deltas[2].extra_resource_capacity.window", "deltas[3].extra_resource_capacity.resource_id"}


@pytest.fixture(scope="module")
def plant_grade() -> tuple[PlanRequest, PlanResult]:
    base = plant_grade_request(time_limit_seconds=8, num_workers=1)
    plan = create_plan(base)
    assert check_plan(base, plan) == []
    return base, plan


def test_an_order_that_waited_for_inspectors_gets_one_more_inspector_verified_from_scratch(
        plant_grade: tuple[PlanRequest, PlanResult]) -> None:
    """SO-26204 (released at Tuesday's late shift, one inspector) queues for the inspector behind SO-26203."""
    base, plan = plant_grade
    waited = next(e for e in plan.late_orders if e.reason_code == "RESOURCE_SHORTAGE")
    assert waited.order_id in ("SO-26203", "SO-26204")
    fixed = attach_fixes(base, plan.model_copy(update={"late_orders": [waited]}), 12.0).late_orders[0]
    first = fixed.fixes[0]
    assert first.kind == "RESOURCE_CAPACITY" and first.verified and first.whole_plan_verified
    [delta] = first.changes
    assert isinstance(delta, ResourceCapacityChange) and delta.resource_id == INSPECTOR and delta.extra_units == 1
    assert first.extra_working_minutes == delta.window.end - delta.window.start <= 8 * 60
    assert first.order_lateness_after < first.order_lateness_before == waited.minutes_late
    assert first.weighted_lateness_after <= first.weighted_lateness_before
    assert first.text.startswith(f"Add 1 more {INSPECTOR} from ") and "extra staff time" in first.text
    changed = apply_deltas(base, first.changes)
    again = create_plan(changed.model_copy(update={"options": changed.options.model_copy(
        update={"verify_fixes_seconds": 0.0})}))
    assert check_plan(changed, again) == []
    late_again = next(r.tardiness for r in again.order_results if r.order_id == waited.order_id)
    assert late_again <= first.order_lateness_after < waited.minutes_late


def test_the_korean_text_of_the_resource_fix(plant_grade: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = plant_grade
    korean = base.model_copy(update={"options": base.options.model_copy(update={"locale": "ko"})})
    waited = next(e for e in plan.late_orders if e.reason_code == "RESOURCE_SHORTAGE")
    first = attach_fixes(korean, plan.model_copy(update={"late_orders": [waited]}), 0.0).late_orders[0].fixes[0]
    assert first.kind == "RESOURCE_CAPACITY" and not first.verified
    assert f"{INSPECTOR}을(를) 1명(개) 추가하십시오" in first.text and "추가 인원 작업시간" in first.text
