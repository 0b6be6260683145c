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

Shares (a booking rate, a utilisation) live in [0, 1], and near 0 or 1 the t-interval of
their mean can leave it (a ci_low of -0.02 for a booking rate). `share_interval` takes
the Student t-interval on the log-odds scale instead, z_r = log(p_r / (1 - p_r)):

    expit(mean(z) +- t_{R-1, (1 + level) / 2} * sd(z) / sqrt(R)),   expit(z) = 1 / (1 + e^-z)

which always lies inside (0, 1). Where a replication's share is exactly 0 or 1 the
log-odds is infinite; when the count it is a share of (n_r inquiries) is known the
empirical log-odds log((k_r + 1/2) / (n_r - k_r + 1/2)) is used for every replication
(Cox 1970), and without a count the plain t-interval is clipped to [0, 1]. The mean
reported is still the plain mean of the shares.

A ratio of two rates measured on the same replications (booking rates at two delays of
the first response) is treated the same way on the log scale: `paired_ratio` takes the
t-interval of the per-replication log ratios, log(k_a,r / n_a,r) - log(k_b,r / n_b,r),
and exponentiates it (for odds, log(k / (n - k)) in place of log(k / n)).

The input everywhere is a tidy table of replications: one row per (plan, replication),
a `plan` column, a `replication` column, and one column per metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Interval", "Ratio", "compare_plans", "verdict", "wilson_interval",
            "group_intervals", "paired_difference",
           "paired_ratio", "share_interval", "t_interval", "unpaired_difference",
           "COMPARISON_COLUMNS", "GROUP_COLUMNS", "T", "LOGIT_T", "EMPIRICAL_LOGIT_T", "CLIPPED_T"]

COMPARISON_COLUMNS = ["plan", "metric", "mean", "diff_vs_baseline", "ci_low", "ci_high",
                      "replications"]
# after the grouping columns
GROUP_COLUMNS = ["metric", "replications", "mean", "sd", "ci_low", "ci_high", "interval"]
# how an interval was made (the `interval` column of group_intervals)
T = "t"
LOGIT_T = "t on log-odds"
EMPIRICAL_LOGIT_T = "t on empirical log-odds"
CLIPPED_T = "t, clipped to [0, 1]"


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
        return verdict(self.low, self.high) != UNCLEAR

    @property
    def verdict(self) -> str:
        return verdict(self.low, self.high)


# What an interval of a difference (a plan against the baseline) says: the whole interval
# above zero, below zero, or zero inside it (or no interval). For the net gain a month,
# BETTER is "pays for itself" (sim/analysis/report.py).
BETTER, WORSE, UNCLEAR = "better", "worse", "unclear"


def verdict(low: float, high: float) -> str:
    """BETTER when the interval [low, high] of a difference lies above zero, WORSE when it
    lies below, else UNCLEAR (zero inside it, or NaN)."""
    if low > 0:
        return BETTER
    if high < 0:
        return WORSE
    return UNCLEAR


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


def share_interval(values, confidence: float = 0.95, counts=None) -> tuple[Interval, str]:
    """Interval for the mean of shares (values in [0, 1]) that stays inside [0, 1]: the
    Student t-interval of the log-odds, mapped back (module docstring), and the name of
    the method used. `counts`: per value, the number it is a share of (NaN where not
    known); used only when a share is exactly 0 or 1. The Interval's mean is the plain
    mean of the shares."""
    level = _check_level(confidence)
    x = np.asarray(values, dtype=float)
    n_of = (np.full(x.shape, np.nan) if counts is None
            else np.asarray(counts, dtype=float).reshape(x.shape))
    keep = np.isfinite(x)
    x, n_of = x[keep], n_of[keep]
    if x.size < 2:
        return Interval(float(x[0]) if x.size else math.nan, math.nan, math.nan,
                        int(x.size)), T
    if np.any((x < 0) | (x > 1)):
        raise ValueError(f"share_interval: values outside [0, 1]: {x[(x < 0) | (x > 1)][:3]}")
    mean = float(x.mean())
    edge = (x == 0) | (x == 1)
    if not edge.any():
        z, method = np.log(x / (1 - x)), LOGIT_T
    elif np.all(np.isfinite(n_of) & (n_of > 0)):
        k = np.round(x * n_of)
        z, method = np.log((k + 0.5) / (n_of - k + 0.5)), EMPIRICAL_LOGIT_T
    else:
        iv = t_interval(x, level)
        return Interval(mean, max(0.0, iv.low), min(1.0, iv.high), iv.n), CLIPPED_T
    iv = t_interval(z, level)
    return Interval(mean, float(_expit(iv.low)), float(_expit(iv.high)), iv.n), method


def _expit(z: float) -> float:
    return float(stats.logistic.cdf(z))


@dataclass(frozen=True)
class Ratio:
    """A ratio of two pooled rates (or odds), two plans' or two delays', and its interval
    from `replications` paired replications (NaN with fewer than two)."""

    value: float
    low: float
    high: float
    replications: int


def paired_ratio(ka, na, kb, nb, kind: str = "rate", confidence: float = 0.95) -> Ratio:
    """The ratio of pooled rates (or odds) of k events in n trials, a over b, one entry per
    replication, and its interval: the Student t-interval of the per-replication log
    ratios, exponentiated (a and b of a replication share their random numbers). Half
    a count is added to every count when one is 0 (or, for odds, equals its n), so that
    each log ratio is finite."""
    ka, na, kb, nb = (np.asarray(v, dtype=float) for v in (ka, na, kb, nb))
    if kind not in ("rate", "odds"):
        raise ValueError(f"paired_ratio: kind {kind!r} (allowed: 'rate', 'odds')")
    pa, pb = ka.sum() / na.sum(), kb.sum() / nb.sum()

    def odds(p):
        return p / (1 - p)

    if kind == "odds":
        value = (odds(pa) / odds(pb) if 0 < pb < 1 and 0 < pa < 1 else
                 math.inf if pb == 0 and 0 < pa < 1 else math.nan)
    else:
        value = pa / pb if pb > 0 else (math.inf if pa > 0 else math.nan)
    if ka.size < 2:
        return Ratio(float(value), math.nan, math.nan, int(ka.size))
    edge = (ka == 0) | (kb == 0)
    if kind == "odds":
        edge |= (ka == na) | (kb == nb)
    c = 0.5 if edge.any() else 0.0
    if kind == "odds":
        logs = np.log((ka + c) / (na - ka + c)) - np.log((kb + c) / (nb - kb + c))
    else:
        logs = np.log((ka + c) / (na + c)) - np.log((kb + c) / (nb + c))
    iv = t_interval(logs, confidence)
    return Ratio(float(value), math.exp(iv.low), math.exp(iv.high), int(ka.size))


def wilson_interval(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of k successes in n trials (arrays or numbers): the p that
    the two-sided score test does not reject. NaN where n is 0."""
    z = float(stats.norm.ppf(0.5 + _check_level(confidence) / 2.0))
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    # (rounding can leave 1.0 just outside [low, high] when k = n)
    return np.clip(np.fmin(centre - half, p), 0, 1), np.clip(np.fmax(centre + half, p), 0, 1)


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
                    confidence: float = 0.95,
                    shares: dict[str, str | None] | None = None) -> pd.DataFrame:
    """Per group of rows with the same values of `by` (a sweep's settings, every seed of
    them a replication) and per metric: the number of replications with a value, the
    mean, the standard deviation and the interval of the mean: the Student t-interval, or
    for a metric of `shares` (a share, mapped to the column of the count it is a share
    of, or None) `share_interval`, inside [0, 1]. The `interval` column names the method.

    A tidy table: the `by` columns, then metric, replications, mean, sd, ci_low, ci_high,
    interval; groups in the order they first appear, metrics in the order given. A group
    with one replication has no interval (NaN). Rows whose `by` values are missing form a
    group of their own."""
    _check_level(confidence)
    shares = dict(shares or {})
    missing = [c for c in [*by, *metrics, *(v for v in shares.values() if v)]
               if c not in table.columns]
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
            if metric in shares:
                count = shares[metric]
                n = (pd.to_numeric(part[count], errors="coerce").to_numpy(dtype=float)
                     if count else None)
                iv, method = share_interval(x, confidence, n)
            else:
                iv, method = t_interval(x, confidence), T
            finite = x[np.isfinite(x)]
            sd = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
            rows.append((*key, metric, iv.n, iv.mean, sd, iv.low, iv.high, method))
    out = pd.DataFrame(rows, columns=[*by, *GROUP_COLUMNS])
    out["replications"] = out["replications"].astype("int64")
    return out
