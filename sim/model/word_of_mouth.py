"""Word of mouth: referrals after a good experience, bad word after a bad one.

A prospect who `told_friend` after a good experience makes a referred prospect later
with chance `referral_share`: after an exponential delay (`referral_delay_days`), on a
channel the referring practice answers (weighted by the market's channel mix), at an hour
drawn from that channel's hour-of-week profile, with `source=referral` and a short
shopping list, the referrer first (choice.py). Referred prospects' personal draws come
from their own streams ("referrals.*", through `DailyArrivals.personal_draws`), so they
never shift the organic prospects' draws (common random numbers).

After a bad experience the telling adds one to the practice's bad word, which halves
every `bad_word_half_life_days` and lowers the practice's weight in prospects' choice
(choice.py) by exp(-bad_word_reach x bad word / shoppers with the same memory).
"""

from __future__ import annotations

from ..clock import MINUTES_PER_DAY
from .experience import NAN
from .reviews import U_REFER_CHANNEL, U_REFER_DELAY, U_REFER_HOUR, U_REFER_LIST, U_REFER_MINUTE
from .streams import _cumulative, _exponential, _pick


class WordOfMouth:
    """Referrals and bad word of the `ReputationModel` (a mixin)."""

    __slots__ = ()

    def bad_word(self, practice, now: float | None = None) -> float:
        rep = practice.reputation
        t = self.env.now if now is None else now
        return rep.bad_word * 0.5 ** ((t - rep.bad_word_at) / self.half_life)

    def _bad_word(self, practice) -> None:
        rep, now = practice.reputation, self.env.now
        rep.bad_word = self.bad_word(practice, now) + 1.0
        rep.bad_word_at = now
        self._weights = None

    def _referral_channels(self, mix: dict) -> dict:
        """Per practice: the channels a referred friend may use (the ones the practice
        answers, weighted by the market's channel mix) as (names, cumulative shares)."""
        out = {}
        for practice in self.practices:
            names = [c for c in mix if c in practice.channels and mix[c] > 0] or list(mix)
            out[practice.slot] = (names, _cumulative([mix[c] for c in names]))
        return out

    def _schedule_referral(self, practice, at: float, u) -> float:
        """A friend told of a good experience will inquire: when, on which channel. Returns
        the arrival time, or NaN when it would fall after the last day of arrivals."""
        names, cdf = self._channels[practice.slot]
        channel = names[_pick(cdf, u[U_REFER_CHANNEL])]
        t = at + _exponential(u[U_REFER_DELAY], self.cfg.referral_delay_days * 1440.0)
        day = int(t // MINUTES_PER_DAY)
        hours = self._hours(channel, day % 7)
        t = day * MINUTES_PER_DAY + 60.0 * (_pick(hours, u[U_REFER_HOUR]) + u[U_REFER_MINUTE])
        if t < self.env.now:
            t += MINUTES_PER_DAY
        if t >= self.last_arrival:
            return NAN
        on_list = u[U_REFER_LIST] < self.cfg.referrer_share
        self._at(t, self._referral_arrives, (practice, channel, on_list))
        return t

    def _hours(self, channel: str, weekday: int) -> list[float]:
        key = (channel, weekday)
        cdf = self._hour_cdf.get(key)
        if cdf is None:
            profile = self.market.arrivals.profile(channel)[weekday * 24 : weekday * 24 + 24]
            cdf = self._hour_cdf[key] = _cumulative(profile.tolist())
        return cdf

    def _next_draws(self):
        if not self._referral_draws:
            if self._referral_rngs is None:
                s = self.market.streams
                self._referral_rngs = (s("referrals.shopping"), s("referrals.contact"),
                                       s("referrals.booking"), s("referrals.comparison"))
                if self.market.nurture.enabled:  # micro-conversion offers (nurture.py)
                    self._referral_rngs += (s("referrals.nurture"),)
            judging = self.market.streams("referrals.experience")
            self._referral_draws = self.market.arrivals.personal_draws(
                64, *self._referral_rngs, experience_rng=judging)
            self._referral_draws.reverse()
        return self._referral_draws.pop()

    def _referral_arrives(self, practice, channel, on_list) -> None:
        practice.reputation.referral_prospects += 1
        self._on_list = on_list
        self.market.new_prospect(channel, "referral", self._next_draws(), referred_by=practice)
