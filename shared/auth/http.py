"""FastAPI side: every API route depends on ``authenticate``; handlers read the caller as ``Caller``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.principal import Principal
from shared.auth.tokens import TokenError, TokenVerifier

bearer = HTTPBearer(auto_error=False, description="A JWT from the identity provider (local: python -m devstack token)")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def authenticator(verifier: Callable[[], TokenVerifier]) -> Callable[..., Awaitable[Principal]]:
    """The router-level dependency: 401 with a reason unless a valid bearer token is sent."""

    async def authenticate(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Principal:
        if credentials is None:
            raise HTTPException(401, "missing bearer token: send 'Authorization: Bearer <token>'", headers=CHALLENGE)
        try:
            principal = verifier().verify(credentials.credentials)
        except TokenError as exc:
            raise HTTPException(401, f"invalid token: {exc}", headers=CHALLENGE) from exc
        request.state.principal = principal
        return principal

    return authenticate


def current_principal(request: Request) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:  # a route mounted without the router-level dependency: never serve it open
        raise HTTPException(401, "missing bearer token", headers=CHALLENGE)
    return principal


Caller = Annotated[Principal, Depends(current_principal)]
