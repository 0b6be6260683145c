"""Prospects: people who inquire, shop several practices and lose interest by the minute.

Interest is a closed-form function of the time since the prospect's inquiry, evaluated
only when something happens (an attempt to reach them, a call picked up); nothing ticks.
Two curves follow from it (`prospect=` config group, CALIBRATION.md):

- reachability r(t): the chance that an attempt at time t reaches them (they pick up, or
  reply), drawn afresh for every attempt from the prospect's own uniforms;
- readiness R(t): the share of prospects still ready to book at time t. Each prospect
  draws one uniform u and is ready while u < R(t). Because R only falls, a prospect who
  is ready at t was ready at every earlier time: readiness is a deadline, drawn once.

Shoppers weigh offers (`prospect.comparison`): a prospect reached while ready who still
has another inquiry open may, instead of booking at once, hold the offer and wait a window
for the others' answers (the offer in hand keeps them ready meanwhile), then book one of
the offers by rating and price (LeadMarket.weigh_offers, choice.offer_pick). So the first
practice to respond wins most bookings, not all (CALIBRATION.md: Lead Connect 2021).

Both curves are a fast component plus a slow power-law tail, so one form can carry both
the steep early decay of the LRM 2007 study and the slow tail of the aesthetic practice
figures. The fast component is exponential, or with `fast_shape` > 1 a Weibull survival
that stays high for a while and then drops (LRM 2007 needs it: experiments/fit_profiles).
"""

from __future__ import annotations

import math

import mesa

from .inquiry import BOOKED, LOST, OFFER, TOO_LATE


class Curve:
    """peak * (w exp(-(t/fast)^shape) + (1-w) (1 + t/tail)^-exponent), t in minutes >= 0.

    shape 1 (the default) makes the fast component exponential."""

    __slots__ = ("peak", "w", "fast", "tail", "exponent", "shape")

    def __init__(self, peak, fast_weight, fast_minutes, tail_minutes, tail_exponent,
                 fast_shape=1.0):
        self.peak = float(peak)
        self.w = float(fast_weight)
        self.fast = float(fast_minutes)
        self.tail = float(tail_minutes)
        self.exponent = float(tail_exponent)
        self.shape = float(fast_shape)

    @classmethod
    def from_config(cls, c) -> Curve:
        return cls(c.peak, c.fast_weight, c.fast_minutes, c.tail_minutes, c.tail_exponent,
                   getattr(c, "fast_shape", 1.0))

    def __call__(self, t: float) -> float:
        if t < 0.0:
            t = 0.0
        slow = (1.0 + t / self.tail) ** -self.exponent
        if self.w:
            fast = math.exp(-((t / self.fast) ** self.shape))
            return self.peak * (self.w * fast + (1.0 - self.w) * slow)
        return self.peak * slow


class Prospect(mesa.Agent):
    """A person looking for a practice: arrives once, contacts a shopping list of practices
    on one channel, and books with the first practice that reaches them while still ready,
    or weighs that offer against the others' for a while (module docstring).

    Parameters are the prospect's draws from the common-random-number streams, so the same
    seed gives the same person whatever the practices do.
    """

    # Nurture (nurture.py), set only when it happens: the practice whose micro-conversion
    # they accepted, and for a prospect back from a list the practice that nurtured them
    # and their prospect id when they first inquired.
    micro_converted_with = None
    nurtured_by = None
    nurture_of = 0

    def __init__(self, model, arrived_at, channel, source, draws, referred_by=None):
        super().__init__(model)
        self.arrived_at = arrived_at
        self.channel = channel
        self.source = source  # "organic" or "referral"
        self.referred_by = referred_by
        self.draws = draws  # ProspectDraws: this person's uniforms (see arrivals.py)
        self.shopping_list: list = []  # practices, in the order contacted
        self.inquiries: list = []
        self.open_inquiries = 0
        self.pending_inquiries = 0  # inquiries on the list not yet made
        self.booked_with = None
        self.booked_at = math.nan
        self.consultation_at = math.nan
        self.showed = False
        self.converted = False
        self.procedure = ""
        self.revenue = 0.0
        self.offers = ()  # while weighing offers: the inquiries that made one, in order

    # ------------------------------------------------------------------ decisions

    def reached(self, inquiry, now: float) -> str:
        """A practice reached this prospect: book with it, or say it is too late."""
        if self.booked_with is not None:
            return LOST
        if self.offers:  # weighing offers: ready while the window is open
            self.offers.append(inquiry)
            return OFFER
        if self.draws.u_ready < self.model.ready_curve(now - self.arrived_at):
            if (self.open_inquiries > 1 or self.pending_inquiries) and self.model.weighs(self):
                self.offers = [inquiry]
                self.model.start_weighing(self)
                return OFFER
            self.booked_with = inquiry.practice
            self.booked_at = now
            return BOOKED
        return TOO_LATE

    def answers_attempt(self, inquiry, now: float) -> bool:
        """Whether the attempt number `inquiry.attempts` reaches the prospect now."""
        u = inquiry.u_reach[min(inquiry.attempts, len(inquiry.u_reach)) - 1]
        return u < self.model.reach_curve(now - self.arrived_at)

    @property
    def waits_for_nothing(self) -> bool:
        """Weighing offers, and every inquiry still open has made one (none to come)."""
        return self.pending_inquiries == 0 and self.open_inquiries == len(self.offers)

    @property
    def done(self) -> bool:
        return self.open_inquiries == 0 and self.pending_inquiries == 0
