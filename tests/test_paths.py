"""The user's own config folder: found by name by every app, shipped names first."""

from __future__ import annotations

import pytest

import sim
from sim import paths


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path))
    return tmp_path


def test_user_folder_follows_the_environment(user_dir):
    assert paths.user_config_dir() == user_dir.resolve()


def test_user_practice_is_found_by_name(user_dir):
    (user_dir / "practice").mkdir()
    (user_dir / "practice" / "mine.yaml").write_text(
        "name: Mine\nchannels: [phone, email]\n")
    cfg = sim.load_config(["practice@practices.alpha=mine", "market.days=1"])
    assert cfg.practices["alpha"].name == "Mine"
    assert [c.value for c in cfg.practices["alpha"].channels] == ["phone", "email"]
    assert paths.config_file("practice", "mine") == user_dir / "practice" / "mine.yaml"


def test_shipped_option_hides_a_user_file_of_the_same_name(user_dir):
    (user_dir / "practice").mkdir()
    (user_dir / "practice" / "solo_front_desk.yaml").write_text("name: Impostor\n")
    cfg = sim.load_config(["market.days=1"])
    assert cfg.practices["alpha"].name == "Solo front desk"
    assert paths.config_file("practice", "solo_front_desk").parent == paths.CONFIG_DIR / "practice"


def test_without_the_folder_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path / "absent"))
    with pytest.raises(sim.ConfigError, match="unknown option 'mine'"):
        sim.load_config(["practice@practices.alpha=mine"])


def test_the_fit_tutorials_examples_are_found_where_sim_says():
    # a checkout: the top-level examples/ (a wheel: sim/examples/, tests/test_wheel.py)
    assert sim.EXAMPLES_DIR == paths.EXAMPLES_DIR
    names = sorted(p.name for p in sim.EXAMPLES_DIR.iterdir())
    assert names == ["harbour_calls.tsv", "harbour_columns.yaml", "harbour_leads.csv"]
    for name in names:
        assert "SYNTHETIC" in (sim.EXAMPLES_DIR / name).read_text().splitlines()[0].upper()
