"""Bearer JWTs from an OIDC provider, verified against a JWKS file: no network call at request time.

A plant that already runs an identity provider (Keycloak, Entra ID, Okta...) hands its clients signed
JWTs instead of our own opaque tokens. The server reads the provider's public keys once, from a JWKS
file the operator downloads and mounts (`PRODPLAN_JWKS_FILE`), and on every call checks:

- the signature, with the key the token's `kid` names (with a single key, a token without `kid` uses
  it), by the algorithm of that key only: the token cannot choose its algorithm, symmetric keys
  (`kty: oct`) are refused when the file is read, and `none` is never accepted;
- `exp` (required), `nbf` and `iat`, with `PRODPLAN_JWT_LEEWAY_S` of clock skew;
- `iss` and `aud` when configured (`PRODPLAN_JWT_ISSUER`, `PRODPLAN_JWT_AUDIENCE`): a provider serves
  many applications, so a deployment should set both;
- a tenant claim (`PRODPLAN_JWT_TENANT_CLAIM`, default `tenant`) and a role claim
  (`PRODPLAN_JWT_ROLE_CLAIM`, default `role`): a role name or a list of names (e.g. Keycloak's roles),
  of which the highest known one counts. A token without a usable tenant or role is refused.

Opaque tokens of the tokens file keep working beside JWTs (`AnyOf`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from service.auth import Authenticator, Identity, Role, TokenTable

ASYMMETRIC_ALGORITHMS = frozenset({
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES256K", "ES384", "ES512", "EdDSA",
})
"""Algorithms a key of the JWKS file may have. HMAC keys would have to be shared secrets, which a
public key set must never hold."""

TENANT_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
"""The same rule as for tenants in the tokens file: the tenant names stored plans and models."""


@dataclass(frozen=True)
class JwtSettings:
    """What a token must carry to be accepted."""

    issuer: str = ""
    audience: str = ""
    tenant_claim: str = "tenant"
    role_claim: str = "role"
    leeway_s: float = 30.0


class JwtVerifier:
    """Verifies bearer JWTs with the public keys of one JWKS file."""

    def __init__(self, keys: list[jwt.PyJWK], settings: JwtSettings | None = None) -> None:
        if not keys:
            raise ValueError("the JWKS holds no usable key")
        self._settings = settings or JwtSettings()
        self._keys = keys
        self._by_kid = {key.key_id: key for key in keys if key.key_id}

    @classmethod
    def load(cls, path: str | Path, settings: JwtSettings | None = None) -> JwtVerifier:
        """Read a JWKS file (`{"keys": [...]}`); ValueError naming the file and the problem."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise ValueError(f"cannot read the JWKS file {path}: {error}") from error
        except json.JSONDecodeError as error:
            raise ValueError(f"the JWKS file {path} is not JSON: {error}") from error
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError(f"the JWKS file {path} must be an object with a 'keys' list")
        keys = []
        for index, entry in enumerate(document["keys"]):
            where = f"the JWKS file {path}, keys[{index}]"
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: not an object")
            if entry.get("kty") == "oct":
                raise ValueError(f"{where}: symmetric keys (kty 'oct') are refused; a JWKS holds public keys")
            if entry.get("use") not in (None, "sig"):
                continue  # an encryption key: not for verifying signatures
            try:
                key = jwt.PyJWK.from_dict(entry)
            except jwt.PyJWTError as error:
                raise ValueError(f"{where}: {error}") from error
            if key.algorithm_name not in ASYMMETRIC_ALGORITHMS:
                raise ValueError(f"{where}: algorithm {key.algorithm_name} is not allowed; use one of "
                                 f"{', '.join(sorted(ASYMMETRIC_ALGORITHMS))}")
            keys.append(key)
        ids = [key.key_id for key in keys if key.key_id]
        if len(ids) != len(set(ids)):
            raise ValueError(f"the JWKS file {path} lists a key id twice")
        if len(keys) > 1 and len(ids) < len(keys):
            raise ValueError(f"the JWKS file {path} has several keys; each needs a 'kid'")
        return cls(keys, settings)

    def __len__(self) -> int:
        return len(self._keys)

    def identify(self, token: str) -> Identity | None:
        """The identity the token's claims name, or None for a token that does not verify."""
        if token.count(".") != 2:
            return None  # not a JWT (an opaque token of the tokens file)
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return None
        key = self._by_kid.get(kid) if kid else (self._keys[0] if len(self._keys) == 1 else None)
        if key is None:
            return None
        settings = self._settings
        try:
            claims = jwt.decode(
                token, key, algorithms=[key.algorithm_name],
                audience=settings.audience or None, issuer=settings.issuer or None, leeway=settings.leeway_s,
                options={"require": ["exp"], "verify_aud": bool(settings.audience)},
            )
        except jwt.PyJWTError:
            return None
        return _identity(claims, settings)


def _identity(claims: dict[str, Any], settings: JwtSettings) -> Identity | None:
    tenant = claims.get(settings.tenant_claim)
    if not isinstance(tenant, str) or not TENANT_PATTERN.match(tenant):
        return None
    role = _highest_role(claims.get(settings.role_claim))
    if role is None:
        return None
    name = claims.get("preferred_username") or claims.get("sub") or ""
    return Identity(tenant, role, str(name)[:200])


def _highest_role(value: Any) -> Role | None:
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    roles = [Role[name.upper()] for name in names if isinstance(name, str) and name.upper() in Role.__members__]
    return max(roles) if roles else None


class AnyOf:
    """Several authenticators, asked in turn (the tokens file, then the JWKS)."""

    def __init__(self, authenticators: list[Authenticator]) -> None:
        self._authenticators = authenticators

    def __len__(self) -> int:
        return sum(len(a) for a in self._authenticators)

    def identify(self, token: str) -> Identity | None:
        for authenticator in self._authenticators:
            identity = authenticator.identify(token)
            if identity is not None:
                return identity
        return None


def load_authenticator(tokens_file: str, jwks_file: str, settings: JwtSettings | None = None) -> Authenticator | None:
    """The tokens file, the JWKS, both, or None (no authentication) as configured; ValueError for a bad file."""
    found: list[Authenticator] = []
    if tokens_file:
        found.append(TokenTable.load(tokens_file))
    if jwks_file:
        found.append(JwtVerifier.load(jwks_file, settings))
    if not found:
        return None
    return found[0] if len(found) == 1 else AnyOf(found)
