"""sim/model/badges.py: the platforms' response-time badge rules (CALIBRATION.md): Facebook's
90% within 15 minutes over 7 days, Yelp's median over 30 days in 08:00-18:00 only.
"""

from __future__ import annotations

import math

import pytest

from sim.model import badges
from sim.model import reputation as rep
from sim.model.inquiry import Inquiry


def test_business_minutes_ignore_18_to_08():
    day = 1440.0
    assert badges.business_minutes(9 * 60, 10 * 60) == 60
    assert badges.business_minutes(17 * 60, day + 9 * 60) == 120
    assert badges.business_minutes(20 * 60, day + 7 * 60) == 0
    assert badges.business_minutes(12 * 60, 2 * day + 12 * 60) == 600 * 2


class _Practice:
    rating, review_count = 4.5, 60


def _dm(arrived, minutes, outcome="too_late"):
    inq = Inquiry(1, None, None, 0, "social_dm", arrived)
    inq.answered_at = arrived + minutes
    inq.outcome = outcome
    return inq


def test_facebook_badge_needs_90_percent_within_15_minutes():
    now = 10 * 1440.0
    r = rep.PracticeReputation(_Practice())
    r.facebook.extend(_dm(now - 1440 * k / 2, 5.0) for k in range(1, 11))
    r.update_badges(now, 3, 60.0)
    assert r.badge_facebook and r.facebook_fast_share == 1.0
    r.facebook.extend([_dm(now - 100, 30.0), _dm(now - 50, math.nan, "unanswered")])
    r.update_badges(now, 3, 60.0)
    assert not r.badge_facebook and r.facebook_fast_share == pytest.approx(10 / 12)
    r.update_badges(now + 8 * 1440, 3, 60.0)  # a week later the window is empty
    assert not r.badge_facebook and len(r.facebook) == 0


def test_yelp_median_counts_business_hours_only():
    now = 20 * 1440.0
    r = rep.PracticeReputation(_Practice())
    # messages at 20:00 answered at 08:30 next day: 30 business minutes each
    r.yelp.extend(_dm(d * 1440 + 20 * 60, 12.5 * 60) for d in range(10, 15))
    r.update_badges(now, 3, 60.0)
    assert r.yelp_median_minutes == pytest.approx(30.0) and r.badge_yelp
