"""The phone line from a call log: talk time, callers' patience on hold, voicemail.

Talk time. The conversations of answered calls (talk_seconds > 0) are fitted by maximum
likelihood as exponential (mean m: the sample mean) and as lognormal (mu, sigma: the mean
and standard deviation of log talk time); the one with the lower AIC is kept and becomes
the practice's `handling.call_distribution`. `phone.talk_minutes.mean` is the sample
mean, with a t-interval: it estimates the mean under either model.

Patience. A caller on hold hangs up when their patience runs out, unless someone answers
first. The hold of a caller who hung up is their patience (an event); the hold of one
who was answered says only that their patience was longer (right-censored). Averaging the
holds of those who hung up is biased low: the patient ones are answered before they
would have gone. With leadsim's exponential patience the censored maximum-likelihood
estimate has a closed form,

    mean patience = (sum of every hold, answered or not) / (number who hung up)

with the exact interval 2 T / chi2(2 d) for total hold T and d hang-ups. Beside it the
Kaplan-Meier curve of patience (statsmodels' SurvfuncRight) is drawn with its median
where the data reach it, so a reader can see whether an exponential fits. Voicemails left
after a wait count as hang-ups (leadsim's meaning: the caller gave up and left a
message) unless the mapping says `voicemail_in_patience: censored` (a system that sends a
caller still waiting to voicemail after so many rings) or `ignore`.

Voicemail share: of the callers nobody answered (abandoned, voicemail, missed), the share
who left a voicemail: leadsim's `voicemail_share`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Estimate:
    value: float
    low: float = math.nan
    high: float = math.nan

    def keys(self, prefix: str) -> dict[str, float]:
        return {prefix: self.value, f"{prefix}.low": self.low, f"{prefix}.high": self.high}


def t_interval(x: np.ndarray, level: float = 0.95) -> Estimate:
    """The mean with its t-interval (sim.analysis.stats, the one place for intervals)."""
    from ..analysis.stats import t_interval as interval

    iv = interval(x, level)
    return Estimate(iv.mean, iv.low, iv.high)


def wilson(k: int, n: int, level: float = 0.95) -> Estimate:
    """A share with its Wilson score interval (sim.analysis.stats.wilson_interval)."""
    from ..analysis.stats import wilson_interval

    if n == 0:
        return Estimate(math.nan)
    low, high = wilson_interval(k, n, level)
    return Estimate(k / n, float(low), float(high))


@dataclass
class TalkFit:
    n: int
    mean: Estimate  # minutes
    distribution: str  # exponential or lognormal
    sigma: float  # lognormal: sd of log talk time
    mu: float  # lognormal: mean of log talk time (log minutes)
    aic_exponential: float
    aic_lognormal: float
    minutes: np.ndarray  # the data, for the figure


def fit_talk(talk_seconds: np.ndarray) -> TalkFit | None:
    x = np.asarray(talk_seconds, dtype=float) / 60.0
    x = x[np.isfinite(x) & (x > 0)]
    n = len(x)
    if n < 2:
        return None
    m = float(x.mean())
    ll_exp = -n * math.log(m) - n
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std(ddof=0))
    if sigma > 0:
        ll_ln = float(np.sum(-logs - math.log(sigma) - 0.5 * math.log(2 * math.pi)
                             - (logs - mu) ** 2 / (2 * sigma**2)))
    else:
        ll_ln = math.inf
    aic_e, aic_l = 2 - 2 * ll_exp, 4 - 2 * ll_ln
    dist = "lognormal" if aic_l < aic_e else "exponential"
    return TalkFit(n, t_interval(x), dist, sigma if sigma > 0 else 1.0, mu, aic_e, aic_l, x)


@dataclass
class PatienceFit:
    events: int  # callers who hung up (hold > 0)
    censored: int  # answered callers (their hold is a lower bound of their patience)
    total_hold_minutes: float
    mean: Estimate  # minutes, exponential censored MLE
    km_median: float  # minutes, Kaplan-Meier (NaN if the curve stays above one half)
    km_times: np.ndarray
    km_survival: np.ndarray
    naive_mean_abandoned: float  # the biased mean hold of those who hung up (for the report)


def patience_data(calls: pd.DataFrame, voicemail_rule: str = "event"):
    """Holds (minutes) and event flags (1 = hung up) for the patience fit."""
    hold = calls["hold_seconds"].to_numpy(dtype=float) / 60.0
    out = calls["outcome"].to_numpy(dtype=object)
    ok = np.isfinite(hold)
    event = ok & (out == "abandoned")
    censored = ok & (out == "answered")
    vm = ok & (out == "voicemail") & (hold > 0)
    if voicemail_rule == "event":
        event |= vm
    elif voicemail_rule == "censored":
        censored |= vm
    use = event | censored
    return hold[use], event[use].astype(int)


def fit_patience(hold_minutes: np.ndarray, event: np.ndarray,
                 level: float = 0.95) -> PatienceFit | None:
    from scipy.stats import chi2
    from statsmodels.duration.survfunc import SurvfuncRight

    d = int(event.sum())
    if d == 0 or len(hold_minutes) < 2:
        return None
    total = float(hold_minutes.sum())
    mean = total / d
    a = 1 - level
    low = 2 * total / chi2.ppf(1 - a / 2, 2 * d)
    high = 2 * total / chi2.ppf(a / 2, 2 * d)
    sf = SurvfuncRight(hold_minutes, event)
    try:
        median = float(sf.quantile(0.5))
    except Exception:
        median = math.nan
    naive = float(hold_minutes[event == 1].mean())
    return PatienceFit(d, int(len(event) - d), total, Estimate(mean, low, high),
                       median if math.isfinite(median) else math.nan,
                       np.asarray(sf.surv_times), np.asarray(sf.surv_prob), naive)


def voicemail_share(calls: pd.DataFrame) -> tuple[Estimate, int]:
    out = calls["outcome"].to_numpy(dtype=object)
    unanswered = int(np.isin(out, ("abandoned", "voicemail", "missed")).sum())
    return wilson(int((out == "voicemail").sum()), unanswered), unanswered
