"""sim.replicate and sim.compare (sim/replications.py): the research API for replications
and paired comparisons under common random numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from experiments import compare_staffing as cs
from sim.analysis.stats import COMPARISON_COLUMNS, compare_plans
from sim.config import ConfigError
from sim.replications import seed_list

pytestmark = pytest.mark.slow

DAYS = 14


@pytest.fixture(scope="module")
def base():
    return sim.load_config([f"market.days={DAYS}"])


@pytest.fixture(scope="module")
def replicated(base):
    return sim.replicate(base, seeds=[3, 5, 8], n_jobs=1, progress=False)


def test_replicate_is_one_row_per_seed_with_every_metric(base, replicated):
    assert list(replicated["seed"]) == [3, 5, 8]
    assert list(replicated["replication"]) == [0, 1, 2]
    one = sim.run(sim.load_config([f"market.days={DAYS}", "seed=5"])).summary
    row = replicated.set_index("seed").loc[5]
    for key, value in one.items():
        if key in ("run.kind", "run.seed", "run.days", "run.drain_days"):
            assert key not in replicated.columns  # settings, not metrics
        elif value is None:
            assert np.isnan(row[key]), key
        else:
            assert row[key] == value, key
    assert "practices.alpha.bookings" in replicated and "market.wages" in replicated


def test_workers_change_nothing(base, replicated):
    parallel = sim.replicate(base, seeds=[3, 5, 8], n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(parallel, replicated)


def test_a_number_of_seeds_counts_from_the_configs_seed(base):
    assert seed_list(3, start=7) == [7, 8, 9]
    runs = sim.replicate(sim.load_config([f"market.days={DAYS}", "seed=7"]), seeds=2,
                         progress=False, measure=lambda r: {"n": len(r.inquiries)})
    assert list(runs.columns) == ["replication", "seed", "n"]
    assert list(runs["seed"]) == [7, 8]


def test_two_identical_configs_differ_by_exactly_zero(base):
    twin = sim.load_config([f"market.days={DAYS}"])  # composed again: equal, not the same
    table = sim.compare({"a": base, "b": twin}, seeds=[1, 2, 3], progress=False)
    assert list(table.columns) == COMPARISON_COLUMNS
    b = table[(table["plan"] == "b") & table["mean"].notna()]
    assert len(b) > 100
    assert (b[["diff_vs_baseline", "ci_low", "ci_high"]] == 0).all().all()
    assert (b["replications"] == 3).all()


def test_compare_agrees_with_compare_staffing(base):
    """The same plans and seeds through compare_staffing's run loop and table, and through
    sim.compare: the same means, differences and intervals."""
    configs = cs.plan_configs(["current", "second_front_desk"], DAYS, [])
    comp = cs.run_comparison(configs, replications=3, seed=11, n_jobs=1, progress=False)
    theirs = compare_plans(comp.runs, [m for m, _ in cs.METRICS], plans=comp.plans)
    # the nurture metrics are in summary.json only when a practice has a programme
    keys = {f"practices.{cs.FOCAL}.{key}": name for name, key in cs.METRICS
            if name not in cs.NURTURE_METRICS}
    ours = sim.compare(configs, seeds=[11, 12, 13], metrics=[k for k in keys], n_jobs=2,
                       progress=False)
    ours["metric"] = ours["metric"].map(keys)
    a = theirs.set_index(["plan", "metric"]).sort_index()
    b = ours.set_index(["plan", "metric"]).sort_index()
    a = a.loc[b.index]  # metrics the model does not report are NaN in theirs only
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    desk = b.loc[("second_front_desk", "staffing_cost")]
    assert desk["diff_vs_baseline"] == pytest.approx(40 * 21 * DAYS / 7)  # 40 h a week


@pytest.mark.parametrize(("call", "start"), [
    (lambda c: sim.replicate(c, seeds=[1, 1]), "seeds: [1, 1] is not allowed"),
    (lambda c: sim.replicate(c, seeds=0), "seeds: 0 is not allowed"),
    (lambda c: sim.replicate(c, seeds="12"), "seeds: '12' is not allowed"),
    (lambda c: sim.compare({"a": c}, seeds=3), "configs: compare needs a dict of at least two"),
    (lambda c: sim.compare({"a": c, "b": c}, seeds=1), "seeds: 1 is not allowed"),
    (lambda c: sim.compare({"a": c, "b": c}, seeds=2, baseline="z"), "baseline: 'z'"),
])
def test_bad_arguments_are_one_line_before_any_run(base, call, start):
    with pytest.raises(ConfigError) as info:
        call(base)
    assert str(info.value).startswith(start) and "\n" not in str(info.value)


def test_a_bad_config_is_named_before_any_run(base):
    import copy

    bad = copy.deepcopy(base)
    bad.practices["alpha"].channels = ["phone", "instagram"]
    with pytest.raises(ConfigError) as info:
        sim.compare({"now": base, "plan B": bad}, seeds=2, progress=False)
    assert str(info.value).startswith("plan B: practices.alpha.channels[1]: 'instagram' is not "
                                      "allowed (allowed: phone, web_form,")
    with pytest.raises(ValueError, match="n_jobs"):
        sim.replicate(base, seeds=2, n_jobs=0)


def test_a_pattern_that_matches_no_metric_lists_some(base):
    with pytest.raises(ConfigError) as info:
        sim.compare({"a": base, "b": base}, seeds=2, metrics=["practices.alpha.bokings"],
                    progress=False, measure=lambda r: {"practices.alpha.bookings": 1})
    assert str(info.value) == ("metrics: 'practices.alpha.bokings' matches no metric "
                               "(allowed: names or patterns of practices.alpha.bookings)")
