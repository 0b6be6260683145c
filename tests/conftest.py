"""Shared fixtures: running the command line in a clean temporary working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _own_user_config_dir(tmp_path_factory):
    """Tests never read or write the developer's own ~/.config/leadsim: every test (and
    every command it starts) sees an empty user config folder of its own session."""
    folder = tmp_path_factory.mktemp("user_configs")
    old = os.environ.get("LEADSIM_CONFIG_DIR")
    os.environ["LEADSIM_CONFIG_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("LEADSIM_CONFIG_DIR", None)
    else:
        os.environ["LEADSIM_CONFIG_DIR"] = old


@pytest.fixture
def run_cli(tmp_path):
    """Run `python -m sim ARGS` (or another command) in an empty temporary cwd.

    Returns a function `(args, module="sim", exe=None, timeout=300)` -> CompletedProcess with
    `.cwd` (the Path it ran in) set. The child gets a clean environment for Hydra: no
    HYDRA_FULL_ERROR (which would turn one-line errors into tracebacks).
    """

    def run(args, module="sim", exe=None, timeout=300):
        cwd = tmp_path / "cwd"
        cwd.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
        cmd = [str(exe)] if exe is not None else [sys.executable, "-m", module]
        proc = subprocess.run(
            cmd + list(args), cwd=cwd, env=env, capture_output=True, text=True,
            timeout=timeout, stdin=subprocess.DEVNULL,
        )
        proc.cwd = cwd
        return proc

    return run


@pytest.fixture
def python():
    """`python(code)`: run code in a fresh interpreter, for what only a new process shows
    (which modules an import pulls in, the start method it leaves); its output, stripped.
    A failing child fails the test with its stderr."""

    def run(code: str) -> str:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    return run


def files_under(path: Path) -> list[str]:
    """Every file and folder below `path`, relative, sorted (for 'nothing was created')."""
    return sorted(str(p.relative_to(path)) for p in Path(path).rglob("*"))


@pytest.fixture
def list_files():
    """`list_files(path)`: every file and folder below path, relative and sorted."""
    return files_under


@pytest.fixture(scope="module")
def reputation_cfg():
    """Sixty days of the default market (seed 11): the reputation tests' config."""
    import sim

    return sim.load_config(["market.days=60", "seed=11"])


@pytest.fixture(scope="module")
def reputation_run(reputation_cfg):
    """The run of `reputation_cfg` (one per test module that asks for it)."""
    import sim

    return sim.run(reputation_cfg)
