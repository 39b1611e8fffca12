"""JWT verification against a JWKS file: what is accepted, and every way a token is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from oidc import AUDIENCE, ISSUER, Provider

from service.auth import Role, TokenTable, new_token, token_hash
from service.jwt_auth import AnyOf, JwtSettings, JwtVerifier, load_authenticator


@pytest.fixture(scope="module")
def provider() -> Provider:
    return Provider()


@pytest.fixture
def verifier(provider: Provider, tmp_path: Path) -> JwtVerifier:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(provider.jwks()))
    return JwtVerifier.load(path, JwtSettings(issuer=ISSUER, audience=AUDIENCE))


def test_a_token_signed_by_either_key_names_its_tenant_and_role(provider: Provider, verifier: JwtVerifier) -> None:
    for kid in ("rsa-1", "ec-1"):
        identity = verifier.identify(provider.token(kid))
        assert identity is not None
        assert (identity.tenant, identity.role, identity.name) == ("gyeongju", Role.PLANNER, "erp")


def test_a_list_of_roles_counts_its_highest_known_role(provider: Provider, verifier: JwtVerifier) -> None:
    identity = verifier.identify(provider.token(role=["offline_access", "viewer", "admin"]))
    assert identity is not None and identity.role is Role.ADMIN
    assert verifier.identify(provider.token(role=["offline_access"])) is None


@pytest.mark.parametrize("claims", [
    {"exp": int(time.time()) - 3600},  # expired
    {"exp": None},  # no expiry at all
    {"nbf": int(time.time()) + 3600},  # not yet valid
    {"iss": "https://evil.example.com"},
    {"aud": "another-app"},
    {"tenant": None},
    {"tenant": "../other"},
    {"role": None},
    {"role": "superuser"},
], ids=["expired", "no-exp", "not-yet", "issuer", "audience", "no-tenant", "bad-tenant", "no-role", "unknown-role"])
def test_tokens_with_bad_claims_are_refused(provider: Provider, verifier: JwtVerifier, claims: dict[str, Any]) -> None:
    assert verifier.identify(provider.token(**claims)) is None


def test_signatures_that_do_not_verify_are_refused(provider: Provider, verifier: JwtVerifier) -> None:
    token = provider.token()
    header, _payload, signature = token.split(".")
    tampered_payload = jwt.utils.base64url_encode(json.dumps(
        {**jwt.decode(token, options={"verify_signature": False}), "role": "admin"}).encode()).decode()
    assert verifier.identify(f"{header}.{tampered_payload}.{signature}") is None
    stranger = Provider()  # same kid, another provider's key
    assert verifier.identify(stranger.token()) is None
    assert verifier.identify(provider.token(kid="unknown")) is None


def test_the_token_cannot_choose_its_algorithm(provider: Provider, verifier: JwtVerifier) -> None:
    """The classic attacks: `alg: none`, and HS256 signed with the public key as the secret."""
    claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300, "tenant": "x", "role": "admin"}
    unsigned = jwt.encode(claims, key="", algorithm="none", headers={"kid": "rsa-1"})
    assert verifier.identify(unsigned) is None
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}).encode())
    body = jwt.utils.base64url_encode(json.dumps(claims).encode())
    public_pem = provider.rsa.public_key().public_bytes(
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo)
    mac = hmac.new(public_pem, header + b"." + body, hashlib.sha256).digest()
    forged = (header + b"." + body + b"." + jwt.utils.base64url_encode(mac)).decode()
    assert verifier.identify(forged) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_string_is_refused_without_raising(text: str) -> None:
    verifier = JwtVerifier([jwt.PyJWK.from_dict(_one_public_key())])
    assert verifier.identify(text) is None


_KEY_CACHE: dict[str, Any] = {}


def _one_public_key() -> dict[str, Any]:
    if "key" not in _KEY_CACHE:
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        _KEY_CACHE["key"] = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key)), "alg": "ES256"}
    return _KEY_CACHE["key"]


@pytest.mark.parametrize(("document", "message"), [
    ("not json", "is not JSON"),
    ('{"no": "keys"}', "'keys' list"),
    ('{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', "symmetric keys"),
    ('{"keys": [{"kty": "RSA", "n": "!!", "e": "AQAB"}]}', r"keys\[0\]: Unable"),
    ('{"keys": []}', "no usable key"),
])
def test_a_bad_jwks_file_is_refused_naming_the_problem(tmp_path: Path, document: str, message: str) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(document)
    with pytest.raises(ValueError, match=message):
        JwtVerifier.load(path)


def test_several_keys_need_key_ids(provider: Provider, tmp_path: Path) -> None:
    jwks = provider.jwks()
    for key in jwks["keys"]:
        del key["kid"]
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    with pytest.raises(ValueError, match="each needs a 'kid'"):
        JwtVerifier.load(path)


def test_opaque_tokens_and_jwts_work_side_by_side(provider: Provider, tmp_path: Path) -> None:
    opaque = new_token()
    tokens_path = tmp_path / "tokens.json"
    entry = {"sha256": token_hash(opaque), "tenant": "ulsan", "role": "viewer"}
    tokens_path.write_text(json.dumps({"tokens": [entry]}))
    jwks_path = tmp_path / "jwks.json"
    jwks_path.write_text(json.dumps(provider.jwks()))
    both = load_authenticator(str(tokens_path), str(jwks_path), JwtSettings(issuer=ISSUER, audience=AUDIENCE))
    assert isinstance(both, AnyOf) and len(both) == 3
    assert both.identify(opaque) is not None and both.identify(opaque).tenant == "ulsan"  # type: ignore[union-attr]
    assert both.identify(provider.token()) is not None
    assert both.identify("neither") is None
    assert isinstance(load_authenticator(str(tokens_path), "", None), TokenTable)
    assert load_authenticator("", "", None) is None
