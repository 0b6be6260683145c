"""sim/model/phone.py: the phone line. The hold queue with its patience and the closed line,
voicemail and the answering service's call-backs; the phone menu
(PracticeConfig.phone_menu_seconds, the `no_phone_menu` plan): callers reach a person only
after it, hang up in it with their hold patience, a caller judges the menu as waiting,
the plan removes it, the report names it, and it moves no prospect. The line's theory
(Erlang A, and the share who hang up in a menu) is checked on the M/M/c+M line in
tests/test_mmc.py."""

from __future__ import annotations

import copy
import functools
import logging
import math
from dataclasses import replace
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from test_practice import EPS, coordinator, inside, market, opening_windows, simulate, staff_windows

import sim
from sim.analysis import practice_words as words
from sim.analysis import report
from sim.analysis.tables import RunResult, hung_up_in_menu
from sim.config import (
    WEEKDAYS,
    AnsweringServiceConfig,
    Channel,
    Config,
    ConfigError,
    HoursConfig,
    PracticeConfig,
    Role,
    ServiceHours,
    ShiftConfig,
    apply_plan,
)
from sim.config_files import load_plan
from sim.model import LeadMarket
from sim.model import experience as exp
from sim.model.inquiry import ABANDONED, Inquiry
from sim.model.practice import Practice

ARCHETYPES = ["solo_front_desk", "dedicated_coordinator", "answering_service", "social_first"]
Z = 4.5


# A busier market whose shoppers do not turn away from the focal practice as its rating
# falls (the solo desk's does), so that it gets enough calls to count.
BUSY = ("market.prospects_per_day=100", "reputation.feedback=false")


@functools.cache
def _run(days: int, seed: int, *overrides: str):
    logging.getLogger("MESA").setLevel(logging.WARNING)
    cfg = sim.load_config([f"market.days={days}", f"seed={seed}", *BUSY, *overrides])
    model = LeadMarket(cfg).run()
    return cfg, RunResult.from_records(model.records())


def _alpha_calls(result) -> pd.DataFrame:
    q = result.inquiries
    return q[(q["practice"] == "alpha") & (q["channel"] == "phone")]


def test_a_caller_reaches_a_person_only_after_the_menu():
    """With a 60-second menu no call to the practice is answered by a person in under a
    minute; without it many are answered at once (so this would fail without a menu)."""
    _, plain = _run(28, 1)
    _, menu = _run(28, 1, "practices.alpha.phone_menu_seconds=60")
    before = _alpha_calls(plain)["first_response_minutes"].dropna()
    after = _alpha_calls(menu)
    answered = after["first_response_minutes"].dropna()
    assert (before < 1.0).mean() > 0.2
    assert len(answered) > 50 and (answered >= 1.0 - 1e-9).all()
    # answered live: the menu, then the time on hold, to the second
    live = after[after["answered_at"].notna() & (after["attempts"] == 1)
                 & ~after["abandoned"] & ~after["voicemail"]]
    gap = live["answered_at"] - live["arrived_at"] - live["hold_minutes"]
    assert len(live) > 20 and np.allclose(gap, 1.0, atol=1e-9)


def test_callers_hang_up_in_the_menu_with_their_hold_patience():
    """Of the practice's calls, about 1 - exp(-m / mean patience) hang up in the menu
    (binomial tolerance: patience is drawn independently per caller; a prospect who books
    elsewhere in the menu's few seconds is rare enough to sit inside it)."""
    cfg, result = _run(60, 2, "practices.alpha.phone_menu_seconds=45")
    calls = _alpha_calls(result)
    n = len(calls)
    p = 1 - math.exp(-0.75 / cfg.prospect.hold_patience_minutes)
    share = hung_up_in_menu(calls).mean()
    assert n > 500
    assert abs(share - p) < Z * math.sqrt(p * (1 - p) / n), (share, p, n)
    # abandoned calls, never answered live: an answer, if any, is a call-back
    dropped = calls[hung_up_in_menu(calls)]
    assert dropped["abandoned"].all() and (dropped["hold_minutes"] == 0).all()
    assert (dropped["answered_at"].isna()
            | (dropped["answered_at"] >= dropped["first_attempt_at"])).all()
    other = result.inquiries[result.inquiries["practice"] != "alpha"]
    assert not hung_up_in_menu(other).any(), "a menu at a practice that has none"


def test_the_menu_moves_no_prospect():
    """Common random numbers: the organic prospects (who, when, on which channel) are the
    same with and without the menu; only what happens to them differs."""
    _, plain = _run(28, 1)
    _, menu = _run(28, 1, "practices.alpha.phone_menu_seconds=60")
    cols = ["arrived_at", "channel"]

    def organic(r):
        p = r.prospects
        return p.loc[p["source"] == "organic", cols].sort_values(cols).reset_index(drop=True)

    pd.testing.assert_frame_equal(organic(plain), organic(menu))
    assert not _alpha_calls(plain)["abandoned"].equals(_alpha_calls(menu)["abandoned"])


def test_the_menu_counts_as_waiting_before_a_person():
    """Seed 002: no more than a minute before a person. A call picked up after 20 s on
    hold is good service; after a 90-second menu and the same 20 s, it is not."""
    rules = exp.ServiceRules(sim.load_config([]).reputation)

    def call(menu):
        inq = Inquiry(1, None, None, 0, "phone", 1000.0)
        inq.hold_minutes, inq.menu_minutes = 1 / 3, menu
        inq.answered_at = 1000.0 + menu + 1 / 3
        return exp.judge_service(inq, math.inf, rules)

    assert call(0.0)[:3] == (1, "good_service", pytest.approx(1 / 3))
    score, cause, judged, _ = call(1.5)
    assert (score, cause) == (0, "long_hold") and judged == pytest.approx(1.5 + 1 / 3)


@functools.cache
def _composed(archetype: str):
    return sim.load_config([f"practice@practices.alpha={archetype}"]).practices["alpha"]


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_no_phone_menu_removes_the_menu_and_nothing_else(archetype):
    base = copy.deepcopy(_composed(archetype))
    assert base.phone_menu_seconds == 0  # no shipped archetype has one (no source says so)
    plan = load_plan("no_phone_menu")
    assert apply_plan(base, plan) == base  # nothing to remove
    base.phone_menu_seconds = 75.0
    new = apply_plan(base, plan)
    assert new.phone_menu_seconds == 0
    assert new == replace(base, phone_menu_seconds=0.0)
    change = words.describe_change(base, new)
    assert change.items == ["removes the 75-second phone menu (callers reach a person or the "
                            "hold queue at once)"]
    assert change.cost_per_month == 0 and not change.lowers_staff


def test_the_report_names_the_menu():
    p = copy.deepcopy(_composed("solo_front_desk"))
    assert not any("menu" in s for s in words.describe_practice(p))
    p.phone_menu_seconds = 90.0
    text = " ".join(words.describe_practice(p))
    assert "90-second automated menu" in text and "more than the minute" in text
    ctx = report.ReportContext(
        practice_name="alpha", plans=["current", "no_phone_menu"], descriptions={},
        comparison=pd.DataFrame([
            ("current", "phone_menu_hangup_share", 0.42, 0.0, 0.0, 0.0, 3),
            ("no_phone_menu", "phone_menu_hangup_share", 0.0, -0.42, -0.5, -0.3, 3)],
            columns=["plan", "metric", "mean", "diff_vs_baseline", "ci_low", "ci_high",
                     "replications"]),
        runs=pd.DataFrame(), days=28, replications=3, seed=0, confidence=0.95, figures={},
        hint=pd.DataFrame(), rosters={}, target={}, handle_minutes=8.0,
        patience_minutes=1.33, patient_share=0.45,
        plan_menus={"current": 90.0, "no_phone_menu": 0.0})
    line = report.menu_line(ctx)
    assert "<b>current</b> 90 seconds" in line and "42% under <i>current</i>" in line
    assert "no_phone_menu</b>" not in line
    ctx.plan_menus = {"current": 0.0, "no_phone_menu": 0.0}
    assert report.menu_line(ctx) == ""


@pytest.mark.parametrize(("overrides", "key"), [
    (["practices.alpha.phone_menu_seconds=-5"], "practices.alpha.phone_menu_seconds"),
    (["plan=no_phone_menu", "plan.phone_menu_seconds=-1"], "plan.phone_menu_seconds"),
    (["scenario=mmc", "scenario.phone_menu_seconds=-1"], "scenario.phone_menu_seconds"),
])


def test_a_negative_menu_is_refused_in_one_line(overrides, key):
    with pytest.raises(ConfigError) as err:
        sim.load_config(overrides)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{key}: ")
    assert "a number >= 0" in message


def front_desk(**kw) -> PracticeConfig:
    """Phone only; one receptionist on weekdays 9-17 who also serves patients."""
    p = PracticeConfig(channels=[Channel.phone], patient_share=0.3, **kw)
    p.roster = [ShiftConfig(days=list(WEEKDAYS), start="09:00", end="17:00",
                            role=Role.front_desk, staff=1)]
    p.opening_hours = [HoursConfig(days=list(WEEKDAYS), start="09:00", end="17:00")]
    return p


def phone_market(desk: PracticeConfig, seed: int) -> tuple[Config, LeadMarket, RunResult]:
    cfg = market({"desk": desk, "rival": coordinator()}, days=7, seed=seed, per_day=80.0,
                 channels=["phone"], activity=True)
    model, res = simulate(cfg, summary=True)
    return cfg, model, res


def binomial_ok(hits: int, n: int, p: float, z: float = 4.5) -> bool:
    return abs(hits - n * p) <= z * math.sqrt(n * p * (1 - p)) + 1


@pytest.mark.parametrize("seed", [1, 2])
def test_phone_hold_queue_patience_and_the_closed_line(seed):
    cfg, model, res = phone_market(front_desk(), seed)
    share = cfg.prospect.voicemail_share
    patience = {q.inquiry_id: q.patience for q in model.inquiries}
    q = res.inquiries.set_index("inquiry_id")
    q = q[q["practice"] == "desk"]
    pat = q.index.map(patience).to_numpy()
    shifts = staff_windows(cfg, "desk")["desk.front_desk.1"][1]
    closed = ~np.array([inside(shifts, t) for t in q["arrived_at"]])
    assert closed.sum() > 50 and (~closed).sum() > 200

    # callers who find the practice closed are not abandoned: no hold, a voicemail or nothing
    c = q[closed]
    assert not c["abandoned"].any()
    assert (c["hold_minutes"] == 0).all()
    assert (c.loc[~c["voicemail"], "outcome"] == "unanswered").all()
    assert c.loc[~c["voicemail"], "answered_at"].isna().all()
    called_back = c[c["voicemail"] & c["answered_at"].notna()]
    assert all(inside(shifts, t) for t in called_back["answered_at"])
    assert (called_back["first_attempt_at"] == called_back["answered_at"]).all()
    # a voicemail is always returned, unless the prospect booked elsewhere first
    assert (c.loc[c["voicemail"] & c["answered_at"].isna(), "outcome"]
            == "lost_to_competitor").all()
    assert binomial_ok(int(c["voicemail"].sum()), len(c), share)

    # every call that rang while open has a hold time, never longer than the patience
    o, o_pat = q[~closed], pat[~closed]
    assert o["hold_minutes"].notna().all(), "a call with no hold time"
    assert (o["hold_minutes"].to_numpy() <= o_pat + EPS).all()
    # abandoned callers waited exactly their patience, and were not picked up live
    ab = o["abandoned"].to_numpy()
    assert ab.sum() > 10
    assert np.allclose(o.loc[ab, "hold_minutes"], o_pat[ab])
    live = (o["answered_at"].notna() & o["first_attempt_at"].isna()).to_numpy()
    assert not (live & ab).any()
    assert np.allclose(o.loc[live, "answered_at"] - o.loc[live, "arrived_at"],
                       o.loc[live, "hold_minutes"])
    assert (o.loc[live, "hold_minutes"].to_numpy() < o_pat[live]).all()
    # a caller whose patience ran out before anyone picked up abandoned (not silently lost)
    ran_out = (o["hold_minutes"].to_numpy() >= o_pat - EPS)
    assert (ran_out == ab).all()
    # a share of those who hang up leave a voicemail, which is called back
    assert binomial_ok(int(o.loc[ab, "voicemail"].sum()), int(ab.sum()), share)
    vm = o[o["abandoned"] & o["voicemail"]]
    back = vm["first_attempt_at"].notna()
    assert (vm.loc[~back, "outcome"] == "lost_to_competitor").all()
    assert (vm.loc[back, "first_attempt_at"]
            >= vm.loc[back, "arrived_at"] + vm.loc[back, "hold_minutes"] - EPS).all()
    assert (o.loc[o["abandoned"] & ~o["voicemail"], "outcome"] == "abandoned").all()


def test_a_call_that_hangs_up_on_hold_is_settled_when_it_hangs_up():
    """A caller whose patience on hold runs out hangs up at that moment (a timer at
    due + patience, phone.py), not when staff next reach the queue: the inquiry closes, or
    its voicemail's call-back is scheduled, then; and a shopper weighing offers whose last
    awaited answer it was chooses then (LeadMarket.weigh_offers), not up to the hour of
    the window later. Watched on the default market, as the model runs: a check made
    only when staff dequeued the call settled every one of these late (all 200-odd
    hang-ups of a 90-day run, and 30-40 shoppers' choices by up to an hour)."""
    settled, chosen, ending = [], [], []  # ending: the inquiries `close` is closing

    def hung_up(inq):  # on hold, not in the menu (whose hang-ups have no hold time)
        return inq.abandoned and inq.hold_minutes > 0

    close, call_back, weigh = (Practice.close, Practice.schedule_first_response,
                               LeadMarket.weigh_offers)

    def watch_close(practice, inq, outcome):
        if outcome == ABANDONED and hung_up(inq):
            settled.append(practice.env.now - inq.abandoned_at)
        ending.append(inq)
        try:
            close(practice, inq, outcome)
        finally:
            ending.pop()

    def watch_call_back(practice, inq, since):
        if hung_up(inq):  # a voicemail (or missed call) to return
            settled.append(practice.env.now - inq.abandoned_at)
        call_back(practice, inq, since)

    def watch_weigh(model, prospect):
        if ending and ending[-1].outcome == ABANDONED and hung_up(ending[-1]):
            chosen.append(model.env.now - ending[-1].abandoned_at)
        weigh(model, prospect)

    cfg = sim.load_config(["market.days=60", "seed=3"])
    with (mock.patch.object(Practice, "close", watch_close),
          mock.patch.object(Practice, "schedule_first_response", watch_call_back),
          mock.patch.object(LeadMarket, "weigh_offers", watch_weigh)):
        LeadMarket(cfg).run()
    assert len(settled) > 100 and len(chosen) >= 5, (len(settled), len(chosen))
    assert max(settled) == 0.0, f"{sum(d > 0 for d in settled)} hang-ups settled late"
    assert max(chosen) == 0.0, f"{sum(d > 0 for d in chosen)} shoppers chose late"


@pytest.mark.parametrize("hours", [ServiceHours.after_hours, ServiceHours.always])
def test_answering_service_takes_calls_and_the_practice_calls_back(hours):
    desk = front_desk(answering_service=AnsweringServiceConfig(enabled=True, hours=hours))
    cfg, model, res = phone_market(desk, seed=3)
    q = res.inquiries
    q = q[q["practice"] == "desk"]
    svc = q[q["service_answered"]]
    assert len(svc) > 20
    assert res.summary["practices.desk.service_calls"] == len(svc)
    opening = opening_windows(cfg, "desk")
    if hours == ServiceHours.after_hours:
        assert not any(inside(opening, t) for t in svc["answered_at"])
        # the line is never closed: every caller is picked up or hangs up on hold
        assert (q["answered_at"].notna() | q["abandoned"]
                | (q["outcome"] == "lost_to_competitor")).all()
    # the service answers but is no contact: the practice calls back and makes contact
    assert (svc["hold_minutes"] == svc["answered_at"] - svc["arrived_at"]).all()
    back = svc["first_attempt_at"].notna()
    assert (svc.loc[~back, "outcome"] == "lost_to_competitor").all()
    assert back.mean() > 0.5
    assert (svc.loc[back, "first_attempt_at"] > svc.loc[back, "answered_at"]).all()
    assert (svc.loc[back, "attempts"] >= 1).all()
    shifts = staff_windows(cfg, "desk")["desk.front_desk.1"][1]
    assert all(inside(shifts, t) for t in svc.loc[back, "first_attempt_at"])
    reached = svc["contacted_at"].notna()
    assert (svc.loc[reached, "contacted_at"] >= svc.loc[reached, "first_attempt_at"]).all()
    assert (svc.loc[~reached, "outcome"] != "booked").all()
