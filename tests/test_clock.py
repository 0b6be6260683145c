"""sim/clock.py: minutes since Monday 00:00 of week 1, weekly windows, merging."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.clock import (
    MINUTES_PER_DAY,
    clock_minutes,
    complement_windows,
    covered_minutes,
    inside,
    merge_windows,
    weekly_windows,
)
from sim.config import Day

DAY = MINUTES_PER_DAY


def test_clock_minutes():
    assert clock_minutes("00:00") == 0
    assert clock_minutes("09:30") == 570
    assert clock_minutes("24:00") == 1440


def test_weekly_windows_on_chosen_days():
    w = weekly_windows(["mon", "wed"], "09:00", "17:00", horizon_days=14)
    assert w == [
        (540.0, 1020.0),
        (2 * DAY + 540.0, 2 * DAY + 1020.0),
        (7 * DAY + 540.0, 7 * DAY + 1020.0),
        (9 * DAY + 540.0, 9 * DAY + 1020.0),
    ]


def test_weekly_windows_accept_enums_and_midnight_end_and_cut_at_horizon():
    w = weekly_windows([Day.sat, Day.sun], "20:00", "24:00", horizon_days=6)  # Mon-Sat only
    assert w == [(5 * DAY + 1200.0, 6 * DAY)]
    assert weekly_windows([Day.sun], "00:00", "24:00", horizon_days=6) == []


def test_merge_windows():
    assert merge_windows([]) == []
    # unsorted, overlapping, touching, nested, and a separate one
    w = [(50, 60), (0, 10), (10, 20), (15, 18), (19, 30), (40, 45)]
    assert merge_windows(w) == [(0, 30), (40, 45), (50, 60)]
    assert merge_windows([(0, DAY), (DAY, 2 * DAY)]) == [(0, 2 * DAY)]  # a 24/7 roster


def test_complement_windows():
    assert complement_windows([], 100) == [(0.0, 100)]
    assert complement_windows([(0, 100)], 100) == []
    assert complement_windows([(10, 20), (15, 30), (50, 60)], 100) == [
        (0.0, 10), (30, 50), (60, 100)
    ]
    assert complement_windows([(0, 10), (90, 150)], 100) == [(10, 90)]
    assert complement_windows([(120, 150)], 100) == [(0.0, 100)]


def test_covered_minutes_and_inside():
    w = [(10, 20), (30, 40)]
    assert covered_minutes(w, 100) == 20
    assert covered_minutes(w, 35) == 15
    assert covered_minutes(w, 5) == 0
    assert inside(w, 10) and inside(w, 19.999) and inside(w, 30)
    assert not inside(w, 20) and not inside(w, 9.999) and not inside(w, 40)


windows_st = st.lists(
    st.tuples(st.integers(0, 200), st.integers(1, 50)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(windows=windows_st, horizon=st.integers(1, 260), probe=st.floats(0, 260))
def test_windows_and_complement_partition_the_horizon(windows, horizon, probe):
    merged = merge_windows(windows)
    # merged windows are sorted, disjoint and not touching
    assert all(e1 < s2 for (_, e1), (s2, _) in zip(merged, merged[1:]))
    assert all(s < e for s, e in merged)
    for t in (probe, *(s for s, _ in windows)):
        assert inside(merged, t) == inside(windows, t)
    gaps = complement_windows(windows, horizon)
    assert all(0 <= s < e <= horizon for s, e in gaps)
    assert covered_minutes(merged, horizon) + sum(e - s for s, e in gaps) == pytest.approx(
        horizon
    )
    if probe < horizon:
        assert inside(merged, probe) != inside(gaps, probe)
