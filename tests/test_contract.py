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
                            ("mmc", ["scenario=mmc", "scenario.days=2"])):
        folder = tmp_path_factory.mktemp(name)
        sim.run(sim.load_config(overrides)).save(folder)
        out[name] = folder
    return out


def test_every_table_has_exactly_the_documented_columns_in_order(saved):
    folder = saved["market"]
    for table, columns in contract.TABLES.items():
        written = list(pd.read_parquet(folder / f"{table}.parquet").columns)
        assert written == list(columns), table


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
