"""Development signing keys and tokens. Production plugs in its identity provider's public key or JWKS."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth.principal import Role

DEV_ISSUER = "mentoring-dev"
DEV_AUDIENCE = "mentoring-platform"


def ensure_dev_keys(folder: Path) -> tuple[Path, Path]:
    """An Ed25519 key pair under ``folder`` (created once, reused); returns (private, public) PEM paths."""
    private, public = folder / "dev-signing-key.pem", folder / "dev-signing-key.pub.pem"
    if not private.exists():
        folder.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        private.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        private.chmod(0o600)
        public.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return private, public


def mint(
    private_key: Path,
    *,
    subject: str,
    role: Role,
    district: str | None,
    ttl_seconds: int = 3600,
    issuer: str = DEV_ISSUER,
    audience: str = DEV_AUDIENCE,
) -> str:
    """A signed bearer token with the platform's claims (sub, role, district)."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "role": role.value,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    if district:
        claims["district"] = district
    return jwt.encode(claims, private_key.read_text(), algorithm="EdDSA")
