"""The precedence graph of a routing: parallel branches run side by side, links and their lags bind only when
they must, maximum lags that contradict are proven INFEASIBLE and named, the checker catches plans that break a
link (also random ones), the dispatching start keeps the graph, work in progress continues it, bad graphs are
reported, and a routing without predecessors stays a chain."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import (
    Objective,
    Operation,
    Order,
    PlanRequest,
    PrecedenceRelation,
    Predecessor,
    Product,
    RunningOperation,
    WorkInProgress,
)
from planner.plan import create_plan
from planner.replanning.replan import MachineBreakdown, replan
from planner.scheduling.dispatching import best_dispatch
from planner.scheduling.lns import decomposable
from planner.scheduling.rules.precedence import find_cycle, topological_order
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations

SS = PrecedenceRelation.START_TO_START


def _after(op: Operation, *links: Predecessor) -> Operation:
    return op.model_copy(update={"predecessors": list(links)})


def _link(before: str, minimum: int = 0, maximum: int | None = None,
          relation: PrecedenceRelation = PrecedenceRelation.END_TO_START) -> Predecessor:
    return Predecessor(operation_id=before, relation=relation, min_lag_minutes=minimum, max_lag_minutes=maximum)


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


def _placed(plan: PlanResult) -> dict[str, ScheduledOperation]:
    return {a.operation_id: a for a in plan.assignments}


def _assembly(lag_after_cover: int, cover_minutes: int = 20) -> PlanRequest:
    """A housing cast on DC (20 min) and a cover machined on CNC, then fitted on DC (10 min) after both."""
    routing = [operation("cast", ["DC"], 20.0), operation("cover", ["CNC"], float(cover_minutes)),
               _after(operation("fit", ["DC"], 10.0), _link("cast"), _link("cover", lag_after_cover))]
    return request(["DC", "CNC"], [Product(id="P", routing=routing)], [order("A", "P")],
                   objective=Objective.MAKESPAN)


# --- the graph: parallel branches -----------------------------------------------------------------

def test_a_routing_without_predecessors_stays_a_chain() -> None:
    chain = request(["DC", "CNC"], [Product(id="P", routing=[operation("cast", ["DC"], 20.0),
                                                             operation("cover", ["CNC"], 20.0)])],
                    [order("A", "P")], objective=Objective.MAKESPAN)
    assert all(task.predecessors is None for task in build_jobs(chain)[0].tasks)
    assert _solve(chain).stats.objective == 40


def test_parallel_branches_overlap_and_the_join_waits_for_both() -> None:
    plan = _solve(_assembly(0))
    placed = _placed(plan)
    assert plan.stats.objective == 30  # cast and cover side by side, then fit: not 50 as a chain
    assert placed["cast"].start == placed["cover"].start == 0
    assert placed["fit"].start >= max(placed["cast"].end, placed["cover"].end)


def test_a_minimum_lag_on_a_link_binds_when_it_is_the_longest_path() -> None:
    assert _solve(_assembly(15)).stats.objective == 45  # cover ends 20, cools 15, fit 10


def test_a_minimum_lag_on_a_link_changes_nothing_when_the_other_branch_is_longer() -> None:
    assert _solve(_assembly(5, cover_minutes=10)).stats.objective == 30  # cover ready at 15, cast ends at 20


def test_start_to_start_links_let_the_successor_overlap_its_predecessor() -> None:
    routing = [operation("cast", ["DC"], 40.0),
               _after(operation("inspect", ["CNC"], 40.0), _link("cast", 10, relation=SS))]
    plan = _solve(request(["DC", "CNC"], [Product(id="P", routing=routing)], [order("A", "P")],
                          objective=Objective.MAKESPAN))
    placed = _placed(plan)
    assert plan.stats.objective == 50 and placed["inspect"].start - placed["cast"].start == 10


def _held(maximum: int | None) -> PlanRequest:
    """Order A: cast on DC (20) then heat-treat on HT (10) within `maximum` of the cast's end; order B: 30 min on
    HT from plan start, released at 0. Weighted tardiness, A due at 0 (the earlier the better)."""
    cast_then_treat = Product(id="P", routing=[operation("cast", ["DC"], 20.0),
                                               _after(operation("treat", ["HT"], 10.0), _link("cast", 0, maximum))])
    other = Product(id="Q", routing=[operation("other", ["HT"], 30.0)])
    return request(["DC", "HT"], [cast_then_treat, other], [order("A", "P", due=0, weight=1.0),
                                                            order("B", "Q", due=30, weight=5.0)])


def test_a_maximum_lag_holds_the_cast_back_until_the_furnace_is_free() -> None:
    free, held = _placed(_solve(_held(None))), _placed(_solve(_held(0)))
    assert free["cast"].start == 0 and free["treat"].start == 30  # B first on HT (heavier); A's lot waits 10
    assert held["treat"].start - held["cast"].end == 0 and held["cast"].start == 10


def test_maximum_lags_that_contradict_are_infeasible_and_name_the_operations() -> None:
    routing = [operation("a", ["M1"], 10.0), _after(operation("b", ["M2"], 10.0), _link("a", 0, 5)),
               _after(operation("c", ["M1"], 5.0), _link("a", 0, 10, relation=SS), _link("b"))]
    req = request(["M1", "M2"], [Product(id="P", routing=routing)], [order("A", "P")], objective=Objective.MAKESPAN)
    plan = create_plan(req)
    assert plan.status == SolveStatus.INFEASIBLE
    assert any("a -> b -> c -> a" in reason or "time lags" in reason for reason in plan.infeasibility_reasons)
    assert all(name in " ".join(plan.infeasibility_reasons) for name in ("a", "b", "c"))


# --- the checker ------------------------------------------------------------------------------------

def test_the_checker_names_a_link_that_a_hand_made_plan_breaks() -> None:
    req = _assembly(15)
    plan = _solve(req)
    placed = _placed(plan)
    early = placed["fit"].model_copy(update={"start": placed["cover"].end, "end": placed["cover"].end + 10})
    broken = [early if a.operation_id == "fit" else a for a in plan.assignments]
    problems = check_schedule(req, broken)
    assert any("A/2 (fit)" in p and "15 min after the end of its predecessor A/1" in p for p in problems), problems


def test_the_checker_names_a_broken_maximum_lag() -> None:
    req = _held(0)
    placed = _placed(_solve(req))
    late = placed["treat"].model_copy(update={"start": placed["treat"].start + 40, "end": placed["treat"].end + 40})
    problems = check_schedule(req, [late if a.operation_id == "treat" else a for a in _solve(req).assignments])
    assert any("maximum time lag" in p for p in problems), problems


# --- random graphs: the solver's plan passes the checker, the checker catches random breaks ---------

@st.composite
def _graph_requests(draw: st.DrawFn) -> PlanRequest:
    size = draw(st.integers(2, 5))
    routing = []
    for index in range(size):
        op = operation(f"op{index}", draw(st.sampled_from([["M1"], ["M2"], ["M1", "M2"]])),
                       float(draw(st.integers(1, 15))))
        links = []
        for before in draw(st.sets(st.integers(0, index - 1), max_size=2)) if index else ():
            minimum = draw(st.integers(0, 10))
            relation = draw(st.sampled_from(list(PrecedenceRelation)))
            maximum = draw(st.one_of(st.none(), st.integers(minimum, minimum + 40)))
            links.append(_link(f"op{before}", minimum, maximum, relation))
        routing.append(_after(op, *links))
    if not any(op.predecessors for op in routing):
        routing[-1] = _after(routing[-1], _link("op0"))
    orders = [order(f"O{i}", "P", quantity=draw(st.integers(1, 3)), due=draw(st.integers(25, 120)),
                    release=draw(st.integers(0, 20))) for i in range(draw(st.integers(1, 3)))]
    return request(["M1", "M2"], [Product(id="P", routing=routing)], orders, horizon=2_000, time_limit=3.0)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_graph_requests(), st.randoms(use_true_random=False))
def test_random_graphs_solve_to_checked_plans_and_broken_links_are_caught(req: PlanRequest,
                                                                         rng: random.Random) -> None:
    assert find_violations(req) == []
    plan = create_plan(req)
    has_max_lags = any(link.max_lag_minutes is not None for op in req.factory.products[0].routing
                       for link in op.predecessors)
    if not plan.status.has_solution:  # 2,000 min is room for every minimum lag: only maximum lags can contradict
        assert plan.status == SolveStatus.INFEASIBLE and has_max_lags and plan.infeasibility_reasons
        return
    assert check_plan(req, plan) == []
    placed = {a.operation_index: a for a in plan.assignments if a.order_id == "O0"}
    job = build_jobs(req)[0]
    linked = [task for task in job.tasks if task.predecessors]
    task = rng.choice(linked)
    link = rng.choice(task.predecessors or ())
    before = placed[link.before]
    moved = placed[task.index]
    start = link.delay(before.start, before.end) - 1 - rng.randrange(5)
    broken = moved.model_copy(update={"start": start, "end": start + moved.end - moved.start})
    problems = check_schedule(req, [broken if a is moved else a for a in plan.assignments])
    assert any(p.startswith(f"O0/{task.index} ") and "predecessor" in p for p in problems), problems


# --- the dispatching start, the neighbourhood search gate, work in progress ------------------------

def test_the_dispatching_start_keeps_minimum_lags_of_a_graph() -> None:
    req = _assembly(15)
    req = req.model_copy(update={"orders": [order(f"A{i}", "P", due=100) for i in range(4)]})
    jobs = build_jobs(req)
    hint = best_dispatch(req, jobs, availability_by_machine(req))
    assert hint is not None
    placed = hint_assignments(jobs, hint)
    assert placed is not None and check_schedule(req, placed) == []


def test_graph_maximum_lags_take_the_request_out_of_the_neighbourhood_search() -> None:
    held = _held(0).model_copy(update={"options": _held(0).options.model_copy(
        update={"objective": Objective.WEIGHTED_TARDINESS})})
    assert not decomposable(held)
    assert decomposable(_assembly(15).model_copy(update={"options": held.options}))


def test_work_in_progress_continues_a_graph() -> None:
    req = _assembly(0)
    progress = WorkInProgress(done_operation_ids=["cast"],
                              running=RunningOperation(operation_id="cover", machine_id="CNC", remaining_minutes=12))
    req = req.model_copy(update={"orders": [Order(id="A", product_id="P", quantity=1, due=100,
                                                  work_in_progress=progress)]})
    assert find_violations(req) == []
    placed = _placed(_solve(req))
    assert set(placed) == {"cover", "fit"} and placed["cover"].start == 0 and placed["fit"].start >= 12


def test_a_replan_after_a_breakdown_keeps_the_graph() -> None:
    """The fit is listed first and follows the two branches listed after it: kept work and redone work still
    follow the links, not the list order."""
    routing = [_after(operation("fit", ["DC"], 10.0), _link("cast", 0, 300), _link("cover")),
               operation("cast", ["DC"], 20.0), operation("cover", ["CNC"], 20.0)]
    orders = [order(f"A{i}", "P", due=60 * (i + 1)) for i in range(3)]
    req = request(["DC", "CNC"], [Product(id="P", routing=routing)], orders, time_limit=3.0)
    released = create_plan(req)
    assert released.status.has_solution and check_plan(req, released) == []
    result = replan(req, released, [MachineBreakdown(machine_id="CNC", start=10, repair_end=100)], replan_at=10)
    assert result.plan.status.has_solution, result.summary
    assert check_plan(result.request, result.plan, result.overdue_maintenance) == []


# --- bad input ----------------------------------------------------------------------------------------

def test_bad_graphs_are_reported_with_their_field() -> None:
    routing = [
        _after(operation("a", ["M1"]), _link("c")),
        _after(operation("b", ["M1"]), _link("a"), _link("a"), _link("nowhere"), _link("b")),
        _after(operation("c", ["M1"]), _link("b", 5, 2), _link("a", -3)),
    ]
    req = request(["M1"], [Product(id="P", routing=routing)], [order("A", "P")])
    violations = {v.field: v.reason for v in find_violations(req)}
    path = "factory.products[0].routing"
    assert violations[f"{path}[1].predecessors[1].operation_id"] == "predecessor 'a' listed twice"
    assert "unknown operation 'nowhere'" in violations[f"{path}[1].predecessors[2].operation_id"]
    assert violations[f"{path}[1].predecessors[3].operation_id"] == "operation 'b' cannot precede itself"
    assert "below the minimum lag" in violations[f"{path}[2].predecessors[0].max_lag_minutes"]
    assert "must not be negative" in violations[f"{path}[2].predecessors[1].min_lag_minutes"]
    cycle = next(reason for field, reason in violations.items() if "cycle" in reason)
    assert all(name in cycle for name in ("a", "b", "c")), cycle


def test_chain_lags_on_a_graph_product_and_work_in_progress_before_its_predecessors_are_reported() -> None:
    routing = [operation("a", ["M1"]), _after(operation("b", ["M1"]), _link("a")),
               operation("c", ["M1"]).model_copy(update={"min_lag_minutes": 5})]
    progress = WorkInProgress(done_operation_ids=["a", "b"])
    bad_order = Order(id="A", product_id="P", quantity=1, due=100, work_in_progress=progress)
    req = request(["M1"], [Product(id="P", routing=routing)], [bad_order])
    violations = {v.field: v.reason for v in find_violations(req)}
    assert "predecessors" in violations["factory.products[0].routing[2].min_lag_minutes"]
    routing[2] = operation("c", ["M1"])
    routing[1] = _after(operation("b", ["M1"]), _link("c"))
    req = request(["M1"], [Product(id="P", routing=routing)], [bad_order])
    assert any("predecessor 'c' is not done" in v.reason for v in find_violations(req))


def test_topological_order_and_cycles() -> None:
    routing = [_after(operation("a", ["M1"]), _link("b")), operation("b", ["M1"])]
    req = request(["M1"], [Product(id="P", routing=routing)], [order("A", "P")])
    assert [task.operation_id for task in build_jobs(req)[0].tasks] == ["b", "a"]
    assert topological_order([[], []]) == [0, 1]
    assert find_cycle({0: [1], 1: [2], 2: [1]}, 3) == [1, 2]
    assert find_cycle({0: [1], 1: [2]}, 3) is None
