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


# --------------------------------------------------------------------------- use_libyaml

def _libyaml():
    """The adapter installed (as every composition installs it), and OmegaConf's own
    loader and dumper it replaced."""
    import yaml

    from sim.omegaconf_adapter import PURE, use_libyaml

    if not use_libyaml():
        pytest.skip("this PyYAML has no libyaml")
    return yaml, PURE["loader"], PURE["dumper"]


def _shipped_yaml_files():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [p for d in ("configs", "experiments", "examples") for p in (root / d).rglob("*.yaml")]
    assert len(files) > 30
    return files


def test_omegaconf_looks_its_yaml_loader_and_dumper_up_where_the_adapter_replaces_them():
    import omegaconf._utils as utils
    import omegaconf.omegaconf as api

    yaml, _, _ = _libyaml()
    assert issubclass(utils.get_yaml_loader(), yaml.CSafeLoader), (
        "assumption broken: OmegaConf.load takes its loader from omegaconf._utils.get_yaml_loader")
    assert issubclass(api.get_omega_conf_dumper(), yaml.CDumper), (
        "assumption broken: OmegaConf.to_yaml takes its dumper from "
        "omegaconf.omegaconf.get_omega_conf_dumper")
    seen = []
    loader = utils.get_yaml_loader()
    utils.get_yaml_loader = lambda: seen.append(1) or loader
    try:
        OmegaConf.create("a: 1")
    finally:
        utils.get_yaml_loader = lambda: loader
    assert seen, "assumption broken: OmegaConf no longer calls _utils.get_yaml_loader per load"


def test_every_shipped_yaml_file_reads_as_omegaconfs_own_loader_reads_it():
    yaml, pure, _ = _libyaml()
    import omegaconf._utils as utils

    for path in _shipped_yaml_files():
        text = path.read_text()
        assert yaml.load(text, Loader=utils.get_yaml_loader()) == yaml.load(text, Loader=pure), path


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",                 # a duplicate key
    "a: [1, 2\n",                   # an unclosed list
    "a:\n\t- 1\n",                  # a tab
    "a: 1\n  b: 2\n",               # bad indentation
    "x: 1e3\ny: 1_000\nz: .5\nw: 2020-01-01\nv: 'on'\nu: on\n",  # OmegaConf's resolvers
])
def test_a_document_reads_or_fails_as_with_omegaconfs_own_loader(text, tmp_path):
    yaml, pure, _ = _libyaml()

    def outcome(load):
        try:
            return ("value", load())
        except yaml.YAMLError as exc:
            return ("error", type(exc).__name__, str(exc))

    path = tmp_path / "practice.yaml"
    path.write_text(text)
    assert outcome(lambda: OmegaConf.to_container(OmegaConf.create(text))) == outcome(
        lambda: yaml.load(text, Loader=pure))
    with open(path) as f, open(path) as g:  # a file: the marks name it
        assert outcome(lambda: OmegaConf.to_container(OmegaConf.load(f))) == outcome(
            lambda: yaml.load(g, Loader=pure))


def test_composed_configs_are_written_as_omegaconfs_own_dumper_writes_them():
    import yaml as _yaml

    from sim.hydra_support import compose

    yaml, _, pure_dumper = _libyaml()
    for overrides in ([], ["scenario=mmc"], ["practice@practices.alpha=answering_service"],
                      ["plan=unified_inbox", "prospect=lrm2007"]):
        cfg = compose(overrides, hydra_node=True)
        data = OmegaConf.to_container(cfg, enum_to_str=True)  # as OmegaConf.to_yaml
        pure_text = _yaml.dump(data, default_flow_style=False, allow_unicode=True,
                               sort_keys=False, Dumper=pure_dumper)
        assert OmegaConf.to_yaml(cfg) == pure_text, overrides


def test_what_the_libyaml_dumper_writes_reads_back_as_what_it_was():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    yaml, pure, _ = _libyaml()
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30),
                        st.floats(allow_nan=False),
                        st.sampled_from(["yes", "on", "1e3", "${a.b}", "a: b", "- x", "~", ""]))
    values = st.recursive(scalars, lambda c: st.lists(c, max_size=3)
                          | st.dictionaries(st.text(max_size=10), c, max_size=3), max_leaves=12)

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=4))
    def round_trip(data):
        assert yaml.load(OmegaConf.to_yaml(OmegaConf.create(data)), Loader=pure) == data

    round_trip()
