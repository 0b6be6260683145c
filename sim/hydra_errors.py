"""Hydra's, OmegaConf's and YAML's errors as one line that names the key and what is allowed.

Composing a config can fail in many ways, and each library words its error its own way,
often over a page: an option a config group does not have, a key the schema does not
have, a value of the wrong type or shape, an item past the end of a list, a file that is
not YAML, a value in a file of the user's own. `hydra_message(exc, overrides)` turns each
into the house's one line, `<key>: <what is wrong> (allowed: <what is>)`, naming the file
and line when the value came from a file (sim.config_files). Every app prints it through
sim.hydra_support (compose, preflight); tests/test_error_lines.py checks the lines.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .config import one_line
from .paths import CONFIG_DIR


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
    yaml_error = yaml_error_line(exc)
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
        path = source_path(source.group(1))
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
        names = field_names(unknown.group(2)) or field_names(getattr(cause, "object_type", None))
        return f"{key}: unknown key (allowed: {', '.join(names)}){where}"
    not_in_struct = re.search(r"Key '([^']+)' is not in struct", detail)
    parent = getattr(cause, "parent_node", None)
    if not_in_struct and parent is not None:  # a key of a dict (a practice slot, target.*)
        key = full.group(1) if full else not_in_struct.group(1)
        keys = ", ".join(str(k) for k in parent)
        return f"{key}: unknown key (allowed: {keys}){where}"
    if full:
        return f"{full.group(1)}: {house_wording(detail, full.group(1), cause, overrides)}{where}"
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


def house_wording(detail: str, key: str = "", cause: BaseException | None = None,
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
        item = config.schema_type(_dotted(key) + ".0")
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
    found = _find_group_value(data, config.schema_type(package), cls, m.group(2))
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
        child = config.schema_type(str(k), schema)
        if child is cls and not isinstance(v, dict) and str(v) == value:
            return str(k)
        inner = _find_group_value(v, child, cls, value)
        if inner:
            return f"{k}.{inner}"
    return None


def yaml_error_line(exc: BaseException) -> str | None:
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


def source_path(option: str) -> Path | None:
    """The file of a config option named as Hydra names it ('plan/mine'): the shipped one,
    else the user's own (sim.paths.user_config_dir)."""
    from .config_files import source_file

    group, _, name = option.rpartition("/")
    return source_file(group, name)


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(CONFIG_DIR.resolve().parent))
    except ValueError:
        return path


def _package_line(group: str) -> str:
    """The `# @package ...` line the files of a config group start with."""
    for f in sorted((CONFIG_DIR / group).glob("*.yaml")):
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


def field_names(of: str | type | None) -> list[str]:
    """The fields of a config dataclass: one of sim.config's by name, or a class (Hydra's
    own, such as a launcher's)."""
    from dataclasses import fields, is_dataclass

    from . import config

    cls = getattr(config, of, None) if isinstance(of, str) else of
    return [f.name for f in fields(cls)] if is_dataclass(cls) else []
