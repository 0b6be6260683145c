"""Judging a practice after the inquiry, and the reviews that follow.

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

The consultation's outcome is drawn when it is booked (economics.py), so the judgement is
made at once; what follows from it waits on a timer (`ReputationModel._at`) until the
consultation (booked practice) or the judgement, plus a delay. No prospect is kept alive
for it.

Actions (Optus 2014, CALIBRATION.md): the share who act after each experience, then which
actions, several allowed, drawn so that each action's share of everyone who had the
experience and the share who act are both exactly the configured figures (`ActionMix`).
`posted_online` writes a review (site, stars, posted after a delay) that moves the
practice's rating as a running mean; `told_friend` after a good experience makes a
referred prospect later with chance `referral_share` (`source=referral`, a short shopping
list with the referrer first); after a bad one it adds to the practice's bad word, which
lowers its weight and fades. Complaints, surveys, research and switching are recorded.

Referrals and bad word are in word_of_mouth.py; the pure rules of judging in
experience.py.
"""

from __future__ import annotations

import math

from .experience import (
    BAD,
    GOOD,
    NAN,
    SERVICE,
    ActionMix,
    experience_of,
    judge_service,
)
from .streams import _exponential, _pick

# One judgement's uniforms: the prospect's own block for the practice judged (arrivals.py's
# `u_experience`, from "traits.experience"), so a plan that changes who is done first
# never moves another prospect's actions and reviews (common random numbers).
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


class Reviews:
    """Judgements, actions and reviews of the `ReputationModel` (a mixin)."""

    __slots__ = ()

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
            u = prospect.draws.experience(practice.index, self.width)
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
