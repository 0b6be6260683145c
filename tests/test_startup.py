"""What keeps start-up quick does not change what runs (the times themselves are benchmark
rows, experiments/benchmark.py `startup_*`, not tests): the `leadsim` listing imports
none of the stack; the model imports Mesa without scipy.spatial, and Mesa's deferred
parts still work when asked for; a run's mode is not composed twice; the quick exit keeps
every output and the exit status. (Importing Mesa without its unused parts:
tests/test_mesa_import.py.)"""

from __future__ import annotations

import json

import pytest


def test_the_command_listing_imports_none_of_the_stack(python):
    heavy = json.loads(python(
        "import sys, json; from sim.cli import usage; usage(); "
        "print(json.dumps([m for m in ('hydra', 'omegaconf', 'numpy', 'pandas', 'mesa', "
        "'yaml') if m in sys.modules]))"))
    assert heavy == []


def test_preflight_gives_hydra_the_mode_it_composed_and_nothing_else(monkeypatch):
    from sim import hydra_support
    from sim.hydra_adapter import hydra_class

    Hydra = hydra_class()

    monkeypatch.setattr(Hydra, "get_mode", Hydra.get_mode)  # undone after the test
    hydra_support.preflight(["market.days=2", "seed=3"], "config")
    calls = []

    class Counting:  # stands for Hydra's instance: counts its compositions
        def compose_config(self, **kwargs):
            calls.append(kwargs["overrides"])
            raise RuntimeError("not composed here")

    assert Hydra.get_mode(Counting(), "config", ["market.days=2", "seed=3"]) is None
    assert calls == []  # given, not composed
    Hydra.get_mode(Counting(), "config", ["market.days=3"])  # another command line
    assert calls == [["market.days=3"]]  # asked Hydra


@pytest.mark.slow
def test_a_run_through_the_quick_exit_keeps_its_outputs_and_status(run_cli, list_files):
    ok = run_cli(["run", "market.days=2", "figures=never", "hydra.run.dir=out"],
                 module="sim.cli")
    assert ok.returncode == 0, ok.stderr
    assert "outputs:" in ok.stdout  # stdout flushed before the exit
    files = list_files(ok.cwd / "out")
    for name in ("summary.json", "inquiries.parquet", "config.yaml", ".hydra/config.yaml"):
        assert name in files
    json.loads((ok.cwd / "out" / "summary.json").read_text())
    bad = run_cli(["run", "market.days=0"], module="sim.cli")
    assert bad.returncode == 2 and bad.stderr.startswith("error: market.days")
