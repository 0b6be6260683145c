"""Hydra glue shared by the CLI apps: composing configs and turning errors into one line.

Every leadsim app (`python -m sim`, `python -m experiments.*`) checks its command line
before Hydra starts a run: the overrides are composed with the compose API and validated,
so a typo or a bad value is reported in one line, with a non-zero exit, before any output
folder is created. `SweepChecker` validates the jobs of a sweep while composing only a few
of them; `preflight` and leadsim's Hydra sweeper (hydra_plugins/leadsim_sweeper) use it.
"""

from __future__ import annotations

import copy
import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .config import ConfigError, one_line, register_configs

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
            path = _source_path(f"plan/{option}")
            if path is not None:
                check_plan_header(path)


def hydra_message(exc: BaseException, overrides: list[str] | None = None) -> str:
    """Hydra's composition errors as one line with the key and the allowed values."""
    from hydra.errors import OverrideParseException

    text = str(exc)
    if isinstance(exc, OverrideParseException) and exc.override:
        return parse_error_line(exc.override, text)
    missing = re.search(r"Could not find '([^']+)'", text)
    if missing:
        group, _, option = missing.group(1).rpartition("/")
        options = re.findall(r"^\s+(\S+)\s*$", text, flags=re.M)
        # Name the key as typed (`practice@practices.alpha`), not just the group; a path
        # as the option (`plan=/x/mine.yaml`) is the whole value, not `plan//x` + `mine.yaml`
        typed = [o.split("=", 1) for o in overrides or () if "=" in o]
        for k, v in typed:
            k = k.lstrip("+~")
            if missing.group(1) == f"{k.split('@')[0]}/{v}":
                group, option = k.split("@")[0], v
                break
        allowed = ", ".join(options) if options else "see configs/" + group
        key = next((k.lstrip("+~") for k, v in typed
                    if k.lstrip("+~").split("@")[0] == group and v == option), group or option)
        if "/" in option or option.endswith(".yaml"):
            from .paths import user_config_dir

            return (f"{key}: '{option}' is a path; a config group takes a name (allowed: "
                    f"{allowed}, or a file of yours put in {user_config_dir() / group}/ "
                    f"and given by its name)")
        return f"{key}: unknown option '{option}' (allowed: {allowed})"
    yaml_error = _yaml_error(exc)
    if yaml_error:
        return yaml_error
    cause = exc.__cause__ or exc
    body = str(cause).strip()
    # an error in a config file (a plan of your own): "In 'plan/mine': X raised while
    # composing config:" and the real message on the next lines
    source = re.match(r"In '([^']+)': \w+ raised while composing config:\s*", body)
    where, path = "", None
    if source:
        body = body[source.end():]
        path = _source_path(source.group(1))
    detail = body.splitlines()[0] if body else type(cause).__name__
    full = re.search(r"full_key: (\S+)", body)
    if path is not None:  # the real file (a user's own, perhaps), the key's path and line
        from . import config_files

        value = re.search(r"[Vv]alue '([^']*)'", detail)
        unknown_key = re.search(r"Key '([^']+)' not in", detail)
        leaf = full.group(1) if full else (unknown_key.group(1) if unknown_key else "")
        found, line = (config_files.where_in_file(path, leaf, value.group(1) if value else None)
                       if leaf else (None, None))
        where = (f" (in {config_files.shown(path)}, line {line})" if line
                 else f" (in {config_files.shown(path)})")
        if found and full and "." not in full.group(1) and "[" not in full.group(1):
            body = body.replace(f"full_key: {full.group(1)}", f"full_key: {found}")
            full = re.search(r"full_key: (\S+)", body)
    unknown = re.search(r"Key '([^']+)' not in '(\w+)'", detail)
    if unknown:
        key = full.group(1) if full else unknown.group(1)
        group = source.group(1).rpartition("/")[0] if source else ""
        if source and key == group:  # the file's keys landed under the group's name
            shown = _relative(str(path)) if path else f"configs/{source.group(1)}.yaml"
            return (f"{key}: {shown} sets keys under '{key}', which "
                    f"the config does not have (allowed: a file that starts with "
                    f"{_package_line(group)}, as the other files of configs/{group}/ do)")
        names = _field_names(unknown.group(2)) or _field_names(getattr(cause, "object_type", None))
        return f"{key}: unknown key (allowed: {', '.join(names)}){where}"
    not_in_struct = re.search(r"Key '([^']+)' is not in struct", detail)
    parent = getattr(cause, "parent_node", None)
    if not_in_struct and parent is not None:  # a key of a dict (a practice slot, target.*)
        key = full.group(1) if full else not_in_struct.group(1)
        keys = ", ".join(str(k) for k in parent)
        return f"{key}: unknown key (allowed: {keys}){where}"
    if full:
        return f"{full.group(1)}: {_house_wording(detail, full.group(1), cause, overrides)}{where}"
    if source:  # a value where a group of settings goes, with no key in the message
        merged = _value_for_a_group(source.group(1), detail, overrides)
        if merged:
            return f"{merged}{where}"
    override = re.search(r"override '?([^' ]+?)'?(?:\.|$)", text.splitlines()[0])
    meant = re.search(r"Did you mean to override one of (.+?)\?", text)
    if override and meant:  # `practice=X` where the config has practice@practices.<slot>
        return (f"{override.group(1)}: not a group of this command's config (allowed: "
                f"{meant.group(1)}, e.g. {meant.group(1).split(',')[0]}=NAME)")
    if override:
        return f"{override.group(1)}: {detail}"
    return one_line(exc)


_KINDS = {"Integer": "a whole number", "Float": "a number"}


def _house_wording(detail: str, key: str = "", cause: BaseException | None = None,
                   overrides: list[str] | None = None) -> str:
    """OmegaConf's type errors in the project's words: '<value>' is not allowed (allowed:
    what is)."""
    shape = _shape_wording(detail, key, cause, overrides)
    if shape:
        return shape
    m = re.match(r"Value '(.*)' of type '\w+' could not be converted to (\w+)", detail)
    if m and m.group(2) in _KINDS:
        return f"'{m.group(1)}' is not allowed (allowed: {_KINDS[m.group(2)]})"
    m = re.match(r"Value '(.*)' is not a valid bool", detail)
    if m:
        return f"'{m.group(1)}' is not allowed (allowed: true, false)"
    m = re.match(r"Invalid value '(.*)', expected one of \[(.*)\]", detail)
    if m:
        return f"'{m.group(1)}' is not allowed (allowed: {m.group(2)})"
    return detail


def _shape_wording(detail: str, key: str, cause: BaseException | None,
                   overrides: list[str] | None) -> str | None:
    """A value of the wrong shape: a word where a group of settings goes, one value where
    a list goes, an item past the end of a list."""
    from dataclasses import is_dataclass

    from omegaconf import ListConfig

    from . import config

    name = re.sub(r"\[\d+\]$", "", key).rpartition(".")[2]
    parent = getattr(cause, "parent_node", None)
    index = re.search(r"\[(\d+)\]$", key)
    past_end = (detail.startswith("list index out of range")  # roster.1={...}
                or detail.endswith("value: {}"))  # roster.3.staff=2: an item made for it
    # (a bad item of a list being assigned also fails at an index = the length so far)
    if (past_end and index and isinstance(parent, ListConfig)
            and int(index.group(1)) >= len(parent)):
        n, base = len(parent), key[: index.start()]
        have = (f"has {n} items (0 to {n - 1})" if n > 1 else
                "has 1 item (0)" if n == 1 else "is empty")
        return (f"no item {index.group(1)}: the list {have} (allowed: an index below {n}; "
                f"to add or remove items give the whole list, e.g. "
                f"'{_dotted(base)}=[{{...}},{{...}}]')")
    m = re.match(r"Invalid type assigned: \w+ is not a subclass of (\w+)\. value: (.*)", detail)
    cls = getattr(config, m.group(1), None) if m else None
    if m and isinstance(cls, type):
        return (f"{m.group(2)!r} is not allowed (allowed: "
                f"{config.settings_block(cls, key)})")
    if re.match(r"Invalid value assigned: \w+ is not a ListConfig, list or tuple", detail):
        given = _typed_value(key, overrides)
        item = config._schema_type(_dotted(key) + ".0")
        one = "{...}" if isinstance(item, type) and is_dataclass(item) else given or "a, b"
        example = f"{name}=[{one}]" if given is not None else f"{name}: [{one}]"
        shown = f"{given!r} is" if given is not None else "one value is"
        return f"{shown} not allowed (allowed: a list in brackets, e.g. {example})"
    return None


def _dotted(key: str) -> str:
    return re.sub(r"\[(\d+)\]", r".\1", key)


def _typed_value(key: str, overrides: list[str] | None) -> str | None:
    """The value typed on the command line for `key` (`roster[1]` or `roster.1`)."""
    want = _dotted(key)
    for o in overrides or ():
        k, sep, v = o.partition("=")
        if sep and _dotted(k.lstrip("+~").strip()) == want:
            return v.strip()
    return None


def _value_for_a_group(source: str, detail: str, overrides: list[str] | None) -> str | None:
    """`answering_service: none` in a config file: OmegaConf says only "Merge error: str is
    not a subclass of AnsweringServiceConfig. value: none", with no key. Find the key in
    the file (the value, where the schema has that group of settings) and say what goes
    there."""
    import yaml

    from . import config
    from .paths import config_file

    m = re.match(r"Merge error: \w+ is not a subclass of (\w+)\. value: (.*)", detail)
    cls = getattr(config, m.group(1), None) if m else None
    group, _, option = source.rpartition("/")
    path = config_file(group, option) if m and group else None
    if not isinstance(cls, type) or path is None:
        return None
    try:
        text = path.read_text()
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError):
        return None
    first = text.splitlines()[:1]
    package = (first[0].removeprefix("# @package").strip()
               if first and first[0].startswith("# @package") else group)
    for o in overrides or ():  # practice@practices.beta=mine puts it elsewhere
        k, _, v = o.partition("=")
        if k.lstrip("+~").split("@")[0] == group and "@" in k and v == option:
            package = k.split("@", 1)[1]
    found = _find_group_value(data, config._schema_type(package), cls, m.group(2))
    if found is None:
        return None
    key = f"{package}.{found}" if package and package != "_global_" else found
    return (f"{key}: {m.group(2)!r} is not allowed (allowed: "
            f"{config.settings_block(cls, key)})")


def _find_group_value(data: Any, schema: Any, cls: type, value: str) -> str | None:
    """The dotted key in `data` (a YAML mapping read against `schema`) holding the plain
    `value` where the schema wants a `cls`."""
    from . import config

    if not isinstance(data, dict) or schema is None:
        return None
    for k, v in data.items():
        child = config._schema_type(str(k), schema)
        if child is cls and not isinstance(v, dict) and str(v) == value:
            return str(k)
        inner = _find_group_value(v, child, cls, value)
        if inner:
            return f"{k}.{inner}"
    return None


def _yaml_error(exc: BaseException) -> str | None:
    """A YAML file that does not parse: its path, line and column, and the problem."""
    import yaml

    err = next((e for e in (exc, exc.__cause__, exc.__context__)
                if isinstance(e, yaml.MarkedYAMLError)), None)
    if err is None:
        return None
    mark = err.problem_mark or err.context_mark
    where = (f"{_relative(mark.name)} line {mark.line + 1}, column {mark.column + 1}"
             if mark is not None else "a YAML file")
    what = " ".join(str(p) for p in (err.problem, err.context) if p)
    return f"{where}: not valid YAML: {what or 'cannot be read'}"


def _source_path(option: str) -> Path | None:
    """The file of a config option named as Hydra names it ('plan/mine'): the shipped one,
    else the user's own (sim.paths.user_config_dir)."""
    from .config_files import source_file

    group, _, name = option.rpartition("/")
    return source_file(group, name)


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(config_dir()).resolve().parent))
    except ValueError:
        return path


def _package_line(group: str) -> str:
    """The `# @package ...` line the files of a config group start with."""
    for f in sorted((Path(config_dir()) / group).glob("*.yaml")):
        first = f.read_text().splitlines()[:1]
        if first and first[0].startswith("# @package"):
            return f"'{first[0]}'"
    return "a '# @package <where its keys go>' line"


GRAMMAR = ("allowed: key=value; a sweep a,b,c or range(start,stop[,step]) or choice(a,b); a "
           "list [a,b]; text in matching quotes; see "
           "https://hydra.cc/docs/advanced/override_grammar/basic")


def parse_error_line(override: str, text: str) -> str:
    """An override the parser cannot read, as one line naming its key."""
    key = override.partition("=")[0].strip().lstrip("+~") or f"'{override}'"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()
             and not ln.strip().startswith(("See https://", "^", "Error parsing override"))]
    detail = lines[0] if lines else "cannot be read"
    detail = detail.removeprefix("LexerNoViableAltException: ").removeprefix(override).strip()
    return (f"{key}: cannot read '{override}'" + (f": {detail}" if detail else "")
            + f" ({GRAMMAR})")


def _field_names(of: str | type | None) -> list[str]:
    """The fields of a config dataclass: one of sim.config's by name, or a class (Hydra's
    own, such as a launcher's)."""
    from dataclasses import fields, is_dataclass

    from . import config

    cls = getattr(config, of, None) if isinstance(of, str) else of
    return [f.name for f in fields(cls)] if is_dataclass(cls) else []


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


class _OverrideSorter:
    """A sweep's overrides parsed once, and sorted: those that only set a value in the
    composed config (plain) and those that need a composition (group choices, Hydra's own
    settings, deletions, dicts merged into a node, `+key` additions, which Hydra refuses
    when the key exists). `choices(parsed)` names what a composition depends on."""

    def __init__(self, groups: Sequence[str] = ()) -> None:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        self.parser = OverridesParser.create()
        self.parsed: dict[str, Any] = {}
        # config groups: those the config loader lists, and those seen in composed configs
        self.groups: set[str] = set(groups)

    def parse(self, overrides: list[str]) -> list:
        new = [o for o in overrides if o not in self.parsed]
        if new:
            self.parsed.update(zip(new, self.parser.parse_overrides(new)))
        return [self.parsed[o] for o in overrides]

    def learn_groups(self, cfg) -> None:
        """The config groups of a composed config (with its `hydra` node)."""
        self.groups.update(str(k).split("@")[0] for k in cfg.hydra.runtime.choices)

    def is_group(self, o) -> bool:
        return o.package is not None or o.key_or_group in self.groups

    def needs_compose(self, o) -> bool:
        """Whether an override can change more than one value of the composed config."""
        key = o.key_or_group
        return (o.is_delete() or o.is_add() or self.is_group(o)
                or key == "hydra" or key.startswith(("hydra.", "hydra/"))
                or isinstance(o.value(), dict))

    def choices(self, parsed: list) -> tuple[str, ...]:
        return tuple(o.input_line for o in parsed if self.needs_compose(o))

    def plain(self, parsed: list) -> list | None:
        """The job's plain overrides, if setting them on a composed config with the same
        choices gives what composing gives; None otherwise. Hydra applies every override
        but a group choice (a dict given to a group, `market={...}`, included) in order,
        after composing: a plain value set where another override of the job also reaches
        (the same key, a key inside it or around it) would depend on that order."""
        plain = [o for o in parsed if not self.needs_compose(o)]
        if plain:
            paths = [o.key_or_group for o in parsed
                     if not self.is_group(o) or isinstance(o.value(), dict)]
            if _overlap(paths):
                return None
        return plain


def _overlap(paths: list[str]) -> bool:
    """Whether a key is named twice, or one key lies inside another (`a` and `a.b`,
    `a[0]`), whatever other keys sort between them."""
    seen = set(paths)
    if len(seen) != len(paths):
        return True
    return any(p[:i] in seen for p in paths for i, ch in enumerate(p) if ch in ".[")


class SweepChecker:
    """Validates the jobs of a sweep (override lists with the same keys) and composes few.

    Composing one leadsim config costs a third of a second (OmegaConf merges of the
    structured schema): a sweep over `seed=range(1,1001)` must not compose a thousand
    times. So the first job with a given set of config-group choices is composed in full
    by `compose(overrides)`, which returns the config with its `hydra` node (the choices
    are read from it), and becomes the reference for those choices. Every later job with
    the same choices is checked as its reference with the job's plain values set the way
    Hydra sets a command-line override (`OmegaConf.update(cfg, key, value, merge=True)`),
    which takes microseconds. Whatever could change more than a value is composed in
    full (`_OverrideSorter`): a config-group choice, a deletion, a dict merged into a
    node, a `+key` addition, Hydra's own settings, and a value whose key another override
    of the job also reaches (then the order of the overrides decides). A job that fails on
    its patched reference is composed in full as well, so an error is always the one a
    full composition gives.

    A config composed already can serve as a reference too (`add_reference`): leadsim's
    sweeper hands over the config Hydra composed for the sweep itself, so a sweep of plain
    values is checked without composing any job.

    `check(cfg)` adds the app's own validation (cfg without `hydra`; raise ConfigError).
    Calling the checker with a bad job raises ConfigError, one line naming the key.
    `composed` counts the full compositions; `keep` bounds the references held.
    """

    def __init__(self, compose: Callable[[list[str]], Any], check: Callable | None = None,
                 keep: int = 32, groups: Sequence[str] = ()) -> None:
        self.compose, self.check, self.keep = compose, check, keep
        self.composed = 0
        self._sorter = _OverrideSorter(groups)  # `groups`: the config loader's list
        self._references: OrderedDict[tuple[str, ...], _Reference] = OrderedDict()

    def __call__(self, overrides: Sequence[str]) -> None:
        overrides = list(overrides)
        sorter = self._sorter
        parsed = sorter.parse(overrides)
        if not self._references:  # the first job: the group names come from its config
            self._compose_and_check(overrides, parsed, keep=True)
            return
        choices = sorter.choices(parsed)
        reference = self._references.get(choices)
        plain = sorter.plain(parsed)
        if reference is None or plain is None or not reference.can_patch(plain):
            self._compose_and_check(overrides, parsed, keep=reference is None)
            return
        self._references.move_to_end(choices)
        try:
            reference.patch(plain)
            if self.check is not None:
                self.check(reference.cfg)
        except Exception:  # let a full composition give the verdict (and the message)
            self._compose_and_check(overrides, parsed, keep=False)

    def add_reference(self, cfg, overrides: Sequence[str]) -> None:
        """Take `cfg`, composed already (with its `hydra` node) from `overrides` plus keys
        left at their config values, as the reference for the jobs with the same
        config-group choices. Those jobs then set their own values on a copy of it; keys
        `overrides` does not name are set on first use, as Hydra sets a command-line value.

        Hydra's multirun config is such a config: composed from the command line with its
        sweeps left out, so its app part is the first job's before the swept values are
        set (Hydra applies a group choice, a deletion or a dict in composing; a sweep of
        any of those gives other choices, so those jobs are composed in full)."""
        from omegaconf import open_dict, read_write

        sorter = self._sorter
        parsed = sorter.parse(list(overrides))
        sorter.learn_groups(cfg)
        plain = sorter.plain(parsed)
        if plain is None:  # the command line's own overrides overlap: compose each job
            return
        cfg = copy.deepcopy(cfg)  # the caller's config stays as it is
        with read_write(cfg), open_dict(cfg):
            del cfg["hydra"]
        self._references[sorter.choices(parsed)] = _Reference(cfg, plain, complete=False)
        while len(self._references) > self.keep:
            self._references.popitem(last=False)

    def _compose_and_check(self, overrides: list[str], parsed: list, keep: bool) -> None:
        from omegaconf import open_dict, read_write

        self.composed += 1
        try:
            cfg = self.compose(overrides)
        except ConfigError:
            raise
        except Exception as exc:  # Hydra / OmegaConf errors: keep the line that names the key
            raise ConfigError(hydra_message(exc, overrides)) from None
        self._sorter.learn_groups(cfg)
        choices = dict(cfg.hydra.runtime.choices)
        with read_write(cfg), open_dict(cfg):  # the app's config, as a job receives it
            del cfg["hydra"]
        try:
            self._check(cfg, overrides)
        except ConfigError as exc:  # a value of a file: name the file and line
            from .config_files import locate

            raise ConfigError(locate(str(exc), choices, overrides)) from None
        plain = self._sorter.plain(parsed)
        if keep and plain is not None:
            self._references[self._sorter.choices(parsed)] = _Reference(cfg, plain)
            while len(self._references) > self.keep:
                self._references.popitem(last=False)

    def _check(self, cfg, overrides: list[str]) -> None:
        if self.check is None:
            return
        try:
            self.check(cfg)
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(hydra_message(exc, overrides)) from None


class _Reference:
    """A composed app config and, by key, the plain override now set in it (None: not
    known, set it again). `complete=False`: a job may name more keys than were set in
    composing it (the swept ones, left at their config values); the first job adds them."""

    def __init__(self, cfg, plain: list, complete: bool = True) -> None:
        self.cfg = cfg
        self.values: dict[str, str | None] = {o.get_key_element(): o.input_line for o in plain}
        self.complete = complete

    def can_patch(self, plain: list) -> bool:
        """The same plain keys as the reference (or more, until it is complete). `plain`
        comes from `_OverrideSorter.plain`: each key once, none inside another."""
        keys = sorted(o.get_key_element() for o in plain)
        return keys == sorted(self.values) or (not self.complete
                                               and set(self.values) <= set(keys))

    def patch(self, plain: list) -> None:
        """Set the values that differ from those set now, as Hydra applies an override."""
        if not self.complete:  # from now on every job names exactly these keys
            for o in plain:
                self.values.setdefault(o.get_key_element(), None)
            self.complete = True
        for o in plain:
            key = o.get_key_element()
            if self.values[key] == o.input_line:
                continue
            self.values[key] = None  # unknown until set: a failed merge may leave half a list
            _set_plain(self.cfg, o)
            self.values[key] = o.input_line


def _set_plain(cfg, o) -> None:
    """Set one plain override (`_OverrideSorter.plain`) on a composed config as Hydra
    applies a command-line value: merged into the node, `++key` may add the key."""
    from omegaconf import OmegaConf

    OmegaConf.update(cfg, o.key_or_group, o.value(), merge=True, force_add=o.is_force_add())


class JobConfigLoader:
    """Hydra's config loader for the jobs of one sweep, composing few of them: what a
    launcher asks for each job (`load_sweep_config`) is composed in full for the first
    job of each set of config-group choices (in each process), and for every later job
    with those choices it is a copy of that config with the job's plain values set as
    Hydra sets a command-line value, and the job's own entries in the `hydra` node
    (`hydra.overrides.task`, `hydra.job.override_dirname`) written as Hydra writes them.
    A copy costs about 20 ms where composing costs about 300: in a sweep of 90-day runs
    that was a third of each job. tests/test_leadsim_sweeper.py checks that the configs
    are equal to Hydra's, `hydra` node and flags included.

    Whatever could change more than a value (a group choice, a deletion, a dict, a Hydra
    setting), a job naming other keys than the first, or a value that does not apply, is
    composed in full by Hydra. Every other method is Hydra's loader's. The references are
    kept per process and per sweep (`sweep_id`), so joblib's workers, which receive a
    pickled copy of this loader with each job, reuse theirs from job to job.
    """

    def __init__(self, inner, sweep_id: str, groups: Sequence[str] = (),
                 keep: int = 8) -> None:
        self.inner, self.sweep_id, self.keep = inner, sweep_id, keep
        self.groups = tuple(groups)  # the app's config groups (`config_groups`)

    def __getattr__(self, name: str):
        if name == "inner":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def load_sweep_config(self, master_config, sweep_overrides: list[str]):
        from omegaconf import OmegaConf

        state = _JOB_STATES.get(self.sweep_id)
        if state is None:
            _JOB_STATES.clear()  # one sweep at a time per process
            state = _JOB_STATES[self.sweep_id] = _JobState(self.groups)
        overrides = list(sweep_overrides)
        parsed = state.parse(overrides)
        reference = state.references.get(state.choices(parsed))
        plain = state.plain(parsed)
        cfg = None
        if reference is not None and plain is not None:
            cfg = reference.job_config(parsed, plain)
        if cfg is None:
            cfg = self.inner.load_sweep_config(master_config, overrides)
            state.learn_groups(cfg)
            plain = state.plain(parsed)
            if reference is None and plain is not None:
                state.references[state.choices(parsed)] = _JobReference(cfg, parsed, plain)
                while len(state.references) > self.keep:
                    state.references.popitem(last=False)
            return cfg
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        return cfg


class _JobState(_OverrideSorter):
    """A process's overrides and job references for one sweep (JobConfigLoader)."""

    def __init__(self, groups: Sequence[str] = ()) -> None:
        super().__init__(groups)
        self.references: OrderedDict[tuple[str, ...], _JobReference] = OrderedDict()


_JOB_STATES: dict[str, _JobState] = {}


class _JobReference:
    """A job's config as Hydra composed it (kept unchanged), and its plain overrides."""

    def __init__(self, cfg, parsed: list, plain: list) -> None:
        self.cfg = copy.deepcopy(cfg)
        self.values = {o.get_key_element(): o.input_line for o in plain}
        self.keys = [o.get_key_element() for o in parsed]

    def job_config(self, parsed: list, plain: list):
        """The config of a job with the same choices and `plain` values (from
        `_OverrideSorter.plain`), or None when only Hydra can say."""
        from omegaconf import open_dict

        from .hydra_adapter import overrides_dirname

        if [o.get_key_element() for o in parsed] != self.keys:
            return None  # other keys, or in another order: compose
        cfg = copy.deepcopy(self.cfg)
        try:
            for o in plain:
                if self.values[o.get_key_element()] != o.input_line:
                    _set_plain(cfg, o)
        except Exception:
            return None
        app = [o for o in parsed if not o.is_hydra_override()]
        job = cfg.hydra.job
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in app]
            job.override_dirname = overrides_dirname(
                app, kv_sep=job.config.override_dirname.kv_sep,
                item_sep=job.config.override_dirname.item_sep,
                exclude_keys=job.config.override_dirname.exclude_keys)
        return cfg


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


def give_mode(mode, config_name: str, overrides: list[str]) -> None:
    """Before a run, Hydra composes the whole config once only to read `hydra.mode`
    (`Hydra.get_mode`), then composes it again for the run. preflight has just composed
    the same command line, so its `hydra.mode` is given instead: a third of a second of
    every `leadsim run`. Only for exactly this config and these overrides; any other call
    asks Hydra (tests/test_startup.py; the patch: sim.hydra_adapter.give_mode)."""
    from .hydra_adapter import give_mode as patch

    patch(mode, config_name, overrides)


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

        def compose_job(overrides: list[str]):
            cfg = compose(overrides + hydra_args, config_name, hydra_node=True)
            if not checked:
                check_hydra_settings(cfg)
                checked.append(cfg.hydra.mode)
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
    if not any(f in flags for f in _MODES if f != "--run"):  # one run: give its mode
        give_mode(checked[0] if checked else None, config_name, args)
    if "--help" in flags:
        from .apphelp import app_help

        print(app_help(config_name, variants[0]))  # with the values given (a sweep's first)
        raise SystemExit(0)
