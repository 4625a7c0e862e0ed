"""Feedback's business metrics (Prometheus naming, bounded labels, no ids).

Anonymous answers are counted when given but their scores only when released in a batch: a rating observed at the
moment someone answers would let the scrape times link it to them.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

RATING_BUCKETS = (1.0, 2.0, 3.0, 4.0, 5.0)


class FeedbackMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.issued = Counter("mentoring_surveys_issued_total", "Surveys issued", ["template"], registry=registry)
        self.answered = Counter("mentoring_surveys_answered_total", "Surveys answered", ["template"], registry=registry)
        self.expired = Counter(
            "mentoring_surveys_expired_total", "Surveys that expired unanswered", ["template"], registry=registry
        )
        self.reminded = Counter("mentoring_survey_reminders_total", "Survey reminders published", ["template"], registry=registry)
        self.released = Counter(
            "mentoring_anonymous_answers_released_total", "Anonymous answers released in batches of at least k", registry=registry
        )
        self.at_risk = Counter(
            "mentoring_relationships_at_risk_total", "At-risk warnings published", ["reason"], registry=registry
        )
        self.rating = Histogram(
            "mentoring_survey_rating",
            "Overall ratings (1-5): named answers when given, anonymous ones when released",
            ["template"],
            buckets=RATING_BUCKETS,
            registry=registry,
        )
