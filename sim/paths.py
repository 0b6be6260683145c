"""Where leadsim finds its configs: the shipped ones, and the user's own folder; and the
example exports of the fit tutorial.

The shipped configs are the repository's top-level `configs/` in a checkout, and the same
files as package data (`sim/configs/`) in an installed wheel; the example exports are
`examples/` and `sim/examples/` the same way (EXAMPLES_DIR). The user's folder holds a
user's own practices, plans, markets and the like, in the same layout (`practice/`,
`plan/`, `market/`, `prospect/`, ...); every app finds them by name, e.g.
`leadsim run practice@practices.alpha=my_practice`. It is `$LEADSIM_CONFIG_DIR` when set,
otherwise `$XDG_CONFIG_HOME/leadsim` (by default `~/.config/leadsim`). Hydra's search path
gets it through hydra_plugins/leadsim_searchpath; a shipped file wins over a user's file
of the same name, as Hydra searches the primary config folder first.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "LEADSIM_CONFIG_DIR"


def _shipped(folder: str, marker: str) -> Path:
    """sim/<folder> in an installed wheel (package data, see setup.py), else the
    checkout's top-level <folder>/ that users know."""
    here = Path(__file__).resolve().parent
    packaged = here / folder
    if (packaged / marker).is_file():
        return packaged
    return here.parent / folder


CONFIG_DIR = _shipped("configs", "config.yaml")
# The fit tutorial's synthetic exports of Harbour Dermatology (docs/tutorials/fit-your-practice.md)
EXAMPLES_DIR = _shipped("examples", "harbour_columns.yaml")


def user_config_dir() -> Path:
    """The user's own config folder (it need not exist)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return (Path(base).expanduser() / "leadsim").resolve()


def config_dirs() -> list[Path]:
    """The folders searched for a config group's options, in Hydra's order."""
    return [CONFIG_DIR, user_config_dir()]


def config_options(group: str) -> dict[str, Path]:
    """A config group's options by name -> file: the shipped ones, then the user's own
    (a user's file named like a shipped one is hidden by it, as in Hydra)."""
    found: dict[str, Path] = {}
    for folder in config_dirs():
        for path in sorted((folder / group).glob("*.yaml")):
            found.setdefault(path.stem, path)
    return found


def config_file(group: str, name: str) -> Path | None:
    """The file of option `name` of `group`, or None."""
    return config_options(group).get(name)
