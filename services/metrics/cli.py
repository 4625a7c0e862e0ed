"""``python -m services.metrics``: run the service; ``python -m services.metrics rebuild --database NAME``: rebuild and compare.

With no command the service starts (as every service does). ``rebuild`` reads NATS and MongoDB from
the same settings as the service (``NATS_URL``, ``MONGODB_URL``, ``METRICS_*``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import typer

from shared.entrypoint import serve as serve_service
from shared.storage.mongo import make_client

from .rebuild import all_summaries, differences, projection_on, replay
from .settings import MetricsSettings

HEADLINE = (
    "enrolled",
    "matched_mentees",
    "match_rate",
    "median_days_to_match",
    "unmatched_over_30_days",
    "active_relationships",
    "at_risk_relationships",
    "meetings.completed",
    "meeting_completion_rate",
    "mentoring_minutes",
    "satisfaction.responses",
    "satisfaction.mean",
    "surveys.response_rate",
    "completion_rate",
    "retention.rate",
)
MAX_SHOWN = 50

cli = typer.Typer(add_completion=False, help=__doc__)


@cli.callback(invoke_without_command=True)
def main(ctx: typer.Context) -> None:
    """The metrics service (no command: serve)."""
    if ctx.invoked_subcommand is None:
        serve()


@cli.command()
def serve() -> None:
    """Consume every stream into the read model and serve the API (the default)."""
    from .app import create_app  # imported here: `rebuild` does not need the web app

    serve_service("metrics", MetricsSettings(), create_app)  # type: ignore[arg-type]


@cli.command()
def rebuild(
    database: Annotated[str, typer.Option(help="The fresh database to rebuild into (must not exist, unless --replace).")],
    compare_with: Annotated[
        str | None, typer.Option(help="The live read model's database (default: the service's, from the settings).")
    ] = None,
    replace: Annotated[bool, typer.Option(help="Drop DATABASE first if it exists.")] = False,
    as_of: Annotated[datetime | None, typer.Option(help="Compare the figures as of this instant (default: now).")] = None,
    term: Annotated[str | None, typer.Option(help="The term for retention, e.g. 2025-26 (default: the one of as_of).")] = None,
) -> None:
    """Replay every stream from the start into DATABASE, then print the figures next to the live read model's."""
    settings = MetricsSettings()
    live = compare_with or settings.database or "mentoring_metrics"
    if database == live:
        typer.echo(f"error: {database} is the live read model; rebuild into another database", err=True)
        raise typer.Exit(2)
    raise typer.Exit(asyncio.run(_rebuild(settings, database, live, replace, as_of, term)))


async def _rebuild(
    settings: MetricsSettings, database: str, live: str, replace: bool, as_of: datetime | None, term: str | None
) -> int:
    client = make_client(settings.mongodb_url)
    try:
        if await client[database].list_collection_names():
            if not replace:
                typer.echo(f"error: database {database} exists; choose a fresh name or pass --replace", err=True)
                return 2
            await client.drop_database(database)
        replayed = await replay(settings.nats_url, client[database])
        for stream, n in replayed.messages.items():
            typer.echo(f"replayed {stream}: {n} messages")
        if replayed.invalid:
            typer.echo(f"skipped {replayed.invalid} invalid message(s) (dead-lettered by the live service)")
        rebuilt, current = projection_on(client[database], settings.k), projection_on(client[live], settings.k)
        query = rebuilt.query(as_of, term)
        ours, theirs = await all_summaries(rebuilt, query), await all_summaries(current, query)
        return _report(theirs, ours, live, database)
    finally:
        await client.close()


def _report(live: dict[str, Any], rebuilt: dict[str, Any], live_name: str, rebuilt_name: str) -> int:
    typer.echo(f"\nstate figures       {live_name:>24} {rebuilt_name:>24}")
    flat_live, flat_rebuilt = _flat(live["state"]), _flat(rebuilt["state"])
    for figure in HEADLINE:
        typer.echo(f"  {figure:<26} {_shown(flat_live.get(figure)):>24} {_shown(flat_rebuilt.get(figure)):>24}")
    found = [
        (scope, *d)
        for scope in sorted(set(live) | set(rebuilt))
        for d in differences(live.get(scope, {}), rebuilt.get(scope, {}))
    ]
    scopes = len(set(live) | set(rebuilt))
    if not found:
        typer.echo(f"\n{scopes} scopes compared (state, districts, programs): every figure equal")
        return 0
    typer.echo(f"\n{len(found)} figure(s) differ:")
    for scope, figure, a, b in found[:MAX_SHOWN]:
        typer.echo(f"  {scope} {figure}: live {a!r}, rebuilt {b!r}")
    return 1


def _flat(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        out.update(_flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return out


def _shown(value: Any) -> str:
    return "—" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
