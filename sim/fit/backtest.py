"""Back-test: does the fitted practice, simulated, reproduce its own records?

The fitted practice goes into the focal slot of leadsim's default market for as many days
as the records cover, and is run in replications with seeds seed, seed + 1, ... (common
random numbers: every candidate setting meets the same prospects). Each run is measured
with the same functions as the records (sim/fit/synthetic.py then sim/fit/service.py).

Three steps:
1. Volume. The market's prospects are set from the practice's inquiries a month
   (sim/volume.py). The share of the market's prospects on each channel that end up as an
   inquiry at this practice (`inquiry_share`) is measured in the runs and put back, twice,
   so the simulated practice receives its observed volume (competitors who book a prospect
   before they write to it, referrals and its reputation during the run all count).
2. Calibration. What the records cannot show directly is found by simulation, one setting
   at a time, each on a grid (coordinate search, as experiments/fit_profiles.py fits
   prospect profiles by simulation): `patient_share` (how much of the desk's time goes to
   patients, which decides how often a ringing phone finds nobody free) against the phone
   figures, then `policy.first_response_delay_minutes` and `policy.discipline` against the
   first responses per channel. The loss is the sum of squared gaps between simulated mean
   and observed figure, each in units of the observed figure's standard error (log scale
   for response times).
3. The table. `backtest.csv`: metric, observed, simulated_mean, simulated_low,
   simulated_high, within. simulated_low/high is the 95% prediction interval of one
   period's figure (mean +- t sd sqrt(1 + 1/R) over the R replications), so `within` says
   whether a simulated period like the records' could show what the records show.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Config, Discipline, PracticeConfig
from . import service, synthetic
from .estimate import Fit

FOCAL = "alpha"
START = pd.Timestamp("2024-01-01")  # a Monday: the simulated records' first day
PATIENT_SHARES = (0.0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9)
DELAYS = (0.0, 5.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0, 720.0, 1440.0)


_MARKETS: dict[tuple, Config] = {}


def market_with(practice: PracticeConfig, days: int, overrides: list[str] | None = None
                ) -> Config:
    """The default market (with `overrides`) with this practice in the focal slot."""
    import sim

    key = (days, *(overrides or []))
    if key not in _MARKETS:
        _MARKETS[key] = sim.load_config([f"market.days={days}", *(overrides or [])])
    cfg = copy.deepcopy(_MARKETS[key])
    cfg.practices[FOCAL] = copy.deepcopy(practice)
    return cfg


def replicate(cfg: Config, seeds: list[int], measure: Callable, n_jobs: int = 1) -> list:
    """measure(RunResult) for one run per seed (the hook for sim.replicate)."""
    if n_jobs != 1 and len(seeds) > 1:
        from joblib import Parallel, delayed

        return Parallel(n_jobs=n_jobs)(delayed(_one)(cfg, s, measure) for s in seeds)
    return [_one(cfg, s, measure) for s in seeds]


def _one(cfg: Config, seed: int, measure: Callable):
    import sim

    logging.getLogger("MESA").setLevel(logging.WARNING)
    run_cfg = copy.deepcopy(cfg)
    run_cfg.seed = seed
    return measure(sim.run(run_cfg))


@dataclass
class Measure:
    """What one run says, in the records' terms."""

    days: float
    channels: list[str]  # the inquiry export's channels (first responses, bookings)
    has_calls: bool

    def __call__(self, result) -> dict:
        m: dict[str, float] = {}
        if self.has_calls:
            calls = synthetic.calls_table(result, FOCAL, START)
            for k, v in service.phone_service(calls, self.days).items():
                m[f"phone.{k}"] = v
        if self.channels:
            leads = synthetic.leads_table(result, FOCAL, START, channels=self.channels)
            for c, values in service.lead_service(leads, self.days).items():
                for k, v in values.items():
                    m[f"leads.{c}.{k}"] = v
            b = service.bookings(leads)
            if b is not None:
                m["leads.booked_share"] = b.value
        inq = result.inquiries
        mine = inq[inq["practice"] == FOCAL]["channel"].value_counts()
        pro = result.prospects
        organic = pro[pro["source"] == "organic"]["channel"].value_counts()
        for c in organic.index:
            m[f"volume.{c}.inquiries"] = float(mine.get(c, 0))
            m[f"volume.{c}.prospects"] = float(organic[c])
        return m


# (metric key, label, log scale in the loss)
PHONE_TARGETS = [("phone.abandoned_share", "abandoned share", False),
                 ("phone.answered_within_20s_share", "answered within 20 s", False),
                 ("phone.hold_minutes.mean", "mean hold (min)", False)]


def lead_targets(channels: list[str]) -> list[tuple[str, str, bool]]:
    out = []
    for c in channels:
        out.append((f"leads.{c}.first_response_median_minutes",
                    f"{c}: median first response (min)", True))
        out.append((f"leads.{c}.never_answered_share", f"{c}: share never answered", False))
    return out


@dataclass
class Backtest:
    table: pd.DataFrame
    practice: PracticeConfig
    calibration: dict = field(default_factory=dict)
    trace: list[dict] = field(default_factory=list)  # every candidate tried, with its loss
    runs: int = 0
    notes: list[str] = field(default_factory=list)


def _observed(fit: Fit) -> dict[str, tuple[float, float]]:
    """Observed figure and its standard error, by metric key."""
    k = fit.keys()
    out = {}
    for key in [t[0] for t in PHONE_TARGETS] + [t[0] for t in lead_targets(_channels(fit))] \
            + ["phone.calls_per_week", "leads.booked_share"]:
        v = k.get(key)
        if v is None:
            continue
        lo, hi = k.get(f"{key}.low"), k.get(f"{key}.high")
        se = (hi - lo) / (2 * 1.96) if lo is not None and hi is not None else math.nan
        out[key] = (float(v), se)
    if "phone.calls_per_week" in out:
        n = k["phone.calls"]
        out["phone.calls_per_week"] = (out["phone.calls_per_week"][0],
                                       math.sqrt(max(n, 1)) / fit.calls.span_days * 7)
    for c in _channels(fit):
        key = f"leads.{c}.per_week"
        if key in k:
            n = k[f"leads.{c}.inquiries"]
            out[key] = (k[key], math.sqrt(max(n, 1)) / fit.leads.span_days * 7)
    return out


def _channels(fit: Fit) -> list[str]:
    return sorted(fit.lead_service) if fit.leads is not None else []


def _mean(results: list[dict], key: str) -> float:
    vals = [r.get(key) for r in results]
    vals = [v for v in vals if v is not None and math.isfinite(v)]
    return float(np.mean(vals)) if vals else math.nan


def _loss(results: list[dict], observed: dict, targets) -> float:
    total = 0.0
    for key, _, log in targets:
        if key not in observed:
            continue
        obs, se = observed[key]
        sim_v = _mean(results, key)
        if not math.isfinite(obs) or not math.isfinite(sim_v):
            total += 25.0 if math.isfinite(obs) != math.isfinite(sim_v) else 0.0
            continue
        if log:
            gap = (math.log1p(sim_v) - math.log1p(obs)) / 0.15
        else:
            floor = 0.01 if "share" in key else 0.05
            gap = (sim_v - obs) / max(se if math.isfinite(se) else 0.0, floor)
        total += gap * gap
    return total


def _share_update(practice: PracticeConfig, results: list[dict]) -> dict[str, float]:
    shares = {}
    for c, target in practice.inquiries_per_month.items():
        inq = sum(r.get(f"volume.{c}.inquiries", 0.0) for r in results)
        pros = sum(r.get(f"volume.{c}.prospects", 0.0) for r in results)
        if target > 0 and inq > 0 and pros > 0:
            shares[c] = round(min(1.0, inq / pros), 6)
    return shares


def run_backtest(fit: Fit, practice: PracticeConfig, replications: int = 10, seed: int = 0,
                 calibrate: bool = True, calibration_replications: int = 3,
                 overrides: list[str] | None = None, n_jobs: int = 1,
                 progress: Callable[[str], None] | None = None) -> Backtest:
    """Steps 1-3 of the module docstring."""
    days = int(max(7, min(round(fit.days / 7) * 7 or 7, 364)))
    practice = copy.deepcopy(practice)
    channels = _channels(fit)
    measure = Measure(float(days), channels, fit.calls is not None)
    observed = _observed(fit)
    bt = Backtest(pd.DataFrame(), practice)
    cal_seeds = list(range(seed, seed + calibration_replications))
    say = progress or (lambda _msg: None)

    def runs(p: PracticeConfig, seeds: list[int]) -> list[dict]:
        bt.runs += len(seeds)
        return replicate(market_with(p, days, overrides), seeds, measure, n_jobs)

    def volume(p: PracticeConfig, rounds: int) -> None:
        for _ in range(rounds):
            results = runs(p, cal_seeds)
            p.inquiry_share.update(_share_update(p, results))

    say("volume: the market's prospects for the practice's inquiries a month")
    volume(practice, 2)
    phone_t = PHONE_TARGETS if fit.calls is not None else []
    lead_t = lead_targets(channels)
    if calibrate:
        if phone_t:
            say("calibrating patient_share against the phone figures")
            _search(bt, practice, "patient_share", PATIENT_SHARES, phone_t, observed, runs,
                    cal_seeds)
        if lead_t and any(observed.get(t[0]) for t in lead_t):
            say("calibrating first_response_delay_minutes and the discipline")
            _search(bt, practice, "policy.first_response_delay_minutes", DELAYS, lead_t,
                    observed, runs, cal_seeds)
            _search(bt, practice, "policy.discipline", list(Discipline), phone_t + lead_t,
                    observed, runs, cal_seeds)
        volume(practice, 1)
    bt.calibration = {"patient_share": practice.patient_share,
                      "first_response_delay_minutes":
                          practice.policy.first_response_delay_minutes,
                      "discipline": str(getattr(practice.policy.discipline, "value",
                                                practice.policy.discipline)),
                      "inquiry_share": dict(practice.inquiry_share)}
    say(f"back-test: {replications} replications of {days} days")
    final = runs(practice, list(range(seed, seed + replications)))
    bt.table = backtest_table(final, observed, fit, channels)
    bt.practice = practice
    return bt


def _get(p: PracticeConfig, name: str):
    obj = p
    for part in name.split(".")[:-1]:
        obj = getattr(obj, part)
    return obj, name.split(".")[-1]


def _search(bt: Backtest, practice, name, grid, targets, observed, runs, seeds) -> None:
    """Try each value of `name` on the grid; keep the one with the lowest loss."""
    obj, attr = _get(practice, name)
    best, best_loss = getattr(obj, attr), math.inf
    for value in grid:
        setattr(obj, attr, value)
        loss = _loss(runs(practice, seeds), observed, targets)
        bt.trace.append({"setting": name, "value": str(getattr(value, "value", value)),
                         "loss": loss})
        if loss < best_loss - 1e-9:
            best, best_loss = value, loss
    setattr(obj, attr, best)


def backtest_table(results: list[dict], observed: dict, fit: Fit, channels: list[str]
                   ) -> pd.DataFrame:
    from scipy.stats import t as student

    rows = []
    keys = []
    if fit.calls is not None:
        keys += [("phone.calls_per_week", "calls per week")] + [(k, lab) for k, lab, _ in
                                                                 PHONE_TARGETS]
    for c in channels:
        keys.append((f"leads.{c}.per_week", f"{c}: inquiries per week"))
        keys += [(k, lab) for k, lab, _ in lead_targets([c])]
    if "leads.booked_share" in observed:
        keys.append(("leads.booked_share", "bookings per inquiry"))
    r = len(results)
    q = float(student.ppf(0.975, r - 1)) if r > 1 else math.nan
    for key, label in keys:
        if key not in observed:
            continue
        obs = observed[key][0]
        vals = np.array([x.get(key) if x.get(key) is not None else np.nan for x in results],
                        dtype=float)
        vals = vals[np.isfinite(vals)]
        mean = float(vals.mean()) if len(vals) else math.nan
        sd = float(vals.std(ddof=1)) if len(vals) > 1 else math.nan
        half = q * sd * math.sqrt(1 + 1 / len(vals)) if len(vals) > 1 else math.nan
        lo, hi = mean - half, mean + half
        if "share" in key:
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        elif math.isfinite(lo):
            lo = max(lo, 0.0)
        within = bool(math.isfinite(obs) and math.isfinite(lo) and lo <= obs <= hi)
        rows.append({"metric": key, "label": label, "observed": obs, "simulated_mean": mean,
                     "simulated_low": lo, "simulated_high": hi, "within": within,
                     "replications": len(vals)})
    return pd.DataFrame(rows, columns=["metric", "label", "observed", "simulated_mean",
                                       "simulated_low", "simulated_high", "within",
                                       "replications"])


# Why a figure can stay off after calibration: what of the model is not fitted to it.
WHY_OFF = {
    "calls_per_week": "the market's prospects are set from your calls a month; a gap means "
                      "the practice's reputation moves during the run (reviews, word of "
                      "mouth) and with it the share of prospects who call",
    "abandoned_share": "one patient_share for the whole week, a roster read from answered "
                       "calls (lunch breaks and short absences are not seen) and exponential "
                       "patience cannot carry every hour's queue",
    "answered_within_20s_share": "as for abandonment: leadsim's desk takes a call only when "
                                 "the person is free of patients, at every hour alike",
    "hold_minutes.mean": "the roster's windows and one patient_share for the week set how "
                         "long callers wait",
    "first_response_median_minutes": "one first_response_delay_minutes for every channel "
                                     "and the shift windows decide response times in "
                                     "leadsim; a practice that answers some channels "
                                     "faster than others is not drawn",
    "never_answered_share": "leadsim answers every inquiry on a channel it monitors while "
                            "attempts remain; inquiries a real practice never gets to "
                            "(overlooked, spam) are not modelled",
    "per_week": "the market's volume on this channel follows your export; a gap comes from "
                "reputation moving during the run",
    "booked_share": "bookings follow the prospect profile's readiness curves (CALIBRATION.md, "
                    "the `aesthetic` profile) and the default competitors, not your own "
                    "bookings: those are not fitted",
}


def why(metric: str) -> str:
    for suffix, text in WHY_OFF.items():
        if metric.endswith(suffix):
            return text
    return ""
