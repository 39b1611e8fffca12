"""ForecastService over a real grpc.aio server on port 0 and a real channel: all three RPCs, batched,
with model versions, and INVALID_ARGUMENT carrying every field violation."""

from __future__ import annotations

import asyncio
import itertools
import math
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import numpy as np
import pytest
from google.protobuf import duration_pb2, timestamp_pb2

from forecaster import demo_inputs
from prodplan.v1 import forecast_service_pb2 as pb
from prodplan.v1 import forecast_service_pb2_grpc as pb_grpc
from service.errors import bad_request_violations
from service.forecast_servicer import ForecastServicer, add_forecast_service
from service.inference_batcher import BatchStats

Call = Callable[[pb_grpc.ForecastServiceStub], Awaitable[object]]
_SERVICERS: list[ForecastServicer] = []


async def _with_server(call: Call) -> object:
    server = grpc.aio.server()
    servicer = add_forecast_service(server)
    _SERVICERS.append(servicer)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            return await call(pb_grpc.ForecastServiceStub(channel))
    finally:
        await server.stop(None)
        servicer.close()


def _run(call: Call) -> object:
    return asyncio.run(_with_server(call))


def _duration(**kwargs: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromTimedelta(timedelta(**kwargs))
    return value


def _demand_request() -> pb.ForecastDemandRequest:
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(datetime(2023, 1, 1, tzinfo=UTC))
    series = [pb.DemandSeries(series_id=h.series_id, history=h.values, period=_duration(days=30), history_start=start)
              for h in demo_inputs().demand]
    return pb.ForecastDemandRequest(series=series, horizon=6, quantiles=[0.1, 0.5, 0.9])


def _yield_request() -> pb.PredictYieldRequest:
    processes = {"die_casting": pb.PROCESS_TYPE_DIE_CASTING, "cnc_machining": pb.PROCESS_TYPE_CNC_MACHINING,
                 "heat_treatment": pb.PROCESS_TYPE_HEAT_TREATMENT}
    return pb.PredictYieldRequest(items=[
        pb.YieldItem(item_id=r.item_id, product=r.product, machine_id=r.machine_id, process=processes[r.process],
                     parameters=dict(r.parameters)) for r in demo_inputs().process_records])


def _risk_request() -> pb.AssessEquipmentRiskRequest:
    def sample(s: object) -> pb.TelemetrySample:
        return pb.TelemetrySample(**{f: getattr(s, f) for f in ("air_temperature_k", "process_temperature_k",
                                                              "rotational_speed_rpm", "torque_nm", "tool_wear_min")})

    machines = [pb.MachineTelemetry(machine_id=m.machine_id, current=sample(m.current),
                                    history=[sample(s) for s in m.history], utilization=m.utilization,
                                    time_since_maintenance=_duration(hours=m.hours_since_maintenance))
                for m in demo_inputs().telemetry]
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(datetime(2024, 3, 4, 6, tzinfo=UTC))
    return pb.AssessEquipmentRiskRequest(machines=machines, bucket=_duration(hours=8), bucket_count=21,
                                         horizon_start=start)


def test_all_three_rpcs_batched_with_versions() -> None:
    async def calls(stub: pb_grpc.ForecastServiceStub) -> tuple[object, object, object]:
        return (await stub.ForecastDemand(_demand_request()), await stub.PredictYield(_yield_request()),
                await stub.AssessEquipmentRisk(_risk_request()))

    demand, quality, risk = _run(calls)  # type: ignore[misc]
    assert demand.model_version.startswith("demand-") and len(demand.forecasts) == 3
    for forecast in demand.forecasts:
        low, mid, high = (list(q.values) for q in forecast.quantiles)
        assert len(mid) == 6 and all(a <= b <= c for a, b, c in zip(low, mid, high, strict=True))
        assert len(forecast.seasonal_pattern) == 12
        assert forecast.forecast_start.ToDatetime().year == 2025
    assert quality.model_version.startswith("defect-") and len(quality.predictions) == 18
    assert all(0 < p.expected_yield <= 1 and p.explanation.text_ko for p in quality.predictions)
    assert len(quality.by_product_machine) == 18
    assert risk.model_version.startswith("risk-") and len(risk.machines) == 7
    for machine in risk.machines:
        cumulative = [b.cumulative_failure_probability for b in machine.buckets]
        assert len(cumulative) == 21 and all(a <= b for a, b in itertools.pairwise(cumulative))
        assert machine.buckets[1].start.ToDatetime() == datetime(2024, 3, 4, 14)
        assert "risk" in machine.explanation.text_en


def test_tool_change_wear_reaches_the_risk_projection() -> None:
    """Unset, tools are changed at 200 min of wear; above AI4I's largest wear they never are, and a
    machine running three weeks of daily buckets then runs into worn-tool failures."""
    request = _risk_request()
    request.bucket.CopyFrom(_duration(hours=24))
    never = pb.AssessEquipmentRiskRequest()
    never.CopyFrom(request)
    for machine in never.machines:
        machine.tool_change_wear_min = 1000.0

    async def calls(stub: pb_grpc.ForecastServiceStub) -> tuple[object, object]:
        return await stub.AssessEquipmentRisk(request), await stub.AssessEquipmentRisk(never)

    changed, unchanged = _run(calls)  # type: ignore[misc]
    end = {m.machine_id: m.buckets[-1].cumulative_failure_probability for m in changed.machines}
    end_never = {m.machine_id: m.buckets[-1].cumulative_failure_probability for m in unchanged.machines}
    assert end["CNC-1"] < 0.2 < 0.9 < end_never["CNC-1"]


def _violations(call: Call) -> dict[str, str]:
    async def failing(stub: pb_grpc.ForecastServiceStub) -> object:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call(stub)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        return {v.field: v.reason for v in bad_request_violations(error.value)}

    return _run(failing)  # type: ignore[return-value]


def test_demand_bad_input_lists_every_problem() -> None:
    request = pb.ForecastDemandRequest(horizon=99, quantiles=[0.5, 0.4], series=[
        pb.DemandSeries(series_id="a", history=[1, 2, 3, 4, 5, 6]),
        pb.DemandSeries(series_id="b", history=[1, 2]),
        pb.DemandSeries(series_id="c", history=[1, 2, math.nan, 4, 5, 6]),
    ])
    found = _violations(lambda stub: stub.ForecastDemand(request))
    assert {"horizon", "quantiles[1]", "series[1].history", "series[2].history[2]"} <= set(found)
    assert "at least 4" in found["series[1].history"]


def test_yield_bad_input_lists_every_problem() -> None:
    request = _yield_request()
    request.items[0].parameters["humidity_pct"] = 50.0
    request.items[1].parameters["melt_temperature_c"] = math.nan
    request.items[2].process = pb.PROCESS_TYPE_UNSPECIFIED
    found = _violations(lambda stub: stub.PredictYield(request))
    assert set(found) == {"items[0].parameters.humidity_pct", "items[1].parameters.melt_temperature_c",
                          "items[2].process"}


def test_risk_bad_input_lists_every_problem() -> None:
    request = _risk_request()
    request.bucket_count = 0
    request.machines[0].ClearField("current")
    request.machines[1].current.torque_nm = math.inf
    request.machines[2].utilization = 2.0
    request.machines[3].tool_change_wear_min = -1.0
    found = _violations(lambda stub: stub.AssessEquipmentRisk(request))
    assert set(found) == {"bucket_count", "machines[0].current", "machines[1].current.torque_nm",
                          "machines[2].utilization", "machines[3].tool_change_wear_min"}


class _Gate:
    """A batch kind that holds the inference thread until released, so that calls queue up behind it."""

    name = "gate"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def prepare(self, request: object) -> tuple[object, object]:
        return "gate", request

    def run(self, key: object, prepared: Sequence[object]) -> list[object]:
        self.entered.set()
        assert self.release.wait(30)
        return list(prepared)

    def finish(self, request: object, output: object) -> object:
        return output


def _demand_numbers(response: pb.ForecastDemandResponse) -> list[list[float]]:
    return [[*f.seasonal_pattern, *(v for q in f.quantiles for v in q.values)] for f in response.forecasts]


def _risk_numbers(response: pb.AssessEquipmentRiskResponse) -> list[list[float]]:
    return [[m.current_failure_probability, m.anomaly_score,
             *(b.cumulative_failure_probability for b in m.buckets),
             *(c.attribution for c in m.explanation.contributions)] for m in response.machines]


def test_concurrent_calls_are_batched_and_answered_as_if_alone() -> None:
    """Calls that queue while the inference thread is busy share batches; each gets its own answer, equal
    to the one it gets alone, and a bad request among them fails alone with its own violations."""
    demand, risk = _demand_request(), _risk_request()
    other_buckets = _risk_request()
    other_buckets.bucket_count = 9
    bad = _risk_request()
    bad.machines[3].current.torque_nm = math.nan

    async def calls(stub: pb_grpc.ForecastServiceStub) -> tuple[list[object], list[object], BatchStats]:
        alone = [await stub.ForecastDemand(demand), await stub.AssessEquipmentRisk(risk),
                 await stub.AssessEquipmentRisk(other_buckets)]
        gate = _Gate()
        servicer = _SERVICERS[-1]
        held = asyncio.ensure_future(servicer.batcher.submit(gate, "hold"))
        await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 30)
        before = servicer.batcher.stats.largest
        together = [stub.ForecastDemand(demand), stub.AssessEquipmentRisk(risk), stub.ForecastDemand(demand),
                    stub.AssessEquipmentRisk(bad), stub.AssessEquipmentRisk(risk),
                    stub.AssessEquipmentRisk(other_buckets)]
        tasks = [asyncio.ensure_future(call) for call in together]
        await asyncio.sleep(0.3)  # every call is queued behind the gate
        gate.release.set()
        answers = await asyncio.gather(*tasks, return_exceptions=True)
        await held
        assert before == 1
        return alone, answers, servicer.batcher.stats

    alone, answers, stats = _run(calls)  # type: ignore[misc]
    demand_alone, risk_alone, other_alone = alone
    assert stats.largest >= 2  # demand x2 and risk x2 each went through one shared pass
    for index in (0, 2):
        assert np.allclose(_demand_numbers(answers[index]), _demand_numbers(demand_alone), rtol=1e-5)  # type: ignore[arg-type]
        assert [f.series_id for f in answers[index].forecasts] == [f.series_id for f in demand_alone.forecasts]  # type: ignore[union-attr]
    for index, expected in ((1, risk_alone), (4, risk_alone), (5, other_alone)):
        assert np.allclose(_risk_numbers(answers[index]), _risk_numbers(expected), rtol=1e-5, atol=1e-7)  # type: ignore[arg-type]
        assert [m.machine_id for m in answers[index].machines] == [m.machine_id for m in expected.machines]  # type: ignore[union-attr]
    error = answers[3]
    assert isinstance(error, grpc.aio.AioRpcError) and error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in bad_request_violations(error)} == {"machines[3].current.torque_nm"}


def test_beyond_its_queue_the_forecast_service_refuses_with_resource_exhausted(tmp_path: Path) -> None:
    from conftest import ServerThread

    from loadtests.retry_hint import retry_delay_s
    from service.settings import Settings

    server = ServerThread(Settings(solver_processes=1, max_queued_forecasts=1, db=str(tmp_path / "p.db")))
    handle = server.start()
    forecast = handle.running.forecast
    assert forecast is not None
    gate = threading.Event()
    serve = forecast.batcher._runner
    forecast.batcher._runner = lambda calls: (gate.wait(30), serve(calls))[1]  # the inference thread is busy
    try:
        with grpc.insecure_channel(handle.address) as channel:
            stub = pb_grpc.ForecastServiceStub(channel)
            first = stub.ForecastDemand.future(_demand_request(), timeout=60)
            deadline = time.monotonic() + 10
            while forecast.batcher.pending < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            with pytest.raises(grpc.RpcError) as refused:
                stub.ForecastDemand(_demand_request(), timeout=10)
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and retry_delay_s(refused.value) > 0
            gate.set()
            assert first.result().forecasts
            assert stub.ForecastDemand(_demand_request(), timeout=30).forecasts
    finally:
        gate.set()
        server.stop()


def _counts(seed: int, length: int = 48) -> list[float]:
    """Service-part sales: no demand in about two months of three, lumps of 1 to 30 units."""
    rng = np.random.default_rng(seed)
    history = np.where(rng.random(length) < 0.3, rng.integers(1, 31, length), 0).astype(float)
    history[[5, 20, 35, length - 3]] = [30.0, 1.0, 24.0, 2.0]  # big and small lumps, the last one recent
    return history.tolist()


def test_intermittent_counts_get_whole_medians_and_a_band_from_the_zeros_to_the_lumps() -> None:
    from forecaster.demand_forecast import load_demand_model, quantile_paths

    rng = np.random.default_rng(7)
    smooth = (300 + 60 * np.sin(np.arange(60) * 2 * np.pi / 12) + rng.normal(0, 10, 60)).tolist()
    parts = {f"part-{seed}": _counts(seed) for seed in range(3)}
    series = [pb.DemandSeries(series_id=sid, history=history, season_length=12) for sid, history in parts.items()]
    series.append(pb.DemandSeries(series_id="housing", history=smooth, season_length=12))
    request = pb.ForecastDemandRequest(series=series, horizon=6, quantiles=[0.1, 0.5, 0.9])

    async def call(stub: pb_grpc.ForecastServiceStub) -> pb.ForecastDemandResponse:
        return await stub.ForecastDemand(request)

    response = _run(call)
    assert isinstance(response, pb.ForecastDemandResponse)
    by_id = {forecast.series_id: forecast for forecast in response.forecasts}
    for sid, history in parts.items():
        forecast = by_id[sid]
        assert forecast.method == "tsb_mixture" and forecast.demand_class in ("intermittent", "lumpy")
        low, median, high = (np.array(q.values) for q in forecast.quantiles)
        assert np.all(median == np.round(median)) and np.all(median >= 0)  # no fractional noise, no negatives
        assert np.all(low == 0)  # most months have no demand: the band reaches zero
        sizes = np.array([v for v in history if v > 0])
        assert np.all(high >= np.median(sizes)) and np.all(high <= sizes.max())  # ... and the lumps it has had
    housing = by_id["housing"]
    assert housing.method == "network+theta" and housing.demand_class in ("smooth", "erratic")
    before = quantile_paths(load_demand_model(), [np.array(smooth)], [12], 6, (0.1, 0.5, 0.9))[0]  # [H, Q]
    served = np.array([q.values for q in housing.quantiles]).T
    np.testing.assert_allclose(served, before, rtol=1e-5, atol=1e-6)
