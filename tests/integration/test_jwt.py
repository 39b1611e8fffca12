"""Bearer JWTs of an OIDC provider over a real channel: roles and tenants from the token's claims, beside
the opaque tokens of the tokens file, and refusals that reveal nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from conftest import ServerThread
from oidc import AUDIENCE, ISSUER, Provider

from planner.testing import order, product, request
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.auth import new_token, token_hash
from service.mapping import plan_request_to_proto
from service.settings import Settings


@dataclass
class JwtServer:
    thread: ServerThread
    provider: Provider
    opaque: str  # a tokens-file token of tenant gyeongju, role planner


@pytest.fixture(scope="module")
def jwt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JwtServer]:
    folder = tmp_path_factory.mktemp("jwt")
    provider = Provider()
    (folder / "jwks.json").write_text(json.dumps(provider.jwks()))
    opaque = new_token()
    (folder / "tokens.json").write_text(json.dumps(
        {"tokens": [{"sha256": token_hash(opaque), "tenant": "gyeongju", "role": "planner", "name": "erp"}]}))
    thread = ServerThread(Settings(
        solver_processes=1, db=str(folder / "plans.db"), tokens_file=str(folder / "tokens.json"),
        jwks_file=str(folder / "jwks.json"), jwt_issuer=ISSUER, jwt_audience=AUDIENCE))
    thread.start()
    yield JwtServer(thread, provider, opaque)
    thread.stop()


def _bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def _small_plan(request_id: str = "") -> pb.CreatePlanRequest:
    proto = plan_request_to_proto(request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                                          [order("O1", "P", 5, due=100)], time_limit=2.0))
    proto.request_id = request_id
    return proto


def test_jwt_roles_and_tenants_hold_beside_opaque_tokens(jwt_server: JwtServer) -> None:
    provider = jwt_server.provider
    with grpc.insecure_channel(jwt_server.thread.handle.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        viewer = _bearer(provider.token(role="viewer"))
        assert not stub.ListPlans(pb.ListPlansRequest(), timeout=10, metadata=viewer).plans
        with pytest.raises(grpc.RpcError) as denied:
            stub.CreatePlan(_small_plan(), timeout=30, metadata=viewer)
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

        planner = _bearer(provider.token(kid="ec-1", role=["offline_access", "planner"]))
        created = stub.CreatePlan(_small_plan("jwt-1"), timeout=30, metadata=planner)
        assert created.plan.status == pb.PLAN_STATUS_OPTIMAL
        # the opaque token of the same tenant sees the plan; a JWT of another tenant does not
        got = stub.GetPlan(pb.GetPlanRequest(plan_id=created.plan_id), timeout=10,
                           metadata=_bearer(jwt_server.opaque))
        assert got.plan_id == created.plan_id
        other = _bearer(provider.token(tenant="ulsan", role="admin"))
        with pytest.raises(grpc.RpcError) as hidden:
            stub.GetPlan(pb.GetPlanRequest(plan_id=created.plan_id), timeout=10, metadata=other)
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("claims", [{"exp": 1_000_000}, {"aud": "another-app"}, {"role": "superuser"}],
                         ids=["expired", "audience", "unknown-role"])
def test_jwts_that_do_not_verify_are_unauthenticated(jwt_server: JwtServer, claims: dict[str, object]) -> None:
    token = jwt_server.provider.token(**claims)
    with grpc.insecure_channel(jwt_server.thread.handle.address) as channel, \
            pytest.raises(grpc.RpcError) as refused:
        pb_grpc.PlanningServiceStub(channel).ListPlans(pb.ListPlansRequest(), timeout=10, metadata=_bearer(token))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert token not in (refused.value.details() or "")
