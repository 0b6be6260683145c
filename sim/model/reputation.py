"""After the inquiry: experience, actions, reviews, word of mouth, response badges, and the
weight model that feeds a practice's reputation back into prospects' choices.

When a prospect is done (every inquiry has ended: `LeadMarket.prospect_done`), they judge
each practice they contacted, from that practice's own record of the inquiry (the rules
are pure functions in sim/model/experience.py):

- Service, scored +1 / 0 / -1. A written inquiry is judged by the time to the first human
  response against what the prospect expected on that channel, or against what the
  auto-responder promised, a promise counting the practice's opening hours as auto-replies
  word it (`reputation.expected_minutes`, `bad_after_minutes`, `broken_promise_factor`,
  `promise_in_opening_hours`). A live call is judged by its hold time (seed 002: more than a
  minute is too long); a call that went to voicemail or to the answering service by the
  time to the call-back. No answer at all is bad, unless the prospect booked elsewhere
  before they expected one (`moved_on`).
- The consultation, if they booked here and came: +1, or a clinical disappointment at a
  low rate (seed 001: most bad reviews of practices are about service).
- The sum is the experience: good (>= 1), neutral (0) or bad (<= -1), tagged with a cause:
  good_service, good_consultation, slow_response, broken_promise, long_hold, no_response,
  moved_on, clinical.

The consultation's outcome is drawn when it is booked (practice.py), so the judgement is
made at once; what follows from it waits with a SimPy timeout until the consultation
(booked practice) or the judgement, plus a delay. No prospect is kept alive for it.

Actions (Optus 2014, CALIBRATION.md): the share who act after each experience, then which
actions, several allowed, drawn so that each action's share of everyone who had the
experience and the share who act are both exactly the configured figures (`ActionMix`).
`posted_online` writes a review (site, stars, posted after a delay) that moves the
practice's rating as a running mean; `told_friend` after a good experience makes a
referred prospect later with chance `referral_share` (`source=referral`, a short shopping
list with the referrer first); after a bad one it adds to the practice's bad word, which
lowers its weight and fades. Complaints, surveys, research and switching are recorded.

Badges are computed once a day from the practice's real record (CALIBRATION.md):
Facebook "very responsive" (>= 90% of social DMs answered within 15 min over the last 7
days) and Yelp's median response time to review-site messages over 30 days, counting only
08:00-18:00. The weight of a practice in prospects' choice is

    marketing_weight x exp(rating_weight (rating - 4.5)) x ((1 + reviews) / 61) ^ elasticity
    x facebook_badge_boost (if shown) x yelp_badge_boost (if shown)
    x exp(-bad_word_reach x bad word / shoppers with the same memory)

which at the start of a run, with no badges and no bad word, is the market's earlier
weight. Draws come from their own streams ("experience"; referred prospects' personal draws
from "referrals.*" through `DailyArrivals.personal_draws`), one fixed-width block per
judgement, so organic prospects are untouched (common random numbers).
"""

from __future__ import annotations

import math
from collections import deque

from ..volume import choice_weight
from .arrivals import choose_practices
from .clock import MINUTES_PER_DAY
from .experience import (
    BAD,
    EXPERIENCES,
    GOOD,
    NAN,
    SERVICE,
    ActionMix,
    OpeningHours,
    ServiceRules,
    experience_of,
    judge_service,
)

# Platform rules (CALIBRATION.md, "response-time badges": the platforms' help pages).
FACEBOOK_CHANNEL = "social_dm"
FACEBOOK_WINDOW_MINUTES = 7 * MINUTES_PER_DAY
FACEBOOK_FAST_MINUTES = 15.0
FACEBOOK_SHARE = 0.90
YELP_CHANNEL = "review_site"
YELP_WINDOW_MINUTES = 30 * MINUTES_PER_DAY
YELP_DAY_START, YELP_DAY_END = 8 * 60, 18 * 60  # 18:00-08:00 does not count

# One judgement's uniforms from the "experience" stream (fixed width: common random numbers).
(U_CLINICAL, U_ACT, U_STARS, U_SITE, U_REVIEW_DELAY, U_REFER, U_REFER_DELAY, U_REFER_CHANNEL,
 U_REFER_HOUR, U_REFER_MINUTE, U_REFER_LIST, U_ASKED) = range(12)
U_ACTIONS = 12  # then one per action of the longest mix

# The experiences table as recorded (sim/analysis/reputation.py adds the inquiry's channel,
# outcome and response time, and the prospect's source).
EXPERIENCE_COLUMNS = ("prospect_id", "practice", "inquiry_id", "judged_minutes",
                      "expected_minutes", "service", "experience", "cause", "experienced_at",
                      "actions", "review_stars", "review_site", "review_due_at",
                      "referral_due_at")
REVIEW_COLUMNS = ("review_id", "prospect_id", "practice", "site", "stars", "cause",
                  "experience", "channel", "experienced_at", "posted_at")


def draw_actions(mix: ActionMix, uniforms) -> tuple[str, ...]:
    """Actions from one row of uniforms laid out as an experience block (tests use this)."""
    return mix.draw(uniforms[U_ACT], uniforms[U_ACTIONS:])


# --------------------------------------------------------------------------- badges


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


class PracticeReputation:
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


class ReputationModel:
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
        self.referral_cdf = _cumulative(list(cfg.referral_shopping_list)[: max(n, 1)])
        self.half_life = cfg.bad_word_half_life_days * MINUTES_PER_DAY
        # shoppers with the same fading memory as the bad word (organic arrivals)
        self.shoppers = (market.config.market.prospects_per_day
                         * cfg.bad_word_half_life_days / math.log(2))
        self.last_arrival = market.days * float(MINUTES_PER_DAY)
        self._rows: list[list[float]] = []
        self._rng = market.streams("experience") if self.enabled else None
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

    # ---------------------------------------------------------------- weights

    def bad_word(self, practice, now: float | None = None) -> float:
        rep = practice.reputation
        t = self.env.now if now is None else now
        return rep.bad_word * 0.5 ** ((t - rep.bad_word_at) / self.half_life)

    def weight(self, practice) -> float:
        """The practice's weight in prospects' choice of practices (module docstring)."""
        cfg, rep = self.cfg, practice.reputation
        live = self.feedback and self.enabled
        rating = practice.rating if live else rep.rating_start
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

    def attractiveness(self) -> list[float]:
        """Every practice's weight, refreshed when a review is posted, bad word is told or a
        day ends (the bad word's fading is read at those moments)."""
        if self._weights is None:
            self._weights = [self.weight(p) for p in self.practices]
        return list(self._weights)

    # ---------------------------------------------------------------- judging

    def _block(self) -> list[float]:
        if not self._rows:
            self._rows = self._rng.random((256, self.width)).tolist()
            self._rows.reverse()
        return self._rows.pop()

    def judge(self, prospect) -> None:
        """The prospect is done: judge every practice contacted, draw and schedule what
        follows, and record one experience row per inquiry (EXPERIENCE_COLUMNS; the
        analysis derives the prospect's own columns from them)."""
        if not self.enabled:
            return
        cfg, now, rows = self.cfg, self.env.now, self.experiences
        booked = prospect.booked_with
        if booked is not None and prospect.source == "referral" and booked is prospect.referred_by:
            booked.reputation.referral_bookings += 1
        for inq in prospect.inquiries:
            practice = inq.practice
            here = practice is booked
            waited = (prospect.booked_at - inq.arrived_at) if booked is not None and not here \
                else math.inf
            promised = (practice.cfg.auto_responder.promised_response_minutes
                        if inq.acknowledged_at == inq.acknowledged_at else NAN)
            score, cause, judged, expected = judge_service(inq, waited, self.rules, promised,
                                                           self.opening[practice.slot])
            u = self._block()
            experience, cause = experience_of(score, cause, here and prospect.showed,
                                              u[U_CLINICAL], cfg.clinical_disappointment_rate)
            at = max(now, prospect.consultation_at) if here else now
            actions = draw_actions(self.mixes[experience], u)
            if (here and prospect.showed and experience == GOOD and "posted_online" not in actions
                    and u[U_ASKED] < cfg.patient_review_share):
                # the practice asked a happy patient for a review, and they wrote one
                actions = (*actions, "posted_online")
            stars, site, due, referral_due = NAN, "", NAN, NAN
            if "posted_online" in actions:
                stars = 1 + _pick(self.stars[experience], u[U_STARS])
                site = self.sites[_pick(self.site_cdf, u[U_SITE])]
                due = at + _exponential(u[U_REVIEW_DELAY], cfg.review_delay_days * 1440.0)
                self._at(due, self._post, (practice, prospect.prospect_id, stars, site,
                                           cause, experience, inq.channel, at))
            if "told_friend" in actions:
                if experience == GOOD and u[U_REFER] < cfg.referral_share:
                    referral_due = self._schedule_referral(practice, at, u)
                elif experience == BAD:
                    self._at(at, self._bad_word, (practice,))
            # one small tuple per inquiry, mostly shared objects (memory per inquiry counts)
            rows.append((prospect.prospect_id, practice.slot, inq.inquiry_id, judged, expected,
                         SERVICE[score], experience, cause, at, self._joined(actions), stars,
                         site, due, referral_due))

    def _joined(self, actions: tuple) -> str:
        text = self._action_text.get(actions)
        if text is None:
            text = self._action_text[actions] = ";".join(actions)
        return text

    # ---------------------------------------------------------------- effects

    def _at(self, t: float, fn, args: tuple) -> None:
        now = self.env.now
        if t <= now:
            fn(*args)
        else:
            self.env.call_in(t - now, _call_value, (fn, args))

    def _post(self, practice, prospect_id, stars, site, cause, experience, channel, at):
        """A review appears: the rating is the running mean of every review."""
        n = practice.review_count
        practice.rating = (practice.rating * n + stars) / (n + 1)
        practice.review_count = n + 1
        rep = practice.reputation
        rep.reviews_posted += 1
        rep.stars_posted += stars
        self._weights = None
        self._next_review += 1
        self.reviews.append((self._next_review, prospect_id, practice.slot, site, stars, cause,
                             experience, channel, at, self.env.now))

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
                                       s("referrals.booking"))
            self._referral_draws = self.market.arrivals.personal_draws(64, *self._referral_rngs)
            self._referral_draws.reverse()
        return self._referral_draws.pop()

    def _referral_arrives(self, practice, channel, on_list) -> None:
        practice.reputation.referral_prospects += 1
        self._on_list = on_list
        self.market.new_prospect(channel, "referral", self._next_draws(), referred_by=practice)

    def referral_list(self, referrer, draws) -> list[int]:
        """A referred prospect's shopping list: short, the referrer first (mostly)."""
        k = draws.shopping_list_size(self.referral_cdf)
        weights = self.attractiveness()
        if not self._on_list:
            return choose_practices(weights, draws.u_choice, k)
        weights[referrer.index] = 0.0
        return [referrer.index] + choose_practices(weights, draws.u_choice, k - 1)

    # ---------------------------------------------------------------- daily

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


# --------------------------------------------------------------------------- helpers


def _columns(names, rows) -> dict:
    return {c: [r[i] for r in rows] for i, c in enumerate(names)}


def _cumulative(weights) -> list[float]:
    weights = [float(w) for w in weights]
    total = sum(weights) or 1.0
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(acc)
    return out


def _pick(cdf: list[float], u: float) -> int:
    """Index of the first cumulative share above u."""
    for k, c in enumerate(cdf):
        if u < c:
            return k
    return len(cdf) - 1


def _exponential(u: float, mean: float) -> float:
    return -mean * math.log1p(-u)
