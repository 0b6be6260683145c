"""Config files as their writers see them: where a bad key is (the file, its line), and
staffing plans read by name or by path.

A practice manager writes a practice or a plan of their own in the user config folder
(sim.paths.user_config_dir). When one of its values is refused, the one-line error names
that file by its real path and the line of the key, so they know where to look. The YAML
is parsed again for its line marks only when an error is reported.

Plans are found by name (`configs/plan/` and the user's `plan/` folder, as `plan=NAME`
finds them) or by the path of a plan file (the optimiser writes `best_plan.yaml`): both
give a validated `sim.config.PlanConfig`.
"""

from __future__ import annotations

import re
from pathlib import Path

from .config import ConfigError, PlanConfig, validate_plan

PLAN_PACKAGE = "plan"
_PACKAGE = re.compile(r"#\s*@package\s+(\S+)")


def search_dirs() -> list[Path]:
    """The folders config groups are read from, in Hydra's order: the shipped configs (as
    sim.hydra_support composes them), then the user's folder."""
    from . import hydra_support
    from .paths import user_config_dir

    return [Path(hydra_support.config_dir()), user_config_dir()]


def source_file(group: str, option: str) -> Path | None:
    """The file of option `option` of config group `group` (the first found wins)."""
    for folder in search_dirs():
        path = folder / group / f"{option}.yaml"
        if path.is_file():
            return path.resolve()
    return None


def shown(path: Path | str) -> str:
    """A file as its writer knows it: configs/... inside this checkout, else its path."""
    from . import hydra_support

    path = Path(path).resolve()
    root = Path(hydra_support.config_dir()).resolve().parent
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def package_line(path: Path) -> str | None:
    """The target of a file's `# @package` line (the first comment lines), or None."""
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        m = _PACKAGE.match(line)
        if m:
            return m.group(1)
    return None


def key_parts(key: str) -> list[str | int]:
    """`opening_hours[0].start` or `roster.0.staff` -> ['opening_hours', 0, 'start']."""
    return [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", key)]


def key_line(path: Path, key: str) -> int | None:
    """The line (from 1) where `key` (dotted, from the file's own top) is written in the
    YAML file, or None if the file does not set it."""
    import yaml

    try:
        node = yaml.compose(Path(path).read_text(), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return None
    line = None
    for part in key_parts(key):
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if hit is None:
                return None
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return None
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return None
    return line


def find_key(path: Path, leaf: str, value: str | None = None) -> str | None:
    """The dotted path (`add_shifts[0].role`) of the first key named `leaf` (holding the
    scalar `value`, if given) in a YAML file: OmegaConf names a key inside a list item
    without the path to it."""
    import yaml

    try:
        root = yaml.compose(Path(path).read_text(), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return None
    todo = [(root, "")]
    while todo:
        node, where = todo.pop(0)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                here = f"{where}.{k.value}" if where else str(k.value)
                if str(k.value) == leaf and (value is None or (
                        isinstance(v, yaml.ScalarNode) and v.value == value)):
                    return here
                todo.append((v, here))
        elif isinstance(node, yaml.SequenceNode):
            todo += [(v, f"{where}[{i}]") for i, v in enumerate(node.value)]
    return None


def where_in_file(path: Path, key: str, value: str | None = None) -> tuple[str | None, int | None]:
    """The key's path in the file and its line: `key` as the file writes it, or with the
    package it went under in front (`plan.channels.add[1]`), or, when OmegaConf gave only
    the last name (inside a list item), the first key of that name (holding `value`)."""
    parts = key_parts(key)
    for i in range(len(parts)):
        rest = parts[i:]
        if not rest or isinstance(rest[0], int):
            continue
        dotted = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if j else p)
                         for j, p in enumerate(rest))
        line = key_line(path, dotted)
        if line is not None:
            return dotted, line
    names = [p for p in parts if isinstance(p, str)]
    found = find_key(path, names[-1], value) if names else None
    return (found, key_line(path, found)) if found else (None, None)


def _overridden(key: str, overrides, choices=()) -> bool:
    """Whether a command-line override sets `key` or a node around it (a group choice
    does not: the file it picks is where the key is)."""
    parts = key_parts(key)
    for o in overrides or ():
        name = o.partition("=")[0].lstrip("+~")
        if "@" in name or "/" in name or name in choices:
            continue
        mine = key_parts(name)
        if mine == parts[: len(mine)]:
            return True
    return False


def locate(message: str, choices: dict, overrides=()) -> str:
    """`message` (`key: what is wrong`) with the file and line that set the key, when one
    of the composed config files (`choices`: Hydra's runtime choices, group[@package] ->
    option) does and no override on the command line set it instead."""
    key = message.partition(": ")[0]
    if not key or " (in " in message or _overridden(key, overrides, choices or {}):
        return message
    found = None
    for choice, option in (choices or {}).items():
        group, _, package = str(choice).partition("@")
        if option is None or group.startswith("hydra"):
            continue
        path = source_file(group, str(option))
        if path is None:
            continue
        package = package or package_line(path) or group
        if package == "_global_":
            relative = key
        elif key.startswith(package + ".") or key.startswith(package + "["):
            relative = key[len(package) + 1:]
        else:
            continue
        line = key_line(path, relative)
        if line is not None:
            found = (path, line)
    if found is None:
        return message
    return f"{message} (in {shown(found[0])}, line {found[1]})"


# --------------------------------------------------------------------------- plans


def is_path(ref: str) -> bool:
    """A plan named by its file's path (it has a folder or ends in .yaml), not its name."""
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))


def plan_options() -> dict[str, Path]:
    """The plans found by name: the shipped ones, then the user's (sim.paths)."""
    found: dict[str, Path] = {}
    for folder in search_dirs():
        for path in sorted((folder / "plan").glob("*.yaml")):
            found.setdefault(path.stem, path.resolve())
    return found


def check_plan_header(path: Path) -> None:
    """A plan file goes under `plan` (its own keys are changes). A file of the former kind
    (`# @package practices.alpha`, a partial practice merged onto the focal one, whose
    lists replaced the practice's) is refused with what to write instead."""
    package = package_line(path)
    if package not in (None, PLAN_PACKAGE):
        raise ConfigError(
            f"plan: {shown(path)} starts with '# @package {package}' (allowed: a plan of "
            "changes, starting '# @package plan', e.g. add_shifts: [...]; a plan that "
            "replaces the roster says replace_roster: [...]; see docs/how-to/write-a-plan.md)")


def load_plan(ref: str) -> PlanConfig:
    """The validated plan named `ref` (a name, or the path of a plan file); ConfigError
    naming the file and line of a bad key. Its `name` is the file's stem if it has none."""
    from omegaconf import OmegaConf

    if is_path(ref):
        path = Path(ref).expanduser()
        if not path.is_file():
            raise ConfigError(f"plans: '{ref}' is not a file (allowed: a plan name, or the "
                              "path of a plan file)")
    else:
        options = plan_options()
        if ref not in options:
            raise ConfigError(f"plans: unknown plan '{ref}' (allowed: {', '.join(options)}, "
                              "or the path of a plan file)")
        path = options[ref]
    path = path.resolve()
    check_plan_header(path)
    try:
        raw = OmegaConf.load(path)
        if raw is None or not hasattr(raw, "keys"):
            raw = OmegaConf.create({})
        merged = OmegaConf.merge(OmegaConf.structured(PlanConfig), raw)
        plan = OmegaConf.to_object(merged)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(_plan_error(exc, path)) from None
    if not plan.name:
        plan.name = path.stem
    try:
        validate_plan(plan, "plan")
    except ConfigError as exc:
        raise ConfigError(_with_file(str(exc), path)) from None
    return plan


def _with_file(message: str, path: Path) -> str:
    key = message.partition(": ")[0]
    line = where_in_file(path, key)[1] if key else None
    where = f"{shown(path)}, line {line}" if line else shown(path)
    return f"{message} (in {where})"


def _plan_error(exc: Exception, path: Path) -> str:
    """An OmegaConf error reading a plan file as one line: the key, what is allowed."""
    import yaml

    from .hydra_errors import house_wording, yaml_error_line

    if isinstance(exc, yaml.YAMLError):
        return yaml_error_line(exc) or f"{shown(path)}: not valid YAML"
    text = str(exc)
    detail = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    full = re.search(r"full_key: (\S+)", text)
    unknown = re.search(r"Key '([^']+)' not in '(\w+)'", detail)
    key = full.group(1) if full else (unknown.group(1) if unknown else "")
    if key:  # OmegaConf names a key inside a list item without its path: find it
        value = re.search(r"[Vv]alue '([^']*)'", detail)
        key = where_in_file(path, key, value.group(1) if value else None)[0] or key
    if unknown:
        from .hydra_errors import field_names

        names = field_names(unknown.group(2))
        message = f"plan.{key}: unknown key (allowed: {', '.join(names)})"
    else:
        message = f"plan.{key}: {house_wording(detail)}" if key else f"plan: {detail}"
    return _with_file(message, path) if key else f"{message} (in {shown(path)})"


def load_config(overrides: list[str], config_name: str = "config"):
    """sim.load_config's work: compose, validate, apply the plan; an error in a value of a
    config file names that file and line (`locate`)."""
    from omegaconf import open_dict, read_write

    from .config import to_config
    from .hydra_support import compose

    cfg = compose(list(overrides), config_name, hydra_node=True)
    choices = dict(cfg.hydra.runtime.choices)
    with read_write(cfg), open_dict(cfg):
        del cfg["hydra"]
    try:
        return to_config(cfg)
    except ConfigError as exc:
        raise ConfigError(locate(str(exc), choices, overrides)) from None


def plan_yaml(plan: PlanConfig) -> str:
    """A plan as the text of a plan file (`# @package plan` first), which `load_plan` reads
    back to the same plan: what a search writes for each point it tries."""
    from dataclasses import replace

    from omegaconf import OmegaConf

    body = OmegaConf.to_yaml(OmegaConf.structured(replace(plan, applied=False)))
    return f"# @package {PLAN_PACKAGE}\n{body}"


def write_plan(plan: PlanConfig, path: Path | str) -> Path:
    """Write a validated plan file atomically (sim.fileio.write_atomic); returns the path.
    Every app accepts it by its path, and by its name once it sits in the user's plan/
    folder."""
    from .fileio import write_atomic

    validate_plan(plan, "plan")
    path = Path(path)
    text = plan_yaml(plan)
    write_atomic(path, lambda tmp: Path(tmp).write_text(text))
    return path
