"""Metrics' Prometheus series: events consumed, read-model lag and backlog, stream depths, and business gauges per district.

Labels are bounded: catalogue types plus ``unknown``; stream names; and ``district`` on the business
gauges, for at most ``gauge_districts`` districts (the first ones by name). Every further district is
added into ``district="_other"``, so a state with thousands of districts still exports a bounded set of
series. A rate with nothing to divide, or a survey figure suppressed below k, has no sample.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from .events import EVENT_MODELS, UNKNOWN
from .summary import Figures

OTHER: Final = "_other"
LAG_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)
# gauge name -> (help, the figure it shows)
BUSINESS: Final[dict[str, tuple[str, Callable[[Figures], float | None]]]] = {
    "mentoring_enrolled_participants": ("Participants enrolled", lambda f: f.enrolled),
    "mentoring_matched_mentees": ("Enrolled mentees with a relationship", lambda f: f.matched_mentees),
    "mentoring_match_rate": ("Matched mentees / mentees (0-1)", lambda f: f.match_rate),
    "mentoring_unmatched_over_30_days": ("Mentees unmatched 30 days after enrolling", lambda f: f.unmatched_over_30_days),
    "mentoring_active_relationships": ("Relationships currently active", lambda f: f.active_relationships),
    "mentoring_at_risk_relationships": ("Active relationships with an at-risk warning", lambda f: f.at_risk_relationships),
    "mentoring_meeting_completion_rate": ("Completed / (completed + missed) meetings", lambda f: f.meeting_completion_rate),
    "mentoring_no_show_rate": ("Missed / (completed + missed) meetings", lambda f: f.no_show_rate),
    "mentoring_mentor_hours_per_week": ("Completed meeting hours per week", lambda f: f.mentor_hours_per_week),
    "mentoring_completion_rate": ("Relationships ended completed / ended", lambda f: f.completion_rate),
    "mentoring_satisfaction_mean": ("Mean 1-5 rating (absent below k answers)", lambda f: f.satisfaction.mean),
    "mentoring_nps": ("Net promoter score, -100..100 (absent below k answers)", lambda f: f.satisfaction.nps),
    "mentoring_survey_response_rate": ("Named surveys answered / issued (absent below k)", lambda f: f.surveys.response_rate),
}


class ReadModelMetrics:
    def __init__(self, registry: CollectorRegistry, gauge_districts: int = 50) -> None:
        self.gauge_districts = gauge_districts
        self.consumed = Counter(
            "mentoring_events_consumed_total", "Distinct events consumed, by CloudEvents type", ["type"], registry=registry
        )
        for type_label in (*EVENT_MODELS, UNKNOWN):
            self.consumed.labels(type=type_label)
        self.lag = Histogram(
            "mentoring_read_model_lag_seconds",
            "From an event's time to the recompute that shows it in the figures",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.recompute = Histogram(
            "mentoring_read_model_recompute_seconds", "Duration of one recompute of the dirty programs", registry=registry
        )
        self.dirty = Gauge("mentoring_read_model_dirty_programs", "Programs changed since their figures", registry=registry)
        self.stream_messages = Gauge("mentoring_stream_messages", "Messages held by each stream", ["stream"], registry=registry)
        self.pending = Gauge(
            "mentoring_consumer_pending_messages",
            "Messages the metrics consumer has yet to take, per stream",
            ["stream"],
            registry=registry,
        )
        self.business = {name: Gauge(name, help_, ["district"], registry=registry) for name, (help_, _) in BUSINESS.items()}
        self._shown: set[str] = set()

    def exported(self, districts: list[str]) -> tuple[list[str], list[str]]:
        """(districts with their own label, districts added into ``_other``)."""
        ordered = sorted(districts)
        return ordered[: self.gauge_districts], ordered[self.gauge_districts :]

    def show(self, by_label: dict[str, Figures]) -> None:
        """Set every business gauge; labels no longer exported lose their samples."""
        for name, (_, pick) in BUSINESS.items():
            gauge = self.business[name]
            for label, figures in by_label.items():
                value = pick(figures)
                if value is None:
                    _remove(gauge, label)
                else:
                    gauge.labels(district=label).set(value)
            for label in self._shown - set(by_label):
                _remove(gauge, label)
        self._shown = set(by_label)


def _remove(gauge: Gauge, label: str) -> None:
    try:
        gauge.remove(label)
    except KeyError:
        pass
