"""Replications of a scenario, and paired comparisons of scenarios, from Python.

    import sim
    base = sim.load_config(["market.days=60"])
    desk = sim.load_config(["market.days=60", "plan=second_front_desk"])
    runs = sim.replicate(base, seeds=range(10))              # one row per seed
    table = sim.compare({"current": base, "second desk": desk}, seeds=range(10))

`replicate` runs one config once per seed and returns one tidy table: a row per run, a
column per metric of its summary (`market.*`, `practices.<slot>.*`, ...). Given several
configs by name it runs each with every seed and adds a `plan` column.

`compare` runs every config with the same seeds, so replication r of every config meets
the same prospects, arriving at the same minutes with the same personal draws (common
random numbers, DESIGN.md); it returns the table of `sim.analysis.stats.compare_plans`:
per config and metric the mean over the seeds and the paired difference against the
first config (the baseline) with its Student t-interval over the per-seed differences.
`experiments.compare_staffing` runs its plans through the same functions.

A run depends only on its config and seed, and the results are put back in seed order,
so `n_jobs` (worker processes, joblib) changes the time taken and nothing else. The
config's own `seed` is replaced by each seed of `seeds`; an int `seeds=n` means the n
seeds from the config's seed on (seed, seed + 1, ...), as compare_staffing's
`replications`.
"""

from __future__ import annotations

import fnmatch
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .config import Config, ConfigError, to_config

__all__ = ["compare", "map_tasks", "replicate", "run_metrics", "seed_list", "workers"]

# the columns of `replicate`'s table that are not metrics
ID_COLUMNS = ("plan", "replication", "seed")


def seed_list(seeds: int | Iterable[int], start: int = 0) -> list[int]:
    """The seeds to run: a list of different whole numbers >= 0, or an int n for the n
    seeds start, start + 1, ...; ConfigError (one line) otherwise."""
    allowed = ("(allowed: different whole numbers >= 0, e.g. seeds=range(10), or a number "
               "of replications, e.g. seeds=10)")
    if _whole(seeds):
        if seeds < 1:
            raise ConfigError(f"seeds: {seeds!r} is not allowed {allowed}")
        return list(range(start, start + seeds))
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Iterable):
        raise ConfigError(f"seeds: {seeds!r} is not allowed {allowed}")
    out = list(seeds)
    if not out or not all(_whole(s) and s >= 0 for s in out) or len(set(out)) < len(out):
        raise ConfigError(f"seeds: {out!r} is not allowed {allowed}")
    return [int(s) for s in out]


def _whole(x: Any) -> bool:
    import numpy as np

    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def workers(n_jobs: int, n_tasks: int) -> int:
    """Worker processes for `n_tasks` runs: `n_jobs`, or one per core (as joblib counts
    them, container CPU limits included) for -1; never more than the runs."""
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or (n_jobs < 1 and n_jobs != -1):
        raise ValueError(f"n_jobs: {n_jobs!r} is not allowed (allowed: -1 for one worker per "
                         "core, or a whole number >= 1)")
    if n_jobs == -1:
        from joblib import cpu_count

        n_jobs = cpu_count()
    return max(1, min(n_jobs, n_tasks))


def _indexed(i: int, fn: Callable, args: tuple):
    return i, fn(*args)


def map_tasks(fn: Callable, tasks: Sequence[tuple], n_jobs: int = 1, progress: bool = False,
              desc: str = "simulating", unit: str = "run") -> list:
    """`[fn(*t) for t in tasks]`, in worker processes when `n_jobs` > 1 (joblib's loky,
    which sends `fn` and the tasks by cloudpickle), with a progress bar on stderr. The
    results come back in the order of `tasks` whatever `n_jobs`."""
    from tqdm import tqdm

    n = workers(n_jobs, len(tasks))
    out: list = [None] * len(tasks)
    with tqdm(total=len(tasks), unit=unit, desc=desc, disable=not progress,
              file=sys.stderr) as bar:
        if n > 1:
            from joblib import Parallel, delayed

            done = Parallel(n_jobs=n, return_as="generator_unordered")(
                delayed(_indexed)(i, fn, t) for i, t in enumerate(tasks))
        else:
            done = (_indexed(i, fn, t) for i, t in enumerate(tasks))
        for i, result in done:
            out[i] = result
            bar.update()
    return out


def run_metrics(result) -> dict[str, float]:
    """Every metric of a run's summary as a number (NaN where summary.json has null);
    the run's settings (`run.kind`, `run.seed`, `run.days`, `run.drain_days`) left out."""
    from .analysis.tables import RUN_SETTINGS

    return {k: (math.nan if v is None else v) for k, v in result.summary.items()
            if k not in RUN_SETTINGS and not isinstance(v, str)}


def _run_one(cfg: Config, seed: int, measure: Callable | None) -> dict:
    import logging

    from . import run

    logging.getLogger("MESA").setLevel(logging.WARNING)
    result = run(replace(cfg, seed=seed))
    return (measure or run_metrics)(result)


def _checked(configs: Mapping[str, Any]) -> dict[str, Config]:
    out = {}
    for name, cfg in configs.items():
        if not isinstance(name, str):
            raise ConfigError(f"configs: {name!r} is not allowed as a name (allowed: text)")
        try:
            out[name] = to_config(cfg)
        except ConfigError as exc:
            raise ConfigError(f"{name}: {exc}") from None
    return out


def replicate(cfg: Any, seeds: int | Iterable[int], *, n_jobs: int = 1,
              measure: Callable | None = None, progress: bool = True):
    """Run `cfg` (a Config or a composed DictConfig; or a dict of them by name) once per
    seed; return one row per run: `replication` (0, 1, ...), `seed`, then every metric
    (`measure(result) -> dict` chooses them; default `run_metrics`: the summary's). With a
    dict, a `plan` column first and each config run with every seed (common random
    numbers: replication r has the same seed in every plan). Every config is validated
    before the first run (ConfigError, one line). `n_jobs`: worker processes (1: this
    process; -1: one per core); the table does not depend on it."""
    import pandas as pd

    named = isinstance(cfg, Mapping)
    configs = _checked(cfg if named else {"": cfg})
    if not configs:
        raise ConfigError("configs: none given (allowed: a config, or a dict of them by name)")
    first = next(iter(configs.values()))
    seed_values = seed_list(seeds, first.seed)
    workers(n_jobs, 1)  # a bad n_jobs is refused before any run
    names = list(configs)
    tasks = [(configs[p], s, measure) for s in seed_values for p in names]
    results = map_tasks(_run_one, tasks, n_jobs, progress,
                        desc=f"{len(names)} x {len(seed_values)} runs" if named else
                        f"{len(seed_values)} replications")
    by_task = dict(zip(((p, s) for s in seed_values for p in names), results))
    rows = []
    for p in names:
        for r, s in enumerate(seed_values):
            ids = {"plan": p} if named else {}
            rows.append({**ids, "replication": r, "seed": s, **by_task[p, s]})
    table = pd.DataFrame(rows)
    for col in table.columns:
        if col not in ID_COLUMNS and table[col].dtype == object:
            converted = pd.to_numeric(table[col], errors="coerce")
            if converted.notna().sum() == table[col].notna().sum():
                table[col] = converted
    return table


def metric_columns(runs, patterns: Sequence[str] | None = None) -> list[str]:
    """The numeric metric columns of a replications table, all of them or those matching
    shell-style `patterns` (`'practices.alpha.*'`), in the table's order; ConfigError
    when a pattern matches none."""
    import pandas as pd

    numeric = [c for c in runs.columns if c not in ID_COLUMNS
               and pd.api.types.is_numeric_dtype(runs[c])
               and not pd.api.types.is_bool_dtype(runs[c])]
    if patterns is None:
        return numeric
    if isinstance(patterns, str):
        patterns = [patterns]
    chosen: list[str] = []
    for pattern in patterns:
        found = [c for c in numeric if fnmatch.fnmatchcase(c, pattern)]
        if not found:
            examples = ", ".join(numeric[:5]) + (", ..." if len(numeric) > 5 else "")
            raise ConfigError(f"metrics: '{pattern}' matches no metric (allowed: names or "
                              f"patterns of {examples})")
        chosen += [c for c in found if c not in chosen]
    return chosen


def compare(configs: Mapping[str, Any], seeds: int | Iterable[int], *,
            metrics: Sequence[str] | str | None = None, baseline: str | None = None,
            confidence: float = 0.95, n_jobs: int = 1, measure: Callable | None = None,
            progress: bool = True):
    """Run every config (by name) with the same seeds and compare them, paired seed by
    seed (common random numbers): `sim.analysis.stats.compare_plans` of `replicate`'s
    table. Columns: plan, metric, mean, diff_vs_baseline, ci_low, ci_high, replications.
    `baseline`: the config the others are measured against (default: the first);
    `metrics`: names or shell-style patterns (default: every metric); `confidence`: the
    level of the t-intervals. Needs two configs and at least two seeds."""
    from .analysis.stats import compare_plans

    if not isinstance(configs, Mapping) or len(configs) < 2:
        raise ConfigError("configs: compare needs a dict of at least two configs by name, "
                          "the first being the baseline (allowed: {'current': cfg, "
                          "'plan B': other})")
    if baseline is not None and baseline not in configs:
        raise ConfigError(f"baseline: {baseline!r} is not allowed (allowed: "
                          f"{', '.join(map(repr, configs))})")
    if not (isinstance(confidence, float | int) and 0 < confidence < 1):
        raise ConfigError(f"confidence: {confidence!r} is not allowed (allowed: between 0 and "
                          "1, e.g. 0.95)")
    checked = _checked(configs)
    seed_values = seed_list(seeds, next(iter(checked.values())).seed)
    if len(seed_values) < 2:
        raise ConfigError(f"seeds: {seeds!r} is not allowed (allowed: at least two seeds: an "
                          "interval needs two replications)")
    runs = replicate(checked, seed_values, n_jobs=n_jobs, measure=measure, progress=progress)
    return compare_plans(runs, metric_columns(runs, metrics), baseline=baseline,
                         plans=list(configs), confidence=confidence)
