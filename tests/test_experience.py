"""sim/model/experience.py: the rules of judging a practice, and who acts afterwards.

Behaviour that could fail: the Optus 2014 action mix (CALIBRATION.md) over many draws, the
service judged against the channel's expectation or the auto-responder's promise, phone
calls judged by their hold and call-back, and the consultation's part in the experience.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_reputation import OPTUS_BAD

from sim.config import HoursConfig
from sim.model import experience as exp
from sim.model import reviews
from sim.model.inquiry import Inquiry


@pytest.mark.parametrize("experience", ["bad", "good"])
def test_action_mix_matches_the_configured_shares(reputation_cfg, experience):
    """Over many people: the share who act and each action's share of everyone who had the
    experience are the configured figures (bad: Optus 2014 exactly), within 4 SE."""
    cfg = reputation_cfg.reputation
    shares = getattr(cfg, f"actions_{experience}")
    if experience == "bad":
        assert dict(shares) == OPTUS_BAD and cfg.act_share["bad"] == 0.79
    mix = exp.ActionMix(cfg.act_share[experience], shares)
    n = 100_000
    rows = np.random.default_rng(2014).random((n, reviews.U_ACTIONS + len(shares))).tolist()
    drawn = [reviews.draw_actions(mix, row) for row in rows]
    acted = sum(1 for d in drawn if d) / n
    p = cfg.act_share[experience]
    assert abs(acted - p) < 4 * math.sqrt(p * (1 - p) / n)
    for action, share in shares.items():
        observed = sum(1 for d in drawn if action in d) / n
        assert abs(observed - share) < 4 * math.sqrt(share * (1 - share) / n), action
    several = sum(1 for d in drawn if len(d) > 1) / n
    assert several > 0.1  # several actions do happen


def test_action_mix_with_exclusive_actions():
    """Shares adding up to exactly the share who act: one action each."""
    mix = exp.ActionMix(0.5, {"a": 0.3, "b": 0.2})
    rows = np.random.default_rng(1).random((40_000, reviews.U_ACTIONS + 2)).tolist()
    drawn = [reviews.draw_actions(mix, row) for row in rows]
    assert all(len(d) <= 1 for d in drawn)
    assert abs(sum(d == ("a",) for d in drawn) / 40_000 - 0.3) < 0.01


def _inquiry(channel, answered=math.nan, **fields):
    inq = Inquiry(1, None, None, 0, channel, 1000.0)
    inq.answered_at = 1000.0 + answered
    for k, v in fields.items():
        setattr(inq, k, v)
    return inq


def test_judge_service_by_channel_expectation_and_promise(reputation_cfg):
    rules = exp.ServiceRules(reputation_cfg.reputation)
    inf = math.inf
    assert exp.judge_service(_inquiry("chat", 3.0), inf, rules)[:2] == (1, "good_service")
    assert exp.judge_service(_inquiry("chat", 30.0), inf, rules)[:2] == (0, "slow_response")
    assert exp.judge_service(_inquiry("chat", 300.0), inf, rules)[:2] == (-1, "slow_response")
    assert exp.judge_service(_inquiry("web_form"), inf, rules)[:2] == (-1, "no_response")
    # booked elsewhere 10 minutes in, before expecting a web-form answer: moved on
    assert exp.judge_service(_inquiry("web_form"), 10.0, rules)[:2] == (0, "moved_on")
    # an auto-responder promised 15 minutes and the answer took 2 hours
    late = exp.judge_service(_inquiry("email", 120.0), inf, rules, promised=15.0)
    assert late[:2] == (-1, "broken_promise")
    # counted in opening hours (Mon-Fri 9-17), a reply at 09:05 after a 22:00 message
    # keeps a 15-minute promise
    opening = exp.OpeningHours([HoursConfig()])
    inq = Inquiry(1, None, None, 0, "email", 22 * 60.0)
    inq.answered_at = 1440.0 + 9 * 60 + 5
    assert exp.judge_service(inq, inf, rules, 15.0, opening)[:2] == (1, "good_service")


def test_judge_phone_calls(reputation_cfg):
    rules = exp.ServiceRules(reputation_cfg.reputation)
    inf = math.inf
    live = _inquiry("phone", 0.5, hold_minutes=0.5)
    assert exp.judge_service(live, inf, rules)[:2] == (1, "good_service")
    held = _inquiry("phone", 5.0, hold_minutes=5.0)
    assert exp.judge_service(held, inf, rules)[:2] == (-1, "long_hold")
    hung_up = _inquiry("phone", hold_minutes=0.8, abandoned=True)
    assert exp.judge_service(hung_up, inf, rules)[:2] == (-1, "long_hold")
    # on hold for 30 s when they booked with another practice: moved on
    left = _inquiry("phone", hold_minutes=0.5)
    assert exp.judge_service(left, 0.5, rules)[:2] == (0, "moved_on")
    closed = _inquiry("phone", hold_minutes=0.0)
    assert exp.judge_service(closed, inf, rules)[:2] == (-1, "no_response")
    # voicemail returned within the hour: good; after two days: bad
    vm = _inquiry("phone", 40.0, hold_minutes=0.0, voicemail=True, first_attempt_at=1040.0)
    assert exp.judge_service(vm, inf, rules)[:2] == (1, "good_service")
    vm = _inquiry("phone", 3000.0, hold_minutes=0.0, voicemail=True, first_attempt_at=4000.0)
    assert exp.judge_service(vm, inf, rules)[:2] == (-1, "slow_response")
    # a missed call returned (caller ID, no voicemail) within the hour
    missed = _inquiry("phone", 30.0, hold_minutes=0.0, first_attempt_at=1030.0)
    assert exp.judge_service(missed, inf, rules)[:2] == (1, "good_service")
    # a voicemail nobody returned; the caller booked elsewhere after 10 minutes
    vm = _inquiry("phone", hold_minutes=0.0, voicemail=True)
    assert exp.judge_service(vm, 10.0, rules)[:2] == (0, "moved_on")


def test_experience_combines_service_and_consultation():
    assert exp.experience_of(0, "slow_response", True, 0.9, 0.04) == ("good", "good_consultation")
    assert exp.experience_of(1, "good_service", True, 0.01, 0.04) == ("bad", "clinical")
    assert exp.experience_of(-1, "no_response", False, 0.9, 0.04) == ("bad", "no_response")
    assert exp.experience_of(-1, "long_hold", True, 0.9, 0.04) == ("neutral", "long_hold")
