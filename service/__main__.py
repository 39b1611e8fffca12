"""`python -m service`: run the planning server (flags override PRODPLAN_* environment variables)."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from service.auth import TokenTable
from service.settings import Settings
from service.transport import check_transport


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    parser.add_argument("--host", help="address to listen on (PRODPLAN_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port, 0 for any free one (PRODPLAN_PORT, default 50051)")
    parser.add_argument("--solver-processes", type=int, help="solves at once (PRODPLAN_SOLVER_PROCESSES)")
    parser.add_argument("--replicas", type=int,
                        help="server processes sharing the port (PRODPLAN_REPLICAS, default 1; service/replicas.py)")
    parser.add_argument("--log-level", help="logging level (PRODPLAN_LOG_LEVEL, default INFO)")
    parser.add_argument("--log-format", choices=["text", "json"],
                        help="key=value text or one JSON object per line (PRODPLAN_LOG_FORMAT, default text)")
    parser.add_argument("--db", help="plan store: SQLite file or postgresql:// URL (PRODPLAN_DB, default prodplan.db)")
    parser.add_argument("--metrics-port", type=int,
                        help="serve Prometheus metrics on this port, 0 for any free one (PRODPLAN_METRICS_PORT; off)")
    parser.add_argument("--metrics-host", help="address of the metrics endpoint (PRODPLAN_METRICS_HOST, 127.0.0.1)")
    parser.add_argument("--otlp-endpoint",
                        help="export traces by OTLP/gRPC to this collector, e.g. http://127.0.0.1:4317 "
                             "(PRODPLAN_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT; off)")
    parser.add_argument("--tls-cert-file", help="PEM certificate chain: serve TLS (PRODPLAN_TLS_CERT_FILE)")
    parser.add_argument("--tls-key-file", help="PEM private key of the certificate (PRODPLAN_TLS_KEY_FILE)")
    parser.add_argument("--tls-client-ca-file",
                        help="PEM CA bundle: require client certificates it signed, i.e. mutual TLS "
                             "(PRODPLAN_TLS_CLIENT_CA_FILE)")
    parser.add_argument("--allow-insecure", action="store_true", default=None,
                        help="serve plaintext on a non-loopback address (PRODPLAN_ALLOW_INSECURE)")
    parser.add_argument("--tokens-file", help="bearer tokens with tenant and role, as hashes (PRODPLAN_TOKENS_FILE)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    try:
        settings = Settings(**overrides)
        check_transport(settings)
        if settings.tokens_file:
            TokenTable.load(settings.tokens_file)
    except ValidationError as error:  # flags and PRODPLAN_* variables: name each bad one, no traceback
        parser.error("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()))
    except ValueError as error:  # transport or tokens file
        parser.error(str(error))
    from service.logging_setup import configure_logging

    configure_logging(settings.log_level, log_format=settings.log_format)
    if settings.replicas > 1:
        from service.replicas import run_replicas  # the supervisor never loads torch or the models

        sys.exit(run_replicas(settings, settings.replicas))
    import asyncio

    from service.server import serve

    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
