"""Figures derived from survey answers, suppressed below k responses. Pure: no I/O.

Below k responses every figure is withheld (``None``) and ``suppressed`` is true, the count of responses included:
"2 people answered" is itself a figure about the answers. The NPS needs k answers to the 0-10 question too.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6


class Figures(BaseModel):
    """What a set of answers says, or nothing at all when there are fewer than k of them."""

    suppressed: bool = Field(description="True when fewer than k answers exist: every figure is then null")
    responses: int | None = None
    mean_rating: float | None = Field(default=None, description="Mean overall rating (1-5)")
    rating_distribution: dict[str, int] | None = Field(default=None, description="How many answered 1, 2, 3, 4, 5")
    nps: float | None = Field(default=None, description="Net promoter score (-100 to 100); null below k answers")


def nps(recommends: Sequence[int]) -> float:
    """Percentage of promoters (9-10) minus percentage of detractors (0-6)."""
    promoters = sum(r >= PROMOTER_FROM for r in recommends)
    detractors = sum(r <= DETRACTOR_UP_TO for r in recommends)
    return round(100.0 * (promoters - detractors) / len(recommends), 1)


def summarize(ratings: Sequence[int], recommends: Sequence[int], k: int) -> Figures:
    """The figures of a set of answers (``ratings`` one per answer), withheld below ``k`` answers."""
    if len(ratings) < k:
        return Figures(suppressed=True)
    return Figures(
        suppressed=False,
        responses=len(ratings),
        mean_rating=round(sum(ratings) / len(ratings), 2),
        rating_distribution={str(v): sum(r == v for r in ratings) for v in range(1, 6)},
        nps=nps(recommends) if len(recommends) >= k else None,
    )
