"""The configuration described for people, from the code itself: each key of the schema
(sim/config.py) with its default and the comment written beside it, and the settings of an
app's primary config (configs/<app>.yaml) with their comments.

Two readers: `--help` of every Hydra app (sim.apphelp) and the documentation's generated
reference pages (docs/hooks.py). Both read the source, so neither can drift from it.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
import typing
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any


@dataclass
class Key:
    """One documented setting."""

    key: str  # dotted, as typed on the command line (`<slot>`, `<i>` for dict / list items)
    type: str
    default: Any
    comment: str  # the source comment (above the field or beside it), one paragraph
    owner: str = ""  # the dataclass it belongs to


def _comments(cls: type) -> dict[str, str]:
    """Field name -> its comment in the class's source: the comment lines right above the
    field, then the one on its own line(s)."""
    try:
        lines, _ = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return {}
    source = "".join(lines)
    tree = ast.parse(textwrap.dedent(source))
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    out: dict[str, str] = {}
    for node in body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above: list[str] = []
        i = node.lineno - 2
        while i >= 0 and lines[i].strip().startswith("#"):
            above.insert(0, lines[i].strip().lstrip("#").strip())
            i -= 1
        beside = []
        for ln in lines[node.lineno - 1 : node.end_lineno]:
            m = re.search(r"\s#\s?(.*)$", ln)
            if m and '"' not in ln[m.start():]:
                beside.append(m.group(1).strip())
        text = " ".join(above + beside).strip()
        if text:
            out[node.target.id] = text
    return out


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is not None:
        args = ", ".join(_type_name(a) for a in typing.get_args(tp))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return " | ".join(m.value for m in tp)
    return getattr(tp, "__name__", str(tp))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def schema_keys(cls: type, prefix: str = "") -> list[Key]:
    """Every key of a config dataclass, nested ones dotted (`market.days`); a dict of
    dataclasses is `<slot>`, a list of them `<i>`."""
    hints = typing.get_type_hints(cls)
    comments = _comments(cls)
    instance = cls()
    out: list[Key] = []
    for f in fields(cls):
        tp = hints[f.name]
        key = f"{prefix}{f.name}"
        value = getattr(instance, f.name)
        args = typing.get_args(tp)
        inner = args[-1] if args else None
        if is_dataclass(tp):
            out.append(Key(key, tp.__name__, None, comments.get(f.name, ""), cls.__name__))
            out += schema_keys(tp, key + ".")
        elif inner is not None and is_dataclass(inner):
            item = "<slot>" if typing.get_origin(tp) is dict else "<i>"
            out.append(Key(key, _type_name(tp), _plain(value), comments.get(f.name, ""),
                           cls.__name__))
            out += schema_keys(inner, f"{key}.{item}.")
        else:
            out.append(Key(key, _type_name(tp), _plain(value), comments.get(f.name, ""),
                           cls.__name__))
    return out


# --------------------------------------------------------------------------- YAML


_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][\w@.]*):(?P<rest>.*)$")


def yaml_keys(path: Path, depth: int = 2) -> list[tuple[str, str]]:
    """(dotted key, comment) for the keys of a YAML file down to `depth` levels, in file
    order, without `defaults` and `hydra`. The comment is the block right above the key
    (same indentation, no blank line between) and the one beside it."""
    lines = Path(path).read_text().splitlines()
    stack: list[tuple[int, str]] = []
    out: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        m = _KEY_LINE.match(line)
        if not m:
            continue
        indent = len(m.group("indent"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group("key")))
        parts = [k for _, k in stack]
        if parts[0] in ("defaults", "hydra") or len(parts) > depth:
            continue
        above: list[str] = []
        j = i - 1
        while j >= 0 and lines[j].strip().startswith("#") and \
                len(lines[j]) - len(lines[j].lstrip()) == indent:
            above.insert(0, lines[j].strip().lstrip("#").strip())
            j -= 1
        if j < 0 or lines[j].startswith("# @package"):
            above = []  # the file's own header, not the key's
        rest = m.group("rest")
        beside = rest.split(" #", 1)[1].strip() if " #" in rest else ""
        out.append((".".join(parts), " ".join(above + [beside]).strip()))
    return out


def first_sentence(text: str, width: int = 88) -> str:
    """A comment cut to its first sentence, at most `width` characters."""
    text = " ".join(text.split())
    m = re.search(r"(?<![ .][a-z])(?<=[a-z0-9)\]%`])[.;](\s|$)", text)
    if m:
        text = text[: m.start()]
    if len(text) > width:
        text = text[: width - 1].rsplit(" ", 1)[0] + "…"
    return text


def override_text(value: Any) -> str:
    """A value as it is typed in an override (`[a,b]`, `true`, `null`)."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(override_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{override_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)
