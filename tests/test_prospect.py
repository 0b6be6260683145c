"""sim/model/prospect.py: how a prospect's interest decays (closed form), and readiness
as a deadline: a booked prospect was never reached too late. (Arrivals and shopping lists:
test_arrivals.py, test_choice.py.)

Exact properties are checked with Hypothesis.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

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


# --------------------------------------------------------------------------- choice


# --------------------------------------------------------------------------- arrivals


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
