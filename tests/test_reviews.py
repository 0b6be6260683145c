"""sim/model/reviews.py: reviews move a practice's rating as a running mean of every review,
and most bad reviews are about service (seed 001).
"""

from __future__ import annotations

import pytest

from sim.model import LeadMarket
from sim.model import experience as exp


def test_rating_is_the_running_mean_of_every_review(reputation_run):
    s, reviews = reputation_run.summary, reputation_run.extra_tables["reviews"]
    for slot in ("alpha", "beta", "gamma", "delta"):
        mine = reviews[reviews["practice"] == slot]
        start = s[f"practices.{slot}.rating_start"]
        n0 = s[f"practices.{slot}.review_count_end"] - len(mine)
        expected = (start * n0 + mine["stars"].sum()) / (n0 + len(mine))
        assert s[f"practices.{slot}.rating_end"] == pytest.approx(expected)
        assert s[f"practices.{slot}.new_reviews"] == len(mine)
    assert (reviews["posted_at"] > reviews["experienced_at"]).all()
    assert set(reviews["site"]) <= {"google", "yelp", "realself", "facebook"}


def test_a_rating_moves_toward_the_stars_of_new_reviews(reputation_cfg):
    model = LeadMarket(reputation_cfg)
    practice = model.practices[0]
    r0, n0 = practice.rating, practice.review_count
    gaps = []
    for _ in range(300):
        model.reputation._post(practice, 0, 5, "google", "good_service", "good", "chat", 0.0)
        gaps.append(5 - practice.rating)
    assert all(b < a for a, b in zip(gaps, gaps[1:], strict=False)) and gaps[-1] < 0.2
    high = practice.rating
    falls = []
    for _ in range(300):
        model.reputation._post(practice, 0, 1, "yelp", "no_response", "bad", "chat", 0.0)
        falls.append(practice.rating)
    assert falls[0] < high and all(b < a for a, b in zip(falls, falls[1:], strict=False))
    assert practice.rating == pytest.approx((r0 * n0 + 300 * 5 + 300 * 1) / (n0 + 600))
    assert practice.review_count == n0 + 600
    model.finish()


def test_most_bad_reviews_are_about_service(reputation_run):
    """Seed 001: most bad reviews of practices are about service, not clinical results."""
    s = reputation_run.summary
    assert s["market.new_bad_reviews"] > 30
    assert s["market.bad_reviews_service_share"] > 0.8
    ex = reputation_run.extra_tables["experiences"]
    assert (ex["cause"] == "clinical").any()  # clinical disappointments happen, rarely
    assert (ex["cause"] == "clinical").mean() < 0.02
    reviews = reputation_run.extra_tables["reviews"]
    assert set(reviews["cause"]) <= set(exp.CAUSES)
