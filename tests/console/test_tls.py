"""The console reaches a server that requires mutual TLS with the CA, client certificate and key it is given,
and reports UNAVAILABLE (HTTP 503) without them."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from conftest import ServerThread
from starlette.testclient import TestClient

from console.app import create_app
from console.client import ChannelConfig
from service.settings import Settings

x509 = pytest.importorskip("cryptography.x509", reason="cryptography (dev extra) makes the test certificates")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

Pair = tuple[ec.EllipticCurvePrivateKey, x509.Certificate]


def issue(name: str, issuer: Pair | None, usage: str = "") -> Pair:
    """A certificate: self-signed CA without issuer, else a server ('server') or client ('client') one."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signer_key, signer = issuer if issuer else (key, None)
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(signer.subject if signer else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True))
    if usage == "server":
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    if usage:
        oid = ExtendedKeyUsageOID.SERVER_AUTH if usage == "server" else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([oid]), critical=False)
    return key, builder.sign(signer_key, hashes.SHA256())


def write(folder: Path, name: str, pair: Pair) -> tuple[str, str]:
    key, cert = pair
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    (folder / f"{name}.key").write_bytes(pem_key)
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(folder / f"{name}.pem"), str(folder / f"{name}.key")


def test_mutual_tls_is_passed_to_the_channel(tmp_path: Path) -> None:
    ca = issue("test CA", None)
    ca_pem, _ = write(tmp_path, "ca", ca)
    server_pem, server_key = write(tmp_path, "server", issue("prodplan", ca, "server"))
    client_pem, client_key = write(tmp_path, "client", issue("console", ca, "client"))
    server = ServerThread(Settings(solver_processes=1, db=str(tmp_path / "plans.db"), tls_cert_file=server_pem,
                                   tls_key_file=server_key, tls_client_ca_file=ca_pem))
    handle = server.start()
    try:
        config = ChannelConfig(handle.address, tls_ca_file=ca_pem, tls_cert_file=client_pem, tls_key_file=client_key)
        config.check()
        with TestClient(create_app(config)) as console:
            assert console.get("/api/plans").status_code == 200
        without_certificate = ChannelConfig(handle.address, tls_ca_file=ca_pem)
        with TestClient(create_app(without_certificate)) as console:
            response = console.get("/api/plans")
            assert response.status_code == 503 and response.json()["error"]["code"] == "UNAVAILABLE"
    finally:
        server.stop()
