"""Feedback's business metrics (Prometheus naming, no ids in labels)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

RATING_BUCKETS = (1.0, 2.0, 3.0, 4.0, 5.0)


class FeedbackMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.issued = Counter("mentoring_surveys_issued_total", "Surveys issued", ["template"], registry=registry)
        self.submitted = Counter("mentoring_surveys_submitted_total", "Surveys answered", ["template"], registry=registry)
        self.rating = Histogram(
            "mentoring_survey_rating",
            "Ratings given in survey answers (1-5)",
            ["template"],
            buckets=RATING_BUCKETS,
            registry=registry,
        )
