"""An OIDC provider in miniature for the JWT tests: signing keys and their public JWKS."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUER = "https://login.example.kr/realms/plant"
AUDIENCE = "prodplan"


class Provider:
    """An OIDC provider in miniature: private keys that sign, and their public JWKS."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())

    def jwks(self) -> dict[str, Any]:
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key()))
        return {"keys": [{**rsa_jwk, "kid": "rsa-1", "alg": "RS256", "use": "sig"},
                         {**ec_jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"}]}

    def token(self, kid: str = "rsa-1", **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "erp", "iat": now, "exp": now + 300,
                   "tenant": "gyeongju", "role": "planner", **claims}
        payload = {k: v for k, v in payload.items() if v is not None}
        key, algorithm = (self.rsa, "RS256") if kid.startswith("rsa") else (self.ec, "ES256")
        return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})
