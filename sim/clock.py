"""The simulated clock: minutes since Monday 00:00 of week 1.

Opening hours, shifts and the hour-of-week arrival profile are all read off this clock.
Shift windows are computed once per run as (start, end) minute pairs; adjacent windows
(a 24/7 roster) are merged so a staff member on a continuous roster has one window.

Pure arithmetic on the week, outside sim/model: the model builds its shifts and opening
hours with it, and an app that needs the same windows (experiments/fit_profiles.py) reads
them here, through no import of the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .vocabulary import (  # noqa: F401  (re-exported: the clock's units)
    DAY_INDEX,
    HOURS_PER_WEEK,
    MINUTES_PER_DAY,
    MINUTES_PER_HOUR,
    MINUTES_PER_WEEK,
)


def clock_minutes(hhmm: str) -> int:
    """'HH:MM' to minutes after midnight ('24:00' is 1440)."""
    hours, minutes = str(hhmm).split(":")
    return int(hours) * 60 + int(minutes)


def weekly_windows(
    days: Iterable[str], start: str, end: str, horizon_days: int
) -> list[tuple[float, float]]:
    """The (start, end) minutes of a weekly window on the given days, over the horizon."""
    wanted = {DAY_INDEX[str(getattr(d, "value", d))] for d in days}
    s, e = clock_minutes(start), clock_minutes(end)
    windows = []
    for day in range(horizon_days):
        if day % 7 in wanted:
            base = day * MINUTES_PER_DAY
            windows.append((float(base + s), float(base + e)))
    return windows


def merge_windows(windows: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sort and merge overlapping or touching windows."""
    merged: list[list[float]] = []
    for s, e in sorted(windows):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def complement_windows(
    windows: Sequence[tuple[float, float]], horizon: float
) -> list[tuple[float, float]]:
    """The times in [0, horizon) not covered by the (merged) windows."""
    out, t = [], 0.0
    for s, e in merge_windows(windows):
        if s > t:
            out.append((t, min(s, horizon)))
        t = max(t, e)
    if t < horizon:
        out.append((t, horizon))
    return [(s, e) for s, e in out if e > s]


def covered_minutes(windows: Iterable[tuple[float, float]], until: float) -> float:
    """Minutes of the windows that fall before `until`."""
    return sum(max(0.0, min(e, until) - s) for s, e in windows if s < until)


def inside(windows: Sequence[tuple[float, float]], t: float) -> bool:
    """Whether minute t falls in one of the windows (start inclusive, end exclusive)."""
    return any(s <= t < e for s, e in windows)
