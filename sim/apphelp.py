"""`--help` of a leadsim Hydra app: what it does, how to call it, its main settings with
their values and a line each, and the config groups with their options (the user's own
included). Written from the app's primary config and the schema's comments
(sim.describe), so it says what the code does. Hydra's own page is `--hydra-help`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python -m sim` has one key of its own (seed); these are the settings people change.
RUN_KEYS = ["seed", "market.days", "market.prospects_per_day", "market.drain_days",
            "market.inquiry_spread_minutes", "figures", "reputation.enabled",
            "reputation.feedback", "scenario.arrivals_per_hour", "scenario.servers",
            "scenario.handle_minutes", "scenario.patience_minutes", "scenario.days"]
# Keys whose comment is the file's header rather than their own.
FALLBACK = {"plans": "the plans to compare (configs/plan/); the first is the baseline"}
# Settings users type under another name than their key in the app's config (the app
# renames them before Hydra sees them; `practice` is also the config group of practices):
# config name -> {key in the config: what users type}. --help shows what users type.
TYPED_AS = {"compare_staffing": {"focal_practice": "practice"}}
# A group of the market that is picked per practice slot.
SLOT_GROUP = "practice@practices.<slot>"
NOTES = {
    "config": [
        "Any key of the schema can be set (practices.alpha.roster.0.staff=2); "
        "--cfg job prints them all.",
    ],
    "compare_staffing": [
        "Market, practice and prospect settings (any `leadsim run` key) go in sim_overrides,",
        "applied to every run of every plan, e.g.",
        "  'sim_overrides=[\"market.prospects_per_day=40\","
        "\"practice@practices.alpha=social_first\"]'",
    ],
}


def _prog() -> str:
    argv0 = sys.argv[0] if sys.argv else ""
    if argv0.startswith("leadsim"):
        return argv0
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    name = getattr(spec, "name", "") or ""
    return f"python -m {name.removesuffix('.__main__')}" if name else Path(argv0).name


def _about(prog: str) -> str:
    """The app's line in `leadsim --help` (found by command or by module), else the first
    line of its docstring."""
    from .cli import COMMANDS

    main = sys.modules.get("__main__")
    module = getattr(getattr(main, "__spec__", None), "name", "") or ""
    for name, (mod, _, line) in COMMANDS.items():
        if prog == f"leadsim {name}" or mod == module:
            return line
    doc = getattr(main, "__doc__", None) or ""
    return doc.strip().splitlines()[0].rstrip(".") if doc.strip() else ""


def _groups(config_name: str) -> list[str]:
    """The config groups the app's primary config picks (its defaults list)."""
    import yaml

    from .paths import CONFIG_DIR

    data = yaml.safe_load((CONFIG_DIR / f"{config_name}.yaml").read_text()) or {}
    groups = []
    for entry in data.get("defaults", []) or []:
        if isinstance(entry, dict):
            (group, _), = entry.items()
            if not group.startswith("override "):
                groups.append(group)
    if "market" in groups:
        groups.append(SLOT_GROUP)
    return groups


def _settings(config_name: str, cfg) -> list[tuple[str, str, str]]:
    """(key, value as typed, one line) of the app's main settings."""
    from omegaconf import OmegaConf

    from . import config as schema
    from .describe import first_sentence, override_text, schema_keys, yaml_keys
    from .paths import CONFIG_DIR

    documented = {k.key: k.comment for k in schema_keys(schema.Config)}
    if config_name == "config":
        keys = [(k, documented.get(k, "")) for k in RUN_KEYS]
    else:
        own = yaml_keys(CONFIG_DIR / f"{config_name}.yaml")
        parents = {k.rpartition(".")[0] for k, _ in own}
        keys = [(k, c) for k, c in own if k not in parents]  # leaves: target.max_abandon
    rows = []
    for key, comment in keys:
        value = OmegaConf.select(cfg, key, default=None, throw_on_missing=False)
        if value is not None and OmegaConf.is_config(value):
            value = OmegaConf.to_container(value, resolve=True)
        comment = comment or documented.get(key, "") or FALLBACK.get(key, "")
        typed = TYPED_AS.get(config_name, {}).get(key, key)
        rows.append((typed, override_text(value), first_sentence(comment)))
    return rows


def app_help(config_name: str, overrides: list[str] | None = None) -> str:
    """The help page of the app whose primary config is configs/<config_name>.yaml, with
    the values these overrides give."""
    from .hydra_support import compose
    from .paths import config_options, user_config_dir

    prog = _prog()
    cfg = compose(list(overrides or []), config_name)
    about = _about(prog)
    lines = [f"{prog}: {about}" if about else prog, "",
             f"usage: {prog} [key=value ...]             one run, written under results/",
             f"       {prog} -m key=a,b [key=value ...]  a sweep: one job per combination",
             f"       {prog} --cfg job [key=value ...]   print the config, run nothing",
             "", "main settings (key=value as now; --cfg job prints every key):"]
    rows = _settings(config_name, cfg)
    width = min(max((len(f"{k}={v}") for k, v, _ in rows), default=0), 40)
    for key, value, comment in rows:
        text = f"{key}={value}"
        if len(text) > width:
            text = text[: width - 1] + "…"
        room = max(30, 100 - width - 4)
        if len(comment) > room:
            comment = comment[: room - 1].rsplit(" ", 1)[0] + "…"
        lines.append(f"  {text:<{width}}  {comment}".rstrip())
    groups = _groups(config_name)
    if config_name == "compare_staffing":
        groups = ["plan"]
    if groups:
        lines += ["", "config groups (group=option; plans= lists plan options):"
                  if config_name == "compare_staffing" else "config groups (group=option):"]
        for group in groups:
            options = ", ".join(config_options(group.split("@")[0]))
            lines.append(f"  {group}: {options}")
    lines += ["", *NOTES.get(config_name, [])] if config_name in NOTES else []
    if config_name == "fit_practice":
        from .paths import EXAMPLES_DIR

        lines += ["", f"The tutorial's example exports (synthetic): {EXAMPLES_DIR}/",
                  "  (docs: Tutorials > Fit your own practice)."]
    lines += ["", f"Your own options: YAML files in {user_config_dir()}/<group>/ "
              "(or $LEADSIM_CONFIG_DIR/<group>/),",
              "found by name like the shipped ones. Hydra's own flags: --hydra-help."]
    return "\n".join(lines)
