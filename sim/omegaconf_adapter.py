"""OmegaConf's private parts, in one place (tests/test_omegaconf_adapter.py checks each
against the installed OmegaConf and fails naming the assumption if it changes).

- `list_items`: a ListConfig's item nodes without resolving them (`ListConfig._iter_ex`),
  the list's counterpart of the public `DictConfig.items_ex(resolve=False)`: walking a
  composed config to find where a key sits must not fail on an interpolation that does
  not resolve yet.
- `use_libyaml`: OmegaConf reads and writes YAML through PyYAML's pure-Python parser and
  emitter (`omegaconf._utils.get_yaml_loader`, which `OmegaConf.load` looks up on every
  call, and `get_omega_conf_dumper`, which `OmegaConf.to_yaml` imported by name). A run
  reads some fifteen config files and writes its config four times (Hydra's `.hydra`
  files and config.yaml): about 9% of a one-day `leadsim run` (callgrind: 4.99 G
  instructions with OmegaConf's own, 4.56 G with these). `use_libyaml` puts in their place
  the same loader and dumper on PyYAML's C parser and emitter (libyaml, in PyYAML's
  wheels): the same implicit resolvers (OmegaConf's float rule, no timestamps), the same
  refusal of a duplicate key, the same quoting of strings that would read back as a bool
  or a number. On a malformed file the text is read again with OmegaConf's own loader, so
  the error (its wording, the quoted line) is the one OmegaConf gives. The C emitter
  writes the same text for configs of plain keys and values (the shipped ones and
  thousands of generated ones, tests/test_omegaconf_adapter.py) and, unlike the pure
  emitter, reads back as what it wrote for every string. Without libyaml nothing changes.
"""

from __future__ import annotations

import io
from typing import Any


def list_items(node: Any) -> list[Any]:
    """The items of a ListConfig, unresolved: nodes stay nodes, `${...}` stays text."""
    return list(node._iter_ex(resolve=False))


# OmegaConf's own (pure-Python) loader and dumper classes, once use_libyaml replaced them
PURE: dict[str, Any] = {}


def use_libyaml() -> bool:
    """Make OmegaConf (and so Hydra) read and write YAML through libyaml; idempotent.
    False (and nothing changed) when this PyYAML has no libyaml."""
    if PURE:
        return True
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return False
    import omegaconf._utils as utils
    import omegaconf.omegaconf as api

    pure_loader, pure_dumper = utils.get_yaml_loader(), api.get_omega_conf_dumper()
    loader = _c_loader(yaml, pure_loader)
    dumper = _c_dumper(yaml, utils.OmegaConfDumper.str_representer)
    utils.get_yaml_loader = lambda: loader
    api.get_omega_conf_dumper = lambda: dumper
    PURE.update(loader=pure_loader, dumper=pure_dumper)
    return True


def _c_loader(yaml, pure_loader):
    """A loader on libyaml's parser with `pure_loader`'s resolvers and duplicate-key check;
    a document libyaml refuses is read again by `pure_loader`, whose error is raised."""
    scalar = yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG

    class LibYamlLoader(yaml.CSafeLoader):
        yaml_implicit_resolvers = pure_loader.yaml_implicit_resolvers

        def __init__(self, stream):
            self._stream = hasattr(stream, "read")
            if self._stream:  # keep the text (and the file's name) for a re-read
                self._name = getattr(stream, "name", None)
                stream = stream.read()
            self._text = stream
            super().__init__(stream)

        def construct_mapping(self, node, deep=False):
            keys = set()
            for key, _ in node.value:
                if key.tag != scalar:
                    continue
                if key.value in keys:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"found duplicate key {key.value}", key.start_mark)
                keys.add(key.value)
            return super().construct_mapping(node, deep=deep)

        def get_single_data(self):
            try:
                return super().get_single_data()
            except yaml.YAMLError:
                again = pure_loader(self._reopen())
                try:
                    return again.get_single_data()
                finally:
                    again.dispose()

        def _reopen(self):
            """What the pure loader would have been given: the text, or a stream of it
            under the file's name (the name its marks quote)."""
            if not self._stream:
                return self._text
            text = self._text if isinstance(self._text, str) else self._text.decode("utf-8")
            stream = io.StringIO(text)
            if self._name is not None:
                stream.name = self._name
            return stream

    return LibYamlLoader


def _c_dumper(yaml, str_representer):
    """A dumper on libyaml's emitter with OmegaConf's representer of strings."""

    class LibYamlDumper(yaml.CDumper):
        pass

    LibYamlDumper.add_representer(str, str_representer)
    return LibYamlDumper
