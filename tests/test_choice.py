"""sim/model/choice.py: who a prospect contacts. Shopping-list sizes follow the market's
`shopping_list` (the RealSelf survey by default, CALIBRATION.md); a size or a practice of
zero weight never occurs; one draw picks practices in proportion to their weight.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from test_prospect import SIM, organic, tables, unstaffed_market

import sim
from sim.config import (
    Config,
)
from sim.model.arrivals import ProspectDraws, choose_practices


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
