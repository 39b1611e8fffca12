"""The console's gRPC side: one channel to PlanningService (bearer token and TLS when configured) and its calls.

Everything the console does goes through these calls, as any other client of the API would. A failed call
becomes a `ServiceError` that keeps the status code, the message and the `google.rpc.BadRequest` field
violations, so that the page can show each violation next to the field it names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from google.rpc import error_details_pb2, status_pb2

from prodplan.v1 import planning_service_pb2 as pb
from prodplan.v1 import planning_service_pb2_grpc as pb_grpc

STATUS_DETAILS_KEY = "grpc-status-details-bin"
"""Trailing metadata key under which gRPC carries the rich `google.rpc.Status`."""

SOLVE_MARGIN_S = 60.0
"""Deadline of a solving call beyond its solver time limit: the server caps the solver by the deadline, so the
deadline must leave room for model building, the explanations and the counterfactual plans."""


@dataclass(frozen=True)
class ChannelConfig:
    """How the console reaches the service.

    Args:
        target: host:port of the gRPC server.
        token: bearer token sent as `authorization: Bearer <token>` on every call (empty: none).
        tls_ca_file: PEM bundle of the CA that signed the server certificate; setting it (or `tls`) turns on TLS.
        tls_cert_file: PEM client certificate chain for mutual TLS.
        tls_key_file: PEM key of the client certificate.
        tls_server_name: name to check the server certificate against when it differs from the target host.
        tls: use TLS with the system's root certificates even without `tls_ca_file`.
    """

    target: str
    token: str = ""
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_server_name: str = ""
    tls: bool = False

    @property
    def uses_tls(self) -> bool:
        return self.tls or bool(self.tls_ca_file or self.tls_cert_file)

    def check(self) -> None:
        """Raise ValueError naming a TLS file that does not exist, or a client certificate without its key."""
        for name in ("tls_ca_file", "tls_cert_file", "tls_key_file"):
            path = getattr(self, name)
            if path and not Path(path).is_file():
                raise ValueError(f"{name}: no such file {path}")
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ValueError("tls_cert_file and tls_key_file go together (mutual TLS needs both)")


@dataclass(frozen=True)
class Violation:
    """One field violation of a refused request: `field` is the API's path, e.g. `orders[3].quantity`."""

    field: str
    description: str


@dataclass
class ServiceError(Exception):
    """A call the service refused or could not answer: its status code name, message and field violations."""

    code: str
    message: str
    violations: list[Violation] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def service_error(error: grpc.aio.AioRpcError) -> ServiceError:
    """Turn a failed call into a ServiceError, unpacking `google.rpc.BadRequest` from the trailing metadata."""
    violations: list[Violation] = []
    for key, value in error.trailing_metadata() or ():
        if key != STATUS_DETAILS_KEY or not isinstance(value, bytes):
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad_request = error_details_pb2.BadRequest()
                detail.Unpack(bad_request)
                violations += [Violation(v.field, v.description) for v in bad_request.field_violations]
    code = error.code()
    return ServiceError(code.name if code is not None else "UNKNOWN", error.details() or "", violations)


def open_channel(config: ChannelConfig) -> grpc.aio.Channel:
    """An asyncio channel to the service; TLS (optionally with a client certificate) when configured."""
    options: list[tuple[str, str | int]] = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
    if config.tls_server_name:
        options.append(("grpc.ssl_target_name_override", config.tls_server_name))
    if not config.uses_tls:
        return grpc.aio.insecure_channel(config.target, options=options)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=Path(config.tls_ca_file).read_bytes() if config.tls_ca_file else None,
        private_key=Path(config.tls_key_file).read_bytes() if config.tls_key_file else None,
        certificate_chain=Path(config.tls_cert_file).read_bytes() if config.tls_cert_file else None,
    )
    return grpc.aio.secure_channel(config.target, credentials, options=options)


def solve_timeout(request: pb.CreatePlanRequest, scenarios: int = 0) -> float:
    """Deadline of a call that solves `request` (and `scenarios` what-ifs, each with the same time limit)."""
    limit = request.options.time_limit.seconds or 10
    return (limit * (1 + scenarios)) * 2 + SOLVE_MARGIN_S


class PlanningClient:
    """The PlanningService calls the console makes; every failure is raised as ServiceError."""

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config
        self._channel = open_channel(config)
        self._stub = pb_grpc.PlanningServiceStub(self._channel)

    @property
    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.config.token}"),) if self.config.token else ()

    async def close(self) -> None:
        await self._channel.close()

    async def list_plans(self, kind: str = "", page_size: int = 100, page_token: str = "") -> pb.ListPlansResponse:
        request = pb.ListPlansRequest(kind=kind, page_size=page_size, page_token=page_token)
        try:
            return await self._stub.ListPlans(request, metadata=self._metadata, timeout=30)
        except grpc.aio.AioRpcError as error:
            raise service_error(error) from None

    async def get_plan(self, plan_id: str) -> pb.GetPlanResponse:
        try:
            return await self._stub.GetPlan(pb.GetPlanRequest(plan_id=plan_id), metadata=self._metadata, timeout=30)
        except grpc.aio.AioRpcError as error:
            raise service_error(error) from None

    async def delete_plan(self, plan_id: str) -> pb.DeletePlanResponse:
        try:
            return await self._stub.DeletePlan(pb.DeletePlanRequest(plan_id=plan_id), metadata=self._metadata,
                                               timeout=30)
        except grpc.aio.AioRpcError as error:
            raise service_error(error) from None

    async def stream_plan(self, request: pb.CreatePlanRequest) -> AsyncIterator[pb.StreamPlanResponse]:
        """StreamPlan: each improving solution's progress, then the final plan (the last message)."""
        call = self._stub.StreamPlan(request, metadata=self._metadata, timeout=solve_timeout(request))
        try:
            async for message in call:
                yield message
        except grpc.aio.AioRpcError as error:
            raise service_error(error) from None
        finally:
            call.cancel()

    async def compare(self, request: pb.CompareScenariosRequest) -> pb.CompareScenariosResponse:
        timeout = solve_timeout(request.base, len(request.scenarios))
        try:
            return await self._stub.CompareScenarios(request, metadata=self._metadata, timeout=timeout)
        except grpc.aio.AioRpcError as error:
            raise service_error(error) from None

    async def replan(self, request: pb.ReplanRequest) -> pb.ReplanResponse:
        timeout = (request.time_limit.seconds or 30) * 2 + SOLVE_MARGIN_S
        try:
            return await self._stub.Replan(request, metadata=self._metadata, timeout=timeout)
        except grpc.aio.AioRpcError as error:
            raise service_error(error) from None
