"""Operation modes with work in progress and with pausing (issue #25, "all of it in one model"): a lot running at plan
start in the mode of the machine the MES reports, holding that mode's resources; a mode on a machine that pauses over
the night. For each: a binding / non-binding pair of tiny instances, the checker on broken plans, the dispatching
start, and the refusals that stay."""

from __future__ import annotations

from datetime import UTC, datetime

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    NO_MACHINE,
    Machine,
    Material,
    MaterialUse,
    Objective,
    Operation,
    OperationMode,
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
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.rules.pausing import clock_end
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import order, request
from planner.validation import find_violations

CRANE = ResourceNeed(resource_id="crane")
HANDS = ResourceNeed(resource_id="hands")
GAS = MaterialUse(material_id="gas", quantity_per_unit=1.0)


def _mode(mode_id: str, minutes: int, machine: str = NO_MACHINE, needs: tuple[ResourceNeed, ...] = (),
          materials: tuple[MaterialUse, ...] = ()) -> OperationMode:
    """A mode of `minutes` of run time for the lot of one unit (no setup: a setup does not pause)."""
    return OperationMode(id=mode_id, machine_id=machine, run_minutes_per_unit=float(minutes), resources=list(needs),
                         materials=list(materials))


def _solve(req: PlanRequest) -> PlanResult:
    assert find_violations(req) == []
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _dispatch_start(req: PlanRequest) -> list[ScheduledOperation]:
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None
    return placed


# --- work in progress running in a mode ----------------------------------------------------------------------

# Casting on the new cell M1 (10 min, with the crane), the old cell M2 (25 min) or the fast cell M3 (10 min, crane).
CASTING = Product(id="housing", routing=[Operation(id="cast", eligible_machines=[], modes=[
    _mode("new", 10, "M1", needs=(CRANE,)), _mode("old", 25, "M2"), _mode("fast", 10, "M3", needs=(CRANE,))])])


def _running(machine: str, cranes: int = 1, remaining: int = 20) -> PlanRequest:
    """Lot O0 casts on `machine` for `remaining` more minutes at plan start; lot O1 is still to cast."""
    running = order("O0", "housing", due=0).model_copy(update={"work_in_progress": WorkInProgress(
        running=RunningOperation(operation_id="cast", machine_id=machine, remaining_minutes=remaining))})
    req = request(["M1", "M2", "M3"], [CASTING], [running, order("O1", "housing", due=0)], horizon=600,
                  objective=Objective.MAKESPAN)
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": [Resource(id="crane", capacity=cranes)]})})


def _by_order(plan: PlanResult) -> dict[str, tuple[str, str, int, int]]:
    return {a.order_id: (a.machine_id, a.mode_id, a.start, a.end) for a in plan.assignments}


def test_a_lot_running_in_a_crane_mode_keeps_the_crane_and_one_in_a_plain_mode_does_not() -> None:
    plain = _by_order(_solve(_running("M2")))
    assert plain["O0"] == ("M2", "old", 0, 20)  # the running lot, in the mode of its machine
    assert plain["O1"][3] == 10  # the crane is free: new or fast cell at once
    binding = _by_order(_solve(_running("M1")))
    assert binding["O0"] == ("M1", "new", 0, 20)
    # The crane is on the running lot until 20: the fast cell would end at 30, the old cell needs no crane.
    assert binding["O1"] == ("M2", "old", 0, 25)
    two_cranes = _by_order(_solve(_running("M1", cranes=2)))
    assert two_cranes["O1"] == ("M3", "fast", 0, 10)


def test_a_lot_running_in_a_manual_mode_holds_its_hands() -> None:
    by_hand = Product(id="housing", routing=[Operation(id="cast", eligible_machines=[], modes=[
        _mode("cell", 30, "M1"), _mode("by-hand", 10, needs=(HANDS,))])])
    running = order("O0", "housing", due=0).model_copy(update={"work_in_progress": WorkInProgress(
        running=RunningOperation(operation_id="cast", machine_id=NO_MACHINE, remaining_minutes=15))})
    req = request(["M1"], [by_hand], [running, order("O1", "housing", due=0)], horizon=600,
                  objective=Objective.MAKESPAN)
    req = req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": [Resource(id="hands", capacity=1)]})})
    plan = _by_order(_solve(req))
    assert plan["O0"] == ("", "by-hand", 0, 15)
    assert plan["O1"] == ("", "by-hand", 15, 25)  # the only pair of hands is busy until 15; the cell would take 30


def test_the_checker_finds_a_running_lot_moved_or_in_another_mode() -> None:
    req = _running("M1")

    def lot(machine: str, mode: str, start: int, end: int, order_id: str = "O0") -> ScheduledOperation:
        return ScheduledOperation(order_id=order_id, product_id="housing", operation_id="cast", operation_index=0,
                                  machine_id=machine, mode_id=mode, start=start, end=end, quantity=1,
                                  processed_quantity=1)

    assert check_schedule(req, [lot("M1", "new", 0, 20), lot("M2", "old", 0, 25, "O1")]) == []
    assert any("not a mode of it" in p for p in check_schedule(req, [lot("M1", "", 0, 20),
                                                                     lot("M2", "old", 0, 25, "O1")]))
    assert any("work in progress" in p for p in check_schedule(req, [lot("M1", "new", 5, 25),
                                                                     lot("M2", "old", 0, 25, "O1")]))
    crane_twice = check_schedule(req, [lot("M1", "new", 0, 20), lot("M3", "fast", 0, 10, "O1")])
    assert any("resource crane" in p for p in crane_twice)  # the running lot holds the crane


def test_the_dispatching_start_keeps_the_running_mode_and_its_crane() -> None:
    req = _running("M1")
    placed = _dispatch_start(req)
    assert check_schedule(req, placed) == []
    assert [(a.machine_id, a.mode_id, a.start) for a in placed if a.order_id == "O0"] == [("M1", "new", 0)]


def test_a_running_report_that_names_no_single_mode_is_refused() -> None:
    field = "orders[0].work_in_progress.running.machine_id"
    unknown = {v.field: v.reason for v in find_violations(_running("M4"))}
    assert "unknown machine 'M4'" in unknown[field] or "no mode on machine 'M4'" in unknown[field]
    twice = Product(id="housing", routing=[Operation(id="cast", eligible_machines=[], modes=[
        _mode("a", 10, "M1"), _mode("b", 20, "M1")])])
    req = _running("M2")
    req = req.model_copy(update={"factory": req.factory.model_copy(update={"products": [twice]})})
    assert "no mode on machine 'M2'" in {v.field: v.reason for v in find_violations(req)}[field]
    req = _running("M1")
    req = req.model_copy(update={"factory": req.factory.model_copy(update={"products": [twice]})})
    assert "2 modes on machine 'M1'" in {v.field: v.reason for v in find_violations(req)}[field]


# --- pausing in modes ----------------------------------------------------------------------------------------

DAY = 1440
# The new cell works 06:00-14:00 every day; the old cell never stops.
EARLY = ShiftCalendar(id="early", shifts=[Shift(name="early", start_minute=360, length_minutes=480)],
                      working_days=list(range(7)))


def _pausing(work_minutes: int, may_pause: bool | None, *modes: OperationMode, gas: float = 0.0) -> PlanRequest:
    """One lot: `work_minutes` in mode "cell" on the new cell CELL (early shift), or 40 h on the old cell OLD; or
    `modes` in place of these two."""
    operation = Operation(id="machine", eligible_machines=[], may_pause=may_pause, modes=list(modes) or [
        _mode("cell", work_minutes, "CELL"), _mode("old", 40 * 60, "OLD")])
    req = request([Machine(id="CELL", calendar_id="early"), Machine(id="OLD")], [Product(id="P", routing=[operation])],
                  [order("O", "P", due=0)], horizon=4 * DAY, calendars=[EARLY], objective=Objective.MAKESPAN)
    return req.model_copy(update={
        "options": req.options.model_copy(update={"plan_start": datetime(2026, 1, 5, tzinfo=UTC)}),
        "factory": req.factory.model_copy(update={"materials": [Material(id="gas", on_hand=gas)],
                                                  "resources": [Resource(id="hands", capacity=1)]})})


def _only(plan: PlanResult) -> tuple[str, int, int]:
    [placed] = plan.assignments
    return placed.mode_id, placed.start, placed.end


def test_pausing_lets_a_long_lot_run_on_the_day_shift_cell_and_a_short_one_does_not_need_it() -> None:
    # 12 h of work: 8 h from 06:00 on day one, 4 h from 06:00 on day two; the old cell would take 40 h.
    assert _only(_solve(_pausing(12 * 60, True))) == ("cell", 360, DAY + 360 + 240)
    assert _only(_solve(_pausing(12 * 60, None))) == ("old", 0, 40 * 60)  # no pause: 12 h fit in no shift
    assert _only(_solve(_pausing(4 * 60, True))) == ("cell", 360, 600)  # fits in one shift: no pause
    assert _only(_solve(_pausing(4 * 60, None))) == ("cell", 360, 600)


def test_two_pausing_modes_on_one_machine_each_pause_their_own_work() -> None:
    fast, slow = _mode("fast", 12 * 60, "CELL", materials=(GAS,)), _mode("slow", 14 * 60, "CELL")
    assert _only(_solve(_pausing(0, True, fast, slow, gas=1.0))) == ("fast", 360, DAY + 360 + 240)
    assert _only(_solve(_pausing(0, True, fast, slow))) == ("slow", 360, DAY + 360 + 360)  # no gas


def test_a_mode_that_holds_a_person_for_its_run_or_is_manual_does_not_pause() -> None:
    manned = _mode("manned", 12 * 60, "CELL", needs=(HANDS,))
    jobs = build_jobs(_pausing(0, True, _mode("cell", 12 * 60, "CELL"), manned, _mode("by-hand", 50 * 60,
                                                                                     needs=(HANDS,))))
    assert {a.mode_id: a.may_pause for a in jobs[0].tasks[0].alternatives} == {
        "cell": True, "manned": False, "by-hand": False}
    only_manned = _pausing(0, True, manned, _mode("by-hand", 50 * 60, needs=(HANDS,)))
    assert "no mode of it can pause" in {v.field: v.reason for v in find_violations(only_manned)}[
        "factory.products[0].routing[0].may_pause"]
    # The cell's machine default lets its modes pause too.
    default = _pausing(12 * 60, None)
    default = default.model_copy(update={"factory": default.factory.model_copy(update={"machines": [
        Machine(id="CELL", calendar_id="early", operations_may_pause=True), Machine(id="OLD")]})})
    assert _only(_solve(default))[0] == "cell"


def test_the_checker_finds_a_paused_mode_that_ends_before_its_work_is_done() -> None:
    req = _pausing(12 * 60, True)
    assert clock_end(360, 12 * 60, 0, [(360, 840), (DAY + 360, DAY + 840)]) == DAY + 600

    def placed(finish: int) -> list[ScheduledOperation]:
        return [ScheduledOperation(order_id="O", product_id="P", operation_id="machine", operation_index=0,
                                   machine_id="CELL", mode_id="cell", start=360, end=finish, quantity=1,
                                   processed_quantity=1)]

    assert check_schedule(req, placed(DAY + 600)) == []
    assert any("needs 720 (pausing over non-working time)" in p for p in check_schedule(req, placed(DAY + 500)))
    # 12 h on the clock as if it ran through the night: only 8 h of it are working time.
    assert any("works 480 min in working time" in p for p in check_schedule(req, placed(360 + 12 * 60)))


def test_the_dispatching_start_pauses_modes_too() -> None:
    fast, slow = _mode("fast", 12 * 60, "CELL", materials=(GAS,)), _mode("slow", 14 * 60, "CELL")
    for req in (_pausing(12 * 60, True), _pausing(0, True, fast, slow, gas=1.0)):
        available = availability_by_machine(req)
        tasks = {(t.order_id, t.index): t for job in build_jobs(req) for t in job.tasks}
        placed = []
        for op in _dispatch_start(req):  # the start's ends on the clock, as the model reads them
            alternative = tasks[(op.order_id, op.operation_index)].placed_on(op)
            assert alternative is not None and alternative.may_pause
            end = clock_end(op.start, alternative.duration, alternative.setup, available[op.machine_id])
            assert end is not None
            placed.append(op.model_copy(update={"end": end}))
        assert check_schedule(req, placed) == []
        assert placed[0].end - placed[0].start > alternative.duration  # it pauses over the night


def test_a_re_plan_keeps_a_released_lot_paused_in_its_mode() -> None:
    from planner.replanning.replan import kept_operations, replan

    req = _pausing(12 * 60, True)
    released = _solve(req)
    [first] = released.assignments
    assert first.mode_id == "cell" and first.end - first.start > 12 * 60  # paused over the night
    frozen, reasons = kept_operations(req, released, [], replan_at=0, frozen_minutes=first.start + 1)
    assert ("O", 0) in frozen and not reasons
    result = replan(req, released, [], replan_at=0, frozen_minutes=first.start + 1)
    assert result.plan.status.has_solution, result.summary
    assert check_plan(result.request, result.plan, result.overdue_maintenance) == []
    [kept] = result.plan.assignments
    assert (kept.machine_id, kept.mode_id, kept.start, kept.end) == ("CELL", "cell", first.start, first.end)


# --- needs by skill in modes ---------------------------------------------------------------------------------

WELDER = ResourceNeed(skill="welding")
TWO_WELDERS = ResourceNeed(skill="welding", quantity=2)
SETTER = ResourceNeed(skill="setting", setup_only=True)


def _crew(product: Product, orders: int, *people: tuple[str, list[str]],
          machines: tuple[str, ...] = ("M1",)) -> PlanRequest:
    req = request(list(machines), [product], [order(f"O{i}", "frame", due=0) for i in range(orders)], horizon=600,
                  objective=Objective.MAKESPAN)
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "resources": [Resource(id=name, capacity=1, skills=skills) for name, skills in people]})})


# Welding a frame: by a pair of welders in 10 min or by one in 15 min.
PAIR_OR_SOLO = Product(id="frame", routing=[Operation(id="weld", eligible_machines=[], modes=[
    OperationMode(id="pair", setup_minutes=10, resources=[TWO_WELDERS]),
    OperationMode(id="solo", setup_minutes=15, resources=[WELDER])])])
WELDERS = [(name, ["welding"]) for name in ("ann", "bob", "cy", "dee")]


def test_four_welders_weld_two_frames_in_pairs_and_two_welders_weld_them_alone() -> None:
    four = _solve(_crew(PAIR_OR_SOLO, 2, *WELDERS))
    assert four.stats.objective == 10
    assert sorted(a.mode_id for a in four.assignments) == ["pair", "pair"]
    assert sorted(p.person_id for a in four.assignments for p in a.people) == ["ann", "bob", "cy", "dee"]
    two = _solve(_crew(PAIR_OR_SOLO, 2, *WELDERS[:2]))
    assert two.stats.objective == 15  # side by side alone beats two pairs one after the other (20)
    assert sorted(a.mode_id for a in two.assignments) == ["solo", "solo"]
    assert sorted(p.person_id for a in two.assignments for p in a.people) == ["ann", "bob"]


def test_a_setter_needed_for_the_setup_of_a_machine_mode_staggers_the_setups() -> None:
    cells = Product(id="frame", routing=[Operation(id="weld", eligible_machines=[], modes=[
        OperationMode(id="m1", machine_id="M1", setup_minutes=5, run_minutes_per_unit=10.0, resources=[SETTER]),
        OperationMode(id="m2", machine_id="M2", setup_minutes=5, run_minutes_per_unit=10.0, resources=[SETTER])])])
    one_setter = _solve(_crew(cells, 2, ("sam", ["setting"]), machines=("M1", "M2")))
    assert one_setter.stats.objective == 20  # the second setup waits for the first: 0-15 and 5-20
    assert sorted(a.start for a in one_setter.assignments) == [0, 5]
    two_setters = _solve(_crew(cells, 2, ("sam", ["setting"]), ("sue", ["setting"]), machines=("M1", "M2")))
    assert two_setters.stats.objective == 15


def test_the_checker_reads_the_chosen_modes_needs_by_skill() -> None:
    from planner.solution import StaffAssignment

    req = _crew(PAIR_OR_SOLO, 1, *WELDERS[:2])

    def weld(mode: str, end: int, *people: str) -> list[ScheduledOperation]:
        return [ScheduledOperation(order_id="O0", product_id="frame", operation_id="weld", operation_index=0,
                                   machine_id=NO_MACHINE, mode_id=mode, start=0, end=end, quantity=1,
                                   processed_quantity=1,
                                   people=[StaffAssignment(person_id=p, skill="welding") for p in people])]

    assert check_schedule(req, weld("pair", 10, "ann", "bob")) == []
    assert check_schedule(req, weld("solo", 15, "ann")) == []
    assert any("needs 2 with skill 'welding', has 1" in p for p in check_schedule(req, weld("pair", 10, "ann")))
    assert any("needs 1 with skill 'welding', has 2" in p for p in check_schedule(req, weld("solo", 15, "ann", "bob")))


def test_the_dispatching_start_staffs_the_modes_it_chooses() -> None:
    from planner.scheduling.rules.staffing import staff_schedule

    req = _crew(PAIR_OR_SOLO, 4, *WELDERS[:3])
    jobs = build_jobs(req)
    staffed = staff_schedule(req, jobs, _dispatch_start(req))
    assert staffed is not None
    assert check_schedule(req, staffed) == []


def test_bad_needs_by_skill_in_modes_are_field_violations() -> None:
    bad = Product(id="frame", routing=[Operation(id="weld", eligible_machines=[], modes=[
        OperationMode(id="a", resources=[ResourceNeed(skill="welding", quantity=3)]),
        OperationMode(id="b", resources=[ResourceNeed(skill="painting")]),
        OperationMode(id="c", resources=[ResourceNeed(skill="welding"), ResourceNeed(skill="grinding", quantity=2)]),
    ])])
    found = {v.field: v.reason for v in find_violations(_crew(bad, 1, ("ann", ["welding"]), ("bob", ["welding",
                                                                                                     "grinding"])))}
    path = "factory.products[0].routing[0].modes"
    assert "only 2 have it" in found[f"{path}[0].resources[0].quantity"]
    assert "nobody has skill 'painting'" in found[f"{path}[1].resources[0].skill"]
    assert "only 1 have it" in found[f"{path}[2].resources[1].quantity"]
    assert find_violations(_crew(PAIR_OR_SOLO, 1, *WELDERS[:2])) == []
