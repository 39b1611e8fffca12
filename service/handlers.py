"""Wrapping a gRPC method handler's behaviour, the one mechanism both server interceptors use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

Behaviour = Callable[..., Any]


def rewrapped(handler: grpc.RpcMethodHandler, unary: Callable[[Behaviour], Behaviour],
              stream: Callable[[Behaviour], Behaviour]) -> grpc.RpcMethodHandler:
    """`handler` with its unary-unary behaviour passed through `unary`, or its unary-stream behaviour
    through `stream`; other kinds (none in our API) unchanged."""
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary),
                                                   request_deserializer=handler.request_deserializer,
                                                   response_serializer=handler.response_serializer)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(stream(handler.unary_stream),
                                                    request_deserializer=handler.request_deserializer,
                                                    response_serializer=handler.response_serializer)
    return handler
