"""Scheduling's business metrics (Prometheus naming; labels are bounded: meeting kind, lateness)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class SchedulingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        def by_kind(name: str, text: str) -> Counter:
            return Counter(f"mentoring_meetings_{name}_total", text, ["kind"], registry=registry)

        self.scheduled = by_kind("scheduled", "Meetings put on the calendar")
        self.completed = by_kind("completed", "Meetings held")
        self.missed = by_kind("missed", "Meetings missed")
        self.cancelled = by_kind("cancelled", "Meetings cancelled (by a participant, or because the relationship ended)")
        self.rescheduled = by_kind("rescheduled", "Meetings moved to another time")
        self.overdue = by_kind("overdue", "Meetings not marked completed or missed within the grace period after their end")
        self.minutes = Counter(
            "mentoring_mentoring_minutes_total", "Minutes of mentoring held (completed meetings)", registry=registry
        )
        self.reminders_sent = Counter(
            "mentoring_reminders_sent_total",
            "Reminders published; late: sent after the service was down past their due time",
            ["late"],
            registry=registry,
        )
        self.reminders_skipped = Counter(
            "mentoring_reminders_skipped_total", "Reminders not sent because their meeting had already started", registry=registry
        )
        self.induction_short = Counter(
            "mentoring_induction_hours_short_total",
            "Mentees flagged with less than the program's minimum mentoring time in a 28-day window",
            registry=registry,
        )
