"""The whole stack on free loopback ports for one end-to-end test: real servers, five service processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.servers import free_port
from devstack.stack import SERVICES, Stack


@pytest.fixture
def stack(tmp_path: Any, mongo_url: str) -> Iterator[Stack]:
    stack = Stack(
        tmp_path,
        nats_port=free_port(),
        smtp_port=free_port(),
        mongo_url=mongo_url,
        service_ports={name: free_port() for name in SERVICES},
        database_prefix=f"e2e{tmp_path.name[-6:]}_",
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
