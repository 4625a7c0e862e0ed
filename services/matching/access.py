"""Who reaches which matching record: the platform's access rules as FastAPI dependencies.

Order of the checks, the same on every route: a role that may never use the route gets 403 before
anything is looked up; a record that is missing, in another district, or (for a teacher) one they
take no part in gets the same 404 as an unknown id. Writes are for the district's coordinator only.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Depends, Request

from shared.audit import Audit as Audit  # re-exported for the other route modules
from shared.auth.http import Caller
from shared.auth.principal import Principal, Role, not_found, require_role
from shared.storage.mongo import Document

from .workflow import Matching

WRITERS: Final = (Role.DISTRICT_COORDINATOR,)
READERS: Final = (Role.STATE_ADMIN, Role.DISTRICT_COORDINATOR)
TEACHERS: Final = (Role.MENTOR, Role.MENTEE)

Responses = dict[int | str, dict[str, Any]]
UNAUTHENTICATED: Final[Responses] = {401: {"description": "Missing or invalid bearer token"}}
FORBIDDEN: Final[Responses] = {403: {"description": "The caller's role may not do this, or it names another district"}}
UNKNOWN: Final[Responses] = {404: {"description": "No such record in the caller's reach"}}
CONFLICT: Final[Responses] = {409: {"description": "The record is not in a state that allows this"}}
UNREADABLE_JSON: Final[Responses] = {400: {"description": "The body is not parseable JSON"}}
GUARDED: Final[Responses] = {**UNAUTHENTICATED, **FORBIDDEN}
GUARDED_RECORD: Final[Responses] = {**GUARDED, **UNKNOWN}


def get_matching(request: Request) -> Matching:
    return request.app.state.matching  # type: ignore[no-any-return]


Service = Annotated[Matching, Depends(get_matching)]


def _reachable(caller: Principal, record: Document | None, what: str) -> Document:
    """``record`` when the caller reads its district; otherwise the 404 of an unknown id."""
    district = None if record is None else record.get("district")
    if record is None or district is None or not caller.reads_district(district):
        raise not_found(what)
    return record


async def program_to_read(program_id: str, caller: Caller, matching: Service) -> Document:
    require_role(caller, *READERS)
    return _reachable(caller, await matching.repo.program(program_id), f"program {program_id}")


async def program_to_write(program_id: str, caller: Caller, matching: Service) -> Document:
    require_role(caller, *WRITERS)
    return _reachable(caller, await matching.repo.program(program_id), f"program {program_id}")


async def run_to_read(run_id: str, caller: Caller, matching: Service) -> Document:
    require_role(caller, *READERS)
    return _reachable(caller, await matching.repo.run(run_id), f"match run {run_id}")


async def proposal_to_write(proposal_id: str, caller: Caller, matching: Service) -> Document:
    require_role(caller, *WRITERS)
    return _reachable(caller, await matching.repo.proposal(proposal_id), f"proposal {proposal_id}")


async def relationship_to_write(relationship_id: str, caller: Caller, matching: Service) -> Document:
    require_role(caller, *WRITERS)
    return _reachable(caller, await matching.repo.relationship(relationship_id), f"relationship {relationship_id}")


async def relationship_to_read(relationship_id: str, caller: Caller, matching: Service) -> Document:
    """Its mentor and mentee, the district's coordinator and state admins; 404 for everyone else."""
    relationship = await matching.repo.relationship(relationship_id)
    if relationship is not None and caller.is_teacher:
        taking_part = caller.subject in (relationship["mentor_id"], relationship["mentee_id"])
        if taking_part and caller.district == relationship["district"]:
            return relationship
        relationship = None
    return _reachable(caller, relationship, f"relationship {relationship_id}")


async def my_program(program_id: str, caller: Caller, matching: Service) -> Document:
    """A program the calling teacher takes part in (their participant record is ``program["me"]``); else 404."""
    require_role(caller, *TEACHERS)
    program = await matching.repo.program(program_id)
    me = None if program is None else await matching.repo.participant(program_id, caller.subject)
    if program is None or me is None or program["district"] != caller.district:
        raise not_found(f"program {program_id}")
    return {**program, "me": me}


def _my_request(side: str) -> Any:
    async def dependency(proposal_id: str, caller: Caller, matching: Service) -> Document:
        require_role(caller, *TEACHERS)
        proposal = await matching.repo.proposal(proposal_id)
        if (
            proposal is None
            or proposal.get("origin") != "request"
            or proposal["district"] != caller.district
            or proposal[side] != caller.subject
        ):
            raise not_found(f"request {proposal_id}")
        return proposal

    return dependency


ProgramToRead = Annotated[Document, Depends(program_to_read)]
ProgramToWrite = Annotated[Document, Depends(program_to_write)]
RunToRead = Annotated[Document, Depends(run_to_read)]
ProposalToWrite = Annotated[Document, Depends(proposal_to_write)]
RelationshipToWrite = Annotated[Document, Depends(relationship_to_write)]
RelationshipToRead = Annotated[Document, Depends(relationship_to_read)]
MyProgram = Annotated[Document, Depends(my_program)]
RequestToMe = Annotated[Document, Depends(_my_request("mentor_id"))]
RequestOfMine = Annotated[Document, Depends(_my_request("mentee_id"))]
