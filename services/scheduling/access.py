"""Who may see a meeting, record its outcome, and which meetings a list returns. Pure: no I/O.

- state admins read every district's meetings and never record outcomes;
- a district coordinator reads and records the meetings of their own district;
- a mentor or mentee reads and records only the meetings they take part in.

A meeting the caller may not see is answered like a meeting that does not exist (404); a teacher
who names another participant in a list query is refused (403), which reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from shared.auth.principal import Principal, Role, forbidden
from shared.storage.mongo import Document

RECORDERS: Final = (Role.DISTRICT_COORDINATOR, Role.MENTOR, Role.MENTEE)
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
