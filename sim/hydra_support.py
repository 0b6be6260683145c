"""Hydra glue shared by the CLI apps: composing configs and checking a command line.

Every leadsim app (`python -m sim`, `python -m experiments.*`) checks its command line
before Hydra starts a run (`preflight`): its flags, Hydra's own settings and every job of
a sweep are composed with the compose API and validated, so a typo or a bad value is
reported in one line, with exit status 2, before any output folder is created. The line
is worded by sim/hydra_errors.py; a sweep's jobs are checked, composing only a few of
them, by sim/sweep_check.py (`SweepChecker`, which leadsim's Hydra sweeper uses too);
Hydra's private parts are reached through sim/hydra_adapter.py.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .config import ConfigError, register_configs
from .hydra_errors import hydra_message, source_path
from .omegaconf_adapter import use_libyaml
from .sweep_check import SweepChecker

_registered = False


def config_dir() -> str:
    from .paths import CONFIG_DIR

    return str(CONFIG_DIR)


def ensure_registered() -> None:
    global _registered
    if not _registered:
        register_configs()
        _registered = True


def compose(overrides: list[str], config_name: str = "config", hydra_node: bool = False):
    """Compose `config_name` with overrides; Hydra's errors become ConfigError (one line).

    `hydra_node=True` keeps the `hydra` node (as a Hydra job's config has it)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    ensure_registered()
    use_libyaml()  # Hydra reads the config files, and writes them, through libyaml
    _check_plan_choice(overrides)
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            return hydra_compose(config_name=config_name, overrides=overrides,
                                 return_hydra_config=hydra_node)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra / OmegaConf errors: keep the line that names the key
        raise ConfigError(hydra_message(exc, overrides)) from None


def _check_plan_choice(overrides: list[str]) -> None:
    """`plan=NAME` of a plan file of the former kind (a partial practice under
    `# @package practices.alpha`) is refused in one line saying what to write instead."""
    from .config_files import check_plan_header

    for o in overrides:
        key, _, option = o.partition("=")
        if key.lstrip("+~") == "plan" and option and "," not in option:
            path = source_path(f"plan/{option}")
            if path is not None:
                check_plan_header(path)


def sweep_variants(overrides: list[str], config_name: str = "config") -> list[list[str]]:
    """For a multirun command line, plain override lists that together use every swept
    value once (each value with the other sweeps at their first value). A `glob(...)`
    sweep of a config group lists the group's options in the app's config search path."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create(config_loader=_config_loader(config_name)
                                    ).parse_overrides(overrides)
    choices = []
    for o in parsed:
        if o.is_sweep_override():
            key = o.get_key_element()
            try:
                values = list(o.sweep_string_iterator())
            except ValueError as exc:  # range(1,3,0)
                raise ConfigError(f"{key}: '{o.input_line}' {exc} (allowed: a sweep a,b,c, "
                                  "range(start,stop[,step]) with a step other than 0, "
                                  "choice(a,b))") from None
            choices.append([f"{key}={v}" for v in values])
            if not choices[-1]:
                raise ConfigError(f"{key}: '{o.input_line}' sweeps no value (allowed: a "
                                  "sweep with at least one value)")
        else:
            choices.append([o.input_line])
    base = [c[0] for c in choices]
    variants = [base]
    for i, options in enumerate(choices):
        for value in options[1:]:
            variants.append(base[:i] + [value] + base[i + 1 :])
    return variants


def config_sweep(cfg) -> dict:
    """The sweep a composed config (with its `hydra` node) defines: key -> swept values."""
    from omegaconf import OmegaConf

    params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
    return OmegaConf.to_container(params, resolve=False) if params else {}


def with_config_sweep(params: dict, overrides: list[str]) -> list[str]:
    """The config's sweep and the command line as one override list, as Hydra's basic
    sweeper combines them: a key given on the command line replaces the config's."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    lines = [f"{k}={v}" for k, v in params.items()] + list(overrides)
    merged: dict[str, str] = {}
    for o in OverridesParser.create().parse_overrides(lines):
        merged[o.get_key_element()] = o.input_line
    return list(merged.values())


def config_groups(config_name: str = "config") -> list[str]:
    """The top-level config groups of the app, those of its search path (`sweeps`) too."""
    return _config_loader(config_name).list_groups("")


def _config_loader(config_name: str):
    """A Hydra config loader over configs/ and the search path `config_name`.yaml adds
    (`hydra.searchpath`, e.g. pkg://experiments for the example sweeps): what a glob sweep
    needs to list a group's options before Hydra itself starts."""
    import yaml

    from .hydra_adapter import config_loader

    try:
        primary = yaml.safe_load((Path(config_dir()) / f"{config_name}.yaml").read_text())
        extra = (primary or {}).get("hydra", {}).get("searchpath", []) or []
    except (OSError, yaml.YAMLError, AttributeError):
        extra = []
    return config_loader(config_dir(), extra)


def _hydra_settings(overrides: list[str]) -> list[str]:
    """Hydra's own settings of a command line (none of them may be a sweep: Hydra does not
    sweep its own configuration)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    for o in parsed:
        if o.is_sweep_override():
            raise ConfigError(f"{o.get_key_element()}: '{o.input_line}' sweeps Hydra's own "
                              "settings, which Hydra does not do (allowed: one value; sweep "
                              "leadsim's keys, e.g. seed=1,2)")
    return [o.input_line for o in parsed]


def check_hydra_settings(cfg) -> None:
    """Values of Hydra's own settings (a composed config's `hydra` node) that Hydra or the
    launcher would refuse only with a traceback, once the sweep had started."""
    from omegaconf import OmegaConf

    h = cfg.hydra
    n_jobs = OmegaConf.select(h, "launcher.n_jobs", default=None)
    if n_jobs == 0:
        raise ConfigError("hydra.launcher.n_jobs: 0 is not allowed (allowed: a number of "
                          "workers >= 1, or -1 for one per core, -2 for all but one ...)")
    batch = OmegaConf.select(h, "sweeper.max_batch_size", default=None)
    if batch is not None and batch < 1:
        raise ConfigError(f"hydra.sweeper.max_batch_size: {batch} is not allowed (allowed: "
                          "null for one batch, or a whole number >= 1)")
    for node, key in (("sweep", "dir"), ("sweep", "subdir"), ("run", "dir")):
        raw = OmegaConf.to_container(h[node], resolve=False).get(key)
        if raw is None or not str(raw).strip():
            example = "${hydra.job.num}" if key == "subdir" else "results/<name>"
            raise ConfigError(f"hydra.{node}.{key}: empty (allowed: a folder, such as "
                              f"{example})")


# Hydra plugins that come with an optional extra of leadsim (pyproject.toml).
EXTRAS = {"hydra/launcher": {"ray": "ray", "submitit_slurm": "slurm",
                             "submitit_local": "slurm"}}


def check_hydra_choices(args: list[str], config_name: str) -> None:
    """`hydra/<group>=<option>` names an option that exists (Hydra's own message is a page
    long); an option that needs an optional extra says which."""
    loader = None
    for arg in args:
        group, sep, option = arg.partition("=")
        if not (group.startswith("hydra/") and sep) or "," in option or "(" in option:
            continue
        loader = loader or _config_loader(config_name)
        options = loader.get_group_options(group)
        if option not in options:
            extra = EXTRAS.get(group, {}).get(option)
            hint = f"; {option} needs pip install -e '.[{extra}]'" if extra else ""
            raise ConfigError(f"{group}: '{option}' is not available (allowed: "
                              f"{', '.join(sorted(options))}{hint})")


def _check_config_name(argv: list[str]) -> None:
    """`--config-name X` / `-cn X` names a config of configs/ (Hydra's answer is a page)."""
    for i, arg in enumerate(argv):
        name = None
        if arg.startswith("--config-name="):
            name = arg.partition("=")[2]
        elif arg in ("--config-name", "-cn") and i + 1 < len(argv):
            name = argv[i + 1]
        if name is None or "--config-dir" in argv or "-cd" in argv:
            continue
        names = sorted(p.stem for p in Path(config_dir()).glob("*.yaml"))
        if name.removesuffix(".yaml") not in names:
            print(f"error: --config-name: '{name}' is not a config of {config_dir()} "
                  f"(allowed: {', '.join(names)})", file=sys.stderr)
            raise SystemExit(2)


# Hydra's command-line flags: the long name, and whether a value follows ("?": an optional
# one, from the listed choices); tests/test_hydra_adapter.py checks them against Hydra's
_FLAGS = {"--help": 0, "--hydra-help": 0, "--version": 0, "--cfg": 1, "--resolve": 0,
          "--package": 1, "--run": 0, "--multirun": 0, "--shell-completion": 0,
          "--config-path": 1, "--config-name": 1, "--config-dir": 1,
          "--experimental-rerun": 1, "--info": "?"}
_SHORT = {"-h": "--help", "-c": "--cfg", "-p": "--package", "-r": "--run", "-m": "--multirun",
          "-sc": "--shell-completion", "-cp": "--config-path", "-cn": "--config-name",
          "-cd": "--config-dir", "-i": "--info"}
_CFG_CHOICES = ("job", "hydra", "all")
_INFO_CHOICES = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")
# Hydra answers these itself, with a config of its own choosing: nothing to check
_HYDRA_ONLY = ("--hydra-help", "--version", "--shell-completion", "--experimental-rerun",
               "--config-path", "--config-name", "--config-dir")
_MODES = ("--run", "--multirun", "--cfg", "--info", "--shell-completion")


def split_argv(argv: list[str]) -> tuple[dict[str, str | None], list[str]]:
    """A Hydra app's command line as (flags by long name -> value or None, overrides).
    A flag Hydra does not have is a ConfigError naming it."""
    flags: dict[str, str | None] = {}
    overrides: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            overrides.append(arg)
            continue
        name, eq, value = arg.partition("=")
        name = _SHORT.get(name, name)
        if name not in _FLAGS:
            allowed = ", ".join(f for f in _FLAGS if f != "--experimental-rerun")
            raise ConfigError(f"{arg}: not an option (allowed: key=value overrides, and "
                              f"{allowed})")
        takes = _FLAGS[name]
        if eq:
            flags[name] = value
        elif takes == 1:
            if i >= len(argv):
                raise ConfigError(f"{arg}: needs a value (e.g. {arg} "
                                  f"{_CFG_CHOICES[0] if name == '--cfg' else '<value>'})")
            flags[name] = argv[i]
            i += 1
        elif takes == "?" and i < len(argv) and "=" not in argv[i] \
                and not argv[i].startswith("-"):
            flags[name] = argv[i]
            i += 1
        else:
            flags[name] = None
    return flags, overrides


def overrides_of(argv: list[str]) -> list[str]:
    """The key=value overrides of a command line, without Hydra's flags and their values
    (a bad flag is left for preflight to report)."""
    try:
        return split_argv(argv)[1]
    except ConfigError:
        return [a for a in argv if not a.startswith("-")]


def _check_flags(flags: dict[str, str | None]) -> None:
    modes = [f for f in _MODES if f in flags]
    if len(modes) > 1:
        raise ConfigError(f"{modes[1]}: cannot go with {modes[0]} (allowed: one of "
                          f"{', '.join(_MODES)})")
    if "--resolve" in flags and not ("--cfg" in flags or "--help" in flags):
        raise ConfigError("--resolve: only with --cfg or --help (allowed: --cfg job --resolve)")
    cfg = flags.get("--cfg", "job")
    if cfg not in _CFG_CHOICES:
        raise ConfigError(f"--cfg: '{cfg}' is not allowed (allowed: {', '.join(_CFG_CHOICES)})")
    info = flags.get("--info")
    if info is not None and info not in _INFO_CHOICES:
        raise ConfigError(f"--info: '{info}' is not allowed (allowed: "
                          f"{', '.join(_INFO_CHOICES)})")


def give_mode(mode, config_name: str, overrides: list[str], composed=None) -> None:
    """Before a run, Hydra composes the whole config once only to read `hydra.mode`
    (`Hydra.get_mode`), then composes it again for the run. preflight has just composed
    the same command line, so its `hydra.mode` is given instead, and for a single run its
    whole config (`composed`, with the `hydra` node, which preflight no longer uses), so
    that the command line is composed once in all: half a second a composition on this
    machine. Only for exactly this config and these overrides; any
    other call asks Hydra (tests/test_startup.py; the patches: sim.hydra_adapter's
    give_mode and give_config)."""
    from .hydra_adapter import give_config
    from .hydra_adapter import give_mode as patch

    patch(mode, config_name, overrides)
    if composed is not None:
        give_config(composed, config_name, overrides)


def with_hydra_node(cfg, hydra_node):
    """`cfg` with its `hydra` node (taken off by the checks) back in place: the config as
    composed, but for the place of `hydra` among the top-level keys, which no run reads
    (Hydra hands the job the config without it and saves `hydra` on its own)."""
    from omegaconf import open_dict, read_write

    with read_write(cfg), open_dict(cfg):
        cfg["hydra"] = hydra_node  # a copy of it: a tenth of the config, not all of it
    return cfg


def preflight(argv: list[str], config_name: str, check: Callable | None = None) -> None:
    """Validate the command line before Hydra runs; on a bad input print one line and exit 2.

    `check(cfg_dictconfig)` may add app-specific checks (raise ConfigError). `--help`,
    `--cfg` and `--info` get the same checks as a run (a bad value is refused, not
    printed); `--help` then prints the app's own settings (sim.apphelp) and exits 0."""
    _check_config_name(argv)
    try:
        flags, args = split_argv(argv)
        _check_flags(flags)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if any(f in flags for f in _HYDRA_ONLY):
        return  # Hydra answers these with a config of its own choosing
    multirun = "--multirun" in flags
    one_run = not any(f in flags for f in _MODES if f != "--run")  # not a sweep, --cfg ...
    app_args = [a for a in args if not a.startswith("hydra/") and not a.startswith("hydra.")]
    try:
        for arg in args:  # Hydra reads `=3` as a config group with no name
            if "=" in arg and not arg.partition("=")[0].lstrip("+~").strip():
                raise ConfigError(f"'{arg}': no key before '=' (allowed: key=value)")
        check_hydra_choices(args, config_name)
        # Hydra's own settings are composed with the jobs (the same composition), so a typo
        # or a bad value is refused here rather than by a traceback after Hydra has made
        # the sweep folder
        hydra_args = _hydra_settings([a for a in args if a not in app_args])
        variants = sweep_variants(app_args, config_name) if multirun else [app_args]
        params: dict = {}  # a sweep the config itself defines (+sweeps=...: hydra.sweeper.params)
        checked: list[bool] = []
        composed: list = []  # a single run's config, for Hydra's run (give_mode)

        def compose_job(overrides: list[str]):
            cfg = compose(overrides + hydra_args, config_name, hydra_node=True)
            if not checked:
                check_hydra_settings(cfg)
                checked.append(cfg.hydra.mode)
                if one_run and "--help" not in flags:  # the checks take `hydra` off it
                    composed.append((cfg, cfg.hydra))
            if multirun and not params:
                params.update(config_sweep(cfg))
            return cfg

        groups = config_groups(config_name) if multirun else ()
        checker = SweepChecker(compose_job, check, groups=groups)
        checker(variants[0])
        if params:  # every value of the config's sweep too, before Hydra writes anything
            variants = sweep_variants(with_config_sweep(params, app_args), config_name)
        for overrides in variants[1:]:
            checker(overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except Exception as exc:  # the override parser's own syntax errors
        print(f"error: {hydra_message(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
    if one_run:  # give its mode and its config, `hydra` node put back
        give_mode(checked[0] if checked else None, config_name, args,
                  with_hydra_node(*composed[0]) if composed else None)
    if "--help" in flags:
        from .apphelp import app_help

        print(app_help(config_name, variants[0]))  # with the values given (a sweep's first)
        raise SystemExit(0)
