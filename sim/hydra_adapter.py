"""Hydra's private parts, in one place: what leadsim relies on that Hydra 1.3 does not promise.

Hydra's public API (`hydra.main`, the compose API, `ConfigStore`, `HydraConfig`, the
override parser, `Callback`, `ConfigLoader.load_sweep_config`) covers most of what the
apps need. What it does not cover is here, one function per assumption, each with its
test in tests/test_hydra_adapter.py that fails naming the assumption when a new Hydra
changes it (the pin is `hydra-core>=1.3.8,<1.4`):

- `overrides_dirname`: Hydra's own rule for `hydra.job.override_dirname`
  (`hydra._internal.config_loader_impl.get_overrides_dirname`), so a job config copied
  from another gets the name Hydra would give it (sim.sweep_check.JobConfigLoader).
- `config_loader`: a config loader over a search path before Hydra has started
  (`ConfigLoaderImpl`, `create_config_search_path`): listing a group's options for a
  `glob()` sweep or a `hydra/launcher=` choice, the app's config groups.
- `BasicSweeper` / `BASIC_SWEEPER` / `sweep_jobs` / `configured_sweep`: Hydra's basic
  sweeper, the base class of leadsim's (hydra_plugins/leadsim_sweeper), its `_target_`,
  its expansion of a command line into jobs (`split_arguments`) and of
  `hydra.sweeper.params` (`_parse_config`).
- `job_error` / `job_return`: the error a failed job raised, which `JobReturn` keeps in
  `_return_value` (its `return_value` re-raises it).
- `give_mode`: `Hydra.get_mode`, which Hydra calls once before a run only to read
  `hydra.mode` (composing the whole config for it); preflight gives the mode it composed.
- `command_line_flags`: Hydra's own flags (`get_args_parser`), which
  sim.hydra_support.split_argv knows by heart.

Nothing here imports Hydra until it is used (this module is imported at every Hydra
start, by hydra_plugins/leadsim_sweeper, for `BasicSweeper`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# `_target_` of Hydra's basic sweeper (its module path is private)
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"


def __getattr__(name: str) -> Any:
    if name == "BasicSweeper":  # imported when asked for: leadsim's sweeper's base class
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

        return BasicSweeper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def overrides_dirname(overrides: Sequence[Any], kv_sep: str, item_sep: str,
                      exclude_keys: Sequence[str]) -> str:
    """`hydra.job.override_dirname` of a job with these parsed overrides (Hydra's Override
    objects), as Hydra writes it."""
    from hydra._internal.config_loader_impl import get_overrides_dirname

    return get_overrides_dirname(overrides=list(overrides), kv_sep=kv_sep,
                                 item_sep=item_sep, exclude_keys=list(exclude_keys))


def config_loader(config_dir: str, extra_search_path: Sequence[str] = ()):
    """Hydra's config loader over `config_dir` and the extra entries of a search path
    (`pkg://experiments`, as `hydra.searchpath` lists them), as Hydra builds it at start."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path

    search_path = create_config_search_path(config_dir)
    for entry in extra_search_path:
        search_path.append("leadsim", str(entry))
    return ConfigLoaderImpl(config_search_path=search_path)


def sweep_jobs(parsed: Sequence[Any]) -> list[list[str]]:
    """The jobs Hydra's basic sweeper makes of these parsed overrides, in launch order
    (one batch: `max_batch_size` only cuts the same list into pieces)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    return [job for batch in BasicSweeper.split_arguments(list(parsed), None) for job in batch]


def configured_sweep(sweeper: Any) -> list[str]:
    """A basic sweeper's `params` (`hydra.sweeper.params`) as the override lines it adds
    to the command line's."""
    return list(sweeper._parse_config())


def job_error(job_return: Any) -> BaseException:
    """The error a failed job raised (a `JobReturn` with status FAILED)."""
    return job_return._return_value


def job_return(status: Any, value: Any = None):
    """A `JobReturn` with this status holding `value` (the result, or a failed job's
    error), as Hydra's `run_job` makes one."""
    from hydra.core.utils import JobReturn

    return JobReturn(status=status, _return_value=value)


def hydra_class():
    """Hydra's own `Hydra` class (the one `hydra.main` runs)."""
    from hydra._internal.hydra import Hydra

    return Hydra


def give_mode(mode: Any, config_name: str | None, overrides: Sequence[str]) -> None:
    """From now on `Hydra.get_mode(config_name, overrides)` answers `mode` without
    composing, for exactly this config and these overrides; any other call asks Hydra."""
    hydra = hydra_class()
    original = getattr(hydra.get_mode, "__wrapped__", hydra.get_mode)
    expected = (config_name, list(overrides))

    def get_mode(self, config_name, overrides):
        if (config_name, list(overrides)) == expected:
            return mode
        return original(self, config_name, overrides)

    get_mode.__wrapped__ = original
    hydra.get_mode = get_mode


def command_line_flags() -> dict[str, Any]:
    """Hydra's command-line flags: each option string -> its argparse `nargs` (0: none,
    None: one value, '?': an optional one)."""
    from hydra._internal.utils import get_args_parser

    return {name: action.nargs for action in get_args_parser()._actions
            for name in action.option_strings}
