"""Nurture: micro-conversions of prospects who are not ready to book, and their return.

A practice with a nurture programme (`PracticeConfig.nurture`) that reaches a prospect
who is no longer ready to book (the inquiry ends `too_late`) offers them a
micro-conversion: a newsletter sign-up, a video, a poll. They accept with `accept_share`
and join the practice's list (one list per prospect: the first they accept). The practice
then sends a touch every `touch_every_days`, `touches` in all. A share
`ready_again_share` of the list becomes ready again and answers one of the touches, each
touch as likely, so the return comes 1 to `touches` cadences after the sign-up.

Back from the list, they inquire again on their own channel, as a new prospect (`source`
nurture, `nurtured_by` the practice): with the nurturing practice alone, or, with
`shop_again_share`, with it first and then a shopping list drawn as an organic
prospect's. Why not a fixed booking chance: they come back ready (their readiness
uniform is drawn below the curve's peak, so the ready curve runs from their new
inquiry), and then the practice must still reach them in time, as any inquiry; what
makes their chance higher than a stranger's is that they are ready when they write and
that the nurturing practice is first, mostly alone, on their list.

Draws: the decisions on practice j's offer (accept, ready again, which touch, shop
again) are the prospect's own: practice j's block of `ProspectDraws.u_nurture`, drawn
with their other traits from the day-blocked stream "traits.nurture" (referred prospects:
"referrals.nurture"). A returning prospect's personal draws come from a generator seeded
with the first prospect's `nurture_key` (drawn there too). So a prospect's nurture
decisions and return depend on the seed and who they are, not on what other practices
did before: common random numbers across plans. None of it is drawn unless a practice
has a programme, so runs without one are unchanged bit for bit.
Returns after the last day of arrivals do not happen in the run: the list still waiting
then is valued by its expected returns (`NurtureList.pending`).
"""

from __future__ import annotations

import math

import numpy as np

from ..clock import MINUTES_PER_DAY
from .choice import choose_practices
from .economics import booking_value

U_ACCEPT, U_READY_AGAIN, U_TOUCH, U_SHOP = range(4)  # in ProspectDraws.nurture_offer(j)


class NurtureList:
    """One practice's nurture programme: its settings, the prospects waiting on its list
    (prospect id -> when they joined) and its running counts."""

    __slots__ = ("accept_share", "ready_again_share", "touches", "touch_every",
                 "shop_again_share", "waiting", "micro_conversions", "returns")

    def __init__(self, cfg):
        self.accept_share = float(cfg.accept_share)
        self.ready_again_share = float(cfg.ready_again_share)
        self.touches = int(cfg.touches)
        self.touch_every = float(cfg.touch_every_days) * MINUTES_PER_DAY
        self.shop_again_share = float(cfg.shop_again_share)
        self.waiting: dict[int, float] = {}
        self.micro_conversions = 0
        self.returns = 0

    def touches_sent(self, joined_at: float, now: float) -> int:
        """Touches sent strictly before `now` to someone who joined at `joined_at`."""
        return min(self.touches, max(0, math.ceil((now - joined_at) / self.touch_every) - 1))

    def still_to_return(self, joined_at: float, now: float) -> float:
        """The chance that someone still waiting at `now` comes back later: of those who
        join, s come back at touch 1..N each as likely, so after m touches without a
        return the chance is s (N - m) / (N - s m)."""
        n, s = self.touches, self.ready_again_share
        m = self.touches_sent(joined_at, now)
        return s * (n - m) / (n - s * m) if m < n else 0.0

    def pending(self, now: float) -> tuple[int, float]:
        """Those waiting at `now` with touches still to come, and their expected returns."""
        count, expected = 0, 0.0
        for joined_at in self.waiting.values():
            if self.touches_sent(joined_at, now) < self.touches:
                count += 1
                expected += self.still_to_return(joined_at, now)
        return count, expected


class Nurture:
    """The nurture programmes of a LeadMarket: offers, returns and the records. Inert
    (`enabled` False) unless a practice has a programme, and in the mmc scenario."""

    def __init__(self, market):
        self.market = market
        self.env = market.env
        self.enabled = market.kind.value == "market" and any(
            p.cfg.nurture.enabled for p in market.practices)
        for practice in market.practices:
            practice.nurture = (NurtureList(practice.cfg.nurture)
                                if self.enabled and practice.cfg.nurture.enabled else None)
        self.last_arrival = market.days * float(MINUTES_PER_DAY)
        self._on_return = self._returns  # one bound method for every return

    def offer(self, practice, inq, prospect, now: float) -> None:
        """`practice` reached `prospect` too late to book: the micro-conversion offer."""
        if prospect.micro_converted_with is not None or prospect.nurtured_by is not None:
            return  # on a list already (one list per prospect)
        programme = practice.nurture
        u = prospect.draws.nurture_offer(practice.index)
        if u[U_ACCEPT] >= programme.accept_share:
            return
        inq.micro_converted = True
        prospect.micro_converted_with = practice
        programme.micro_conversions += 1
        programme.waiting[prospect.prospect_id] = now
        if u[U_READY_AGAIN] < programme.ready_again_share:
            touch = min(programme.touches, 1 + int(u[U_TOUCH] * programme.touches))
            at = now + touch * programme.touch_every
            if at < self.last_arrival:
                self.env.call_in(at - now, self._on_return, (
                    practice, prospect.prospect_id, prospect.channel,
                    u[U_SHOP] < programme.shop_again_share, prospect.draws.nurture_key))

    def _draws_back(self, key: int):
        """The personal draws of a prospect back from a list: from a generator seeded with
        their first inquiry's `nurture_key`, so they are theirs whatever else happened."""
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))
        draws = self.market.arrivals.personal_draws(1, rng, rng, rng, rng, experience_rng=rng)[0]
        draws.u_ready *= self.market.ready_curve(0.0)  # ready when they write
        return draws

    def _returns(self, value) -> None:
        """A prospect on `practice`'s list is ready again and answers its touch."""
        practice, prospect_id, channel, shops, key = value
        programme = practice.nurture
        del programme.waiting[prospect_id]
        programme.returns += 1
        draws = self._draws_back(key)
        chosen = [practice.index]
        if shops:
            reputation = self.market.reputation
            weights = reputation.attractiveness()
            weights[practice.index] = 0.0
            k = draws.shopping_list_size(reputation.size_cdf)
            chosen += choose_practices(weights, draws.u_choice, k)
        self.market.new_prospect(channel, "nurture", draws, chosen=chosen,
                                 nurtured=(practice, prospect_id))

    def practice_row(self, practice) -> dict:
        """The practice's list at the end of the arrivals: waiting with touches to come,
        their expected returns, and what a booking is worth in expectation (empty without
        a programme in the market)."""
        if not self.enabled:
            return {}
        count, expected = (0, 0.0) if practice.nurture is None else \
            practice.nurture.pending(self.last_arrival)
        return {"nurture_pending": count, "nurture_pending_returns": expected,
                "booking_value": booking_value(practice.cfg.economics)}
