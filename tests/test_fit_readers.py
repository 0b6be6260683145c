"""Reading exports through a column mapping: the bad-input rules of issue 16 item 5.

File-level problems stop with one line naming the file and the column (through the CLI:
exit 2, nothing written); row-level problems are skipped under max_bad_share, counted by
cause and listed by line number; above it the fit stops naming cause, column, lines and
the unmapped value; exact duplicates are dropped and counted."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.fit.mapping import FitError, load_mapping
from sim.fit.readers import read_table

HEADER = "started_at,hold_seconds,outcome,talk_seconds,agent"


def calls_file(tmp_path: Path, rows: list[str], name="calls.csv", header=HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def good_rows(n: int, start="2025-01-06 09:00:00") -> list[str]:
    t0 = pd.Timestamp(start)
    return [f"{t0 + pd.Timedelta(minutes=17 * i)},{i % 40},answered,{60 + i % 300},amy"
            for i in range(n)]


def generic():
    return load_mapping("generic")


def test_good_file_reads_every_row_with_line_numbers(tmp_path):
    t = read_table(calls_file(tmp_path, good_rows(50)), generic(), "calls")
    assert t.rows_read == 50 and len(t.frame) == 50 and t.skipped == 0
    assert t.frame["line"].tolist() == list(range(2, 52))
    assert t.frame["hold_seconds"].iloc[3] == 3.0
    assert set(t.frame["outcome"]) == {"answered"}


def test_row_problems_under_the_share_are_skipped_counted_and_listed(tmp_path):
    rows = good_rows(400)
    rows[10] = "2025-01-06 12:00:00,5,answered,60,amy,extra"  # shifted: one field too many
    rows[20] = "not a time,5,answered,60,amy"
    rows[30] = "2025-01-06 12:00:00,5,transferred,60,amy"  # not in the mapping
    rows[40] = "2025-01-06 12:00:00,-3,answered,60,amy"
    rows[50] = HEADER  # a stray header
    rows.insert(60, rows[59])  # an exact duplicate
    t = read_table(calls_file(tmp_path, rows), generic(), "calls", max_bad_share=0.02)
    assert t.problems == {"wrong_field_count": [12], "bad_timestamp": [22],
                          "unknown_value": [32], "negative_duration": [42],
                          "stray_header": [52]}
    assert t.problem_columns["unknown_value"] == "'outcome' (outcome)"
    assert t.unknown_values["outcome"] == {"transferred": 1}
    assert t.duplicates == 1 and t.rows_read == 401
    assert len(t.frame) == 401 - 5 - 1
    assert 62 not in t.frame["line"].tolist() and 61 in t.frame["line"].tolist()


def test_above_the_share_stops_naming_cause_column_lines_and_value(tmp_path):
    rows = good_rows(100)
    for i in (5, 9, 13):
        rows[i] = rows[i].replace("answered", "Transferred")
    with pytest.raises(FitError) as err:
        read_table(calls_file(tmp_path, rows), generic(), "calls")  # 3% > 1%
    msg = str(err.value)
    assert "\n" not in msg
    assert "calls.csv" in msg and "unknown_value" in msg and "'outcome' (outcome)" in msg
    assert "lines 7, 11, 15" in msg and "'Transferred'" in msg
    assert "calls.values.outcome" in msg
    # the same file passes with a looser share
    t = read_table(calls_file(tmp_path, rows), generic(), "calls", max_bad_share=0.05)
    assert t.problems == {"unknown_value": [7, 11, 15]}


@pytest.mark.parametrize(("setup", "named"), [
    ("missing_column", "column 'outcome'"),
    ("empty", "the file is empty"),
    ("header_only", "no rows after the header"),
    ("no_file", "no such file"),
    ("offsets_without_zone", "sets no timezone"),
])
def test_file_problems_are_one_line_naming_the_file(tmp_path, setup, named):
    path = tmp_path / "calls.csv"
    if setup == "missing_column":
        calls_file(tmp_path, ["2025-01-06 09:00:00,5,60,amy"],
                   header="started_at,hold_seconds,talk_seconds,agent")
    elif setup == "empty":
        path.write_text("")
    elif setup == "header_only":
        path.write_text(HEADER + "\n")
    elif setup == "offsets_without_zone":
        calls_file(tmp_path, ["2025-01-06T09:00:00+01:00,5,answered,60,amy"])
    with pytest.raises(FitError) as err:
        read_table(path, generic(), "calls")
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and named in msg


def test_mapping_problems_name_the_mapping_key(tmp_path):
    bad = tmp_path / "m.yaml"
    cases = {
        "timezone: Mars/Olympus\n": "timezone: unknown time zone 'Mars/Olympus'",
        "calls:\n  columns: {started: x, outcome: y}\n": "calls.columns.started: unknown field",
        "calls:\n  columns: {outcome: y}\n": "calls.columns.started_at: missing",
        "calls:\n  columns: {started_at: a, outcome: b}\n  units: {hold_seconds: weeks}\n":
            "calls.units.hold_seconds: 'weeks' is not allowed",
        "calls:\n  columns: {started_at: a, outcome: b}\n  values: {outcome: {X: gone}}\n":
            "calls.values.outcome.X: 'gone' is not allowed",
        "leads:\n  columns: {created_at: a, channel: b}\n  delimiter: ';;'\n":
            "leads.delimiter",
        "colums: {}\n": "colums: unknown key",
    }
    for text, expected in cases.items():
        bad.write_text(text)
        with pytest.raises(FitError) as err:
            load_mapping(str(bad))
        assert expected in str(err.value), (text, str(err.value))
    with pytest.raises(FitError, match="unknown mapping 'nope'.*generic"):
        load_mapping("nope")


def test_the_held_out_shape_tsv_date_and_time_seconds_words_drop_and_filter(tmp_path):
    """Date and time in separate columns, tab-separated, durations in seconds, outcomes as
    words, one word to drop, a row filter, malformed rows: what an outside log looks like."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "timezone: America/New_York\n"
        "calls:\n"
        "  delimiter: tab\n"
        "  columns:\n"
        "    started_at: {date: Day, time: Clock}\n"
        "    hold_seconds: Queue Time\n"
        "    outcome: Result\n"
        "    talk_seconds: Talk Time\n"
        "  formats: {started_at: {date: '%m/%d/%Y', time: '%H:%M'}}\n"
        "  values: {outcome: {Handled: answered, 'Caller hung up': abandoned, "
        "Test: drop}}\n"
        "  filter: \"Line == 'Sales'\"\n")
    lines = ["Day\tClock\tLine\tQueue Time\tResult\tTalk Time"]
    rows = []
    for i in range(300):
        t = pd.Timestamp("2025-03-03 08:00") + pd.Timedelta(minutes=37 * i)
        result = ["Handled", "Caller hung up", "Handled", "Test"][i % 4]
        line = "Sales" if i % 5 else "Support"
        rows.append(f"{t:%m/%d/%Y}\t{t:%H:%M}\t{line}\t{i % 50}\t{result}\t{90 + i}")
    rows[7] = rows[7].replace("\t", "\t\t", 1)  # a stray tab
    lines += rows
    path = tmp_path / "log.tsv"
    path.write_text("\n".join(lines) + "\n")
    t = read_table(path, load_mapping(str(mapping)), "calls")
    assert t.problems == {"wrong_field_count": [9]}
    kept = [r for i, r in enumerate(rows) if i != 7]
    support = sum("\tSupport\t" in r for r in kept)
    tests = sum(("\tTest\t" in r) and ("\tSales\t" in r) for r in kept)
    assert t.filtered == support and t.dropped == tests
    assert len(t.frame) == len(kept) - support - tests
    first = t.frame.iloc[0]
    assert first["started_at"] == pd.Timestamp("2025-03-03 08:37")  # row 0 is Support
    # New York is UTC-5 in early March
    assert math.isclose(first["started_at_utc"],
                        pd.Timestamp("2025-03-03 13:37", tz="UTC").timestamp())
    assert set(t.frame["outcome"]) == {"answered", "abandoned"}


def test_daylight_saving_local_times_and_offsets_agree(tmp_path):
    """The same instants written as London clock times and as UTC with offsets give the
    same local times; elapsed time across the change is real time."""
    instants = pd.date_range("2025-03-29 10:00", "2025-03-31 10:00", freq="7h", tz="UTC")
    local = instants.tz_convert("Europe/London")
    a = calls_file(tmp_path, [f"{t:%Y-%m-%d %H:%M:%S},0,answered,60,amy" for t in local],
                   "local.csv")
    b = calls_file(tmp_path, [f"{t.isoformat()},0,answered,60,amy" for t in instants], "utc.csv")
    m = generic()
    m.timezone = "Europe/London"
    ta, tb = read_table(a, m, "calls"), read_table(b, m, "calls")
    assert (ta.frame["started_at"] == tb.frame["started_at"]).all()
    np.testing.assert_allclose(ta.frame["started_at_utc"], instants.as_unit("ns").asi8 / 1e9)
    np.testing.assert_allclose(np.diff(ta.frame["started_at_utc"]), 7 * 3600)


def test_excel_export_reads_like_csv(tmp_path):
    pytest.importorskip("openpyxl")
    rows = [r.split(",") for r in good_rows(20)]
    path = tmp_path / "calls.xlsx"
    pd.DataFrame(rows, columns=HEADER.split(",")).to_excel(path, index=False)
    t = read_table(path, generic(), "calls")
    assert len(t.frame) == 20 and t.frame["line"].tolist() == list(range(2, 22))
    assert t.frame["talk_seconds"].iloc[1] == 61.0


def test_hh_mm_ss_durations_and_booleans(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("calls:\n  columns: {started_at: s, outcome: o, talk_seconds: d}\n"
                 "  units: {talk_seconds: 'hh:mm:ss'}\n")
    path = tmp_path / "c.csv"
    path.write_text("s,o,d\n2025-01-06 09:00,answered,1:02:03\n2025-01-06 09:10,answered,"
                    "04:05\n2025-01-06 09:20,answered,75\n")
    t = read_table(path, load_mapping(str(m)), "calls")
    assert t.frame["talk_seconds"].tolist() == [3723.0, 245.0, 75.0]
    leads = tmp_path / "l.csv"
    leads.write_text("created_at,channel,booked\n2025-01-06 09:00,web_form,Yes\n"
                     "2025-01-06 10:00,Email,no\n2025-01-06 11:00,chat,\n")
    t = read_table(leads, generic(), "leads")
    assert t.frame["booked"].tolist() == [True, False, False]
    assert t.frame["channel"].tolist() == ["web_form", "email", "chat"]
