"""Hydra glue shared by the CLI apps: composing configs and turning errors into one line.

Every leadsim app (`python -m sim`, `python -m experiments.*`) checks its command line
before Hydra starts a run: the overrides are composed with the compose API and validated,
so a typo or a bad value is reported in one line, with a non-zero exit, before any output
folder is created.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from .config import ConfigError, one_line, register_configs

_registered = False


def config_dir() -> str:
    from . import CONFIG_DIR

    return str(CONFIG_DIR)


def ensure_registered() -> None:
    global _registered
    if not _registered:
        register_configs()
        _registered = True


def compose(overrides: list[str], config_name: str = "config"):
    """Compose `config_name` with overrides; Hydra's errors become ConfigError (one line)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    ensure_registered()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            return hydra_compose(config_name=config_name, overrides=overrides)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra / OmegaConf errors: keep the line that names the key
        raise ConfigError(hydra_message(exc, overrides)) from None


def hydra_message(exc: BaseException, overrides: list[str] | None = None) -> str:
    """Hydra's composition errors as one line with the key and the allowed values."""
    text = str(exc)
    missing = re.search(r"Could not find '([^']+)'", text)
    if missing:
        group, _, option = missing.group(1).rpartition("/")
        options = re.findall(r"^\s+(\S+)\s*$", text, flags=re.M)
        allowed = ", ".join(options) if options else "see configs/" + group
        # Name the key as typed (`practice@practices.alpha`), not just the group.
        typed = [o.split("=", 1) for o in overrides or () if "=" in o]
        key = next((k.lstrip("+~") for k, v in typed
                    if k.lstrip("+~").split("@")[0] == group and v == option), group or option)
        return f"{key}: unknown option '{option}' (allowed: {allowed})"
    cause = exc.__cause__ or exc
    detail = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    full = re.search(r"full_key: (\S+)", str(cause))
    unknown = re.search(r"Key '([^']+)' not in '(\w+)'", detail)
    if unknown:
        key = full.group(1) if full else unknown.group(1)
        return f"{key}: unknown key (allowed: {', '.join(_field_names(unknown.group(2)))})"
    if full:
        return f"{full.group(1)}: {detail}"
    override = re.search(r"override '?([^' ]+?)'?(?:\.|$)", text.splitlines()[0])
    if override:
        return f"{override.group(1)}: {detail}"
    return one_line(exc)


def _field_names(class_name: str) -> list[str]:
    from dataclasses import fields

    from . import config

    cls = getattr(config, class_name, None)
    return [f.name for f in fields(cls)] if cls is not None else []


def sweep_variants(overrides: list[str]) -> list[list[str]]:
    """For a multirun command line, plain override lists that together use every swept
    value once (each value with the other sweeps at their first value)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    choices = []
    for o in parsed:
        if o.is_sweep_override():
            key = o.get_key_element()
            choices.append([f"{key}={v}" for v in o.sweep_string_iterator()])
        else:
            choices.append([o.input_line])
    base = [c[0] for c in choices]
    variants = [base]
    for i, options in enumerate(choices):
        for value in options[1:]:
            variants.append(base[:i] + [value] + base[i + 1 :])
    return variants


def _is_group(key: str) -> bool:
    """Whether an override key picks a config-group option (`plan`, `practice@...`)."""
    key = key.lstrip("+~")
    return "@" in key or ("." not in key and (Path(config_dir()) / key).is_dir())


def _check_variant(base, base_overrides, overrides, config_name, check) -> None:
    """Check one sweep variant. One that only changes plain values is checked as the base
    config with those values set (milliseconds); a group choice is composed afresh: a sweep
    over `seed=range(1,1001)` must not compose a thousand times."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    changed = [o for o in overrides if o not in base_overrides]
    parsed = OverridesParser.create().parse_overrides(changed)
    if any(_is_group(o.key_or_group) or o.is_add() or o.is_delete() for o in parsed):
        cfg = compose(overrides, config_name)
        if check is not None:
            check(cfg)
        return
    try:
        with _Patched(base, parsed) as cfg:
            if check is not None:
                check(cfg)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(hydra_message(exc, overrides)) from None


class _Patched:
    """The base config with one variant's plain values set, restored on exit (a deep copy
    of a composed config costs more than checking it)."""

    def __init__(self, base, overrides):
        self.base, self.overrides, self.saved = base, overrides, []

    def __enter__(self):
        from omegaconf import DictConfig, ListConfig, OmegaConf

        for o in self.overrides:
            old = OmegaConf.select(self.base, o.key_or_group, throw_on_missing=False)
            if isinstance(old, DictConfig | ListConfig):
                old = OmegaConf.to_container(old)
            self.saved.append((o.key_or_group, old))
            OmegaConf.update(self.base, o.key_or_group, o.value(), merge=False)
        return self.base

    def __exit__(self, *exc):
        from omegaconf import OmegaConf

        for key, old in reversed(self.saved):
            OmegaConf.update(self.base, key, old, merge=False)
        return False


def preflight(argv: list[str], config_name: str, check: Callable | None = None) -> None:
    """Validate the command line before Hydra runs; on a bad input print one line and exit 2.

    `check(cfg_dictconfig)` may add app-specific checks (raise ConfigError)."""
    args = [a for a in argv if not a.startswith("-")]
    if any(a.startswith("-") and a not in ("-m", "--multirun") for a in argv):
        return  # Hydra's own flags (--help, --cfg, --info ...): let Hydra answer them
    multirun = "-m" in argv or "--multirun" in argv
    app_args = [a for a in args if not a.startswith("hydra/") and not a.startswith("hydra.")]
    try:
        variants = sweep_variants(app_args) if multirun else [app_args]
        base = compose(variants[0], config_name)
        if check is not None:
            check(base)
        for overrides in variants[1:]:
            _check_variant(base, variants[0], overrides, config_name, check)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except Exception as exc:  # the override parser's own syntax errors
        print(f"error: {hydra_message(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
