"""The search itself: an Optuna study over a SearchSpace, stored in an RDB (SQLite by
default) so that a search that was stopped resumes where it was, redoing no finished trial.

Sampler: TPE (Bergstra et al. 2011) with Optuna's constraint handling (`Trial.set_constraint`,
the constrained TPE of Watanabe & Hutter 2023): a trial's constraint is its extra cost a
month minus the budget (feasible when <= 0), so the sampler learns where the budget binds
instead of being fed a made-up penalty. TPE suits the space: mostly categorical and
ordinal decisions, a noisy objective (a mean of a few simulated replications), a budget of
tens of trials.

`evaluate(point) -> {"value": net gain a month, "extra_cost": ..., **anything}` is the
caller's (the app runs the simulations); this module knows nothing of the model. Several
processes may work on one study by giving the same storage URL (SQLite for processes on
one machine, a shared PostgreSQL/MySQL URL on a cluster): each asks the study for its next
trial and counts only finished ones.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import pandas as pd

from .space import SearchSpace

STUDY_NAME = "leadsim-optimise"
CONSTRAINT = "constraint"  # user attribute: (extra_cost - budget,), feasible when <= 0


def _constraints(trial) -> tuple[float]:
    return tuple(trial.user_attrs.get(CONSTRAINT, (math.inf,)))


def open_study(storage: str, seed: int = 0, startup_trials: int = 10):
    """The study at `storage` (an RDB URL, e.g. sqlite:///run/optuna.db), created if new
    (`load_if_exists`); TPE seeded with `seed` and told the budget constraint."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optuna").setLevel(logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials,
                                         multivariate=True)
    return optuna.create_study(study_name=STUDY_NAME, storage=storage, sampler=sampler,
                               direction="maximize", load_if_exists=True)


def completed(study) -> list:
    import optuna

    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def fail_stale(study) -> int:
    """Trials left RUNNING by a process that was killed: marked FAIL so they are not
    counted (and asked again by the sampler). Only for one process at a time on a study;
    several workers sharing one should use Optuna's heartbeat instead."""
    import optuna

    stale = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    for t in stale:
        study._storage.set_trial_state_values(t._trial_id, optuna.trial.TrialState.FAIL)
    return len(stale)


def run_search(study, space: SearchSpace, evaluate: Callable[[dict], dict], n_trials: int,
               budget: float, on_trial: Callable | None = None) -> int:
    """Finish the study to `n_trials` COMPLETE trials; returns how many were evaluated now.
    A point already evaluated in this study (TPE proposes repeats once it has settled) is
    not simulated again: its stored result is told for the new trial."""
    fail_stale(study)
    seen = {tuple(sorted(t.params.items())): t for t in completed(study)}
    evaluated = 0
    while len(completed(study)) < n_trials:
        trial = study.ask()
        point = space.suggest(trial)
        key = tuple(sorted(trial.params.items()))
        if key in seen:
            old = seen[key]
            attrs = dict(old.user_attrs)
            value = old.value
        else:
            result = evaluate(point)
            value = float(result["value"])
            attrs = {k: v for k, v in result.items() if k != "value"}
            attrs[CONSTRAINT] = (float(result["extra_cost"]) - budget,)
            evaluated += 1
        for k, v in attrs.items():
            trial.set_user_attr(k, v)
        trial.set_constraint("budget", float(attrs[CONSTRAINT][0]))  # TPE's constraint
        trial.set_user_attr("repeat_of", seen[key].number if key in seen else None)
        study.tell(trial, value)
        if key not in seen:
            seen[key] = study._storage.get_trial(trial._trial_id)
        if on_trial is not None:
            on_trial(study)
    return evaluated


def trials_table(study, space: SearchSpace) -> pd.DataFrame:
    """One row per COMPLETE trial (search.csv): its number, the decisions, extra cost, mean
    net gain, whether it fits the budget, replications and stage."""
    rows = []
    for t in completed(study):
        point = space.point_of_params(t.params)
        attrs = t.user_attrs
        rows.append({"trial": t.number, **point,
                     "extra_cost_per_month": attrs.get("extra_cost"),
                     "net_gain_per_month": t.value,
                     "fits_budget": _constraints(t)[0] <= 0,
                     "replications": attrs.get("replications"),
                     "stage": "search",
                     "repeat_of": attrs.get("repeat_of")})
    return pd.DataFrame(rows)


def best_so_far(table: pd.DataFrame) -> pd.Series:
    """The best net gain among feasible trials up to each trial (the convergence curve)."""
    value = table["net_gain_per_month"].where(table["fits_budget"])
    return value.cummax()
