"""Fixtures that start the real servers on free loopback ports, once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devstack.mailsink import MailSink
from devstack.natsauth import ADMIN, NatsAuth, prepare
from devstack.servers import Process, start_nats, start_nx


@pytest.fixture(scope="session")
def nats_auth(tmp_path_factory: pytest.TempPathFactory) -> NatsAuth:
    """The server config with one user per service, ``external``, ``external_D1``, ``observer`` and the
    all-rights ``test`` user (this session only); passwords are generated for the session."""
    return prepare(tmp_path_factory.mktemp("nats-auth"), admin=True, external_districts=("D1",))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "nats_violations_expected: the test provokes NATS permission violations on purpose")


@contextmanager
def _permissioned_nats(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_auth: NatsAuth
) -> Iterator[Process]:
    root = tmp_path_factory.mktemp("nats")
    proc = start_nats(
        root / "data", root / "nats.log", config=nats_auth.config, passwords=nats_auth.passwords, default_user=ADMIN
    )
    yield proc
    proc.stop()
    violations = [line for line in proc.log.read_text(errors="replace").splitlines() if " Violation - " in line]
    if violations and not request.node.get_closest_marker("nats_violations_expected"):
        pytest.fail("NATS permission violations (see devstack.natsauth):\n" + "\n".join(violations[:20]))


@pytest.fixture
def nats_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_auth: NatsAuth
) -> Iterator[Process]:
    """A fresh nats-server per test (starts in milliseconds), so streams never carry another test's messages.

    Permissions are on: ``url`` connects as the all-rights ``test`` user (for tests that publish events
    themselves), ``urls[user]`` as any other user. A permission violation the server logged fails the test
    (a denied advisory subscription, say, would otherwise only be a warning in the service's log), unless
    the test is marked ``nats_violations_expected``.
    """
    with _permissioned_nats(request, tmp_path_factory, nats_auth) as proc:
        yield proc


@pytest.fixture(scope="module")
def module_nats_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, nats_auth: NatsAuth
) -> Iterator[Process]:
    """Like ``nats_server``, shared by one module (e.g. a service started once for a whole access matrix)."""
    with _permissioned_nats(request, tmp_path_factory, nats_auth) as proc:
        yield proc


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
