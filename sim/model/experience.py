"""How a prospect judges a practice after the inquiry, and what they do about it.

Pure rules, no state (sim/model/reviews.py runs them in the market):

- `judge_service`: one practice's service on one inquiry, scored +1 / 0 / -1 with a cause,
  from its record (response time against the channel's expectation or the auto-responder's
  promise, hold time, call-backs, no answer at all);
- `experience_of`: that score plus the consultation (or a clinical disappointment) gives
  a good, neutral or bad experience;
- `ActionMix`: who acts after an experience and how (Optus 2014 shares, several actions).
"""

from __future__ import annotations

import math
from bisect import bisect_right

from ..clock import MINUTES_PER_WEEK, merge_windows, weekly_windows
from ..vocabulary import (  # noqa: F401  (experiences and causes: re-exported)
    BAD,
    BROKEN_PROMISE,
    CAUSES,
    CLINICAL,
    EXPERIENCES,
    GOOD,
    GOOD_CONSULTATION,
    GOOD_SERVICE,
    LONG_HOLD,
    MOVED_ON,
    NEUTRAL,
    NO_RESPONSE,
    SLOW_RESPONSE,
)

NAN = math.nan
SERVICE = {1: GOOD, 0: NEUTRAL, -1: BAD}


# --------------------------------------------------------------------------- actions


class ActionMix:
    """Who acts after an experience, and how: P(act) = `act`, and each action with its share
    of everyone who had the experience (`shares`), several allowed.

    Actors draw each action independently with p_a = (s_a / act) Z, conditioned on doing at
    least one, where Z = 1 - prod(1 - p_a) makes every marginal exactly s_a. The condition is
    drawn in sequence, one uniform per action: while none is chosen yet, action k is taken
    with p_k / P(at least one of k, k+1, ...), afterwards with p_k.
    """

    __slots__ = ("act", "names", "p", "q_first")

    def __init__(self, act: float, shares: dict[str, float]):
        self.act = float(act)
        self.names = tuple(shares)
        n = len(self.names)
        m = [float(s) / act if act > 0 else 0.0 for s in shares.values()]
        z = _solve_z(m)
        if z > 0:
            p = [mi * z for mi in m]
            none_from = [1.0] * (n + 1)  # P(none of k, k+1, ...)
            for k in reversed(range(n)):
                none_from[k] = none_from[k + 1] * (1.0 - p[k])
            q = [p[k] / (1.0 - none_from[k]) if none_from[k] < 1.0 else 1.0 for k in range(n)]
        else:  # the shares add up to exactly `act`: one action each, never several
            total = sum(m) or 1.0
            q, remaining = [], 1.0
            for mi in m:
                q.append(mi / total / remaining if remaining > 1e-12 else 1.0)
                remaining -= mi / total
            p = [0.0] * n
        self.p = p
        self.q_first = [min(1.0, x) for x in q]

    def draw(self, u_act: float, u_actions) -> tuple[str, ...]:
        """The actions of one person (empty if they do nothing), from their uniforms."""
        if u_act >= self.act:
            return ()
        chosen, p, q = [], self.p, self.q_first
        for k, name in enumerate(self.names):
            if u_actions[k] < (p[k] if chosen else q[k]):
                chosen.append(name)
        return tuple(chosen)


def _solve_z(m: list[float]) -> float:
    """The root Z in (0, 1] of Z = 1 - prod(1 - m_a Z); 0 when sum(m) <= 1."""
    if sum(m) <= 1.0 + 1e-12:
        return 0.0

    def gap(z):
        prod = 1.0
        for mi in m:
            prod *= 1.0 - mi * z
        return 1.0 - prod - z

    lo, hi = 1e-12, 1.0
    if gap(hi) >= 0:
        return hi
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if gap(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------- judging


class ServiceRules:
    """What prospects expect (from `ReputationModelConfig`)."""

    __slots__ = ("expected", "bad_after", "broken_promise_factor", "hold_ok", "hold_bad")

    def __init__(self, cfg):
        self.expected = {k: float(v) for k, v in cfg.expected_minutes.items()}
        self.bad_after = {k: float(v) for k, v in cfg.bad_after_minutes.items()}
        self.broken_promise_factor = float(cfg.broken_promise_factor)
        self.hold_ok = float(cfg.hold_ok_minutes)
        self.hold_bad = float(cfg.hold_bad_minutes)


def _judge_wait(response, expected, bad_after, late_cause, waited):
    """(score, cause) of a response time, or of no response after waiting `waited`."""
    if response == response:  # answered
        if response <= expected:
            return 1, GOOD_SERVICE
        return (0, late_cause) if response <= bad_after else (-1, late_cause)
    if waited <= expected:
        return 0, MOVED_ON
    return -1, NO_RESPONSE


def _hold_score(hold, rules):
    if hold <= rules.hold_ok:
        return 1, GOOD_SERVICE
    return (0, LONG_HOLD) if hold <= rules.hold_bad else (-1, LONG_HOLD)


def judge_service(inq, waited: float, rules: ServiceRules, promised: float = NAN,
                  opening=None):
    """How one practice served one inquiry: (score +1/0/-1, cause, judged_minutes,
    expected_minutes). `waited`: minutes until the prospect booked elsewhere (inf if they
    did not); `promised`: the auto-responder's promise if the inquiry was acknowledged,
    counted in the practice's `opening` hours (an OpeningHours) when given."""
    arrived = inq.arrived_at
    if inq.channel != "phone":
        response = inq.answered_at - arrived
        if promised == promised:
            expected, bad_after = promised, promised * rules.broken_promise_factor
            late = BROKEN_PROMISE
            if opening is not None:  # "we reply within N minutes of our opening hours"
                if response == response:
                    response = opening.minutes(arrived, inq.answered_at)
                if waited != math.inf:
                    waited = opening.minutes(arrived, arrived + waited)
        else:
            expected, bad_after = rules.expected[inq.channel], rules.bad_after[inq.channel]
            late = SLOW_RESPONSE
        score, cause = _judge_wait(response, expected, bad_after, late, waited)
        return score, cause, response, expected
    # the wait before a person: the phone menu, then the hold queue (seed 002)
    hold = inq.hold_minutes + inq.menu_minutes
    answered = inq.answered_at == inq.answered_at
    # call-back attempts set first_attempt_at; a live pick-up comes before any of them
    live = answered and not inq.service_answered and not inq.first_attempt_at <= inq.answered_at
    if live:  # picked up by the practice's own staff
        score, cause = _hold_score(hold, rules)
        return score, cause, hold, rules.hold_ok
    expected, bad_after = rules.expected["phone"], rules.bad_after["phone"]
    if inq.service_answered:  # the answering service took a message: a call-back is due
        first = _hold_score(hold, rules)
        callback = inq.first_attempt_at - arrived
    else:  # hung up on hold or found the line closed; perhaps called back
        if inq.abandoned:
            first = (0, LONG_HOLD) if hold <= rules.hold_bad else (-1, LONG_HOLD)
        else:
            first = (1, GOOD_SERVICE)
        callback = inq.answered_at - arrived  # the first call-back attempt
        if not answered and not inq.voicemail:  # no message left, nobody called back
            if not inq.abandoned and waited <= hold + 1e-9:  # left the hold queue to book
                score, cause = _hold_score(hold, rules)  # elsewhere: judged by the hold
                return min(score, 0), (MOVED_ON if score > 0 else cause), hold, rules.hold_ok
            return -1, (LONG_HOLD if inq.abandoned else NO_RESPONSE), NAN, expected
    second = _judge_wait(callback, expected, bad_after, SLOW_RESPONSE, waited)
    score, cause = first if first[0] < second[0] else second
    return score, cause, callback, expected


def experience_of(service: int, service_cause: str, consulted: bool, u_clinical: float,
                  clinical_rate: float) -> tuple[str, str]:
    """Service score plus the consultation (if the prospect came to one) -> (experience,
    cause)."""
    total = service
    if consulted:
        if u_clinical < clinical_rate:
            return BAD, CLINICAL
        total += 1
    if total >= 1:
        return GOOD, (GOOD_SERVICE if service == 1 else GOOD_CONSULTATION)
    return (BAD if total <= -1 else NEUTRAL), service_cause


class OpeningHours:
    """A practice's weekly opening hours, to count the minutes it is open between two
    times (bisection over one week's windows; the week repeats)."""

    __slots__ = ("starts", "ends", "before", "week")

    def __init__(self, hours):
        windows = merge_windows(
            w for h in hours for w in weekly_windows(h.days, h.start, h.end, 7))
        self.starts = [s for s, _ in windows]
        self.ends = [e for _, e in windows]
        self.before, acc = [], 0.0  # open minutes of the week before each window
        for s, e in windows:
            self.before.append(acc)
            acc += e - s
        self.week = acc

    def _until(self, t: float) -> float:
        weeks, r = divmod(t, MINUTES_PER_WEEK)
        i = bisect_right(self.starts, r) - 1
        part = 0.0 if i < 0 else self.before[i] + min(r, self.ends[i]) - self.starts[i]
        return weeks * self.week + part

    def minutes(self, start: float, end: float) -> float:
        """Open minutes in [start, end) (all of them if the practice is never open)."""
        if self.week <= 0.0:
            return end - start
        return self._until(end) - self._until(start)
