"""Whole-market invariants of `sim.model.market.LeadMarket` (issue 4, item 10).

Most tests draw a small random market with Hypothesis (one to four practices with random
channels, rosters, policies, services and economics; a few days of prospects) and check an
invariant that must hold in every run: the order of an inquiry's timestamps, one outcome
from the closed set, at most one booking per prospect, competition, revenue and staffing
cost recomputed from the config. The rest use the default market: reproducibility, common
random numbers, the daily table and the summary keys of the output contract.

Expected values are recomputed here from the config and the output tables, never copied
from the simulator.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import sim
from sim.analysis.tables import RunResult
from sim.config import (
    AnsweringServiceConfig,
    AutoResponderConfig,
    Channel,
    Config,
    Day,
    Discipline,
    HoursConfig,
    PolicyConfig,
    PracticeConfig,
    Role,
    ServiceHours,
    ShiftConfig,
    UnifiedInboxConfig,
    validate,
    watched_channels,
)
from sim.model import LeadMarket
from sim.model.inquiry import OUTCOMES
from sim.model.practice import Practice
from sim.model.staff import PATIENT

SLOTS = ["alpha", "beta", "gamma", "delta"]
DAYS_PER_MONTH = 365.25 / 12  # fees per month are charged per average calendar month
EPS = 1e-6

# Each example is a whole simulation: no deadline, and no shrinking (it would rerun the
# model hundreds of times; the examples are small already).
SIM = {"deadline": None, "phases": [Phase.explicit, Phase.reuse, Phase.generate],
       "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
SETTINGS = settings(max_examples=20, **SIM)
SUMMARY_SETTINGS = settings(max_examples=6, **SIM)  # building the summary costs most


# --------------------------------------------------------------------------- helpers


def simulate(cfg: Config, summary: bool = False) -> tuple[LeadMarket, Any]:
    """Run the market; keep the model (its Inquiry and Practice objects) beside the tables:
    the RunResult with `summary`, else just the inquiries and prospects (much faster)."""
    model = LeadMarket(validate(cfg))
    model.run()
    records = model.records()
    if summary:
        return model, RunResult.from_records(records)
    return model, SimpleNamespace(inquiries=pd.DataFrame(records["inquiries"]),
                                  prospects=pd.DataFrame(records["prospects"]))


def totals(model: LeadMarket, name: str) -> dict[str, float]:
    """A practice's own running total (what the daily table reads), by slot."""
    return {p.slot: getattr(p, name) for p in model.practices}


@contextmanager
def work_log():
    """Record every piece of lead work a practice begins, in the order it happens:
    (sequence, time, inquiry_id, prospect_id, state before, closed before, outcome after)."""
    log: list[tuple] = []
    original = Practice.begin

    def begin(self, staff, item):
        if item is PATIENT:
            return original(self, staff, item)
        state, closed = item.state, item.outcome is not None
        seq = len(log)  # the work begins before anything it leads to (a booking's row)
        log.append(None)
        duration = original(self, staff, item)
        prospect_id = item.prospect_id  # (the agent itself is let go once it is done)
        log[seq] = (seq, self.env.now, item.inquiry_id, prospect_id, state, closed,
                    item.outcome)
        return duration

    weigh = LeadMarket.weigh_offers

    def weigh_offers(self, prospect):  # a shopper who weighed offers books: a row too
        weigh(self, prospect)
        log.append((len(log), self.env.now, 0, prospect.prospect_id, 0, False, "booked"))

    with (mock.patch.object(Practice, "begin", begin),
          mock.patch.object(LeadMarket, "weigh_offers", weigh_offers)):
        yield log


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def window(draw) -> tuple[str, str]:
    """A window inside one day on a half-hour grid (end after start, at most 24:00)."""
    start = draw(st.integers(0, 47))
    end = draw(st.integers(start + 1, 48))
    return hhmm(30 * start), hhmm(30 * end)


DAYS = st.lists(st.sampled_from(list(Day)), min_size=1, max_size=7, unique=True)


@st.composite
def shifts(draw) -> ShiftConfig:
    start, end = draw(window())
    return ShiftConfig(days=draw(DAYS), start=start, end=end,
                       role=draw(st.sampled_from(list(Role))), staff=draw(st.integers(0, 2)),
                       hourly_wage=draw(st.sampled_from([0.0, 18.5, 21.0, 33.25])))


@st.composite
def policies(draw) -> PolicyConfig:
    n = draw(st.integers(1, 6))
    gaps = draw(st.lists(st.sampled_from([0.0, 5.0, 10.0, 60.0, 240.0, 1440.0]),
                         min_size=n - 1, max_size=n - 1))
    return PolicyConfig(
        discipline=draw(st.sampled_from(list(Discipline))),
        first_response_delay_minutes=draw(st.sampled_from([0.0, 5.0, 60.0])),
        follow_up_minutes=list(itertools.accumulate([0.0, *gaps])),
        max_attempts=n,
        answer_live_calls=draw(st.booleans()),
        return_voicemails=draw(st.booleans()),
    )


@st.composite
def practice_configs(draw) -> PracticeConfig:
    p = PracticeConfig()
    p.channels = draw(st.lists(st.sampled_from(list(Channel)), unique=True, max_size=7))
    p.opening_hours = [HoursConfig(draw(DAYS), *draw(window()))
                       for _ in range(draw(st.integers(0, 2)))]
    p.roster = draw(st.lists(shifts(), max_size=3))
    p.patient_share = draw(st.sampled_from([0.0, 0.3, 0.6]))
    p.policy = draw(policies())
    p.answering_service = AnsweringServiceConfig(
        enabled=draw(st.booleans()), hours=draw(st.sampled_from(list(ServiceHours))),
        agents=draw(st.integers(1, 2)), fee_per_call=draw(st.sampled_from([0.0, 1.75])),
        fee_per_month=draw(st.sampled_from([0.0, 150.0])))
    p.auto_responder = AutoResponderConfig(
        enabled=draw(st.booleans()), fee_per_month=draw(st.sampled_from([0.0, 49.0])))
    p.unified_inbox = UnifiedInboxConfig(
        enabled=draw(st.booleans()), fee_per_month=draw(st.sampled_from([0.0, 399.0])))
    p.phone_menu_seconds = draw(st.sampled_from([0.0, 0.0, 30.0, 90.0]))
    eco = p.economics
    eco.no_show_rate = draw(st.sampled_from([0.0, 0.15, 1.0]))
    eco.consultation_to_procedure = draw(st.sampled_from([0.0, 0.46, 1.0]))
    eco.procedure_mix = draw(st.sampled_from([
        dict(eco.procedure_mix), {"facelift": 1.0}, {"rhinoplasty": 0.0, "liposuction": 2.0}]))
    p.reputation.rating = draw(st.sampled_from([3.5, 4.5, 5.0]))
    return p


@st.composite
def markets(draw, max_practices: int = 4, max_days: int = 3) -> Config:
    """A small random market; every practice knob and the market knobs that matter."""
    n = draw(st.integers(1, max_practices))
    cfg = Config(seed=draw(st.integers(0, 2**20)), record_activity=True)
    cfg.practices = {SLOTS[i]: draw(practice_configs()) for i in range(n)}
    m = cfg.market
    m.days = draw(st.integers(1, max_days))
    m.drain_days = draw(st.sampled_from([0, 2, 7]))
    m.prospects_per_day = draw(st.sampled_from([5.0, 20.0, 60.0]))
    # 0: a prospect contacts the whole list at the same instant
    m.inquiry_spread_minutes = draw(st.sampled_from([0.0, 1.0, 30.0]))
    k = draw(st.integers(1, n))
    m.shopping_list = draw(st.lists(st.sampled_from([0.0, 0.3, 1.0]), min_size=k, max_size=k)
                           .filter(lambda w: sum(w) > 0))
    if draw(st.booleans()):
        weights = draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=7, max_size=7)
                       .filter(lambda w: sum(w) > 0))
        m.channel_mix = {c.value: w for c, w in zip(Channel, weights)}
    return validate(cfg)


@functools.cache
def _composed(overrides: tuple[str, ...]) -> Config:
    return sim.load_config(list(overrides))


def default_market(*overrides: str, days: int = 3, seed: int = 0) -> Config:
    """The default market exactly as the CLI composes it, shortened."""
    cfg = copy.deepcopy(_composed(tuple(overrides)))
    cfg.market.days, cfg.seed = days, seed
    return validate(cfg)


def monitored(cfg: Config, slot: str) -> set[str]:
    return set(watched_channels(cfg.practices[slot]))


# --------------------------------------------------------------------------- time order


@SETTINGS
@given(markets())
def test_nobody_is_answered_or_contacted_before_they_arrive(cfg):
    _, res = simulate(cfg)
    q = res.inquiries
    horizon = (cfg.market.days + cfg.market.drain_days) * 1440.0
    answered, contacted = q["answered_at"].notna(), q["contacted_at"].notna()
    assert (q.loc[answered, "answered_at"] >= q.loc[answered, "arrived_at"]).all()
    both = answered & contacted
    assert (q.loc[both, "contacted_at"] >= q.loc[both, "answered_at"]).all()
    assert not (contacted & ~answered).any(), "contacted without a first response"
    for col in ("answered_at", "contacted_at", "first_attempt_at"):
        assert (q[col].dropna() <= horizon).all(), col
    # prospects arrive during market.days only (the drain days are for follow-ups)
    end = cfg.market.days * 1440.0
    assert (res.prospects["arrived_at"] < end).all(), "a prospect arrived after market.days"
    assert (q["arrived_at"] < end + cfg.market.inquiry_spread_minutes + EPS).all()
    # the first outbound attempt: after arrival plus the policy's first-response delay
    delay = q["practice"].map(
        {s: p.policy.first_response_delay_minutes for s, p in cfg.practices.items()})
    tried = q["first_attempt_at"].notna()
    assert (q.loc[tried, "first_attempt_at"] >= q.loc[tried, "arrived_at"]
            + delay[tried] - EPS).all()
    assert (q.loc[tried, "answered_at"] <= q.loc[tried, "first_attempt_at"]).all()
    # an auto-responder acknowledges a monitored message at once, and nothing else
    expect_ack = np.array([
        cfg.practices[s].auto_responder.enabled and c != "phone" and c in monitored(cfg, s)
        for s, c in zip(q["practice"], q["channel"])], dtype=bool)
    ack = q["acknowledged_at"]
    assert (ack.notna().to_numpy() == expect_ack).all()
    assert (ack[expect_ack] == q.loc[expect_ack, "arrived_at"]).all()
    # a prospect's inquiries go out within inquiry_spread_minutes of their arrival
    arrived = res.prospects.set_index("prospect_id")["arrived_at"]
    lag = q["arrived_at"].to_numpy() - arrived.loc[q["prospect_id"]].to_numpy()
    assert ((lag >= 0) & (lag <= cfg.market.inquiry_spread_minutes + EPS)).all()


# --------------------------------------------------------------------------- outcomes


@SETTINGS
@given(markets())
def test_every_inquiry_ends_with_exactly_one_outcome(cfg):
    model, res = simulate(cfg)
    q = res.inquiries
    assert len(q) == q["inquiry_id"].nunique() == len(model.inquiries)
    assert q["outcome"].isin(OUTCOMES).all()
    assert not (q["outcome"] == "answered").any(), "'answered' is for scenario=mmc only"
    # each outcome agrees with what happened to the inquiry
    contacted, answered = q["contacted_at"].notna(), q["answered_at"].notna()
    by = {o: q["outcome"] == o for o in OUTCOMES}
    assert contacted[by["booked"] | by["too_late"]].all()
    assert not contacted[by["not_reached"] | by["unanswered"] | by["abandoned"]].any()
    assert not answered[by["unanswered"] | by["abandoned"]].any()
    assert answered[by["not_reached"]].all()
    assert q.loc[by["abandoned"], "abandoned"].all()
    assert (q.loc[q["abandoned"], "channel"] == "phone").all()
    # the practices' own running counts agree with the outcomes
    for name, outcome in (("n_booked", "booked"), ("n_lost", "lost_to_competitor")):
        got = q.loc[q["outcome"] == outcome, "practice"].value_counts()
        assert totals(model, name) == {s: int(got.get(s, 0)) for s in cfg.practices}, name
    assert totals(model, "n_inquiries") == {
        slot: int((q["practice"] == slot).sum()) for slot in cfg.practices}
    # every prospect recorded once, with every inquiry it made
    assert res.prospects["prospect_id"].is_unique
    assert set(q["prospect_id"]) <= set(res.prospects["prospect_id"])


@SETTINGS
@given(markets())
def test_a_prospect_books_at_most_once_and_only_when_contacted(cfg):
    model, res = simulate(cfg)
    q, pr = res.inquiries, res.prospects.set_index("prospect_id")
    booked = q[q["outcome"] == "booked"]
    assert booked["prospect_id"].is_unique, "a prospect booked twice"
    assert booked["contacted_at"].notna().all(), "booked without a contact"
    # prospects.booked_with names exactly the practice of the booked inquiry
    expected = booked.set_index("prospect_id")["practice"].reindex(pr.index).fillna("")
    assert (pr["booked_with"] == expected).all()
    # at the contact, or (a shopper weighing offers) within the window after it
    wait = pr.loc[booked["prospect_id"], "booked_at"].to_numpy() - booked["contacted_at"].to_numpy()
    window = cfg.prospect.comparison.window_hours * 60.0
    assert (wait >= 0).all() and (wait <= window + 1e-9).all()
    assert pr.loc[pr["booked_with"] == "", "booked_at"].isna().all()
    for slot, n in totals(model, "n_booked").items():
        assert n == int((booked["practice"] == slot).sum())


def check_competition(model: LeadMarket, res: Any, log: list[tuple]) -> None:
    q, pr = res.inquiries, res.prospects.set_index("prospect_id")
    assert not any(row[5] for row in log), "work done on an inquiry already closed"
    booking_seq = {pid: seq for seq, _, _, pid, _, _, outcome in log if outcome == "booked"}
    last_work = {}
    for seq, _, inquiry_id, *_ in log:
        last_work[inquiry_id] = seq
    booked_with = q["prospect_id"].map(pr["booked_with"])
    others = q[(booked_with != "") & (q["practice"] != booked_with)]
    # the others never book, and are never reached too late (readiness is a deadline)
    assert others["outcome"].isin(
        ["lost_to_competitor", "unanswered", "not_reached", "abandoned"]).all()
    for row in others.itertuples():
        # ... nobody works on them once the prospect has booked
        assert last_work.get(row.inquiry_id, -1) < booking_seq[row.prospect_id]
        # ... and a booked prospect stops shopping
        assert row.arrived_at <= pr.at[row.prospect_id, "booked_at"]
    # lost_to_competitor only where the prospect booked with someone else
    lost = q[q["outcome"] == "lost_to_competitor"]
    assert (booked_with[lost.index] != "").all()
    assert (booked_with[lost.index] != lost["practice"]).all()
    # a lost inquiry that was reached is an offer the prospect weighed and did not take,
    # made before the booking (none when nobody weighs offers)
    offers = lost[lost["contacted_at"].notna()]
    assert (offers["contacted_at"] <= offers["prospect_id"].map(pr["booked_at"])).all(), \
        "a lost inquiry was reached after the booking"
    assert model.weigh_share > 0 or offers.empty
    # the practices' running totals count each lost inquiry once
    for slot, n in totals(model, "n_lost").items():
        assert n == int((lost["practice"] == slot).sum()), slot


@SETTINGS
@given(markets())
def test_competition_the_first_practice_to_reach_a_ready_prospect_takes_them(cfg):
    with work_log() as log:
        model, res = simulate(cfg)
    check_competition(model, res, log)


def test_competition_when_a_prospect_contacts_every_practice_at_once():
    """inquiry_spread_minutes=0: idle staff at two practices are handed the same prospect's
    inquiries at the same instant; once one books, the other must not work its (now lost)
    inquiry, nor count the loss twice."""
    cfg = default_market(days=3, seed=1)
    cfg.market.inquiry_spread_minutes = 0.0
    cfg.market.prospects_per_day = 120.0
    with work_log() as log:
        model, res = simulate(cfg)
    assert (res.inquiries["outcome"] == "lost_to_competitor").sum() > 20
    check_competition(model, res, log)


# --------------------------------------------------------------------------- money


# --------------------------------------------------------------------------- reproducibility


def test_one_seed_reproduces_a_run_and_another_seed_does_not():
    first, second = sim.run(default_market(seed=11)), sim.run(default_market(seed=11))
    assert first.summary == second.summary
    for name in ("inquiries", "prospects", "daily", "staff"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    other = sim.run(default_market(seed=12))
    assert not other.inquiries["arrived_at"].equals(first.inquiries["arrived_at"])


@settings(max_examples=4, **SIM)
@given(markets(max_days=2))
def test_random_markets_are_reproducible(cfg):
    a, b = (simulate(copy.deepcopy(cfg), summary=True)[1] for _ in range(2))
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.inquiries, b.inquiries)
    pd.testing.assert_frame_equal(a.prospects, b.prospects)


def organic(res: Any) -> pd.DataFrame:
    p = res.prospects
    return (p[p["source"] == "organic"].sort_values("arrived_at", kind="stable")
            [["arrived_at", "channel", "n_practices"]].reset_index(drop=True))


@pytest.mark.parametrize("override", [
    "practice@practices.alpha=dedicated_coordinator",
    "practice@practices.delta=solo_front_desk",
    "practices.beta.roster.0.staff=3",
])


def test_common_random_numbers_another_archetype_leaves_the_prospects_alone(override):
    base_cfg, swapped_cfg = default_market(days=7, seed=5), default_market(override, days=7,
                                                                            seed=5)
    slot = override.split("practices.")[1].split(".")[0].split("=")[0]
    assert base_cfg.practices[slot] != swapped_cfg.practices[slot]  # the override took
    base, swapped = simulate(base_cfg)[1], simulate(swapped_cfg)[1]
    # that practice's inquiries went differently ...
    mine = [r.inquiries.loc[r.inquiries["practice"] == slot, "outcome"].tolist()
            for r in (base, swapped)]
    assert mine[0] != mine[1]
    # ... but the same people arrived, at the same times, on the same channels, shopping
    # the same number of practices
    a, b = organic(base), organic(swapped)
    assert len(a) > 100
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- output tables


@pytest.fixture(scope="module")
def default_run() -> tuple[Config, RunResult]:
    cfg = default_market(days=4, seed=3)
    return cfg, sim.run(cfg)


CUMULATIVE = ["inquiries", "answered", "contacted", "booked", "lost_to_competitor",
              "abandoned_calls", "consultations", "procedures", "revenue", "staffing_cost"]


def test_daily_table_has_one_row_per_practice_per_day(default_run):
    cfg, res = default_run
    d = res.daily
    horizon = cfg.market.days + cfg.market.drain_days
    assert len(d) == horizon * len(cfg.practices)
    assert not d.duplicated(["day", "practice"]).any()
    assert sorted(d["day"].unique()) == list(range(1, horizon + 1))
    assert set(d["practice"]) == set(cfg.practices)
    for slot, rows in d.sort_values("day").groupby("practice"):
        for col in CUMULATIVE:
            assert (rows[col].diff().dropna() >= -EPS).all(), f"{slot}.{col} went down"
    # the last day's running totals agree with the inquiry and prospect tables
    q, pr = res.inquiries, res.prospects
    final = d[d["day"] == horizon].set_index("practice")
    for slot in cfg.practices:
        mine = q[q["practice"] == slot]
        mine_p = pr[pr["booked_with"] == slot]
        assert final.at[slot, "inquiries"] == len(mine)
        assert final.at[slot, "answered"] == mine["answered_at"].notna().sum()
        assert final.at[slot, "contacted"] == mine["contacted_at"].notna().sum()
        assert final.at[slot, "booked"] == (mine["outcome"] == "booked").sum()
        assert final.at[slot, "consultations"] == mine_p["showed"].sum()
        assert final.at[slot, "procedures"] == mine_p["converted"].sum()
        # arrivals per day: the day's new inquiries are those that arrived that day
        per_day = np.bincount((mine["arrived_at"] // 1440).astype(int) + 1,
                              minlength=horizon + 1)[1:]
        new = d[d["practice"] == slot].sort_values("day")["new_inquiries"].to_numpy()
        assert (new == per_day).all()


PRACTICE_KEYS = ["inquiries", "answered_share", "contact_rate", "conversion_rate",
                 "consultations", "procedures", "revenue", "staffing_cost", "net",
                 "utilisation", "lost_to_competitor", "abandoned_calls", "unanswered",
                 "first_response_median_minutes", "first_response_p90_minutes"]


def test_summary_has_the_contract_keys_for_each_practice(default_run):
    cfg, res = default_run
    s, q = res.summary, res.inquiries
    for scope in ["market", *(f"practices.{slot}" for slot in cfg.practices)]:
        rows = q if scope == "market" else q[q["practice"] == scope.split(".")[1]]
        missing = [k for k in PRACTICE_KEYS if f"{scope}.{k}" not in s]
        assert not missing, f"{scope}: {missing}"
        for channel in rows["channel"].unique():
            for stat in ("median", "p90"):
                key = f"{scope}.first_response_{stat}_minutes.{channel}"
                assert key in s, key
            med = s[f"{scope}.first_response_median_minutes.{channel}"]
            p90 = s[f"{scope}.first_response_p90_minutes.{channel}"]
            answered = rows[rows["channel"] == channel]["answered_at"].notna().any()
            assert (med is not None) == answered
            if answered:
                assert 0 <= med <= p90
        for share in ("answered_share", "contact_rate", "conversion_rate"):
            assert 0.0 <= s[f"{scope}.{share}"] <= 1.0
        assert s[f"{scope}.contact_rate"] <= s[f"{scope}.answered_share"]
        assert 0.0 <= s[f"{scope}.utilisation"] <= 1.0
        assert s[f"{scope}.net"] == pytest.approx(s[f"{scope}.revenue"]
                                                  - s[f"{scope}.staffing_cost"])
        assert s[f"{scope}.procedures"] <= s[f"{scope}.consultations"] <= s[f"{scope}.bookings"]
    for key in ("inquiries", "revenue", "staffing_cost", "lost_to_competitor",
                "abandoned_calls", "unanswered", "consultations", "procedures"):
        total = sum(s[f"practices.{slot}.{key}"] for slot in cfg.practices)
        assert s[f"market.{key}"] == pytest.approx(total), key
    # every summary value is plain JSON (no NaN)
    assert all(v is None or not isinstance(v, float) or math.isfinite(v) for v in s.values())
