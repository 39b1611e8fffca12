"""Bad input on the plant-rule fields, as properties: a generated valid plant request (`strategies.plant_requests`)
with one field set to a bad value (an unknown resource, material, recipe, skill, die, operation or machine, a
negative capacity, stock, quantity or mount time, a cycle in a precedence graph or the bill of materials, a maximum
lag below the minimum, pausing where work cannot pause, work in progress on a machine that does not exist, ...;
`SPOILED_FIELDS` lists them all) gets a violation whose field path names that field; over a real server on port 0
the same request is INVALID_ARGUMENT with a BadRequest field violation under the field's API name, and nothing is
stored (ListPlans; the control test shows the same server stores a valid request).

Where the API reads 0 as "unset" (a default: `LotSplit.min_sublot_units`, `Operation.transfer_batch_units`,
`ResourceNeed.quantity`), the bad value is negative, so that it is bad in the domain and in the API alike.

A mutation works on the request as plain data (`model_dump`): the domain's field paths are the data's paths, so
the field set is the field expected.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from strategies import PLANT_RULES, plant_requests

from planner.domain import PlanRequest
from planner.validation import find_violations
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.mapping import api_field, plan_request_to_proto

Data = dict[str, Any]


@dataclass(frozen=True)
class BadInput:
    """One bad value: the (path, value) pairs to set, and the fields of which the violation must name one."""

    changes: tuple[tuple[str, Any], ...]
    fields: tuple[str, ...]


def _get(data: Any, path: str) -> Any:
    for key, index in re.findall(r"([a-z_]+)|\[(\d+)\]", path):
        data = data[key] if key else data[int(index)]
    return data


def _set(data: Data, path: str, value: Any) -> None:
    parent, last = path.rsplit(".", 1) if "." in path else ("", path)
    _get(data, parent)[last] = value


def _one(path: str, value: Any) -> BadInput:
    return BadInput(((path, value),), (path,))


def _operations(data: Data) -> Iterator[tuple[str, Data]]:
    for p_index, product in enumerate(data["factory"]["products"]):
        for o_index, op in enumerate(product["routing"]):
            yield f"factory.products[{p_index}].routing[{o_index}]", op


def _unknown_ids(data: Data) -> Iterator[BadInput]:
    for path, op in _operations(data):
        for n_index, need in enumerate(op["resources"]):
            if need["skill"] is None:
                yield _one(f"{path}.resources[{n_index}].resource_id", "no-such-resource")
            else:
                yield _one(f"{path}.resources[{n_index}].skill", "juggling")
        for u_index, _ in enumerate(op["materials"]):
            yield _one(f"{path}.materials[{u_index}].material_id", "no-such-material")
        for u_index, _ in enumerate(op["produces"]):
            yield _one(f"{path}.produces[{u_index}].material_id", "no-such-material")
        for m_index, _ in enumerate(op["modes"]):
            yield _one(f"{path}.modes[{m_index}].machine_id", "no-such-machine")
        if op["recipe"] is not None:
            yield _one(f"{path}.recipe", "no-such-recipe")
        for l_index, _ in enumerate(op["predecessors"]):
            yield _one(f"{path}.predecessors[{l_index}].operation_id", "no-such-operation")
    for m_index, machine in enumerate(data["factory"]["machines"]):
        if machine["mounted_die"] is not None:
            yield _one(f"factory.machines[{m_index}].mounted_die", "no-such-die")
        if machine["batch_capacity"] is not None:
            yield _one(f"factory.machines[{m_index}].initial_recipe", "no-such-recipe")
        for c_index, _ in enumerate(machine["recipe_changeovers"]):
            yield _one(f"factory.machines[{m_index}].recipe_changeovers[{c_index}].to_recipe", "no-such-recipe")
    for r_index, resource in enumerate(data["factory"]["resources"]):
        if resource["calendar_id"] is not None:
            yield _one(f"factory.resources[{r_index}].calendar_id", "no-such-calendar")


def _negative_numbers(data: Data) -> Iterator[BadInput]:
    for r_index, resource in enumerate(data["factory"]["resources"]):
        path = f"factory.resources[{r_index}]"
        yield _one(f"{path}.capacity", -1)
        for s_index, _ in enumerate(resource["shift_capacities"]):
            yield _one(f"{path}.shift_capacities[{s_index}].capacity", -2)
        if resource["mount_minutes"]:
            yield _one(f"{path}.mount_minutes", -15)
    for m_index, material in enumerate(data["factory"]["materials"]):
        yield _one(f"factory.materials[{m_index}].on_hand", -5.0)
        for k, _ in enumerate(material["receipts"]):
            yield _one(f"factory.materials[{m_index}].receipts[{k}].quantity", 0.0)
    for m_index, machine in enumerate(data["factory"]["machines"]):
        if machine["batch_capacity"] is not None:
            yield _one(f"factory.machines[{m_index}].batch_capacity", -40.0)
            yield _one(f"factory.machines[{m_index}].recipes[0].cycle_minutes", 0)
            yield _one(f"factory.machines[{m_index}].batch_min_load", machine["batch_capacity"] + 1)
        for c_index, _ in enumerate(machine["recipe_changeovers"]):
            yield _one(f"factory.machines[{m_index}].recipe_changeovers[{c_index}].minutes", -5)
            yield _one(f"factory.machines[{m_index}].recipe_changeovers[{c_index}].cost", -1.0)
    for path, op in _operations(data):
        for n_index, _ in enumerate(op["resources"]):
            yield _one(f"{path}.resources[{n_index}].quantity", -1)  # 0 is "unset" (1) in the API
        for u_index, _ in enumerate(op["materials"]):
            yield _one(f"{path}.materials[{u_index}].quantity_per_unit", -1.0)
        for u_index, _ in enumerate(op["produces"]):
            yield _one(f"{path}.produces[{u_index}].quantity_per_unit", -1.0)
        for m_index, _ in enumerate(op["modes"]):
            yield _one(f"{path}.modes[{m_index}].setup_minutes", -5)
            yield _one(f"{path}.modes[{m_index}].run_minutes_per_unit", -1.0)
        if op["recipe"] is not None:
            yield _one(f"{path}.batch_load_per_unit", -1.0)
            yield BadInput(((f"{path}.batch_min_minutes", 120), (f"{path}.batch_max_minutes", 60)),
                           (f"{path}.batch_max_minutes",))
        if op["transfer_batch_units"] is not None:
            yield _one(f"{path}.transfer_batch_units", -1)  # 0 is "unset" in the API
        if op["lot_split"] is not None:
            yield _one(f"{path}.lot_split.min_sublot_units", -1)  # 0 is "unset" (1) in the API


def _graphs_and_lags(data: Data) -> Iterator[BadInput]:
    """A maximum lag below the minimum, on an operation or a link; a cycle in a precedence graph or the BOM."""
    for p_index, product in enumerate(data["factory"]["products"]):
        routing = product["routing"]
        graph = any(op["predecessors"] for op in routing)
        for o_index, op in enumerate(routing):
            path = f"factory.products[{p_index}].routing[{o_index}]"
            if o_index and not graph:
                yield BadInput(((f"{path}.min_lag_minutes", 120), (f"{path}.max_lag_minutes", 60)),
                               (f"{path}.max_lag_minutes",))
            for l_index, link in enumerate(op["predecessors"]):
                yield _one(f"{path}.predecessors[{l_index}].max_lag_minutes", link["min_lag_minutes"] - 1)
                if link["relation"] == "END_TO_START":
                    yield _one(f"{path}.predecessors[{l_index}].min_lag_minutes", -5)
        if graph:  # the first operation follows the last, which follows it (through its links)
            last = routing[-1]["id"]
            yield BadInput(((f"factory.products[{p_index}].routing[0].predecessors",
                             [{"operation_id": last, "relation": "END_TO_START", "min_lag_minutes": 0,
                               "max_lag_minutes": None}]),),
                           tuple(f"factory.products[{p_index}].routing[{i}].predecessors"
                                 for i in range(len(routing))))
    products = [p["id"] for p in data["factory"]["products"]]
    for p_index, product in enumerate(data["factory"]["products"]):
        for op in product["routing"]:
            for use in op["materials"]:
                if use["material_id"] in products:  # the component consumes its parent: a cycle of the BOM
                    component = products.index(use["material_id"])
                    first = f"factory.products[{component}].routing[0].materials"
                    parent = [*data["factory"]["products"][component]["routing"][0]["materials"],
                              {"material_id": product["id"], "quantity_per_unit": 1.0}]
                    yield BadInput(((first, parent),), (f"factory.products[{component}]",
                                                        f"factory.products[{p_index}]"))


def _orders(data: Data) -> Iterator[BadInput]:
    for index, order in enumerate(data["orders"]):
        progress = order["work_in_progress"]
        if progress is not None and progress["running"] is not None:
            yield _one(f"orders[{index}].work_in_progress.running.machine_id", "no-such-machine")
            yield _one(f"orders[{index}].work_in_progress.running.remaining_minutes", 0)
            yield _one(f"orders[{index}].work_in_progress.running.operation_id", "no-such-operation")
        if progress is not None and progress["done_operation_ids"]:
            yield _one(f"orders[{index}].work_in_progress.done_operation_ids", ["no-such-operation"])
        for s_index, _ in enumerate(order["lot_splits"]):
            yield _one(f"orders[{index}].lot_splits[{s_index}].operation_id", "no-such-operation")
            yield _one(f"orders[{index}].lot_splits[{s_index}].min_sublot_units", order["quantity"] + 1)
    for index, _ in enumerate(data["sequence_rules"]):
        yield _one(f"sequence_rules[{index}].before_order_id", "no-such-order")
        yield _one(f"sequence_rules[{index}].machine_id", "no-such-machine")


def _pausing_clashes(data: Data) -> Iterator[BadInput]:
    """Pausing where work cannot pause: a furnace load, manual work, an operation holding a person or a die."""
    for m_index, machine in enumerate(data["factory"]["machines"]):
        if machine["batch_capacity"] is not None:
            yield _one(f"factory.machines[{m_index}].operations_may_pause", True)
    for path, op in _operations(data):
        holds = any(not need["setup_only"] for need in op["resources"])
        if op["recipe"] is not None or holds:
            yield _one(f"{path}.may_pause", True)


KINDS: dict[str, tuple[Callable[[Data], Iterator[BadInput]], frozenset[str]]] = {
    "unknown id": (_unknown_ids, frozenset({"resources", "skills", "materials", "modes", "batching", "dies"})),
    "negative number": (_negative_numbers, frozenset({"resources", "dies", "materials", "batching",
                                                      "transfer_batches", "lot_splits"})),
    "graph or lag": (_graphs_and_lags, frozenset({"time_lags", "precedence", "bom"})),
    "pausing clash": (_pausing_clashes, frozenset({"pausing", "batching", "resources", "dies"})),
    "order": (_orders, frozenset({"work_in_progress", "lot_splits", "sequence_rules"})),
}
"""Each kind of bad input, and the plant rules whose requests have the fields it spoils."""


def _bad_inputs(request: PlanRequest, kind: str) -> list[BadInput]:
    return list(KINDS[kind][0](request.model_dump()))


def _apply(request: PlanRequest, bad: BadInput) -> PlanRequest:
    data = request.model_dump()
    for path, value in bad.changes:
        _set(data, path, value)
    return PlanRequest.model_validate(data)


def _names(field: str, expected: str) -> bool:
    """The violation's field is the expected one, or lies inside it."""
    return field == expected or field.startswith((expected + ".", expected + "["))


def _named(request: PlanRequest, bad: BadInput) -> bool:
    fields = [v.field for v in find_violations(_apply(request, bad))]
    return any(_names(field, expected) for field in fields for expected in bad.fields)


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_each_bad_field_is_a_violation_that_names_it(kind: str, data: st.DataObject) -> None:
    """Every bad value of the kind the request has room for, one at a time."""
    request = data.draw(plant_requests(rules=KINDS[kind][1]))
    assert find_violations(request) == []
    assert [bad for bad in _bad_inputs(request, kind) if not _named(request, bad)] == []


def test_the_bad_inputs_cover_every_plant_rule() -> None:
    """Every rule of `PLANT_RULES` has its fields spoiled by some kind of bad input."""
    assert set().union(*(rules for _, rules in KINDS.values())) == set(PLANT_RULES)


SPOILED_FIELDS = {
    "factory.products[].routing[].resources[].resource_id", "factory.products[].routing[].resources[].skill",
    "factory.products[].routing[].materials[].material_id", "factory.products[].routing[].produces[].material_id",
    "factory.products[].routing[].modes[].machine_id", "factory.products[].routing[].recipe",
    "factory.machines[].mounted_die", "factory.resources[].calendar_id", "factory.resources[].capacity",
    "factory.resources[].shift_capacities[].capacity", "factory.resources[].mount_minutes",
    "factory.materials[].on_hand", "factory.materials[].receipts[].quantity", "factory.machines[].batch_capacity",
    "factory.machines[].recipes[].cycle_minutes", "factory.machines[].batch_min_load",
    "factory.products[].routing[].transfer_batch_units", "factory.products[].routing[].lot_split.min_sublot_units",
    "factory.products[].routing[].min_lag_minutes", "factory.products[].routing[].predecessors[].max_lag_minutes",
    "factory.products[].routing[].predecessors", "factory.products[].routing[].materials",
    "factory.machines[].operations_may_pause", "factory.products[].routing[].may_pause",
    "orders[].work_in_progress.running.machine_id", "orders[].work_in_progress.running.remaining_minutes",
    "orders[].lot_splits[].operation_id", "orders[].lot_splits[].min_sublot_units",
    "sequence_rules[].before_order_id", "sequence_rules[].machine_id",
    "factory.products[].routing[].predecessors[].operation_id", "factory.machines[].initial_recipe",
    "factory.machines[].recipe_changeovers[].to_recipe", "factory.machines[].recipe_changeovers[].minutes",
    "factory.machines[].recipe_changeovers[].cost", "factory.products[].routing[].resources[].quantity",
    "factory.products[].routing[].materials[].quantity_per_unit",
    "factory.products[].routing[].produces[].quantity_per_unit", "factory.products[].routing[].modes[].setup_minutes",
    "factory.products[].routing[].modes[].run_minutes_per_unit", "factory.products[].routing[].batch_load_per_unit",
    "factory.products[].routing[].batch_min_minutes", "factory.products[].routing[].predecessors[].min_lag_minutes",
    "orders[].work_in_progress.running.operation_id", "orders[].work_in_progress.done_operation_ids",
}
"""Every field the bad inputs spoil (indices left out): the generated requests give each of them room."""

SOME_RULES = [frozenset(PLANT_RULES) - {"lot_splits"}, frozenset({"lot_splits", "transfer_batches"}),
              frozenset({"work_in_progress", "time_lags"})]


def test_the_generated_requests_give_every_bad_input_room() -> None:
    tried: set[str] = set()

    # Derandomized: the claim is about the generator's reach, and 40 random draws once missed every producing
    # operation (session 18's fresh-clone run); a fixed draw that covers every field cannot fail by chance.
    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(st.lists(st.sampled_from(SOME_RULES).flatmap(lambda rules: plant_requests(rules=rules)), min_size=3,
                    max_size=3))
    def collect(requests: list[PlanRequest]) -> None:
        for kind in KINDS:
            for request in requests:
                tried.update(re.sub(r"\[\d+\]", "[]", bad.changes[0][0]) for bad in _bad_inputs(request, kind))

    collect()
    assert SPOILED_FIELDS - tried == set()


def _api_fields(stub: pb_grpc.PlanningServiceStub, request: PlanRequest, bad: BadInput) -> list[str]:
    """The BadRequest field violations of CreatePlan with the spoiled request (INVALID_ARGUMENT, or it fails)."""
    message = plan_request_to_proto(_apply(request, bad))
    message.request_id = f"bad-{uuid.uuid4().hex[:12]}"
    with pytest.raises(grpc.RpcError) as raised:
        stub.CreatePlan(message, timeout=30)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (bad, raised.value.details())
    return [v.field for v in bad_request_violations(raised.value)]


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_bad_field_is_invalid_argument_over_the_api_and_nothing_is_stored(
        kind: str, data: st.DataObject, channel: grpc.Channel) -> None:
    """The same bad values through the API's messages (`plan_request_to_proto`), to a server bound to port 0."""
    request = data.draw(plant_requests(rules=KINDS[kind][1]))
    stub = pb_grpc.PlanningServiceStub(channel)
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    for bad in _bad_inputs(request, kind):
        fields = _api_fields(stub, request, bad)
        assert any(_names(field, api_field(expected)) for field in fields for expected in bad.fields), (bad, fields)
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before


def test_the_unspoiled_request_is_stored(channel: grpc.Channel) -> None:
    """The control of the test above: the same server stores a valid plant request, so 'nothing stored' there
    is the validation's doing."""
    request = _a_request_with_every_rule_but_lot_splits()
    stub = pb_grpc.PlanningServiceStub(channel)
    before = len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans)
    message = plan_request_to_proto(request)
    message.request_id = f"good-{uuid.uuid4().hex[:12]}"
    response = stub.CreatePlan(message, timeout=60)
    assert response.plan_id
    assert len(stub.ListPlans(pb.ListPlansRequest(), timeout=10).plans) == before + 1


def _a_request_with_every_rule_but_lot_splits() -> PlanRequest:
    found: list[PlanRequest] = []

    @settings(max_examples=1, deadline=None, database=None, phases=[Phase.generate])
    @given(plant_requests(rules=set(PLANT_RULES) - {"lot_splits"}, max_orders=3))
    def first(request: PlanRequest) -> None:
        found.append(request)

    first()
    return found[0]
