"""Who a prospect contacts: each practice's weight, and the shopping list drawn with it.

An organic prospect draws a list size k from the market's `shopping_list` shares and then
k practices without replacement, with probability proportional to weight
(`choose_practices`: Efraimidis-Spirakis keys u^(1/w), from the prospect's own uniforms,
so a practice's change of weight moves only the lists it is on). The weight of a practice
is

    marketing_weight x exp(rating_weight (rating - 4.5)) x ((1 + reviews) / 61) ^ elasticity
    x facebook_badge_boost (if shown) x yelp_badge_boost (if shown)
    x exp(-bad_word_reach x bad word / shoppers with the same memory)

which at the start of a run, with no badges and no bad word, is the market's earlier
weight (`sim.volume.choice_weight` is the first line, shared with the volume arithmetic).
With `reputation.feedback` off the weights stay at their start. A referred prospect
(word_of_mouth.py) has a short list from `referral_shopping_list`, the referrer first
with chance `referrer_share` (`referral_list`).
"""

from __future__ import annotations

import math

from ..volume import choice_weight


def choose_practices(weights: list[float], u_choice: list[float], k: int) -> list[int]:
    """k practice indices, drawn without replacement with probability proportional to
    weight (Efraimidis-Spirakis keys u^(1/w)), most attractive-by-draw first."""
    keys = [
        (u ** (1.0 / w) if w > 0 else -1.0, j)
        for j, (u, w) in enumerate(zip(u_choice, weights))
    ]
    keys.sort(reverse=True)
    return [j for key, j in keys[:k] if key >= 0]


def offer_pick(ratings: list[float], prices: list[float], rating_weight: float,
               price_elasticity: float, u: float) -> int:
    """Which of the offers a shopper weighing them books (prospect.comparison): a logit,
    P(j) proportional to exp(rating_weight x rating_j - price_elasticity x ln(price_j)),
    read off one uniform u in [0, 1) by the cumulative shares, in the order offered."""
    ref = max(prices)
    utility = [rating_weight * r - price_elasticity * math.log(p / ref) if p > 0
               else rating_weight * r for r, p in zip(ratings, prices)]
    top = max(utility)
    weights = [math.exp(v - top) for v in utility]
    target, acc = u * sum(weights), 0.0
    for j, w in enumerate(weights):
        acc += w
        if target < acc:
            return j
    return len(weights) - 1


def list_size_cdf(shares) -> list[float]:
    """The cumulative shares of shopping-list sizes 1, 2, ... (the market's `shopping_list`)."""
    shares = [float(w) for w in shares]
    total = sum(shares)
    return [sum(shares[: k + 1]) / total for k in range(len(shares))]


class ChoiceWeights:
    """The weights and shopping lists of the `ReputationModel` (a mixin): the weights are
    cached until a review is posted, bad word is told or a day ends."""

    __slots__ = ()

    def weight(self, practice) -> float:
        """The practice's weight in prospects' choice of practices (module docstring)."""
        cfg, rep = self.cfg, practice.reputation
        live = self.feedback and self.enabled
        rating = self.rating_seen(practice)
        count = practice.review_count if live else rep.review_count_start
        w = choice_weight(practice.cfg.marketing_weight, rating, count, cfg.rating_weight,
                          cfg.review_count_elasticity)
        if live:
            if rep.badge_facebook:
                w *= cfg.facebook_badge_boost
            if rep.badge_yelp:
                w *= cfg.yelp_badge_boost
            if rep.bad_word:
                w *= math.exp(-cfg.bad_word_reach * self.bad_word(practice) / self.shoppers)
        return w

    def rating_seen(self, practice) -> float:
        """The rating shoppers see: the live one, or the start's without feedback."""
        if self.feedback and self.enabled:
            return practice.rating
        return practice.reputation.rating_start

    def attractiveness(self) -> list[float]:
        """Every practice's weight, refreshed when a review is posted, bad word is told or a
        day ends (the bad word's fading is read at those moments)."""
        if self._weights is None:
            self._weights = [self.weight(p) for p in self.practices]
        return list(self._weights)

    def shopping_list(self, draws, referred_by=None) -> list[int]:
        """The indices of the practices a new prospect contacts, in the order contacted:
        k from the market's list sizes, drawn by weight; a referred prospect's list is
        the referral's (`referral_list`)."""
        if referred_by is not None:
            return self.referral_list(referred_by, draws)
        k = draws.shopping_list_size(self.size_cdf)
        return choose_practices(self.attractiveness(), draws.u_choice, k)

    def referral_list(self, referrer, draws) -> list[int]:
        """A referred prospect's shopping list: short, the referrer first (mostly)."""
        k = draws.shopping_list_size(self.referral_cdf)
        weights = self.attractiveness()
        if not self._on_list:
            return choose_practices(weights, draws.u_choice, k)
        weights[referrer.index] = 0.0
        return [referrer.index] + choose_practices(weights, draws.u_choice, k - 1)
