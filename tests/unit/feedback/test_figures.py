"""Figures from survey answers, withheld below k."""

from __future__ import annotations

from services.feedback.figures import Figures, nps, summarize


def test_fewer_than_k_answers_give_no_figure_at_all_not_even_their_count():
    figures = summarize([5, 4, 1, 2], [10, 9, 0, 3], k=5)
    assert figures == Figures(suppressed=True)
    assert figures.model_dump() == {
        "suppressed": True,
        "responses": None,
        "mean_rating": None,
        "rating_distribution": None,
        "nps": None,
    }


def test_k_answers_give_every_figure():
    figures = summarize([5, 4, 4, 2, 1], [10, 9, 7, 6, 0], k=5)
    assert not figures.suppressed and figures.responses == 5
    assert figures.mean_rating == 3.2
    assert figures.rating_distribution == {"1": 1, "2": 1, "3": 0, "4": 2, "5": 1}
    assert figures.nps == 0.0  # 2 promoters, 2 detractors of 5


def test_the_nps_needs_k_recommend_answers_too():
    figures = summarize([5, 5, 5, 5, 5], [10, 10], k=5)
    assert not figures.suppressed and figures.nps is None
    assert nps([10, 9, 9, 8]) == 75.0 and nps([0, 6]) == -100.0
