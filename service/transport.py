"""How the server listens: TLS (and mutual TLS) from PEM files, or plaintext where that is safe.

Plaintext is the default only on loopback (127.0.0.1, ::1, localhost); on any other address the server
refuses to start in plaintext unless told so explicitly (`allow_insecure`), so that customer orders never
cross a plant network unencrypted by accident.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import grpc

from service.settings import Settings


class TransportError(ValueError):
    """The settings ask for a transport that cannot or must not be set up; the message says what to do."""


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(settings: Settings, host: str | None = None) -> None:
    """Refuse plaintext on a non-loopback address unless `allow_insecure`; check that the TLS files exist."""
    host = settings.host if host is None else host
    if not settings.tls and not settings.allow_insecure and not is_loopback(host):
        raise TransportError(
            f"refusing to serve plaintext on {host}: set PRODPLAN_TLS_CERT_FILE and PRODPLAN_TLS_KEY_FILE "
            "(--tls-cert-file, --tls-key-file) for TLS, or PRODPLAN_ALLOW_INSECURE=1 (--allow-insecure) "
            "if a proxy in front of it terminates TLS")
    for name in ("tls_cert_file", "tls_key_file", "tls_client_ca_file"):
        path = getattr(settings, name)
        if path and not Path(path).is_file():
            raise TransportError(f"{name}: no such file {path}")


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials from the settings' PEM files (client certificates required when a client CA is
    given), or None for plaintext."""
    if not settings.tls:
        return None
    key = Path(settings.tls_key_file).read_bytes()
    chain = Path(settings.tls_cert_file).read_bytes()
    client_ca = Path(settings.tls_client_ca_file).read_bytes() if settings.tls_client_ca_file else None
    return grpc.ssl_server_credentials([(key, chain)], root_certificates=client_ca,
                                       require_client_auth=client_ca is not None)


def host_of(address: str) -> str:
    """'127.0.0.1:50051' -> '127.0.0.1', '[::1]:0' -> '::1'."""
    return address.rpartition(":")[0].strip("[]")
