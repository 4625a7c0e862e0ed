"""Token verification: every way a token can be wrong gets its own clear reason."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from devstack.keys import DEV_AUDIENCE, DEV_ISSUER, ensure_dev_keys, mint
from shared.auth.principal import Principal, Role
from shared.auth.tokens import TokenConfig, TokenError, TokenVerifier


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return ensure_dev_keys(tmp_path_factory.mktemp("k"))


@pytest.fixture(scope="module")
def verifier(keys):
    return TokenVerifier(TokenConfig(DEV_ISSUER, DEV_AUDIENCE, public_key_file=keys[1]))


def signed(keys, **overrides):
    now = int(time.time())
    claims = {
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "sub": "u1",
        "role": "district_coordinator",
        "district": "D1",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        **overrides,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, keys[0].read_text(), algorithm="EdDSA")


def test_a_valid_token_gives_the_principal(keys, verifier):
    token = mint(keys[0], subject="p-1", role=Role.MENTEE, district="D1")
    assert verifier.verify(token) == Principal("p-1", Role.MENTEE, "D1")
    admin = mint(keys[0], subject="a", role=Role.STATE_ADMIN, district=None)
    assert verifier.verify(admin) == Principal("a", Role.STATE_ADMIN, None)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"nbf": int(time.time()) + 600}, "not valid yet"),
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"sub": None}, "sub claim"),
        ({"exp": None}, "exp claim"),
        ({"role": "superuser"}, "role claim"),
        ({"district": None}, "district claim"),
        ({"district": "D 1"}, "district claim"),
    ],
)
def test_wrong_tokens_are_refused_with_the_reason(keys, verifier, overrides, reason):
    with pytest.raises(TokenError, match=reason):
        verifier.verify(signed(keys, **overrides))


def test_a_token_signed_by_another_key_or_garbage_is_refused(verifier):
    other = Ed25519PrivateKey.generate()
    forged = jwt.encode(
        {"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": "x", "role": "state_admin", "exp": int(time.time()) + 60},
        other,
        algorithm="EdDSA",
    )
    with pytest.raises(TokenError, match="signature"):
        verifier.verify(forged)
    with pytest.raises(TokenError, match="malformed"):
        verifier.verify("not-a-jwt")


def test_unsigned_tokens_are_refused(verifier):
    unsigned = jwt.encode(
        {"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": "x", "role": "state_admin", "exp": int(time.time()) + 60},
        None,
        algorithm="none",
    )
    with pytest.raises(TokenError):
        verifier.verify(unsigned)


def test_jwks_file_with_key_ids(tmp_path, keys):
    public = serialization.load_pem_public_key(keys[1].read_bytes())
    jwk = json.loads(OKPAlgorithm.to_jwk(public))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "EdDSA", "use": "sig"}]}))
    verifier = TokenVerifier(TokenConfig(DEV_ISSUER, DEV_AUDIENCE, jwks_file=tmp_path / "jwks.json"))
    now = int(time.time())
    claims = {"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": "s", "role": "state_admin", "exp": now + 60}
    good = jwt.encode(claims, keys[0].read_text(), algorithm="EdDSA", headers={"kid": "k1"})
    assert verifier.verify(good).role is Role.STATE_ADMIN
    unknown = jwt.encode(claims, keys[0].read_text(), algorithm="EdDSA", headers={"kid": "k9"})
    with pytest.raises(TokenError, match="kid"):
        verifier.verify(unknown)


def test_no_key_configured_refuses_to_start():
    with pytest.raises(ValueError, match="AUTH_PUBLIC_KEY_FILE"):
        TokenVerifier(TokenConfig(DEV_ISSUER, DEV_AUDIENCE))
