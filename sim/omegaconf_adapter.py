"""OmegaConf's private parts, in one place (tests/test_omegaconf_adapter.py checks each
against the installed OmegaConf and fails naming the assumption if it changes).

- `list_items`: a ListConfig's item nodes without resolving them (`ListConfig._iter_ex`),
  the list's counterpart of the public `DictConfig.items_ex(resolve=False)`: walking a
  composed config to find where a key sits must not fail on an interpolation that does
  not resolve yet.
"""

from __future__ import annotations

from typing import Any


def list_items(node: Any) -> list[Any]:
    """The items of a ListConfig, unresolved: nodes stay nodes, `${...}` stays text."""
    return list(node._iter_ex(resolve=False))
