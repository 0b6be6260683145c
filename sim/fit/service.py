"""Today's service, from a call log and an inquiry export in the generic layout.

The same functions measure the practice's own records and the simulated ones (the
back-test turns a simulated run into the same two tables: sim/fit/synthetic.py), so an
observed and a simulated figure always mean the same thing. The denominators, exactly:

- `calls`: every call kept (all outcomes); `calls_per_week` = calls / days covered x 7.
- `answered_share`: answered / calls. `outcome_share.<o>`: calls with outcome o / calls.
- `abandoned_share`: abandoned / (answered + abandoned): of the callers who waited for a
  person while the line was open, the share who hung up without a message (the
  call-centre abandonment rate; voicemails and missed calls are in neither count).
- `answered_within_20s_share`: answered with hold_seconds <= 20 / (answered + abandoned),
  over the calls whose hold is known (the call-centre service level with abandoned calls
  in the denominator).
- `hold_minutes.mean`: mean hold of answered calls (the average speed of answer);
  `hold_minutes.mean_abandoned`: mean hold of abandoned calls (what they waited, not their
  patience).
- Per channel of the inquiry export: `inquiries`, `per_week`, `first_response_median_minutes`
  and `first_response_p90_minutes` (over the inquiries that got a first response, in real
  minutes, across daylight-saving changes), `never_answered_share` (no first_response_at /
  all), `booked_share` (booked / all, where the export says).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .phone import Estimate, t_interval, wilson

WITHIN_SECONDS = 20.0


def phone_service(calls: pd.DataFrame, days: float, level: float = 0.95) -> dict[str, float]:
    """Service metrics of a call table (keys without the `phone.` prefix)."""
    out: dict[str, float] = {}
    outcome = calls["outcome"].to_numpy(dtype=object)
    n = len(calls)
    out["calls"] = n
    out["calls_per_week"] = n / days * 7 if days else math.nan
    for o in ("answered", "abandoned", "voicemail", "missed"):
        out[f"outcome_share.{o}"] = float((outcome == o).sum() / n) if n else math.nan
    out.update(wilson(int((outcome == "answered").sum()), n, level).keys("answered_share"))
    answered, abandoned = outcome == "answered", outcome == "abandoned"
    out.update(wilson(int(abandoned.sum()), int((answered | abandoned).sum()), level)
               .keys("abandoned_share"))
    if "hold_seconds" in calls and calls["hold_seconds"].notna().any():
        hold = calls["hold_seconds"].to_numpy(dtype=float)
        known = np.isfinite(hold)
        offered = (answered | abandoned) & known
        quick = answered & known & (hold <= WITHIN_SECONDS)
        out.update(wilson(int(quick.sum()), int(offered.sum()), level)
                   .keys("answered_within_20s_share"))
        out.update(t_interval(hold[answered & known] / 60.0, level).keys("hold_minutes.mean"))
        out["hold_minutes.mean_abandoned"] = (float(np.mean(hold[abandoned & known]) / 60.0)
                                              if (abandoned & known).any() else math.nan)
    return out


def first_response_minutes(leads: pd.DataFrame) -> np.ndarray:
    if "first_response_at_utc" not in leads:
        return np.full(len(leads), np.nan)
    return (leads["first_response_at_utc"].to_numpy(dtype=float)
            - leads["created_at_utc"].to_numpy(dtype=float)) / 60.0


def lead_service(leads: pd.DataFrame, days: float, level: float = 0.95
                 ) -> dict[str, dict[str, float]]:
    """Per channel of an inquiry table: volume, first response, never answered, bookings."""
    result: dict[str, dict[str, float]] = {}
    frt = first_response_minutes(leads)
    has_response = "first_response_at_utc" in leads
    has_booked = "booked" in leads
    channels = leads["channel"].to_numpy(dtype=object)
    for channel in sorted(set(channels)):
        rows = channels == channel
        n = int(rows.sum())
        m: dict[str, float] = {"inquiries": n, "per_week": n / days * 7 if days else math.nan}
        if has_response:
            f = frt[rows]
            answered = f[np.isfinite(f)]
            m["first_response_median_minutes"] = (float(np.quantile(answered, 0.5))
                                                  if len(answered) else math.nan)
            m["first_response_p90_minutes"] = (float(np.quantile(answered, 0.9))
                                               if len(answered) else math.nan)
            m.update(wilson(int(n - len(answered)), n, level).keys("never_answered_share"))
        if has_booked:
            booked = leads["booked"].to_numpy()[rows].astype(bool)
            m.update(wilson(int(booked.sum()), n, level).keys("booked_share"))
        result[channel] = m
    return result


def bookings(leads: pd.DataFrame, level: float = 0.95) -> Estimate | None:
    if "booked" not in leads or not len(leads):
        return None
    booked = leads["booked"].to_numpy().astype(bool)
    return wilson(int(booked.sum()), len(booked), level)
