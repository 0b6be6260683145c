"""What keeps start-up quick does not change what runs (the times themselves are benchmark
rows, experiments/benchmark.py `startup_*`, not tests): the `leadsim` listing imports
none of the stack; the model imports Mesa without scipy.spatial, and Mesa's deferred
parts still work when asked for; a run's mode is not composed twice, and a run's config is
composed once, to what Hydra would have composed; the quick exit keeps every output and
the exit status. (Importing Mesa without its unused parts:
tests/test_mesa_import.py.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def test_the_command_listing_imports_none_of_the_stack(python):
    heavy = json.loads(python(
        "import sys, json; from sim.cli import usage; usage(); "
        "print(json.dumps([m for m in ('hydra', 'omegaconf', 'numpy', 'pandas', 'mesa', "
        "'yaml') if m in sys.modules]))"))
    assert heavy == []


@pytest.mark.parametrize("overrides", [["market.days=3", "seed=2"],
                                       ["scenario=mmc", "scenario.days=1", "seed=2"]])
def test_a_run_and_its_save_import_no_pandas_until_a_table_is_asked_for(python, overrides,
                                                                         tmp_path):
    """Importing pandas costs about half a second, a quarter of a one-day run: the model,
    the summary and the saved files need none of it (sim/analysis/columns.py). Asking for
    a table then imports it and gives the DataFrame, equal to the file saved."""
    out = json.loads(python(
        "import json, sys, logging; logging.getLogger('MESA').setLevel(logging.WARNING)\n"
        "import sim\n"
        f"result = sim.run(sim.load_config({overrides!r}))\n"
        f"result.save({str(tmp_path)!r})\n"
        "before = 'pandas' in sys.modules\n"
        "inquiries = result.inquiries\n"
        "import pandas as pd\n"
        f"saved = pd.read_parquet({str(tmp_path / 'inquiries.parquet')!r})\n"
        "pd.testing.assert_frame_equal(saved, inquiries)\n"
        "print(json.dumps([before, type(inquiries).__name__, len(inquiries) > 0, "
        "result.inquiries is inquiries]))"))
    assert out == [False, "DataFrame", True, True]


def test_a_one_day_leadsim_run_imports_no_pandas(run_cli):
    """The command itself (Hydra's job, the quick exit), not only sim.run: -X importtime
    lists every module imported; pandas' own modules must not be among them."""
    proc = run_cli(["-X", "importtime", "-m", "sim.cli", "run", "market.days=1",
                    "figures=never", "hydra.run.dir=out"], module=None, exe=sys.executable)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")]
    assert "sim.analysis.tables" in imported and "mesa.datacollection" in imported
    assert not [m for m in imported if m.startswith("pandas.")]
    assert (proc.cwd / "out" / "inquiries.parquet").exists()


def test_preflight_gives_hydra_the_mode_it_composed_and_nothing_else(monkeypatch):
    from sim import hydra_adapter, hydra_support

    Hydra = hydra_adapter.hydra_class()

    monkeypatch.setattr(Hydra, "get_mode", Hydra.get_mode)  # undone after the test
    given = []  # the config preflight gives (give_config's own test: test_hydra_adapter)
    monkeypatch.setattr(hydra_adapter, "give_config", lambda *a: given.append(a) or True)
    hydra_support.preflight(["market.days=2", "seed=3"], "config")
    (cfg, name, overrides), = given
    assert (name, overrides) == ("config", ["market.days=2", "seed=3"])
    assert cfg.market.days == 2 and cfg.seed == 3 and "hydra" in cfg  # the whole config
    calls = []

    class Counting:  # stands for Hydra's instance: counts its compositions
        def compose_config(self, **kwargs):
            calls.append(kwargs["overrides"])
            raise RuntimeError("not composed here")

    assert Hydra.get_mode(Counting(), "config", ["market.days=2", "seed=3"]) is None
    assert calls == []  # given, not composed
    Hydra.get_mode(Counting(), "config", ["market.days=3"])  # another command line
    assert calls == [["market.days=3"]]  # asked Hydra


# `leadsim run ARGS` in this cwd, counting the reads of the primary config file (one per
# composition); with "hydra" it runs as if preflight had no config to give.
COUNT_COMPOSITIONS = """
import atexit, json, sys
from pathlib import Path
from omegaconf import OmegaConf
from sim import hydra_adapter
from sim.paths import CONFIG_DIR
reads, load = [], OmegaConf.load
def counting(file_):
    if Path(getattr(file_, "name", file_)) == CONFIG_DIR / "config.yaml":
        reads.append(1)
    return load(file_)
OmegaConf.load = counting
args, who = json.loads(sys.argv[1]), sys.argv[2]
if who == "hydra":
    hydra_adapter.give_config = lambda *a: False
atexit.register(lambda: Path("reads.json").write_text(json.dumps(len(reads))))
from sim.cli import main
main(["run", *args])
"""


def hydra_files(out) -> dict[str, str]:
    return {p.name: p.read_text() for p in (out / ".hydra").iterdir()}


@pytest.mark.slow
@pytest.mark.parametrize("args, log", [
    (["market.days=1", "figures=never", "seed=3"], "run.log"),
    (["hydra.job.name=mine", "market.days=1", "figures=never",
      "practice@practices.alpha=answering_service", "hydra/launcher=basic"], "mine.log"),
    (["market.days=1", "figures=never", "hydra.job.name=app"], "app.log"),  # not given
])
def test_a_run_is_composed_once_to_the_config_hydra_would_compose(args, log, tmp_path):
    def run(who: str):
        proc = subprocess.run([sys.executable, "-c", COUNT_COMPOSITIONS, json.dumps(
            ["hydra.run.dir=out", *args]), who], cwd=tmp_path, capture_output=True,
            text=True, timeout=300, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = tmp_path / "out"
        files = hydra_files(out), (out / "summary.json").read_text(), (out / log).exists()
        reads = json.loads((tmp_path / "reads.json").read_text())
        out.rename(tmp_path / who)
        return files, reads

    reference, hydra_reads = run("hydra")
    given, preflight_reads = run("preflight")
    assert given == reference  # .hydra/*.yaml, the summary, the log under the job's name
    assert reference[2]
    assert hydra_reads == 2  # preflight's composition, and Hydra's for the run
    assert preflight_reads == (2 if "hydra.job.name=app" in args else 1)


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
