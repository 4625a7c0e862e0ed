"""Matching: programs, rosters, match runs, proposals and relationships."""
