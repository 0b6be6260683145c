"""`python -m sim` / `leadsim`: bad input is one line and writes nothing; a good run writes
the output contract of DESIGN.md, and the M/M/c+M line agrees with Erlang A."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_config import BAD_CONFIGS, names_key

from sim.analysis.erlang import erlang_a_metrics

INQUIRY_COLUMNS = ["inquiry_id", "prospect_id", "practice", "channel", "arrived_at",
                   "answered_at", "contacted_at", "attempts", "abandoned", "outcome"]


def assert_clean_failure(proc, key, list_files):
    out, err = proc.stdout, proc.stderr
    assert proc.returncode != 0
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 1, f"stderr is not one line: {err!r}"
    assert lines[0].startswith("error:"), lines[0]
    assert names_key(lines[0], key), f"{key!r} not named in {lines[0]!r}"
    assert list_files(proc.cwd) == [], "a failed command created files"


@pytest.mark.parametrize(("overrides", "key"), BAD_CONFIGS)
def test_bad_input_is_one_line_exit_nonzero_and_no_output(run_cli, list_files, overrides, key):
    assert_clean_failure(run_cli(overrides), key, list_files)


def test_bad_value_in_a_sweep_is_caught_before_any_job(run_cli, list_files):
    assert_clean_failure(run_cli(["-m", "seed=0,-1", "market.days=1"]), "seed", list_files)


@pytest.mark.parametrize(("overrides", "key", "allowed"), [
    (["hydra.launcher.n_jobs=0"], "hydra.launcher.n_jobs", "-1 for one per core"),
    (["hydra.launcher.n_jobs=abc"], "hydra.launcher.n_jobs",
     "'abc' is not allowed (allowed: a whole number)"),
    (["hydra.launcher.njobs=2"], "hydra.launcher.njobs", "n_jobs"),
    (["hydra/launcher=basic", "hydra.launcher.n_jobs=2"], "hydra.launcher.n_jobs", "_target_"),
    (["hydra.sweeper.max_batch_size=-1"], "hydra.sweeper.max_batch_size", ">= 1"),
    (["hydra.sweep.subdir="], "hydra.sweep.subdir", "hydra.job.num"),
])
def test_bad_hydra_settings_are_one_line_before_the_sweep_folder(run_cli, list_files,
                                                                 overrides, key, allowed):
    """Hydra's own settings are checked with the jobs: without it, n_jobs=0 or a negative
    batch size ended in a traceback after the sweep folder and an empty table were made."""
    proc = run_cli(["-m", "seed=1,2", "market.days=1", *overrides])
    assert proc.returncode == 2
    assert_clean_failure(proc, key, list_files)
    assert allowed in proc.stderr


@pytest.mark.parametrize(("arg", "key"), [
    ("seed=range(1,3", "seed"), ("market.days=1,,2", "market.days"), ("seed=[1,2", "seed"),
    ("market.days='abc", "market.days"), ("seed", "seed")])
def test_an_override_the_parser_cannot_read_names_its_key(run_cli, list_files, arg, key):
    proc = run_cli(["-m", arg, "market.days=1"])
    assert_clean_failure(proc, key, list_files)
    assert f"cannot read '{arg}'" in proc.stderr and "range(start,stop" in proc.stderr


@pytest.mark.parametrize(("args", "key", "text"), [
    (["-m", "seed=range(1,3,0)", "market.days=1"], "seed", "step other than 0"),
    (["-m", "seed=1,2", "hydra.verbose=true,false", "market.days=1"], "hydra.verbose",
     "sweeps Hydra's own settings"),
    (["--config-name=nosuch"], "--config-name", "allowed: compare_staffing, config,"),
])
def test_more_command_lines_hydra_answers_with_a_page(run_cli, list_files, args, key, text):
    proc = run_cli(args)
    assert proc.returncode == 2
    assert_clean_failure(proc, key, list_files)
    assert text in proc.stderr


def test_an_override_without_a_key_is_one_line(run_cli, list_files):
    proc = run_cli(["=3", "market.days=1"])
    assert proc.returncode == 2 and proc.stderr.strip() == (
        "error: '=3': no key before '=' (allowed: key=value)")
    assert list_files(proc.cwd) == []


def test_console_script_help(run_cli, list_files):
    exe = Path(sys.executable).with_name("leadsim")
    assert exe.is_file(), f"no console script at {exe}"
    proc = run_cli(["run", "--help"], exe=exe, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for group in ("scenario", "practice", "market"):
        assert group in proc.stdout
    assert "mmc" in proc.stdout and "dedicated_coordinator" in proc.stdout
    assert list_files(proc.cwd) == []


def batch_se(values: pd.Series, batches: pd.Series) -> float:
    """Standard error of a mean by batch means (ratio estimator over unequal batches)."""
    g = pd.DataFrame({"x": values.astype(float), "b": batches}).groupby("b")["x"]
    sums, counts = g.sum().to_numpy(), g.count().to_numpy()
    mean = sums.sum() / counts.sum()
    resid = sums - mean * counts
    k = len(counts)
    return math.sqrt((resid**2).sum() / (k * (k - 1))) / counts.mean()


@pytest.mark.slow
def test_mmc_run_writes_the_output_contract(run_cli):
    args = ["scenario=mmc", "scenario.arrivals_per_hour=30", "scenario.servers=4",
            "scenario.handle_minutes=7", "scenario.patience_minutes=3", "scenario.days=40",
            "seed=1"]
    proc = run_cli(args)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    runs = [p for p in (proc.cwd / "results" / "runs").glob("*/*") if p.is_dir()]
    assert len(runs) == 1, runs
    out = runs[0]
    assert out.parent.parent == proc.cwd / "results" / "runs"  # results/runs/<date>/<time>
    for name in ("summary.json", "inquiries.parquet", "prospects.parquet", "daily.parquet",
                 "config.yaml"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    # the log is named after the command (Hydra's default would be __main__.log)
    assert [p.name for p in out.glob("*.log")] == ["run.log"]
    # atomic writes leave no temporary files behind (they start with a dot)
    assert [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".hydra"] == []

    inq = pd.read_parquet(out / "inquiries.parquet")
    assert set(INQUIRY_COLUMNS) <= set(inq.columns)
    assert inq["abandoned"].dtype == bool
    assert len(inq) > 0 and (inq["channel"] == "phone").all()
    assert inq["inquiry_id"].is_unique
    days = 40
    assert inq["arrived_at"].between(0, days * 1440).all()
    # every caller is either answered live or abandons: answered_at NaN exactly for those
    np.testing.assert_array_equal(inq["answered_at"].isna().to_numpy(),
                                  inq["abandoned"].to_numpy())
    answered = inq[inq["answered_at"].notna()]
    assert (answered["answered_at"] >= answered["arrived_at"]).all()
    assert 0 < inq["abandoned"].sum() < len(inq)

    daily = pd.read_parquet(out / "daily.parquet")
    assert {"day", "practice"} <= set(daily.columns)
    assert not daily.duplicated(["day", "practice"]).any()
    assert daily["day"].nunique() >= days
    assert isinstance(pd.read_parquet(out / "prospects.parquet"), pd.DataFrame)
    config_text = (out / "config.yaml").read_text()
    assert "kind: mmc" in config_text and "seed: 1" in config_text

    summary = json.loads((out / "summary.json").read_text())
    theory = erlang_a_metrics(30 / 60, 7, 4, 3)
    for metric in ("p_wait", "p_abandon", "mean_wait_minutes", "utilisation"):
        assert f"mmc.observed.{metric}" in summary and f"mmc.erlang_a.{metric}" in summary
    assert summary["mmc.erlang_a.p_wait"] == pytest.approx(theory.p_wait, rel=1e-9)
    assert summary["mmc.erlang_a.p_abandon"] == pytest.approx(theory.p_abandon, rel=1e-9)
    assert summary["mmc.observed.p_abandon"] == pytest.approx(inq["abandoned"].mean())

    # The summary's binomial SE assumes independent callers. Waits are serially
    # correlated (a caller who waits is followed by others who wait: the queue is a
    # Markov chain), so the true SE is larger, here by a factor of about 1.5-2. A day is
    # hundreds of handling times long, so day-long batches are close to independent:
    # the batch-means SE is honest. Use the larger of the two.
    day = (inq["arrived_at"] // 1440).astype(int)
    waited = inq["hold_minutes"].fillna(0.0) > 0
    for metric, values in (("p_wait", waited), ("p_abandon", inq["abandoned"])):
        se = max(summary[f"mmc.binomial_se.{metric}"], batch_se(values, day))
        observed, expected = summary[f"mmc.observed.{metric}"], summary[f"mmc.erlang_a.{metric}"]
        assert abs(observed - expected) < 4 * se, (metric, observed, expected, se)


@pytest.mark.slow
def test_single_runs_draw_their_figures_and_sweep_jobs_do_not_unless_asked(run_cli):
    """`figures=auto`: a single market run writes first_response.png and reputation.png;
    the jobs of a sweep skip them (a sweep's output is sweep.parquet), unless
    `figures=always`; `figures=never` skips them in a single run too."""
    def pngs(folder: Path) -> list[str]:
        return sorted(p.name for p in folder.glob("*.png"))

    drawn = ["first_response.png", "reputation.png"]
    single = run_cli(["market.days=3", "hydra.run.dir=single"])
    assert single.returncode == 0, single.stderr
    assert pngs(single.cwd / "single") == drawn
    plain = run_cli(["market.days=3", "figures=never", "hydra.run.dir=plain"])
    assert plain.returncode == 0, plain.stderr
    assert pngs(plain.cwd / "plain") == [] and (plain.cwd / "plain" / "summary.json").is_file()
    swept = run_cli(["-m", "seed=1,2", "market.days=3", "hydra/launcher=basic",
                     "hydra.sweep.dir=swept", "figures=auto,always"])
    assert swept.returncode == 0, swept.stderr
    table = pd.read_parquet(swept.cwd / "swept" / "sweep.parquet")
    for _, row in table.iterrows():
        job = swept.cwd / "swept" / row["job_dir"]
        assert pngs(job) == (drawn if row["figures"] == "always" else []), row["job_dir"]
