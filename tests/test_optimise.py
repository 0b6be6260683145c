"""leadsim optimise: a search killed half-way resumes without redoing finished trials, the
budget is the sampler's constraint, several workers share one study, best_plan.yaml is a
plan `leadsim compare` accepts, the outputs are the contract's, bad input is refused in
one line with exit 2 and nothing written."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import optuna
import pandas as pd
import pytest

from experiments import compare_staffing as cs
from experiments import optimise_staffing as opt
from sim.analysis import contract
from sim.config import ConfigError
from sim.search import SearchSpace
from sim.search.optimise import optimise
from sim.search.study import completed, open_study, run_search, trials_table

HYDRA_LOG = "optimise_staffing.log"
SPACE = {"decisions": {"front_desk_extra": {"low": 0, "high": 1},
                       "auto_responder": {"choices": [False, True]},
                       "first_response_delay_minutes": {"low": 0, "high": 1440, "step": 720},
                       "follow_up_attempts": {"fixed": 2}}}

# a search on a known objective, in its own process, that logs every point it evaluates
# and hangs in the middle of its fourth evaluation
WORKER = textwrap.dedent("""
    import json, sys, time
    from sim.search import SearchSpace
    from sim.search.study import open_study, run_search
    space = SearchSpace.from_dict(json.loads(sys.argv[2]))
    log = open(sys.argv[3], "a")
    def evaluate(point):
        log.write(json.dumps(point) + "\\n"); log.flush()
        if sum(1 for _ in open(sys.argv[3])) == int(sys.argv[4]):
            time.sleep(600)  # killed here
        return {"value": 100.0 * point["front_desk_extra"] - point[
            "first_response_delay_minutes"], "extra_cost": 3000.0 * point["front_desk_extra"]}
    run_search(open_study(sys.argv[1], seed=1, startup_trials=3, heartbeat=1, grace=2),
               space, evaluate, 10, budget=1000.0)
""")


def _points(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_killed_search_resumes_without_redoing_finished_trials(tmp_path):
    storage, log = f"sqlite:///{tmp_path / 'optuna.db'}", tmp_path / "evaluated.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", WORKER, storage, json.dumps(SPACE), str(log),
                             "4"])
    deadline = time.time() + 120
    while len(_points(log)) < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # half-way: 3 trials finished, the fourth running
    proc.wait()
    first = _points(log)
    assert len(first) == 4
    time.sleep(3)  # past the grace period: the killed trial has no heartbeat
    study = open_study(storage, seed=1, heartbeat=1, grace=2)
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.COMPLETE) == 3
    assert states.count(optuna.trial.TrialState.FAIL) == 1  # the killed one, not counted
    finished = {json.dumps(p, sort_keys=True) for p in first[:3]}

    again = []

    def evaluate(point):
        again.append(json.dumps(point, sort_keys=True))
        return {"value": 100.0 * point["front_desk_extra"] - point[
            "first_response_delay_minutes"], "extra_cost": 3000.0 * point["front_desk_extra"]}

    evaluated = run_search(study, SearchSpace.from_dict(SPACE), evaluate, 10, budget=1000.0)
    assert len(completed(study)) == 10
    assert evaluated == len(again) <= 7  # repeats of a point are not re-evaluated
    assert not finished & set(again)  # no finished trial evaluated again
    assert len(set(again)) == len(again)
    assert run_search(open_study(storage, seed=1), SearchSpace.from_dict(SPACE), evaluate, 10,
                      budget=1000.0) == 0
    table = trials_table(study, SearchSpace.from_dict(SPACE), 1000.0)
    assert (table["fits_budget"] == (table["extra_cost_per_month"] <= 1000.0)).all()
    # the budget is Optuna's constraint: every trial carries it, feasible when <= 0
    for t in completed(study):
        assert (t.system_attrs["constraints:budget"] <= 0) == (t.user_attrs["extra_cost"] <= 1000)


def settings(**over):
    raw = {"budget_per_month": 3000, "wage_overhead": 0.0, "focal_practice": None,
           "market_days": 7, "trials": 3, "replications": 2, "seed": 0, "sampler_seed": 0,
           "startup_trials": 2, "top_k": 1, "delta": 500.0, "alpha": 0.05, "n0": 2,
           "max_replications": 3, "selection_seed": 1000, "n_jobs": 1, "sim_overrides": [],
           "search": SPACE}
    raw.update(over)
    return opt.settings_from(raw)


def run(out, **over):
    s = settings(**over)
    base = cs.practice_config(s["market_days"], s["sim_overrides"], s["practice"])
    return optimise(s, base, out, log=lambda *_: None, progress=False)


@pytest.mark.slow
def test_optimise_resumes_and_writes_a_plan_compare_accepts(tmp_path):
    out = tmp_path / "run"
    first = run(out, trials=3)
    assert first["search_runs"] == 2 * first["evaluated"] and first["evaluated"] >= 1
    library_files = set(contract.OPTIMISE_FILES) - {HYDRA_LOG}  # the app's Hydra writes it
    for name in library_files:
        assert (out / name).is_file(), name
    assert {p.name for p in out.iterdir()} == library_files
    space = SearchSpace.from_dict(SPACE)
    for name, columns in contract.OPTIMISE_TABLES.items():
        written = list(pd.read_csv(out / name).columns)
        documented = [c for c in columns if c != "<decision>"]
        if "<decision>" in columns:
            documented += list(space.decisions)
        assert written == documented, name
    search = pd.read_csv(out / "search.csv")
    assert set(search["stage"]) == {"search", "shipped"}
    assert len(search[search["stage"] == "shipped"]) == len(cs.available_plans()) - 1
    runs_before = first["runs"]
    again = run(out, trials=3)
    assert again["evaluated"] == 0 and again["search_runs"] == 0
    assert again["runs"] == 0  # current, shipped plans and the selection all reused
    assert again["selected"] == first["selected"] and runs_before > 0
    more = run(out, trials=5)
    assert len(completed(open_study(f"sqlite:///{out / 'optuna.db'}"))) == 5
    assert more["search_runs"] == 2 * more["evaluated"] <= 4
    # the best plan runs by its path in compare, against the current plan
    configs = cs.plan_configs(["current", str(out / "best_plan.yaml")], 7, [])
    assert list(configs) == ["current", "best_plan"]
    # so does the check the report proposes, the best shipped plan in it when not selected
    check = re.search(r"plans=\[([^\]]+)\]", (out / "report.html").read_text()).group(1)
    names = check.split(",")
    shipped = more["best_shipped"]  # the report is the last run's
    assert (shipped in names) == (shipped is not None and shipped != more["selected"])
    assert list(cs.plan_configs(names, 7, []))[-1] == "best_plan"
    with pytest.raises(ConfigError, match="hydra.run.dir"):
        run(out, trials=5, budget_per_month=10)


@pytest.mark.slow
def test_two_workers_share_one_study(tmp_path):
    out = tmp_path / "run"
    summary = run(out, trials=4, search_workers=2)
    trials = completed(open_study(f"sqlite:///{out / 'optuna.db'}"))
    assert 4 <= len(trials) <= 5  # each worker stops once the study has 4
    assert len({t.number for t in trials}) == len(trials)
    assert summary["evaluated"] == sum(t.user_attrs.get("repeat_of") is None for t in trials)
    assert summary["search_runs"] == 2 * summary["evaluated"]


def test_nothing_fits_the_budget_says_so_in_one_line(tmp_path):
    space = {"decisions": {"front_desk_extra": {"low": 1, "high": 2}}}
    with pytest.raises(ConfigError) as exc:
        run(tmp_path / "r", budget_per_month=0, search=space, trials=2)
    text = str(exc.value)
    assert text.startswith("budget_per_month:") and "fits no plan" in text and "\n" not in text


@pytest.mark.parametrize("arg, key", [
    ("budget_per_month=-1", "budget_per_month"),
    ("delta=0", "delta"),
    ("alpha=1.5", "alpha"),
    ("alpha=0", "alpha"),
    ("selection_seed=1", "selection_seed"),
    ("search.decisions.front_desk_extra.low=3", "search.decisions.front_desk_extra.low"),
    ("search.decisions={}", "search.decisions"),
    ("~search.decisions", "search.decisions"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, arg, key):
    run_dir = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.optimise_staffing", arg,
                           f"hydra.run.dir={run_dir}"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {key}"), proc.stderr
    assert not run_dir.exists()
