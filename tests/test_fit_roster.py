"""The roster read from a call log (sim/fit/roster.py): a day of the week with answered
calls always has someone on it, even when they answer too rarely for the usual rule
(half of the weeks) to see them; calls to a closed line never put anyone on."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.make_fit_examples import HARBOUR
from sim.fit import roster
from sim.fit.mapping import load_mapping
from sim.fit.readers import read_table
from sim.paths import EXAMPLES_DIR

MONDAY = pd.Timestamp("2025-03-03")
WEEKS = 13


def _minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


def on(days: list[roster.Shift], day: str) -> list[roster.Shift]:
    return [s for s in days if day in s.days]


def test_the_examples_saturday_receptionist_keeps_her_shift():
    mapping = load_mapping(str(EXAMPLES_DIR / "harbour_columns.yaml"))
    calls = read_table(EXAMPLES_DIR / "harbour_calls.tsv", mapping, "calls", 0.01).frame
    saturday = calls[pd.DatetimeIndex(calls["started_at"]).day_of_week == 5]
    answered = saturday[saturday["outcome"] == "answered"]
    # thin: answered on fewer than half of the Saturdays, so the usual rule sees no one
    assert 0 < answered["started_at"].dt.normalize().nunique() < WEEKS / 2
    (sat,) = on(roster.fit_roster(calls), "sat")
    (truth,) = [s for s in HARBOUR["roster"] if s["days"] == ["sat"]]
    assert sat.who == ["Cara"] and sat.staff == 1
    assert abs(_minutes(sat.start) - _minutes(truth["start"])) <= 15, sat
    assert abs(_minutes(sat.end) - _minutes(truth["end"])) <= 15, sat
    assert on(roster.fit_roster(calls), "sun") == []  # Sundays: closed-line calls only


def log(extra: list[tuple]) -> pd.DataFrame:
    """Ann answers every weekday 09:00-17:00 (a call each hour, 2 minutes' talk), plus
    `extra` calls: (day offset from the first Monday, "HH:MM", outcome, hold s, talk s, agent)."""
    rows = []
    for week in range(WEEKS):
        for day in range(5):
            for hour in range(9, 17):
                rows.append((7 * week + day, f"{hour:02d}:05", "answered", 0, 120, "Ann"))
    rows += extra
    frame = pd.DataFrame(rows, columns=["day", "at", "outcome", "hold_seconds",
                                        "talk_seconds", "agent"])
    frame["started_at"] = (MONDAY + pd.to_timedelta(frame.pop("day"), unit="D")
                           + pd.to_timedelta(frame.pop("at") + ":00"))
    return frame.sort_values("started_at").reset_index(drop=True)


THIN_SATURDAY = [(5, "10:05", "answered", 0, 120, "Bea"),  # 3 of 13 Saturdays
                 (26, "10:40", "answered", 30, 120, "Bea"),
                 (61, "11:20", "answered", 0, 120, "Bea"),
                 (33, "09:50", "abandoned", 90, 0, ""),  # waited for a person: staffed
                 (40, "15:00", "missed", 0, 0, ""),  # a closed line: not evidence
                 (47, "16:30", "voicemail", 0, 0, ""),  # straight to voicemail: nor this
                 (6, "11:00", "abandoned", 60, 0, "")]  # a Sunday with no answer: no one


@pytest.mark.parametrize("agent", [True, False], ids=["agent", "no_agent"])
def test_a_thin_day_gets_one_person_over_the_hours_it_was_staffed(agent):
    calls = log(THIN_SATURDAY)
    if not agent:
        calls = calls.drop(columns="agent")
    shifts = roster.fit_roster(calls)
    (sat,) = on(shifts, "sat")
    # 09:50 (the caller who waited) to 11:22 (the last answer's end), widened to quarters
    assert (sat.start, sat.end, sat.staff) == ("09:45", "11:30", 1)
    assert sat.who == (["Bea"] if agent else ["the line"])
    assert on(shifts, "sun") == []
    # the weekdays are read as before
    (weekdays,) = on(shifts, "mon")
    assert weekdays.days == ["mon", "tue", "wed", "thu", "fri"]
    # control: without Saturday's answers there is no one on Saturday
    no_answers = log([r for r in THIN_SATURDAY if r[2] != "answered"])
    assert on(roster.fit_roster(no_answers), "sat") == []


def test_a_thin_day_shift_is_at_least_min_shift_long():
    shifts = roster.fit_roster(log([(5, "23:30", "answered", 0, 120, "Bea")]))
    (sat,) = on(shifts, "sat")
    assert (sat.start, sat.end) == ("23:00", "24:00")
    assert _minutes(sat.end) - _minutes(sat.start) == roster.MIN_SHIFT


def test_a_day_the_usual_rule_sees_gets_no_second_person():
    # Bea on every Saturday: the usual window, and the floor adds no one beside her
    sats = [(7 * w + 5, f"{h:02d}:10", "answered", 0, 120, "Bea")
            for w in range(WEEKS) for h in (9, 10, 11)]
    (sat,) = on(roster.fit_roster(log(sats)), "sat")
    assert sat.staff == 1 and sat.who == ["Bea"]
