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


# --------------------------------------------------------------------------- weighing offers


@pytest.mark.parametrize(("ratings", "prices", "want"), [
    ([4.0, 5.0], [5000.0, 5000.0], [1 / (1 + math.exp(1.5)), 1 / (1 + math.exp(-1.5))]),
    ([4.5, 4.5], [4000.0, 5000.0], [5 / 9, 4 / 9]),  # elasticity 1: odds 5000 / 4000
    ([4.5, 4.5, 4.5], [1.0, 1.0, 1.0], [1 / 3, 1 / 3, 1 / 3]),
])
def test_an_offer_is_picked_by_the_logit_of_rating_and_price(ratings, prices, want):
    """choice.offer_pick on a fine grid of uniforms: the share of each offer is the logit's
    P(j) = exp(1.5 rating_j - ln price_j) / sum over the offers."""
    from sim.model.choice import offer_pick

    n = 20_000
    picks = [offer_pick(ratings, prices, 1.5, 1.0, (k + 0.5) / n) for k in range(n)]
    for j, p in enumerate(want):
        assert picks.count(j) / n == pytest.approx(p, abs=2 / n)


def test_the_offer_picked_does_not_depend_on_the_order_the_offers_came_in():
    """Common random numbers: the same prospect (the same u_pick) holding offers from the
    same practices picks the same practice whichever order the offers arrived in."""
    from types import SimpleNamespace as NS

    def pick(order, u):
        practices = [NS(index=i, price=price, slot=f"p{i}", take_booking=lambda *a: None)
                     for i, price in enumerate([9000.0, 7000.0, 8000.0])]
        ratings = {"p0": 4.2, "p1": 4.8, "p2": 4.5}
        market = NS(reputation=NS(rating_seen=lambda p: ratings[p.slot]),
                    offer_rating_weight=1.5, offer_price_elasticity=1.0, env=NS(now=0.0))
        prospect = NS(offers=tuple(NS(practice=practices[i]) for i in order),
                      draws=NS(u_pick=u))
        LeadMarket.weigh_offers(market, prospect)
        return prospect.booked_with.index

    for u in [(k + 0.5) / 50 for k in range(50)]:
        picks = {pick(order, u) for order in [(0, 1, 2), (2, 1, 0), (1, 0, 2), (2, 0, 1)]}
        assert len(picks) == 1, u
    assert len({pick((0, 1, 2), (k + 0.5) / 50) for k in range(50)}) == 3  # all can win


def two_practices_round_the_clock(weigh_share: float, window_hours: float = 24.0) -> Config:
    """Every prospect writes to both practices (staffed day and night, one a little
    better rated), 30 minutes apart at most."""
    practices = {}
    for name, rating in (("p0", 4.4), ("p1", 4.7)):
        p = PracticeConfig(channels=list(Channel), patient_share=0.0)
        p.roster = [ShiftConfig(days=list(ALL_DAYS), start="00:00", end="24:00",
                                role=Role.coordinator, staff=1)]
        p.reputation.rating = rating
        practices[name] = p
    cfg = Config(seed=3, practices=practices)
    cfg.market.days, cfg.market.drain_days, cfg.market.prospects_per_day = 6, 2, 60.0
    cfg.market.shopping_list = [0.0, 1.0]
    cfg.prospect.comparison.weigh_share = weigh_share
    cfg.prospect.comparison.window_hours = window_hours
    return validate(cfg)


def later_responder_bookings(inquiries: pd.DataFrame, prospects: pd.DataFrame) -> pd.DataFrame:
    """The booked prospects, with their first contact and whether they booked with a practice
    that reached them later than another did."""
    contacted = inquiries.dropna(subset=["contacted_at"])
    first = contacted.groupby("prospect_id")["contacted_at"].min()
    booked = inquiries[inquiries["outcome"] == "booked"].set_index("prospect_id")
    out = prospects.set_index("prospect_id").loc[booked.index, ["booked_at"]]
    out["first_contact"] = first.reindex(out.index)
    out["booked_contact"] = booked["contacted_at"]
    out["later"] = out["booked_contact"] > out["first_contact"]
    return out


def test_a_shopper_weighing_offers_may_book_a_later_responder_within_the_window():
    """With prospect.comparison.weigh_share 1, prospects reached by one practice while the
    other's answer is still to come wait for it: some book with the second to reach them,
    always within the window after the first contact, and never before the practice they
    book with reached them. With weigh_share 0 (the model before) every booking goes to
    the first practice to reach the prospect, at the moment it does."""
    window = 24.0 * 60.0
    weighing = later_responder_bookings(*tables(two_practices_round_the_clock(1.0)))
    assert weighing["later"].sum() > 20
    assert (weighing["booked_at"] >= weighing["booked_contact"]).all()
    assert (weighing["booked_at"] - weighing["first_contact"] <= window + 1e-9).all()
    at_once = later_responder_bookings(*tables(two_practices_round_the_clock(0.0)))
    assert not at_once["later"].any()
    assert (at_once["booked_at"] == at_once["first_contact"]).all()


def test_weighing_offers_moves_bookings_to_the_better_rated_practice():
    """Both practices are alike but for the rating (4.7 against 4.4): shoppers who weigh
    offers give the better-rated one more of the bookings than those who book at once."""
    def share_p1(weigh_share):
        _, prospects = tables(two_practices_round_the_clock(weigh_share))
        booked = prospects.loc[prospects["booked_with"] != "", "booked_with"]
        return (booked == "p1").mean()

    assert share_p1(1.0) > share_p1(0.0) + 0.03
