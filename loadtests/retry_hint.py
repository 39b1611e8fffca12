"""The server's retry hint: the RetryInfo delay of a RESOURCE_EXHAUSTED answer (no gevent here, so tests
can import it)."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def retry_delay_s(error: grpc.Call) -> float:
    """The RetryInfo delay in a failed call's rich status (google.rpc.Status details), 0 when there is none."""
    status = rpc_status.from_call(error)
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.seconds + info.retry_delay.nanos / 1e9
    return 0.0
