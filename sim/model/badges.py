"""Response-time badges: what the platforms show of a practice's real record.

Computed once a day from the practice's inquiries (CALIBRATION.md, "response-time
badges", from the platforms' help pages): Facebook's "very responsive" (>= 90% of social
DMs answered within 15 minutes over the last 7 days) and Yelp's median response time to
review-site messages over 30 days, counting only 08:00-18:00. A badge needs at least
`badge_min_messages` messages in its window; a shown badge multiplies the practice's
weight in prospects' choice (choice.py). The days a badge was shown are counted over the
days with arrivals.
"""

from __future__ import annotations

import math

from ..clock import MINUTES_PER_DAY
from .experience import NAN

# Platform rules (CALIBRATION.md, "response-time badges": the platforms' help pages).
FACEBOOK_CHANNEL = "social_dm"
FACEBOOK_WINDOW_MINUTES = 7 * MINUTES_PER_DAY
FACEBOOK_FAST_MINUTES = 15.0
FACEBOOK_SHARE = 0.90
YELP_CHANNEL = "review_site"
YELP_WINDOW_MINUTES = 30 * MINUTES_PER_DAY
YELP_DAY_START, YELP_DAY_END = 8 * 60, 18 * 60  # 18:00-08:00 does not count


def business_minutes(start: float, end: float) -> float:
    """Minutes of [start, end) that fall between 08:00 and 18:00 (Yelp's clock)."""
    if end <= start:
        return 0.0
    day_a, day_b = int(start // MINUTES_PER_DAY), int(end // MINUTES_PER_DAY)

    def inside(day, a, b):
        lo = max(a, day * MINUTES_PER_DAY + YELP_DAY_START)
        hi = min(b, day * MINUTES_PER_DAY + YELP_DAY_END)
        return max(0.0, hi - lo)

    if day_a == day_b:
        return inside(day_a, start, end)
    full = (day_b - day_a - 1) * (YELP_DAY_END - YELP_DAY_START)
    return inside(day_a, start, end) + full + inside(day_b, start, end)


def _median(values: list[float]) -> float:
    values = sorted(values)
    n = len(values)
    if n % 2:
        return values[n // 2]
    a, b = values[n // 2 - 1], values[n // 2]
    return a if a == b else 0.5 * (a + b)


class PracticeBadges:
    """The badge side of a `PracticeReputation` (a mixin over its slots: the practice's
    social DMs and review-site messages, the badges and their shares)."""

    __slots__ = ()

    def update_badges(self, now: float, min_messages: int, yelp_minutes: float) -> None:
        fb = self.facebook
        while fb and fb[0].arrived_at < now - FACEBOOK_WINDOW_MINUTES:
            fb.popleft()
        n = fast = 0
        for inq in fb:
            r = inq.answered_at - inq.arrived_at
            if r == r:
                n += 1
                fast += r <= FACEBOOK_FAST_MINUTES
            elif inq.outcome is not None or now - inq.arrived_at > FACEBOOK_FAST_MINUTES:
                n += 1  # unanswered, and too late to count as fast
        self.facebook_fast_share = fast / n if n else NAN
        self.badge_facebook = n >= min_messages and fast >= FACEBOOK_SHARE * n
        yl = self.yelp
        while yl and yl[0].arrived_at < now - YELP_WINDOW_MINUTES:
            yl.popleft()
        times = []
        for inq in yl:
            if inq.answered_at == inq.answered_at:
                times.append(business_minutes(inq.arrived_at, inq.answered_at))
            elif inq.outcome is not None:
                times.append(math.inf)  # closed without an answer
            else:  # still waiting: counts once it is already slower than the badge
                waited = business_minutes(inq.arrived_at, now)
                if waited > yelp_minutes:
                    times.append(waited)
        self.yelp_median_minutes = _median(times) if len(times) >= min_messages else NAN
        self.badge_yelp = self.yelp_median_minutes <= yelp_minutes  # False when NaN


class BadgeKeeping:
    """The daily badge update of the `ReputationModel` (a mixin)."""

    __slots__ = ()

    def end_of_day(self) -> None:
        """Badges from the day's record (called once per simulated day, after it ran)."""
        if not self.enabled:
            return
        self._weights = None
        inquiries = self.market.inquiries
        for inq in inquiries[self._scan :]:
            if inq.channel == FACEBOOK_CHANNEL:
                inq.practice.reputation.facebook.append(inq)
            elif inq.channel == YELP_CHANNEL:
                inq.practice.reputation.yelp.append(inq)
        self._scan = len(inquiries)
        now = self.env.now
        counted = now <= self.last_arrival  # badge days over the days with arrivals
        for practice in self.practices:
            rep = practice.reputation
            rep.update_badges(now, self.cfg.badge_min_messages, self.cfg.yelp_badge_minutes)
            if counted:
                rep.days_badge_facebook += rep.badge_facebook
                rep.days_badge_yelp += rep.badge_yelp
