"""The output contract in sim/analysis/contract.py (from which docs/reference/outputs.md
is generated) against what runs really write, both ways: every column and summary metric
a run writes is documented, and everything documented is written by some run."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
from sim.analysis import contract
from sim.model.inquiry import OUTCOMES


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = {}
    for name, overrides in (("market", ["market.days=6", "seed=2"]),
                            ("nurture", ["market.days=6", "seed=2", "plan=nurture_newsletter"]),
                            ("mmc", ["scenario=mmc", "scenario.days=2"])):
        folder = tmp_path_factory.mktemp(name)
        sim.run(sim.load_config(overrides)).save(folder)
        out[name] = folder
    return out


def test_every_table_has_exactly_the_documented_columns_in_order(saved):
    """With a nurture programme in the run every column; without one, all but the
    (nurture) columns."""
    for table, columns in contract.TABLES.items():
        written = list(pd.read_parquet(saved["nurture"] / f"{table}.parquet").columns)
        assert written == list(columns), table
        written = list(pd.read_parquet(saved["market"] / f"{table}.parquet").columns)
        assert written == [c for c in columns if c not in contract.NURTURE_COLUMNS[table]], \
            table


def test_nurture_metrics_are_only_in_runs_with_a_programme(saved):
    keys = {name: set(json.loads((saved[name] / "summary.json").read_text()))
            for name in ("market", "nurture")}
    only = keys["nurture"] - keys["market"]
    assert keys["market"] <= keys["nurture"] and only
    marked = {p for p, text in contract.SUMMARY.items() if text.startswith("(nurture)")}
    assert {contract.summary_pattern(k) for k in only} == marked


def test_every_file_is_documented(saved):
    for folder in saved.values():
        for path in folder.iterdir():
            assert path.name in contract.FILES, path.name


def test_every_summary_metric_is_documented_and_every_line_is_used(saved):
    used = set()
    for folder in saved.values():
        for key in json.loads((folder / "summary.json").read_text()):
            pattern = contract.summary_pattern(key)
            assert pattern is not None, f"{key}: no line in sim/analysis/contract.py SUMMARY"
            used.add(pattern)
    assert set(contract.SUMMARY) - used == set()


def test_the_outcomes_are_the_models():
    assert list(contract.OUTCOMES) == list(OUTCOMES)
