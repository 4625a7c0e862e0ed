"""Scheduling's business metrics (Prometheus naming, no ids in labels)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class SchedulingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.scheduled = Counter("mentoring_meetings_scheduled_total", "Meetings scheduled", ["kind"], registry=registry)
        self.completed = Counter("mentoring_meetings_completed_total", "Meetings held", ["kind"], registry=registry)
        self.missed = Counter("mentoring_meetings_missed_total", "Meetings missed", ["kind"], registry=registry)
        self.cancelled = Counter(
            "mentoring_meetings_cancelled_total",
            "Meetings cancelled because the relationship ended",
            ["kind"],
            registry=registry,
        )
        self.minutes = Counter(
            "mentoring_mentoring_minutes_total", "Minutes of mentoring held (completed meetings)", registry=registry
        )
