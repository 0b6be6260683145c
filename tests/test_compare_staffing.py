"""experiments.compare_staffing: common random numbers make the paired comparison sharper
than an unpaired one, identical plans differ by exactly zero, bad input is one line, and a
small run writes comparison.csv and a self-contained report.html."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import compare_staffing as cs
from sim.analysis.stats import (
    COMPARISON_COLUMNS,
    compare_plans,
    paired_difference,
    unpaired_difference,
)

pytestmark = pytest.mark.slow

MODULE = "experiments.compare_staffing"


@pytest.fixture(scope="module")
def small_comparison():
    """current, second_front_desk and current again (composed separately), 4 short
    replications: about 12 runs of 21 days."""
    configs = cs.plan_configs(["current", "second_front_desk"], 21, [])
    configs["current_again"] = cs.plan_configs(["current"], 21, [])["current"]
    return cs.run_comparison(configs, replications=4, seed=11, n_jobs=1, progress=False)


def test_every_plan_sees_the_same_seeds(small_comparison):
    runs = small_comparison.runs
    seeds = runs.pivot(index="replication", columns="plan", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    assert list(seeds["current"]) == [11, 12, 13, 14]


def test_paired_interval_is_narrower_than_unpaired(small_comparison):
    """Common random numbers work: the same prospects in replication r of both plans make
    the per-replication differences far less noisy than the plans' own spread."""
    runs = small_comparison.runs
    for metric in ("bookings", "net"):
        a = runs[runs["plan"] == "second_front_desk"].sort_values("replication")[metric]
        b = runs[runs["plan"] == "current"].sort_values("replication")[metric]
        paired = paired_difference(a.to_numpy(), b.to_numpy())
        unpaired = unpaired_difference(a.to_numpy(), b.to_numpy())
        assert paired.mean == pytest.approx(unpaired.mean)
        assert paired.half_width < unpaired.half_width, metric


def test_identical_plans_differ_by_exactly_zero(small_comparison):
    metrics = cs.comparison_metrics()
    table = compare_plans(small_comparison.runs, metrics, plans=small_comparison.plans)
    same = table[table["plan"] == "current_again"].set_index("metric")
    defined = same[same["mean"].notna()]
    assert len(defined) >= 12
    assert (defined[["diff_vs_baseline", "ci_low", "ci_high"]] == 0).all().all()
    frt = small_comparison.first_response
    a = frt[frt["plan"] == "current"]["minutes"].to_numpy()
    b = frt[frt["plan"] == "current_again"]["minutes"].to_numpy()
    assert np.array_equal(a, b, equal_nan=True)


def test_a_better_plan_shows_up(small_comparison):
    metrics = ["phone_answered_within_target", "staffing_cost_per_month"]
    table = compare_plans(small_comparison.runs, metrics,
                          plans=small_comparison.plans).set_index(["plan", "metric"])
    # a second receptionist costs 40 h x $21 a week, every month the same
    cost = table.loc[("second_front_desk", "staffing_cost_per_month")]
    assert cost["diff_vs_baseline"] == pytest.approx(840 * 365.25 / 12 / 7, rel=1e-9)
    # with one of two receptionists free more often, more calls are picked up at once
    assert table.loc[("second_front_desk", "phone_answered_within_target"), "ci_low"] > 0


def test_workers_change_nothing_but_the_time(small_comparison):
    """Two workers give exactly the runs of one process; -1 means one per core."""
    configs = cs.plan_configs(["current", "second_front_desk"], 21, [])
    configs["current_again"] = cs.plan_configs(["current"], 21, [])["current"]
    parallel = cs.run_comparison(configs, replications=4, seed=11, n_jobs=2, progress=False)
    assert parallel.n_jobs == 2
    cols = [c for c in small_comparison.runs.columns if "seconds" not in c]
    pd.testing.assert_frame_equal(parallel.runs[cols], small_comparison.runs[cols])
    pd.testing.assert_frame_equal(parallel.first_response, small_comparison.first_response)
    for plan, counts in small_comparison.by_hour.items():
        np.testing.assert_array_equal(parallel.by_hour[plan], counts)


def test_minus_one_is_a_worker_per_core_and_never_more_than_the_runs(monkeypatch):
    import joblib

    monkeypatch.setattr(joblib, "cpu_count", lambda: 8)
    assert cs.workers(-1, 60) == 8 and cs.workers(-1, 3) == 3 and cs.workers(1, 60) == 1
    monkeypatch.setattr(joblib, "cpu_count", lambda: 1)
    assert cs.workers(-1, 60) == 1
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="n_jobs"):
            cs.workers(bad, 60)


def test_fewer_than_two_replications_is_an_error():
    configs = cs.plan_configs(["current", "saturday_shift"], 7, [])
    with pytest.raises(ValueError, match="replications"):
        cs.run_comparison(configs, replications=1, progress=False)


def _one_line_error(proc, list_files) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert list_files(proc.cwd) == [], "a failed command created files"
    return lines[0]


def test_unknown_plan_lists_the_available_plans(run_cli, list_files):
    line = _one_line_error(run_cli(["plans=[current,nightshift]"], module=MODULE), list_files)
    assert line.startswith("error: plans:") and "nightshift" in line
    for plan in cs.available_plans():
        assert plan in line


@pytest.mark.parametrize(("args", "key"), [
    (["replications=1"], "replications"),
    (["replications=0"], "replications"),
    (["plans=[current]"], "plans"),
    (["replication=3"], "replication"),
    (["n_jobs=0"], "n_jobs"),
    (["n_jobs=-2"], "n_jobs"),
    # keys the comparison sets itself: scenario=mmc crashed after the runs, market.days=2
    # got round market_days >= 7, seed=5 was silently ignored
    (['sim_overrides=["scenario=mmc"]'], "sim_overrides"),
    (['sim_overrides=["market.days=2"]'], "sim_overrides"),
    (['sim_overrides=["seed=5"]'], "sim_overrides"),
    (['sim_overrides=["plan=current"]'], "sim_overrides"),
])
def test_bad_settings_are_one_line(run_cli, list_files, args, key):
    line = _one_line_error(run_cli(args, module=MODULE), list_files)
    assert line.startswith(f"error: {key}:"), line


def test_the_first_response_figure_of_a_market_without_inquiries_is_drawn():
    """A short run of a very quiet market (market.prospects_per_day=0.01) crashed after the
    simulation with 'No objects to concatenate'."""
    import pandas as pd

    from sim.analysis import staffing_plots

    empty = pd.DataFrame({"plan": [], "channel": [], "minutes": []})
    png = staffing_plots.first_response_figure(empty, ["current", "evening_coordinator"],
                                               ["phone", "web_form"])
    assert png.startswith(b"\x89PNG")
    phone_only = pd.DataFrame({"plan": ["current"], "channel": ["phone"], "minutes": [3.0]})
    assert staffing_plots.first_response_figure(phone_only, ["current"]).startswith(b"\x89PNG")


def test_small_run_writes_csv_and_report(run_cli):
    proc = run_cli(["plans=[current,saturday_shift]", "replications=2", "market_days=14",
                    "n_jobs=1", "seed=5"], module=MODULE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = next(line for line in proc.stdout.splitlines() if line.startswith("report: "))
    path = report.split(": ", 1)[1]
    assert "results/compare_staffing/" in path
    html = Path(path).read_text()
    assert html.count("data:image/png;base64,") == 4
    assert "<script" not in html and "src=\"http" not in html  # nothing outside the page
    table = pd.read_csv(path.replace("report.html", "comparison.csv"))
    assert list(table.columns) == COMPARISON_COLUMNS
    assert set(table["plan"]) == {"current", "saturday_shift"}
    assert (table["replications"][table["mean"].notna()] == 2).all()
    required = ["bookings", "procedures", "revenue", "staffing_cost", "net", "net_per_month",
                "conversion_rate", "first_response_median_minutes", "abandoned_calls",
                "unanswered", "new_reviews", "mean_new_stars", "referrals_generated"]
    assert set(required) <= set(table["metric"])
    money = table[table["metric"].isin(["net", "net_per_month", "bookings", "staffing_cost"])]
    assert np.isfinite(money[["ci_low", "ci_high"]].to_numpy()).all()
    month = table.set_index(["plan", "metric"])
    assert month.loc[("saturday_shift", "net_per_month"), "diff_vs_baseline"] == pytest.approx(
        month.loc[("saturday_shift", "net"), "diff_vs_baseline"] * 365.25 / 12 / 14)
    assert not math.isnan(month.loc[("current", "net"), "mean"])
