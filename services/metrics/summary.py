"""The figures a summary reports, and how they follow from the read model's counts. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, Field


@dataclass(frozen=True)
class Counts:
    """Raw counts of the read model for one program or one district (statuses → documents)."""

    programs: int
    roles: Mapping[str, int]
    matched_mentees: int
    proposals: Mapping[str, int]
    relationships: Mapping[str, int]
    meetings: Mapping[str, int]
    minutes: int
    surveys: Mapping[str, int]
    mean_rating: float | None
    notifications: Mapping[str, int]


class Participants(BaseModel):
    mentors: int
    mentees: int


class Meetings(BaseModel):
    """Meetings by current status: ``scheduled`` is still to happen."""

    scheduled: int
    completed: int
    missed: int


class Surveys(BaseModel):
    """``issued`` counts every survey sent out, answered or not; ``submitted`` those answered."""

    issued: int
    submitted: int
    mean_rating: float | None = Field(description="Mean rating of the submitted surveys; null when none")


class Notifications(BaseModel):
    sent: int
    failed: int


class Proposals(BaseModel):
    """``proposed`` counts every proposal made, ``approved`` those a coordinator approved."""

    proposed: int
    approved: int


class Figures(BaseModel):
    participants: Participants
    matched_mentees: int = Field(description="Distinct mentees with a relationship, active or ended")
    match_rate: float | None = Field(description="matched_mentees / mentees; null without mentees")
    active_relationships: int
    ended_relationships: int
    meetings: Meetings
    mentoring_minutes: int = Field(description="Minutes of completed meetings")
    surveys: Surveys
    notifications: Notifications
    proposals: Proposals


class _ProgramKey(BaseModel):
    program_id: str
    district: str


class _DistrictKey(BaseModel):
    district: str
    programs: int


# Bases listed Figures first so that the key fields come first in the JSON (pydantic orders by reversed MRO).
class ProgramSummary(Figures, _ProgramKey):
    """Figures of one program."""


class DistrictSummary(Figures, _DistrictKey):
    """Figures summed over every program of one district."""


class ConsumedEvents(BaseModel):
    events_consumed: int = Field(description="Distinct envelopes (by id) consumed")
    by_type: dict[str, int]


def figures(counts: Counts) -> Figures:
    """The reported figures; a status never seen counts as zero."""
    mentees = counts.roles.get("mentee", 0)
    return Figures(
        participants=Participants(mentors=counts.roles.get("mentor", 0), mentees=mentees),
        matched_mentees=counts.matched_mentees,
        match_rate=counts.matched_mentees / mentees if mentees else None,
        active_relationships=counts.relationships.get("active", 0),
        ended_relationships=counts.relationships.get("ended", 0),
        meetings=Meetings(**{s: counts.meetings.get(s, 0) for s in ("scheduled", "completed", "missed")}),
        mentoring_minutes=counts.minutes,
        surveys=Surveys(
            issued=sum(counts.surveys.values()), submitted=counts.surveys.get("submitted", 0), mean_rating=counts.mean_rating
        ),
        notifications=Notifications(sent=counts.notifications.get("sent", 0), failed=counts.notifications.get("failed", 0)),
        proposals=Proposals(proposed=sum(counts.proposals.values()), approved=counts.proposals.get("approved", 0)),
    )


def program_summary(program_id: str, district: str, counts: Counts) -> ProgramSummary:
    return ProgramSummary(program_id=program_id, district=district, **dict(figures(counts)))


def district_summary(district: str, counts: Counts) -> DistrictSummary:
    return DistrictSummary(district=district, programs=counts.programs, **dict(figures(counts)))
