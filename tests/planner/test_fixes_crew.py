"""Fixes on plant-grade plans: overtime comes with the crew its operation needs (an inspector for a CMM's overtime,
a setter for a setup), the crew is cut with the machine's hours once a schedule is known, every late order is tried
once before any is deepened, each change is screened once, and an order late for a bought-in material says that the
receipt is the supplier's date."""

from __future__ import annotations

import pytest

from benchmarks import fixes as bench
from planner.checker import check_plan
from planner.demo_plant import plant_grade_request
from planner.domain import Machine, PlanRequest, Resource, ResourceNeed, Shift, ShiftCalendar, TimeWindow
from planner.explanations import fixes
from planner.explanations.fix_candidates import CREW_REASON, candidates, overtime_crew, working_minutes
from planner.explanations.fix_texts import bought_materials, describe_fix
from planner.explanations.fixes import Measured, Starts, attach_fixes, settle
from planner.plan import create_plan
from planner.replanning.deltas import ChangeDueDate, ExtraWorkingTime, ResourceCapacityChange
from planner.replanning.scenarios import apply_deltas
from planner.solution import Fix, LateOrderExplanation, PlanResult, ScheduledOperation
from planner.testing import order, product, request

DAY = 24 * 60
DAY_SHIFT = ShiftCalendar(id="day", shifts=[Shift(start_minute=0, length_minutes=480)])
"""00:00-08:00 plant time (UTC), Monday to Friday."""


def _inspection(inspector_calendar: str | None = "day") -> PlanRequest:
    """One CMM on a day shift and one inspector on the same shift. A (400 min, due at the shift's end) goes first;
    B (150 min, due at 700) does not fit in the 80 min left and waits for the next day (890 min late). Overtime on
    the CMM alone does not help: the inspector has gone home."""
    base = request([Machine(id="CMM", calendar_id="day")],
                   [product("PA", ("inspect", ["CMM"], 1.0)), product("PB", ("inspect", ["CMM"], 1.0))],
                   [order("A", "PA", quantity=400, due=480), order("B", "PB", quantity=150, due=700)],
                   horizon=10 * DAY, calendars=[DAY_SHIFT], time_limit=4.0, workers=1)
    need = ResourceNeed(resource_id="inspector")
    products = [p.model_copy(update={"routing": [op.model_copy(update={"resources": [need]}) for op in p.routing]})
                for p in base.factory.products]
    inspector = Resource(id="inspector", capacity=1, calendar_id=inspector_calendar)
    return base.model_copy(update={
        "factory": base.factory.model_copy(update={"products": products, "resources": [inspector]}),
        "options": base.options.model_copy(update={"verify_fixes_seconds": 2.0})})


@pytest.fixture(scope="module")
def inspection() -> tuple[PlanRequest, PlanResult]:
    base = _inspection()
    plan = create_plan(base)
    assert check_plan(base, plan) == []
    return base, plan


def _tardiness(plan: PlanResult, order_id: str) -> int:
    return next(r.tardiness for r in plan.order_results if r.order_id == order_id)


def test_overtime_on_the_cmm_comes_with_an_inspector_for_those_hours(
        inspection: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = inspection
    late = next(e for e in plan.late_orders if e.order_id == "B")
    overtime = next(c for c in candidates(base, plan, late) if c.kind == "OVERTIME")
    machine = [d for d in overtime.changes if isinstance(d, ExtraWorkingTime)]
    crew = [d for d in overtime.changes if isinstance(d, ResourceCapacityChange)]
    assert machine and [c.window.start for c in crew] == [m.window.start for m in machine]
    assert all(c.resource_id == "inspector" and c.extra_units == 1 and c.window.reason == CREW_REASON for c in crew)
    assert overtime.extra_working_minutes == 2 * sum(m.window.end - m.window.start for m in machine)  # staff too
    alone = apply_deltas(base, machine)  # the machine's hours without the inspector: B stays as late
    assert _tardiness(create_plan(alone), "B") == _tardiness(plan, "B")


def test_the_overtime_with_its_crew_is_verified_from_scratch_and_puts_the_order_on_time(
        inspection: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = inspection
    fixed = attach_fixes(base, plan, 3.0)
    first = next(e for e in fixed.late_orders if e.order_id == "B").fixes[0]
    assert first.kind == "OVERTIME" and first.verified and first.whole_plan_verified
    assert first.order_lateness_before == _tardiness(plan, "B") > 0 and first.order_lateness_after == 0
    assert any(isinstance(d, ResourceCapacityChange) for d in first.changes)
    assert "inspector" in first.text and "extra staff time" in first.text
    applied = apply_deltas(base, first.changes)
    again = create_plan(applied)
    assert check_plan(applied, again) == [] and _tardiness(again, "B") == 0


def test_no_crew_where_the_pool_works_then_and_a_setter_only_for_the_setup() -> None:
    window = TimeWindow(start=480, end=720)
    around_the_clock = _inspection(inspector_calendar=None)
    inspect = ScheduledOperation(order_id="B", product_id="PB", operation_id="inspect", operation_index=0,
                                 machine_id="CMM", start=1440, end=1590, quantity=150)
    assert overtime_crew(around_the_clock, inspect, window) == []
    setter_need = ResourceNeed(resource_id="inspector", setup_only=True)
    products = [p.model_copy(update={"routing": [op.model_copy(update={"resources": [setter_need]})
                                                 for op in p.routing]}) for p in around_the_clock.factory.products]
    setups = around_the_clock.model_copy(update={"factory": around_the_clock.factory.model_copy(update={
        "products": products, "resources": [Resource(id="inspector", capacity=1, calendar_id="day")]})})
    [crew] = overtime_crew(setups, inspect.model_copy(update={"setup_minutes": 70}), window)
    assert (crew.window.start, crew.window.end) == (480, 600)  # two whole hours cover the 70 min setup


def test_settling_cuts_the_crew_with_the_machine_and_drops_it_where_no_one_held_it(
        inspection: tuple[PlanRequest, PlanResult]) -> None:
    base, plan = inspection
    late = next(e for e in plan.late_orders if e.order_id == "B")
    overtime = next(c for c in candidates(base, plan, late) if c.kind == "OVERTIME")
    first = next(d for d in overtime.changes if isinstance(d, ExtraWorkingTime))
    ran = ScheduledOperation(order_id="B", product_id="PB", operation_id="inspect", operation_index=0,
                             machine_id="CMM", start=400, end=first.window.start + 70, quantity=150)
    others = tuple(a for a in plan.assignments if a.order_id != "B" and a.end <= 400)
    settled = settle(base, "B", overtime, Measured(0, 0.0, 0.0, assignments=(*others, ran)))
    assert settled is not None
    windows = {(type(d).__name__, d.window.start, d.window.end) for d in settled.changes
               if isinstance(d, ExtraWorkingTime | ResourceCapacityChange)}
    assert windows == {("ExtraWorkingTime", first.window.start, first.window.start + 120),
                       ("ResourceCapacityChange", first.window.start, first.window.start + 120)}
    assert settled.extra_working_minutes == working_minutes(settled.changes) == 240
    assert settle(base, "B", overtime, Measured(0, 0.0, 0.0, assignments=others)) is None  # no overtime used


def test_each_change_is_screened_once_per_order(inspection: tuple[PlanRequest, PlanResult],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    base, plan = inspection
    late = next(e for e in plan.late_orders if e.order_id == "B")
    overtime = next(c for c in candidates(base, plan, late) if c.kind == "OVERTIME")
    calls: list[bool] = []
    real = fixes.measure

    def counted(*args: object, **kwargs: object) -> Measured | None:
        calls.append(bool(kwargs.get("start_only")))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fixes, "measure", counted)
    starts = Starts(base, plan, "B")
    first, second = starts(overtime), starts(overtime)
    assert first is second and first is not None and first.order_lateness == 0 and calls == [True]


def test_every_late_order_is_tried_once_before_any_is_deepened(monkeypatch: pytest.MonkeyPatch) -> None:
    base = _inspection()
    # 950 min of work, 480 a day, no pausing: at least two orders finish the next day, all late
    two = base.model_copy(update={"orders": [*base.orders, order("C", "PB", quantity=200, due=100),
                                             order("D", "PB", quantity=200, due=100)]})
    plan = create_plan(two.model_copy(update={"options": two.options.model_copy(update={"verify_fixes_seconds": 0})}))
    assert len(plan.late_orders) >= 2
    passes: list[tuple[str, int]] = []

    def recorded(request: PlanRequest, plan: PlanResult, explanation: LateOrderExplanation, *args: object,
                 **kwargs: object) -> LateOrderExplanation:
        passes.append((explanation.order_id, int(args[-1])))  # type: ignore[call-overload]
        return explanation

    monkeypatch.setattr(fixes, "_verified", recorded)
    attach_fixes(two, plan, 10.0)
    late = [e.order_id for e in plan.late_orders]
    assert passes == [(o, 1) for o in late] + [(o, fixes.MAX_KEPT) for o in late]


def test_a_new_date_for_an_order_late_for_bought_material_says_the_receipt_is_the_suppliers() -> None:
    plant = plant_grade_request(time_limit_seconds=1, num_workers=1)
    waiting = LateOrderExplanation(order_id="SO-26206", minutes_late=580, reason_code="MATERIAL_WAIT",
                                   reason="waited for BRG-6207")
    assert bought_materials(plant, waiting) == ["BRG-6207"]
    assert bought_materials(plant, waiting.model_copy(update={"reason_code": "BOTTLENECK_CONTENTION"})) == []
    agreed = Fix(kind="DUE_DATE", text="", changes=[ChangeDueDate(order_id="SO-26206", due=9000)],
                 order_lateness_before=580, order_lateness_after=0, weighted_lateness_before=100.0,
                 weighted_lateness_after=90.0, verified=True)
    text = describe_fix(plant, waiting, agreed)
    assert "BRG-6207" in text and "supplier" in text


def test_the_benchmark_counts_orders_reached_without_a_verified_fix_as_not_helped() -> None:
    row = {"kind": "OVERTIME", "improved": True, "removed_min": 60, "extra_hours": 1.0,
           "plan_weighted_before": 100.0, "plan_weighted_after_scratch": 90.0, "whole_plan_verified": True,
           "claim_held": True, "today_extra_hours": 8.0, "today_removed_min": 30}
    plants = [{"fixes": [row, row, row], "reached_without_fix": ["SO-1"], "dropped": 2, "offered_verified": 3}]
    summary = bench.summary(plants)
    assert summary["improved_share"] == pytest.approx(1.0)
    assert summary["orders_reached"] == 4 and summary["improved_share_of_reached"] == pytest.approx(0.75)
