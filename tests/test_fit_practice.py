"""`leadsim fit`: the tutorial's one command on the example files writes every output, the
fitted practice is usable by name (run, compare), and bad input is one line, exit 2, with
nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CALLS = str(EXAMPLES / "harbour_calls.tsv")
LEADS = str(EXAMPLES / "harbour_leads.csv")
COLUMNS = str(EXAMPLES / "harbour_columns.yaml")
MODULE = "experiments.fit_practice"


@pytest.fixture
def own_folder(tmp_path, monkeypatch):
    folder = tmp_path / "user_configs"
    monkeypatch.setenv("LEADSIM_CONFIG_DIR", str(folder))
    return folder


def one_line_exit_2(proc, *named):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for word in named:
        assert word in lines[0], (word, lines[0])


def test_bad_input_is_one_line_and_writes_nothing(run_cli, list_files, own_folder, tmp_path):
    shifted = tmp_path / "no_status.tsv"
    text = Path(CALLS).read_text().replace("\tStatus\t", "\tResult\t", 1)
    shifted.write_text(text)
    broken = tmp_path / "broken.tsv"
    lines = Path(CALLS).read_text().splitlines()
    broken.write_text("\n".join(lines[:2] + [ln.replace("\tAnswered\t", "\tPut through\t")
                                             for ln in lines[2:]]) + "\n")
    cases = [
        ([f"calls={shifted}", f"columns={COLUMNS}", "name=x"],
         ("no_status.tsv", "column 'Status'", "calls.columns.outcome")),
        ([f"calls={CALLS}", f"columns={COLUMNS}", "name=x", "timezone=Mars/Base"],
         ("timezone", "Mars/Base")),
        ([f"calls={CALLS}", f"columns={COLUMNS}"], ("name: missing",)),
        ([f"calls={CALLS}", f"columns={COLUMNS}", "name=solo_front_desk"], ("name",)),
        ([f"calls={CALLS}", "columns=nope", "name=x"], ("unknown mapping 'nope'",)),
        ([f"calls={tmp_path}/none.csv", "name=x"], ("none.csv", "no such file")),
        ([f"calls={broken}", f"columns={COLUMNS}", "name=x"],
         ("broken.tsv", "unknown_value", "'Status' (outcome)", "'Put through'")),
        (["name=x"], ("calls, leads",)),
        ([f"calls={CALLS}", "name=x", "colums=generic"], ("colums: unknown key",)),
        ([f"calls={CALLS}", f"columns={COLUMNS}", "name=x", "max_bad_share=2"],
         ("max_bad_share",)),
    ]
    for args, named in cases:
        proc = run_cli(args, module=MODULE)
        one_line_exit_2(proc, *named)
        assert list_files(proc.cwd) == [], args
        assert not own_folder.exists() or list_files(own_folder) == []


@pytest.mark.slow
def test_the_example_files_fit_in_one_command_and_the_practice_is_usable(
        run_cli, own_folder):
    proc = run_cli([f"calls={CALLS}", f"leads={LEADS}", f"columns={COLUMNS}", "name=harbour",
                    "replications=3", "calibration_replications=1", "n_jobs=1"],
                   module=MODULE, timeout=900)
    assert proc.returncode == 0, proc.stderr
    out = Path(next(ln.split(": ", 1)[1] for ln in proc.stdout.splitlines()
                    if ln.startswith("fit: "))).parent
    if not out.is_absolute():
        out = proc.cwd / out
    for name in ("fit.json", "practice.yaml", "backtest.csv", "calibration.csv",
                 "fit_report.html"):
        assert (out / name).is_file(), name
    assert [p.name for p in out.glob("*.log")] == ["fit.log"]  # named after the command
    keys = json.loads((out / "fit.json").read_text())
    for key in ("phone.talk_minutes.mean", "phone.patience_minutes.mean",
                "phone.patience_minutes.mean.low", "phone.patience_minutes.mean.high",
                "phone.abandoned_share", "phone.answered_within_20s_share",
                "phone.hold_minutes.mean", "rows.read", "rows.skipped", "rows.duplicates"):
        assert keys.get(key) is not None, key
    assert len(keys["arrivals.phone.per_hour_of_week"]) == 168
    # the example's mess: five broken call rows and one lead, a duplicate in each
    assert keys["rows.calls.skipped"] == 5 and keys["rows.leads.skipped"] == 1
    assert keys["rows.duplicates"] == 2
    assert keys["rows.calls.filtered"] > 0 and keys["rows.calls.dropped"] > 0
    # the synthetic practice's own settings, recovered (experiments/make_fit_examples.py)
    assert keys["phone.patience_minutes.mean.low"] < 1.5 < keys["phone.patience_minutes.mean.high"]
    assert keys["phone.talk_minutes.distribution"] == "lognormal"
    table = pd.read_csv(out / "backtest.csv")
    assert list(table.columns[:6]) == ["metric", "observed", "simulated_mean", "simulated_low",
                                       "simulated_high", "within"]
    assert {"phone.calls_per_week", "phone.abandoned_share", "phone.answered_within_20s_share",
            "phone.hold_minutes.mean", "leads.web_form.first_response_median_minutes",
            "leads.web_form.never_answered_share", "leads.booked_share"} <= set(table["metric"])
    assert table["simulated_mean"].notna().all()
    assert table["within"].mean() >= 0.5
    html = (out / "fit_report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3 and "Back-test" in html
    mine = own_folder / "practice" / "harbour.yaml"
    assert mine.read_text() == (out / "practice.yaml").read_text()
    practice = yaml.safe_load(mine.read_text())
    assert practice["inquiries_per_month"]["phone"] > 100
    assert set(practice["inquiry_share"]) >= {"phone", "web_form"}
    # usable by name with no copying
    run = run_cli(["practice@practices.alpha=harbour", "market.days=7", "figures=never"])
    assert run.returncode == 0, run.stderr
    compare = run_cli(["practice=harbour", "replications=2",
                       "market_days=7", "plans=[current,second_front_desk]", "n_jobs=1"],
                      module="experiments.compare_staffing", timeout=600)
    assert compare.returncode == 0, compare.stderr
    assert "report:" in compare.stdout
    # a second fit under the same name is refused (nothing replaced) unless overwrite=true
    again = run_cli([f"calls={CALLS}", f"columns={COLUMNS}", "name=harbour", "backtest=false"],
                    module=MODULE)
    one_line_exit_2(again, "harbour.yaml exists", "overwrite=true")
    assert mine.read_text() == (out / "practice.yaml").read_text()
    forced = run_cli([f"calls={CALLS}", f"columns={COLUMNS}", "name=harbour",
                      "backtest=false", "overwrite=true"], module=MODULE)
    assert forced.returncode == 0, forced.stderr
    assert "web_form" not in yaml.safe_load(mine.read_text())["inquiries_per_month"]
