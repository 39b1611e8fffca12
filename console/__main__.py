"""`python -m console --grpc 127.0.0.1:50051 --port 8080`: serve the planners' web console.

The console is a client of the gRPC service at --grpc; a bearer token and TLS settings are passed on to that
channel (flags, or PRODPLAN_CONSOLE_* environment variables). It prints its address once it listens.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys

from console.client import ChannelConfig

ENV = "PRODPLAN_CONSOLE_"


def parse_config(argv: list[str] | None = None) -> tuple[argparse.Namespace, ChannelConfig]:
    parser = argparse.ArgumentParser(prog="python -m console", description=__doc__)
    env = os.environ.get
    parser.add_argument("--grpc", default=env(f"{ENV}GRPC", "127.0.0.1:50051"),
                        help="host:port of the prodplan gRPC service (PRODPLAN_CONSOLE_GRPC)")
    parser.add_argument("--host", default=env(f"{ENV}HOST", "127.0.0.1"), help="address to serve the console on")
    parser.add_argument("--port", type=int, default=int(env(f"{ENV}PORT", "8080")), help="port, 0 for any free one")
    parser.add_argument("--token-file", default=env(f"{ENV}TOKEN_FILE", ""),
                        help="file holding the bearer token for the service (or PRODPLAN_CONSOLE_TOKEN)")
    parser.add_argument("--tls", action="store_true", help="TLS with the system's root certificates")
    parser.add_argument("--tls-ca-file", default=env(f"{ENV}TLS_CA_FILE", ""),
                        help="PEM CA bundle that signed the service's certificate (turns TLS on)")
    parser.add_argument("--tls-cert-file", default=env(f"{ENV}TLS_CERT_FILE", ""),
                        help="PEM client certificate for mutual TLS")
    parser.add_argument("--tls-key-file", default=env(f"{ENV}TLS_KEY_FILE", ""), help="PEM key of that certificate")
    parser.add_argument("--tls-server-name", default=env(f"{ENV}TLS_SERVER_NAME", ""),
                        help="name in the service's certificate, when it differs from the --grpc host")
    args = parser.parse_args(argv)
    token = env(f"{ENV}TOKEN", "")
    if args.token_file:
        try:
            with open(args.token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as error:
            parser.error(f"--token-file: {error.strerror}: {args.token_file}")
    config = ChannelConfig(target=args.grpc, token=token, tls_ca_file=args.tls_ca_file,
                           tls_cert_file=args.tls_cert_file, tls_key_file=args.tls_key_file,
                           tls_server_name=args.tls_server_name, tls=args.tls)
    try:
        config.check()
    except ValueError as error:
        parser.error(str(error))
    return args, config


def main(argv: list[str] | None = None) -> None:
    args, config = parse_config(argv)
    import uvicorn

    from console.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"prodplan console on http://{host}:{listener.getsockname()[1]}/ (service {config.target})", flush=True)
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning"))
    server.run(sockets=[listener])
    sys.exit(0)


if __name__ == "__main__":
    main()
