"""RunResult (sim/analysis/tables.py): every table a run writes is an attribute, and the
market's summary carries every metric a practice's does (README "Outputs")."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import sim
from sim.analysis.tables import COST_PARTS, RunResult


@pytest.fixture(scope="module")
def market_run():
    return sim.run(sim.load_config(["market.days=14", "seed=4"]))


@pytest.fixture(scope="module")
def mmc_run():
    return sim.run(sim.load_config(["scenario=mmc", "scenario.days=2", "seed=4"]))


def test_every_table_written_is_an_attribute(market_run, tmp_path):
    out = market_run.save(tmp_path)
    written = {p.stem for p in out.glob("*.parquet")}
    assert written == set(market_run.tables) == {
        "inquiries", "prospects", "daily", "staff", "reviews", "experiences"}
    for name in written:
        table = getattr(market_run, name)
        assert table is market_run.tables[name]
    assert len(market_run.reviews) > 0 and len(market_run.experiences) > 0


@pytest.mark.parametrize("run", ["market_run", "mmc_run"])
def test_each_saved_table_reads_back_as_the_runs_dataframe(run, request, tmp_path):
    """Round trip: the files are written by pyarrow from the run's columns and the
    DataFrames made from the same columns; pandas reads every file back equal to its
    DataFrame, dtypes included (text as pandas' text dtype, missing values as NaN)."""
    result = request.getfixturevalue(run)
    out = result.save(tmp_path)
    for name, table in result.tables.items():
        saved = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(saved, table)
    assert json.loads((out / "summary.json").read_text()) == result.summary


def test_a_run_result_made_of_dataframes_still_saves_them(market_run, tmp_path):
    """RunResult can be made of DataFrames, as before: they are its tables as given, and
    `save` writes them (with pandas) as a run's own are written."""
    tables = {name: df.copy() for name, df in market_run.tables.items()}
    extra = {k: tables[k] for k in ("reviews", "experiences")}
    made = RunResult(tables["inquiries"], tables["prospects"], tables["daily"],
                     tables["staff"], dict(market_run.summary), extra)
    assert made.inquiries is tables["inquiries"] and made.reviews is tables["reviews"]
    out = made.save(tmp_path)
    assert {p.stem for p in out.glob("*.parquet")} == set(market_run.tables)
    for name, table in market_run.tables.items():
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"), table)
    assert json.loads((out / "summary.json").read_text()) == market_run.summary


def test_a_run_without_the_reputation_model_has_empty_tables_with_the_columns(
        market_run, mmc_run, tmp_path):
    for name in ("reviews", "experiences"):
        empty, full = getattr(mmc_run, name), getattr(market_run, name)
        assert len(empty) == 0
        assert list(empty.columns) == list(full.columns)
        assert list(empty.dtypes.astype(str)) == list(full.dtypes.astype(str))
    assert {p.stem for p in mmc_run.save(tmp_path).glob("*.parquet")} == {
        "inquiries", "prospects", "daily", "staff"}


def test_the_market_carries_the_parts_of_the_cost_summed_over_the_practices(market_run):
    s = market_run.summary
    slots = sorted({k.split(".")[1] for k in s if k.startswith("practices.")})
    for key in COST_PARTS:
        if key == "nurture_fees" and not any(k.endswith(".micro_conversions") for k in s):
            assert not any(k.endswith(".nurture_fees") for k in s)  # (nurture) keys only
            continue  # with a programme in the run: the digest of earlier runs unchanged
        assert f"market.{key}" in s, key
        total = sum(s[f"practices.{slot}.{key}"] for slot in slots)
        assert s[f"market.{key}"] == pytest.approx(total, rel=1e-12)
    parts = sum(s.get(f"market.{k}", 0.0) for k in COST_PARTS if k != "service_calls")
    assert s["market.staffing_cost"] == pytest.approx(parts, rel=1e-12)
    # gamma's answering service takes calls in a two-week market
    assert s["market.service_calls"] > 0 and s["market.answering_service_fees"] > 0


def test_market_metrics_are_a_practices_metrics(market_run):
    """README: `market.*` has the same metrics as each `practices.<slot>.*` (the two
    reputation-at-the-end figures and per-practice reputation metrics aside)."""
    s = market_run.summary
    practice = {k.removeprefix("practices.alpha.") for k in s
                if k.startswith("practices.alpha.")}
    market = {k.removeprefix("market.") for k in s if k.startswith("market.")}
    own = {"rating_end", "review_count_end", "rating_start", "rating_change",
           "days_badge_facebook", "days_badge_yelp", "bad_word_end"}
    channels = {k for k in market | practice if "." in k and k.split(".")[0] in (
        "inquiries", "first_response_median_minutes", "first_response_p90_minutes")}
    assert (practice - own - channels) <= market
    assert not math.isnan(s["market.wages"])


def test_first_responder_share_counts_multi_practice_bookers_by_the_earliest_answer():
    """Prospect 1 booked with the first to answer (b answered before a), prospect 2 with a
    later one, prospect 3 inquired at one practice only and prospect 4 booked nowhere:
    neither of the last two counts. A tie goes to the earlier inquiry."""
    from sim.analysis.tables import first_responder_share

    nan = math.nan
    inquiries = pd.DataFrame({
        "inquiry_id": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        "prospect_id": [1, 1, 2, 2, 2, 3, 4, 4, 5],
        "practice": ["a", "b", "a", "b", "c", "a", "a", "b", "a"],
        "answered_at": [30.0, 10.0, 5.0, nan, 60.0, 1.0, 2.0, 3.0, 4.0],
    })
    prospects = pd.DataFrame({"prospect_id": [1, 2, 3, 4],
                              "booked_with": ["b", "c", "a", ""]})
    assert first_responder_share(inquiries, prospects) == (0.5, 2)
    tie = inquiries.assign(answered_at=[10.0, 10.0, 5, nan, 60, 1, 2, 3, 4])
    assert first_responder_share(tie, prospects) == (0.0, 2)
    none = prospects.assign(booked_with="")
    share, n = first_responder_share(inquiries, none)
    assert math.isnan(share) and n == 0


def test_the_market_summary_has_the_first_responder_share(market_run):
    """Recounted from the run's tables, prospect by prospect: of those with two or more
    inquiries who booked, how many booked with the practice that answered first."""
    booked_with = dict(zip(market_run.prospects["prospect_id"],
                           market_run.prospects["booked_with"]))
    n = first = 0
    for pid, mine in market_run.inquiries.groupby("prospect_id"):
        if len(mine) < 2 or not booked_with[pid]:
            continue
        n += 1
        answered = [(t, i, slot) for t, i, slot in
                    zip(mine["answered_at"], mine["inquiry_id"], mine["practice"]) if t == t]
        first += bool(answered) and min(answered)[2] == booked_with[pid]
    s = market_run.summary
    assert s["market.multi_practice_bookings"] == n > 100
    assert s["market.first_responder_share"] == pytest.approx(first / n, abs=1e-12)
