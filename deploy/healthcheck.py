"""Container health check: asks the server's standard gRPC health service (grpc.health.v1) whether it serves.

Used by the image's HEALTHCHECK and, when the server speaks TLS, by the Helm chart's exec probes (the
kubelet's native gRPC probe speaks plaintext only). It reads the server's own PRODPLAN_* settings:

- PRODPLAN_PORT (default 50051); it always dials 127.0.0.1 (the container itself);
- PRODPLAN_TLS_CERT_FILE set: TLS. The server certificate is verified against PRODPLAN_HEALTHCHECK_CA_FILE
  (the CA that signed it), or, without it, against the certificate file itself (right for a self-signed
  certificate or a chain file that ends with its root). The name checked is PRODPLAN_HEALTHCHECK_SERVER_NAME
  (default `localhost`; it must be in the certificate's subject alternative names);
- PRODPLAN_TLS_CLIENT_CA_FILE set (mutual TLS): the probe presents PRODPLAN_HEALTHCHECK_CLIENT_CERT_FILE
  and PRODPLAN_HEALTHCHECK_CLIENT_KEY_FILE, a client certificate signed by that CA;
- PRODPLAN_HEALTHCHECK_SERVICE: the service to ask about (default "": the server as a whole, which is
  NOT_SERVING while a dead solver process is replaced and during a graceful shutdown);
- PRODPLAN_HEALTHCHECK_TIMEOUT_S (default 5).

Exit status 0 when the answer is SERVING, 1 otherwise (with the reason on stderr).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def _read(variable: str) -> bytes | None:
    path = os.environ.get(variable, "")
    return Path(path).read_bytes() if path else None


def channel() -> grpc.Channel:
    target = f"127.0.0.1:{os.environ.get('PRODPLAN_PORT', '50051')}"
    if not os.environ.get("PRODPLAN_TLS_CERT_FILE"):
        return grpc.insecure_channel(target)
    roots = _read("PRODPLAN_HEALTHCHECK_CA_FILE") or _read("PRODPLAN_TLS_CERT_FILE")
    key, chain = _read("PRODPLAN_HEALTHCHECK_CLIENT_KEY_FILE"), _read("PRODPLAN_HEALTHCHECK_CLIENT_CERT_FILE")
    credentials = grpc.ssl_channel_credentials(root_certificates=roots, private_key=key, certificate_chain=chain)
    name = os.environ.get("PRODPLAN_HEALTHCHECK_SERVER_NAME", "localhost")
    return grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", name)])


def main() -> int:
    service = os.environ.get("PRODPLAN_HEALTHCHECK_SERVICE", "")
    timeout = float(os.environ.get("PRODPLAN_HEALTHCHECK_TIMEOUT_S", "5"))
    try:
        with channel() as open_channel:
            answer = health_pb2_grpc.HealthStub(open_channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    except (grpc.RpcError, OSError) as error:
        detail = error.details() if isinstance(error, grpc.RpcError) else str(error)
        print(f"unhealthy: {detail}", file=sys.stderr)
        return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
    if answer.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"unhealthy: {service or 'server'} is {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
