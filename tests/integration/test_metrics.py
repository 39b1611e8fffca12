"""Metrics over a real server: the Prometheus endpoint on its own port counts RPCs by method and status,
solves and their gaps, forecast batches, refusals and the models served."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import grpc
import pytest
from conftest import ServerThread
from prometheus_client.parser import text_string_to_metric_families

from planner.testing import order, product, request
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import forecast_service_pb2_grpc as fpb_grpc
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.mapping import plan_request_to_proto
from service.settings import Settings


def _samples(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_the_metrics_endpoint_counts_calls_solves_batches_refusals_and_models(tmp_path: Path) -> None:
    server = ServerThread(Settings(solver_processes=1, max_queued_solves=0, metrics_port=0,
                                   db=str(tmp_path / "plans.db")))
    handle = server.start()
    try:
        endpoint = handle.running.metrics_endpoint
        assert endpoint is not None and endpoint.port > 0
        small = plan_request_to_proto(request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                                              [order("O1", "P", 5, due=100)], time_limit=2.0))
        with grpc.insecure_channel(handle.address) as channel:
            pb_grpc.PlanningServiceStub(channel).CreatePlan(small, timeout=30)
            with pytest.raises(grpc.RpcError):
                pb_grpc.PlanningServiceStub(channel).GetPlan(pb.GetPlanRequest(plan_id="nope"), timeout=10)
            fpb_grpc.ForecastServiceStub(channel).ForecastDemand(fpb.ForecastDemandRequest(horizon=3, series=[
                fpb.DemandSeries(series_id="s", history=[10.0 + i % 4 for i in range(24)], season_length=4)]),
                timeout=30)
        samples = _samples(endpoint.port)
    finally:
        server.stop()

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    create = "/prodplan.v1.PlanningService/CreatePlan"
    assert value("prodplan_rpc_duration_seconds_count", method=create, status="OK") == 1
    assert value("prodplan_rpc_duration_seconds_count", method="/prodplan.v1.PlanningService/GetPlan",
                 status="NOT_FOUND") == 1
    assert value("prodplan_rpc_duration_seconds_count", method="/prodplan.v1.ForecastService/ForecastDemand",
                 status="OK") == 1
    assert value("prodplan_solver_wall_seconds_count", status="OPTIMAL") == 1
    assert value("prodplan_solver_relative_gap_count") == 1
    assert value("prodplan_forecast_batch_calls_count") >= 1
    assert value("prodplan_solves_admitted") == 0
    served = [dict(labels) for (name, labels), v in samples.items() if name == "prodplan_model_info" and v == 1]
    assert {m["kind"] for m in served} == {"demand", "defect", "risk"}
    assert all(re.match(r"\w+-\d+\.\d+\.\d+", m["version"]) for m in served)
