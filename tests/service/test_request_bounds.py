"""Every dimension of a request is bounded, and the bounds are checked before anything is built from it:
quantile levels, series and their histories, yield items and their parameters, machines and their
telemetry history, scenarios and their deltas; and no answer lists more problems than a client can read."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecaster import load_models
from forecaster.demand_forecast import MAX_QUANTILES
from forecaster.risk import MAX_TELEMETRY_HISTORY
from planner.testing import order, product, request
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import planning_service_pb2 as pb
from service.errors import MAX_REPORTED_VIOLATIONS, FieldViolation, InvalidArgumentError, invalid_argument_status
from service.forecast_mapping import MAX_PARAMETERS, demand_request, risk_request, yield_request
from service.mapping import plan_request_to_domain, plan_request_to_proto
from service.scenario_mapping import MAX_DELTAS, MAX_SCENARIOS, scenarios_from_proto
from service.settings import Settings


def _fields(caught: pytest.ExceptionInfo[InvalidArgumentError]) -> dict[str, str]:
    return {v.field: v.reason for v in caught.value.violations}


def test_too_many_quantile_levels_are_refused_before_any_forecast() -> None:
    levels = [0.05 + 0.9 * i / (MAX_QUANTILES + 1) for i in range(MAX_QUANTILES + 1)]
    message = fpb.ForecastDemandRequest(horizon=3, quantiles=levels, series=[
        fpb.DemandSeries(series_id="s", history=[10.0] * 24, season_length=4)])
    with pytest.raises(InvalidArgumentError) as caught:
        demand_request(message, load_models())
    assert _fields(caught) == {"quantiles": f"at most {MAX_QUANTILES} quantile levels per call, got 100"}


def test_the_bounds_of_yield_and_risk_requests_are_checked_first() -> None:
    item = fpb.YieldItem(item_id="i", product="P", machine_id="DC-1",
                         parameters={f"p{k}": 1.0 for k in range(MAX_PARAMETERS + 1)})
    with pytest.raises(InvalidArgumentError) as caught:
        yield_request(fpb.PredictYieldRequest(items=[item]))
    assert list(_fields(caught)) == ["items[0].parameters"]
    machine = fpb.MachineTelemetry(machine_id="M", history=[fpb.TelemetrySample()] * (MAX_TELEMETRY_HISTORY + 1))
    with pytest.raises(InvalidArgumentError) as caught:
        risk_request(fpb.AssessEquipmentRiskRequest(machines=[machine], bucket_count=3))
    assert list(_fields(caught)) == ["machines[0].history"]


def _compare(scenarios: int, deltas: int) -> tuple[pb.CompareScenariosRequest, object]:
    base = request(["M1"], [product("P", ("cut", ["M1"], 1.0))], [order("O1", "P", 5, due=100)], time_limit=1.0)
    message = pb.CompareScenariosRequest(base=plan_request_to_proto(base))
    for index in range(scenarios):
        message.scenarios.add(name=f"s{index}", deltas=[pb.ScenarioDelta(demand_scale=pb.DemandScale(factor=1.1))
                                                       for _ in range(deltas)])
    return message, plan_request_to_domain(message.base, Settings())


def test_too_many_scenarios_or_deltas_are_refused_without_building_any(monkeypatch: pytest.MonkeyPatch) -> None:
    import service.scenario_mapping as scenario_mapping

    def must_not_build(*_: object, **__: object) -> None:
        raise AssertionError("a scenario was built before the bounds were checked")

    monkeypatch.setattr(scenario_mapping, "apply_deltas", must_not_build)
    message, base = _compare(MAX_SCENARIOS * 50, 1)
    with pytest.raises(InvalidArgumentError) as caught:
        scenarios_from_proto(message, base)  # type: ignore[arg-type]
    assert "at most 16 scenarios" in _fields(caught)["scenarios"]
    message, base = _compare(1, MAX_DELTAS + 1)
    with pytest.raises(InvalidArgumentError) as caught:
        scenarios_from_proto(message, base)  # type: ignore[arg-type]
    assert list(_fields(caught)) == ["scenarios[0].deltas"]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 3 * MAX_REPORTED_VIOLATIONS))
def test_an_answer_lists_at_most_the_reported_maximum_of_problems(count: int) -> None:
    from google.rpc import error_details_pb2, status_pb2

    status = invalid_argument_status(InvalidArgumentError([FieldViolation(f"orders[{i}].quantity", "must be > 0")
                                                           for i in range(count)]))
    details = dict(status.trailing_metadata)["grpc-status-details-bin"]
    bad_request = error_details_pb2.BadRequest()
    status_pb2.Status.FromString(details).details[0].Unpack(bad_request)
    listed = bad_request.field_violations
    assert len(listed) == min(count, MAX_REPORTED_VIOLATIONS) + (count > MAX_REPORTED_VIOLATIONS)
    if count > MAX_REPORTED_VIOLATIONS:
        assert f"and {count - MAX_REPORTED_VIOLATIONS} more" in listed[-1].description


def test_timestamps_durations_and_coefficients_out_of_range_are_named() -> None:
    import math

    from service.ranges import out_of_range

    message = plan_request_to_proto(request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                                            [order("O1", "P", 5, due=100), order("O2", "P", 5, due=100)]))
    message.orders[0].due_time.seconds = -62135596800  # year 1
    message.orders[1].weight = 1e300
    message.orders[1].quantity = 10**12
    message.factory.products[0].routing[0].run_time_per_unit.seconds = 10**12
    message.factory.products[0].scrap_cost = math.nan
    found = {v.field: v.reason for v in out_of_range(message)}
    assert set(found) == {"orders[0].due_time", "orders[1].weight", "orders[1].quantity",
                          "factory.products[0].routing[0].run_time_per_unit", "factory.products[0].scrap_cost"}
    assert "between 1970-01-01 and 2200-01-01" in found["orders[0].due_time"]
    assert not out_of_range(plan_request_to_proto(request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                                                          [order("O1", "P", 5, due=100)])))
