"""Transport security and identity over real channels: TLS and mutual TLS with certificates made here,
bearer tokens with roles, open health and reflection, one audit line per call, and the refusal to serve
plaintext off loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from conftest import ServerThread
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from planner.testing import order, product, request
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc
from service.auth import TokenTable, authorize, new_token, token_hash
from service.mapping import plan_request_to_proto
from service.settings import Settings
from service.transport import TransportError, check_transport

x509 = pytest.importorskip("cryptography.x509", reason="cryptography (dev extra) makes the test certificates")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402


@dataclass
class Pem:
    key: bytes
    cert: bytes


def _issue(name: str, issuer: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None, *, ca: bool = False,
           server: bool = False) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signer_key, signer_cert = issuer if issuer else (key, None)
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(signer_cert.subject if signer_cert else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return key, builder.sign(signer_key, hashes.SHA256())


def _pem(pair: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]) -> Pem:
    key, cert = pair
    return Pem(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()), cert.public_bytes(serialization.Encoding.PEM))


@dataclass
class Certificates:
    ca: Pem
    server: Pem
    client: Pem
    stranger: Pem  # a client certificate from another CA
    folder: Path

    def write(self, name: str, data: bytes) -> str:
        path = self.folder / name
        path.write_bytes(data)
        return str(path)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    ca = _issue("prodplan test CA", None, ca=True)
    other_ca = _issue("someone else's CA", None, ca=True)
    return Certificates(_pem(ca), _pem(_issue("prodplan server", ca, server=True)), _pem(_issue("erp", ca)),
                        _pem(_issue("erp", other_ca)), tmp_path_factory.mktemp("certs"))


def _health(channel: grpc.Channel) -> int:
    return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10).status


@pytest.fixture
def tls_server(certificates: Certificates, tmp_path: Path) -> Iterator[tuple[ServerThread, Certificates]]:
    settings = Settings(solver_processes=1, db=str(tmp_path / "plans.db"),
                        tls_cert_file=certificates.write("server.pem", certificates.server.cert),
                        tls_key_file=certificates.write("server.key", certificates.server.key),
                        tls_client_ca_file=certificates.write("clients-ca.pem", certificates.ca.cert))
    server = ServerThread(settings)
    server.start()
    yield server, certificates
    server.stop()


def test_mutual_tls_admits_only_clients_with_a_certificate_of_the_client_ca(
        tls_server: tuple[ServerThread, Certificates]) -> None:
    server, certs = tls_server
    address = f"localhost:{server.handle.running.port}"
    trusted = grpc.ssl_channel_credentials(certs.ca.cert, certs.client.key, certs.client.cert)
    with grpc.secure_channel(address, trusted) as channel:
        assert _health(channel) == health_pb2.HealthCheckResponse.SERVING
    for refused in (grpc.ssl_channel_credentials(certs.ca.cert),  # no client certificate
                    grpc.ssl_channel_credentials(certs.ca.cert, certs.stranger.key, certs.stranger.cert)):
        with grpc.secure_channel(address, refused) as channel, pytest.raises(grpc.RpcError) as failed:
            _health(channel)
        assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
    with grpc.insecure_channel(address) as plaintext, pytest.raises(grpc.RpcError) as failed:
        _health(plaintext)  # a plaintext client gets no answer from a TLS server
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE


def test_tls_without_a_client_ca_serves_any_client_that_trusts_the_server(certificates: Certificates,
                                                                            tmp_path: Path) -> None:
    server = ServerThread(Settings(solver_processes=1, db=str(tmp_path / "plans.db"),
                                   tls_cert_file=certificates.write("s.pem", certificates.server.cert),
                                   tls_key_file=certificates.write("s.key", certificates.server.key)))
    server.start()
    try:
        credentials = grpc.ssl_channel_credentials(certificates.ca.cert)
        with grpc.secure_channel(f"localhost:{server.handle.running.port}", credentials) as channel:
            assert _health(channel) == health_pb2.HealthCheckResponse.SERVING
    finally:
        server.stop()


@dataclass
class TokenServer:
    thread: ServerThread
    tokens: dict[str, str]  # role -> token

    @property
    def address(self) -> str:
        return self.thread.handle.address


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    folder = tmp_path_factory.mktemp("tokens")
    tokens = {role: new_token() for role in ("viewer", "planner", "admin", "ulsan-planner")}
    entries = [{"sha256": token_hash(token), "tenant": "ulsan" if role.startswith("ulsan") else "gyeongju",
                "role": role.removeprefix("ulsan-"), "name": f"{role}-client"} for role, token in tokens.items()]
    (folder / "tokens.json").write_text(json.dumps({"tokens": entries}))
    thread = ServerThread(Settings(solver_processes=1, db=str(folder / "plans.db"),
                                   tokens_file=str(folder / "tokens.json")))
    thread.start()
    yield TokenServer(thread, tokens)
    thread.stop()


def _bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def _small_plan() -> pb.CreatePlanRequest:
    return plan_request_to_proto(request(["M1"], [product("P", ("cut", ["M1"], 1.0))],
                                         [order("O1", "P", 5, due=100)], time_limit=2.0))


def test_calls_need_a_valid_token_and_a_role_that_may_call_the_method(
        token_server: TokenServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="prodplan.audit")
    with grpc.insecure_channel(token_server.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        for metadata in ([], _bearer("not-a-token"), [("authorization", token_server.tokens["viewer"])]):
            with pytest.raises(grpc.RpcError) as refused:
                stub.ListPlans(pb.ListPlansRequest(), timeout=10, metadata=metadata)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert not stub.ListPlans(pb.ListPlansRequest(), timeout=10,
                                  metadata=_bearer(token_server.tokens["viewer"])).plans
        with pytest.raises(grpc.RpcError) as denied:
            stub.CreatePlan(_small_plan(), timeout=30, metadata=_bearer(token_server.tokens["viewer"]))
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "needs planner" in (denied.value.details() or "")
        for role in ("planner", "admin"):
            created = stub.CreatePlan(_small_plan(), timeout=30, metadata=_bearer(token_server.tokens[role]))
            assert created.plan.status == pb.PLAN_STATUS_OPTIMAL
        # health and reflection stay open: probes and generic clients carry no token
        assert _health(channel) == health_pb2.HealthCheckResponse.SERVING
        assert "prodplan.v1.PlanningService" in ProtoReflectionDescriptorDatabase(channel).get_services()
    audit = [r.getMessage() for r in caplog.records if r.name == "prodplan.audit"]
    assert "tenant=gyeongju role=viewer caller=viewer-client method=/prodplan.v1.PlanningService/CreatePlan " \
           "status=PERMISSION_DENIED" in audit
    assert "tenant=- role=- caller=- method=/prodplan.v1.PlanningService/ListPlans status=UNAUTHENTICATED" in audit
    assert sum("CreatePlan status=OK" in line for line in audit) == 2
    assert not any("Health" in line for line in audit)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not any(token in logged for token in token_server.tokens.values())


def test_every_method_has_a_role_and_unlisted_ones_need_admin() -> None:
    from service.auth import METHOD_ROLES, Identity, PermissionDeniedError, Role

    for service in (pb.DESCRIPTOR.services_by_name["PlanningService"],
                    fpb.DESCRIPTOR.services_by_name["ForecastService"]):
        for method in service.methods:
            assert f"/{service.full_name}/{method.name}" in METHOD_ROLES, method.name
    table = TokenTable([])
    table._by_hash[token_hash("t")] = Identity("a", Role.PLANNER)
    with pytest.raises(PermissionDeniedError, match="needs admin"):
        authorize(table, "/prodplan.v1.ModelService/ActivateModel", _bearer("t"))


def test_plaintext_off_loopback_is_refused_unless_allowed() -> None:
    with pytest.raises(TransportError, match=r"refusing to serve plaintext on 0\.0\.0\.0"):
        check_transport(Settings(host="0.0.0.0"))
    check_transport(Settings(host="0.0.0.0", allow_insecure=True))
    for loopback in ("127.0.0.1", "::1", "localhost"):
        check_transport(Settings(host=loopback))
    with pytest.raises(ValueError, match="set together"):
        Settings(tls_cert_file="server.pem")


def test_a_tokens_file_with_a_token_instead_of_its_hash_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tokens": [{"sha256": new_token(), "tenant": "gyeongju", "role": "boss"}]}))
    with pytest.raises(ValueError) as refused:
        TokenTable.load(path)
    assert "tokens.0.sha256: Value error, must be the 64 hex digits" in str(refused.value)
    assert "tokens.0.role" in str(refused.value)


def test_a_tenant_sees_only_its_own_plans_and_request_ids(token_server: TokenServer) -> None:
    gyeongju, ulsan = _bearer(token_server.tokens["planner"]), _bearer(token_server.tokens["ulsan-planner"])
    ours = _small_plan()
    ours.request_id = "po-4711"
    with grpc.insecure_channel(token_server.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        created = stub.CreatePlan(ours, timeout=30, metadata=gyeongju)
        with pytest.raises(grpc.RpcError) as hidden:
            stub.GetPlan(pb.GetPlanRequest(plan_id=created.plan_id), timeout=10, metadata=ulsan)
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
        assert created.plan_id not in {p.plan_id for p in stub.ListPlans(
            pb.ListPlansRequest(), timeout=10, metadata=ulsan).plans}
        with pytest.raises(grpc.RpcError) as no_replan:
            stub.Replan(pb.ReplanRequest(plan_id=created.plan_id), timeout=30, metadata=ulsan)
        assert no_replan.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "no stored plan" in (no_replan.value.details() or "")
        # another tenant's request id collides with nothing and reveals nothing
        different = _small_plan()
        different.request_id = "po-4711"
        different.orders[0].quantity = 7
        theirs = stub.CreatePlan(different, timeout=30, metadata=ulsan)
        assert theirs.plan_id != created.plan_id
        with pytest.raises(grpc.RpcError) as reused:  # in its own tenant the id is taken
            stub.CreatePlan(different, timeout=30, metadata=gyeongju)
        assert reused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        listed = {p.plan_id for p in stub.ListPlans(pb.ListPlansRequest(), timeout=10, metadata=gyeongju).plans}
        assert created.plan_id in listed and theirs.plan_id not in listed
        assert stub.CreatePlan(ours, timeout=30, metadata=gyeongju).plan_id == created.plan_id  # idempotent


def test_delete_plan_needs_a_planner_of_the_plans_tenant(token_server: TokenServer) -> None:
    gyeongju, ulsan = _bearer(token_server.tokens["planner"]), _bearer(token_server.tokens["ulsan-planner"])
    with grpc.insecure_channel(token_server.address) as channel:
        stub = pb_grpc.PlanningServiceStub(channel)
        created = stub.CreatePlan(_small_plan(), timeout=30, metadata=gyeongju)
        delete = pb.DeletePlanRequest(plan_id=created.plan_id)
        for metadata, code in ((ulsan, grpc.StatusCode.NOT_FOUND),
                               (_bearer(token_server.tokens["viewer"]), grpc.StatusCode.PERMISSION_DENIED)):
            with pytest.raises(grpc.RpcError) as refused:
                stub.DeletePlan(delete, timeout=10, metadata=metadata)
            assert refused.value.code() == code
        assert stub.DeletePlan(delete, timeout=10, metadata=gyeongju).plan_id == created.plan_id
        for call in (lambda: stub.GetPlan(pb.GetPlanRequest(plan_id=created.plan_id), timeout=10, metadata=gyeongju),
                     lambda: stub.DeletePlan(delete, timeout=10, metadata=gyeongju)):
            with pytest.raises(grpc.RpcError) as gone:
                call()
            assert gone.value.code() == grpc.StatusCode.NOT_FOUND
