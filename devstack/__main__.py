"""``python -m devstack``: the local stack (``run``), the demo loader and the AsyncAPI documents (``docs``)."""

from __future__ import annotations

import importlib
import json
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from devstack import demo
from devstack.keys import ensure_dev_keys, mint
from devstack.stack import SERVICES, Stack
from shared.auth.principal import Role
from shared.roster import participant_id

cli = typer.Typer(add_completion=False, help="Local stack of the mentoring platform.")
console = Console()


@cli.command()
def run(
    data: Annotated[Path, typer.Option(help="Where NATS, the store, logs and saved mail live.")] = Path(".data"),
    nats_port: Annotated[int, typer.Option(min=1, max=65535)] = 4222,
    smtp_port: Annotated[int, typer.Option(min=1, max=65535)] = 1025,
    load_demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Load the demo district.")] = True,
) -> None:
    """Start NATS, the store, the SMTP sink and the five services; load the demo; Ctrl-C stops all."""
    stack = Stack(data.resolve(), nats_port=nats_port, smtp_port=smtp_port)
    _stop_on_signals()
    try:
        with console.status("starting nats-server, the store, the SMTP sink and five services..."):
            stack.start()
        if stack.rebuilt_metrics:
            console.print("[yellow]the metrics read model was built by an older version: rebuilt it from the streams[/yellow]")
        console.print("[green]all five services are healthy[/green]")
        if load_demo:
            assert stack.signing_key is not None
            result = demo.load({n: p.url for n, p in stack.services.items()}, stack.signing_key, say=console.print)
            console.print_json(json.dumps(result["summary"]))
        _where_to_look(stack)
        stack.wait_forever(lambda name: console.print(f"[yellow]{name} had stopped; restarted it[/yellow]"))
    except KeyboardInterrupt:
        console.print("stopping...")
    finally:
        stack.stop()


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop the stack cleanly (a background job starts with SIGINT ignored)."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, interrupt)


def _where_to_look(stack: Stack) -> None:
    table = Table(title="Where to look")
    table.add_column("what")
    table.add_column("where")
    for name, proc in stack.services.items():
        table.add_row(f"{name} API docs / metrics", f"{proc.url}/docs   {proc.url}/metrics")
    table.add_row("mail delivered", str(stack.data / "mail"))
    table.add_row("logs", str(stack.logs))
    table.add_row("NATS", stack.env["NATS_URL"])
    table.add_row("store", stack.env["MONGODB_URL"])
    console.print(table)
    console.print("Tokens for the APIs: `.venv/bin/python -m devstack token --role district_coordinator --district DEMO1`")
    console.print("Press Ctrl-C to stop everything; `make run` again reuses the data.")


@cli.command()
def token(
    role: Annotated[Role, typer.Option(help="state_admin, district_coordinator, mentor or mentee")],
    district: Annotated[str | None, typer.Option(help="The district (every role but state_admin needs one)")] = None,
    teacher: Annotated[str | None, typer.Option(help="A mentor's or mentee's external id from the roster")] = None,
    subject: Annotated[str | None, typer.Option(help="The token subject, if not derived from --teacher")] = None,
    ttl: Annotated[int, typer.Option(min=60, max=7 * 24 * 3600, help="Seconds until it expires")] = 3600,
    data: Annotated[Path, typer.Option(help="Where `make run` keeps the development signing key")] = Path(".data"),
) -> None:
    """Print a development bearer token signed with the local key (never used in production)."""
    if role is not Role.STATE_ADMIN and not district:
        raise typer.BadParameter(f"a {role.value} token needs --district", param_hint="--district")
    if role in (Role.MENTOR, Role.MENTEE) and not (teacher or subject):
        raise typer.BadParameter("a teacher token needs --teacher EXTERNAL_ID (or --subject)", param_hint="--teacher")
    if teacher and district:
        subject = participant_id(district, teacher)
    private_key, _ = ensure_dev_keys(data.resolve() / "keys")
    typer.echo(
        mint(private_key, subject=subject or f"{role.value}-{district or 'state'}", role=role, district=district, ttl_seconds=ttl)
    )


@cli.command()
def docs(
    out: Annotated[Path, typer.Option(help="Folder for one AsyncAPI document per service.")] = Path("docs/asyncapi"),
) -> None:
    """Write each service's AsyncAPI document (generated from its code) and the event catalogue."""
    from shared.contracts.catalogue import markdown_table

    out.mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        app = importlib.import_module(f"services.{name}.app").create_app()
        spec = app.state.runtime.asyncapi().to_specification()
        (out / f"{name}.json").write_text(spec.to_json())
        console.print(f"wrote {out / f'{name}.json'}")
    (out.parent / "events.md").write_text("# Event catalogue\n\n" + markdown_table() + "\n")
    console.print(f"wrote {out.parent / 'events.md'}")


if __name__ == "__main__":
    cli()
