"""Batch machines (furnaces): lots of one recipe share a load when it pays and it fits, recipes never mix,
the checker catches loads that break the rule (also random ones), the dispatching start and short time
limits build valid loads, late orders that waited for a load say so (en, ko), and bad input is reported."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.calendar import availability_by_machine
from planner.checker import check_plan, check_schedule
from planner.domain import BatchRecipe, FamilyChangeover, Machine, Objective, Operation, PlanRequest, Product
from planner.explanations.late_orders import explain_late_orders
from planner.kpis import compute_kpis, order_results
from planner.plan import create_plan
from planner.scheduling.dispatching import MAKESPAN_RULES, TARDINESS_RULES, dispatch
from planner.scheduling.rules.batching import loads_of
from planner.scheduling.search import hint_assignments
from planner.scheduling.tasks import build_jobs
from planner.solution import PlanResult, ScheduledOperation
from planner.status import SolveStatus
from planner.testing import operation, order, request
from planner.validation import find_violations

CAST_MINUTES_PER_UNIT = 1.0


def _furnace(capacity: float, machine_id: str = "HT") -> Machine:
    return Machine(id=machine_id, batch_capacity=capacity, recipes=[BatchRecipe(id="T6", cycle_minutes=240),
                                                                    BatchRecipe(id="T5", cycle_minutes=120)])


def _heat(recipe: str, machines: tuple[str, ...] = ("HT",), per_unit: float = 1.0) -> Operation:
    return operation("heat", list(machines)).model_copy(update={"recipe": recipe, "batch_load_per_unit": per_unit})


def _cast_then_heat(product_id: str, recipe: str) -> Product:
    return Product(id=product_id, routing=[operation("cast", ["DC"], CAST_MINUTES_PER_UNIT), _heat(recipe)])


def _two_lots(capacity: float, second_recipe: str = "T6") -> PlanRequest:
    """Lots A and B of 40 units: cast one after the other on DC (40 min each), then heat-treat on furnace HT."""
    products = [_cast_then_heat("P", "T6"), _cast_then_heat("Q", second_recipe)]
    return request(["DC", _furnace(capacity)], products, [order("A", "P", 40), order("B", "Q", 40)],
                   objective=Objective.MAKESPAN)


def _solve(req: PlanRequest) -> PlanResult:
    plan = create_plan(req)
    assert plan.status == SolveStatus.OPTIMAL, plan.infeasibility_reasons
    assert check_plan(req, plan) == []
    return plan


# --- the rule: binding and non-binding -------------------------------------------------------------

def test_one_lot_on_a_furnace_takes_the_recipe_cycle_whatever_its_size() -> None:
    req = request(["DC", _furnace(1000)], [_cast_then_heat("P", "T5")], [order("A", "P", 3)],
                  objective=Objective.MAKESPAN)
    plan = _solve(req)
    assert plan.stats.objective == 3 + 120
    (load,) = loads_of(req, plan.assignments)
    assert load.order_ids == ["A"] and abs(load.fill - 0.003) < 1e-9


def test_lots_of_one_recipe_share_a_load_when_it_fits() -> None:
    req = _two_lots(100)
    plan = _solve(req)
    assert plan.stats.objective == 80 + 240  # both casts, then one cycle
    (load,) = loads_of(req, plan.assignments)
    assert sorted(load.order_ids) == ["A", "B"] and load.start == 80 and abs(load.fill - 0.8) < 1e-9
    assert plan.kpis is not None and abs(plan.kpis.average_batch_fill - 0.8) < 1e-9


def test_capacity_binds_when_two_lots_do_not_fit_one_load() -> None:
    req = _two_lots(60)
    plan = _solve(req)
    assert plan.stats.objective == 40 + 240 + 240  # A's load from 40, B's after it
    loads = loads_of(req, plan.assignments)
    assert [load.order_ids for load in loads] == [["A"], ["B"]]


def test_recipes_never_share_a_load() -> None:
    req = _two_lots(1000, second_recipe="T5")
    plan = _solve(req)
    loads = loads_of(req, plan.assignments)
    assert len(loads) == 2 and {load.recipe for load in loads} == {"T6", "T5"}
    assert plan.stats.objective == 40 + 120 + 240  # one cast, then both cycles, whichever comes first


def test_load_per_unit_counts_weight_not_units() -> None:
    """40 units of 2.5 kg are 100 kg: two such lots do not fit a 150 kg furnace, though 80 units would."""
    products = [Product(id="P", routing=[operation("cast", ["DC"]), _heat("T6", per_unit=2.5)])]
    req = request(["DC", _furnace(150)], products, [order("A", "P", 40), order("B", "P", 40)],
                  objective=Objective.MAKESPAN)
    plan = _solve(req)
    assert len(loads_of(req, plan.assignments)) == 2


def test_utilization_counts_a_load_once() -> None:
    req = _two_lots(100)
    plan = _solve(req)
    assert plan.kpis is not None
    furnace = next(u for u in plan.kpis.machine_utilization if u.machine_id == "HT")
    assert furnace.busy_minutes == 240 and furnace.operations == 2


def test_lots_that_share_loads_are_not_counted_as_a_cycle_each() -> None:
    """20 lots x a 4-h cycle is 80 h of furnace work, far beyond the 24-h horizon, but two loads hold them:
    neither the pre-checks nor the model's lower bounds may count a cycle per lot."""
    req = request(["DC", _furnace(100)], [_cast_then_heat("P", "T6")],
                  [order(f"O{i}", "P", 5, due=600) for i in range(20)], horizon=1440, objective=Objective.MAKESPAN)
    plan = _solve(req)
    assert plan.stats.objective == 100 + 240 and len(loads_of(req, plan.assignments)) <= 2


# --- the checker ------------------------------------------------------------------------------------

def _load(order_id: str, product_id: str, start: int, length: int, quantity: int = 40) -> ScheduledOperation:
    return ScheduledOperation(order_id=order_id, product_id=product_id, operation_id="heat", operation_index=1,
                              machine_id="HT", start=start, end=start + length, quantity=quantity,
                              processed_quantity=quantity)


def _cast(order_id: str, product_id: str, start: int) -> ScheduledOperation:
    return ScheduledOperation(order_id=order_id, product_id=product_id, operation_id="cast", operation_index=0,
                              machine_id="DC", start=start, end=start + 40, quantity=40, processed_quantity=40)


def test_checker_accepts_a_shared_load_and_catches_each_broken_one() -> None:
    casts = [_cast("A", "P", 0), _cast("B", "Q", 40)]
    same = _two_lots(100)
    assert check_schedule(same, [*casts, _load("A", "P", 80, 240), _load("B", "Q", 80, 240)]) == []
    overfull = _two_lots(60)
    assert any("more than its capacity 60" in p
               for p in check_schedule(overfull, [*casts, _load("A", "P", 80, 240), _load("B", "Q", 80, 240)]))
    mixed = _two_lots(1000, second_recipe="T5")
    problems = check_schedule(mixed, [*casts, _load("A", "P", 80, 240), _load("B", "Q", 80, 240)])
    assert any("mixes recipes" in p for p in problems)
    staggered = check_schedule(same, [*casts, _load("A", "P", 80, 240), _load("B", "Q", 100, 240)])
    assert any("overlap" in p for p in staggered)


@st.composite
def _broken_loads(draw: st.DrawFn) -> tuple[PlanRequest, list[ScheduledOperation], str]:
    """A valid plan of n lots in one load after their casts, then one lot moved, overfilled or re-cooked."""
    lots = draw(st.integers(2, 5))
    quantities = draw(st.lists(st.integers(1, 30), min_size=lots, max_size=lots))
    products = [_cast_then_heat("P", "T6"), _cast_then_heat("Q", "T5")]
    orders = [order(f"O{i}", "P", q) for i, q in enumerate(quantities)]
    cursor, placed = 0, []
    for o in orders:
        placed.append(ScheduledOperation(order_id=o.id, product_id="P", operation_id="cast", operation_index=0,
                                         machine_id="DC", start=cursor, end=cursor + o.quantity,
                                         quantity=o.quantity, processed_quantity=o.quantity))
        cursor += o.quantity
    heats = [_load(o.id, "P", cursor, 240, o.quantity) for o in orders]
    how = draw(st.sampled_from(["move", "overfill", "cycle", "none"]))
    capacity = float(sum(quantities))
    victim = draw(st.integers(0, lots - 1))
    if how == "move":
        shift = draw(st.integers(1, 239))
        heats[victim] = heats[victim].model_copy(update={"start": cursor + shift, "end": cursor + shift + 240})
    elif how == "overfill":
        capacity = float(max(sum(quantities) - draw(st.integers(1, min(quantities))), max(quantities)))
    elif how == "cycle":
        heats[victim] = heats[victim].model_copy(update={"end": cursor + 240 - draw(st.integers(1, 200))})
    req = request(["DC", _furnace(capacity)], products, orders, objective=Objective.MAKESPAN)
    return req, placed + heats, how


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_broken_loads())
def test_checker_finds_every_broken_load_and_accepts_the_rest(case: tuple[PlanRequest, list[ScheduledOperation],
                                                                           str]) -> None:
    req, placed, how = case
    problems = check_schedule(req, placed)
    assert (problems == []) == (how == "none"), problems


# --- solver plans and starts keep the rule (random small instances) ---------------------------------

@st.composite
def _furnace_requests(draw: st.DrawFn) -> PlanRequest:
    recipes = draw(st.lists(st.sampled_from(["T6", "T5"]), min_size=1, max_size=2, unique=True))
    products = [_cast_then_heat(f"P{i}", r) for i, r in enumerate(recipes)]
    count = draw(st.integers(1, 6))
    quantities = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count))
    capacity = float(draw(st.integers(max(quantities), 120)))
    releases = draw(st.lists(st.integers(0, 200), min_size=count, max_size=count))
    orders = [order(f"O{i}", f"P{draw(st.integers(0, len(products) - 1))}", q, release=release,
                    due=release + draw(st.integers(100, 900)))
              for i, (q, release) in enumerate(zip(quantities, releases, strict=True))]
    machines: list[Machine | str] = ["DC", _furnace(capacity)]
    if draw(st.booleans()):  # a second furnace the heat treatment may use
        machines.append(_furnace(capacity / 2 + max(quantities) / 2, "HT-2"))
        products = [p.model_copy(update={"routing": [p.routing[0], p.routing[1].model_copy(update={
            "eligible_machines": [*p.routing[1].eligible_machines,
                                  p.routing[1].eligible_machines[0].model_copy(update={"machine_id": "HT-2"})]})]})
                    for p in products]
    objective = draw(st.sampled_from(list(Objective)))
    return request(machines, products, orders, horizon=4000, objective=objective, time_limit=2.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_furnace_requests())
def test_solver_plans_pass_the_checker(req: PlanRequest) -> None:
    plan = create_plan(req)
    assert plan.status.has_solution
    assert check_plan(req, plan) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_furnace_requests())
def test_every_dispatching_rule_builds_valid_loads(req: PlanRequest) -> None:
    jobs = build_jobs(req)
    available = availability_by_machine(req)
    capacities = {m.id: m.batch_capacity for m in req.factory.machines if m.batch_capacity is not None}
    for rule in (*TARDINESS_RULES, *MAKESPAN_RULES):
        hint = dispatch(jobs, available, rule, capacities)
        assert hint is not None
        placed = hint_assignments(jobs, hint)
        assert placed is not None and check_schedule(req, placed) == []


def test_the_dispatching_start_fills_loads_with_waiting_lots() -> None:
    """Eight lots of 10 cast one after the other: the furnace's first load runs with the first lot, and
    the lots cast while it cooks all join the second load (capacity 100)."""
    req = request(["DC", _furnace(100)], [_cast_then_heat("P", "T6")],
                  [order(f"O{i}", "P", 10) for i in range(8)], objective=Objective.MAKESPAN)
    capacities = {"HT": 100.0}
    hint = dispatch(build_jobs(req), availability_by_machine(req), MAKESPAN_RULES[0], capacities)
    assert hint is not None
    placed = hint_assignments(build_jobs(req), hint)
    assert placed is not None
    loads = loads_of(req, placed)
    assert [len(load.order_ids) for load in loads] == [1, 7]


def test_a_very_short_time_limit_still_gives_a_plan_with_valid_loads() -> None:
    orders = [order(f"O{i}", "P" if i % 3 else "Q", 10 + i % 7, due=300 + 60 * i, weight=1 + i % 3)
              for i in range(40)]
    req = request(["DC", _furnace(120), _furnace(80, "HT-2")], [
        Product(id="P", routing=[operation("cast", ["DC"], 0.5), _heat("T6", ("HT", "HT-2"))]),
        Product(id="Q", routing=[operation("cast", ["DC"], 0.5), _heat("T5", ("HT", "HT-2"))])],
        orders, horizon=20_000, time_limit=0.05)
    for objective in Objective:
        short = req.model_copy(update={"options": req.options.model_copy(update={"objective": objective})})
        plan = create_plan(short)
        assert plan.status.has_solution and check_plan(short, plan) == []


# --- explanations ----------------------------------------------------------------------------------------

def test_an_order_that_waited_for_its_load_to_fill_says_so_in_english_and_korean() -> None:
    """A is cast by 40 and could be heat-treated alone by 280 (due 290); the plan waits for B (cast by 80)."""
    base = _two_lots(100)
    tardiness = base.options.model_copy(update={"objective": Objective.WEIGHTED_TARDINESS})
    req = base.model_copy(update={"orders": [order("A", "P", 40, due=290), order("B", "Q", 40, due=1000)],
                                  "options": tardiness})
    placed = [_cast("A", "P", 0), _cast("B", "Q", 40), _load("A", "P", 80, 240), _load("B", "Q", 80, 240)]
    assert check_schedule(req, placed) == []
    for locale, words in (("en", "waited 0.7 h for a T6 load on HT to fill"), ("ko", "HT의 T6 장입")):
        localized = req.model_copy(update={"options": req.options.model_copy(update={"locale": locale})})
        (explanation,) = explain_late_orders(localized, build_jobs(localized), availability_by_machine(localized),
                                             placed, order_results(localized, placed))
        assert explanation.reason_code == "BATCH_LOAD" and explanation.orders_ahead == ["B"]
        assert words in explanation.reason
        assert explanation.fix_saves_minutes == 30 and explanation.fix


def test_kpis_report_the_average_fill() -> None:
    req = _two_lots(200)
    placed = [_cast("A", "P", 0), _cast("B", "Q", 40), _load("A", "P", 40, 240), _load("B", "Q", 280, 240)]
    assert abs(compute_kpis(req, placed).average_batch_fill - 0.2) < 1e-9


# --- validation ------------------------------------------------------------------------------------

def test_bad_batch_input_is_each_reported() -> None:
    furnace = Machine(id="HT", batch_capacity=-1, recipes=[BatchRecipe(id="T6", cycle_minutes=0)])
    oven = Machine(id="OV", batch_capacity=50)
    lathe = Machine(id="CNC", recipes=[BatchRecipe(id="X", cycle_minutes=10)])
    products = [
        Product(id="P", routing=[operation("cast", ["DC"]), _heat("T9", ("HT", "CNC"), per_unit=-2)]),
        Product(id="Q", family="b", routing=[operation("wash", ["OV"])]),
    ]
    req = request(["DC", furnace, oven, lathe], products, [order("A", "P", 5)])
    fields = {v.field: v.reason for v in find_violations(req)}
    routing = "factory.products[0].routing[1]"
    assert fields["factory.machines[1].batch_capacity"] == "must be a finite number greater than 0"
    assert fields["factory.machines[1].recipes[0].cycle_minutes"] == "must be more than 0"
    assert fields["factory.machines[2].recipes"] == "a batch machine needs at least one recipe"
    assert fields["factory.machines[3].recipes"] == "only a batch machine (with a batch_capacity) runs recipes"
    assert fields[f"{routing}.batch_load_per_unit"] == "must be a finite number greater than 0"
    assert fields[f"{routing}.recipe"] == "batch machine 'HT' has no recipe 'T9'"
    assert "not a batch machine" in fields[f"{routing}.eligible_machines[1].machine_id"]
    assert fields["factory.products[1].routing[0].recipe"] == "required: 'OV' is a batch machine"


def test_a_lot_larger_than_every_furnace_is_reported_on_its_order() -> None:
    req = _two_lots(30)
    fields = {v.field: v.reason for v in find_violations(req)}
    assert set(fields) == {"orders[0].quantity", "orders[1].quantity"}
    assert "not split across loads" in fields["orders[0].quantity"]


def test_family_changeovers_on_a_furnace_of_mixed_families_are_reported() -> None:
    req = _two_lots(100)
    products = [p.model_copy(update={"family": f}) for p, f in zip(req.factory.products, ["a", "b"], strict=True)]
    factory = req.factory.model_copy(update={"products": products, "changeovers": [
        FamilyChangeover(from_family="a", to_family="b", minutes=30)]})
    fields = {v.field for v in find_violations(req.model_copy(update={"factory": factory}))}
    assert fields == {"factory.changeovers[0]"}


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | st.floats(0, 1e9, exclude_min=True))
def test_a_batch_capacity_is_valid_exactly_when_positive_finite_and_at_most_a_billion(capacity: float) -> None:
    req = request(["DC", _furnace(capacity)], [_cast_then_heat("P", "T6")], [order("A", "P", 1)])
    reported = {v.field for v in find_violations(req)} & {"factory.machines[1].batch_capacity"}
    valid = 0 < capacity <= 1e9  # False for NaN
    assert bool(reported) != valid
