"""A practice's own volume sets the market's (sim/volume.py): the listing share against
leadsim's own choice of practices, resolution leaves other configs alone and is
idempotent, and a practice with the share measured by simulation receives its
`inquiries_per_month` within a few standard errors."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import sim
from sim.config import WeekProfile, to_config
from sim.model.arrivals import choose_practices
from sim.volume import DAYS_PER_MONTH, choice_weight, listing_share, start_weights


@pytest.mark.parametrize(("weights", "sizes"), [
    ([0.75, 1.9, 1.15, 1.83], [0.429, 0.255, 0.196, 0.12]),
    ([1.0, 1.0, 0.0, 3.0], [0.2, 0.8]),
    ([2.0, 0.5], [1.0]),
])
def test_listing_share_is_what_choose_practices_does(weights, sizes):
    rng = np.random.default_rng(5)
    n, draws = len(weights), 40_000
    cdf = np.cumsum(sizes) / np.sum(sizes)
    for j in range(n):
        hits = 0
        for _ in range(draws // n):
            k = int(np.searchsorted(cdf, rng.random(), side="right")) + 1
            hits += j in choose_practices(weights, rng.random(n).tolist(), min(k, n))
        p = hits / (draws // n)
        exact = listing_share(weights, sizes, j)
        se = math.sqrt(max(exact * (1 - exact), 1e-4) / (draws // n))
        assert abs(p - exact) < 4.5 * se, (j, p, exact)


def test_choice_weight_is_the_models_weight_at_the_start():
    from sim.model import LeadMarket

    cfg = sim.load_config(["market.days=1"])
    model = LeadMarket(cfg)
    assert model.attractiveness() == start_weights(cfg)
    assert choice_weight(1.0, 4.5, 60, 1.5, 0.5) == pytest.approx(1.0)


def test_resolution_leaves_a_config_without_own_volume_unchanged():
    cfg = sim.load_config(["market.days=5"])
    assert cfg.market.prospects_per_day == 30.0
    assert cfg.market.hour_of_week == {}


def test_resolution_sets_the_market_and_is_idempotent():
    cfg = sim.load_config(["market.days=5",
                           "+practices.alpha.inquiries_per_month={phone: 120, web_form: 60}",
                           "+practices.alpha.inquiry_share={phone: 0.2}"])
    m = cfg.market
    share = listing_share(start_weights(cfg), m.shopping_list, 0)
    rate = {c: m.prospects_per_day * v for c, v in m.channel_mix.items()}
    assert rate["phone"] == pytest.approx(120 / DAYS_PER_MONTH / 0.2)
    assert rate["web_form"] == pytest.approx(60 / DAYS_PER_MONTH / share)
    assert rate["email"] == pytest.approx(30 * 0.08)  # not given: the market's own
    before = (m.prospects_per_day, dict(m.channel_mix))
    again = to_config(copy.deepcopy(cfg))
    assert (again.market.prospects_per_day, again.market.channel_mix) == before


def test_a_profile_of_the_focal_practice_becomes_the_markets():
    flat = {d: [1.0] * 24 for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    flat["sun"] = [0.0] * 24
    cfg = sim.load_config(["market.days=14", "seed=2"])
    cfg.practices["alpha"].inquiry_profile = {"phone": WeekProfile(**flat)}
    cfg = to_config(cfg)
    assert cfg.market.hour_of_week["phone"].sun == [0.0] * 24
    r = sim.run(cfg)
    pro = r.prospects
    phone = pro[(pro["channel"] == "phone") & (pro["source"] == "organic")]
    day = (phone["arrived_at"] // 1440 % 7).astype(int)
    assert len(phone) > 100 and (day == 6).sum() == 0  # nobody calls on Sundays
    assert (phone["arrived_at"] % 1440 < 360).mean() > 0.15  # flat: a quarter in 0-6 h


def test_bad_own_volume_is_one_line():
    with pytest.raises(sim.ConfigError, match="inquiries_per_month.fax"):
        sim.load_config(["+practices.alpha.inquiries_per_month={fax: 3}"])
    with pytest.raises(sim.ConfigError, match="inquiry_share.phone"):
        sim.load_config(["+practices.alpha.inquiry_share={phone: 1.5}"])
    with pytest.raises(sim.ConfigError, match="inquiry_profile.phone.mon"):
        sim.load_config(["+practices.alpha.inquiry_profile={phone: {mon: [1, 2]}}"])


@pytest.mark.slow
def test_with_the_measured_share_the_practice_receives_its_volume():
    """Measure inquiry_share in two pilot runs (what the fit's back-test does), then two
    other seeds land within 4 standard errors of the target on each channel; the listing
    share alone (no measurement) overshoots by far more."""
    from sim.fit.backtest import Measure, _share_update, market_with

    target = {"phone": 150.0, "web_form": 90.0}
    base = sim.load_config(["market.days=84"]).practices["alpha"]
    base.inquiries_per_month = dict(target)
    measure = Measure(84.0, [], False)

    def runs(practice, seeds):
        cfg = market_with(practice, 84)
        out = []
        for s in seeds:
            c = copy.deepcopy(cfg)
            c.seed = s
            out.append(measure(sim.run(c)))
        return out

    unmeasured = runs(base, [7])
    base.inquiry_share.update(_share_update(base, runs(base, [1, 2])))
    checked = runs(base, [7, 8])
    for channel, per_month in target.items():
        expected = per_month / DAYS_PER_MONTH * 84 * 2
        got = sum(r[f"volume.{channel}.inquiries"] for r in checked)
        assert abs(got - expected) < 4 * math.sqrt(expected), (channel, got, expected)
        naive = unmeasured[0][f"volume.{channel}.inquiries"]
        assert abs(naive - expected / 2) > 4 * math.sqrt(expected / 2) or channel != "phone"
