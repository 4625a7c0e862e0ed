"""Matching's business metrics (Prometheus naming, no ids in labels)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

SOLVE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
WAIT_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)


class MatchingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.runs = Counter("mentoring_match_runs_total", "Match runs solved", registry=registry)
        self.run_attempts = Counter(
            "mentoring_match_run_attempts_total",
            "Match-run jobs taken by a replica (more than runs when a replica died mid-run)",
            registry=registry,
        )
        self.proposals = Counter("mentoring_match_proposals_total", "Pairs proposed by match runs", registry=registry)
        self.unmatched = Counter("mentoring_match_unmatched_total", "Mentees a run left unmatched", registry=registry)
        self.pairs_considered = Counter(
            "mentoring_match_pairs_considered_total", "Eligible (mentor, mentee) pairs scored by match runs", registry=registry
        )
        self.solve_seconds = Histogram(
            "mentoring_match_solve_seconds", "Time to solve one match run", buckets=SOLVE_BUCKETS, registry=registry
        )
        self.queue_wait_seconds = Histogram(
            "mentoring_match_queue_wait_seconds",
            "Queue lag: from a run being requested to a replica taking it",
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self.jobs_pending = Gauge(
            "mentoring_match_jobs_pending", "Match-run jobs waiting in the work queue (not yet taken)", registry=registry
        )
        self.induction_flagged = Counter(
            "mentoring_induction_flagged_total", "Mentees flagged still unmatched after the induction period", registry=registry
        )
        self.unmatched_overdue = Gauge(
            "mentoring_mentees_unmatched_overdue",
            "Mentees still unmatched after their program's induction period (all programs this service holds)",
            registry=registry,
        )
        self.roster_rows = Counter("mentoring_roster_rows_total", "Roster rows by outcome", ["outcome"], registry=registry)
