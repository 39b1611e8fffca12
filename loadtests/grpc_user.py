"""A Locust `User` that speaks gRPC, after Locust's own gRPC example.

A client interceptor times every unary call and fires Locust's `request` event with request_type
"grpc", the full method name (`prodplan.v1.PlanningService/CreatePlan`), the response time in ms and,
on failure, a `GrpcCallError` carrying the status code's name. gRPC is patched to cooperate with
gevent (Locust's concurrency) before any channel exists. Each user has its own connection (a local
subchannel pool), as separate MES/ERP clients would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

import grpc
import grpc.experimental.gevent as grpc_gevent
from locust import User
from locust.env import Environment
from locust.exception import LocustError

from loadtests.recorder import GrpcCallError
from loadtests.retry_hint import retry_delay_s

grpc_gevent.init_gevent()


def method_name(full_method: str | bytes) -> str:
    """`/pkg.Service/Method` -> `pkg.Service/Method`."""
    text = full_method.decode() if isinstance(full_method, bytes) else full_method
    return text.lstrip("/")


def failure(error: grpc.RpcError) -> GrpcCallError:
    code = error.code() if isinstance(error, grpc.Call) else None
    details = (error.details() if isinstance(error, grpc.Call) else None) or str(error)
    return GrpcCallError(code.name if code is not None else "UNKNOWN", details)


class LocustInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Fires Locust's request event for every unary call (timed from send to the whole response)."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment

    def intercept_unary_unary(self, continuation: Callable[..., Any], client_call_details: grpc.ClientCallDetails,
                              request: Any) -> Any:
        started = time.perf_counter()
        response: Any = None
        exception: Exception | None = None
        length = 0
        call = continuation(client_call_details, request)
        try:
            response = call.result()
            length = response.ByteSize()
        except grpc.RpcError as error:
            exception = failure(error)
        self.environment.events.request.fire(
            request_type="grpc", name=method_name(client_call_details.method),
            response_time=(time.perf_counter() - started) * 1000, response_length=length,
            response=response, context={}, exception=exception,
        )
        return call


class GrpcUser(User):
    """Base of the load users: a channel to `host` (HOST:PORT, no scheme) wrapped by `LocustInterceptor`."""

    abstract = True
    channel_options: ClassVar[list[tuple[str, Any]]] = [
        ("grpc.use_local_subchannel_pool", 1),
        ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ]

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        if not self.host:
            raise LocustError("a gRPC user needs host HOST:PORT")
        self._raw_channel = grpc.insecure_channel(self.host.removeprefix("grpc://"), options=self.channel_options)
        self.channel = grpc.intercept_channel(self._raw_channel, LocustInterceptor(environment))

    def on_stop(self) -> None:
        self._raw_channel.close()

    def call(self, function: Callable[..., Any], request: Any, timeout: float) -> Any:
        """Make a unary call; failures are already recorded by the interceptor, so they end here as None.
        A RESOURCE_EXHAUSTED answer is passed with its RetryInfo delay to `on_refusal`."""
        try:
            return function(request, timeout=timeout)
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                self.on_refusal(retry_delay_s(error))
            return None

    def on_refusal(self, delay_s: float) -> None:
        """What a user does after a refusal; the base user retries at once."""
