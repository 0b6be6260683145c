"""Config objects built or changed in Python are checked as the command line checks them.

A notebook user edits the dataclasses directly (`cfg.market.prospects_per_day = 40`); a
typo must not be silently ignored, and `sim.run` must refuse what `python -m sim` refuses,
with the same one-line message.
"""

from __future__ import annotations

import copy
import pickle

import pytest

import sim
from sim.config import Channel, ConfigError, MarketConfig, validate


@pytest.fixture(scope="module")
def composed():
    return sim.load_config(["market.days=3"])


def fresh(composed):
    return copy.deepcopy(composed)


def test_a_misspelt_attribute_is_refused_at_once(composed):
    cfg = fresh(composed)
    with pytest.raises(ConfigError) as info:
        cfg.market.prospects_per_dya = 40
    line = str(info.value)
    assert line.startswith("prospects_per_dya: unknown key of MarketConfig (allowed: days, ")
    assert line.endswith("did you mean prospects_per_day?)") and "\n" not in line
    assert isinstance(info.value, AttributeError)  # what setattr of a bad name raises
    assert "prospects_per_dya" not in vars(cfg.market)
    cfg.market.prospects_per_day = 40  # a real setting is fine
    assert cfg.market.prospects_per_day == 40


def test_an_attribute_slipped_past_the_guard_is_refused_by_run(composed):
    cfg = fresh(composed)
    object.__setattr__(cfg.market, "prospects_per_dya", 40)
    with pytest.raises(ConfigError) as info:
        sim.run(cfg)
    assert str(info.value).startswith("market.prospects_per_dya: unknown key (allowed: days,")


# (what a notebook sets, the command-line override of the same mistake)
SAME_AS_CLI = [
    pytest.param(lambda c: setattr(c.practices["alpha"], "channels", ["phone", "fax"]),
                 "practices.alpha.channels=[phone,fax]", id="unknown-channel"),
    pytest.param(lambda c: setattr(c.practices["alpha"], "channels", ["phone", "phone"]),
                 "practices.alpha.channels=[phone,phone]", id="repeated-channel"),
    pytest.param(lambda c: setattr(c.market, "days", -1), "market.days=-1", id="days"),
    pytest.param(lambda c: setattr(c.market, "days", "ninety"), "market.days=ninety",
                 id="days-text"),
    pytest.param(lambda c: setattr(c.practices["alpha"].policy, "discipline", "fastest"),
                 "practices.alpha.policy.discipline=fastest", id="enum"),
    pytest.param(lambda c: setattr(c.reputation, "enabled", "maybe"),
                 "reputation.enabled=maybe", id="bool"),
    pytest.param(lambda c: setattr(c.practices["beta"].roster[0], "staff", -1),
                 "practices.beta.roster.0.staff=-1", id="nested-list"),
]


@pytest.mark.parametrize(("change", "override"), SAME_AS_CLI)
def test_run_refuses_what_the_command_line_refuses_in_the_same_words(composed, change,
                                                                        override):
    with pytest.raises(ConfigError) as cli:
        sim.load_config(["market.days=3", override])
    cfg = fresh(composed)
    change(cfg)
    with pytest.raises(ConfigError) as api:
        sim.run(cfg)
    assert str(api.value) == str(cli.value)
    assert "\n" not in str(api.value) and "<" not in str(api.value)


def test_a_group_of_settings_given_a_word_says_what_goes_there(composed):
    cfg = fresh(composed)
    cfg.practices["alpha"].answering_service = "none"
    with pytest.raises(ConfigError) as info:
        sim.run(cfg)
    assert str(info.value) == (
        "practices.alpha.answering_service: 'none' is not allowed (allowed: a group of "
        "settings under answering_service: enabled, hours, agents, handle_minutes, "
        "fee_per_call, fee_per_month; to switch it off: answering_service.enabled false)")


def test_plain_strings_become_enums_and_run_as_the_cli_would(composed):
    """Decided: text where an Enum is expected is accepted and converted (YAML and the
    command line give text too); an int in a float field becomes a float, as OmegaConf
    converts it. The run is the command line's run, bit for bit."""
    cli = sim.load_config(["market.days=3", "practices.alpha.channels=[phone,sms]",
                           "market.prospects_per_day=20"])
    cfg = fresh(composed)
    cfg.practices["alpha"].channels = ["phone", "sms"]
    cfg.market.prospects_per_day = 20
    validate(cfg)
    assert cfg.practices["alpha"].channels == [Channel.phone, Channel.sms]
    assert all(type(c) is Channel for c in cfg.practices["alpha"].channels)
    assert type(cfg.market.prospects_per_day) is float
    assert cfg == cli
    a, b = sim.run(cfg), sim.run(cli)
    assert a.summary == b.summary


def test_config_objects_still_pickle_copy_and_compose(composed):
    cfg = fresh(composed)
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert copy.deepcopy(cfg) == cfg
    assert MarketConfig(days=5).days == 5
    with pytest.raises(ConfigError, match="unknown key"):
        pickle.loads(pickle.dumps(cfg)).market.dayz = 1
    err = pickle.loads(pickle.dumps(ConfigError("x")))
    assert str(err) == "x"
