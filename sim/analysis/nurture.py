"""Nurture in the summary: micro-conversions, returns, bookings after nurture, and the
value of the list still waiting when the run ends.

The gain of a nurture programme lands weeks to months after the first inquiry (a return
comes 1 to `touches` touches after the sign-up), so a run of 90 days sees only part of
it. What the list still holds at the end of the arrival days is valued in expectation:

    nurture_pending_value = nurture_pending_returns x nurture_booking_chance x booking value

- `nurture_pending_returns` (from the model): the sum, over the prospects still waiting
  with touches to come, of their chance to come back later, s (N - m) / (N - s m) after
  m of N touches (s: `ready_again_share`; sim/model/nurture.py);
- `nurture_booking_chance`: the share of the practice's returns in the run that booked
  with it; when none came back yet, its booking rate over all its inquiries (a
  stranger's chance, so the value errs low); NaN (null) with nobody on its list;
- booking value: what a booking is worth in expectation under the practice's economics,
  (1 - no-show rate) x consultation to procedure x the mix-weighted fee.

The metrics are written only in runs where some practice has a programme (every practice
then has them, 0 without one), so runs without nurture keep their summary as it was.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .columns import count

COUNTS = ("micro_conversions", "nurture_returns", "bookings_after_nurture",
          "nurture_pending", "nurture_pending_returns", "nurture_pending_value")


def summary_metrics(records: dict, inquiries: pd.DataFrame, prospects: pd.DataFrame,
                    summary: dict) -> dict:
    """`practices.<slot>.*` and `market.*` nurture metrics (module docstring); empty
    when no practice of the run has a nurture programme."""
    rows = [r for r in records["practices"] if "nurture_pending" in r]
    if not rows:
        return {}
    micro = inquiries["micro_converted"].to_numpy(dtype=bool)
    practice = inquiries["practice"].to_numpy()
    nurturer = prospects["nurtured_by"].to_numpy()
    booked = prospects["booked_after_nurture"].to_numpy(dtype=bool)
    out: dict = {}
    total = dict.fromkeys(COUNTS, 0.0)
    for row in rows:
        slot = row["practice"]
        back = nurturer == slot
        m = {"micro_conversions": count(micro & (practice == slot)),
             "nurture_returns": count(back),
             "bookings_after_nurture": count(back & booked),
             "nurture_pending": int(row["nurture_pending"]),
             "nurture_pending_returns": float(row["nurture_pending_returns"])}
        if m["nurture_returns"]:
            chance = m["bookings_after_nurture"] / m["nurture_returns"]
        elif not m["micro_conversions"]:  # nobody on its list (or no programme)
            chance = math.nan
        else:
            chance = summary.get(f"practices.{slot}.booking_rate")
            chance = math.nan if chance is None else float(chance)
        m["nurture_booking_chance"] = chance
        m["nurture_pending_value"] = (0.0 if m["nurture_pending_returns"] == 0 else
                                      m["nurture_pending_returns"] * chance
                                      * float(row["booking_value"]))
        for key, value in m.items():
            out[f"practices.{slot}.{key}"] = value
        for key in COUNTS:
            total[key] += m[key]
    for key in COUNTS:
        value = total[key]
        out[f"market.{key}"] = value if key in ("nurture_pending_returns",
                                                "nurture_pending_value") else int(value)
    returns = total["nurture_returns"]
    out["market.nurture_booking_chance"] = (total["bookings_after_nurture"] / returns
                                            if returns else math.nan)
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in out.items()}
