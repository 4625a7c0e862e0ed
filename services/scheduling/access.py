"""Who may see a meeting, record its outcome, move or cancel it, reach an availability. Pure: no I/O.

- state admins read every district's meetings, calendars, cadences and availability, and never change any;
- a district coordinator reads and changes their own district's (meetings, calendar, program cadences,
  teachers' availability);
- a mentor or mentee reads, records, reschedules and cancels only the meetings they take part in, and
  reads and sets only their own availability and calendar feed.

A meeting the caller may not see is answered like a meeting that does not exist (404); a teacher
who names another participant in a list query is refused (403), which reveals nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from shared.auth.principal import Principal, Role, forbidden, not_found
from shared.contracts.envelope import derived_id
from shared.storage.mongo import Document

RECORDERS: Final = (Role.DISTRICT_COORDINATOR, Role.MENTOR, Role.MENTEE)
TEACHERS: Final = (Role.MENTOR, Role.MENTEE)
OPAQUE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
Check = Callable[[Principal, Document], bool]


@dataclass(frozen=True)
class MeetingQuery:
    """The filters sent to the store; ``district`` None means every district (state admins only)."""

    relationship_id: str | None
    participant_id: str | None
    district: str | None

    @property
    def narrowed(self) -> bool:
        """True when the query names a relationship or a participant (a bare district-wide list is not offered)."""
        return bool(self.relationship_id or self.participant_id)


def takes_part(caller: Principal, meeting: Document) -> bool:
    """The caller is a teacher of the meeting's district and one of its participants."""
    return caller.is_teacher and caller.district == meeting["district"] and caller.subject in meeting["participant_ids"]


def may_read(caller: Principal, meeting: Document) -> bool:
    """State admins, the district's coordinator, the meeting's participants."""
    return caller.reads_district(meeting["district"]) or takes_part(caller, meeting)


def may_record(caller: Principal, meeting: Document) -> bool:
    """The district's coordinator and the meeting's participants (state admins are refused earlier by role)."""
    return caller.manages_district(meeting["district"]) or takes_part(caller, meeting)


def scoped(caller: Principal, relationship_id: str | None, participant_id: str | None) -> MeetingQuery:
    """The caller's list query: a teacher's is forced to themselves, a coordinator's to their district.

    Raises 403 when a teacher names another participant.
    """
    if caller.is_teacher:
        if participant_id is not None and participant_id != caller.subject:
            raise forbidden("a mentor or mentee may only list the meetings they take part in")
        return MeetingQuery(relationship_id, caller.subject, caller.district)
    if caller.role is Role.DISTRICT_COORDINATOR:
        return MeetingQuery(relationship_id, participant_id, caller.district)
    return MeetingQuery(relationship_id, participant_id, None)


def actor_id(caller: Principal) -> str:
    """The caller as an opaque id fit for an event (``rescheduled_by``, ``cancelled_by``).

    A teacher's subject is their participant id already; a subject with other characters (an identity
    provider's ``auth0|...``) is replaced by a stable id derived from it.
    """
    return caller.subject if OPAQUE.match(caller.subject) else derived_id("actor", caller.subject)


def availability_district(caller: Principal, participant_id: str, known_in: str | None, *, write: bool) -> str:
    """The district whose teacher's availability the caller may read or (``write``) set, else 403/404.

    The teacher themself, their district's coordinator, and (reads only) state admins. A teacher naming
    someone else gets 403 (nothing is looked up); a coordinator naming a teacher known in another district
    gets the 404 of an unknown teacher.
    """
    if caller.is_teacher:
        if participant_id != caller.subject:
            raise forbidden("a mentor or mentee may only reach their own availability")
        return str(caller.district)
    if caller.role is Role.STATE_ADMIN:
        if write:
            raise forbidden("state admins read availability but never change it")
        if known_in is None:
            raise not_found(f"availability of {participant_id}")
        return known_in
    if known_in is not None and known_in != caller.district:
        raise not_found(f"availability of {participant_id}")
    return str(caller.district)
