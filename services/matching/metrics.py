"""Matching's business metrics (Prometheus naming, no ids in labels)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class MatchingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.runs = Counter("mentoring_match_runs_total", "Match runs solved", registry=registry)
        self.proposals = Counter("mentoring_match_proposals_total", "Pairs proposed by match runs", registry=registry)
        self.unmatched = Counter("mentoring_match_unmatched_total", "Mentees a run left unmatched", registry=registry)
        self.solve_seconds = Histogram("mentoring_match_solve_seconds", "Time to solve one match run", registry=registry)
        self.roster_rows = Counter("mentoring_roster_rows_total", "Roster rows by outcome", ["outcome"], registry=registry)
