"""The search-path plugin: `file://<user config folder>` after leadsim's own configs."""

from __future__ import annotations

from pathlib import Path

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class LeadsimSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        from sim.paths import CONFIG_DIR, user_config_dir

        shipped = CONFIG_DIR.resolve()
        ours = False
        for element in search_path.get_path():
            path = element.path or ""
            if path.startswith("file://"):
                path = path[len("file://"):]
            try:
                ours = ours or Path(path).resolve() == shipped
            except (OSError, ValueError):
                continue
        user = user_config_dir()
        if ours and user.is_dir():  # Hydra warns about a folder that does not exist
            search_path.append(provider="leadsim-user", path=f"file://{user}")
