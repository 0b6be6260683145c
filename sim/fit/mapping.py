"""The column mapping (`columns=`): how a practice's own exports map onto leadsim's fields.

A mapping is a YAML file with a section per export, `calls:` (the phone system's call log)
and `leads:` (the CRM or spreadsheet export of inquiries), and the practice's time zone:

    timezone: Europe/London          # the practice's local zone (IANA); null: clock times
    calls:
      delimiter: "\\t"                 # null: from the file name (.tsv: tab) or sniffed
      encoding: utf-8-sig
      source_timezone: UTC           # the zone of times written without an offset
      columns:                       # leadsim field -> the export's column
        started_at: {date: Date, time: Time}
        hold_seconds: Wait
        outcome: Result
        talk_seconds: {column: Talk, required: false}
      formats: {started_at: {date: "%d/%m/%Y", time: "%H:%M:%S"}}
      units: {hold_seconds: seconds, talk_seconds: "hh:mm:ss"}
      values:
        outcome: {Answered: answered, "No answer": abandoned, Test: drop}
      filter: "Queue == 'Main line'"

The fields, their meaning and the values allowed are `CALL_FIELDS` and `LEAD_FIELDS`
below; docs/reference/column-mapping.md documents every key with a worked example.
Presets live in the `column_mapping` config group (configs/column_mapping/: generic,
hubspot, salesforce, cdr; a user's own in column_mapping/ of their config folder), found by
name, or a mapping is given by path. (The folder is not called `columns`: Hydra would read
the app's `columns=` setting as a choice of that group.)

This module only reads and checks the mapping (one-line errors naming the file and the
key); sim/fit/readers.py applies it to the exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import CHANNELS, ConfigError


class FitError(ConfigError):
    """A problem with the exports or their mapping: one line naming the file and column."""


GROUP = "column_mapping"  # the config group of the presets
OUTCOMES = ("answered", "abandoned", "voicemail", "missed")
DROP = "drop"  # a value mapped to `drop` removes its row (a test call, an internal line)
UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "milliseconds": 0.001,
         "hh:mm:ss": None}
TRUE_WORDS = ("true", "yes", "y", "1", "booked", "won", "converted", "t")
FALSE_WORDS = ("false", "no", "n", "0", "", "f", "lost", "open")

# field -> (kind, required, what it is)
CALL_FIELDS: dict[str, tuple[str, bool, str]] = {
    "started_at": ("timestamp", True, "when the call reached the practice's line"),
    "hold_seconds": ("duration", False, "time waiting or ringing before a person answered "
                                        "or the caller hung up"),
    "outcome": ("outcome", True, "answered, abandoned (hung up while waiting), voicemail "
                                 "(left a message), missed (the line was closed)"),
    "talk_seconds": ("duration", False, "length of the conversation of an answered call"),
    "agent": ("text", False, "who answered"),
    "caller": ("text", False, "the caller's number, to link repeat calls"),
}
LEAD_FIELDS: dict[str, tuple[str, bool, str]] = {
    "created_at": ("timestamp", True, "when the inquiry arrived"),
    "channel": ("channel", True, "one of leadsim's channels: " + ", ".join(CHANNELS)),
    "first_response_at": ("timestamp", False, "the first human response (empty: none)"),
    "booked": ("bool", False, "whether the inquiry booked a consultation"),
    "booked_at": ("timestamp", False, "when it booked"),
    "value": ("number", False, "revenue from the inquiry (e.g. the procedure's fee)"),
}
SECTIONS = {"calls": CALL_FIELDS, "leads": LEAD_FIELDS}
SECTION_KEYS = ("columns", "delimiter", "encoding", "sheet", "source_timezone", "timezone",
                "formats", "units", "values", "filter", "voicemail_in_patience")
TOP_KEYS = ("timezone", "calls", "leads", "description")


@dataclass
class Column:
    """Where one field comes from: a column, or a date column plus a time column."""

    column: str | None = None
    date: str | None = None
    time: str | None = None
    required: bool = True

    @property
    def sources(self) -> list[str]:
        return [c for c in (self.column, self.date, self.time) if c]

    def label(self) -> str:
        return self.column or f"{self.date} + {self.time}"


@dataclass
class Section:
    """The mapping of one export (calls or leads)."""

    kind: str
    columns: dict[str, Column] = field(default_factory=dict)
    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    sheet: str | int | None = None
    source_timezone: str | None = None
    timezone: str | None = None
    formats: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    filter: str | None = None
    # How a voicemail after a wait counts for patience: `event` (the caller hung up and
    # left a message: leadsim's meaning), `censored` (the system sent a caller who was still
    # waiting to voicemail after ringing), `ignore`.
    voicemail_in_patience: str = "event"
    source: str = ""  # the mapping file(s), for messages

    def value_map(self, name: str) -> dict[str, str]:
        """Source value (stripped, case-folded) -> leadsim value for a field."""
        return {_fold(k): v for k, v in self.values.get(name, {}).items()}


@dataclass
class Mapping:
    timezone: str | None = None
    calls: Section = field(default_factory=lambda: Section("calls"))
    leads: Section = field(default_factory=lambda: Section("leads"))
    source: str = ""

    def section(self, kind: str) -> Section:
        return self.calls if kind == "calls" else self.leads


def _fold(value: Any) -> str:
    return str(value).strip().casefold()


# --------------------------------------------------------------------------- finding


def mapping_path(name: str) -> Path:
    """A preset of configs/column_mapping/ (or the user's own column_mapping/ folder) by
    name, or a file."""
    from ..paths import config_file, config_options

    path = Path(str(name)).expanduser()
    if path.suffix in (".yaml", ".yml") or path.parent != Path("."):
        if not path.is_file():
            raise FitError(f"columns: {name}: no such mapping file")
        return path
    found = config_file(GROUP, str(name))
    if found is None:
        raise FitError(f"columns: unknown mapping '{name}' (allowed: "
                       f"{', '.join(config_options(GROUP))}, or the path of a YAML file)")
    return found


def load_mapping(names: str | list[str] | None) -> Mapping:
    """The mapping of `columns=`: a preset's name or a file, or a list merged in order (a
    later file's `calls:` or `leads:` replaces an earlier one's; `timezone` likewise).
    Sections no file gives are the generic layout's."""
    names = ["generic"] if names in (None, "", []) else names
    names = [names] if isinstance(names, str) else list(names)
    generic = _read(mapping_path("generic"))
    raw: dict[str, Any] = {"timezone": generic.get("timezone"),
                           "calls": generic.get("calls"), "leads": generic.get("leads")}
    sources = {"calls": "generic", "leads": "generic", "timezone": "generic"}
    for name in names:
        path = mapping_path(name)
        data = _read(path)
        for key in data:
            if key not in TOP_KEYS:
                raise FitError(f"{path}: {key}: unknown key (allowed: {', '.join(TOP_KEYS)})")
        for key in ("calls", "leads", "timezone"):
            if key in data:
                raw[key] = data[key]
                sources[key] = str(path)
    mapping = Mapping(timezone=raw["timezone"], source=", ".join(map(str, names)))
    _check_zone(mapping.timezone, f"{sources['timezone']}: timezone")
    for kind in SECTIONS:
        section = parse_section(kind, raw[kind] or {}, sources[kind])
        setattr(mapping, kind, section)
    return mapping


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise FitError(f"{path}{where}: not valid YAML: "
                       f"{getattr(exc, 'problem', None) or exc}") from None
    except OSError as exc:
        raise FitError(f"{path}: cannot be read ({exc.strerror})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FitError(f"{path}: a mapping file is a YAML mapping with calls: and/or leads: "
                       "(allowed: see docs/reference/column-mapping.md)")
    return data


# --------------------------------------------------------------------------- checking


def _check_zone(zone: Any, key: str) -> None:
    if zone is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise FitError(f"{key}: unknown time zone '{zone}' (allowed: an IANA name such as "
                       "Europe/London or America/New_York, or null for clock times)") from None


def parse_section(kind: str, raw: dict, source: str) -> Section:
    """One section of a mapping, checked: unknown keys, fields, units and values."""
    where = f"{source}: {kind}"
    if not isinstance(raw, dict):
        raise FitError(f"{where}: expected a mapping of settings (allowed: "
                       f"{', '.join(SECTION_KEYS)})")
    for key in raw:
        if key not in SECTION_KEYS:
            raise FitError(f"{where}.{key}: unknown key (allowed: {', '.join(SECTION_KEYS)})")
    fields = SECTIONS[kind]
    sec = Section(kind, source=source)
    cols = raw.get("columns") or {}
    if not isinstance(cols, dict):
        raise FitError(f"{where}.columns: expected field: column pairs (allowed fields: "
                       f"{', '.join(fields)})")
    for name, spec in cols.items():
        if name not in fields:
            raise FitError(f"{where}.columns.{name}: unknown field (allowed: "
                           f"{', '.join(fields)})")
        sec.columns[name] = _column(spec, f"{where}.columns.{name}", fields[name][0])
    for name, (_, required, _) in fields.items():
        if required and name not in sec.columns:
            raise FitError(f"{where}.columns.{name}: missing (a {kind} export needs it: "
                           f"{fields[name][2]})")
    delim = raw.get("delimiter")
    if delim is not None:
        delim = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";"}.get(delim, delim)
        if not isinstance(delim, str) or len(delim) != 1:
            raise FitError(f"{where}.delimiter: {raw.get('delimiter')!r} is not allowed "
                           "(allowed: one character, e.g. ',' ';' '|' or tab)")
    sec.delimiter = delim
    sec.encoding = str(raw.get("encoding") or "utf-8-sig")
    import codecs

    try:
        codecs.lookup(sec.encoding)
    except LookupError:
        raise FitError(f"{where}.encoding: unknown encoding '{sec.encoding}' (allowed: e.g. "
                       "utf-8, utf-8-sig, latin-1, cp1252)") from None
    sec.sheet = raw.get("sheet")
    for key in ("source_timezone", "timezone"):
        _check_zone(raw.get(key), f"{where}.{key}")
        setattr(sec, key, raw.get(key))
    sec.formats = dict(raw.get("formats") or {})
    stamps = ", ".join(n for n, f in fields.items() if f[0] == "timestamp")
    for name, fmt in sec.formats.items():
        col = sec.columns.get(name)
        if col is None or fields[name][0] != "timestamp":
            raise FitError(f"{where}.formats.{name}: not a timestamp field of the mapping "
                           f"(allowed: {stamps})")
        if col.date and not isinstance(fmt, dict):
            raise FitError(f"{where}.formats.{name}: the field has a date and a time column "
                           "(allowed: {date: '%d/%m/%Y', time: '%H:%M'})")
        if isinstance(fmt, dict) and set(fmt) - {"date", "time"}:
            extra = sorted(set(fmt) - {"date", "time"})
            raise FitError(f"{where}.formats.{name}: unknown keys {extra} (allowed: date, time)")
    sec.units = {k: str(v) for k, v in (raw.get("units") or {}).items()}
    for name, unit in sec.units.items():
        if name not in fields or fields[name][0] != "duration":
            raise FitError(f"{where}.units.{name}: not a duration field (allowed: "
                           f"{', '.join(n for n, f in fields.items() if f[0] == 'duration')})")
        if unit not in UNITS:
            raise FitError(f"{where}.units.{name}: '{unit}' is not allowed (allowed: "
                           f"{', '.join(UNITS)})")
    values = raw.get("values") or {}
    allowed_values = {"outcome": (*OUTCOMES, DROP), "channel": (*CHANNELS, DROP),
                      "booked": ("true", "false", DROP)}
    for name, table in values.items():
        if name not in fields or name not in allowed_values:
            raise FitError(f"{where}.values.{name}: no value table for this field (allowed: "
                           f"{', '.join(n for n in fields if n in allowed_values)})")
        if not isinstance(table, dict):
            raise FitError(f"{where}.values.{name}: expected source value: leadsim value "
                           "pairs")
        clean = {}
        for src, dst in table.items():
            word = str(dst).lower() if isinstance(dst, bool) else str(dst)
            if word not in allowed_values[name]:
                raise FitError(f"{where}.values.{name}.{src}: '{dst}' is not allowed "
                               f"(allowed: {', '.join(allowed_values[name])})")
            clean[str(src)] = word
        sec.values[name] = clean
    flt = raw.get("filter")
    if flt is not None and not isinstance(flt, str):
        raise FitError(f"{where}.filter: expected a pandas query as text, e.g. "
                       "\"Queue == 'Main'\"")
    sec.filter = flt or None
    vip = str(raw.get("voicemail_in_patience") or "event")
    if vip not in ("event", "censored", "ignore"):
        raise FitError(f"{where}.voicemail_in_patience: '{vip}' is not allowed (allowed: "
                       "event, censored, ignore)")
    sec.voicemail_in_patience = vip
    return sec


def _column(spec: Any, key: str, kind: str) -> Column:
    if isinstance(spec, str | int) and not isinstance(spec, bool):
        return Column(column=str(spec))
    if isinstance(spec, dict):
        extra = set(spec) - {"column", "date", "time", "required"}
        if extra:
            raise FitError(f"{key}: unknown keys {sorted(extra)} (allowed: column, or date and "
                           "time, and required)")
        col = Column(column=spec.get("column"), date=spec.get("date"), time=spec.get("time"),
                     required=bool(spec.get("required", True)))
        if col.date or col.time:
            if kind != "timestamp" or not (col.date and col.time) or col.column:
                raise FitError(f"{key}: date and time columns go together, for a timestamp "
                               "field only (allowed: {date: D, time: T} or {column: C})")
        elif not col.column:
            raise FitError(f"{key}: no column named (allowed: a column name, {{column: C}}, "
                           "or {date: D, time: T})")
        for attr in ("column", "date", "time"):
            if getattr(col, attr) is not None:
                setattr(col, attr, str(getattr(col, attr)))
        return col
    raise FitError(f"{key}: {spec!r} is not allowed (allowed: a column name, {{column: C, "
                   "required: false}}, or {date: D, time: T})")


def describe_fields() -> str:
    """The fields of both exports as Markdown (used by the reference page's test)."""
    lines = []
    for kind, fields in SECTIONS.items():
        for name, (typ, required, what) in fields.items():
            lines.append(f"| {kind} | `{name}` | {typ} | {'yes' if required else 'no'} | "
                         f"{what} |")
    return "\n".join(lines)
