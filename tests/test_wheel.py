"""The package as a user gets it: a wheel built from the checkout, installed (not editable)
into a fresh virtual environment, runs every app from any folder and writes there.

The wheel is built from a copy of only the files the build reads, so it cannot lean on
anything else in the checkout; the venv is new, so its `sim` is the wheel's and not the
checkout's (pip's cache makes installing the dependencies quick: about 30 s here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "setup.py", "README.md", "configs", "examples", "sim",
           "experiments", "hydra_plugins"]


def _run(cmd, cwd, timeout=600, env=None):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, env=env)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv bin folder, environment) of a fresh venv with the built wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", src],
         cwd=base)
    wheels = list((base / "dist").glob("leadsim-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=base)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheels[0]], cwd=base)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "HYDRA_FULL_ERROR", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv / "bin", env


@pytest.fixture
def cwd(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


@pytest.mark.slow
def test_the_wheel_carries_the_configs_and_runs_the_market_from_anywhere(installed, cwd):
    bin_, env = installed
    where = _run([bin_ / "python", "-c", "import sim; print(sim.__file__); print(sim.CONFIG_DIR)"],
                 cwd=cwd, env=env).stdout.split()
    assert "site-packages" in where[0] and not where[0].startswith(str(ROOT)), where
    assert Path(where[1]) == Path(where[0]).parent / "configs", where
    proc = _run([bin_ / "leadsim", "run", "market.days=5"], cwd=cwd, env=env)
    runs = list((cwd / "results" / "runs").glob("*/*"))
    assert len(runs) == 1, proc.stdout
    for name in ("summary.json", "inquiries.parquet", "config.yaml", "first_response.png"):
        assert (runs[0] / name).is_file(), name
    assert f"outputs: {runs[0]}" in proc.stdout


@pytest.mark.slow
def test_the_wheel_compares_two_plans_from_anywhere(installed, cwd):
    bin_, env = installed
    proc = _run([bin_ / "leadsim", "compare", "replications=2", "market_days=14",
                 "plans=[current,saturday_shift]"], cwd=cwd, env=env)
    out = list((cwd / "results" / "compare_staffing").glob("*/*"))
    assert len(out) == 1, proc.stdout
    for name in ("report.html", "comparison.csv", "replications.csv"):
        assert (out[0] / name).is_file(), name
    assert "saturday_shift" in (out[0] / "comparison.csv").read_text()


@pytest.mark.slow
def test_the_wheel_lists_every_app_and_finds_sweeps_and_the_users_own_practice(installed,
                                                                                cwd):
    from sim.cli import COMMANDS

    bin_, env = installed
    listing = _run([bin_ / "leadsim", "--help"], cwd=cwd, env=env).stdout
    for name in COMMANDS:
        assert f"  {name} " in listing, name
    # the example sweeps come through pkg://experiments, the user's files through the
    # search-path plugin in hydra_plugins/: both from site-packages
    mine = cwd / "user_configs"
    (mine / "practice").mkdir(parents=True)
    (mine / "practice" / "mine.yaml").write_text("name: Mine\nchannels: [phone, email]\n")
    env = {**env, "LEADSIM_CONFIG_DIR": str(mine)}
    job = _run([bin_ / "leadsim", "run", "practice@practices.alpha=mine", "--cfg", "job"],
               cwd=cwd, env=env).stdout
    assert "name: Mine" in job
    sweep = _run([bin_ / "python", "-c",
                  "from sim.hydra_support import compose; "
                  "print(compose(['+sweeps=shopping_x_decay'], hydra_node=True)"
                  ".hydra.sweeper.params)"], cwd=cwd, env=env).stdout
    assert "market.shopping_list" in sweep, sweep
    for module in ("sim", "experiments.compare_staffing", "experiments.speed_to_lead"):
        _run([bin_ / "python", "-m", module, "--help"], cwd=cwd, env=env)
    assert sorted(p.name for p in cwd.iterdir()) == ["user_configs"], "--help wrote files"


@pytest.mark.slow
def test_the_wheel_carries_the_fit_tutorials_examples_and_fits_them(installed, cwd):
    """The tutorial's first steps as written: copy sim.EXAMPLES_DIR here, fit them."""
    bin_, env = installed
    where = Path(_run([bin_ / "python", "-c", "import sim; print(sim.EXAMPLES_DIR)"],
                      cwd=cwd, env=env).stdout.strip())
    assert "site-packages" in str(where) and where.name == "examples", where
    assert sorted(p.name for p in where.iterdir() if p.is_file()) == sorted(
        p.name for p in (ROOT / "examples").iterdir())
    assert str(where) in _run([bin_ / "leadsim", "fit", "--help"], cwd=cwd, env=env).stdout
    shutil.copytree(where, cwd / "examples")
    mine = cwd / "user_configs"
    proc = _run([bin_ / "leadsim", "fit", "calls=examples/harbour_calls.tsv",
                 "leads=examples/harbour_leads.csv", "columns=examples/harbour_columns.yaml",
                 "name=harbour", "backtest=false"],
                cwd=cwd, env={**env, "LEADSIM_CONFIG_DIR": str(mine)})
    assert "rows: 1773 read" in proc.stdout, proc.stdout
    assert (mine / "practice" / "harbour.yaml").is_file()
