"""The matching engine: profiles, program rules, scoring and the optimal solver. Pure: no I/O.

Used by the matching service and by the offline CLI (``python -m services.matching.cli``).
"""
