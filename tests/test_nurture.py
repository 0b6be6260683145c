"""Micro-conversions and nurture (sim/model/nurture.py, the `nurture_newsletter` plan).

A prospect reached too late to book by a practice with a nurture programme accepts its
micro-conversion with `accept_share`; of those, `ready_again_share` come back at one of
the touches, ready, writing to the nurturing practice first. Checked here: without a
programme (or with one nobody accepts) a run is the run it always was; the shares and
delays are the configured ones; returns book with the nurturer more often than strangers
do; the expected returns of the list still waiting match the returns a longer run
realises; the plan and its words; the plan in `leadsim compare`."""

from __future__ import annotations

import copy
import functools
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import contract
from sim.analysis import practice_words as words
from sim.analysis.report import _money_html
from sim.config import Channel, ConfigError, apply_plan
from sim.config_files import load_plan
from sim.model import LeadMarket
from sim.model.economics import DAYS_PER_MONTH, booking_value
from sim.model.nurture import NurtureList

SLOTS = ("alpha", "beta", "gamma", "delta")
# a short programme, so that returns come inside a short run: 6 touches 3 days apart
ACCEPT, READY_AGAIN, TOUCHES, EVERY, SHOP_AGAIN = 0.5, 0.7, 6, 3.0, 0.3
DAYS = 40
Z = 3.29  # two-sided 99.9%


def _overrides(days: int = DAYS, slots=SLOTS) -> list[str]:
    out = [f"market.days={days}", "seed=5"]
    for slot in slots:
        n = f"practices.{slot}.nurture"
        out += [f"{n}.enabled=true", f"{n}.accept_share={ACCEPT}",
                f"{n}.ready_again_share={READY_AGAIN}", f"{n}.touches={TOUCHES}",
                f"{n}.touch_every_days={EVERY}", f"{n}.shop_again_share={SHOP_AGAIN}"]
    return out


@functools.cache
def _run(days: int = DAYS):
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return sim.run(sim.load_config(_overrides(days)))


@functools.cache
def _default():
    return sim.load_config([])


def _within(successes: int, trials: int, p: float) -> bool:
    return abs(successes - trials * p) <= Z * math.sqrt(trials * p * (1 - p))


# --------------------------------------------------------------------------- off


def _tables(result):
    """The run's tables and summary without anything nurture adds."""
    out = {}
    for name, df in result.tables.items():
        drop = [c for c in contract.NURTURE_COLUMNS.get(name, []) if c in df]
        out[name] = df.drop(columns=drop)
    keys = {k: v for k, v in result.summary.items()
            if "nurture" not in k and "micro_conversions" not in k}
    return out, keys


def test_without_a_programme_nothing_is_drawn_and_nobody_accepting_changes_nothing():
    """What keeps `python -m experiments.digest` the same: a run without a programme
    never touches the nurture streams, and one whose offers are all declined (a free
    programme nobody accepts) draws its offers from them alone, leaving every table and
    metric of the run as it was."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    base = sim.load_config(["market.days=10", "seed=3"])
    model = LeadMarket(base).run()
    assert not model.nurture.enabled and not any(
        "nurture" in name for name in model.streams._generators)
    off = sim.run(base)
    assert "micro_converted" not in off.inquiries and "nurtured_by" not in off.prospects
    assert not any("nurture" in k or "micro" in k for k in off.summary)
    declined = copy.deepcopy(base)
    declined.practices["alpha"].nurture.enabled = True
    declined.practices["alpha"].nurture.accept_share = 0.0
    declined.practices["alpha"].nurture.fee_per_month = 0.0
    model = LeadMarket(sim.config.validate(declined)).run()
    assert "traits.nurture" in model.streams._generators  # offers were made, and declined
    on = sim.run(declined)
    assert on.summary["practices.alpha.micro_conversions"] == 0
    assert on.summary["practices.alpha.nurture_fees"] == 0
    (a, sa), (b, sb) = _tables(off), _tables(on)
    assert sa == sb
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


# --------------------------------------------------------------------------- on


def test_reached_prospects_not_ready_accept_the_micro_conversion_at_the_configured_share():
    """Every prospect reached too late by a practice (all four have a programme) is
    offered the micro-conversion until they accept one: accepted offers / offers is
    `accept_share` within a binomial interval; nobody joins two lists."""
    r = _run()
    inq, pro = r.inquiries, r.prospects
    back = set(pro.loc[pro["source"] == "nurture", "prospect_id"])
    late = inq[(inq["outcome"] == "too_late") & ~inq["prospect_id"].isin(back)]
    late = late.sort_values(["prospect_id", "contacted_at", "inquiry_id"])
    accepted_before = late.groupby("prospect_id")["micro_converted"].cumsum() \
        - late["micro_converted"]
    offers = late[accepted_before == 0]
    accepted = int(offers["micro_converted"].sum())
    assert len(offers) > 400 and accepted > 150
    assert _within(accepted, len(offers), ACCEPT), (accepted, len(offers))
    # only too-late inquiries convert, each prospect at most once
    assert (inq.loc[inq["micro_converted"], "outcome"] == "too_late").all()
    assert inq.loc[inq["micro_converted"], "prospect_id"].is_unique
    joined = pro.loc[pro["micro_converted_with"] != "", ["prospect_id", "micro_converted_with"]]
    mc = inq.loc[inq["micro_converted"], ["prospect_id", "practice"]]
    assert sorted(map(tuple, joined.to_numpy())) == sorted(map(tuple, mc.to_numpy()))
    assert r.summary["market.micro_conversions"] == accepted
    assert sum(r.summary[f"practices.{s}.micro_conversions"] for s in SLOTS) == accepted


def test_returns_come_at_a_touch_on_the_same_channel_and_at_the_configured_share():
    r = _run()
    inq, pro = r.inquiries, r.prospects
    joined = inq.loc[inq["micro_converted"]].set_index("prospect_id")
    back = pro[pro["source"] == "nurture"].set_index("nurture_of")
    assert len(back) > 80
    # at touch k of the sign-up, k = 1..TOUCHES
    k = (back["arrived_at"] - joined.loc[back.index, "contacted_at"]) / (EVERY * 1440.0)
    touch = np.round(k).astype(int)
    assert np.allclose(k, touch, atol=1e-9)
    assert set(touch) == set(range(1, TOUCHES + 1))
    # on the channel they first used, back from the practice that nurtured them
    first = pro.set_index("prospect_id")
    assert (back["channel"] == first.loc[back.index, "channel"]).all()
    assert (back["nurtured_by"] == joined.loc[back.index, "practice"]).all()
    # of the sign-ups whose whole programme fits in the arrival days, a share
    # ready_again_share came back
    fits = joined[joined["contacted_at"] + TOUCHES * EVERY * 1440.0 < DAYS * 1440.0]
    came = int(fits.index.isin(back.index).sum())
    assert _within(came, len(fits), READY_AGAIN), (came, len(fits))
    assert r.summary["market.nurture_returns"] == len(back)


def test_a_return_writes_to_the_nurturer_first_and_books_there_more_than_a_stranger():
    """The nurturing practice is first on every returning prospect's list, alone for
    about 1 - shop_again_share of them; they book with it more often than organic
    prospects book with a practice they write to."""
    r = _run()
    inq, pro = r.inquiries, r.prospects
    back = pro[pro["source"] == "nurture"]
    firsts = inq[inq["prospect_id"].isin(back["prospect_id"])].sort_values("inquiry_id") \
        .groupby("prospect_id")["practice"].first()
    assert (firsts.loc[back["prospect_id"]].to_numpy() == back["nurtured_by"].to_numpy()).all()
    alone = int((back["n_practices"] == 1).sum())
    assert _within(alone, len(back), 1 - SHOP_AGAIN), (alone, len(back))
    booked = back["booked_after_nurture"]
    assert booked.sum() > 0
    assert (booked == (back["booked_with"] == back["nurtured_by"])).all()
    assert r.summary["market.bookings_after_nurture"] == booked.sum()
    organic = inq[inq["prospect_id"].isin(pro.loc[pro["source"] == "organic", "prospect_id"])]
    stranger = (organic["outcome"] == "booked").mean()
    n, p = len(back), booked.mean()
    assert p - Z * math.sqrt(p * (1 - p) / n) > stranger, (p, stranger)


def test_the_chance_to_come_back_after_m_touches_is_the_conditional_share():
    """s (N - m) / (N - s m): of a population where a share s returns at a touch drawn
    uniformly from 1..N, the share of those not back after m touches who come back later."""
    from types import SimpleNamespace

    cfg = SimpleNamespace(accept_share=1.0, ready_again_share=0.7, touches=18,
                          touch_every_days=11.0, shop_again_share=0.0)
    nl = NurtureList(cfg)
    rng = np.random.default_rng(1)
    returns = rng.random(200_000) < 0.7
    touch = rng.integers(1, 19, 200_000)
    every = 11.0 * 1440.0
    for m in (0, 1, 5, 9, 17, 18):
        now = (m + 0.5) * every  # m touches sent before now
        assert nl.touches_sent(0.0, now) == m
        waiting = ~(returns & (touch <= m))
        later = (returns & (touch > m))[waiting].mean()
        se = math.sqrt(later * (1 - later) / waiting.sum()) + 1e-12
        assert abs(nl.still_to_return(0.0, now) - later) < 5 * se, m
    assert nl.still_to_return(0.0, 18.5 * every) == 0.0
    assert nl.touches_sent(0.0, 2 * every) == 1  # the touch at exactly `now` is not sent yet


@pytest.mark.slow
def test_the_expected_returns_of_the_list_left_waiting_are_what_a_longer_run_sees():
    """The same seed run 18 days longer (the programme's length) is the same run up to
    the end of the shorter one; the returns it sees from the shorter run's list still
    waiting are its `nurture_pending_returns`, within Poisson-like noise."""
    short, long = _run(), _run(DAYS + int(TOUCHES * EVERY))
    end = DAYS * 1440.0
    early = long.prospects[long.prospects["arrived_at"] < end]
    pd.testing.assert_series_equal(
        short.prospects.set_index("prospect_id")["booked_with"],
        early.set_index("prospect_id")["booked_with"].loc[short.prospects["prospect_id"]])
    waiting = short.prospects[(short.prospects["micro_converted_with"] != "")]
    waiting = waiting[~waiting["prospect_id"].isin(short.prospects["nurture_of"])]
    later = long.prospects[(long.prospects["source"] == "nurture")
                           & (long.prospects["arrived_at"] >= end)]
    realised = int(later["nurture_of"].isin(waiting["prospect_id"]).sum())
    expected = short.summary["market.nurture_pending_returns"]
    assert expected > 20 and short.summary["market.nurture_pending"] <= len(waiting)
    assert abs(realised - expected) <= 4 * math.sqrt(expected), (realised, expected)
    # and its value: expected returns x the booking chance x what a booking is worth
    s = short.summary
    eco = _default().practices["alpha"].economics
    assert s["practices.alpha.nurture_pending_value"] == pytest.approx(
        s["practices.alpha.nurture_pending_returns"] * s["practices.alpha.nurture_booking_chance"]
        * booking_value(eco))


def test_a_booking_is_worth_show_up_x_procedure_x_the_mean_fee():
    eco = _default().practices["alpha"].economics
    fee = sum(w * eco.procedure_fees[k] for k, w in eco.procedure_mix.items())
    assert booking_value(eco) == pytest.approx(0.85 * 0.46 * fee / sum(eco.procedure_mix.values()))


# --------------------------------------------------------------------------- plan, config


def test_the_plan_adds_the_programme_its_fee_and_nothing_else():
    base = _default().practices["alpha"]
    assert not base.nurture.enabled  # off by default, and no shipped archetype turns it on
    for path in (Path(sim.CONFIG_DIR) / "practice").glob("*.yaml"):
        assert "nurture" not in path.read_text(), path.name
    new = apply_plan(base, load_plan("nurture_newsletter"))
    assert new.nurture.enabled and new.nurture == type(new.nurture)(enabled=True)
    for key in ("roster", "opening_hours", "channels", "policy", "answering_service",
                "auto_responder", "unified_inbox", "phone_menu_seconds"):
        assert getattr(new, key) == getattr(base, key), key
    change = words.describe_change(base, new)
    assert change.hours_per_week == 0 and change.fees_per_month == pytest.approx(100.0)
    assert change.items == [
        "adds a nurture programme: prospects reached when no longer ready to book are "
        "offered a newsletter (30% sign up), then a touch every 11 days, 18 in all (about "
        "6.5 months; $100 a month; no extra staff)"]
    assert "a nurture programme" in " ".join(words.describe_practice(new))


def test_the_fee_is_in_the_staffing_cost():
    r = _run()
    assert r.summary["market.nurture_fees"] == pytest.approx(
        sum(r.summary[f"practices.{slot}.nurture_fees"] for slot in SLOTS))
    for slot in SLOTS:
        fee = r.summary[f"practices.{slot}.nurture_fees"]
        assert fee == pytest.approx(100.0 * DAYS / DAYS_PER_MONTH)
        parts = sum(r.summary[f"practices.{slot}.{k}"] for k in (
            "wages", "answering_service_fees", "auto_responder_fees", "unified_inbox_fees",
            "nurture_fees"))
        assert r.summary[f"practices.{slot}.staffing_cost"] == pytest.approx(parts)


@pytest.mark.parametrize("key, value, allowed", [
    ("accept_share", 1.5, "a share"), ("touches", 0, ">= 1"),
    ("touch_every_days", 0, "> 0"), ("fee_per_month", -1, ">= 0")])
def test_bad_settings_fail_naming_the_key(key, value, allowed):
    cfg = copy.deepcopy(_default())
    setattr(cfg.practices["alpha"].nurture, key, value)
    with pytest.raises(ConfigError, match=rf"practices\.alpha\.nurture\.{key}: .*{allowed}"):
        sim.config.validate(cfg)
    plan = load_plan("nurture_newsletter")
    setattr(plan.nurture, key, value)
    with pytest.raises(ConfigError, match=rf"plan\.nurture\.{key}: .*{allowed}"):
        sim.config.validate_plan(plan)


def test_a_bad_setting_on_the_command_line_is_one_line_and_exit_2(run_cli):
    proc = run_cli(["practices.alpha.nurture.accept_share=2"])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "practices.alpha.nurture.accept_share" in proc.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_the_plan_runs_in_leadsim_compare(run_cli):
    proc = run_cli(["replications=2", "market_days=30", "n_jobs=1",
                    "plans=[current,nurture_newsletter]"],
                   module="experiments.compare_staffing")
    assert proc.returncode == 0, proc.stderr[-2000:]
    path = Path(next(line for line in proc.stdout.splitlines()
                     if line.startswith("report: ")).split(": ", 1)[1])
    t = pd.read_csv(path.with_name("comparison.csv")).set_index(["plan", "metric"])
    assert t.loc[("current", "micro_conversions"), "mean"] == 0
    assert t.loc[("nurture_newsletter", "micro_conversions"), "mean"] > 0
    assert t.loc[("nurture_newsletter", "staffing_cost_per_month"), "diff_vs_baseline"] == \
        pytest.approx(100.0)
    assert t.loc[("nurture_newsletter", "nurture_pending_value"), "mean"] > 0
    assert t.loc[("nurture_newsletter", "net_with_nurture_list"), "diff_vs_baseline"] == \
        pytest.approx(t.loc[("nurture_newsletter", "net"), "diff_vs_baseline"]
                      + t.loc[("nurture_newsletter", "nurture_pending_value"), "mean"])
    html = path.read_text()
    assert "Booked after nurture" in html and "still on the list, worth about" in html
    assert "Run longer (<code>market_days=365</code>)" in html
    # the verdict says its net gain leaves the list out, and what it is with the list
    with_list = t.loc[("nurture_newsletter", "net_with_nurture_list_per_month"),
                      "diff_vs_baseline"]
    assert "These verdicts count the bookings inside the 30 days only" in html
    assert "keep it" not in html  # the list's gain comes after the 30 days
    assert (f"<b>nurture_newsletter</b> about {_money_html(with_list)} a month "
            "(95% range") in html


# --------------------------------------------------------------------------- common random numbers


@functools.cache
def _alpha_only(gamma_watches_everything: bool):
    """Nurture at alpha only; the second run differs at gamma alone (it watches every
    channel), so alpha reaches other prospects too late, at other times."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    over = _overrides(slots=("alpha",))
    if gamma_watches_everything:
        over.append("practices.gamma.channels=[" + ",".join(c.value for c in Channel) + "]")
    return sim.run(sim.load_config(over))


def _alpha_too_late():
    """Per organic prospect (by arrival time: the same people in both runs) that alpha
    reached too late in both runs: (accepted, back at touch k or 0 when not back, list
    length when back) in each run, for those whose whole programme fits in both."""
    out = []
    for run in (_alpha_only(False), _alpha_only(True)):
        inq, pro = run.inquiries, run.prospects
        organic = pro[pro["source"] == "organic"].set_index("prospect_id")["arrived_at"]
        late = inq[(inq["practice"] == "alpha") & (inq["outcome"] == "too_late")
                   & inq["prospect_id"].isin(organic.index)].set_index("prospect_id")
        back = pro[pro["source"] == "nurture"].set_index("nurture_of")
        back = back[back.index.isin(late.index)]
        touch = ((back["arrived_at"] - late.loc[back.index, "contacted_at"])
                 / (EVERY * 1440.0)).round().astype(int)
        fits = late["contacted_at"] + TOUCHES * EVERY * 1440.0 < DAYS * 1440.0
        out.append(pd.DataFrame({
            "accepted": late["micro_converted"].to_numpy(),
            "fits": fits.to_numpy(),
            "touch": touch.reindex(late.index, fill_value=0).to_numpy(),
            "listed": back["n_practices"].reindex(late.index, fill_value=0).to_numpy(),
        }, index=organic.loc[late.index].to_numpy()))
    a, b = out
    both = a.index.intersection(b.index)
    assert len(both) < max(len(a), len(b))  # the runs differ in who alpha reaches too late
    return a.loc[both], b.loc[both]


def test_nurture_decisions_are_the_prospects_own_whatever_another_practice_does():
    """Common random numbers across plans: a prospect alpha reaches too late in two runs
    that differ only at gamma accepts alpha's micro-conversion in both or in neither, and
    if so comes back at the same touch (or not at all) with as long a list."""
    a, b = _alpha_too_late()
    assert len(a) > 40 and 0 < a["accepted"].mean() < 1, len(a)
    assert (a["accepted"] == b["accepted"]).all(), int((a["accepted"] != b["accepted"]).sum())
    signed = a["accepted"] & a["fits"] & b["fits"]
    assert signed.sum() > 10 and (a.loc[signed, "touch"] > 0).any()
    pd.testing.assert_frame_equal(a.loc[signed, ["touch", "listed"]],
                                  b.loc[signed, ["touch", "listed"]])
