"""Replications, common-random-number paired differences and their confidence intervals.

A staffing comparison runs every plan with the same seeds: replication r of every plan
sees the same prospects, arriving at the same minutes with the same personal draws
(common random numbers, DESIGN.md). The difference between two plans is then measured
replication by replication, d_r = x_plan,r - x_baseline,r, and its interval is the
Student t-interval of those R paired differences:

    mean(d) +- t_{R-1, (1 + level) / 2} * sd(d) / sqrt(R)

Because the two runs of a pair share their noise (a busy week is busy in both), sd(d) is
usually far smaller than the spread of either plan on its own, so the paired interval is
narrower than the unpaired (Welch) interval of two independent samples, also given here
for comparison.

The input everywhere is a tidy table of replications: one row per (plan, replication),
a `plan` column, a `replication` column, and one column per metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Interval", "compare_plans", "group_intervals", "paired_difference",
           "t_interval", "unpaired_difference", "COMPARISON_COLUMNS", "GROUP_COLUMNS"]

COMPARISON_COLUMNS = ["plan", "metric", "mean", "diff_vs_baseline", "ci_low", "ci_high",
                      "replications"]
# after the grouping columns
GROUP_COLUMNS = ["metric", "replications", "mean", "sd", "ci_low", "ci_high"]


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided confidence interval, from `n` observations."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


_NAN = Interval(math.nan, math.nan, math.nan, 0)


def _check_level(confidence: float) -> float:
    if not (isinstance(confidence, int | float) and 0 < confidence < 1):
        raise ValueError(f"confidence must be between 0 and 1; got {confidence!r}")
    return float(confidence)


def t_interval(values, confidence: float = 0.95) -> Interval:
    """Student t-interval for the mean of `values` (NaN values are dropped).

    Needs at least two finite values; with fewer the interval is NaN. With a zero spread
    the interval is the single point mean (e.g. two plans that are identical)."""
    level = _check_level(confidence)
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n < 2:
        return Interval(float(x[0]) if n else math.nan, math.nan, math.nan, n)
    mean = float(x.mean())
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(x, baseline, confidence: float = 0.95) -> Interval:
    """Interval for mean(x - baseline) from per-replication paired differences.

    `x[r]` and `baseline[r]` must come from the same replication (the same seed); pairs
    where either value is missing (NaN) are left out."""
    a, b = np.asarray(x, dtype=float), np.asarray(baseline, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples need the same length; got {a.size} and {b.size}")
    return t_interval(a - b, confidence)


def unpaired_difference(x, baseline, confidence: float = 0.95) -> Interval:
    """Welch's interval for mean(x) - mean(baseline), treating the samples as independent:
    what the comparison would cost without common random numbers."""
    level = _check_level(confidence)
    a = np.asarray(x, dtype=float)
    b = np.asarray(baseline, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return _NAN
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return Interval(diff, diff, diff, int(min(a.size, b.size)))
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2.0, dof)) * se
    return Interval(diff, diff - half, diff + half, int(min(a.size, b.size)))


def compare_plans(runs: pd.DataFrame, metrics: list[str], baseline: str | None = None,
                  plans: list[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """The comparison table: per plan and metric, the mean over replications and the
    paired difference against `baseline` (default: the first plan) with its interval.

    `runs` has one row per (plan, replication) and a column per metric; a metric missing
    from `runs` gives NaN rows (so the table keeps its shape before a metric exists).
    Columns: plan, metric, mean, diff_vs_baseline, ci_low, ci_high, replications
    (the number of replications, or of complete pairs, the numbers rest on)."""
    _check_level(confidence)
    plans = list(plans) if plans is not None else list(dict.fromkeys(runs["plan"]))
    if not plans:
        raise ValueError("compare_plans: no plans")
    baseline = plans[0] if baseline is None else baseline
    if baseline not in plans:
        raise ValueError(f"baseline {baseline!r} is not one of the plans {plans}")
    wide = {p: runs[runs["plan"] == p].set_index("replication").sort_index() for p in plans}
    base = wide[baseline]
    for p, df in wide.items():
        if not df.index.equals(base.index):
            raise ValueError(f"plan {p!r} does not have the same replications as {baseline!r}")
    rows = []
    for metric in metrics:
        for p in plans:
            if metric not in runs.columns:
                rows.append((p, metric, math.nan, math.nan, math.nan, math.nan, 0))
                continue
            x = wide[p][metric].to_numpy(dtype=float)
            b = base[metric].to_numpy(dtype=float)
            mean = float(np.nanmean(x)) if np.isfinite(x).any() else math.nan
            iv = paired_difference(x, b, confidence)
            rows.append((p, metric, mean, iv.mean, iv.low, iv.high, iv.n))
    out = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    out["replications"] = out["replications"].astype("int64")
    return out


def group_intervals(table: pd.DataFrame, by: list[str], metrics: list[str],
                    confidence: float = 0.95) -> pd.DataFrame:
    """Per group of rows with the same values of `by` (a sweep's settings, every seed of
    them a replication) and per metric: the number of replications with a value, the
    mean, the standard deviation and the Student t-interval of the mean.

    A tidy table: the `by` columns, then metric, replications, mean, sd, ci_low, ci_high;
    groups in the order they first appear, metrics in the order given. A group with one
    replication has no interval (NaN). Rows whose `by` values are missing form a group of
    their own."""
    _check_level(confidence)
    missing = [c for c in [*by, *metrics] if c not in table.columns]
    if missing:
        raise ValueError(f"group_intervals: no column {missing[0]!r}")
    clash = [c for c in by if c in GROUP_COLUMNS]
    if clash:
        raise ValueError(f"group_intervals: cannot group by {clash[0]!r}, a column of the "
                         "result")
    rows = []
    groups = table.groupby(by, sort=False, dropna=False) if by else [((), table)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        for metric in metrics:
            x = pd.to_numeric(part[metric], errors="coerce").to_numpy(dtype=float)
            iv = t_interval(x, confidence)
            finite = x[np.isfinite(x)]
            sd = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
            rows.append((*key, metric, iv.n, iv.mean, sd, iv.low, iv.high))
    out = pd.DataFrame(rows, columns=[*by, *GROUP_COLUMNS])
    out["replications"] = out["replications"].astype("int64")
    return out
