"""Who arrives, when, on which channel, and with which personal draws.

Organic prospects arrive as a non-homogeneous Poisson process: a daily volume split by
channel, times an hour-of-week profile per channel (phone in office hours; online
channels in the evenings and at weekends). Arrivals are drawn with numpy a day at a time:
a Poisson count per hour and channel, then uniform times inside the hour.

Each prospect's personal uniforms (shopping list, readiness, one per attempt by each
practice, hold patience, voicemail, show-up, procedure, weighing offers) come from their
own named streams, drawn per day in fixed-width blocks. A prospect's draws depend on the
seed, the day and their place in the day only, never on the practices: common random
numbers across staffing scenarios. When a practice has a nurture programme
(sim/model/nurture.py) each prospect also draws, from "traits.nurture", one block of
uniforms per practice for its micro-conversion offer and a key for the draws they would
have on coming back from a list; without a programme that stream is never touched.
"""

from __future__ import annotations

import numpy as np

from ..clock import HOURS_PER_WEEK, MINUTES_PER_DAY
from .choice import choose_practices  # noqa: F401  (re-exported: callers import it here)

MAX_ATTEMPTS = 6  # the longest cadence allowed (LRM 2007: a lead is worth up to 6 calls)
NURTURE_UNIFORMS = 4  # per practice: accept, ready again, which touch, shop again


def _weekly_profile(weekday: dict, saturday: dict, sunday: dict, rest: float) -> np.ndarray:
    """Hour-of-week weights from {hour: weight} maps for weekdays, Saturday and Sunday."""
    profile = np.full(HOURS_PER_WEEK, rest)
    for day in range(7):
        hours = weekday if day < 5 else saturday if day == 5 else sunday
        for hour, w in hours.items():
            profile[day * 24 + hour] = w
    return profile


# Phone calls come in office hours (peaks mid-morning and after lunch); little at night.
PHONE_PROFILE = _weekly_profile(
    weekday={7: 0.6, 8: 2.0, 9: 3.0, 10: 3.2, 11: 3.0, 12: 2.2, 13: 2.8, 14: 3.0, 15: 2.8,
             16: 2.4, 17: 1.5, 18: 0.8, 19: 0.5, 20: 0.3},
    saturday={9: 1.0, 10: 1.2, 11: 1.2, 12: 1.0, 13: 0.8, 14: 0.6, 15: 0.4},
    sunday={11: 0.3, 12: 0.3, 13: 0.3, 14: 0.3},
    rest=0.05,
)
# Online inquiries are written when people are free: evenings and weekends.
_ONLINE_DAY = {h: 1.0 for h in range(7, 19)} | {19: 1.8, 20: 2.2, 21: 2.4, 22: 2.0, 23: 1.2,
                                                   6: 0.5, 0: 0.5, 1: 0.3}
_ONLINE_WEEKEND = {h: 1.5 * w for h, w in _ONLINE_DAY.items()} | {10: 1.9, 11: 2.0, 12: 1.9}
ONLINE_PROFILE = _weekly_profile(_ONLINE_DAY, _ONLINE_WEEKEND, _ONLINE_WEEKEND, rest=0.2)


def hour_of_week_profile(channel: str, own: dict | None = None) -> np.ndarray:
    """Relative arrival intensity per hour of the week (sums to 1): the channel's profile in
    `own` (168 weights, or a config's WeekProfile) if it has one, else the built-in one."""
    given = (own or {}).get(channel)
    if given is not None:
        profile = np.asarray(given.hours() if hasattr(given, "hours") else given, dtype=float)
    else:
        profile = PHONE_PROFILE if channel == "phone" else ONLINE_PROFILE
    return profile / profile.sum()


class ProspectDraws:
    """One prospect's personal uniforms (all in [0, 1) unless named otherwise).

    The contact block holds, after `u_ready`, MAX_ATTEMPTS reach uniforms per practice and
    then one voicemail uniform per practice; `reach(j)` and `voicemail(j)` read practice
    j's share of it (only for the practices the prospect contacts). With a nurture
    programme in the market, `u_nurture` holds NURTURE_UNIFORMS uniforms per practice
    (`nurture_offer(j)`: practice j's offer, nurture.py) and `nurture_key` seeds the draws
    of the prospect's return from a list; otherwise neither is set."""

    __slots__ = ("u_size", "u_choice", "u_spread", "u_ready", "contact", "patience",
                 "u_show", "u_procedure", "u_procedure_kind", "u_weigh", "u_pick",
                 "u_nurture", "nurture_key", "u_experience")

    def reach(self, j: int) -> list[float]:
        """The uniforms of practice j's attempts to reach this prospect, in order."""
        return self.contact[1 + j * MAX_ATTEMPTS : 1 + (j + 1) * MAX_ATTEMPTS]

    def voicemail(self, j: int) -> float:
        """The uniform deciding whether the prospect leaves practice j a voicemail."""
        return self.contact[len(self.contact) - len(self.patience) + j]

    def nurture_offer(self, j: int) -> list[float]:
        """The uniforms deciding practice j's micro-conversion offer (nurture.py)."""
        return self.u_nurture[j * NURTURE_UNIFORMS : (j + 1) * NURTURE_UNIFORMS]

    def experience(self, j: int, width: int) -> list[float]:
        """The uniforms of the prospect's judgement of practice j (reviews.py's block)."""
        return self.u_experience[j * width : (j + 1) * width].tolist()

    def shopping_list_size(self, cumulative: list[float]) -> int:
        for k, c in enumerate(cumulative, start=1):
            if self.u_size < c:
                return k
        return len(cumulative)


class DailyArrivals:
    """Draws each day's organic prospects: arrival times, channels and personal draws."""

    def __init__(self, streams, channel_mix: dict, prospects_per_day: float,
                 n_practices: int, patience_mean, profiles: dict | None = None,
                 nurture: bool = False, experience_width: int = 0):
        names = list(channel_mix)
        shares = np.array([channel_mix[c] for c in names], dtype=float)
        shares /= shares.sum()
        self.channels = names
        self.profiles = dict(profiles or {})
        # expected arrivals per hour of week, per channel: weekly volume x share x profile
        weekly = 7.0 * prospects_per_day
        self.hourly_rate = np.vstack(
            [weekly * s * self.profile(c) for c, s in zip(names, shares)]
        )
        self.n_practices = n_practices
        # mean hold patience: one number, or one per practice (the practice's own callers)
        self.patience_mean = (patience_mean if np.ndim(patience_mean) == 0
                              else np.asarray(patience_mean, dtype=float))
        self._arrivals = streams("arrivals")
        self._list = streams("traits.shopping")
        self._contact = streams("traits.contact")
        self._booking = streams("traits.booking")
        self._comparison = streams("traits.comparison")  # weighing offers (prospect.py)
        # micro-conversion offers (nurture.py): drawn only with a programme in the market
        self._nurture = streams("traits.nurture") if nurture else None
        # the judgements after the inquiry (reviews.py): `experience_width` uniforms per
        # practice, drawn only with the reputation model on
        self.experience_width = int(experience_width)
        self._experience = streams("traits.experience") if experience_width else None

    def profile(self, channel: str) -> np.ndarray:
        """The channel's hour-of-week profile in this market (sums to 1)."""
        return hour_of_week_profile(channel, self.profiles)

    def day(self, day: int) -> list[tuple[float, str, ProspectDraws]]:
        """The organic prospects of one day, in arrival order."""
        hours = (day % 7) * 24 + np.arange(24)
        counts = self._arrivals.poisson(self.hourly_rate[:, hours])  # channels x 24
        n = int(counts.sum())
        chan_idx = np.repeat(np.repeat(np.arange(len(self.channels)), 24), counts.ravel())
        hour_idx = np.repeat(np.tile(np.arange(24), len(self.channels)), counts.ravel())
        times = day * MINUTES_PER_DAY + 60.0 * (hour_idx + self._arrivals.random(n))
        order = np.argsort(times, kind="stable")
        times, chan_idx = times[order], chan_idx[order]
        draws = self.personal_draws(n, self._list, self._contact, self._booking,
                                    self._comparison, self._nurture,
                                    experience_rng=self._experience)
        return [(float(times[i]), self.channels[chan_idx[i]], draws[i]) for i in range(n)]

    def personal_draws(self, n: int, shopping_rng, contact_rng, booking_rng, comparison_rng,
                       nurture_rng=None, experience_rng=None) -> list[ProspectDraws]:
        """The personal draws of n prospects, one fixed-width block per stream. `day` uses
        the organic streams; referred prospects (sim/model/word_of_mouth.py) pass their own
        streams, so they never shift the organic prospects' draws. With `nurture_rng`
        (a nurture programme in the market) also the nurture block and key; with
        `experience_rng` (the reputation model on) the judgements' block."""
        p = self.n_practices
        shopping = shopping_rng.random((n, 1 + 2 * p)).tolist()
        contact = contact_rng.random((n, 1 + p * MAX_ATTEMPTS + p)).tolist()
        patience = (contact_rng.standard_exponential((n, p)) * self.patience_mean).tolist()
        booking = booking_rng.random((n, 3)).tolist()
        comparison = comparison_rng.random((n, 2)).tolist()  # whether to weigh, which offer
        if nurture_rng is not None:
            nurture = nurture_rng.random((n, NURTURE_UNIFORMS * p)).tolist()
            keys = nurture_rng.integers(0, 2**63, size=n).tolist()
        judging = experience_rng is not None and self.experience_width > 0
        if judging:
            experience = experience_rng.random((n, self.experience_width * p))
        out = []
        for i in range(n):
            d = ProspectDraws()
            row = shopping[i]
            d.u_size, d.u_choice, d.u_spread = row[0], row[1 : 1 + p], row[1 + p :]
            d.contact = row = contact[i]
            d.u_ready = row[0]
            d.patience = patience[i]
            d.u_show, d.u_procedure, d.u_procedure_kind = booking[i]
            d.u_weigh, d.u_pick = comparison[i]
            if nurture_rng is not None:
                d.u_nurture, d.nurture_key = nurture[i], keys[i]
            if judging:
                d.u_experience = experience[i]
            out.append(d)
        return out


class PoissonCalls:
    """Homogeneous Poisson calls (the M/M/c+M scenario): gaps and patience in blocks."""

    def __init__(self, streams, per_minute: float, patience_mean: float, block: int = 4096):
        self._gaps = streams("arrivals")
        self._patience = streams("patience")
        self.mean_gap = 1.0 / per_minute
        self.patience_mean = patience_mean
        self.block = block

    def __iter__(self):
        while True:
            gaps = (self._gaps.standard_exponential(self.block) * self.mean_gap).tolist()
            pats = (self._patience.standard_exponential(self.block) * self.patience_mean).tolist()
            yield from zip(gaps, pats)
