"""The `mmc` scenario (one 24/7 phone line, M/M/c+M) against exact Erlang A.

The scenario runs through the same staff, roster, hold-queue and record code as the market,
so agreement with `sim.analysis.erlang.erlang_a_metrics` validates that machinery.

Standard errors are estimated honestly by batch means over days. Successive callers'
waits are strongly correlated (the queue length is a Markov chain), so the binomial SE
sqrt(p(1-p)/n) understates the error, by a factor of up to about 3 at the loads below; a day is
hundreds of handling times long, so day-long batches are nearly independent and their
spread is an honest estimate. Each comparison allows 4.5 batch SEs: with about 16
comparisons and a few dozen batches, a correct model fails less than once in a thousand
seeds, while a wrong queue discipline, a missing abandonment or a lost server shows up as
tens of SEs.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.erlang import erlang_a_metrics
from sim.analysis.tables import RunResult, hung_up_in_menu
from sim.model import LeadMarket

Z = 4.5


def run_line(arrivals_per_hour, servers, handle, patience, days, seed, menu_seconds=0):
    cfg = sim.load_config([
        "scenario=mmc", f"scenario.arrivals_per_hour={arrivals_per_hour}",
        f"scenario.servers={servers}", f"scenario.handle_minutes={handle}",
        f"scenario.patience_minutes={patience}", f"scenario.days={days}", f"seed={seed}",
        f"scenario.phone_menu_seconds={menu_seconds}",
    ])
    cfg.record_activity = True
    model = LeadMarket(cfg).run()
    records = model.records()
    result = RunResult.from_records(records, scenario=asdict(cfg.scenario))
    return result, records["activity"]


def batch_means(values: np.ndarray, batch: np.ndarray, n_batches: int) -> tuple[float, float]:
    """Mean per item and its SE from per-batch sums (ratio estimator, unequal batch sizes)."""
    sums = np.bincount(batch, weights=values, minlength=n_batches)
    counts = np.bincount(batch, minlength=n_batches).astype(float)
    mean = sums.sum() / counts.sum()
    resid = sums - mean * counts
    se = math.sqrt((resid**2).sum() / (n_batches * (n_batches - 1))) / counts.mean()
    return mean, se


def daily_busy_share(activity, servers: int, days: int) -> tuple[float, float]:
    """Utilisation per day from the work log (intervals clipped to each day): mean, SE."""
    starts = np.array([a[2] for a in activity])
    ends = np.array([a[3] for a in activity])
    edges = np.arange(days + 1) * 1440.0
    busy = np.array([
        np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0, None).sum()
        for lo, hi in zip(edges[:-1], edges[1:])
    ]) / (servers * 1440.0)
    return float(busy.mean()), float(busy.std(ddof=1) / math.sqrt(days))


CASES = {
    # name: (arrivals per hour, servers, handle minutes, patience minutes, days)
    "light-load": (12, 3, 5, 4, 40),
    "heavy-load-much-abandonment": (60, 4, 6, 2, 30),
    "single-server": (6, 1, 6, 5, 60),
    "patience-much-longer-than-handling": (20, 3, 7, 120, 60),
    "default-line": (30, 4, 7, 3, 30),
}
SLOW = {"patience-much-longer-than-handling"}


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[pytest.mark.slow] if n in SLOW else [], id=n) for n in CASES],
)
def test_mmc_agrees_with_erlang_a(name):
    lam_h, c, h, pat, days = CASES[name]
    seed = 1000 + list(CASES).index(name)
    result, activity = run_line(lam_h, c, h, pat, days, seed)
    theory = erlang_a_metrics(lam_h / 60.0, h, c, pat)
    inq, s = result.inquiries, result.summary

    # the table and the summary describe the same callers
    assert len(inq) == s["mmc.observed.callers"] and len(inq) > 1000
    assert inq["outcome"].isin(["answered", "abandoned"]).all()  # every caller resolved
    answered = inq[~inq["abandoned"]]
    np.testing.assert_allclose(answered["answered_at"] - answered["arrived_at"],
                               answered["hold_minutes"], atol=1e-9)
    assert (inq["hold_minutes"] >= 0).all()

    day = (inq["arrived_at"].to_numpy() // 1440).astype(int)
    wait = inq["hold_minutes"].to_numpy()
    checks = {
        "p_wait": ((wait > 0).astype(float), theory.p_wait),
        "p_abandon": (inq["abandoned"].to_numpy(float), theory.p_abandon),
        "mean_wait_minutes": (wait, theory.mean_wait),
    }
    report = {}
    for metric, (values, expected) in checks.items():
        mean, se = batch_means(values, day, days)
        observed = s[f"mmc.observed.{metric}"]
        assert observed == pytest.approx(mean, rel=1e-9, abs=1e-12)
        report[metric] = (observed, expected, se)
    busy, se = daily_busy_share(activity, c, days)
    observed = s["mmc.observed.utilisation"]
    # the summary books a whole handling time when it starts; the log is clipped to days
    assert observed == pytest.approx(busy, abs=max(3 * se, 1e-3))
    report["utilisation"] = (observed, theory.utilisation, se)

    for metric, (observed, expected, se) in report.items():
        # an absolute floor for metrics that are almost exactly 0 at light load
        tol = Z * se + 1e-4
        assert abs(observed - expected) < tol, f"{name} {metric}: {report}"


def test_a_line_without_enough_servers_is_far_from_erlang_a():
    """The comparison above can fail: the same calls handled as if by one server fewer
    miss the theory by many standard errors."""
    result, _ = run_line(30, 3, 7, 3, 10, seed=7)
    wrong = erlang_a_metrics(0.5, 7, 4, 3)
    right = erlang_a_metrics(0.5, 7, 3, 3)
    inq = result.inquiries
    day = (inq["arrived_at"].to_numpy() // 1440).astype(int)
    mean, se = batch_means(inq["abandoned"].to_numpy(float), day, 10)
    assert abs(mean - right.p_abandon) < Z * se
    assert abs(mean - wrong.p_abandon) > 10 * se


def test_mmc_summary_has_observed_beside_theory():
    result, _ = run_line(30, 4, 7, 3, 2, seed=3)
    s = result.summary
    assert s["run.kind"] == "mmc"
    for metric in ("p_wait", "p_abandon", "mean_wait_minutes", "utilisation"):
        assert isinstance(s[f"mmc.observed.{metric}"], float)
        assert isinstance(s[f"mmc.erlang_a.{metric}"], float)
    assert set(pd.unique(result.inquiries["practice"])) == {"line"}


# --------------------------------------------------------------------------- phone menu

MENU_CASES = {
    # name: (arrivals per hour, servers, handle minutes, patience minutes, days, menu s)
    "default-line-one-minute-menu": (30, 4, 7, 3, 40, 60),
    "heavy-load-long-menu": (60, 4, 6, 2, 30, 90),
    "single-server-short-menu": (6, 1, 6, 2, 60, 40),
}


@pytest.mark.parametrize("name", list(MENU_CASES))
def test_callers_hang_up_in_the_menu_as_exponential_patience_says(name):
    """With a menu of m and exponential patience of mean T that runs from the start of the
    call, a share 1 - exp(-m / T) hang up in the menu. Patience is drawn independently for
    every caller, so the binomial standard error is honest here (no batch means)."""
    lam_h, c, h, pat, days, menu = MENU_CASES[name]
    result, _ = run_line(lam_h, c, h, pat, days, 2000 + list(MENU_CASES).index(name), menu)
    inq, s = result.inquiries, result.summary
    n = len(inq)
    dropped = hung_up_in_menu(inq)
    share = dropped.mean()
    p = 1 - math.exp(-(menu / 60) / pat)
    se = math.sqrt(p * (1 - p) / n)
    assert n > 5000
    assert abs(share - p) < Z * se, (name, share, p, se)
    # a patience that started only at the end of the menu would leave nobody hanging up in
    # it, and half the menu's length would show: the tolerance tells them apart
    assert abs(share - (1 - math.exp(-(menu / 120) / pat))) > 2 * Z * se
    assert s["mmc.menu.observed.hangup_share"] == pytest.approx(share)
    assert s["mmc.menu.expected.hangup_share"] == pytest.approx(p)
    assert s["mmc.menu.callers_reaching_line"] == n - dropped.sum()
    # a hang-up in the menu: abandoned, never answered, no time on hold
    assert inq.loc[dropped, "answered_at"].isna().all()
    # everyone who got through waited the whole menu before a person picked up
    answered = inq[~inq["abandoned"]]
    np.testing.assert_allclose(answered["answered_at"] - answered["arrived_at"],
                               menu / 60 + answered["hold_minutes"], atol=1e-9)


@pytest.mark.parametrize("name", list(MENU_CASES))
def test_callers_past_the_menu_meet_erlang_a_at_the_thinned_rate(name):
    """Those who get through the menu reach the line as a Poisson stream of rate
    lambda exp(-m / T), with exponential patience of mean T left (memoryless): their
    P(wait), P(abandon) and mean wait on hold are Erlang A's at that rate (batch means by
    day, as above). Erlang A at the full arrival rate, what the line would see without
    the thinning, is many standard errors away."""
    lam_h, c, h, pat, days, menu = MENU_CASES[name]
    result, activity = run_line(lam_h, c, h, pat, days, 3000 + list(MENU_CASES).index(name),
                                menu)
    inq, s = result.inquiries, result.summary
    rate = lam_h / 60.0 * math.exp(-(menu / 60) / pat)
    theory = erlang_a_metrics(rate, h, c, pat)
    unthinned = erlang_a_metrics(lam_h / 60.0, h, c, pat)
    line = inq[~hung_up_in_menu(inq)]
    day = (line["arrived_at"].to_numpy() // 1440).astype(int)
    wait = line["hold_minutes"].to_numpy()
    checks = {
        "p_wait": ((wait > 0).astype(float), theory.p_wait, unthinned.p_wait),
        "p_abandon": (line["abandoned"].to_numpy(float), theory.p_abandon,
                      unthinned.p_abandon),
        "mean_wait_minutes": (wait, theory.mean_wait, unthinned.mean_wait),
    }
    far = 0
    for metric, (values, expected, wrong) in checks.items():
        mean, se = batch_means(values, day, days)
        assert s[f"mmc.observed.{metric}"] == pytest.approx(mean, rel=1e-9, abs=1e-12)
        assert s[f"mmc.erlang_a.{metric}"] == pytest.approx(expected)
        assert abs(mean - expected) < Z * se + 1e-4, (name, metric, mean, expected, se)
        far += abs(mean - wrong) > 10 * se
    assert far >= 2, f"{name}: the thinned and full-rate Erlang A are too close to tell"
    busy, se = daily_busy_share(activity, c, days)
    assert abs(busy - theory.utilisation) < Z * se + 1e-3


def test_a_menu_costs_one_event_per_call_and_no_menu_none():
    """A menu adds exactly one timer per call (its end, or the hang-up in it), and no menu
    (0 seconds) adds none. Measured with callers so patient that nobody hangs up: the
    menu then only shifts every call by m, and the line does the same work (the same
    callers wait on hold, each with its hang-up timer), so any other difference in
    events would be the menu's."""
    def events(menu):
        cfg = sim.load_config(["scenario=mmc", "scenario.days=3", "seed=5",
                               "scenario.patience_minutes=1e9",
                               f"scenario.phone_menu_seconds={menu}"])
        model = LeadMarket(cfg).run()
        return model.env.scheduled(), len(model.inquiries), model

    plain, calls, model = events(0)
    summary = RunResult.from_records(model.records(), scenario=asdict(model.config.scenario))
    assert not any(k.startswith("mmc.menu.") for k in summary.summary)
    with_menu, same_calls, _ = events(45)
    assert same_calls == calls > 1000
    assert with_menu - plain == calls
