"""The search itself: an Optuna study over a SearchSpace, stored in an RDB (SQLite by
default) so that a search that was stopped resumes where it was, redoing no finished trial.

Sampler: TPE (Bergstra et al. 2011) with Optuna's constraint handling (`Trial.set_constraint`,
the constrained TPE of Watanabe & Hutter 2023): a trial's constraint is its extra cost a
month minus the budget (feasible when <= 0), so the sampler learns where the budget binds
instead of being fed a made-up penalty. TPE suits the space: mostly categorical and
ordinal decisions, a noisy objective (a mean of a few simulated replications), a budget of
tens of trials.

`evaluate(point) -> {"value": net gain a month, "extra_cost": ..., **anything}` is the
caller's; this module knows nothing of the model. The study is finished to `n_trials`
COMPLETE trials (Optuna's `MaxTrialsCallback`), counting those of earlier runs: a trial
that was running when its process was killed has no heartbeat any more and is marked FAIL
by Optuna (`fail_stale_trials`, after `grace_period` seconds), never counted. Several
processes may work on one study by giving the same storage URL: `search_in_workers`
starts them on this machine (joblib processes, one SQLite file); on a cluster, start
`leadsim optimise` on each node with the same `storage=` (a PostgreSQL/MySQL URL).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable

import pandas as pd

from .space import SearchSpace

STUDY_NAME = "leadsim-optimise"
HEARTBEAT_SECONDS = 10  # a running trial's heartbeat
GRACE_SECONDS = 30  # a trial with no heartbeat for this long was killed: FAIL


def open_study(storage: str, seed: int = 0, startup_trials: int = 10,
               heartbeat: int = HEARTBEAT_SECONDS, grace: int = GRACE_SECONDS):
    """The study at `storage` (an RDB URL, e.g. sqlite:///run/optuna.db), created if new
    (`load_if_exists`), with heartbeats; TPE seeded with `seed`."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optuna").setLevel(logging.WARNING)
    with warnings.catch_warnings():  # heartbeats are "experimental" since Optuna 2.9
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        rdb = optuna.storages.RDBStorage(storage, heartbeat_interval=heartbeat,
                                         grace_period=grace)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials,
                                         multivariate=True)
    study = optuna.create_study(study_name=STUDY_NAME, storage=rdb, sampler=sampler,
                                direction="maximize", load_if_exists=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    return study


def completed(study) -> list:
    import optuna

    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def _key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def run_search(study, space: SearchSpace, evaluate: Callable[[dict], dict], n_trials: int,
               budget: float, on_trial: Callable | None = None) -> int:
    """Finish the study to `n_trials` COMPLETE trials; returns how many were evaluated now.
    A point already evaluated in this study (TPE proposes repeats once it has settled) is
    not simulated again: its stored result is told for the new trial. `on_trial(study,
    trial)` after each finished trial (a progress line)."""
    import optuna

    if len(completed(study)) >= n_trials:
        return 0
    evaluated = 0

    def objective(trial) -> float:
        nonlocal evaluated
        point = space.suggest(trial)
        old = next((t for t in completed(study) if _key(t.params) == _key(trial.params)), None)
        if old is not None:
            attrs, value = dict(old.user_attrs), float(old.value)
            attrs["repeat_of"] = old.user_attrs.get("repeat_of") or old.number
        else:
            result = evaluate(point)
            value = float(result["value"])
            attrs = {k: v for k, v in result.items() if k != "value"}
            evaluated += 1
        for k, v in attrs.items():
            trial.set_user_attr(k, v)
        trial.set_constraint("budget", float(attrs["extra_cost"]) - budget)
        return value

    callbacks = [optuna.study.MaxTrialsCallback(n_trials)]
    if on_trial is not None:
        callbacks.append(on_trial)
    study.optimize(objective, callbacks=callbacks, gc_after_trial=False)
    return evaluated


def _worker(storage: str, seed: int, startup_trials: int, space: SearchSpace,
            make_evaluate: Callable, args: tuple, n_trials: int, budget: float) -> int:
    study = open_study(storage, seed, startup_trials)
    return run_search(study, space, make_evaluate(*args), n_trials, budget)


def search_in_workers(storage: str, workers: int, seed: int, startup_trials: int,
                      space: SearchSpace, make_evaluate: Callable, args: tuple,
                      n_trials: int, budget: float) -> int:
    """`workers` processes (joblib's loky) on the one study at `storage`, each with its own
    sampler seed (seed + w) and `make_evaluate(*args)` as its evaluator (a module-level
    function and picklable arguments); returns the trials evaluated. Each worker stops
    once the study holds `n_trials` COMPLETE trials, so it may end with up to `workers -
    1` more."""
    from joblib import Parallel, delayed

    done = Parallel(n_jobs=workers)(
        delayed(_worker)(storage, seed + w, startup_trials, space, make_evaluate, args,
                         n_trials, budget) for w in range(workers))
    return sum(done)


def trials_table(study, space: SearchSpace, budget: float) -> pd.DataFrame:
    """One row per COMPLETE trial (search.csv): its number, the decisions, extra cost, mean
    net gain, whether it fits the budget, replications and stage."""
    rows = []
    for t in completed(study):
        attrs = t.user_attrs
        rows.append({"plan": f"trial_{t.number}", "trial": t.number, "stage": "search",
                     "extra_cost_per_month": attrs.get("extra_cost"),
                     "net_gain_per_month": t.value,
                     "fits_budget": attrs.get("extra_cost", math.inf) <= budget,
                     "replications": attrs.get("replications"),
                     "repeat_of": attrs.get("repeat_of"),
                     **space.point_of_params(t.params)})
    return pd.DataFrame(rows)
