"""The market's volume from a practice's own: "we receive about N inquiries a month".

A practice manager knows how many inquiries their practice receives, not how many people
shop for a practice in their town. When the focal practice (slot `alpha`) gives
`inquiries_per_month` per channel, the market's `prospects_per_day` and `channel_mix` are
set so that it receives that volume in expectation:

    prospects per day on channel c = inquiries_per_month[c] / (365.25 / 12) / share[c]

where share[c] is the expected number of inquiries the practice receives per prospect of
the market on channel c. `leadsim fit` measures it by simulation (`inquiry_share`: it
counts every way an inquiry arrives, including prospects who book elsewhere before writing
to this practice, referred friends, and the practice's reputation moving during the run).
Without it the share is the chance that a prospect puts the practice on their shopping
list, from the practices' starting weights and the shopping-list distribution
(`listing_share`): the upper bound of what the practice receives, since a prospect booked
by an earlier practice on their list writes to no more. Channels not given keep the
market's own volume, so resolving twice gives the same market.

The focal practice's `inquiry_profile` (when its inquiries come, per channel) becomes the
market's `hour_of_week` for those channels.

Pure arithmetic on the config (no files, no simulation): the model imports `choice_weight`
from here, so the weight rule has one home.
"""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np

DAYS_PER_MONTH = 365.25 / 12
_EXACT_UP_TO = 8  # practices: beyond this, the listing share is estimated by sampling


def choice_weight(marketing: float, rating: float, review_count: float, rating_weight: float,
                  elasticity: float) -> float:
    """A practice's weight in prospects' choice before badges and bad word:
    marketing x exp(rating_weight (rating - 4.5)) x ((1 + reviews) / 61) ^ elasticity."""
    size = (1.0 + review_count) / 61.0
    return (marketing * math.exp(rating_weight * (rating - 4.5))
            * (math.sqrt(size) if elasticity == 0.5 else size**elasticity))


def start_weights(cfg) -> list[float]:
    """Every practice's weight at the start of a run, in slot order."""
    rep = cfg.reputation
    return [choice_weight(p.marketing_weight, p.reputation.rating, p.reputation.review_count,
                          rep.rating_weight, rep.review_count_elasticity)
            for p in cfg.practices.values()]


def listing_share(weights: list[float], shopping_list: list[float], j: int) -> float:
    """The chance that practice j is on a prospect's shopping list: the list's length k is
    drawn from `shopping_list` (weights of k = 1, 2, ...), then k practices are drawn one
    after another with chance proportional to weight among those left (what
    sim.model.arrivals.choose_practices does with Efraimidis-Spirakis keys)."""
    w = np.asarray(weights, dtype=float)
    sizes = np.asarray(shopping_list, dtype=float)
    sizes = sizes / sizes.sum()
    n = len(w)
    if w[j] <= 0:
        return 0.0
    if n <= _EXACT_UP_TO:
        # P(j among the first k) for each k, summed over the orders of draws
        first = np.zeros(n + 1)  # first[m]: P(j is drawn m-th)
        for m in range(1, min(len(sizes), n) + 1):
            total = 0.0
            for before in itertools.permutations([i for i in range(n) if i != j], m - 1):
                p, left = 1.0, w.sum()
                for i in before:
                    if left <= 0:
                        p = 0.0
                        break
                    p *= w[i] / left
                    left -= w[i]
                total += p * (w[j] / left if left > 0 else 0.0)
            first[m] = total
        on_list = np.cumsum(first[1:])
        return float(sum(sizes[k] * on_list[min(k, n - 1)] for k in range(len(sizes))))
    rng = np.random.default_rng(0)  # many practices: 200,000 simulated lists
    u = rng.random((200_000, n))
    with np.errstate(divide="ignore"):
        keys = np.where(w > 0, u ** (1.0 / np.where(w > 0, w, 1.0)), -1.0)
    rank = (keys > keys[:, [j]]).sum(axis=1)  # how many practices come before j
    k = rng.choice(len(sizes), size=len(u), p=sizes) + 1
    return float(np.mean(rank < k))


def channel_rates(market) -> dict[str, float]:
    """The market's prospects per day on each channel."""
    total = sum(float(v) for v in market.channel_mix.values())
    return {c: market.prospects_per_day * float(v) / total for c, v in market.channel_mix.items()}


def resolve_market(cfg, slot: str) -> None:
    """Set cfg.market's volume, channel mix and hour profile from practice `slot`'s own
    (in place; see the module docstring)."""
    focal = cfg.practices[slot]
    market = cfg.market
    for channel, profile in focal.inquiry_profile.items():
        market.hour_of_week[channel] = copy.deepcopy(profile)
    if not focal.inquiries_per_month:
        return
    rates = channel_rates(market)
    listed = None
    for channel, per_month in focal.inquiries_per_month.items():
        share = focal.inquiry_share.get(channel)
        if share is None:
            if listed is None:
                slots = list(cfg.practices)
                listed = listing_share(start_weights(cfg), list(market.shopping_list),
                                       slots.index(slot))
            share = listed
        rates[channel] = float(per_month) / DAYS_PER_MONTH / share if share > 0 else 0.0
    total = sum(rates.values())
    if total <= 0:
        from .config import ConfigError

        raise ConfigError(f"practices.{slot}.inquiries_per_month: "
                          f"{dict(focal.inquiries_per_month)} leaves the market without "
                          "prospects (allowed: at least one channel above 0)")
    mix = {c: r / total for c, r in rates.items()}
    old = market.channel_mix
    if math.isclose(total, market.prospects_per_day, rel_tol=1e-12) and set(mix) == set(old) \
            and all(math.isclose(mix[c], float(old[c]) / sum(map(float, old.values())),
                                 rel_tol=1e-12, abs_tol=1e-15) for c in mix):
        return  # resolved already: leave it bit for bit as it is
    market.prospects_per_day = total
    market.channel_mix = mix
