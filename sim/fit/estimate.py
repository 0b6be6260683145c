"""Every estimate of a fit, from the two exports read through the mapping.

`fit_records` reads the call log and/or the inquiry export, and estimates: the inquiries
per channel by hour of the week (sim/fit/arrivals.py), the phone line (talk time, patience,
voicemail: sim/fit/phone.py), the roster (sim/fit/roster.py) and today's service
(sim/fit/service.py). `Fit.keys()` is fit.json: flat keys, documented in
docs/reference/fit-json.md.

Where each channel's arrivals come from: phone from the call log when there is one (every
call to the line is a phone inquiry in leadsim: the line must carry them all), otherwise
from the inquiry export's phone rows; every other channel from the inquiry export.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import CHANNELS
from . import arrivals as arr
from . import phone, roster, service
from .mapping import FitError, Mapping
from .readers import Table, read_table

DAYS_PER_MONTH = 365.25 / 12
MIN_DAYS = 7


@dataclass
class Fit:
    """What the records say, before any simulation."""

    mapping: Mapping
    calls: Table | None
    leads: Table | None
    zone: str | None
    arrivals: dict[str, arr.ArrivalFit] = field(default_factory=dict)
    arrival_days: dict[str, float] = field(default_factory=dict)
    talk: phone.TalkFit | None = None
    patience: phone.PatienceFit | None = None
    voicemail: phone.Estimate | None = None
    shifts: list[roster.Shift] = field(default_factory=list)
    phone_service: dict = field(default_factory=dict)
    lead_service: dict = field(default_factory=dict)
    bookings: phone.Estimate | None = None
    value_mean: float = math.nan

    @property
    def days(self) -> float:
        """Days the records cover (the longer of the two exports)."""
        return max([t.span_days for t in (self.calls, self.leads) if t is not None] or [0])

    def monitored(self) -> list[str]:
        """Channels the practice answers: phone when it has a line, and every channel of
        the inquiry export with at least one first response."""
        out = []
        if self.calls is not None and len(self.calls.frame):
            out.append("phone")
        if self.leads is not None:
            f = self.leads.frame
            for c in CHANNELS:
                rows = f[f["channel"] == c]
                answered = ("first_response_at_utc" not in f
                            or rows["first_response_at_utc"].notna().any())
                if len(rows) and answered and c not in out:
                    out.append(c)
        return [c for c in CHANNELS if c in out]

    def per_month(self) -> dict[str, float]:
        return {c: a.count / self.arrival_days[c] * DAYS_PER_MONTH
                for c, a in self.arrivals.items()}

    def keys(self) -> dict:
        """The flat keys of fit.json (docs/reference/fit-json.md)."""
        k: dict = {"fit.timezone": self.zone, "fit.columns": self.mapping.source}
        total = {"read": 0, "skipped": 0, "duplicates": 0, "filtered": 0, "dropped": 0}
        for kind, t in (("calls", self.calls), ("leads", self.leads)):
            if t is None:
                continue
            k[f"fit.{kind}_file"] = t.path
            for name in total:
                value = {"read": t.rows_read, "skipped": t.skipped, "duplicates": t.duplicates,
                         "filtered": t.filtered, "dropped": t.dropped}[name]
                k[f"rows.{kind}.{name}"] = value
                total[name] += value
            k[f"rows.{kind}.kept"] = len(t.frame)
            for cause, lines in sorted(t.problems.items()):
                k[f"rows.{kind}.skipped.{cause}"] = len(lines)
                k[f"rows.{kind}.skipped_lines.{cause}"] = lines[:200]
                k[f"rows.{kind}.skipped_column.{cause}"] = t.problem_columns.get(cause, "")
            for name, values in t.unknown_values.items():
                k[f"rows.{kind}.unknown_values.{name}"] = dict(values.most_common(20))
            col = "started_at" if kind == "calls" else "created_at"
            if len(t.frame):
                k[f"span.{kind}.first"] = str(t.frame[col].min())
                k[f"span.{kind}.last"] = str(t.frame[col].max())
            k[f"span.{kind}.days"] = t.span_days
        for name, value in total.items():
            k[f"rows.{name}"] = value
        for c, a in self.arrivals.items():
            p = f"arrivals.{c}"
            lo, hi = a.per_week_interval()
            k.update({f"{p}.count": a.count, f"{p}.days": self.arrival_days[c],
                      f"{p}.per_week": a.per_week, f"{p}.per_week.low": lo,
                      f"{p}.per_week.high": hi,
                      f"{p}.per_month": a.count / self.arrival_days[c] * DAYS_PER_MONTH,
                      f"{p}.model": a.model})
            for m, aic in a.aic.items():
                k[f"{p}.aic.{m}"] = aic
            k[f"{p}.per_hour_of_week"] = [round(float(v), 6) for v in a.per_hour_of_week]
        for key, value in self.phone_service.items():
            k[f"phone.{key}"] = value
        if self.talk is not None:
            t = self.talk
            k.update(t.mean.keys("phone.talk_minutes.mean"))
            k.update({"phone.talk_minutes.n": t.n, "phone.talk_minutes.distribution":
                      t.distribution, "phone.talk_minutes.sigma": t.sigma,
                      "phone.talk_minutes.mu": t.mu,
                      "phone.talk_minutes.aic_exponential": t.aic_exponential,
                      "phone.talk_minutes.aic_lognormal": t.aic_lognormal})
        if self.patience is not None:
            p = self.patience
            k.update(p.mean.keys("phone.patience_minutes.mean"))
            k.update({"phone.patience_minutes.median_km": p.km_median,
                      "phone.patience_minutes.hung_up": p.events,
                      "phone.patience_minutes.censored": p.censored,
                      "phone.patience_minutes.naive_mean_of_hang_ups": p.naive_mean_abandoned})
        if self.voicemail is not None:
            k.update(self.voicemail.keys("phone.voicemail_share"))
        if self.shifts:
            k["roster.lines"] = len(self.shifts)
            k["roster.hours_per_week"] = roster.total_hours(self.shifts)
            for d, h in roster.hours_by_weekday(self.shifts).items():
                k[f"roster.hours.{d}"] = h
        for c, m in self.lead_service.items():
            for key, value in m.items():
                k[f"leads.{c}.{key}"] = value
        if self.bookings is not None:
            k.update(self.bookings.keys("leads.booked_share"))
        if math.isfinite(self.value_mean):
            k["leads.value.mean"] = self.value_mean
        return {key: _plain(v) for key, v in k.items()}


def _plain(v):
    if isinstance(v, np.integer | np.bool_):
        return v.item()
    if isinstance(v, float | np.floating):
        v = float(v)
        return v if math.isfinite(v) else None
    return v


def _span_check(t: Table) -> None:
    if t.span_days < MIN_DAYS:
        col = "started_at" if t.kind == "calls" else "created_at"
        raise FitError(f"{t.path}: the {t.kind} kept cover {t.span_days:g} days in column "
                       f"{col} (allowed: at least {MIN_DAYS}, every day of the week)")


def fit_records(calls_path: str | Path | None, leads_path: str | Path | None,
                mapping: Mapping, max_bad_share: float = 0.01) -> Fit:
    """Read the exports and make every estimate (no simulation)."""
    if calls_path is None and leads_path is None:
        raise FitError("calls, leads: no export given (allowed: calls=FILE and/or leads=FILE)")
    calls = read_table(calls_path, mapping, "calls", max_bad_share) if calls_path else None
    leads = read_table(leads_path, mapping, "leads", max_bad_share) if leads_path else None
    for t in (calls, leads):
        if t is not None:
            if not len(t.frame):
                raise FitError(f"{t.path}: no {t.kind} left after the filter and the values "
                               "mapped to drop (allowed: at least a week of records)")
            _span_check(t)
    zone = (calls or leads).zone
    fit = Fit(mapping, calls, leads, zone)
    if calls is not None:
        _fit_phone(fit, calls)
    if leads is not None:
        _fit_leads(fit, leads)
    return fit


def _exposure(t: Table, col: str):
    times = pd.DatetimeIndex(t.frame[col])
    return arr.exposure_by_hour(times.min(), times.max(), t.zone), t.span_days


def _fit_phone(fit: Fit, calls: Table) -> None:
    f = calls.frame
    exposure, days = _exposure(calls, "started_at")
    fit.arrivals["phone"] = arr.fit_channel("phone", f["started_at"], exposure)
    fit.arrival_days["phone"] = days
    fit.phone_service = service.phone_service(f, days)
    if "talk_seconds" in f:
        fit.talk = phone.fit_talk(f.loc[f["outcome"] == "answered", "talk_seconds"].to_numpy())
    if "hold_seconds" in f:
        hold, event = phone.patience_data(f, fit.mapping.calls.voicemail_in_patience)
        fit.patience = phone.fit_patience(hold, event)
    fit.voicemail, _ = phone.voicemail_share(f)
    fit.shifts = roster.fit_roster(f)


def _fit_leads(fit: Fit, leads: Table) -> None:
    f = leads.frame
    exposure, days = _exposure(leads, "created_at")
    for c in CHANNELS:
        if c == "phone" and "phone" in fit.arrivals:
            continue
        rows = f[f["channel"] == c]
        if len(rows):
            fit.arrivals[c] = arr.fit_channel(c, rows["created_at"], exposure)
            fit.arrival_days[c] = days
    fit.lead_service = service.lead_service(f, days)
    fit.bookings = service.bookings(f)
    if "value" in f:
        v = f["value"].to_numpy(dtype=float)
        v = v[np.isfinite(v) & (v > 0)]
        fit.value_mean = float(v.mean()) if len(v) else math.nan
