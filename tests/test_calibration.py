"""Calibration: leadsim reproduces the published figures of ../shared/CALIBRATION.md.

Prospect profiles: each profile's figures are statistics of the speed-to-lead experiment
(experiments/speed_to_lead.py), the measurement they were fitted with
(experiments/fit_profiles.py, seed 100). Here the experiment runs on other seeds, and for
every figure the test asserts
- that it holds within its tolerance (LRM 2007 odds ratios within a factor 2, the 5 vs
  10 minute one within 1.5; HBR 2011's "about 7x" within 1.5; MyMedLeads levels within
  5 points, 3 points for the 8% at 9 hours), and
- that the run was large enough to tell: the tolerance is at least three standard errors
  of the statistic wide (for a "more than" figure, the simulated value clears the bound by
  three standard errors). Standard errors are jackknife estimates over replications,
  which include the variation between simulated markets, not only the binomial one.

Market inputs: shopping-list sizes (RealSelf) on the generated population, the default
competitors' first-response times against the HBR 2011 audit, and the aesthetic_online
market's online inquiries against the RealSelf surveys.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

import sim
from experiments.fit_profiles import FIRST_HOUR, SECOND_HOUR, TARGETS, WITHIN_12_MIN, Target
from experiments.speed_to_lead import load_config, run_counts
from sim.model import LeadMarket

SEED = 7  # the profiles were fitted on seed 100: this is an out-of-sample check

# Per profile, the experiment runs that measure its figures: (delays, replications). Each
# run has its own seeds; a delay in several runs is read from the largest. Rare events need
# many inquiries: LRM leads qualifying at 30 minutes (about 0.4%) and in the second hour
# (under 0.1%), HBR's at 24 hours; the first hour's common ones need few.
RUNS = {
    "lrm2007": [((5.0, 10.0, 30.0), 24), (SECOND_HOUR, 24), (FIRST_HOUR[1:], 4)],
    "hbr2011": [(FIRST_HOUR + SECOND_HOUR, 6), ((1440.0,), 30)],
    "aesthetic": [(WITHIN_12_MIN + (60.0, 540.0), 6)],
}
SOURCES = {"lrm2007": "Oldroyd", "hbr2011": "Short Life of Online Sales Leads",
           "aesthetic": "MyMedLeads"}


def rate_table(runs: list[pd.DataFrame], leave_out: tuple[int, int] | None = None):
    """Rates per delay, pooled over replications, each delay from the run with the most
    replications of it; `leave_out=(run, replication)` drops one replication."""
    best: dict[float, int] = {}
    for k, counts in enumerate(runs):
        for d, reps in counts.groupby("delay_minutes")["replication"].nunique().items():
            if d not in best or reps > runs[best[d]]["replication"].nunique():
                best[d] = k
    rows = {}
    for d, k in best.items():
        c = runs[k][runs[k]["delay_minutes"] == d]
        if leave_out is not None and leave_out[0] == k:
            c = c[c["replication"] != leave_out[1]]
        n = c["n_inquiries"].sum()
        rows[d] = {"contact_rate": c["contacted"].sum() / n,
                   "qualify_rate": c["qualified"].sum() / n,
                   "booking_rate": c["booked"].sum() / n}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("delay_minutes").reset_index()


def on_scale(target: Target, value: float) -> float:
    """Levels as they are, ratios on the log scale (where their tolerance is a factor)."""
    if target.measure == "level":
        return value
    return math.log(value) if 0 < value < math.inf else math.copysign(50.0, value)


def standard_error(target: Target, runs: list[pd.DataFrame]) -> float:
    """Jackknife over replications, run by run (the runs are independent): it sees the
    extra-binomial variation between markets, and needs no formula for pooled ratios."""
    var = 0.0
    for k, counts in enumerate(runs):
        reps = sorted(counts["replication"].unique())
        if len(reps) < 2:
            continue
        values = np.array([on_scale(target, target.statistic(rate_table(runs, (k, r))))
                           for r in reps])
        var += (len(reps) - 1) / len(reps) * float(((values - values.mean()) ** 2).sum())
    return math.sqrt(var)


def wide_enough(target: Target, value: float, se: float) -> bool:
    if target.bound == "above":
        return on_scale(target, value) - math.log(target.value) >= 3 * se
    if target.measure == "level":
        return target.tolerance >= 3 * se
    return math.log(target.tolerance) >= 3 * se


@pytest.mark.slow
@pytest.mark.parametrize("profile", list(TARGETS))
def test_profile_reproduces_its_published_figures(profile):
    runs = []
    for k, (delays, replications) in enumerate(RUNS[profile]):
        cfg = load_config([f"prospect={profile}", f"seed={SEED + 1000 * k}",
                           f"replications={replications}",
                           f"delays=[{','.join(f'{d:g}' for d in delays)}]"])
        counts = run_counts(cfg, progress=False)
        assert (counts["on_time"] == counts["first_attempts"]).all(), "a late first attempt"
        runs.append(counts)
    table = rate_table(runs)
    measured = {}
    for target in TARGETS[profile]:
        value = target.statistic(table)
        measured[target.name] = (target, value, standard_error(target, runs))
    report = "\n".join(
        f"  {name}: {v:.4g} (se {se:.3g}{'' if t.measure == 'level' else ' on log scale'}), "
        f"target {'more than ' if t.bound == 'above' else ''}{t.value:g}"
        for name, (t, v, se) in measured.items())
    failed = [n for n, (t, v, _) in measured.items() if not t.holds(v)]
    assert not failed, f"{profile}: outside tolerance: {failed}\n{report}"
    weak = [n for n, (t, v, se) in measured.items() if not wide_enough(t, v, se)]
    assert not weak, f"{profile}: tolerance under 3 standard errors: {weak}\n{report}"
    print(f"{profile}:\n{report}")


def test_profiles_cite_their_source():
    for profile, study in SOURCES.items():
        cfg = load_config([f"prospect={profile}", "replications=1"])
        assert cfg.prospect.name == profile
        assert study in cfg.prospect.source
        text = (sim.CONFIG_DIR / "prospect" / f"{profile}.yaml").read_text()
        for target in TARGETS[profile]:
            assert target.name in text, f"{profile}.yaml does not cite '{target.name}'"


# --------------------------------------------------------------------------- market inputs

REALSELF = {1: 0.429, 2: 0.255}  # RealSelf shopper survey; the rest shop three or more


def test_shopping_list_sizes_match_realself():
    logging.getLogger("MESA").setLevel(logging.WARNING)
    cfg = sim.load_config(["market.days=60", "market.prospects_per_day=100", "seed=5"])
    model = LeadMarket(cfg)
    model.run()
    prospects = pd.DataFrame(model.records()["prospects"])
    sizes = prospects.loc[prospects["source"] == "organic", "n_practices"]
    n = len(sizes)
    assert n > 5000
    shares = {1: (sizes == 1).mean(), 2: (sizes == 2).mean(), 3: (sizes >= 3).mean()}
    want = {**REALSELF, 3: 1 - sum(REALSELF.values())}
    for k, p in want.items():
        se = math.sqrt(p * (1 - p) / n)
        assert abs(shares[k] - p) < 4 * se, f"{k} practices: {shares[k]:.3f} vs {p} (se {se:.4f})"


HBR_AUDIT = {"within 1 h": 0.37, "1-24 h": 0.16, "more than 24 h": 0.24, "never": 0.23}


def first_response_buckets(inquiries: pd.DataFrame) -> dict:
    minutes = inquiries["answered_at"] - inquiries["arrived_at"]
    return {"within 1 h": (minutes <= 60).mean(),
            "1-24 h": ((minutes > 60) & (minutes <= 1440)).mean(),
            "more than 24 h": (minutes > 1440).mean(),
            "never": minutes.isna().mean()}


def test_default_competitors_answer_like_the_hbr_audit():
    """The four default archetypes together, as `python -m sim` runs them, audited the way
    HBR 2011 did: by shoppers who never book (prospect.ready.peak=0), so no inquiry is
    withdrawn before the practice gets to it. First response = the first human response
    (a live answer, the answering service, a reply or call-back attempt; an auto-responder
    does not count). Each bucket within 10 percentage points."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    model = LeadMarket(sim.load_config(["prospect.ready.peak=0"]))
    model.run()
    inquiries = pd.DataFrame(model.records()["inquiries"])
    assert set(inquiries["practice"]) == {"alpha", "beta", "gamma", "delta"}
    assert len(inquiries) > 4000
    got = first_response_buckets(inquiries)
    report = ", ".join(f"{k} {100 * v:.1f}% (HBR {100 * HBR_AUDIT[k]:.0f}%)"
                       for k, v in got.items())
    for bucket, share in HBR_AUDIT.items():
        assert abs(got[bucket] - share) <= 0.10, report


# RealSelf surveys (seed 001, ../shared/CALIBRATION.md): of online inquiries to aesthetic
# practices, about 40% get no reply after 3 days and about 12% are answered the same day;
# 22-33% still none after 28 days. Tolerances: 5 and 3 percentage points ("about").
REALSELF_REPLIES = {"no reply after 3 days": (0.40, 0.05), "answered the same day": (0.12, 0.03)}
REALSELF_28_DAYS = (0.22, 0.33)


def realself_measures(inquiries: pd.DataFrame, horizon_minutes: float) -> dict:
    """What the RealSelf figures count, on the online (non-phone) inquiries: no human
    response within 3 days (3 x 1440 minutes after arrival, or never), a first human
    response on the calendar day of arrival, and none within 28 days (among inquiries that
    arrived at least 28 days before the end of the run, so that 28 days were observed)."""
    online = inquiries[inquiries["channel"] != "phone"]
    minutes = online["answered_at"] - online["arrived_at"]
    same_day = (online["answered_at"] // 1440) == (online["arrived_at"] // 1440)
    late = minutes.isna() | (minutes > 28 * 1440)
    seen = online["arrived_at"] <= horizon_minutes - 28 * 1440
    return {"no reply after 3 days": float((minutes.isna() | (minutes > 3 * 1440)).mean()),
            "answered the same day": float(same_day.mean()),
            "none after 28 days": float(late[seen].mean()),
            "n": len(online)}


def audit(overrides: list[str], seed: int) -> dict:
    """The market's competitors audited as HBR 2011 and RealSelf did: shoppers who never
    book (prospect.ready.peak=0), so no inquiry is withdrawn before a practice gets to it."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    model = LeadMarket(sim.load_config(["prospect.ready.peak=0", f"seed={seed}", *overrides]))
    model.run()
    return realself_measures(pd.DataFrame(model.records()["inquiries"]),
                             model.horizon_days * 1440.0)


@pytest.mark.slow
def test_aesthetic_online_market_answers_like_the_realself_surveys():
    """market=aesthetic_online, its four practices together, on seeds it was not fitted on
    (the fit looked at seeds 0-5): each figure within its tolerance, the tolerance at least
    three standard errors wide (the spread of the per-seed values, which includes the
    variation between markets), and the 28-day share inside the published range. The
    default market (fitted to HBR's firms in general) misses both figures: the test can
    tell the two apart."""
    runs = [audit(["market=aesthetic_online"], seed) for seed in (7, 8, 9)]
    assert all(r["n"] > 3000 for r in runs)
    report = []
    for name, (target, tolerance) in REALSELF_REPLIES.items():
        values = np.array([r[name] for r in runs])
        weights = np.array([r["n"] for r in runs], dtype=float)
        value = float((values * weights).sum() / weights.sum())
        se = float(values.std(ddof=1) / math.sqrt(len(values)))
        report.append(f"{name}: {value:.3f} (se {se:.3f}), RealSelf about {target:.0%}")
        assert abs(value - target) <= tolerance, "\n".join(report)
        assert tolerance >= 3 * se, (f"{name}: tolerance under 3 standard errors\n"
                                     + "\n".join(report))
    late = np.mean([r["none after 28 days"] for r in runs])
    assert REALSELF_28_DAYS[0] <= late <= REALSELF_28_DAYS[1], late
    default = audit([], 7)
    assert any(abs(default[name] - target) > tolerance
               for name, (target, tolerance) in REALSELF_REPLIES.items()), default
    print("\n".join(report) + f"\nnone after 28 days: {late:.3f} (RealSelf 22-33%)")


@pytest.mark.slow
def test_semi_analytic_rates_of_the_fit_match_the_simulation():
    """experiments/fit_profiles.py fits on closed-form rates computed on competitors'
    schedules probed from one simulation; at the shipped curves they agree with the full
    simulation to a few points (the fit corrects the rest by simulating). The form knows no
    shoppers weighing offers, so the simulation here has them off."""
    from experiments.fit_profiles import approximate_table, build_probe

    cfg = load_config(["prospect=aesthetic", "seed=21", "replications=2", "delays=[5,60,540]",
                       "prospect.comparison.weigh_share=0"])
    approx = approximate_table(build_probe(cfg), cfg.prospect.reach, cfg.prospect.ready,
                               cfg.delays)
    counts = run_counts(cfg, progress=False).groupby("delay_minutes").sum(numeric_only=True)
    n = counts["n_inquiries"].to_numpy()
    assert np.allclose(approx["n_inquiries"], n, rtol=0.05)
    for rate, col in (("contact_rate", "contacted"), ("qualify_rate", "qualified")):
        simulated = counts[col].to_numpy() / n
        assert np.abs(approx[rate].to_numpy() - simulated).max() < 0.04, (rate, simulated)


@pytest.mark.parametrize(("text", "message"), [
    (None, "cannot read"),
    ("- {name: x, rate: booking_rate, a: [5], measur: level, value: 0.5}\n",
     "target 1: unknown field 'measur' (allowed fields: name, rate, a, b, measure,"),
    ("- {name: x, rate: bookings, a: [5], measure: level, value: 0.5}\n",
     "target 1: rate 'bookings' (allowed: contact_rate"),
    ("- {name: x, rate: booking_rate, a: [5], measure: level}\n", "target 1: no 'value'"),
    ("[1, 2\n", "not valid YAML"),
])
def test_fit_profiles_refuses_a_bad_targets_file_in_one_line(tmp_path, text, message):
    """A researcher's own targets file: a missing file was a FileNotFoundError traceback."""
    import subprocess
    import sys

    path = tmp_path / "mine.yaml"
    if text is not None:
        path.write_text(text)
    proc = subprocess.run([sys.executable, "-m", "experiments.fit_profiles", "mine",
                           "--targets", str(path), "--start", "aesthetic"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --targets: "), proc.stderr
    assert message in lines[0], lines[0]


# Lead Connect 2021 consumer survey (../shared/CALIBRATION.md): 78% of consumers bought from
# the first business to respond. Accepted in leadsim: 70-85% (InsideSales' 35-50% of sales
# going to the first vendor is of business-to-business sales: not this market's figure).
FIRST_RESPONDER = {"target": 0.78, "range": (0.70, 0.85)}


def first_responder_shares(overrides: list[str], seeds) -> tuple[float, float, int]:
    """market.first_responder_share pooled over runs of the default market (weighted by
    the shoppers it counts), its standard error from the spread between runs (which
    includes the variation between markets), and the shoppers counted."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    shares, counts = [], []
    for seed in seeds:
        summary = sim.run(sim.load_config([f"seed={seed}", *overrides])).summary
        shares.append(summary["market.first_responder_share"])
        counts.append(summary["market.multi_practice_bookings"])
    shares, counts = np.array(shares), np.array(counts, dtype=float)
    value = float((shares * counts).sum() / counts.sum())
    return value, float(shares.std(ddof=1) / math.sqrt(len(shares))), int(counts.sum())


@pytest.mark.slow
def test_the_first_practice_to_respond_wins_most_bookings_not_all():
    """Of the shoppers who inquired at two or more practices and booked, the share who
    booked with the first practice to respond lands in 70-85% on the default market (seeds
    the comparison was not fitted on), the range wide enough to tell (the value at least
    three standard errors inside it). Without shoppers who weigh offers
    (prospect.comparison.weigh_share 0: everyone books with the first practice to reach
    them while ready, the model before) it lands above the range."""
    low, high = FIRST_RESPONDER["range"]
    value, se, n = first_responder_shares([], range(7, 11))
    report = (f"first-responder share {value:.3f} (se {se:.3f}, {n} shoppers), Lead Connect "
              f"2021 {FIRST_RESPONDER['target']:.0%}, accepted {low:.0%}-{high:.0%}")
    assert n > 2000, report
    assert low <= value <= high, report
    assert min(value - low, high - value) >= 3 * se, report
    before, _, _ = first_responder_shares(["prospect.comparison.weigh_share=0"], range(7, 10))
    assert before > high, f"without weighing offers: {before:.3f}; {report}"
    print(f"{report}; without weighing offers {before:.3f}")
