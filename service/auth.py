"""Who may call what: bearer tokens mapped to a tenant and a role, checked on every call.

A client sends `authorization: Bearer <token>` in the call's metadata. The tokens file holds only the
SHA-256 hashes of the tokens, each with the tenant (the plant, or the organisation running a plant's
service) and the role it stands for:

    {"tokens": [{"sha256": "9f86d081...", "tenant": "gyeongju", "role": "planner", "name": "erp"}]}

`python -m service.auth new-token --tenant gyeongju --role planner --name erp` makes a token: it prints
the token (hand it to the client; it is not kept anywhere) and the entry for the file.

Roles, each including the one before: `viewer` reads plans and forecasts; `planner` also creates plans,
scenarios and re-plans; `admin` also trains and activates models. Health checks and reflection stay
open. Without a tokens file nobody is authenticated (local development): every call runs as the
`admin` of tenant `default`.
"""

from __future__ import annotations

import argparse
import contextvars
import hashlib
import json
import secrets
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, Protocol

import grpc
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from service.handlers import Behaviour, rewrapped


class Role(IntEnum):
    """What a caller may do; a higher role may do everything a lower one may."""

    VIEWER = 1
    PLANNER = 2
    ADMIN = 3


@dataclass(frozen=True)
class Identity:
    """The authenticated caller of one call."""

    tenant: str
    role: Role
    name: str = ""


DEFAULT_TENANT = "default"
ANONYMOUS = Identity(DEFAULT_TENANT, Role.ADMIN, "anonymous")
"""The identity of every call when the server runs without a tokens file."""

OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
"""Methods anybody may call: health checks (load balancers, Kubernetes probes) and reflection."""

_PLANNING = "/prodplan.v1.PlanningService/"
_FORECAST = "/prodplan.v1.ForecastService/"
_MODELS = "/prodplan.v1.ModelService/"
METHOD_ROLES: dict[str, Role] = {
    f"{_PLANNING}GetPlan": Role.VIEWER,
    f"{_PLANNING}ListPlans": Role.VIEWER,
    f"{_PLANNING}CreatePlan": Role.PLANNER,
    f"{_PLANNING}StreamPlan": Role.PLANNER,
    f"{_PLANNING}CompareScenarios": Role.PLANNER,
    f"{_PLANNING}Replan": Role.PLANNER,
    f"{_PLANNING}DeletePlan": Role.PLANNER,
    f"{_FORECAST}ForecastDemand": Role.VIEWER,
    f"{_FORECAST}PredictYield": Role.VIEWER,
    f"{_FORECAST}AssessEquipmentRisk": Role.VIEWER,
    f"{_MODELS}ListModels": Role.VIEWER,
    f"{_MODELS}TrainModel": Role.ADMIN,
    f"{_MODELS}ActivateModel": Role.ADMIN,
    f"{_MODELS}RollbackModel": Role.ADMIN,
}
"""The least role each method needs; a method not listed here (a new one) needs `admin` until listed."""

identity_var: contextvars.ContextVar[Identity | None] = contextvars.ContextVar("identity", default=None)
"""The caller of the call being served (None outside calls and for open methods)."""


class Authenticator(Protocol):
    """Maps a bearer token to an Identity (None: not a token it knows): the tokens file (TokenTable), the
    JWTs of an OIDC provider (service/jwt_auth.py), or both."""

    def identify(self, token: str) -> Identity | None: ...

    def __len__(self) -> int: ...


class AuthenticationError(Exception):
    """No valid token (UNAUTHENTICATED)."""


class PermissionDeniedError(Exception):
    """A valid token whose role may not call the method (PERMISSION_DENIED)."""


class TokenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(description="Hex SHA-256 of the token (64 characters); never the token itself.")
    tenant: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._-]+$",
                        description="The tenant whose plans and models the token reaches.")
    role: str = Field(description="viewer, planner or admin.")
    name: str = Field(default="", max_length=200, description="Who holds the token, for the audit log.")

    @field_validator("sha256")
    @classmethod
    def _is_a_hash(cls, value: str) -> str:
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value.lower()):
            raise ValueError("must be the 64 hex digits of the token's SHA-256 (the file never holds tokens)")
        return value.lower()

    @field_validator("role")
    @classmethod
    def _is_a_role(cls, value: str) -> str:
        if value.upper() not in Role.__members__:
            raise ValueError(f"must be one of {', '.join(r.name.lower() for r in Role)}")
        return value.lower()


class TokensFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tokens: list[TokenEntry]


class TokenTable:
    """The tokens file, loaded once: token hash -> Identity."""

    def __init__(self, entries: list[TokenEntry]) -> None:
        self._by_hash: dict[str, Identity] = {}
        for entry in entries:
            if entry.sha256 in self._by_hash:
                raise ValueError(f"the token hash {entry.sha256[:12]}... is listed twice")
            self._by_hash[entry.sha256] = Identity(entry.tenant, Role[entry.role.upper()], entry.name)

    @classmethod
    def load(cls, path: str | Path) -> TokenTable:
        """Read and validate a tokens file; ValueError naming the file and every problem."""
        try:
            parsed = TokensFile.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
        except OSError as error:
            raise ValueError(f"cannot read the tokens file {path}: {error}") from error
        except json.JSONDecodeError as error:
            raise ValueError(f"the tokens file {path} is not JSON: {error}") from error
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
            raise ValueError(f"the tokens file {path} is invalid: {problems}") from error
        return cls(parsed.tokens)

    def __len__(self) -> int:
        return len(self._by_hash)

    def identify(self, token: str) -> Identity | None:
        return self._by_hash.get(token_hash(token))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(metadata: Any) -> str | None:
    """The token of an `authorization: Bearer <token>` entry of the call's metadata, if any."""
    for key, value in metadata or ():
        if key == "authorization":
            scheme, _, token = str(value).partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def is_open(method: str) -> bool:
    return method.startswith(OPEN_METHOD_PREFIXES)


def authorize(tokens: Authenticator | None, method: str, metadata: Any) -> Identity:
    """The caller's identity, or AuthenticationError / PermissionDeniedError."""
    identity = authenticate(tokens, metadata)
    check_role(identity, method)
    return identity


def authenticate(tokens: Authenticator | None, metadata: Any) -> Identity:
    """Who sent the call (ANONYMOUS without a tokens table), or AuthenticationError."""
    if tokens is None:
        return ANONYMOUS
    token = bearer_token(metadata)
    if token is None:
        raise AuthenticationError("this call needs a bearer token: metadata 'authorization: Bearer <token>'")
    identity = tokens.identify(token)
    if identity is None:
        raise AuthenticationError("the bearer token is not valid here")
    return identity


def check_role(identity: Identity, method: str) -> None:
    """PermissionDeniedError unless the identity's role may call `method`."""
    needed = METHOD_ROLES.get(method, Role.ADMIN)
    if identity.role < needed:
        raise PermissionDeniedError(
            f"role {identity.role.name.lower()} may not call {method.rsplit('/', 1)[-1]}; it needs "
            f"{needed.name.lower()}")


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """Checks the bearer token and the role of every call but health and reflection, and makes the
    caller's Identity available to the servicers (`identity_var`). Refusals are raised as exceptions
    for the error interceptor around it to answer (and to write in the audit log). Without a tokens
    table it leaves every handler as it is: the servicers then read no identity, which means ANONYMOUS."""

    def __init__(self, tokens: Authenticator | None) -> None:
        self._tokens = tokens

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or is_open(method) or self._tokens is None:
            return handler  # without tokens every call is ANONYMOUS: nothing to do per call
        tokens, metadata = self._tokens, handler_call_details.invocation_metadata

        def check() -> None:
            identity = authenticate(tokens, metadata)
            identity_var.set(identity)  # set before the role check: the audit line names who was refused
            check_role(identity, method)

        def unary(inner: Behaviour) -> Behaviour:
            async def checked(request: Any, context: grpc.aio.ServicerContext) -> Any:
                check()
                return await inner(request, context)
            return checked

        def stream(inner: Behaviour) -> Behaviour:
            async def checked(request: Any, context: grpc.aio.ServicerContext) -> Any:
                check()
                async for item in inner(request, context):
                    yield item
            return checked

        return rewrapped(handler, unary, stream)


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.auth", description="Make a bearer token.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("new-token", help="print a new token and its entry for the tokens file")
    make.add_argument("--tenant", required=True)
    make.add_argument("--role", required=True, choices=[r.name.lower() for r in Role])
    make.add_argument("--name", default="", help="who holds it (shown in the audit log)")
    args = parser.parse_args(argv)
    token = new_token()
    entry = TokenEntry(sha256=token_hash(token), tenant=args.tenant, role=args.role, name=args.name)
    print(f"token (give it to the client; it is not stored anywhere): {token}")
    print(f"entry for the tokens file: {entry.model_dump_json()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
