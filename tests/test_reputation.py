"""sim/model/reputation.py: the reputation model in a whole run: a practice that never
answers, the output tables' documented columns, and its config's checks and defaults.
(Its parts have their own files: test_experience, test_reviews, test_word_of_mouth,
test_badges, test_choice.)
"""

import copy
import logging

import pytest

import sim
from sim.config import ConfigError, PracticeConfig, ShiftConfig, validate
from sim.model import reputation as rep

logging.getLogger("MESA").setLevel(logging.WARNING)

OPTUS_BAD = {"told_friend": 0.46, "called_to_complain": 0.28, "researched_competitor": 0.23,
             "answered_survey": 0.13, "wrote_complaint": 0.13, "posted_online": 0.13,
             "switched_provider": 0.10}


def _run(cfg):
    return sim.run(validate(cfg))


# ---------------------------------------------------------------- actions (Optus 2014)


# ---------------------------------------------------------------- judging one inquiry


# ---------------------------------------------------------------- badges


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


def test_outputs_have_the_documented_columns(reputation_run):
    p = reputation_run.prospects
    for col in ("experience", "actions", "review_stars", "review_cause", "referred_by"):
        assert col in p
    assert set(p["experience"]) <= {"good", "neutral", "bad"}
    assert p["review_stars"].dtype == "float64"
    reviews = reputation_run.extra_tables["reviews"]
    assert list(reviews.columns) == list(rep.REVIEW_COLUMNS)
    daily = reputation_run.daily
    for col in ("rating", "review_count", "badge_facebook", "badge_yelp",
                "yelp_median_minutes", "referral_prospects", "weight", "new_reviews_posted"):
        assert col in daily
    s = reputation_run.summary
    for key in ("new_reviews", "mean_new_stars", "rating_end", "referrals_generated",
                "referral_bookings", "days_badge_facebook", "days_badge_yelp"):
        assert f"practices.beta.{key}" in s


def test_bad_reputation_config_is_one_line(reputation_cfg):
    cfg = copy.deepcopy(reputation_cfg)
    cfg.reputation.actions_bad["posted_online"] = 0.95
    with pytest.raises(ConfigError, match="reputation.actions_bad.posted_online"):
        validate(cfg)
    cfg = copy.deepcopy(reputation_cfg)
    cfg.reputation.stars_good = [1.0, 2.0]
    with pytest.raises(ConfigError, match="reputation.stars_good"):
        validate(cfg)


def test_schema_defaults_are_the_default_yaml(reputation_cfg):
    """Configs composed without the `reputation=` group (e.g. experiments) get the same
    model as configs/reputation/optus2014.yaml."""
    from dataclasses import asdict

    from sim.config import ReputationModelConfig

    schema, yaml = asdict(ReputationModelConfig()), asdict(reputation_cfg.reputation)
    schema.pop("source"), yaml.pop("source")
    assert schema == yaml
