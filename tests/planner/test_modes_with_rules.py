"""Operation modes combined with the other plant rules (issue #25, "all of it in one model"): family changeovers
between lots whatever modes put them on a machine, and transfer batches into and out of an operation with modes.
For each: a binding / non-binding pair of tiny instances, the checker on broken plans, the dispatching start, and
the refusals that stay."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    NO_MACHINE,
    FamilyChangeover,
    Material,
    MaterialUse,
    Objective,
    Operation,
    OperationMode,
    PlanRequest,
    Product,
    Resource,
    ResourceNeed,
)
from planner.plan import create_plan
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import order, request
from planner.validation import find_violations

HANDS = ResourceNeed(resource_id="hands")
GAS = MaterialUse(material_id="gas", quantity_per_unit=1.0)


def _mode(mode_id: str, minutes: int, machine: str = NO_MACHINE, needs: tuple[ResourceNeed, ...] = (),
          materials: tuple[MaterialUse, ...] = (), run: float = 0.0) -> OperationMode:
    """A mode of `minutes` setup (a fixed duration when `run` is 0)."""
    return OperationMode(id=mode_id, machine_id=machine, setup_minutes=minutes, run_minutes_per_unit=run,
                         resources=list(needs), materials=list(materials))


def _casting(product_id: str, family: str, *modes: OperationMode) -> Product:
    return Product(id=product_id, family=family, routing=[Operation(id="cast", eligible_machines=[],
                                                                    modes=list(modes))])


def _plant(products: list[Product], orders: list[tuple[str, str]], changeover: int = 0, gas: float = 10.0,
           machines: tuple[str, ...] = ("M1", "M2")) -> PlanRequest:
    """(order id, product id) lots due at 0 (makespan); a changeover of `changeover` minutes from family a to b and
    back on every machine; plenty of hands; `gas` on hand."""
    req = request(list(machines), products, [order(o, p, 1, due=0) for o, p in orders], horizon=600,
                  objective=Objective.MAKESPAN)
    changeovers = [FamilyChangeover(from_family=x, to_family=y, minutes=changeover) for x, y in (("a", "b"),
                                                                                                 ("b", "a"))]
    return req.model_copy(update={"factory": req.factory.model_copy(update={
        "changeovers": changeovers if changeover else [], "resources": [Resource(id="hands", capacity=10)],
        "materials": [Material(id="gas", on_hand=gas)]})})


def _solve(req: PlanRequest) -> PlanResult:
    assert find_violations(req) == []
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _choices(plan: PlanResult) -> list[tuple[str, str, str]]:
    return sorted((a.order_id, a.machine_id, a.mode_id) for a in plan.assignments)


def _dispatch_start(req: PlanRequest) -> list[ScheduledOperation]:
    """The dispatching start as a schedule; it must be complete."""
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None
    return placed


# --- family changeovers with modes ---------------------------------------------------------------------------

# A casting runs on the new cell M1 in 10 min or on the old cell M2 in 25 min.
A_ON_CELLS = _casting("A", "a", _mode("new", 10, machine="M1"), _mode("old", 25, machine="M2"))
B_ON_CELLS = _casting("B", "b", _mode("new", 10, machine="M1"), _mode("old", 25, machine="M2"))
CELLS = _plant([A_ON_CELLS, B_ON_CELLS], [("OA", "A"), ("OB", "B")])


def test_a_long_changeover_sends_one_family_to_the_old_cell_and_a_short_one_does_not() -> None:
    short = _solve(_plant([A_ON_CELLS, B_ON_CELLS], [("OA", "A"), ("OB", "B")], changeover=3))
    assert short.stats.objective == 23  # 10 + 3 + 10 on the new cell beats 25 on the old one
    assert [mode for _, _, mode in _choices(short)] == ["new", "new"]
    binding = _solve(_plant([A_ON_CELLS, B_ON_CELLS], [("OA", "A"), ("OB", "B")], changeover=10))
    assert binding.stats.objective == 25  # 10 + 10 + 10 = 30 on the new cell: one lot goes to the old one
    assert sorted(mode for _, _, mode in _choices(binding)) == ["new", "old"]
    assert _solve(CELLS).stats.objective == 20  # no changeover at all


def test_two_modes_on_one_machine_keep_the_changeover_between_them() -> None:
    # Fast (with gas) or slow on M1, or by hand in 40 min: the changeover holds whichever M1 mode each lot takes.
    a = _casting("A", "a", _mode("fast", 10, "M1", materials=(GAS,)), _mode("slow", 14, "M1"),
                 _mode("by-hand", 40, needs=(HANDS,)))
    b = _casting("B", "b", *a.routing[0].modes)
    both_fast = _solve(_plant([a, b], [("OA", "A"), ("OB", "B")], changeover=6, gas=2.0, machines=("M1",)))
    assert both_fast.stats.objective == 26  # 10 + 6 + 10
    one_slow = _solve(_plant([a, b], [("OA", "A"), ("OB", "B")], changeover=6, gas=1.0, machines=("M1",)))
    assert one_slow.stats.objective == 30  # 10 + 6 + 14 on M1 beats 40 by hand
    assert [mode for _, _, mode in _choices(one_slow)] == ["fast", "slow"]
    by_hand = _solve(_plant([a, b], [("OA", "A"), ("OB", "B")], changeover=25, gas=1.0, machines=("M1",)))
    assert by_hand.stats.objective == 40  # 10 + 25 + 14 = 49: one lot by hand, which takes no changeover
    assert ("", "by-hand") in [(machine, mode) for _, machine, mode in _choices(by_hand)]


def test_a_changeover_between_lots_of_one_family_is_not_taken() -> None:
    plan = _solve(_plant([A_ON_CELLS], [("O1", "A"), ("O2", "A")], changeover=50))
    assert plan.stats.objective == 20
    assert [mode for _, _, mode in _choices(plan)] == ["new", "new"]


def _cast(order_id: str, product_id: str, machine: str, mode: str, start: int, end: int) -> ScheduledOperation:
    return ScheduledOperation(order_id=order_id, product_id=product_id, operation_id="cast", operation_index=0,
                              machine_id=machine, mode_id=mode, start=start, end=end, quantity=1,
                              processed_quantity=1)


def test_the_checker_finds_a_changeover_cut_short_between_lots_in_modes() -> None:
    req = _plant([A_ON_CELLS, B_ON_CELLS], [("OA", "A"), ("OB", "B")], changeover=10)
    too_close = [_cast("OA", "A", "M1", "new", 0, 10), _cast("OB", "B", "M1", "new", 15, 25)]
    assert any("5 min before the 10-min changeover" in p for p in check_schedule(req, too_close))
    assert check_schedule(req, [_cast("OA", "A", "M1", "new", 0, 10), _cast("OB", "B", "M1", "new", 20, 30)]) == []
    apart = [_cast("OA", "A", "M1", "new", 0, 10), _cast("OB", "B", "M2", "old", 0, 25)]
    assert check_schedule(req, apart) == []  # on two machines: no changeover between them


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lots=st.lists(st.tuples(st.sampled_from("AB"), st.booleans(), st.integers(0, 60)), min_size=2, max_size=5))
def test_the_checker_flags_a_changeover_between_modes_exactly_when_two_lots_are_too_close(
        lots: list[tuple[str, bool, int]]) -> None:
    """Random lots of both families in the new-cell (10 min) or old-cell (25 min) mode: a changeover problem is
    reported exactly when two lots in a row on one machine are less than their changeover apart (10 min between
    families; 0 in one family, where it is the overlap)."""
    req = _plant([A_ON_CELLS, B_ON_CELLS], [(f"O{i}", product) for i, (product, _, _) in enumerate(lots)],
                 changeover=10)
    placed = [_cast(f"O{i}", product, "M1" if new else "M2", "new" if new else "old", start,
                    start + (10 if new else 25)) for i, (product, new, start) in enumerate(lots)]
    too_close = False
    for machine in ("M1", "M2"):
        runs = sorted((a.start, a.end, a.product_id) for a in placed if a.machine_id == machine)
        too_close |= any(y[0] < x[1] + (10 if x[2] != y[2] else 0) for x, y in pairwise(runs))
    problems = check_schedule(req, placed)
    assert any("changeover" in p for p in problems) == too_close
    assert all("changeover" in p or "overlap" in p for p in problems)


def test_the_dispatching_start_keeps_changeovers_between_modes() -> None:
    orders = [(f"O{i}", "AB"[i % 2]) for i in range(6)]
    req = _plant([A_ON_CELLS, B_ON_CELLS], orders, changeover=7)
    placed = _dispatch_start(req)
    assert check_schedule(req, placed) == []
    on_new_cell = sorted((a.start, a.end, a.product_id) for a in placed if a.machine_id == "M1")
    assert len(on_new_cell) >= 2


# --- transfer batches into and out of operations with modes ---------------------------------------------------

def _cast_then_machine(batch: int | None) -> Product:
    """Casting on the new cell (1 min a unit) or the old one (2 min), then machining on the fast centre (0.5 min a
    unit) or the slow one (1 min), which takes the castings in transfer batches of `batch`."""
    cast = Operation(id="cast", eligible_machines=[], modes=[_mode("new", 0, "M1", run=1.0),
                                                             _mode("old", 0, "M2", run=2.0)])
    machine = Operation(id="machine", eligible_machines=[], transfer_batch_units=batch,
                        modes=[_mode("fast", 0, "M3", run=0.5), _mode("slow", 0, "M4", run=1.0)])
    return Product(id="housing", routing=[cast, machine])


def _streaming(batch: int | None, lots: int = 1) -> PlanRequest:
    req = request(["M1", "M2", "M3", "M4"], [_cast_then_machine(batch)],
                  [order(f"O{i}", "housing", 10, due=0) for i in range(lots)], horizon=600,
                  objective=Objective.MAKESPAN)
    assert find_violations(req) == []
    return req


def test_small_transfer_batches_let_machining_in_its_mode_start_early_and_whole_lots_do_not() -> None:
    streamed = _solve(_streaming(2))
    # New cell 0-10; the fast centre waits until it never runs out of castings: batch 5 is done at 10, when it
    # reaches unit 9 after 4 of its 5 min, so it starts at 6 and ends at 11 (the slow centre could start at 2, end 12).
    assert streamed.stats.objective == 11
    assert [(a.operation_id, a.mode_id, a.start, a.end) for a in sorted(streamed.assignments, key=lambda a: a.start)
            ] == [("cast", "new", 0, 10), ("machine", "fast", 6, 11)]
    whole = _solve(_streaming(10))
    assert whole.stats.objective == 15  # the whole lot first: 10 + 5
    assert _solve(_streaming(None)).stats.objective == 15


def test_the_transfer_delay_follows_the_modes_chosen() -> None:
    # Two lots: the second casts after the first on the new cell (10-20) or on the old one (0-20, a batch every
    # 4 min); machining streams from either, in the delay of its pair of modes, and ends at 21 at best.
    plan = _solve(_streaming(2, lots=2))
    assert plan.stats.objective == 21
    steps = {(a.order_id, a.operation_id): a for a in plan.assignments}
    last = max(("O0", "O1"), key=lambda lot: steps[(lot, "machine")].end)
    # Only the fast centre, streaming from a casting that ends at 20, ends at 21 (the slow one would end at 22).
    assert (steps[(last, "machine")].mode_id, steps[(last, "machine")].start) == ("fast", 16)
    assert steps[(last, "cast")].end == 20


def _step(operation: str, machine: str, mode: str, start: int, end: int) -> ScheduledOperation:
    return ScheduledOperation(order_id="O0", product_id="housing", operation_id=operation,
                              operation_index=0 if operation == "cast" else 1, machine_id=machine, mode_id=mode,
                              start=start, end=end, quantity=10, processed_quantity=10)


def test_the_checker_finds_machining_that_would_run_out_of_castings_in_its_mode() -> None:
    req = _streaming(2)
    assert check_schedule(req, [_step("cast", "M1", "new", 0, 10), _step("machine", "M3", "fast", 6, 11)]) == []
    early = check_schedule(req, [_step("cast", "M1", "new", 0, 10), _step("machine", "M3", "fast", 5, 10)])
    assert any("before 6, when transfer batches of 2 units" in p for p in early)
    # The slow centre may start at 2 after the new cell, but not after the old one (castings every 4 min).
    assert check_schedule(req, [_step("cast", "M1", "new", 0, 10), _step("machine", "M4", "slow", 2, 12)]) == []
    late = check_schedule(req, [_step("cast", "M2", "old", 0, 20), _step("machine", "M4", "slow", 2, 12)])
    assert any("when transfer batches" in p for p in late)


def test_the_dispatching_start_streams_between_modes() -> None:
    req = _streaming(2, lots=3)
    assert check_schedule(req, _dispatch_start(req)) == []


def test_the_start_hints_every_changeover_arc_consistently() -> None:
    """The dispatching start's machine sequences hint the circuits' arcs (`ChangeoverArcs.hint`): every arc literal
    gets a value, and the hint with all its values fixed is a solution of the model."""
    from ortools.sat.python import cp_model

    from planner.risk import planning_availability
    from planner.scheduling.model import add_hint, build_model

    req = _plant([A_ON_CELLS, B_ON_CELLS], [(f"O{i}", "AB"[i % 3 % 2]) for i in range(7)], changeover=7)
    jobs = build_jobs(req)
    available = planning_availability(req, availability_by_machine(req))
    hint = best_dispatch(req, jobs, available)
    assert hint is not None
    built = build_model(req, jobs, available)
    add_hint(built, hint)
    placed = hint_assignments(jobs, hint)
    assert placed is not None
    built.changeovers.hint(built.model, placed)
    hinted = set(built.model.proto.solution_hint.vars)
    arcs = [literal for circuit in built.changeovers.circuits.values() for literal in circuit.arcs.values()]
    assert set(built.changeovers.circuits) == {"M1", "M2"} and len(arcs) > 7
    assert all(literal.index in hinted for literal in arcs)
    built.model.minimize(built.makespan)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = 10.0
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
