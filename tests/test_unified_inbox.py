"""One inbox for every channel (PracticeConfig.unified_inbox, the `unified_inbox` plan).

What the tool does in the model: every message channel is watched, and anyone on shift
who answers messages takes any of them, from one queue. What it does not: it adds no
staff, no hours and no phone line. Its fee is in the staffing cost; the report's share of
inquiries on channels nobody reads (sim.config.unread_channels) agrees with what the
model answers; the plan moves no prospect."""

from __future__ import annotations

import copy
import functools
import logging
from dataclasses import replace

import pandas as pd
import pytest

import sim
from experiments import compare_staffing as cs
from sim.analysis import practice_words as words
from sim.analysis import report
from sim.analysis.tables import RunResult
from sim.config import (
    CHANNELS,
    MESSAGE_CHANNELS,
    UNIFIED_INBOX_FEE_PER_MONTH,
    Channel,
    Config,
    PracticeConfig,
    Role,
    ShiftConfig,
    apply_plan,
    staff_channels,
    unread_channels,
    validate,
    watched_channels,
)
from sim.config_files import load_plan
from sim.model import LeadMarket

ARCHETYPES = ["solo_front_desk", "dedicated_coordinator", "answering_service", "social_first"]
DAYS_PER_MONTH = 365.25 / 12


@functools.cache
def _composed(archetype: str) -> PracticeConfig:
    return sim.load_config([f"practice@practices.alpha={archetype}"]).practices["alpha"]


def practice(archetype: str) -> PracticeConfig:
    return copy.deepcopy(_composed(archetype))


def test_channels_nobody_reads_follow_the_watched_channels_and_the_roles():
    assert unread_channels(practice("solo_front_desk")) == [
        "email", "chat", "sms", "social_dm", "review_site"]
    assert unread_channels(practice("answering_service")) == [
        "chat", "sms", "social_dm", "review_site"]
    assert unread_channels(practice("social_first")) == []
    # watched is not read: a practice whose only person is a social-media coordinator
    # watches web forms and email, but her role does not answer them
    p = PracticeConfig(channels=list(Channel),
                       roster=[ShiftConfig(role=Role.social_media)])
    assert unread_channels(p) == ["phone", "web_form", "email"]
    p.unified_inbox.enabled = True
    # the inbox is for messages: she now answers every one of them, still no phone
    assert staff_channels(p, Role.social_media) == tuple(MESSAGE_CHANNELS)
    assert unread_channels(p) == ["phone"]
    # a receptionist's call-backs stay hers: the inbox adds no phone work to anyone
    assert staff_channels(p, Role.front_desk) == tuple(CHANNELS)


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_the_plan_adds_the_tool_and_its_fee_and_nothing_else(archetype):
    base = practice(archetype)
    new = apply_plan(base, load_plan("unified_inbox"))
    assert new.unified_inbox.enabled and new.unified_inbox.fee_per_month == 399.0
    assert watched_channels(new) == watched_channels(base) + [
        c for c in MESSAGE_CHANNELS if c not in watched_channels(base)]
    assert sorted(watched_channels(new)) == sorted(CHANNELS)
    assert unread_channels(new) == []
    # no staff, no hours, no other setting
    for key in ("roster", "opening_hours", "channels", "policy", "answering_service",
                "auto_responder", "phone_menu_seconds", "patient_share"):
        assert getattr(new, key) == getattr(base, key), key
    change = words.describe_change(base, new)
    assert change.hours_per_week == 0 and change.wages_per_month == 0
    assert change.fees_per_month == pytest.approx(399.0)
    assert change.items == ["adds a unified inbox: every message channel in one queue that "
                            "anyone who answers messages can take ($399 a month; no extra "
                            "staff)"]
    assert "a unified inbox" in " ".join(words.describe_practice(new))


def _one_social_media_practice(inbox: bool, seed: int = 3) -> Config:
    """One practice, one social-media coordinator weekdays 9-17, prospects writing web
    forms and chats."""
    cfg = copy.deepcopy(sim.load_config(["market.days=5", f"seed={seed}"]))
    p = PracticeConfig(channels=[Channel.web_form, Channel.chat], patient_share=0.0,
                       roster=[ShiftConfig(role=Role.social_media, staff=1)])
    p.unified_inbox.enabled = inbox
    cfg.practices = {"alpha": p}
    cfg.market.shopping_list = [1.0]
    cfg.market.channel_mix = {"web_form": 1.0, "chat": 1.0}
    cfg.market.prospects_per_day = 20.0
    cfg.record_activity = True
    return validate(cfg)


def test_with_the_inbox_a_social_media_coordinator_answers_the_web_forms():
    """Without the inbox nobody ever answers the web forms (her role has none); with it
    she does, inside her shifts, while the staff and their hours stay the same."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    runs = {}
    for inbox in (False, True):
        model = LeadMarket(_one_social_media_practice(inbox)).run()
        runs[inbox] = (model, RunResult.from_records(model.records()))
    (_, before), (model, after) = runs[False], runs[True]
    for result in (before, after):
        chats = result.inquiries[result.inquiries["channel"] == "chat"]
        assert chats["answered_at"].notna().mean() > 0.9
    forms = before.inquiries[before.inquiries["channel"] == "web_form"]
    assert len(forms) > 30 and forms["answered_at"].isna().all()
    assert (forms["outcome"] == "unanswered").all()
    forms = after.inquiries[after.inquiries["channel"] == "web_form"]
    assert len(forms) > 30 and forms["answered_at"].notna().mean() > 0.9
    # answered inside her shifts: weekdays 09:00-17:00
    t = forms["answered_at"].dropna()
    assert ((t // 1440 % 7 < 5) & (t % 1440 >= 540) & (t % 1440 <= 1020)).all()
    pd.testing.assert_frame_equal(
        before.staff[["staff_id", "role", "shift_minutes", "hourly_wage"]],
        after.staff[["staff_id", "role", "shift_minutes", "hourly_wage"]])
    # the fee, and nothing else, is added to the cost
    fee = 399.0 * 5 / DAYS_PER_MONTH
    s0, s1 = before.summary, after.summary
    assert s1["practices.alpha.unified_inbox_fees"] == pytest.approx(fee)
    assert s0["practices.alpha.unified_inbox_fees"] == 0.0
    assert s1["practices.alpha.wages"] == s0["practices.alpha.wages"]
    assert s1["practices.alpha.staffing_cost"] == pytest.approx(
        s0["practices.alpha.staffing_cost"] + fee)


@functools.cache
def _market(archetype: str, plan: str, days: int = 21, seed: int = 4):
    logging.getLogger("MESA").setLevel(logging.WARNING)
    cfg = replace(cs.plan_configs([plan], days, [], archetype)[plan], seed=seed)
    return cfg, sim.run(cfg)


@pytest.mark.parametrize("archetype", ARCHETYPES)
@pytest.mark.parametrize("plan", ["current", "unified_inbox"])
def test_unread_channels_are_the_ones_the_model_never_answers(archetype, plan):
    """The report's 'channels nobody reads' agree with the simulation, on every archetype
    with and without the inbox: no inquiry on them is ever answered, and on every other
    channel some are; compare_staffing's share is the share of the practice's inquiries
    on them."""
    cfg, result = _market(archetype, plan)
    q = result.inquiries[result.inquiries["practice"] == "alpha"]
    unread = unread_channels(cfg.practices["alpha"])
    assert q.loc[q["channel"].isin(unread), "answered_at"].isna().all()
    for channel, rows in q[~q["channel"].isin(unread)].groupby("channel"):
        if len(rows) >= 10:
            assert rows["answered_at"].notna().any(), channel
    metrics = cs.simulate(cfg, cfg.seed)["metrics"]
    assert metrics["unread_channel_share"] == pytest.approx(q["channel"].isin(unread).mean())
    if plan == "unified_inbox":
        assert metrics["unread_channel_share"] == 0.0


def test_the_plan_moves_no_prospect():
    """Common random numbers: the organic prospects are the same under the plan."""
    _, base = _market("solo_front_desk", "current")
    _, inbox = _market("solo_front_desk", "unified_inbox")
    cols = ["arrived_at", "channel", "n_practices"]

    def organic(r):
        p = r.prospects
        return p.loc[p["source"] == "organic", cols].sort_values(cols).reset_index(drop=True)

    pd.testing.assert_frame_equal(organic(base), organic(inbox))


def test_the_report_says_what_share_arrives_on_channels_nobody_reads():
    ctx = report.ReportContext(
        practice_name="alpha", plans=["current", "unified_inbox", "saturday"],
        descriptions={},
        comparison=pd.DataFrame([
            ("current", "unread_channel_share", 0.384, 0.0, 0.0, 0.0, 3),
            ("unified_inbox", "unread_channel_share", 0.0, -0.384, -0.39, -0.38, 3),
            # the same channels, a slightly different mix of shoppers: not "reads more"
            ("saturday", "unread_channel_share", 0.381, -0.003, -0.01, 0.004, 3)],
            columns=["plan", "metric", "mean", "diff_vs_baseline", "ci_low", "ci_high",
                     "replications"]),
        runs=pd.DataFrame(), days=28, replications=3, seed=0, confidence=0.95, figures={},
        hint=pd.DataFrame(), rosters={}, target={}, handle_minutes=8.0,
        patience_minutes=1.33, patient_share=0.45,
        plan_unread={"current": ["email", "chat", "sms"], "unified_inbox": [],
                     "saturday": ["email", "chat", "sms"]})
    line = report.unread_line(ctx)
    assert "saturday" not in line
    assert ("<b>38% of the practice's inquiries arrive on channels nobody at the practice "
            "reads</b> under <i>current</i> (email, chat and SMS)") in line
    assert "<b>unified_inbox</b> (0% left unread)" in line
    ctx.plan_unread = {"current": [], "unified_inbox": [], "saturday": []}
    ctx.comparison.loc[0, "mean"] = 0.0
    assert "reads every channel" in report.unread_line(ctx)


def test_the_fee_is_a_documented_figure():
    """The default fee is the one docs/background/one-inbox.md cites (Podium Core)."""
    assert UNIFIED_INBOX_FEE_PER_MONTH == 399.0
    text = (sim.CONFIG_DIR.parent / "docs" / "background" / "one-inbox.md").read_text()
    assert "$399" in text and "Podium" in text and "Birdeye" in text
