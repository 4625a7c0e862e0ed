"""Signing keys and bearer tokens for tests (the services verify them for real)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from devstack.keys import ensure_dev_keys, mint
from shared.auth.principal import Role

Headers = dict[str, str]


@pytest.fixture(scope="session")
def dev_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return ensure_dev_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def auth(dev_keys: tuple[Path, Path]) -> Callable[..., Headers]:
    """``auth(role, district=None, subject=None)`` -> request headers with a valid bearer token."""

    def headers(role: Role | str, district: str | None = None, subject: str | None = None) -> Headers:
        role = Role(role)
        token = mint(dev_keys[0], subject=subject or f"{role.value}-{district or 'state'}", role=role, district=district)
        return {"Authorization": f"Bearer {token}"}

    return headers
