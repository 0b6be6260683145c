"""leadsim optimise: the study resumes without redoing finished trials, the budget is the
sampler's constraint, best_plan.yaml is a plan `leadsim compare` accepts, bad input is
refused in one line with exit 2 and nothing written."""

from __future__ import annotations

import subprocess
import sys

import optuna
import pytest

from experiments import compare_staffing as cs
from experiments import optimise_staffing as opt
from sim.config import ConfigError
from sim.search import SearchSpace
from sim.search.study import completed, open_study, run_search, trials_table

SPACE = {"decisions": {"front_desk_extra": {"low": 0, "high": 1},
                       "auto_responder": {"choices": [False, True]},
                       "first_response_delay_minutes": {"low": 0, "high": 1440, "step": 720},
                       "follow_up_attempts": {"fixed": 2}}}


class Boom(Exception):
    pass


def test_a_killed_search_resumes_without_redoing_finished_trials(tmp_path):
    space = SearchSpace.from_dict(SPACE)
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    calls = []

    def evaluate(point, fail_at=None):
        calls.append(point)
        if fail_at is not None and len(calls) == fail_at:
            raise Boom  # the process dies in the middle of a trial
        return {"value": 100.0 * point["front_desk_extra"] - point[
            "first_response_delay_minutes"], "extra_cost": 3000.0 * point["front_desk_extra"]}

    study = open_study(storage, seed=1, startup_trials=3)
    with pytest.raises(Boom):
        run_search(study, space, lambda p: evaluate(p, fail_at=4), 8, budget=1000.0)
    assert len(completed(study)) == 3  # the fourth died RUNNING
    before = len(calls)
    study = open_study(storage, seed=1, startup_trials=3)  # a new process on the same file
    evaluated = run_search(study, space, evaluate, 8, budget=1000.0)
    assert len(completed(study)) == 8
    assert len(calls) - before == evaluated <= 5  # repeats of a point are not re-evaluated
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.FAIL) == 1
    again = run_search(open_study(storage, seed=1), space, evaluate, 8, budget=1000.0)
    assert again == 0
    table = trials_table(study, space)
    assert (table["fits_budget"] == (table["extra_cost_per_month"] <= 1000.0)).all()


def settings(**over):
    raw = {"budget_per_month": 3000, "wage_overhead": 0.0, "focal_practice": None,
           "market_days": 7, "trials": 3, "replications": 2, "seed": 0, "sampler_seed": 0,
           "startup_trials": 2, "top_k": 1, "delta": 500.0, "alpha": 0.05, "n0": 2,
           "max_replications": 3, "selection_seed": 1000, "n_jobs": 1, "sim_overrides": [],
           "search": SPACE}
    raw.update(over)
    return opt.settings_from(raw)


def test_optimise_resumes_and_writes_a_plan_compare_accepts(tmp_path):
    out = tmp_path / "run"
    first = opt.optimise(settings(trials=3), out, log=lambda *_: None)
    n_shipped = len(cs.available_plans()) - 1
    assert first["search_runs"] == 2 * first["evaluated"] and first["evaluated"] >= 1
    assert first["runs"] > 2 * (1 + n_shipped)  # baseline, shipped plans, search, selection
    for name in ("search.csv", "selection.csv", "best_plan.yaml", "report.html", "shipped.csv"):
        assert (out / name).is_file()
    again = opt.optimise(settings(trials=3), out, log=lambda *_: None)
    assert again["evaluated"] == 0 and again["search_runs"] == 0
    more = opt.optimise(settings(trials=5), out, log=lambda *_: None)
    study = open_study(f"sqlite:///{out / 'optuna.db'}")
    assert len(completed(study)) == 5
    assert more["search_runs"] == 2 * more["evaluated"] <= 4
    # the best plan runs by its path in compare, against the current plan
    configs = cs.plan_configs(["current", str(out / "best_plan.yaml")], 7, [])
    assert list(configs) == ["current", "best_plan"]
    with pytest.raises(ConfigError, match="hydra.run.dir"):
        opt.optimise(settings(trials=5, budget_per_month=10), out, log=lambda *_: None)


def test_nothing_fits_the_budget_says_so_in_one_line(tmp_path):
    space = {"decisions": {"front_desk_extra": {"low": 1, "high": 2}}}
    with pytest.raises(ConfigError) as exc:
        opt.optimise(settings(budget_per_month=0, search=space, trials=2), tmp_path / "r",
                     log=lambda *_: None)
    text = str(exc.value)
    assert text.startswith("budget_per_month:") and "fits no plan" in text and "\n" not in text


@pytest.mark.parametrize("arg, key", [
    ("budget_per_month=-1", "budget_per_month"),
    ("delta=0", "delta"),
    ("alpha=1.5", "alpha"),
    ("alpha=0", "alpha"),
    ("search.decisions.front_desk_extra.low=3", "search.decisions.front_desk_extra.low"),
    ("search.decisions={}", "search.decisions"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, arg, key):
    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.optimise_staffing", arg,
                           f"hydra.run.dir={run}"], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {key}"), proc.stderr
    assert not run.exists()
