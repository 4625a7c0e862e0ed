"""The figures a summary reports, and how they follow from a cell. Pure: no I/O.

Definitions (the property test's oracle computes the same from raw events):

- enrolled: participants enrolled (a participant enrolled twice counts once); mentees and peers are matched;
- matched_mentees: enrolled mentees (and peers) with a relationship, active or ended; match_rate = matched / (mentees + peers);
- median_days_to_match: median over matched mentees of the whole hours from enrolment to their first
  relationship's start, in days; unmatched_over_30_days: unmatched mentees flagged by the induction timer,
  or enrolled on a day at least 30 days before ``as_of``'s day (UTC);
- meeting_completion_rate = completed / (completed + missed), no_show_rate = missed / (completed + missed);
  cancelled meetings count in neither;
- mentor_hours_per_week: completed meeting hours over the weeks from the first to the last week (inclusive)
  with a completed meeting;
- satisfaction: every answer's 1-5 rating (named surveys and released anonymous batches); NPS from the 0-10
  answers: % of 9-10 minus % of 0-6; survey response rate: named surveys answered / issued;
- completion_rate: relationships ended ``completed`` / ended; early_closure_rate: ended for each early reason / ended;
- retention: participants whose latest status for the term after ``term`` is ``teaching`` / those with a status for it;
- at_risk_relationships: active relationships that got an at-risk warning.

Survey-derived figures (satisfaction, NPS, response rate, a week's mean rating) are null with
``suppressed: true`` when fewer than ``k`` answers back them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from pydantic import BaseModel, Field

from shared.contracts.matching import EndReason

from .cells import Cell
from .derived import RATINGS

EARLY_REASONS: Final = tuple(r.value for r in EndReason if r is not EndReason.COMPLETED)
UNMATCHED_DAYS: Final = 30
SCHOOL_YEAR_STARTS: Final = 8  # August: a term "2025-26" runs from August 2025


class Query(BaseModel):
    """What a summary is computed for: the instant, the term (retention looks at the next one) and k."""

    as_of: datetime
    term: str
    k: int


def term_of(day: date) -> str:
    """The school year containing ``day``: ``2025-26`` from August 2025 to July 2026."""
    start = day.year if day.month >= SCHOOL_YEAR_STARTS else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def next_term(term: str) -> str:
    start = int(term[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


class Participants(BaseModel):
    mentors: int
    mentees: int
    peers: int


class Meetings(BaseModel):
    """Meetings by current status: ``scheduled`` is still to happen."""

    scheduled: int
    completed: int
    missed: int
    cancelled: int


class Surveys(BaseModel):
    """Named surveys: ``issued`` counts every one sent out, answered or not."""

    issued: int
    submitted: int
    response_rate: float | None = Field(description="submitted / issued; null when suppressed or none issued")
    suppressed: bool = Field(description="True when fewer than k surveys were answered")


class Satisfaction(BaseModel):
    responses: int = Field(description="1-5 ratings, named and anonymous")
    mean: float | None
    distribution: dict[str, int] | None = Field(description="ratings 1-5 -> answers; null when suppressed")
    recommend_responses: int
    nps: float | None = Field(description="% promoters (9-10) - % detractors (0-6), -100..100")
    suppressed: bool = Field(description="mean and distribution withheld: fewer than k ratings")
    nps_suppressed: bool = Field(description="NPS withheld: fewer than k recommendation answers")


class Retention(BaseModel):
    term: str = Field(description="The term looked at: the one after the query's term")
    with_status: int
    teaching: int
    rate: float | None


class Notifications(BaseModel):
    sent: int
    failed: int


class Proposals(BaseModel):
    """``proposed`` counts every proposal or request made, ``approved`` those approved."""

    proposed: int
    approved: int


class Figures(BaseModel):
    participants: Participants
    enrolled: int
    matched_mentees: int
    match_rate: float | None
    median_days_to_match: float | None
    unmatched_over_30_days: int
    active_relationships: int
    ended_relationships: int
    at_risk_relationships: int
    completion_rate: float | None
    ended_by_reason: dict[str, int]
    early_closure_rate: dict[str, float | None]
    meetings: Meetings
    meeting_completion_rate: float | None
    no_show_rate: float | None
    mentoring_minutes: int
    mentor_hours_per_week: float | None
    surveys: Surveys
    satisfaction: Satisfaction
    retention: Retention
    notifications: Notifications
    proposals: Proposals


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def median_hours(histogram: dict[str, int]) -> float | None:
    """The median of a histogram of whole hours (the mean of the two middle values for an even count)."""
    values = sorted((int(h), n) for h, n in histogram.items() if n)
    total = sum(n for _, n in values)
    if not total:
        return None
    middle, seen, picked = ((total - 1) // 2, total // 2), 0, []
    for value, n in values:
        picked += [value] * sum(1 for m in middle if seen <= m < seen + n)
        seen += n
    return sum(picked) / 2


def figures(cell: Cell, query: Query) -> Figures:
    """Every figure of ``cell`` at ``query.as_of``, survey-derived ones suppressed below ``query.k`` answers."""
    roles, meetings, k = cell.roles, cell.meetings, query.k
    seekers = roles.get("mentee", 0) + roles.get("peer", 0)
    cutoff = (query.as_of.date() - timedelta(days=UNMATCHED_DAYS)).isoformat()
    ended = cell.relationships.get("ended", 0)
    held = meetings.get("completed", 0) + meetings.get("missed", 0)
    weeks = None
    if cell.first_week and cell.last_week:
        weeks = (date.fromisoformat(cell.last_week) - date.fromisoformat(cell.first_week)).days // 7 + 1
    median = median_hours(cell.ttm_hours)
    return Figures(
        participants=Participants(mentors=roles.get("mentor", 0), mentees=roles.get("mentee", 0), peers=roles.get("peer", 0)),
        enrolled=sum(roles.values()),
        matched_mentees=cell.matched,
        match_rate=ratio(cell.matched, seekers),
        median_days_to_match=None if median is None else median / 24,
        unmatched_over_30_days=cell.unmatched_flagged + sum(n for d, n in cell.unmatched_days.items() if d <= cutoff),
        active_relationships=cell.relationships.get("active", 0),
        ended_relationships=ended,
        at_risk_relationships=cell.at_risk_active,
        completion_rate=ratio(cell.end_reasons.get(EndReason.COMPLETED.value, 0), ended),
        ended_by_reason={r.value: cell.end_reasons.get(r.value, 0) for r in EndReason},
        early_closure_rate={r: ratio(cell.end_reasons.get(r, 0), ended) for r in EARLY_REASONS},
        meetings=Meetings(**{s: meetings.get(s, 0) for s in ("scheduled", "completed", "missed", "cancelled")}),
        meeting_completion_rate=ratio(meetings.get("completed", 0), held),
        no_show_rate=ratio(meetings.get("missed", 0), held),
        mentoring_minutes=cell.minutes,
        mentor_hours_per_week=None if weeks is None else cell.minutes / 60 / weeks,
        surveys=_surveys(cell, k),
        satisfaction=satisfaction(cell.ratings, cell.recommends, k),
        retention=_retention(cell, next_term(query.term)),
        notifications=Notifications(sent=cell.notifications.get("sent", 0), failed=cell.notifications.get("failed", 0)),
        proposals=Proposals(proposed=sum(cell.proposals.values()), approved=cell.proposals.get("approved", 0)),
    )


def _surveys(cell: Cell, k: int) -> Surveys:
    hidden = cell.surveys_submitted < k
    rate = None if hidden else ratio(cell.surveys_submitted, cell.surveys_issued)
    return Surveys(issued=cell.surveys_issued, submitted=cell.surveys_submitted, response_rate=rate, suppressed=hidden)


def satisfaction(ratings: dict[str, int], recommends: dict[str, int], k: int) -> Satisfaction:
    """Mean, distribution and NPS, each withheld below ``k`` answers."""
    responses, answered = sum(ratings.values()), sum(recommends.values())
    hidden, nps_hidden = responses < k, answered < k
    promoters = sum(n for x, n in recommends.items() if int(x) >= 9)
    detractors = sum(n for x, n in recommends.items() if int(x) <= 6)
    return Satisfaction(
        responses=responses,
        mean=None if hidden else sum(int(r) * n for r, n in ratings.items()) / responses,
        distribution=None if hidden else {str(r): ratings.get(str(r), 0) for r in RATINGS},
        recommend_responses=answered,
        nps=None if nps_hidden else (promoters - detractors) * 100 / answered,
        suppressed=hidden,
        nps_suppressed=nps_hidden,
    )


def _retention(cell: Cell, term: str) -> Retention:
    tally = cell.retention.get(term, {})
    with_status, teaching = tally.get("with_status", 0), tally.get("teaching", 0)
    return Retention(term=term, with_status=with_status, teaching=teaching, rate=ratio(teaching, with_status))
