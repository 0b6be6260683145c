"""When inquiries come: Poisson models of the counts per hour of the week, per channel.

The data are the inquiries' local times over the days the export covers. Each local hour
of each day is a cell with a count and an exposure: its real length in hours (1, but 0 for
the hour skipped when clocks go forward and 2 for the hour lived twice when they go back).
With terms that depend only on the hour of the week, the cells of the same hour of the week
can be summed (the Poisson likelihood keeps the same shape up to a constant), leaving 168
counts with their exposures.

A small practice has a few hundred calls a month: 168 free rates per channel would fit
noise, while a large line has closing times that a day-plus-hour model cannot draw (a
Friday that closes at 14:00). So a ladder of Poisson GLMs (statsmodels, log link, log
exposure as offset) is fitted, from few terms to the full interaction:

    day+hour          C(day) + C(hour)                        30 parameters
    weekend:hour      C(day) + C(hour) x weekend              53
    daytype:hour      C(day) + C(hour) x {weekday, sat, sun}  76
    day:hour          C(day) x C(hour)                        168 (a free rate per hour)

and the one with the lowest AIC is kept (AIC = 2 parameters - 2 log-likelihood: each
extra parameter must buy at least one unit of log-likelihood). The choice and every AIC
are reported. The fitted rate of the chosen model, per hour of the week (Monday 00:00
first), is `arrivals.<channel>.per_hour_of_week` (expected inquiries in that hour).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..vocabulary import DAYS

HOURS_PER_WEEK = 168
MODELS = {
    "day+hour": "C(day) + C(hour)",
    "weekend:hour": "C(day) + C(hour) + C(hour):weekend",
    "daytype:hour": "C(day) + C(hour) + C(hour):C(daytype)",
    "day:hour": "C(day):C(hour)",
}


@dataclass
class ArrivalFit:
    """One channel's fitted weekly profile."""

    channel: str
    count: int
    weeks: float  # exposure in weeks
    per_hour_of_week: np.ndarray  # expected inquiries per hour, Monday 00:00 first
    observed_per_hour: np.ndarray  # count / exposure per hour of the week
    model: str
    aic: dict[str, float] = field(default_factory=dict)

    @property
    def per_week(self) -> float:
        return self.count / self.weeks

    def per_week_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Exact Poisson (Garwood) interval of the weekly rate."""
        from scipy.stats import chi2

        a = 1 - level
        lo = chi2.ppf(a / 2, 2 * self.count) / 2 if self.count else 0.0
        hi = chi2.ppf(1 - a / 2, 2 * self.count + 2) / 2
        return lo / self.weeks, hi / self.weeks


def exposure_by_hour(first_day: pd.Timestamp, last_day: pd.Timestamp,
                     zone: str | None) -> np.ndarray:
    """Real hours each hour of the week lasted over the local days first_day..last_day."""
    start = pd.Timestamp(first_day).normalize()
    end = pd.Timestamp(last_day).normalize() + pd.Timedelta(days=1)
    grid = pd.date_range(start, end, freq="h")  # local hour labels, and the end
    if zone is None:
        lengths = np.ones(len(grid) - 1)
    else:
        aware = grid.tz_localize(zone, ambiguous=np.ones(len(grid), dtype=bool),
                                 nonexistent="shift_forward")
        secs = aware.tz_convert("UTC").as_unit("ns").asi8 / 1e9
        lengths = np.diff(secs) / 3600.0
    how = grid[:-1].day_of_week.to_numpy() * 24 + grid[:-1].hour.to_numpy()
    return np.bincount(how, weights=lengths, minlength=HOURS_PER_WEEK)


def counts_by_hour(local_times) -> np.ndarray:
    t = pd.DatetimeIndex(local_times)
    how = t.day_of_week.to_numpy() * 24 + t.hour.to_numpy()
    return np.bincount(how, minlength=HOURS_PER_WEEK).astype(float)


def _design() -> pd.DataFrame:
    how = np.arange(HOURS_PER_WEEK)
    day = how // 24
    return pd.DataFrame({
        "day": [DAYS[d] for d in day],
        "hour": how % 24,
        "weekend": (day >= 5).astype(float),
        "daytype": np.where(day == 5, "sat", np.where(day == 6, "sun", "weekday")),
    })


def fit_channel(channel: str, local_times, exposure: np.ndarray,
                models: dict[str, str] | None = None) -> ArrivalFit:
    """Fit the ladder of Poisson models to one channel's inquiries; keep the lowest AIC."""
    from patsy import dmatrix

    counts = counts_by_hour(local_times)
    seen = exposure > 0
    data = _design()
    observed = np.divide(counts, exposure, out=np.zeros(HOURS_PER_WEEK), where=seen)
    fits: dict[str, tuple[float, np.ndarray]] = {}
    for name, formula in (models or MODELS).items():
        X = np.asarray(dmatrix(formula, data, return_type="dataframe"))
        fitted = _poisson_glm(X[seen], counts[seen], np.log(exposure[seen]))
        if fitted is None:
            continue
        params, llf, k = fitted
        rate = np.exp(np.clip(X @ params, -50, 50))
        fits[name] = (-2 * llf + 2 * k, rate)
    if not fits:  # no model could be fitted (a single inquiry): the flat rate
        rate = np.full(HOURS_PER_WEEK, counts.sum() / max(exposure.sum(), 1e-9))
        fits["flat"] = (math.nan, rate)
    best = min(fits, key=lambda n: fits[n][0] if math.isfinite(fits[n][0]) else math.inf)
    return ArrivalFit(channel, int(counts.sum()), float(exposure.sum()) / HOURS_PER_WEEK,
                      fits[best][1], observed, best, {n: a for n, (a, _) in fits.items()})


def _poisson_glm(X, y, offset):
    """Parameters, log-likelihood and parameter count of a Poisson GLM; columns that the
    data cannot inform (all zero, or duplicating others) are dropped first."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    keep = _independent_columns(X)
    Xk = X[:, keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = GLM(y, Xk, family=families.Poisson(), offset=offset).fit(maxiter=100)
        except Exception:  # a singular or degenerate design
            return None
    params = np.zeros(X.shape[1])
    params[keep] = res.params
    # cells with no inquiries at all in a free-rate model drive a coefficient to -infinity:
    # the log-likelihood is still right (their rate tends to 0)
    if not np.isfinite(res.llf):
        return None
    return params, float(res.llf), int(len(keep))


def _independent_columns(X: np.ndarray) -> list[int]:
    """Indices of a largest set of linearly independent columns of X (pivoted QR)."""
    from scipy.linalg import qr

    nonzero = np.flatnonzero(np.any(X != 0, axis=0))
    if not len(nonzero):
        return []
    _, r, piv = qr(X[:, nonzero], mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > diag.max() * 1e-10 * max(X.shape)))
    return sorted(nonzero[piv[:rank]].tolist())


def profile_by_day(rate: np.ndarray) -> dict[str, list[float]]:
    """A 168-vector as a config WeekProfile's days (24 values each)."""
    return {d: [float(v) for v in rate[i * 24 : (i + 1) * 24]] for i, d in enumerate(DAYS)}
