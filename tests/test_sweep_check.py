"""sim/sweep_check.py: which overrides may be set on a composed config instead of composing
it again, and a checker that composes once per set of config-group choices (with a stand-in
for Hydra's composition; Hydra's own, config for config: tests/test_leadsim_sweeper.py)."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim.config import ConfigError
from sim.sweep_check import SweepChecker, _OverrideSorter, keys_overlap


@pytest.mark.parametrize(("paths", "overlap"), [
    (["a", "a.b"], True), (["a.b", "a"], True), (["a[0]", "a"], True), (["a", "a"], True),
    (["a.b", "a.c"], False), (["ab", "a"], False), (["seed", "market.days"], False)])
def test_keys_overlap_when_one_is_named_twice_or_lies_inside_another(paths, overlap):
    assert keys_overlap(paths) is overlap


def test_what_needs_a_composition_and_what_is_a_plain_value():
    sorter = _OverrideSorter(groups=["market", "practice"])
    parsed = sorter.parse(["seed=1", "market=small", "market.days=5", "+x=1", "~y",
                           "hydra.run.dir=out", "practice@practices.beta=solo",
                           "scenario={days: 3}"])
    needs = [sorter.needs_compose(o) for o in parsed]
    assert needs == [False, True, False, True, True, True, True, True]
    assert sorter.choices(parsed[:3]) == ("market=small",)
    assert [o.input_line for o in sorter.plain(sorter.parse(["seed=1", "market.days=5"]))] \
        == ["seed=1", "market.days=5"]
    # `market={...}` and `market.days=` reach the same key: their order decides, so compose
    assert sorter.plain(sorter.parse(["market={days: 6}", "market.days=5"])) is None


def fake_compose(calls: list):
    """Compose as Hydra would for a config of `seed`, `market.days` and a `market` group."""
    def compose(overrides: list[str]):
        calls.append(list(overrides))
        choice = next((o.partition("=")[2] for o in overrides if o.startswith("market=")),
                      "default")
        cfg = OmegaConf.create({"seed": 0, "market": {"days": 7 if choice == "small" else 365},
                                "hydra": {"runtime": {"choices": {"market": choice}}}})
        for o in overrides:
            key, _, value = o.partition("=")
            if key != "market":
                OmegaConf.update(cfg, key, int(value))
        return cfg
    return compose


def test_a_sweep_of_plain_values_composes_once_and_checks_every_job():
    calls, seen = [], []

    def check(cfg):
        seen.append((cfg.seed, cfg.market.days))
        if cfg.seed == 13:
            raise ConfigError("seed: 13 is not allowed (allowed: a lucky number)")

    checker = SweepChecker(fake_compose(calls), check)
    for seed in (1, 2, 3):
        checker([f"seed={seed}", "market.days=30"])
    assert calls == [["seed=1", "market.days=30"]] and checker.composed == 1
    assert seen == [(1, 30), (2, 30), (3, 30)]  # each job's own values, set on the first
    with pytest.raises(ConfigError, match="^seed: 13 is not allowed"):
        checker(["seed=13", "market.days=30"])
    assert calls[-1] == ["seed=13", "market.days=30"]  # the verdict of a full composition
    checker(["seed=4", "market=small"])  # other choices: composed
    checker(["seed=5", "market=small"])  # ... once
    assert checker.composed == 3 and seen[-1] == (5, 7)
