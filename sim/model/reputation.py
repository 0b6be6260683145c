"""Reputation after the inquiry: the per-practice state and the model that runs it.

When a prospect is done (every inquiry has ended: `LeadMarket.prospect_done`), the
`ReputationModel` judges each practice they contacted and draws what follows. Its parts
live with their concept, as mixins of the one class (the methods keep their names):

- reviews.py: the judgement (experience.py's rules), the actions drawn after it, and the
  reviews that move a practice's rating;
- word_of_mouth.py: referred prospects after a good experience, bad word after a bad one;
- badges.py: Facebook's and Yelp's response-time badges, from the practice's real record;
- choice.py: the weight of each practice in prospects' choice, fed by all of the above.

This module holds what they share: the per-practice state (`PracticeReputation`), the
model's construction, its timers, the daily columns and the records. A judgement's draws
are the prospect's own (a fixed-width block per practice from "traits.experience", drawn
with the prospect's other traits; referred prospects' from "referrals.*"), so neither the
order in which prospects are done nor the reputation model moves anyone's draws (common
random numbers). Inert in the `mmc` scenario or with `reputation.enabled: false`.
"""

from __future__ import annotations

import math
from collections import deque

from ..clock import MINUTES_PER_DAY
from .badges import (  # noqa: F401  (re-exported: where tests and callers found them)
    FACEBOOK_CHANNEL,
    YELP_CHANNEL,
    BadgeKeeping,
    PracticeBadges,
    business_minutes,
)
from .choice import ChoiceWeights, list_size_cdf
from .experience import EXPERIENCES, NAN, ActionMix, OpeningHours, ServiceRules
from .reviews import (  # noqa: F401  (re-exported)
    EXPERIENCE_COLUMNS,
    REVIEW_COLUMNS,
    U_ACTIONS,
    Reviews,
    draw_actions,
)
from .streams import _cumulative
from .word_of_mouth import WordOfMouth


class PracticeReputation(PracticeBadges):
    """A practice's reputation state beyond its `rating` and `review_count`: reviews posted
    in the run, badges, bad word, referrals. Attached as `practice.reputation`."""

    __slots__ = ("rating_start", "review_count_start", "reviews_posted", "stars_posted",
                 "bad_word", "bad_word_at", "badge_facebook", "facebook_fast_share",
                 "badge_yelp", "yelp_median_minutes", "days_badge_facebook",
                 "days_badge_yelp", "referral_prospects", "referral_bookings", "facebook",
                 "yelp")

    def __init__(self, practice):
        self.rating_start = practice.rating
        self.review_count_start = practice.review_count
        self.reviews_posted = 0
        self.stars_posted = 0
        self.bad_word = 0.0  # at time bad_word_at; halves every half-life
        self.bad_word_at = 0.0
        self.badge_facebook = False
        self.facebook_fast_share = NAN
        self.badge_yelp = False
        self.yelp_median_minutes = NAN
        self.days_badge_facebook = 0
        self.days_badge_yelp = 0
        self.referral_prospects = 0
        self.referral_bookings = 0
        self.facebook: deque = deque()  # the practice's social DMs, by arrival
        self.yelp: deque = deque()  # its review-site messages


# Daily columns (merged into market.PRACTICE_REPORTERS); cumulative counts since the start.
REPUTATION_REPORTERS = {
    "reviews_posted": lambda a: a.reputation.reviews_posted,
    "mean_new_stars": lambda a: (a.reputation.stars_posted / a.reputation.reviews_posted
                                 if a.reputation.reviews_posted else NAN),
    "badge_facebook": lambda a: a.reputation.badge_facebook,
    "facebook_fast_share": lambda a: a.reputation.facebook_fast_share,
    "badge_yelp": lambda a: a.reputation.badge_yelp,
    "yelp_median_minutes": lambda a: a.reputation.yelp_median_minutes,
    "bad_word": lambda a: a.model.reputation.bad_word(a),
    "referral_prospects": lambda a: a.reputation.referral_prospects,
    "referral_bookings": lambda a: a.reputation.referral_bookings,
    "weight": lambda a: a.model.reputation.weight(a),
}


# --------------------------------------------------------------------------- the model


def _call_value(call) -> None:
    """The callback of a timer whose value is (function, arguments)."""
    fn, args = call
    fn(*args)


class ReputationModel(Reviews, WordOfMouth, BadgeKeeping, ChoiceWeights):
    """Judgements, actions, reviews, referrals, badges and weights for a LeadMarket.

    Parameters: the market (its env, streams, practices, config) and its
    `ReputationModelConfig`. Inert in the `mmc` scenario or with `enabled: false`.
    """

    def __init__(self, market, cfg):
        self.market = market
        self.cfg = cfg
        self.env = market.env
        self.enabled = bool(cfg.enabled) and market.kind.value == "market"
        self.feedback = bool(cfg.feedback)
        self.practices = market.practices
        for practice in self.practices:
            practice.reputation = PracticeReputation(practice)
        self.rules = ServiceRules(cfg)
        self.opening = {p.slot: OpeningHours(p.cfg.opening_hours)
                        if cfg.promise_in_opening_hours else None for p in self.practices}
        self.mixes = {e: ActionMix(cfg.act_share[e], getattr(cfg, f"actions_{e}"))
                      for e in EXPERIENCES}
        self.width = U_ACTIONS + max(len(m.names) for m in self.mixes.values())
        self.stars = {e: _cumulative(getattr(cfg, f"stars_{e}")) for e in EXPERIENCES}
        self.sites = list(cfg.review_sites)
        self.site_cdf = _cumulative(cfg.review_sites.values())
        n = len(self.practices)
        self.size_cdf = list_size_cdf(market.config.market.shopping_list)  # organic lists
        self.referral_cdf = _cumulative(list(cfg.referral_shopping_list)[: max(n, 1)])
        self.half_life = cfg.bad_word_half_life_days * MINUTES_PER_DAY
        # shoppers with the same fading memory as the bad word (organic arrivals)
        self.shoppers = (market.config.market.prospects_per_day
                         * cfg.bad_word_half_life_days / math.log(2))
        self.last_arrival = market.days * float(MINUTES_PER_DAY)
        self._referral_rngs = None
        self._referral_draws: list = []
        self._on_list = True
        self._weights = None  # cached attractiveness
        self._scan = 0
        self._next_review = 0
        self._channels = self._referral_channels(market.config.market.channel_mix)
        self._hour_cdf: dict[tuple[str, int], list[float]] = {}
        self._action_text: dict[tuple, str] = {(): ""}
        self.experiences: list[tuple] = []
        self.reviews: list[tuple] = []

    # ---------------------------------------------------------------- effects

    def _at(self, t: float, fn, args: tuple) -> None:
        now = self.env.now
        if t <= now:
            fn(*args)
        else:
            self.env.call_in(t - now, _call_value, (fn, args))

    # ---------------------------------------------------------------- records

    def practice_row(self, practice) -> dict:
        rep = practice.reputation
        return {"rating_start": rep.rating_start, "review_count_start": rep.review_count_start,
                "days_badge_facebook": rep.days_badge_facebook,
                "days_badge_yelp": rep.days_badge_yelp,
                "referral_prospects": rep.referral_prospects,
                "bad_word_end": self.bad_word(practice)}

    def tables(self) -> dict:
        """Extra output tables as plain column dicts: experiences and reviews."""
        return {
            "experiences": _columns(EXPERIENCE_COLUMNS, self.experiences),
            "reviews": _columns(REVIEW_COLUMNS, self.reviews),
        }


def _columns(names, rows) -> dict:
    return {c: [r[i] for r in rows] for i, c in enumerate(names)}


