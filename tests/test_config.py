"""Configuration: composing the YAML into the typed schema, and rejecting bad input.

Every bad value must raise `sim.ConfigError` with a one-line message that names the key
the user typed. `BAD_CONFIGS` is shared with tests/test_cli.py, which checks the same
cases through `python -m sim`.
"""

from __future__ import annotations

import re

import pytest

import sim
from sim.config import (
    Channel,
    Config,
    ConfigError,
    PracticeConfig,
    Role,
    ScenarioKind,
    ShiftConfig,
    validate,
)

# (overrides, the key the error message must name)
BAD_CONFIGS = [
    # a typo added past Hydra's own check of keys (+ / ++ add a key)
    pytest.param(["+market.dayz=365"], "market.dayz", id="added-key-typo"),
    pytest.param(["++practices.alpha.policy.max_attempt=3"],
                 "practices.alpha.policy.max_attempt", id="force-added-key-typo"),
    pytest.param(["scenario.servers=-1"], "scenario.servers", id="servers-negative"),
    pytest.param(["scenario.servers=2.5"], "scenario.servers", id="servers-not-integer"),
    pytest.param(["scenario=mmc", "scenario.servers=0"], "scenario.servers", id="mmc-servers-zero"),
    pytest.param(["practices.alpha.roster.0.staff=-1"], "practices.alpha.roster.0.staff",
                 id="staff-negative"),
    pytest.param(["practices.alpha.roster.0.staff=1.5"], "practices.alpha.roster.0.staff",
                 id="staff-not-integer"),
    pytest.param(["scenario.arrivals_per_hour=0"], "scenario.arrivals_per_hour",
                 id="arrival-rate-zero"),
    pytest.param(["scenario.handle_minutes=-2"], "scenario.handle_minutes",
                 id="handle-minutes-negative"),
    pytest.param(["market.prospects_per_day=0"], "market.prospects_per_day",
                 id="prospect-rate-zero"),
    pytest.param([f"practices.gamma.economics.procedure_fees.{name}=0" for name in (
        "breast_augmentation", "liposuction", "facelift", "abdominoplasty", "rhinoplasty")],
                 "practices.gamma.economics.procedure_fees", id="mix-weighted-fee-zero"),
    pytest.param(["practices.beta.handling.call_minutes=0"],
                 "practices.beta.handling.call_minutes", id="call-minutes-zero"),
    pytest.param(["practices.alpha.roster.0.start=09:00", "practices.alpha.roster.0.end=08:00"],
                 "practices.alpha.roster.0.end", id="shift-ends-before-start"),
    pytest.param(["practices.alpha.roster.0.end=25:00"], "practices.alpha.roster.0.end",
                 id="shift-end-not-a-time"),
    pytest.param(["scenario.days=0"], "scenario.days", id="scenario-days-zero"),
    pytest.param(["market.days=0"], "market.days", id="market-days-zero"),
    pytest.param(["seed=-1"], "seed", id="seed-negative"),
    pytest.param(["market.dayz=3"], "market.dayz", id="unknown-key"),
    pytest.param(["scenario=foo"], "scenario", id="unknown-scenario"),
    pytest.param(["practice@practices.alpha=nope"], "practices.alpha", id="unknown-practice"),
    pytest.param(["practices.alpha.channels=[phone,fax]"], "practices.alpha.channels",
                 id="unknown-channel"),
    pytest.param(["market.channel_mix.fax=0.1"], "market.channel_mix.fax",
                 id="unknown-channel-in-mix"),
    pytest.param(["+market.channel_mix.fax=0.1"], "market.channel_mix.fax",
                 id="added-channel-in-mix"),
]


def dotted(message: str) -> str:
    """OmegaConf writes list indices as `roster[0]`; users type `roster.0`."""
    return re.sub(r"\[(\d+)\]", r".\1", message)


def names_key(message: str, key: str) -> bool:
    """The message names `key` as a whole key (not as part of a longer name)."""
    return re.search(rf"(?<![\w.]){re.escape(key)}(?![\w])", dotted(message)) is not None


@pytest.mark.parametrize(("overrides", "key"), BAD_CONFIGS)
def test_bad_config_raises_one_line_naming_the_key(overrides, key):
    with pytest.raises(ConfigError) as info:
        sim.load_config(overrides)
    message = str(info.value)
    assert message and "\n" not in message and "\r" not in message, repr(message)
    assert names_key(message, key), f"{key!r} not named in {message!r}"
    assert "Traceback" not in message


def test_names_key_helper_is_strict():
    assert names_key("practices.alpha.roster[0].end: bad", "practices.alpha.roster.0.end")
    assert not names_key("market.days_x: bad", "market.days")
    assert not names_key("scenario.days: bad", "days.x")


def test_default_config_is_the_typed_four_practice_market():
    cfg = sim.load_config([])
    assert isinstance(cfg, Config)
    assert ScenarioKind(cfg.scenario.kind) == ScenarioKind.market
    assert list(cfg.practices) == ["alpha", "beta", "gamma", "delta"]
    for practice in cfg.practices.values():
        assert isinstance(practice, PracticeConfig)
        assert practice.roster and all(isinstance(s, ShiftConfig) for s in practice.roster)
        assert all(isinstance(s.role, Role) for s in practice.roster)
        assert all(isinstance(c, Channel) for c in practice.channels)
    assert validate(cfg) is cfg


def test_group_override_drops_an_archetype_into_a_slot():
    base = sim.load_config([])
    swapped = sim.load_config(["practice@practices.alpha=dedicated_coordinator"])
    assert swapped.practices["alpha"] == base.practices["beta"]  # beta is the coordinator
    assert swapped.practices["alpha"] != base.practices["alpha"]
    assert {k: v for k, v in swapped.practices.items() if k != "alpha"} == {
        k: v for k, v in base.practices.items() if k != "alpha"
    }


def test_overrides_reach_the_typed_config():
    cfg = sim.load_config(["scenario=mmc", "scenario.servers=3", "seed=11", "market.days=5"])
    assert ScenarioKind(cfg.scenario.kind) == ScenarioKind.mmc
    assert cfg.scenario.servers == 3 and isinstance(cfg.scenario.servers, int)
    assert cfg.seed == 11 and cfg.market.days == 5


def test_configs_are_found_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = sim.load_config(["market.days=3"])
    assert cfg.market.days == 3 and len(cfg.practices) == 4
    assert list(tmp_path.iterdir()) == []  # composing writes nothing


def test_validate_checks_configs_built_in_code():
    good = Config(practices={"a": PracticeConfig()})
    good.market.shopping_list = [1.0]
    assert validate(good) is good
    bad = Config(practices={"a": PracticeConfig(roster=[ShiftConfig(start="10:00", end="09:30")])})
    bad.market.shopping_list = [1.0]
    with pytest.raises(ConfigError, match=r"^practices\.a\.roster\[0\]\.end: "):
        validate(bad)
    negative = Config(practices={"a": PracticeConfig(roster=[ShiftConfig(staff=-2)])})
    negative.market.shopping_list = [1.0]
    with pytest.raises(ConfigError, match=r"^practices\.a\.roster\[0\]\.staff: "):
        validate(negative)


def test_a_market_needs_at_least_one_practice():
    with pytest.raises(ConfigError, match="practices"):
        validate(Config())


@pytest.mark.parametrize(("text", "message", "where"), [
    ("# @package plan\nrooster: []\n",
     "plan.rooster: unknown key (allowed: name, summary, cost_note, replace_roster,", "line 2"),
    ("# @package plan\nchannels:\n  add: [phone, whatsapp]\n",
     "plan.channels.add[1]: 'whatsapp' is not allowed (allowed: phone, web_form,", "line 3"),
    ("# @package plan\nadd_shifts:\n  - {rol: coordinator}\n",
     "add_shifts[0].rol: unknown key (allowed: role, days, start, end, staff,", "line 3"),
    ("# @package plan\nadd_shifts:\n  - {days: [sat], start: 9:00, end: '13:00'}\n",
     "plan.add_shifts[0].start: 540 is not a time: YAML reads 9:00 written without quotes "
     'as 540 minutes (allowed: HH:MM in quotes, e.g. "09:00")', "line 3"),
    ("# @package practices.alpha\nroster: []\n", "plan: {path} starts with '# @package "
     "practices.alpha' (allowed: a plan of changes, starting '# @package plan'", None),
    ("# @package plan\nadd_shifts: [ {days: [mon}\n",
     "{path} line 2, column 26: not valid YAML: expected ',' or ']'", None),
])
def test_a_bad_plan_file_of_your_own_is_one_line_naming_the_file_line_and_key(
        tmp_path, monkeypatch, text, message, where):
    """What a practice manager writing a plan of their own meets first: the messages said
    only "In 'plan/mine': ConfigKeyError raised while composing config:", and then named a
    file under configs/ the user never wrote."""

    (tmp_path / "plan").mkdir()
    path = tmp_path / "plan" / "mine.yaml"
    path.write_text(text)
    monkeypatch.setenv("LEADSIM_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as info:
        sim.load_config(["plan=mine"])
    line = str(info.value)
    assert "\n" not in line and line.startswith(message.format(path=path.resolve())), line
    if where:
        assert line.endswith(f"(in {path.resolve()}, {where})"), line


def test_an_unknown_practice_slot_lists_the_slots():
    """A dict's keys (the practice slots) were 'Key 'zeta' is not in struct', no list."""
    with pytest.raises(ConfigError) as info:
        sim.load_config(["practices.zeta.name=x"])
    assert str(info.value) == "practices.zeta: unknown key (allowed: alpha, beta, gamma, delta)"


@pytest.mark.parametrize(("override", "line"), [
    ("market.days=ninety", "market.days: 'ninety' is not allowed (allowed: a whole number)"),
    ("market.prospects_per_day=abc",
     "market.prospects_per_day: 'abc' is not allowed (allowed: a number)"),
    ("reputation.enabled=maybe", "reputation.enabled: 'maybe' is not allowed (allowed: true, "
                                 "false)"),
    ("practices.alpha.policy.discipline=fastest", "practices.alpha.policy.discipline: "
     "'fastest' is not allowed (allowed: phone_first, oldest_first, newest_first)"),
])
def test_a_value_of_the_wrong_type_is_said_in_the_house_words(override, line):
    """OmegaConf's wording ("Value 'ninety' of type 'str' could not be converted to
    Integer") named the key but not what is allowed in the project's terms."""
    with pytest.raises(ConfigError) as info:
        sim.load_config([override])
    assert str(info.value) == line
