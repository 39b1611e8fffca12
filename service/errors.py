"""Map domain problems onto gRPC status codes with rich details (google.rpc.BadRequest, RetryInfo).

Servicers raise or return domain values; this module is where they become status codes:
- a list of field violations (bad input)          -> INVALID_ARGUMENT + google.rpc.BadRequest
- a request over a size limit                       -> INVALID_ARGUMENT + BadRequest naming the limit
- overload (concurrency limit reached)             -> RESOURCE_EXHAUSTED + google.rpc.RetryInfo
- a missing stored object                           -> NOT_FOUND
- the plan store out of reach                       -> UNAVAILABLE + google.rpc.RetryInfo
- a solver process that died under the call        -> UNAVAILABLE + google.rpc.RetryInfo
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class FieldViolation:
    """One problem in a request: a field path in the request message (e.g. `orders[3].quantity`) and why."""

    field: str
    reason: str


class InvalidArgumentError(Exception):
    """Raised by mapping/validation code with every violation found (never only the first)."""

    def __init__(self, violations: Iterable[FieldViolation], summary: str = "the request is invalid") -> None:
        self.violations = list(violations)
        self.summary = summary
        super().__init__(f"{summary}: " + "; ".join(f"{v.field}: {v.reason}" for v in self.violations))


class NotFoundError(Exception):
    """A stored object the request names does not exist (NOT_FOUND)."""


class OverloadedError(Exception):
    """Raised when the service is at its concurrency limit; the client should retry after `retry_after_s`."""

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class SolverUnavailableError(Exception):
    """The solver process running this call died (out of memory, a crash); the pool is being rebuilt and
    the client should retry after `retry_after_s`."""

    def __init__(self, message: str, retry_after_s: float = 2.0) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


MAX_REPORTED_VIOLATIONS = 1000
"""Most field violations sent back in one answer (a request full of NaNs would otherwise get an answer
larger than any client accepts); the last one then says how many more there were."""


def invalid_argument_status(error: InvalidArgumentError) -> grpc.Status:
    reported = error.violations[:MAX_REPORTED_VIOLATIONS]
    if len(error.violations) > MAX_REPORTED_VIOLATIONS:
        reported.append(FieldViolation("", f"... and {len(error.violations) - MAX_REPORTED_VIOLATIONS} more "
                                           "problems of the same kinds; fix these and send it again"))
    detail = any_pb2.Any()
    detail.Pack(
        error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.reason)
                for v in reported
            ]
        )
    )
    message = f"{error.summary} ({len(error.violations)} problem{'s' if len(error.violations) != 1 else ''}): "
    message += "; ".join(f"{v.field}: {v.reason}" for v in error.violations[:20])
    if len(error.violations) > 20:
        message += f"; ... and {len(error.violations) - 20} more (in the BadRequest details)"
    return rpc_status.to_status(
        status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[detail])
    )


def overloaded_status(error: OverloadedError) -> grpc.Status:
    return _retry_status(code_pb2.RESOURCE_EXHAUSTED, str(error), error.retry_after_s)


def unavailable_status(message: str, retry_after_s: float) -> grpc.Status:
    """UNAVAILABLE with a RetryInfo: the call may succeed when retried after `retry_after_s`."""
    return _retry_status(code_pb2.UNAVAILABLE, message, retry_after_s)


def _retry_status(code: int, message: str, retry_after_s: float) -> grpc.Status:
    seconds = max(retry_after_s, 0.0)
    detail = any_pb2.Any()
    detail.Pack(
        error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(seconds=int(seconds), nanos=int((seconds % 1) * 1e9))
        )
    )
    return rpc_status.to_status(status_pb2.Status(code=code, message=message, details=[detail]))


async def abort_with(context: grpc.aio.ServicerContext, status: grpc.Status) -> None:
    """Abort the RPC with a status carrying rich details (trailing grpc-status-details-bin)."""
    await context.abort_with_status(status)


def status_details(error: grpc.RpcError) -> status_pb2.Status | None:
    """Client side: the rich google.rpc.Status of a failed call (sync or asyncio), if the server sent one."""
    metadata = error.trailing_metadata() or ()
    for key, value in metadata:
        if key == rpc_status.GRPC_DETAILS_METADATA_KEY:
            return status_pb2.Status.FromString(value)
    return None


def bad_request_violations(error: grpc.RpcError) -> list[FieldViolation]:
    """Client side: the BadRequest field violations of a failed call (empty if none)."""
    status = status_details(error)
    found: list[FieldViolation] = []
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found += [FieldViolation(v.field, v.description) for v in bad_request.field_violations]
    return found
