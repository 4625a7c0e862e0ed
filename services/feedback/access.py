"""Who may see a survey, who may answer it, which surveys a list returns, and who reaches a relationship's
goals, reflections and closure. Pure: no I/O.

- state admins read every district's surveys; a district coordinator reads their own district's;
- a mentor or mentee reads only their own surveys, and only they answer them;
- nobody reads an answer: no route returns a stored response (the POST returns its author's own); program
  figures are aggregates, withheld below k answers;
- goals: the relationship's two teachers write and read them, their district's coordinator reads them;
- reflections: teachers of the relationship only; each reads their own and what the partner shared;
- closure: either teacher of the relationship, or their district's coordinator;
- anonymous campaigns: launched by the program's district coordinator; figures read by them and state admins.

A survey the caller may not see is answered like one that does not exist (404); a teacher who names
another respondent in a list query is refused (403), which reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from shared.auth.principal import Principal, Role, forbidden
from shared.storage.mongo import Document

RESPONDENTS: Final = (Role.MENTOR, Role.MENTEE)
GOAL_READERS: Final = (Role.MENTOR, Role.MENTEE, Role.DISTRICT_COORDINATOR)
CLOSERS: Final = GOAL_READERS
FIGURE_READERS: Final = (Role.STATE_ADMIN, Role.DISTRICT_COORDINATOR)
Check = Callable[[Principal, Document], bool]


@dataclass(frozen=True)
class SurveyQuery:
    """The filters sent to the store; ``district`` None means every district (state admins only)."""

    respondent_id: str | None
    relationship_id: str | None
    district: str | None

    @property
    def narrowed(self) -> bool:
        """True when the query names a respondent or a relationship (a bare district-wide list is not offered)."""
        return self.respondent_id is not None or self.relationship_id is not None


def is_respondent(caller: Principal, survey: Document) -> bool:
    """The caller is the teacher of the survey's district it was issued to."""
    return caller.is_teacher and caller.district == survey["district"] and caller.subject == survey["respondent_id"]


def may_read(caller: Principal, survey: Document) -> bool:
    """State admins, the district's coordinator, the respondent."""
    return caller.reads_district(survey["district"]) or is_respondent(caller, survey)


def scoped(caller: Principal, respondent_id: str | None, relationship_id: str | None) -> SurveyQuery:
    """The caller's list query: a teacher's is forced to themselves, a coordinator's to their district.

    Raises 403 when a teacher names another respondent.
    """
    if caller.is_teacher:
        if respondent_id is not None and respondent_id != caller.subject:
            raise forbidden("a mentor or mentee may only list their own surveys")
        return SurveyQuery(caller.subject, relationship_id, caller.district)
    if caller.role is Role.DISTRICT_COORDINATOR:
        return SurveyQuery(respondent_id, relationship_id, caller.district)
    return SurveyQuery(respondent_id, relationship_id, None)


def in_relationship(caller: Principal, relationship: Document) -> bool:
    """The caller is one of the relationship's two teachers (in its district)."""
    partners = (relationship.get("mentor_id"), relationship.get("mentee_id"))
    return caller.is_teacher and caller.district == relationship["district"] and caller.subject in partners


def reads_goals(caller: Principal, relationship: Document) -> bool:
    """The relationship's teachers, or its district's coordinator (read-only)."""
    return in_relationship(caller, relationship) or caller.manages_district(relationship["district"])


def closes(caller: Principal, relationship: Document) -> bool:
    """Either teacher of the relationship, or its district's coordinator."""
    return in_relationship(caller, relationship) or caller.manages_district(relationship["district"])
