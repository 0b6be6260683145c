"""Nurture in the summary: micro-conversions, returns, bookings after nurture, and the
value of the list still waiting when the run ends.

The gain of a nurture programme lands weeks to months after the first inquiry (a return
comes 1 to `touches` touches after the sign-up), so a run of 90 days sees only part of
it. What the list still holds at the end of the arrival days is valued in expectation:

    nurture_pending_value = nurture_pending_returns x nurture_booking_chance x booking value

- `nurture_pending_returns` (from the model): the sum, over the prospects still waiting
  with touches to come, of their chance to come back later, s (N - m) / (N - s m) after
  m of N touches (s: `ready_again_share`; sim/model/nurture.py);
- `nurture_booking_chance`: a prospect back from the list writes to the nurturing
  practice first, ready to book (mostly to it alone), so their chance is estimated by the
  share of all the run's prospects whose first inquiry went to the practice who booked
  with it: thousands of prospects, where the returns inside a short run are a handful
  (their own share is `bookings_after_nurture / nurture_returns`);
- booking value: what a booking is worth in expectation under the practice's economics,
  (1 - no-show rate) x consultation to procedure x the mix-weighted fee.

The metrics are written only in runs where some practice has a programme (every practice
then has them, 0 without one), so runs without nurture keep their summary as it was.
"""

from __future__ import annotations

import math

import numpy as np

from .columns import Table, count, lookup, text

COUNTS = ("micro_conversions", "nurture_returns", "bookings_after_nurture",
          "nurture_pending", "nurture_pending_returns", "nurture_pending_value")


def summary_metrics(records: dict, inquiries: Table, prospects: Table) -> dict:
    """`practices.<slot>.*` and `market.*` nurture metrics (module docstring); empty
    when no practice of the run has a nurture programme."""
    rows = [r for r in records["practices"] if "nurture_pending" in r]
    if not rows:
        return {}
    micro = np.asarray(inquiries["micro_converted"], dtype=bool)
    practice = text(inquiries["practice"])
    # each prospect's first inquiry (inquiries are in order of arrival) and where they booked
    _, first = np.unique(inquiries["prospect_id"], return_index=True)
    first_practice = practice[first]
    rows_of = lookup(prospects["prospect_id"], inquiries["prospect_id"][first])
    booked_with = np.where(rows_of >= 0,
                           text(prospects["booked_with"])[np.maximum(rows_of, 0)], "")
    nurturer = text(prospects["nurtured_by"])
    booked = np.asarray(prospects["booked_after_nurture"], dtype=bool)
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
        firsts = first_practice == slot
        chance = count(firsts & (booked_with == slot)) / count(firsts) if firsts.any() \
            else math.nan
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
    out["market.nurture_booking_chance"] = (count(booked_with == first_practice) / len(first)
                                            if len(first) else math.nan)
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in out.items()}
