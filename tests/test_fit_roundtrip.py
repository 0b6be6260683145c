"""Round trips (issue 16 item 4): simulate a known practice, write its records in the
generic layout, fit them, and recover what the simulation was given: the inquiry rates by
hour of the week, the talk-time mean, the patience mean and the rostered hours, each
within a tolerance several standard errors wide. A copy of the log written in another
time zone fits to the same local profile. Controls show the tolerances can fail."""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

import sim
from sim.config import PracticeConfig, validate
from sim.fit import roster, synthetic
from sim.fit.estimate import fit_records
from sim.fit.mapping import load_mapping
from sim.model.arrivals import hour_of_week_profile

pytestmark = pytest.mark.slow

DAYS = 91
ZONE = "Europe/London"
START = pd.Timestamp("2025-03-03")  # spans the night the clocks go forward (30 March)
KNOWN = {
    "name": "known", "channels": ["phone", "web_form", "email"],
    "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00",
                       "end": "18:00"}],
    "roster": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"},
               {"days": ["mon", "tue", "wed", "thu"], "start": "10:00", "end": "18:00"},
               {"days": ["fri"], "start": "10:00", "end": "14:00"}],
    "patient_share": 0.3,
    "handling": {"call_minutes": 6.0, "call_distribution": "lognormal", "call_sigma": 0.7},
    "hold_patience_minutes": 1.8, "voicemail_share": 0.4,
}
TRUE_HOURS = 5 * 8 + 4 * 8 + 4  # person-hours a week
PROSPECTS_PER_DAY = 40.0
MIX = {"phone": 0.5, "web_form": 0.35, "email": 0.15}


def known_config(seed: int = 11) -> sim.Config:
    """A market of the known practice alone: every prospect inquires there, so its
    expected inquiries per hour of the week are the market's, exactly; no reputation
    (its referrals would add prospects)."""
    cfg = sim.load_config([f"market.days={DAYS}", f"seed={seed}"])
    merged = OmegaConf.merge(OmegaConf.structured(PracticeConfig), KNOWN)
    cfg.practices = {"alpha": OmegaConf.to_object(merged)}
    cfg.market.shopping_list = [1.0]
    cfg.market.prospects_per_day = PROSPECTS_PER_DAY
    cfg.market.channel_mix = dict(MIX)
    cfg.reputation.enabled = False
    return validate(cfg)


def true_rate(channel: str) -> np.ndarray:
    """Expected inquiries per hour of the week on a channel."""
    return 7 * PROSPECTS_PER_DAY * MIX[channel] * hour_of_week_profile(channel)


@functools.cache
def records():
    calls, leads, _ = synthetic.simulate_records(known_config(), "alpha", START, ZONE,
                                                 ["web_form", "email"])
    return calls, leads


@functools.cache
def fitted(tmp: str, variant: str = "local"):
    """Write the records as files and fit them. variant: 'local' (London clock times with
    UTC offsets), 'utc' (naive UTC clock times, source_timezone UTC), 'new_york' (naive
    New York clock times)."""
    from pathlib import Path

    calls, leads = records()
    folder = Path(tmp) / variant
    folder.mkdir(parents=True, exist_ok=True)
    text = synthetic.generic_calls_text(calls, ZONE, with_offset=True)
    if variant != "local":
        zone = "UTC" if variant == "utc" else "America/New_York"
        instants = pd.to_datetime(calls["started_at_utc"], unit="s", utc=True)
        text["started_at"] = instants.dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M:%S")
    text.to_csv(folder / "calls.csv", index=False)
    synthetic.generic_leads_text(leads, ZONE, with_offset=True).to_csv(folder / "leads.csv",
                                                                       index=False)
    mapping = folder / "columns.yaml"
    source = {"local": "null", "utc": "UTC", "new_york": "America/New_York"}[variant]
    mapping.write_text(f"timezone: {ZONE}\ncalls:\n  source_timezone: {source}\n  columns:\n"
                       "    started_at: started_at\n    hold_seconds: hold_seconds\n"
                       "    outcome: outcome\n    talk_seconds: talk_seconds\n"
                       "    agent: agent\n    caller: caller\n")
    return fit_records(folder / "calls.csv", folder / "leads.csv",
                       load_mapping(str(mapping)))


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return str(tmp_path_factory.mktemp("roundtrip"))


def blocks(rate: np.ndarray) -> np.ndarray:
    """Sums over 4-hour blocks of each day (42 blocks)."""
    return rate.reshape(42, 4).sum(axis=1)


@pytest.mark.parametrize("channel", ["phone", "web_form", "email"])
def test_inquiry_rates_by_hour_of_week_are_recovered(tmp, channel):
    fit = fitted(tmp)
    a = fit.arrivals[channel]
    weeks = a.weeks
    truth = true_rate(channel)
    # the weekly total within 4 Poisson standard errors of the expected
    se_total = math.sqrt(truth.sum() / weeks)
    assert abs(a.per_week - truth.sum()) < 4 * se_total, (a.per_week, truth.sum())
    # and in every 4-hour block of the week
    fitted_blocks, true_blocks = blocks(a.per_hour_of_week), blocks(truth)
    se = np.sqrt(true_blocks / weeks) + 0.02
    worst = np.max(np.abs(fitted_blocks - true_blocks) / se)
    assert worst < 4.5, (channel, a.model, worst)
    # control: the profile half a day off is far outside the same tolerance
    shifted = blocks(np.roll(truth, 12))
    assert np.max(np.abs(fitted_blocks - shifted) / se) > 6


def test_talk_time_mean_and_distribution_are_recovered(tmp):
    talk = fitted(tmp).talk
    se = (talk.mean.high - talk.mean.low) / (2 * 1.96)
    assert abs(talk.mean.value - 6.0) < 4 * se, talk.mean
    assert talk.distribution == "lognormal"
    assert abs(talk.sigma - 0.7) < 4 * 0.7 / math.sqrt(2 * talk.n)
    assert talk.n > 300


def test_patience_mean_is_recovered_and_the_naive_mean_is_not(tmp):
    pat = fitted(tmp).patience
    se = pat.mean.value / math.sqrt(pat.events)  # exponential MLE
    assert abs(pat.mean.value - 1.8) < 4 * se, pat.mean
    assert pat.mean.low < 1.8 < pat.mean.high
    # the mean hold of those who hung up is biased low: outside the same tolerance
    assert pat.naive_mean_abandoned < 1.8 - 4 * se
    assert pat.events > 100 and pat.censored > 500


def test_voicemail_share_is_recovered(tmp):
    vm = fitted(tmp).voicemail
    assert vm.low < 0.4 < vm.high, vm


def test_rostered_hours_are_recovered(tmp):
    fit = fitted(tmp)
    hours = roster.total_hours(fit.shifts)
    assert abs(hours - TRUE_HOURS) <= 0.08 * TRUE_HOURS, (hours, fit.shifts)
    by_day = roster.hours_by_weekday(fit.shifts)
    truth = {"mon": 16, "tue": 16, "wed": 16, "thu": 16, "fri": 12, "sat": 0, "sun": 0}
    for day, h in truth.items():
        assert abs(by_day[day] - h) <= 1.5, (day, by_day[day], fit.shifts)


@pytest.mark.parametrize("variant", ["utc", "new_york"])
def test_a_log_written_in_another_time_zone_fits_to_the_same_local_profile(tmp, variant):
    local, shifted = fitted(tmp), fitted(tmp, variant)
    a, b = local.arrivals["phone"], shifted.arrivals["phone"]
    np.testing.assert_allclose(b.observed_per_hour, a.observed_per_hour)
    np.testing.assert_allclose(b.per_hour_of_week, a.per_hour_of_week, rtol=1e-6)
    assert b.model == a.model
    assert [(s.days, s.start, s.end, s.staff) for s in shifted.shifts] == \
        [(s.days, s.start, s.end, s.staff) for s in local.shifts]
    # control: read as London time, the shifted clock times give another profile
    assert not np.allclose(blocks(b.observed_per_hour),
                           blocks(np.roll(a.observed_per_hour, 5)))


def test_fitted_practice_uses_what_was_recovered(tmp):
    from sim.fit.practice import build_practice, load_practice

    fit = fitted(tmp)
    p = build_practice(fit, "known", load_practice("solo_front_desk"))
    assert str(p.handling.call_distribution.value) == "lognormal"
    assert p.hold_patience_minutes == pytest.approx(fit.patience.mean.value, abs=1e-3)
    assert [str(c.value) for c in p.channels] == ["phone", "web_form", "email"]
    total = sum(p.inquiries_per_month[c] for c in ("phone", "web_form", "email"))
    assert total == pytest.approx(7 * PROSPECTS_PER_DAY * 365.25 / 12 / 7, rel=0.1)
    assert p.inquiries_per_month["chat"] == 0.0  # not in the export: none come
    cfg = copy.deepcopy(known_config())
    cfg.practices["alpha"] = p
    sim.config.to_config(cfg)  # the fitted practice is a valid leadsim practice
