"""Who answers when: a leadsim roster from the times calls were answered.

With an `agent` column, each person's working window on each day is read from the calls
they answered: on the days of the week they answered calls on at least half of the weeks,
the window runs from the 2nd percentile of their first answer of the day to the 98th
percentile of their last (robust to the odd early or late day), rounded to the nearest
quarter hour; weekdays whose windows agree within 45 minutes share the window pooled over
them. A person answering c calls an hour answers the first one about 1/c hours
after starting, so the window is slightly short when calls are rare at the edges of a
shift; a percentile over many weeks keeps that small. People with the same days and hours
are one roster line with `staff` > 1.

Without an agent column the line's answered calls give the windows the same way, and the
number of people is the most calls in progress at once (answer to answer + talk) seen on
at least 10% of the days of that weekday (at least 1).

A day of the week with answered calls that this rule leaves with no one on it (someone who
works there on fewer than half of the weeks, or is busy with patients and answers little:
Harbour's Saturday receptionist answered 4 calls in 13 weeks) is a thin day, and still
gets one person (`thin_day_shifts`): from the earliest to the latest time the line was seen
staffed on that day over all the weeks (an answered call from its answer to the end of its
talk, a caller who waited on hold for a person and then hung up or left a voicemail, over
their wait), widened to the quarter hour and at least MIN_SHIFT long, given to whoever
answered most calls on that day. Calls to a closed line (`missed`) or straight to
voicemail (no wait) are not evidence that someone was there.

Everyone is rostered as `front_desk` (a call log does not say who also serves patients at
the desk; the back-test calibrates `patient_share`). Opening hours are the union of the
windows on each day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..vocabulary import DAYS

QUARTER = 15
MIN_SHIFT = 60  # minutes: the shortest shift a thin day gets


@dataclass
class Shift:
    days: list[str]
    start: str
    end: str
    staff: int = 1
    who: list[str] = field(default_factory=list)

    def hours_per_week(self) -> float:
        s, e = (int(x[:2]) * 60 + int(x[3:]) for x in (self.start, self.end))
        return len(self.days) * (e - s) / 60.0 * self.staff


def _clock(minutes: float) -> str:
    m = int(min(max(round(minutes / QUARTER) * QUARTER, 0), 1440))
    return f"{m // 60:02d}:{m % 60:02d}"


EDGE_QUANTILE = 0.02  # of the first (last) answer of each working day
SAME_WITHIN = 45  # minutes: weekdays whose own window is this close share the pooled one


def _window(first: np.ndarray, last: np.ndarray) -> tuple[float, float]:
    return (float(np.quantile(first, EDGE_QUANTILE)),
            float(np.quantile(last, 1 - EDGE_QUANTILE)))


def _windows(times: pd.Series, dates_per_weekday: dict[int, int]) -> dict[int, tuple[str, str]]:
    """Weekday -> (start, end) from the answer times of one person (or of the line): on the
    weekdays worked on at least half of the weeks, from a low percentile of the first
    answer of the day to a high one of the last. A weekday whose own window is within
    SAME_WITHIN minutes of the window pooled over all those weekdays gets the pooled one
    (more days, a steadier estimate)."""
    t = pd.DatetimeIndex(times)
    frame = pd.DataFrame({"date": t.normalize(), "minute": t.hour * 60 + t.minute
                          + t.second / 60.0})
    daily = frame.groupby("date")["minute"].agg(["min", "max"])
    daily["weekday"] = pd.DatetimeIndex(daily.index).day_of_week
    worked = {int(wd): rows for wd, rows in daily.groupby("weekday")
              if len(rows) * 2 >= max(dates_per_weekday.get(int(wd), 1), 1)}
    if not worked:
        return {}
    own = {wd: _window(rows["min"].to_numpy(), rows["max"].to_numpy())
           for wd, rows in worked.items()}
    pooled_rows = pd.concat(list(worked.values()))
    pooled = _window(pooled_rows["min"].to_numpy(), pooled_rows["max"].to_numpy())
    out = {}
    for wd, (start, end) in own.items():
        if abs(start - pooled[0]) <= SAME_WITHIN and abs(end - pooled[1]) <= SAME_WITHIN:
            start, end = pooled
        s, e = _clock(start), _clock(end)
        if e <= s:
            e = _clock(start + QUARTER)
        out[wd] = (s, e)
    return out


def _group(windows: dict[int, tuple[str, str]], who: str) -> list[Shift]:
    by_window: dict[tuple[str, str], list[int]] = {}
    for wd, w in sorted(windows.items()):
        by_window.setdefault(w, []).append(wd)
    return [Shift([DAYS[d] for d in days], s, e, 1, [who])
            for (s, e), days in by_window.items()]


def _concurrency(answered: pd.DataFrame) -> dict[int, int]:
    """Weekday -> people needed: the most calls in progress at once, seen on >= 10% of
    that weekday's dates."""
    t = pd.DatetimeIndex(answered["started_at"]) + pd.to_timedelta(
        np.nan_to_num(answered["hold_seconds"].to_numpy(dtype=float)), unit="s")
    talk = pd.to_timedelta(np.nan_to_num(answered["talk_seconds"].to_numpy(dtype=float)),
                           unit="s")
    events = pd.DataFrame({"at": np.concatenate([t.to_numpy(), (t + talk).to_numpy()]),
                           "step": np.r_[np.ones(len(t)), -np.ones(len(t))]})
    events = events.sort_values(["at", "step"]).reset_index(drop=True)
    events["busy"] = events["step"].cumsum()
    events["date"] = pd.DatetimeIndex(events["at"]).normalize()
    peak = events.groupby("date")["busy"].max()
    out = {}
    for wd, values in peak.groupby(pd.DatetimeIndex(peak.index).day_of_week):
        out[int(wd)] = max(1, int(np.quantile(values.to_numpy(), 0.9)))
    return out


def fit_roster(calls: pd.DataFrame) -> list[Shift]:
    """Roster lines from a call table (answered calls with their local start times)."""
    answered = calls[calls["outcome"] == "answered"]
    if not len(answered):
        return []
    # answer time = start + hold
    hold = pd.to_timedelta(np.nan_to_num(answered["hold_seconds"].to_numpy(dtype=float))
                           if "hold_seconds" in answered else 0, unit="s")
    at = pd.DatetimeIndex(answered["started_at"]) + hold
    # the calendar's dates over the log's span (a closed day may have no call at all)
    dates = pd.DatetimeIndex(calls["started_at"]).normalize()
    all_dates = pd.date_range(dates.min(), dates.max(), freq="D")
    per_weekday = pd.Series(all_dates.day_of_week).value_counts().to_dict()
    shifts: list[Shift] = []
    agents = answered["agent"].fillna("").astype(str) if "agent" in answered else None
    if agents is not None and (agents != "").mean() > 0.5:
        for who in sorted(set(agents) - {""}):
            mine = pd.Series(at[(agents == who).to_numpy()])
            shifts += _group(_windows(mine, per_weekday), who)
    else:
        windows = _windows(pd.Series(at), per_weekday)
        people = _concurrency(answered) if "talk_seconds" in answered else {}
        by: dict[tuple[str, str, int], list[int]] = {}
        for wd, (s, e) in sorted(windows.items()):
            by.setdefault((s, e, people.get(wd, 1)), []).append(wd)
        shifts = [Shift([DAYS[d] for d in days], s, e, n, ["the line"])
                  for (s, e, n), days in by.items()]
    return merge_same(shifts + thin_day_shifts(calls, shifts))


def _staffed_spans(calls: pd.DataFrame) -> pd.DataFrame:
    """When the line was seen staffed, one row per call that shows it: weekday, from and to
    (minutes since local midnight), and who answered. An answered call from its answer to
    the end of its talk; a caller who waited for a person before hanging up or leaving a
    voicemail, over the wait."""
    hold = (np.nan_to_num(calls["hold_seconds"].to_numpy(dtype=float))
            if "hold_seconds" in calls else np.zeros(len(calls)))
    talk = (np.nan_to_num(calls["talk_seconds"].to_numpy(dtype=float))
            if "talk_seconds" in calls else np.zeros(len(calls)))
    outcome = calls["outcome"].to_numpy()
    answered = outcome == "answered"
    waited = np.isin(outcome, ["abandoned", "voicemail"]) & (hold > 0)
    keep = answered | waited
    t = pd.DatetimeIndex(calls["started_at"])[keep]
    start = (t.hour * 60 + t.minute + t.second / 60.0).to_numpy()
    begin = np.where(answered[keep], start + hold[keep] / 60.0, start)
    end = np.where(answered[keep], begin + talk[keep] / 60.0, start + hold[keep] / 60.0)
    who = (calls["agent"].fillna("").astype(str).to_numpy()[keep] if "agent" in calls
           else np.full(keep.sum(), ""))
    return pd.DataFrame({"weekday": t.day_of_week, "begin": begin,
                         "end": np.minimum(end, 1440.0), "answered": answered[keep],
                         "who": who})


def thin_day_shifts(calls: pd.DataFrame, shifts: list[Shift]) -> list[Shift]:
    """One person on each day of the week that had answered calls but no one on the roster
    (module docstring): the day's staffed span over all weeks, widened to the quarter hour,
    at least MIN_SHIFT long."""
    covered = {DAYS.index(d) for sh in shifts if sh.staff > 0 for d in sh.days}
    spans = _staffed_spans(calls)
    out = []
    for wd, rows in spans.groupby("weekday"):
        if int(wd) in covered or not rows["answered"].any():
            continue
        start = math.floor(rows["begin"].min() / QUARTER) * QUARTER
        end = math.ceil(rows["end"].max() / QUARTER) * QUARTER
        if end - start < MIN_SHIFT:
            end = min(start + MIN_SHIFT, 1440)
            start = end - MIN_SHIFT
        names = rows.loc[rows["answered"] & (rows["who"] != ""), "who"]
        who = names.value_counts().index[0] if len(names) else "the line"
        out.append(Shift([DAYS[int(wd)]], _clock(start), _clock(end), 1, [who]))
    return out


def merge_same(shifts: list[Shift]) -> list[Shift]:
    """People with the same days and hours as one line with staff > 1."""
    merged: dict[tuple, Shift] = {}
    for sh in shifts:
        key = (tuple(sh.days), sh.start, sh.end)
        if key in merged:
            merged[key].staff += sh.staff
            merged[key].who += sh.who
        else:
            merged[key] = Shift(list(sh.days), sh.start, sh.end, sh.staff, list(sh.who))
    return sorted(merged.values(), key=lambda s: (DAYS.index(s.days[0]), s.start, s.end))


def opening_hours(shifts: list[Shift]) -> list[dict]:
    """The union of the roster's windows on each day, as opening_hours entries."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for sh in shifts:
        s, e = (int(x[:2]) * 60 + int(x[3:]) for x in (sh.start, sh.end))
        for d in sh.days:
            by_day.setdefault(DAYS.index(d), []).append((s, e))
    windows: dict[tuple[int, int], list[int]] = {}
    for d, spans in sorted(by_day.items()):
        spans.sort()
        merged = [list(spans[0])]
        for s, e in spans[1:]:
            if s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        for s, e in merged:
            windows.setdefault((s, e), []).append(d)
    return [{"days": [DAYS[d] for d in days], "start": _clock(s), "end": _clock(e)}
            for (s, e), days in sorted(windows.items(), key=lambda kv: (kv[1][0], kv[0]))]


def hours_by_weekday(shifts: list[Shift]) -> dict[str, float]:
    """Rostered person-hours per day of the week."""
    out = {d: 0.0 for d in DAYS}
    for sh in shifts:
        s, e = (int(x[:2]) * 60 + int(x[3:]) for x in (sh.start, sh.end))
        for d in sh.days:
            out[d] += (e - s) / 60.0 * sh.staff
    return out


def total_hours(shifts: list[Shift]) -> float:
    return float(sum(sh.hours_per_week() for sh in shifts)) if shifts else math.nan
