"""The `leadsim` command: one line per app in `leadsim --help`, each app's own settings in
its `--help`, and `--help` / `--cfg` / `--info` checked as a run is (one line, exit 2,
nothing written)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_cli import assert_clean_failure

from sim.cli import COMMANDS
from sim.describe import first_sentence, schema_keys, yaml_keys
from sim.paths import CONFIG_DIR

LEADSIM = Path(sys.executable).with_name("leadsim")


def leadsim(run_cli, *args):
    return run_cli(list(args), exe=LEADSIM, timeout=120)


def test_leadsim_help_lists_every_command_on_one_line(run_cli, list_files):
    proc = leadsim(run_cli, "--help")
    assert proc.returncode == 0, proc.stderr
    for name, (_, _, line) in COMMANDS.items():
        assert f"  {name}" in proc.stdout and line in proc.stdout, name
    assert list_files(proc.cwd) == []


def test_an_unknown_command_is_one_line_naming_the_allowed(run_cli, list_files):
    proc = leadsim(run_cli, "compre")
    assert proc.returncode == 2
    assert_clean_failure(proc, "compre", list_files)
    assert "compare" in proc.stderr


@pytest.mark.parametrize(("command", "config", "keys"), [
    ("run", "config", ["seed=0", "market.days=90", "figures=auto", "scenario.servers=4"]),
    ("compare", "compare_staffing", ["replications=10", "market_days=90", "sim_overrides=[]",
                                     "target.service_level=0.8"]),
    ("speed-to-lead", "speed_to_lead", ["replications=4", "focal.staff=12",
                                        "market.days=42"]),
    # it refused its own --help: no export given, exit 2
    ("fit", "fit_practice", ["calls=null", "name=null", "max_bad_share=0.01"]),
])
def test_each_app_help_shows_its_own_settings(run_cli, list_files, command, config, keys):
    proc = leadsim(run_cli, command, "--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"leadsim {command}: {COMMANDS[command][2]}")
    for key in keys:
        assert f"  {key} " in out, key
    assert "Traceback" not in out + proc.stderr
    assert list_files(proc.cwd) == []


def test_fit_help_checks_the_values_given(run_cli, list_files):
    """Without an export or a name --help shows the settings; a bad value is still refused."""
    proc = leadsim(run_cli, "fit", "--help", "max_bad_share=-1")
    assert proc.returncode == 2
    assert_clean_failure(proc, "max_bad_share", list_files)


def test_compare_help_says_where_market_settings_go(run_cli):
    out = leadsim(run_cli, "compare", "--help").stdout
    assert "go in sim_overrides" in out and "practice@practices.alpha=" in out
    for plan in ("current", "saturday_shift", "evening_coordinator"):
        assert plan in out


def test_compare_help_shows_the_focal_practice_as_users_type_it(run_cli):
    # the config's key is focal_practice (`practice` is also a config group): users type
    # practice=, and the value they typed shows
    out = leadsim(run_cli, "compare", "--help").stdout
    assert "  practice=null " in out and "focal_practice" not in out
    out = leadsim(run_cli, "compare", "--help", "practice=social_first").stdout
    assert "  practice=social_first " in out


def test_fit_help_says_where_the_tutorials_examples_are(run_cli):
    import sim

    out = leadsim(run_cli, "fit", "--help").stdout
    assert f"{sim.EXAMPLES_DIR}/" in out


def test_help_shows_the_values_the_overrides_give(run_cli):
    out = leadsim(run_cli, "run", "market.days=30", "seed=4", "--help").stdout
    assert "  market.days=30 " in out and "  seed=4 " in out


@pytest.mark.parametrize("flag", [["--help"], ["--cfg", "job"], ["--cfg=job"], ["-c", "all"],
                                  ["--info", "config"], ["--resolve", "--cfg", "job"]])
@pytest.mark.parametrize(("override", "key"), [("market.days=-1", "market.days"),
                                               ("market.dayz=3", "market.dayz")])
def test_help_and_cfg_are_checked_as_a_run_is(run_cli, list_files, flag, override, key):
    """They printed the config with market.days=-1, or Hydra's page for a typo."""
    proc = run_cli([*flag, override])
    assert proc.returncode == 2
    assert_clean_failure(proc, key, list_files)


@pytest.mark.parametrize(("args", "key", "text"), [
    (["--foo"], "--foo", "not an option"),
    (["--cfg"], "--cfg", "needs a value"),
    (["--cfg", "jobs"], "--cfg", "allowed: job, hydra, all"),
    (["-m", "seed=1,2", "--cfg", "job"], "--cfg", "cannot go with --multirun"),
    (["--info", "everything"], "--info", "allowed: all, config, defaults"),
])
def test_bad_flags_are_one_line(run_cli, list_files, args, key, text):
    proc = run_cli(args)
    assert proc.returncode == 2
    assert_clean_failure(proc, key, list_files)
    assert text in proc.stderr


def test_cfg_job_of_compare_is_its_config_not_a_key_named_job(run_cli, list_files):
    proc = leadsim(run_cli, "compare", "--cfg", "job", "market_days=14")
    assert proc.returncode == 0, proc.stderr
    assert "market_days: 14" in proc.stdout
    assert list_files(proc.cwd) == []


@pytest.mark.parametrize(("command", "module"), [("sweep-summary", "sim.sweep_summary"),
                                                 ("benchmark", "experiments.benchmark")])
def test_argparse_apps_name_the_command_they_were_run_as(run_cli, command, module):
    assert leadsim(run_cli, command, "--help").stdout.startswith(f"usage: leadsim {command} ")
    assert run_cli(["--help"], module=module).stdout.startswith(f"usage: python -m {module} ")


def test_schema_comments_are_read_from_the_source():
    keys = {k.key: k for k in schema_keys(__import__("sim.config").config.Config)}
    drain = keys["market.drain_days"]
    assert drain.default == 7 and drain.comment.startswith("Days after the last arrival")
    assert keys["practices.<slot>.roster.<i>.hourly_wage"].comment.startswith("US receptionist")
    assert keys["practices.<slot>.policy.max_attempts"].default == 4
    assert keys["figures"].default == "auto" and keys["figures"].type == "auto | always | never"


def test_yaml_comments_are_read_from_the_file():
    keys = dict(yaml_keys(CONFIG_DIR / "compare_staffing.yaml"))
    assert first_sentence(keys["replications"]) == "at least 2"
    assert keys["target.service_level"].startswith("80% of calls")
    # the key's own trailing comment, not the file's header above it
    assert keys["plans"].startswith("names (configs/plan/")
    assert "Primary config" not in keys["plans"]
    assert "hydra.run.dir" not in keys and "defaults" not in keys
