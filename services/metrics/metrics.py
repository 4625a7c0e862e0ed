"""Metrics' Prometheus series: events consumed by type, and per-district gauges of the read model.

Labels are bounded: catalogue types plus ``unknown``, district, role and status. No ids.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from .events import EVENT_MODELS, UNKNOWN
from .summary import Counts

MEETING_STATUSES = ("scheduled", "completed", "missed")


class ReadModelMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.consumed = Counter(
            "mentoring_events_consumed_total", "Distinct events consumed, by CloudEvents type", ["type"], registry=registry
        )
        for type_label in (*EVENT_MODELS, UNKNOWN):
            self.consumed.labels(type=type_label)
        self.participants = Gauge("mentoring_participants", "Participants enrolled", ["district", "role"], registry=registry)
        self.active_relationships = Gauge(
            "mentoring_active_relationships", "Relationships currently active", ["district"], registry=registry
        )
        self.meetings = Gauge("mentoring_meetings", "Meetings by current status", ["district", "status"], registry=registry)
        self.surveys_submitted = Gauge("mentoring_surveys_submitted", "Surveys answered", ["district"], registry=registry)
        self.rating_mean = Gauge(
            "mentoring_survey_rating_mean", "Mean rating of the answered surveys", ["district"], registry=registry
        )

    def show(self, district: str, counts: Counts) -> None:
        """Set the district's gauges from its current counts."""
        for role in ("mentor", "mentee"):
            self.participants.labels(district=district, role=role).set(counts.roles.get(role, 0))
        self.active_relationships.labels(district=district).set(counts.relationships.get("active", 0))
        for status in MEETING_STATUSES:
            self.meetings.labels(district=district, status=status).set(counts.meetings.get(status, 0))
        self.surveys_submitted.labels(district=district).set(counts.surveys.get("submitted", 0))
        if counts.mean_rating is not None:
            self.rating_mean.labels(district=district).set(counts.mean_rating)
