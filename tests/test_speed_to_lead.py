"""The speed-to-lead experiment (experiments/speed_to_lead.py): the design holds (the focal
practice's first attempt is at exactly d minutes, phone inquiries included; every delay
meets the same prospects), the table is right (Wilson intervals, rates nested), and the
command line writes its outputs or fails in one line. The published figures are checked
in tests/test_calibration.py."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments.speed_to_lead import (
    RATES,
    focal_counts,
    headlines,
    load_config,
    rate_table,
    run_experiment,
    scenario_config,
    simulate_inquiries,
)
from sim.config import Channel, Config, PracticeConfig, validate
from sim.model import LeadMarket

MODULE = "experiments.speed_to_lead"
SMALL = ["market.days=14", "replications=1"]


@pytest.fixture(scope="module")
def small_runs():
    """Inquiries of one short market at three delays (same seed)."""
    cfg = load_config(SMALL + ["delays=[1,30,1440]", "seed=3"])
    return cfg, {d: simulate_inquiries(scenario_config(cfg, d, 0)) for d in cfg.delays}


def test_first_attempt_is_exactly_at_the_delay_on_every_channel(small_runs):
    cfg, runs = small_runs
    for d, inq in runs.items():
        focal = inq[inq["practice"] == cfg.focal.slot]
        assert set(focal["channel"]) == {c.value for c in Channel}, "a channel never arrived"
        tried = focal[focal["first_attempt_at"].notna()]
        late = tried["first_attempt_at"] - tried["arrived_at"] - d
        assert np.abs(late).max() < 1e-6, f"delay {d}: first attempt off by {late.abs().max()}"
        # nobody is answered before the delay: not live, not by a service, not by a reply
        assert ((focal["answered_at"] - focal["arrived_at"]).dropna() >= d - 1e-6).all()
        # every inquiry without a first attempt was closed by a competitor's booking before
        # minute d (or the run ended first)
        untried = focal[focal["first_attempt_at"].isna()]
        assert set(untried["outcome"]) <= {"lost_to_competitor", "unanswered"}
        end = (cfg.market.days + cfg.market.drain_days) * 1440.0
        assert (untried.loc[untried["outcome"] == "unanswered", "arrived_at"] + d >= end).all()
        counts = focal_counts(inq, cfg.focal.slot, d)
        assert counts["on_time"] == counts["first_attempts"] > 0


def test_phone_callers_are_all_called_back_at_the_delay(small_runs):
    cfg, runs = small_runs
    for inq in runs.values():
        phone = inq[(inq["practice"] == cfg.focal.slot) & (inq["channel"] == "phone")]
        assert len(phone) > 20
        assert not phone["voicemail"].all(), "the test needs callers without a voicemail"
        called = phone[phone["outcome"] != "lost_to_competitor"]
        assert called["first_attempt_at"].notna().all()


def test_every_delay_meets_the_same_prospects(small_runs):
    """Common random numbers: arrivals, channels and shopping lists do not depend on d."""
    cfg, runs = small_runs

    def shoppers(inq):
        lists = inq.groupby("prospect_id").agg(
            arrived=("arrived_at", "min"), channel=("channel", "first"),
            practices=("practice", lambda s: ",".join(sorted(s))))
        return lists.sort_values("arrived").reset_index(drop=True)

    first, *others = runs.values()
    base = shoppers(first)
    for inq in others:
        other = shoppers(inq)
        # a prospect booked at once by the first practice written to writes to no other, so
        # compare arrivals and channels of all, and lists of those who wrote to the focal one
        pd.testing.assert_frame_equal(base[["arrived", "channel"]], other[["arrived", "channel"]])
    # The focal practice gets (nearly) the same inquiries: only a competitor that answers
    # at the very minute a shopper writes, and books before the focal inquiry is written,
    # can differ, through its workload.
    focal = [set(inq.loc[inq["practice"] == cfg.focal.slot, "arrived_at"]) for inq in runs.values()]
    for other in focal[1:]:
        assert len(focal[0] & other) / len(focal[0] | other) > 0.97


def test_missed_calls_flag_calls_back_callers_without_voicemail():
    """policy.return_missed_calls: every caller who found the line closed is called back."""
    practice = PracticeConfig(channels=[Channel.phone], patient_share=0.0)
    practice.policy.answer_live_calls = False
    cfg = Config(seed=4, practices={"only": practice})
    cfg.market.days, cfg.market.shopping_list = 5, [1.0]
    cfg.market.channel_mix = {"phone": 1.0}
    results = {}
    for flag in (False, True):
        practice.policy.return_missed_calls = flag
        model = LeadMarket(validate(cfg))
        model.run()
        results[flag] = pd.DataFrame(model.records()["inquiries"])
    without, with_flag = results[False], results[True]
    # without the flag only voicemails are returned; with it every call gets an attempt
    assert without.loc[~without["voicemail"], "first_attempt_at"].isna().all()
    assert with_flag["first_attempt_at"].notna().mean() > 0.95
    assert (with_flag["outcome"] != "unanswered").mean() > 0.95


def test_rate_table_pools_replications_and_nests_the_rates():
    counts = pd.DataFrame({
        "delay_minutes": [5.0, 5.0, 30.0, 30.0], "replication": [0, 1, 0, 1],
        "seed": [0, 1, 0, 1], "n_inquiries": [100, 120, 100, 120],
        "contacted": [90, 100, 40, 50], "qualified": [40, 50, 10, 11],
        "booked": [40, 50, 10, 11], "first_attempts": [95, 110, 90, 100],
        "on_time": [95, 110, 90, 100]})
    table = rate_table(counts)
    assert list(table["n_inquiries"]) == [220, 220]
    assert table.loc[0, "contact_rate"] == pytest.approx(190 / 220)
    for rate in RATES:
        assert (table[f"{rate}_ci_low"] < table[rate]).all()
        assert (table[rate] < table[f"{rate}_ci_high"]).all()
    lines = headlines(table, [[5, 30], [60, 1440]])
    assert len(lines) == 1 and lines[0].startswith("5 min vs 30 min: bookings")
    want = (190 / 30) / (90 / 130)
    assert f"{want:.1f}x" in lines[0]
    # a delay that was not run gives no headline (it read as "no bookings at 1 day")
    assert headlines(table, [[5, 1440], [60, 30], [5, 31]]) == []
    table.loc[table["delay_minutes"] == 30.0, "booking_rate"] = 0.0
    assert headlines(table, [[5, 30]])[0].startswith("5 min vs 30 min: no bookings at 30 min")


@pytest.mark.slow
def test_rates_fall_with_the_delay_and_the_focal_practice_is_always_on_time():
    table = run_experiment(load_config(["market.days=28", "replications=2",
                                        "delays=[1,30,540,1440]", "seed=11"]), progress=False)
    assert (table["on_time_share"] == 1.0).all()
    assert table["n_inquiries"].min() > 300
    assert (table["qualify_rate"] <= table["contact_rate"]).all()
    assert (table["booking_rate"] <= table["qualify_rate"]).all()
    for rate in ("contact_rate", "booking_rate"):
        values = table[rate].to_numpy()
        assert (np.diff(values) < 0).all(), f"{rate} does not fall with the delay: {values}"


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(("args", "key"), [
    (["delays=[5,-1]"], "delays"),
    (["delays=[]"], "delays"),
    (["replications=0"], "replications"),
    (["prospect=nonesuch"], "prospect"),
    (["focal.slot=zeta"], "focal.slot"),
    (["focal.max_attempts=9"], "error: focal.max_attempts:"),
    (["focal.follow_up_minutes=[0,10,0,5]"], "error: focal.follow_up_minutes:"),
    (["scenario=mmc"], "scenario"),
    (["market.days=0"], "market.days"),
])
def test_bad_input_is_one_line_and_writes_nothing(run_cli, list_files, args, key):
    proc = run_cli(args, module=MODULE)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and key in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert list_files(proc.cwd) == []


@pytest.mark.slow
def test_command_line_writes_table_and_figure(run_cli):
    proc = run_cli(["delays=[5,30]", "replications=1", "market.days=10", "seed=2",
                    "prospect=lrm2007"], module=MODULE)
    assert proc.returncode == 0, proc.stderr
    runs = list((proc.cwd / "results" / "speed_to_lead").glob("*/*"))
    assert len(runs) == 1
    table = pd.read_csv(runs[0] / "speed_to_lead.csv")
    want = ["delay_minutes", "n_inquiries"]
    for rate in RATES:
        want += [rate, f"{rate}_ci_low", f"{rate}_ci_high"]
    assert set(want) <= set(table.columns)
    assert list(table["delay_minutes"]) == [5.0, 30.0]
    png = (runs[0] / "speed_to_lead.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert "contact_rate" in proc.stdout and "5 min vs 30 min" in proc.stdout
    assert f"figure: {runs[0]}" in proc.stdout or "speed_to_lead.png" in proc.stdout
    assert (runs[0] / ".hydra" / "config.yaml").is_file()
    assert [p.name for p in runs[0].glob("*.log")] == ["speed-to-lead.log"]


# --------------------------------------------------------------------------- headlines


def _counts(booked_a, booked_b, n=400, contacted=(300, 100)) -> pd.DataFrame:
    """Per-replication counts at delays 5 and 30 (as run_counts gives them)."""
    rows = []
    for r, (ka, kb) in enumerate(zip(booked_a, booked_b)):
        for d, k, c in ((5.0, ka, contacted[0]), (30.0, kb, contacted[1])):
            rows.append({"delay_minutes": d, "replication": r, "seed": r, "n_inquiries": n,
                         "contacted": c + r, "qualified": k, "booked": k,
                         "first_attempts": n, "on_time": n})
    return pd.DataFrame(rows)


def test_ratio_interval_is_the_t_interval_of_paired_log_ratios_by_hand():
    from experiments.speed_to_lead import ratio_interval

    counts = _counts([120, 100, 140], [40, 45, 30])
    r = ratio_interval(counts, "booking_rate", 5, 30, "rate")
    assert r.value == pytest.approx((360 / 1200) / (115 / 1200))  # pooled rates
    logs = np.log([120 / 40, 100 / 45, 140 / 30])  # same n: the ratio of counts
    half = stats.t.ppf(0.975, 2) * logs.std(ddof=1) / math.sqrt(3)
    assert (r.low, r.high) == pytest.approx((math.exp(logs.mean() - half),
                                             math.exp(logs.mean() + half)))
    odds = ratio_interval(counts, "booking_rate", 5, 30, "odds")
    z = np.log([120 / 280, 100 / 300, 140 / 260]) - np.log([40 / 360, 45 / 355, 30 / 370])
    half = stats.t.ppf(0.975, 2) * z.std(ddof=1) / math.sqrt(3)
    assert odds.low == pytest.approx(math.exp(z.mean() - half))
    # a replication with no booking at 30 min: half a count on every count
    zero = ratio_interval(_counts([40, 42, 39], [0, 1, 1]), "booking_rate", 5, 30)
    logs = np.log((np.array([40, 42, 39]) + 0.5) / (np.array([0, 1, 1]) + 0.5))
    half = stats.t.ppf(0.975, 2) * logs.std(ddof=1) / math.sqrt(3)
    assert zero.value == pytest.approx(121 / 2)
    assert zero.high == pytest.approx(math.exp(logs.mean() + half))
    one = ratio_interval(_counts([40], [10]), "booking_rate", 5, 30)
    assert one.value == pytest.approx(4.0) and math.isnan(one.low)


def test_headlines_carry_their_interval_and_the_studys_odds():
    from experiments.speed_to_lead import headline_notes, study_odds

    counts = _counts([120, 100, 140], [4, 0, 3])
    table = rate_table(counts)
    (line,) = headlines(table, [[5, 30]], counts, study_odds("lrm2007"))
    assert line.startswith("5 min vs 30 min: bookings 51x (95% CI ")
    assert "; 7 bookings at 30 min)" in line  # few: say what the ratio rests on
    assert ", qualify odds " in line and ", contact odds " in line
    assert study_odds("lrm2007") == ["qualify_rate", "contact_rate"]
    assert study_odds("aesthetic") == [] and study_odds("hbr2011") == []
    (plain,) = headlines(table, [[5, 30]], counts, study_odds("aesthetic"))
    assert "qualify odds" not in plain and ", contact odds " in plain
    assert headline_notes(table, [[5, 30]], replications=3) == []


@pytest.mark.parametrize(("delays", "pairs", "notes"), [
    ([10.0, 60.0, 120.0], [[5, 30], [60, 1440]], [
        "headline 5 min vs 30 min not drawn: 5 min and 30 min were not run (delays: 10 min, "
        "1 h, 2 h; set headline_pairs= or delays=)",
        "headline 1 h vs 24 h not drawn: 24 h was not run (delays: 10 min, 1 h, 2 h; set "
        "headline_pairs= or delays=)"]),
    ([5.0, 30.0], [[5, 45]], [
        "headline 5 min vs 45 min not drawn: 45 min was not run (delays: 5 min, 30 min; set "
        "headline_pairs= or delays=)"]),
])
def test_a_headline_that_cannot_be_drawn_is_said_in_one_line(delays, pairs, notes):
    from experiments.speed_to_lead import headline_notes

    table = pd.DataFrame({"delay_minutes": delays, "booking_rate": [0.5] * len(delays)})
    assert headline_notes(table, pairs) == notes
    none = pd.DataFrame({"delay_minutes": [5.0, 30.0], "booking_rate": [0.0, 0.0]})
    assert headline_notes(none, [[5, 30]]) == [
        "headline 5 min vs 30 min not drawn: no bookings at either delay"]
    assert headline_notes(none.assign(booking_rate=0.3), [[5, 30]], replications=1) == [
        "ratios without an interval: 1 replication (give replications >= 2 for 95% "
        "intervals)"]


def test_one_replication_is_singular_and_a_delay_of_zero_is_set_apart():
    from experiments.speed_to_lead import axis_label, axis_positions, figure_subtitle

    cfg = load_config(["replications=1", "delays=[0,0.5,5]"])
    table = pd.DataFrame({"delay_minutes": [0.0, 0.5, 5.0], "n_inquiries": [10, 10, 10]})
    subtitle = figure_subtitle(cfg, table)
    assert "1 replication;" in subtitle and "replications" not in subtitle
    x = axis_positions(table["delay_minutes"])
    assert (x > 0).all() and len(set(x)) == 3  # 0 and 0.5 were both drawn at 0.5
    assert x[0] < x[1] < x[2] and list(x[1:]) == [0.5, 5.0]
    assert "0 min set apart" in axis_label(table["delay_minutes"])
    assert axis_label([5, 30]) == "delay of the first response (log scale)"
