"""Fixtures that start the real servers on free loopback ports, once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.mailsink import MailSink
from devstack.servers import Process, start_nats, start_nx


@pytest.fixture
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """A fresh nats-server per test (starts in milliseconds), so streams never carry another test's messages."""
    root = tmp_path_factory.mktemp("nats")
    proc = start_nats(root / "data", root / "nats.log")
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``MONGODB_URL`` when set (a real MongoDB), else nx-27017 with its own data directory."""
    import os

    if url := os.environ.get("MONGODB_URL"):
        yield url
        return
    root = tmp_path_factory.mktemp("nx")
    proc = start_nx(root / "data", root / "nx.log")
    yield proc.url
    proc.stop()


@pytest.fixture(scope="session")
def mail_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSink]:
    sink = MailSink(Path(tmp_path_factory.mktemp("mail"))).start()
    yield sink
    sink.stop()
