"""Verify OAuth2/OIDC-style bearer JWTs against a configured public key or JWKS file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from shared.auth.principal import Principal, Role

ALGORITHMS = ["EdDSA", "RS256", "ES256"]
DISTRICT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LEEWAY_SECONDS = 30


class TokenError(ValueError):
    """The token is missing, malformed, expired or not for us; the message says which."""


@dataclass(frozen=True)
class TokenConfig:
    issuer: str
    audience: str
    public_key_file: Path | None = None
    jwks_file: Path | None = None


class TokenVerifier:
    """Checks signature, issuer, audience, expiry and not-before; then the role and district claims."""

    def __init__(self, config: TokenConfig) -> None:
        self.config = config
        if config.jwks_file:
            self._jwks: jwt.PyJWKSet | None = jwt.PyJWKSet.from_dict(json.loads(config.jwks_file.read_text()))
            self._key: Any = None
        elif config.public_key_file:
            self._jwks = None
            self._key = config.public_key_file.read_text()
        else:
            raise ValueError("set AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_FILE: every API needs a key to verify tokens")

    def _signing_key(self, token: str) -> Any:
        if self._jwks is None:
            return self._key
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._jwks.keys:
            if key.key_id == kid:
                return key.key
        raise TokenError(f"no key with kid {kid!r} in the configured JWKS")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=ALGORITHMS,
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise TokenError("token is not valid yet (nbf)") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenError(f"token audience is not {self.config.audience}") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenError(f"token issuer is not {self.config.issuer}") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"token lacks the {exc.claim} claim") from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenError("token signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise TokenError(f"token is malformed: {exc}") from exc
        return principal_from(claims)


def principal_from(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(str(claims.get("role")))
    except ValueError as exc:
        raise TokenError(f"role claim must be one of {', '.join(r.value for r in Role)}") from exc
    district = claims.get("district")
    if role is not Role.STATE_ADMIN and not (isinstance(district, str) and DISTRICT.match(district)):
        raise TokenError(f"a {role.value} token needs a district claim (letters, digits, _ and -)")
    return Principal(subject=str(claims["sub"]), role=role, district=district if role is not Role.STATE_ADMIN else None)
