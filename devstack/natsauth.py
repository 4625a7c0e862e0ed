"""NATS users with least-privilege permissions, generated from what each service declares.

Every service connects as a user named after it. Its permissions are read from its own ``create_app``
(the event kinds it publishes, checked against the catalogue, and its durable subscriptions), so the
server config cannot drift from the code:

- publish its own event kinds (any district) and its dead letters ``mentoring.deadletter.<service>.>``;
- JetStream API: create/update/info on every mentoring stream (``declare_streams`` declares them all on
  start), create/info/next-message on its own durables, ``$JS.ACK`` for them, MSG.GET on consumed streams
  (the dead-letter advisory backstop reads the message);
- subscribe to ``_INBOX.<service>.>`` (its own replies and pull deliveries) and its own durables' max-deliveries advisories.

The ``external`` user (or ``external_<D>``, one district) publishes nothing and subscribes only to
relationship events. It gets no JetStream API at all: any API request names its own reply subject, and the
server answers there, so a user allowed to pull could write into any stream of the account.

``python -m devstack.natsauth`` writes ``deploy/nats/permissions.conf`` and the compose ``nats.conf``; a
test fails when they are stale. ``make run`` and the tests render the same permissions into their own
config, with passwords generated per data directory / test session.
"""

from __future__ import annotations

import functools
import importlib
import json
import secrets
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "nats"
EXTERNAL = "external"
OBSERVER = "observer"  # make run and tests: reads every event, publishes nothing
ADMIN = "test"  # test sessions only: full rights, for tests that publish events themselves
INBOX = "_INBOX.>"


@dataclass(frozen=True)
class Grant:
    """One NATS user's permissions: the subjects it may publish to and subscribe to."""

    user: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]

    @property
    def variable(self) -> str:
        return "PERMISSIONS_" + self.user.upper().replace("-", "_")


@functools.cache
def service_grant(name: str) -> Grant:
    """The permissions of service ``name``, read from the runtime its ``create_app`` builds (no I/O)."""
    from shared.contracts.catalogue import EVENTS, JOBS
    from shared.contracts.subjects import deadletter_subject
    from shared.messaging.broker import ALL_STREAMS

    runtime = importlib.import_module(f"services.{name}.app").create_app().state.runtime
    kinds = {model.kind.type: model.kind for model in (*EVENTS, *JOBS)}
    publish = [kinds[event_type].any_district for event_type in sorted(runtime.publishers)]
    # (stream, durable, filter subject) of each pull subscription, as FastStream will create it
    consumers = sorted(
        (s.stream.name, s.config.durable_name, s.subject.broker_address) for s in runtime.subscriptions.router.subscribers
    )
    if consumers:
        publish.append(deadletter_subject(name, ">"))
    publish += [f"$JS.API.STREAM.{op}.{s.name}" for s in ALL_STREAMS for op in ("CREATE", "UPDATE", "INFO")]
    subscribe = [f"_INBOX.{name}.>"]
    for stream, durable, filter_subject in consumers:
        publish += [
            # the server refuses a create whose configured filter differs from the one in the subject
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.{filter_subject}",
            f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>",
        ]
        subscribe.append(f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{durable}")
    publish += [f"$JS.API.STREAM.MSG.GET.{stream}" for stream in sorted({c[0] for c in consumers})]
    return Grant(name, tuple(publish), tuple(subscribe))


def external_user(district: str | None = None) -> str:
    return f"{EXTERNAL}_{district}" if district else EXTERNAL


def external_grant(district: str | None = None) -> Grant:
    """Relationship events only (of one district when given); nothing else, not even a reply inbox."""
    from shared.contracts.subjects import Domain

    subject = f"mentoring.{Domain.MATCHING.value}.{district or '*'}.relationship.>"
    return Grant(external_user(district), (), (subject,))


def observer_grant() -> Grant:
    """Local stacks and tests: read every event and stream, change nothing."""
    reads = ("STREAM.INFO.*", "STREAM.NAMES", "STREAM.LIST", "STREAM.MSG.GET.*", "CONSUMER.INFO.*.*", "CONSUMER.LIST.*")
    return Grant(OBSERVER, ("$JS.API.INFO", *(f"$JS.API.{r}" for r in reads)), ("mentoring.>", INBOX))


def deploy_grants() -> list[Grant]:
    """The users every deployment has: one per service and ``external``."""
    from devstack.stack import SERVICES  # imported here: the stack imports this module

    return [*(service_grant(name) for name in SERVICES), external_grant()]


# ---- rendering (NATS config syntax) -------------------------------------------------------------

GENERATED = "# Generated by `python -m devstack.natsauth` from the services' declarations; do not edit.\n"


def _subjects(label: str, subjects: Sequence[str]) -> str:
    if not subjects:
        return f'  {label}: {{deny: [">"]}}\n'
    inner = "".join(f"      {json.dumps(s)}\n" for s in subjects)
    return f"  {label}: {{\n    allow: [\n{inner}    ]\n  }}\n"


def render_permissions(grants: Iterable[Grant]) -> str:
    """One variable per user (``PERMISSIONS_<USER> = {...}``) for the users' ``permissions:``."""
    blocks = [f"{g.variable} = {{\n{_subjects('publish', g.publish)}{_subjects('subscribe', g.subscribe)}}}\n" for g in grants]
    return GENERATED + "\n".join(blocks)


def password_variable(user: str) -> str:
    return f"NATS_{user.upper().replace('-', '_')}_PASSWORD"


def _users(entries: Iterable[str]) -> str:
    return "authorization {\n  users: [\n" + "".join(f"    {e}\n" for e in entries) + "  ]\n}\n"


def render_compose_config(grants: Iterable[Grant]) -> str:
    """docker-compose's server config: passwords come from the nats container's environment."""
    users = [
        f"{{user: {json.dumps(g.user)}, password: ${password_variable(g.user)}, permissions: ${g.variable}}}" for g in grants
    ]
    return (
        GENERATED
        + "# Server settings (ports, JetStream durability) are in server.conf; passwords come from the environment:\n"
        + "# a password variable that is not set stops the server, so nobody connects without one.\n"
        + 'include "server.conf"\ninclude "permissions.conf"\n\n'
        + _users(users)
    )


# ---- make run and test sessions --------------------------------------------------------------------


@dataclass(frozen=True)
class NatsAuth:
    """A server config file and the password of each of its users."""

    config: Path
    passwords: dict[str, str]


def prepare(folder: Path, *, admin: bool = False, external_districts: Sequence[str] = ()) -> NatsAuth:
    """Write the server config under ``folder``; passwords are created once per folder and reused."""
    grants = [*deploy_grants(), *(external_grant(d) for d in external_districts), observer_grant()]
    users = [g.user for g in grants] + ([ADMIN] if admin else [])
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "passwords.json"
    passwords: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
    passwords = {user: passwords.get(user) or secrets.token_urlsafe(24) for user in users}
    _write_private(store, json.dumps(passwords, indent=2))
    (folder / "permissions.conf").write_text(render_permissions(grants))
    entries = [
        f"{{user: {json.dumps(g.user)}, password: {json.dumps(passwords[g.user])}, permissions: ${g.variable}}}" for g in grants
    ]
    if admin:
        entries.append(f"{{user: {json.dumps(ADMIN)}, password: {json.dumps(passwords[ADMIN])}}}  # every right")
    config = folder / "nats.conf"
    _write_private(
        config, '# Local server config (passwords inside): never commit.\ninclude "permissions.conf"\n' + _users(entries)
    )
    return NatsAuth(config, passwords)


def _write_private(path: Path, text: str) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)


def deploy_files() -> dict[Path, str]:
    """The committed files under ``deploy/nats`` and the text they must have."""
    grants = deploy_grants()
    return {DEPLOY / "permissions.conf": render_permissions(grants), DEPLOY / "nats.conf": render_compose_config(grants)}


def main(argv: Sequence[str]) -> int:
    """Rewrite the deploy files; with ``--check``, only report (exit 1) when one is stale."""
    stale = [path for path, text in deploy_files().items() if not path.exists() or path.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run `python -m devstack.natsauth`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in deploy_files().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
