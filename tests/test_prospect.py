"""Prospects (`sim.model.prospect`, `sim.model.arrivals`): who arrives, on which channel,
shopping how many practices, and how their interest decays.

Distributions are checked against the configured weights (and the published survey
figures of CALIBRATION.md) with chi-square or binomial bounds several standard errors
wide, on fixed seeds; exact properties (a size or channel of zero weight never occurs,
a booked prospect was never reached too late) are checked with Hypothesis.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scipy import stats

import sim
from sim import vocabulary
from sim.config import (
    ALL_DAYS,
    WEEKDAYS,
    Channel,
    Config,
    CurveConfig,
    PracticeConfig,
    Role,
    ShiftConfig,
    validate,
)
from sim.model import LeadMarket
from sim.model.arrivals import ProspectDraws, choose_practices
from sim.model.prospect import Curve

SIM = {"deadline": None, "phases": [Phase.explicit, Phase.reuse, Phase.generate],
       "suppress_health_check": [HealthCheck.too_slow]}
CHANNELS = list(vocabulary.CHANNELS)


def tables(cfg: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    model = LeadMarket(validate(cfg))
    model.run()
    records = model.records()
    return pd.DataFrame(records["inquiries"]), pd.DataFrame(records["prospects"])


def unstaffed_market(n_practices=4, *, shopping_list=None, days=14, per_day=100.0, seed=0,
                     channel_mix=None) -> Config:
    """Practices with nobody on the roster: nobody books, so every prospect contacts
    their whole shopping list (and the run is cheap)."""
    practices = {f"p{i}": PracticeConfig(channels=list(Channel), roster=[])
                 for i in range(n_practices)}
    cfg = Config(seed=seed, practices=practices)
    cfg.market.days, cfg.market.drain_days, cfg.market.prospects_per_day = days, 1, per_day
    if shopping_list is not None:
        cfg.market.shopping_list = shopping_list
    if channel_mix is not None:
        cfg.market.channel_mix = channel_mix
    return validate(cfg)


def organic(prospects: pd.DataFrame) -> pd.DataFrame:
    return prospects[prospects["source"] == "organic"]


# --------------------------------------------------------------------------- shopping lists


def test_default_shopping_list_is_the_realself_survey():
    """CALIBRATION.md: 42.9% contact one practice, 25.5% two, the rest three or more."""
    w = np.array(sim.load_config().market.shopping_list, dtype=float)
    w /= w.sum()
    assert w[0] == pytest.approx(0.429, abs=1e-3)
    assert w[1] == pytest.approx(0.255, abs=1e-3)
    assert w[2:].sum() == pytest.approx(0.316, abs=1e-3)
    assert 2.0 <= float(np.arange(1, len(w) + 1) @ w) <= 3.0  # "mean about 2-3" (DESIGN.md)


@functools.cache
def default_sizes(seed: int) -> pd.Series:
    _, prospects = tables(unstaffed_market(seed=seed))
    return organic(prospects)["n_practices"]


@pytest.mark.parametrize("seed", [0, 1])
def test_shopping_list_sizes_follow_market_shopping_list(seed):
    weights = np.array(Config().market.shopping_list, dtype=float)
    p = weights / weights.sum()
    sizes = default_sizes(seed)
    assert len(sizes) > 1000
    observed = np.bincount(sizes, minlength=len(p) + 1)[1:]
    assert observed.sum() == len(sizes), "a size outside 1..len(shopping_list)"
    assert stats.chisquare(observed, p * len(sizes)).pvalue > 1e-4
    # the survey's headline figure, within 4.5 binomial standard errors
    n = len(sizes)
    assert abs(observed[0] / n - 0.429) < 4.5 * math.sqrt(0.429 * 0.571 / n)


@settings(max_examples=12, **SIM)
@given(st.lists(st.sampled_from([0.0, 0.1, 0.5, 1.0]), min_size=1, max_size=4)
       .filter(lambda w: sum(w) > 0), st.integers(0, 2**16))
def test_sizes_of_zero_weight_never_occur_and_each_list_is_contacted(weights, seed):
    inquiries, prospects = tables(unstaffed_market(shopping_list=weights, days=2,
                                                   per_day=60.0, seed=seed))
    sizes = organic(prospects)["n_practices"]
    allowed = {k for k, w in enumerate(weights, start=1) if w > 0}
    assert set(sizes) <= allowed
    if len(allowed) == 1:
        assert (sizes == next(iter(allowed))).all()
    # nobody books here, so each prospect contacts every practice on the list, once each
    per = inquiries.groupby("prospect_id")["practice"].agg(["size", "nunique"])
    want = prospects.set_index("prospect_id")["n_practices"]
    assert (per["size"] == per["nunique"]).all(), "a practice contacted twice"
    assert (per["size"] == want.loc[per.index]).all()
    assert set(want.index) == set(per.index), "a prospect who contacted nobody"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=6))
def test_shopping_list_size_reads_the_cumulative_weights(cdf_steps):
    cumulative = list(np.cumsum(cdf_steps) / max(sum(cdf_steps), 1e-12))
    cumulative[-1] = 1.0
    d = ProspectDraws()
    for u in np.linspace(0, 1, 41)[:-1]:
        d.u_size = float(u)
        k = d.shopping_list_size(cumulative)
        assert 1 <= k <= len(cumulative)
        assert u < cumulative[k - 1]
        assert k == 1 or u >= cumulative[k - 2]


# --------------------------------------------------------------------------- choice


@given(st.lists(st.sampled_from([0.0, 0.2, 1.0, 3.0]), min_size=1, max_size=6),
       st.data())
def test_choice_picks_distinct_practices_with_positive_weight(weights, data):
    u = data.draw(st.lists(st.floats(0.0, 1.0, exclude_max=True, exclude_min=True),
                           min_size=len(weights), max_size=len(weights)))
    k = data.draw(st.integers(1, len(weights)))
    chosen = choose_practices(weights, u, k)
    assert len(chosen) == len(set(chosen)) == min(k, sum(w > 0 for w in weights))
    assert all(weights[j] > 0 for j in chosen)


def test_a_single_choice_is_proportional_to_attractiveness():
    rng = np.random.default_rng(7)
    weights = [0.5, 1.0, 2.0, 4.0]
    picks = [choose_practices(weights, rng.random(4).tolist(), 1)[0] for _ in range(20_000)]
    observed = np.bincount(picks, minlength=4)
    expected = np.array(weights) / sum(weights) * len(picks)
    assert stats.chisquare(observed, expected).pvalue > 1e-4


# --------------------------------------------------------------------------- arrivals


def test_arrivals_have_the_configured_volume_and_office_hours_for_phones():
    _, prospects = tables(unstaffed_market(seed=3, days=14, per_day=100.0))
    o = organic(prospects)
    mean = 14 * 100.0
    assert abs(len(o) - mean) < 4.5 * math.sqrt(mean)  # Poisson
    minute = o["arrived_at"] % 10080.0
    weekday_office = (minute // 1440 < 5) & ((minute % 1440) >= 8 * 60) \
        & ((minute % 1440) < 18 * 60)
    phone = o["channel"] == "phone"
    # phone in office hours; online in evenings and at weekends
    assert weekday_office[phone].mean() > 0.7
    assert weekday_office[~phone].mean() < weekday_office[phone].mean() - 0.2


@settings(max_examples=8, **SIM)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=7, max_size=7)
       .filter(lambda w: sum(w) > 0), st.integers(0, 2**16))
def test_channels_of_zero_weight_never_occur_and_a_prospect_keeps_one_channel(mix, seed):
    channel_mix = dict(zip(CHANNELS, mix))
    inquiries, prospects = tables(unstaffed_market(days=2, per_day=60.0, seed=seed,
                                                   channel_mix=channel_mix))
    used = {c for c, w in channel_mix.items() if w > 0}
    assert set(prospects["channel"]) <= used
    own = inquiries["prospect_id"].map(prospects.set_index("prospect_id")["channel"])
    assert (inquiries["channel"] == own).all()


# --------------------------------------------------------------------------- interest


curves = st.builds(
    CurveConfig,
    peak=st.floats(0.0, 1.0),
    fast_weight=st.floats(0.0, 1.0),
    fast_minutes=st.floats(0.1, 1e3),
    tail_minutes=st.floats(0.1, 1e4),
    tail_exponent=st.floats(0.0, 3.0),
)


@given(curves, st.lists(st.floats(0.0, 1e6), min_size=2, max_size=20))
def test_interest_decays_in_closed_form(c, times):
    curve = Curve.from_config(c)
    assert curve(0.0) == pytest.approx(c.peak)
    assert curve(-5.0) == curve(0.0)
    values = [curve(t) for t in sorted(times)]
    assert all(0.0 <= v <= c.peak + 1e-12 for v in values)
    assert all(b <= a + 1e-12 for a, b in zip(values, values[1:])), "interest grew"
    for t in times:
        fast = math.exp(-t / c.fast_minutes)
        slow = (1.0 + t / c.tail_minutes) ** -c.tail_exponent
        want = c.peak * (c.fast_weight * fast + (1 - c.fast_weight) * slow)
        assert curve(t) == pytest.approx(want, rel=1e-9, abs=1e-12)


@st.composite
def staffed_markets(draw) -> Config:
    """Two or three practices with coordinators, the first round the clock, the others on
    random hours: some prospects are reached fast, some late, some never."""
    practices = {}
    for i in range(draw(st.integers(2, 3))):
        if i == 0:
            days, start, end = ALL_DAYS, 0, 24
        else:
            days, start = draw(st.sampled_from([WEEKDAYS, ALL_DAYS])), draw(st.integers(0, 20))
            end = draw(st.integers(start + 1, 24))
        p = PracticeConfig(channels=list(Channel), patient_share=0.0)
        p.roster = [ShiftConfig(days=list(days), start=f"{start:02d}:00", end=f"{end:02d}:00",
                                role=Role.coordinator, staff=draw(st.integers(1, 2)))]
        practices[f"p{i}"] = p
    cfg = Config(seed=draw(st.integers(0, 2**16)), practices=practices)
    cfg.market.days, cfg.market.prospects_per_day = 3, 60.0
    cfg.market.shopping_list = [1.0, 1.0]
    cfg.market.inquiry_spread_minutes = draw(st.sampled_from([0.0, 30.0]))
    return validate(cfg)


@settings(max_examples=10, **SIM)
@given(staffed_markets())
def test_readiness_is_a_deadline_a_booked_prospect_was_never_too_late(cfg):
    inquiries, prospects = tables(cfg)
    booked = set(prospects.loc[prospects["booked_with"] != "", "prospect_id"])
    late = inquiries[inquiries["outcome"] == "too_late"]
    assert len(booked) > 0 and len(late) > 0  # both happen in these markets
    assert not booked & set(late["prospect_id"]), "too late for one, then booked with another"
    # a reached prospect decides at once: booked or too late, at the moment of contact
    reached = inquiries[inquiries["outcome"].isin(["booked", "too_late"])]
    assert reached["contacted_at"].notna().all()
    assert reached.groupby("prospect_id")["outcome"].nunique().max() == 1
