"""The documentation's generated reference pages (docs/hooks.py) cover the code: every key
of the schema, every column and metric of the contract, every metric of the comparison.
`make test` also builds the whole site with `mkdocs build --strict` (broken links fail)."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from sim import config as schema
from sim.analysis import contract
from sim.describe import schema_keys

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def hooks():
    spec = importlib.util.spec_from_file_location("leadsim_docs_hooks", ROOT / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_configuration_page_has_every_key_with_its_default(hooks):
    page = hooks.configuration_page()
    for key in schema_keys(schema.Config):
        if hasattr(schema, key.type):
            continue  # a section: its own heading
        assert f"| `{key.key}` |" in page, key.key
    assert "| `market.days` | int | `90` | days with new prospects arriving" in page
    assert "| `plan` | `saturday_shift` |" in page  # the groups' options
    assert "### `leadsim compare`" in page and "| `replications` | `10` |" in page
    assert "| `practice` (`focal_practice` in the file) | `null` |" in page  # as typed


def test_the_outputs_page_has_every_column_and_metric(hooks, caplog):
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.leadsim"):
        page = hooks.outputs_page()
    assert caplog.records == [], [r.getMessage() for r in caplog.records]
    for table, columns in contract.TABLES.items():
        assert f"## `{table}.parquet`" in page
        for column in columns:
            assert f"| `{column}` |" in page, (table, column)
    for key in contract.SUMMARY:
        assert f"| `{key}` |" in page, key
    from experiments import compare_staffing

    for name, _ in compare_staffing.METRICS:
        assert f"| `{name}` |" in page, name


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    assert "make run" in text and "make test" in text
    for link in ("docs/tutorials/first-run.md", "docs/how-to/sweep-and-resume.md"):
        assert (ROOT / link).is_file() and link in text


def test_the_reading_the_outputs_tutorial_quotes_what_its_run_gives():
    """docs/tutorials/reading-the-outputs.md quotes the outcome counts and booking rates of
    its run (`leadsim run market.days=30 seed=1`): a change to the model that moves them
    fails here until the page says what the run now gives."""
    import re

    import sim

    page = (ROOT / "docs" / "tutorials" / "reading-the-outputs.md").read_text()
    assert "leadsim run market.days=30 seed=1" in page
    sentence = page[page.index("In the run above:"):].split("Times are")[0]
    quoted = {name: int(n) for n, name in re.findall(r"(\d+) `(\w+)`", sentence)}
    rates = re.search(r"# \((0\.\d+), (0\.\d+), (0\.\d+)\)", page).groups()
    result = sim.run(sim.load_config(["market.days=30", "seed=1"]))
    assert quoted == result.inquiries["outcome"].value_counts().to_dict()
    s = result.summary
    assert tuple(float(r) for r in rates) == tuple(
        round(s[k], 3) for k in ("market.booking_rate", "practices.alpha.booking_rate",
                                 "practices.beta.booking_rate"))
