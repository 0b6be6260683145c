"""sim/analysis/staffing.py: the hour arithmetic against a calendar, the rosters against
who the model really puts on shift, the Erlang hint against Erlang A, and a run's
inquiry counts against the table they come from."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import staffing
from sim.analysis.erlang import staff_needed
from sim.config import AnsweringServiceConfig, EconomicsConfig, HoursConfig, ShiftConfig, validate
from sim.vocabulary import HOURS_PER_WEEK


def test_each_hour_of_the_week_is_counted_once_per_day_it_occurs():
    ten = staffing.hour_exposure(10).reshape(7, 24)  # Monday to the Wednesday after next
    assert ten[:3].tolist() == [[2] * 24] * 3 and ten[3:].tolist() == [[1] * 24] * 4
    assert staffing.hour_exposure(10).sum() == 24 * 10
    assert (staffing.hour_exposure(28) == 4).all()


def test_a_weekly_window_covers_its_hours_and_the_parts_of_hours():
    cover = staffing.window_by_hour(["mon", "wed"], "08:30", "17:15").reshape(7, 24)
    assert cover[0, 8] == 0.5 and cover[0, 9:17].tolist() == [1.0] * 8 and cover[0, 17] == 0.25
    assert cover[2].tolist() == cover[0].tolist()
    assert cover[[1, 3, 4, 5, 6]].sum() == 0 and cover.sum() == 2 * 8.75


def model_cover(cfg) -> dict[str, np.ndarray]:
    """People on shift per hour of the first week, by kind, as the model builds them."""
    from sim.model import LeadMarket

    model = LeadMarket(validate(cfg))
    practice = next(p for p in model.practices if p.slot == "alpha")
    out = {k: np.zeros(HOURS_PER_WEEK) for k in ("phone", "messages_only", "service")}
    for person in practice.staff:
        kind = ("service" if person.is_service else "phone" if person.takes_calls
                else "messages_only")
        for start, end in person.windows:
            for h in range(HOURS_PER_WEEK):
                lo, hi = max(start, h * 60.0), min(end, h * 60.0 + 60.0)
                if hi > lo:
                    out[kind][h] += (hi - lo) / 60.0
    return out


ROSTER = [ShiftConfig(days=["mon", "tue", "wed", "thu", "fri"], start="08:00", end="18:00",
                      role="front_desk", staff=2),
          ShiftConfig(days=["sat"], start="09:30", end="13:00", role="coordinator"),
          ShiftConfig(days=["mon", "sun"], start="10:00", end="14:45", role="social_media")]


@pytest.mark.parametrize("hours", [None, "always", "after_hours", "nights"])
def test_the_roster_by_hour_is_who_the_model_puts_on_shift(hours):
    cfg = sim.load_config(["market.days=7"])
    focal = replace(cfg.practices["alpha"], roster=list(ROSTER), opening_hours=[
        HoursConfig(days=["mon", "tue", "wed", "thu", "fri"], start="08:00", end="18:00"),
        HoursConfig(days=["sat"], start="09:00", end="13:00")])
    if hours:
        focal = replace(focal, answering_service=AnsweringServiceConfig(
            enabled=True, hours=hours, agents=3))
    cfg.practices["alpha"] = focal
    ours, model = staffing.roster_by_hour(focal), model_cover(cfg)
    for kind in ("phone", "messages_only", "service"):
        assert ours[kind] == pytest.approx(model[kind]), kind
    assert ours["phone"].sum() == 2 * 5 * 10 + 3.5


def test_a_receptionist_counts_for_the_part_of_her_shift_the_patients_leave():
    cfg = sim.load_config(["market.days=7"])
    desk = ShiftConfig(days=["mon"], start="09:00", end="10:00", role="front_desk", staff=2)
    own = replace(desk, staff=1, patient_share=0.5)
    coordinator = replace(desk, role="coordinator", staff=1)
    focal = replace(cfg.practices["alpha"], patient_share=0.3,
                    roster=[desk, own, coordinator])
    r = staffing.roster_by_hour(focal)
    assert r["phone"][9] == 4 and r["phone_equivalent"][9] == pytest.approx(2 * 0.7 + 0.5 + 1)
    assert r["phone"].sum() == 4 and r["phone_equivalent"].sum() == pytest.approx(2.9)


def test_the_erlang_hint_is_erlang_a_hour_by_hour():
    rate = np.zeros(HOURS_PER_WEEK)
    rate[9], rate[10], rate[33] = 6.0, 30.0, 6.0
    need = staffing.erlang_hint(rate, handle_minutes=4, patience_minutes=2,
                                within_minutes=1 / 3, service_level=0.8, max_abandon=0.05)
    for h in (9, 10, 33):
        assert need[h] == staff_needed(rate[h] / 60, 4, 2, 0.8, 1 / 3, 0.05)
    assert need[10] > need[9] == need[33] >= 1
    assert need.sum() == need[9] + need[10] + need[33]  # no calls, nobody needed


def test_the_share_that_reaches_the_line_is_what_patience_leaves():
    assert staffing.share_reaching_the_line(0, 2.0) == 1.0
    # exponential patience of mean 2 minutes: P(patience > 1 minute) = e^-0.5
    assert staffing.share_reaching_the_line(60, 2.0) == pytest.approx(math.exp(-0.5))
    rng = np.random.default_rng(1)
    patience = rng.exponential(2.0, 200_000)
    assert (patience > 0.75).mean() == pytest.approx(
        staffing.share_reaching_the_line(45, 2.0), abs=0.005)


def test_a_runs_inquiries_counted_by_hour_and_channel():
    inq = pd.DataFrame({
        "channel": ["phone", "phone", "phone", "email", "sms", "sms"],
        "arrived_at": [9 * 60 + 5, 9 * 60 + 50, 7 * 1440 + 9 * 60, 10 * 60, 11 * 60, 30.0],
        "first_response_minutes": [0.2, 1.0, np.nan, 30.0, np.nan, np.nan],
        "abandoned": [False, False, True, False, False, False],
        "hold_minutes": [0.1, 0.9, 0.0, np.nan, np.nan, np.nan]})
    by_hour = staffing.inquiries_by_hour(inq, unread=["sms"])
    assert by_hour[0, 9] == 3 and by_hour[0].sum() == 3  # week 2 folds onto week 1
    assert by_hour[1, 10] == 1 and by_hour[2, 11] == 1 and by_hour[2, 0] == 1
    assert by_hour.sum() == len(inq)
    m = staffing.inquiry_metrics(inq, ["sms"], within_minutes=1 / 3)
    assert m["phone_calls"] == 3 and m["phone_answered_within_target"] == pytest.approx(1 / 3)
    assert m["phone_abandoned_share"] == pytest.approx(1 / 3)
    assert m["phone_menu_hangup_share"] == pytest.approx(1 / 3)  # abandoned, never held
    assert m["unread_channel_share"] == pytest.approx(2 / 6)
    none = staffing.inquiry_metrics(inq[inq["channel"] != "phone"], ["sms"], 1 / 3)
    assert math.isnan(none["phone_answered_within_target"]) and none["phone_calls"] == 0


def test_the_staffing_hint_has_an_hour_of_the_week_per_row_and_a_column_per_plan():
    cfg = sim.load_config(["market.days=7"])
    rosters = {"now": staffing.roster_by_hour(cfg.practices["alpha"])}
    hint = staffing.staffing_hint(np.ones(HOURS_PER_WEEK), np.zeros(HOURS_PER_WEEK, int),
                                  rosters)
    assert len(hint) == HOURS_PER_WEEK and hint["day"].iloc[[0, 24, 167]].tolist() == [
        "mon", "tue", "sun"]
    assert hint["hour"].iloc[[0, 23, 24]].tolist() == [0, 23, 0]
    assert (hint["now.phone_staff"] == rosters["now"]["phone"]).all()


def test_the_economics_sentence_needs_economics_other_than_the_defaults():
    cfg = sim.load_config(["market.days=7"])
    focal = replace(cfg.practices["alpha"], economics=EconomicsConfig())
    assert staffing.economics_of(focal) is None
    eco = replace(EconomicsConfig(), no_show_rate=0.2)
    said = staffing.economics_of(replace(focal, economics=eco))
    fees = [eco.procedure_fees[k] for k, s in eco.procedure_mix.items() if s > 0]
    assert said == {"no_show_rate": 0.2,
                    "consultation_to_procedure": eco.consultation_to_procedure,
                    "fee_low": min(fees), "fee_high": max(fees)}
