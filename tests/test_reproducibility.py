"""One seed makes a run reproducible bit for bit: same seed, same bytes on disk."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sim

MMC = ["scenario=mmc", "scenario.days=5"]
MARKET = ["market.days=14"]


def save(overrides: list[str], directory: Path) -> dict[str, bytes]:
    sim.run(sim.load_config(overrides)).save(directory)
    return contract_bytes(directory)


def contract_bytes(directory: Path) -> dict[str, bytes]:
    files = sorted(Path(directory).glob("*.parquet")) + [Path(directory) / "summary.json"]
    return {f.name: f.read_bytes() for f in files}


@pytest.mark.parametrize("overrides", [MMC, MARKET], ids=["mmc", "market"])
def test_same_seed_same_bytes_different_seed_different_bytes(tmp_path, overrides):
    first = save(overrides + ["seed=3"], tmp_path / "a")
    again = save(overrides + ["seed=3"], tmp_path / "b")
    other = save(overrides + ["seed=4"], tmp_path / "c")
    assert {"inquiries.parquet", "prospects.parquet", "daily.parquet",
            "summary.json"} <= set(first)
    assert first.keys() == again.keys()
    for name in first:
        assert first[name] == again[name], f"{name} differs between two runs with one seed"
    assert first["inquiries.parquet"] != other["inquiries.parquet"]
    assert first["summary.json"] != other["summary.json"]


@pytest.mark.slow
def test_same_seed_same_bytes_in_another_process(tmp_path):
    """Nothing depends on the process: string hashing, object ids, import order."""
    here = save(MARKET + ["seed=9"], tmp_path / "here")
    script = textwrap.dedent(f"""
        import sim
        sim.run(sim.load_config({MARKET + ["seed=9"]!r})).save({str(tmp_path / "there")!r})
    """)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    env.pop("HYDRA_FULL_ERROR", None)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path, env=env,
                   timeout=300)
    there = contract_bytes(tmp_path / "there")
    assert here.keys() == there.keys()
    for name in here:
        assert here[name] == there[name], f"{name} differs between processes"


@pytest.mark.parametrize("as_composed", [True, False], ids=["dictconfig", "dataclass"])
def test_the_saved_config_yaml_reruns_the_same_run(tmp_path, as_composed):
    """config.yaml is the whole resolved configuration: a run loaded from it reproduces the
    run bit for bit, whether the run was given Hydra's composed DictConfig (as a job is)
    or a validated Config."""
    from omegaconf import OmegaConf

    from sim.config import Config, to_config
    from sim.hydra_support import compose

    overrides = MARKET + ["seed=5", "plan=autoreply_callback_5min", "market.days=10"]
    cfg = compose(overrides, "config") if as_composed else sim.load_config(overrides)
    sim.run(cfg).save(tmp_path / "first")
    saved = OmegaConf.load(tmp_path / "first" / "config.yaml")
    again = to_config(OmegaConf.merge(OmegaConf.structured(Config), saved))
    sim.run(again).save(tmp_path / "again")
    assert contract_bytes(tmp_path / "first") == contract_bytes(tmp_path / "again")
    assert again.practices["alpha"].policy.first_response_delay_minutes == 0.0


def test_the_digest_fingerprints_a_run_and_only_that_run(capsys):
    """experiments.digest (the check that a refactor changed nothing) gives one run the
    same fingerprint every time and another seed another one; it takes no arguments."""
    from experiments.digest import digest, main

    first, again = digest(MARKET + ["seed=2"]), digest(MARKET + ["seed=2"])
    assert {"inquiries.parquet", "prospects.parquet", "summary.json"} <= set(first)
    assert "config.yaml" not in first
    assert first == again
    assert digest(MARKET + ["seed=3"])["inquiries.parquet"] != first["inquiries.parquet"]
    with pytest.raises(SystemExit) as exit_:
        main(["--seed"])
    assert exit_.value.code == 2 and capsys.readouterr().err.startswith("error: --seed")
