"""The assumption sim/omegaconf_adapter.py makes about OmegaConf's private parts, checked
against the installed OmegaConf (fails naming it if a new OmegaConf changes it)."""

from __future__ import annotations

import pytest
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import InterpolationResolutionError

from sim.omegaconf_adapter import list_items


def test_list_items_gives_a_lists_items_without_resolving_them():
    items = OmegaConf.create([{"a": 1}, "${missing}", 3])
    with pytest.raises(InterpolationResolutionError):
        list(items)  # the public iteration resolves, and fails on what does not resolve
    found = list_items(items)
    assert len(found) == 3 and isinstance(found[0], DictConfig), (
        "assumption broken: ListConfig._iter_ex(resolve=False) yields containers as nodes")
    assert found[1:] == ["${missing}", 3], (
        "assumption broken: ListConfig._iter_ex(resolve=False) leaves interpolations as text")


def test_a_key_added_inside_a_list_item_is_named_with_its_path():
    """sim.config finds where an unknown key sits by walking the composed config, lists
    included (through list_items)."""
    import sim

    with pytest.raises(sim.ConfigError, match=r"^practices\.alpha\.roster\.0\.colour: "
                       r"unknown key \(allowed: days, start, end, role, staff"):
        sim.load_config(["++practices.alpha.roster.0.colour=red"])
