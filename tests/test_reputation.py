"""Tests for sim.model.experience and sim.model.reputation: judging, actions, reviews,
referrals and badges.

Behaviour that could fail: the Optus 2014 action mix (CALIBRATION.md) over many draws, a
practice that never answers, referrals only after good experiences, the running-mean
rating, the platforms' badge rules, and common random numbers for organic prospects.
"""

import copy
import logging
import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.config import ConfigError, HoursConfig, PracticeConfig, ShiftConfig, validate
from sim.model import LeadMarket
from sim.model import experience as exp
from sim.model import reputation as rep
from sim.model.inquiry import Inquiry

logging.getLogger("MESA").setLevel(logging.WARNING)

OPTUS_BAD = {"told_friend": 0.46, "called_to_complain": 0.28, "researched_competitor": 0.23,
             "answered_survey": 0.13, "wrote_complaint": 0.13, "posted_online": 0.13,
             "switched_provider": 0.10}


@pytest.fixture(scope="module")
def base_cfg():
    return sim.load_config(["market.days=60", "seed=11"])


@pytest.fixture(scope="module")
def market_run(base_cfg):
    return sim.run(base_cfg)


def _run(cfg):
    return sim.run(validate(cfg))


# ---------------------------------------------------------------- actions (Optus 2014)


@pytest.mark.parametrize("experience", ["bad", "good"])
def test_action_mix_matches_the_configured_shares(base_cfg, experience):
    """Over many people: the share who act and each action's share of everyone who had the
    experience are the configured figures (bad: Optus 2014 exactly), within 4 SE."""
    cfg = base_cfg.reputation
    shares = getattr(cfg, f"actions_{experience}")
    if experience == "bad":
        assert dict(shares) == OPTUS_BAD and cfg.act_share["bad"] == 0.79
    mix = exp.ActionMix(cfg.act_share[experience], shares)
    n = 100_000
    rows = np.random.default_rng(2014).random((n, rep.U_ACTIONS + len(shares))).tolist()
    drawn = [rep.draw_actions(mix, row) for row in rows]
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
    rows = np.random.default_rng(1).random((40_000, rep.U_ACTIONS + 2)).tolist()
    drawn = [rep.draw_actions(mix, row) for row in rows]
    assert all(len(d) <= 1 for d in drawn)
    assert abs(sum(d == ("a",) for d in drawn) / 40_000 - 0.3) < 0.01


# ---------------------------------------------------------------- judging one inquiry


def _inquiry(channel, answered=math.nan, **fields):
    inq = Inquiry(1, None, None, 0, channel, 1000.0)
    inq.answered_at = 1000.0 + answered
    for k, v in fields.items():
        setattr(inq, k, v)
    return inq


def test_judge_service_by_channel_expectation_and_promise(base_cfg):
    rules = exp.ServiceRules(base_cfg.reputation)
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


def test_judge_phone_calls(base_cfg):
    rules = exp.ServiceRules(base_cfg.reputation)
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


# ---------------------------------------------------------------- badges


def test_business_minutes_ignore_18_to_08():
    day = 1440.0
    assert rep.business_minutes(9 * 60, 10 * 60) == 60
    assert rep.business_minutes(17 * 60, day + 9 * 60) == 120
    assert rep.business_minutes(20 * 60, day + 7 * 60) == 0
    assert rep.business_minutes(12 * 60, 2 * day + 12 * 60) == 600 * 2


class _Practice:
    rating, review_count = 4.5, 60


def _dm(arrived, minutes, outcome="too_late"):
    inq = Inquiry(1, None, None, 0, "social_dm", arrived)
    inq.answered_at = arrived + minutes
    inq.outcome = outcome
    return inq


def test_facebook_badge_needs_90_percent_within_15_minutes():
    now = 10 * 1440.0
    r = rep.PracticeReputation(_Practice())
    r.facebook.extend(_dm(now - 1440 * k / 2, 5.0) for k in range(1, 11))
    r.update_badges(now, 3, 60.0)
    assert r.badge_facebook and r.facebook_fast_share == 1.0
    r.facebook.extend([_dm(now - 100, 30.0), _dm(now - 50, math.nan, "unanswered")])
    r.update_badges(now, 3, 60.0)
    assert not r.badge_facebook and r.facebook_fast_share == pytest.approx(10 / 12)
    r.update_badges(now + 8 * 1440, 3, 60.0)  # a week later the window is empty
    assert not r.badge_facebook and len(r.facebook) == 0


def test_yelp_median_counts_business_hours_only():
    now = 20 * 1440.0
    r = rep.PracticeReputation(_Practice())
    # messages at 20:00 answered at 08:30 next day: 30 business minutes each
    r.yelp.extend(_dm(d * 1440 + 20 * 60, 12.5 * 60) for d in range(10, 15))
    r.update_badges(now, 3, 60.0)
    assert r.yelp_median_minutes == pytest.approx(30.0) and r.badge_yelp


# ---------------------------------------------------------------- in the market


def _silent_market(days=30, seed=5):
    """One practice with nobody on its roster: nothing is ever answered."""
    cfg = sim.load_config([f"market.days={days}", f"seed={seed}"])
    silent = PracticeConfig(name="silent", roster=[ShiftConfig(staff=0)])
    cfg.practices = {"silent": silent}
    cfg.market.shopping_list = [1.0]
    return cfg


def test_a_practice_that_never_answers_gets_only_bad_experiences_and_its_rating_falls():
    result = _run(_silent_market())
    ex = result.extra_tables["experiences"]
    assert len(ex) > 500
    assert (ex["experience"] == "bad").all()
    assert set(ex["cause"]) <= {"no_response", "long_hold"}
    reviews = result.extra_tables["reviews"]
    assert len(reviews) > 20 and reviews["stars"].max() <= 3
    s = result.summary
    assert s["practices.silent.rating_end"] < s["practices.silent.rating_start"] - 0.5
    assert s["practices.silent.referrals_generated"] == 0  # no good word, no referral
    assert (result.prospects["source"] == "organic").all()
    assert s["practices.silent.days_badge_facebook"] == 0
    assert s["practices.silent.days_badge_yelp"] == 0


def test_referred_prospects_appear_only_after_good_experiences(market_run):
    prospects, ex = market_run.prospects, market_run.extra_tables["experiences"]
    referred = prospects[prospects["source"] == "referral"]
    assert len(referred) > 20
    assert (referred["referred_by"] != "").all()
    assert (prospects.loc[prospects["source"] == "organic", "referred_by"] == "").all()
    senders = ex[ex["friend_referred"]]
    assert (senders["experience"] == "good").all()
    assert senders["actions"].str.contains("told_friend").all()
    # every referred prospect arrives exactly when a good experience said a friend would
    sent = set(zip(senders["practice"], senders["referral_due_at"].round(6), strict=True))
    got = set(zip(referred["referred_by"], referred["arrived_at"].round(6), strict=True))
    assert got <= sent
    # they shop fewer practices, and mostly contact the referrer first
    organic = prospects[prospects["source"] == "organic"]
    assert referred["n_practices"].mean() < organic["n_practices"].mean()
    inq = market_run.inquiries
    first = inq.sort_values("arrived_at").groupby("prospect_id")["practice"].first()
    to_referrer = (first.reindex(referred["prospect_id"]).to_numpy()
                   == referred["referred_by"].to_numpy()).mean()
    assert to_referrer > 0.8


def test_rating_is_the_running_mean_of_every_review(market_run):
    s, reviews = market_run.summary, market_run.extra_tables["reviews"]
    for slot in ("alpha", "beta", "gamma", "delta"):
        mine = reviews[reviews["practice"] == slot]
        start = s[f"practices.{slot}.rating_start"]
        n0 = s[f"practices.{slot}.review_count_end"] - len(mine)
        expected = (start * n0 + mine["stars"].sum()) / (n0 + len(mine))
        assert s[f"practices.{slot}.rating_end"] == pytest.approx(expected)
        assert s[f"practices.{slot}.new_reviews"] == len(mine)
    assert (reviews["posted_at"] > reviews["experienced_at"]).all()
    assert set(reviews["site"]) <= {"google", "yelp", "realself", "facebook"}


def test_a_rating_moves_toward_the_stars_of_new_reviews(base_cfg):
    model = LeadMarket(base_cfg)
    practice = model.practices[0]
    r0, n0 = practice.rating, practice.review_count
    gaps = []
    for _ in range(300):
        model.reputation._post(practice, 0, 5, "google", "good_service", "good", "chat", 0.0)
        gaps.append(5 - practice.rating)
    assert all(b < a for a, b in zip(gaps, gaps[1:], strict=False)) and gaps[-1] < 0.2
    high = practice.rating
    falls = []
    for _ in range(300):
        model.reputation._post(practice, 0, 1, "yelp", "no_response", "bad", "chat", 0.0)
        falls.append(practice.rating)
    assert falls[0] < high and all(b < a for a, b in zip(falls, falls[1:], strict=False))
    assert practice.rating == pytest.approx((r0 * n0 + 300 * 5 + 300 * 1) / (n0 + 600))
    assert practice.review_count == n0 + 600
    model.finish()


def test_most_bad_reviews_are_about_service(market_run):
    """Seed 001: most bad reviews of practices are about service, not clinical results."""
    s = market_run.summary
    assert s["market.new_bad_reviews"] > 30
    assert s["market.bad_reviews_service_share"] > 0.8
    ex = market_run.extra_tables["experiences"]
    assert (ex["cause"] == "clinical").any()  # clinical disappointments happen, rarely
    assert (ex["cause"] == "clinical").mean() < 0.02
    reviews = market_run.extra_tables["reviews"]
    assert set(reviews["cause"]) <= set(exp.CAUSES)


def test_outputs_have_the_documented_columns(market_run):
    p = market_run.prospects
    for col in ("experience", "actions", "review_stars", "review_cause", "referred_by"):
        assert col in p
    assert set(p["experience"]) <= {"good", "neutral", "bad"}
    assert p["review_stars"].dtype == "float64"
    reviews = market_run.extra_tables["reviews"]
    assert list(reviews.columns) == list(rep.REVIEW_COLUMNS)
    daily = market_run.daily
    for col in ("rating", "review_count", "badge_facebook", "badge_yelp",
                "yelp_median_minutes", "referral_prospects", "weight", "new_reviews_posted"):
        assert col in daily
    s = market_run.summary
    for key in ("new_reviews", "mean_new_stars", "rating_end", "referrals_generated",
                "referral_bookings", "days_badge_facebook", "days_badge_yelp"):
        assert f"practices.beta.{key}" in s


def test_referral_prospects_leave_organic_prospects_untouched():
    """Common random numbers: with feedback off (weights frozen), the organic prospects are
    the same people, choosing the same practices, as with the reputation model switched
    off (later inquiries on a list may not be made once they have booked)."""
    off = sim.run(sim.load_config(["market.days=14", "seed=3", "reputation.enabled=false"]))
    on = sim.run(sim.load_config(["market.days=14", "seed=3", "reputation.feedback=false"]))
    assert (on.prospects["source"] == "referral").any()

    def organic(result):
        p = result.prospects[result.prospects["source"] == "organic"]
        inq = result.inquiries.sort_values(["arrived_at", "inquiry_id"])
        lists = inq.groupby("prospect_id")["practice"].first()
        return pd.DataFrame({"arrived_at": p["arrived_at"].to_numpy(),
                             "channel": p["channel"].to_numpy(),
                             "n_practices": p["n_practices"].to_numpy(),
                             "list": lists.reindex(p["prospect_id"]).to_numpy()})

    pd.testing.assert_frame_equal(organic(off), organic(on))


def test_bad_reputation_config_is_one_line(base_cfg):
    cfg = copy.deepcopy(base_cfg)
    cfg.reputation.actions_bad["posted_online"] = 0.95
    with pytest.raises(ConfigError, match="reputation.actions_bad.posted_online"):
        validate(cfg)
    cfg = copy.deepcopy(base_cfg)
    cfg.reputation.stars_good = [1.0, 2.0]
    with pytest.raises(ConfigError, match="reputation.stars_good"):
        validate(cfg)


def test_schema_defaults_are_the_default_yaml(base_cfg):
    """Configs composed without the `reputation=` group (e.g. experiments) get the same
    model as configs/reputation/optus2014.yaml."""
    from dataclasses import asdict

    from sim.config import ReputationModelConfig

    schema, yaml = asdict(ReputationModelConfig()), asdict(base_cfg.reputation)
    schema.pop("source"), yaml.pop("source")
    assert schema == yaml
