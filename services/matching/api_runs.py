"""Match runs over HTTP: a coordinator queues a run; any replica solves it; the run reports its outcome."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from shared.auth.http import Caller

from .access import GUARDED_RECORD, UNAUTHENTICATED, UNREADABLE_JSON, Audit, ProgramToRead, ProgramToWrite, RunToRead, Service
from .api import _public
from .problem import Scope

FINISHED = ("done", "failed")
POLL_SECONDS = 0.1
router = APIRouter(responses=UNAUTHENTICATED, tags=["matching"])


class RunRequest(BaseModel):
    scope: Scope = Scope.ALL


@router.post(
    "/programs/{program_id}/match-runs",
    status_code=202,
    summary="Queue a match run: `all` re-proposes every open participant (earlier drafts are superseded), "
    "`remaining` matches only mentees without an open proposal into the capacity left. With `wait`, answers once "
    "the run is finished (or the wait is over) with its proposals",
    responses={**GUARDED_RECORD, **UNREADABLE_JSON},
)
async def request_run(
    program: ProgramToWrite,
    caller: Caller,
    matching: Service,
    audit: Audit,
    body: Annotated[RunRequest | None, Body()] = None,
    wait: Annotated[float, Query(ge=0, le=60, description="seconds to wait for the run to finish")] = 0,
) -> dict[str, Any]:
    scope = (body or RunRequest()).scope
    run = await matching.runs.request(program, scope)
    detail = {"run_id": run["_id"], "scope": scope.value}
    await audit.record(caller, "match.run_requested", program["_id"], program["district"], detail)
    deadline = time.monotonic() + wait
    while run["status"] not in FINISHED and time.monotonic() < deadline:
        await asyncio.sleep(POLL_SECONDS)
        run = await matching.repo.run(run["_id"]) or run
    return await _with_proposals(run, matching)


@router.get("/programs/{program_id}/match-runs", summary="The program's runs, newest last", responses=GUARDED_RECORD)
async def list_runs(program: ProgramToRead, matching: Service) -> list[dict[str, Any]]:
    return [_public(r) for r in await matching.repo.runs_of(program["_id"])]


@router.get(
    "/match-runs/{run_id}",
    summary="One run: status (queued, running, done, failed), objective, whether proven optimal, pairs considered, "
    "unmatched mentees with reasons, and its proposals once done",
    responses=GUARDED_RECORD,
)
async def get_run(run: RunToRead, matching: Service) -> dict[str, Any]:
    return await _with_proposals(run, matching)


async def _with_proposals(run: dict[str, Any], matching: Service) -> dict[str, Any]:
    proposals = await matching.repo.proposals_of_run(run["_id"]) if run["status"] == "done" else []
    return {**_public(run), "proposals": [_public(p) for p in proposals if p["status"] != "pending"]}
