"""Reading a practice's exports (CSV, TSV or Excel) through a column mapping.

What can go wrong, and what happens (issue 16, item 5):
- Problems of the file as a whole stop the fit with one line naming the file and the column:
  the file missing or empty, a column the mapping names that the file lacks, timestamps
  with UTC offsets but no time zone, a row filter that does not run.
- Problems of single rows are skipped while they stay under `max_bad_share` of the rows
  read (default 1%), counted by cause and listed by line number (the header is line 1):
  `wrong_field_count` (shifted columns: a stray delimiter), `stray_header` (the header
  repeated inside the file), `missing_value`, `bad_timestamp`, `unknown_value` (a value the
  mapping does not cover), `bad_duration`, `negative_duration`, `bad_number`,
  `response_before_inquiry`. Above that share the fit stops with one line naming the
  commonest cause, its column, the first bad lines and (for a value the mapping lacks) the
  value, so it can be added.
- Lines starting with `#` before the header are a preamble, skipped (an export's title,
  or a note such as "synthetic data").
- Exact duplicate rows are dropped and counted; rows the filter leaves out and rows whose
  value the mapping sends to `drop` are counted apart (they are not problems).

Timestamps become the practice's local wall-clock time (for when inquiries come) and
seconds since 1970 in UTC (for durations): a time written without an offset is read in
`source_timezone` (default: the practice's zone), one written with an offset is converted;
a local time that occurs twice (the night clocks go back) is read as the first, one that
does not exist (the night they go forward) is moved forward by the gap.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import CHANNELS
from .mapping import (
    DROP,
    FALSE_WORDS,
    OUTCOMES,
    SECTIONS,
    TRUE_WORDS,
    UNITS,
    Column,
    FitError,
    Mapping,
    Section,
)

MAX_LISTED = 200  # line numbers kept per cause in fit.json
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)


@dataclass
class Table:
    """One export after reading: typed leadsim fields, one row per kept record."""

    kind: str
    path: str
    frame: pd.DataFrame  # the fields, `line` (line number in the file) and *_utc seconds
    rows_read: int = 0  # data rows in the file (blank lines aside)
    duplicates: int = 0
    filtered: int = 0  # left out by the mapping's filter
    dropped: int = 0  # a value the mapping sends to `drop`
    problems: dict[str, list[int]] = field(default_factory=dict)  # cause -> line numbers
    problem_columns: dict[str, str] = field(default_factory=dict)  # cause -> column label
    unknown_values: dict[str, Counter] = field(default_factory=dict)  # field -> values
    zone: str | None = None

    @property
    def skipped(self) -> int:
        return sum(len(v) for v in self.problems.values())

    @property
    def span_days(self) -> float:
        """Days from the first local day of the records to the last, whole days."""
        col = "started_at" if self.kind == "calls" else "created_at"
        t = self.frame[col]
        if not len(t):
            return 0.0
        return float((t.max().normalize() - t.min().normalize()).days + 1)


# --------------------------------------------------------------------------- raw rows


def _sniff(path: Path, encoding: str, delimiter: str | None) -> str:
    if delimiter:
        return delimiter
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        head = f.readline()
    counts = {d: head.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def raw_rows(path: Path, sec: Section) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows of text and their line numbers (blank lines skipped)."""
    if not path.is_file():
        raise FitError(f"{path}: no such file ({sec.kind}=)")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return _excel_rows(path, sec)
    delimiter = _sniff(path, sec.encoding, sec.delimiter)
    try:
        with open(path, encoding=sec.encoding, newline="") as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        raise FitError(f"{path}: not {sec.encoding} text (byte {exc.start}): set "
                       f"{sec.kind}.encoding in the mapping (allowed: e.g. latin-1, cp1252)"
                       ) from None
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header, rows, lines = None, [], []
    try:
        for rec in reader:
            if not rec or all(not v.strip() for v in rec):
                continue
            if header is None:
                if rec[0].lstrip().startswith("#"):  # a preamble line before the header
                    continue
                header = [h.strip() for h in rec]
                continue
            rows.append(rec)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise FitError(f"{path} line {reader.line_num}: cannot be read as "
                       f"{'tab' if delimiter == chr(9) else repr(delimiter)}-separated text "
                       f"({exc})") from None
    if header is None:
        raise FitError(f"{path}: the file is empty (allowed: a header line, then one row "
                       f"per {'call' if sec.kind == 'calls' else 'inquiry'})")
    return header, rows, lines


def _excel_rows(path: Path, sec: Section):
    try:
        df = pd.read_excel(path, sheet_name=sec.sheet if sec.sheet is not None else 0,
                           dtype=str, header=None, keep_default_na=False)
    except ImportError:
        raise FitError(f"{path}: reading Excel needs openpyxl (pip install openpyxl), or "
                       "save the sheet as CSV") from None
    except Exception as exc:  # a bad sheet name, a damaged file
        raise FitError(f"{path}: cannot be read as Excel ({str(exc).splitlines()[0]})"
                       ) from None
    values = df.fillna("").astype(str).values.tolist()
    keep = [(i + 1, r) for i, r in enumerate(values) if any(v.strip() for v in r)]
    if not keep:
        raise FitError(f"{path}: the sheet is empty")
    header = [h.strip() for h in keep[0][1]]
    while header and not header[-1]:
        header.pop()
    rows = [r[: len(header)] if not any(v.strip() for v in r[len(header):]) else r
            for _, r in keep[1:]]
    return header, rows, [i for i, _ in keep[1:]]


# --------------------------------------------------------------------------- the table


class _Rows:
    """Collects row problems while the fields are converted."""

    def __init__(self, lines: np.ndarray):
        self.lines = lines
        self.bad = np.zeros(len(lines), dtype=bool)
        self.problems: dict[str, list[int]] = {}
        self.columns: dict[str, str] = {}

    def flag(self, cause: str, mask: np.ndarray, column: str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        if mask.any():
            self.problems.setdefault(cause, []).extend(self.lines[mask].tolist())
            self.columns.setdefault(cause, column)
            self.bad |= mask


def read_table(path: str | Path, mapping: Mapping, kind: str,
               max_bad_share: float = 0.01) -> Table:
    """Read one export (`kind` 'calls' or 'leads') through the mapping (module docstring)."""
    path = Path(path)
    sec = mapping.section(kind)
    zone = sec.timezone or mapping.timezone
    header, rows, lines = raw_rows(path, sec)
    fields = SECTIONS[kind]
    present = set(header)
    used: dict[str, Column] = {}
    for name, col in sec.columns.items():
        missing = [c for c in col.sources if c not in present]
        if missing:
            if not col.required:
                continue
            raise FitError(f"{path}: column '{missing[0]}' ({kind}.columns.{name} in "
                           f"{sec.source}) is not in the file (its columns: "
                           f"{', '.join(header) if header else 'none'})")
        used[name] = col
    n_read = len(rows)
    if n_read == 0:
        raise FitError(f"{path}: no rows after the header (allowed: one row per "
                       f"{'call' if kind == 'calls' else 'inquiry'})")
    width = len(header)
    line_arr = np.asarray(lines, dtype=np.int64)
    # structural problems first: rows with too many or too few fields, a repeated header
    counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=n_read)
    problems = _Rows(line_arr)
    problems.flag("wrong_field_count", counts != width, "(the whole row)")
    fixed = [r if len(r) == width else (r + [""] * width)[:width] for r in rows]
    raw = pd.DataFrame(fixed, columns=_unique(header), dtype=object)
    raw = raw.apply(lambda s: s.str.strip())
    header_like = np.zeros(n_read, dtype=np.int64)
    for i in range(width):
        header_like += (raw.iloc[:, i].to_numpy() == header[i])
    problems.flag("stray_header", header_like * 2 >= max(width, 1), "(the whole row)")
    # exact duplicates (of well-formed rows)
    dup = raw.duplicated(keep="first").to_numpy() & ~problems.bad
    table = Table(kind, str(path), pd.DataFrame(), rows_read=n_read, zone=zone,
                  duplicates=int(dup.sum()))
    keep = ~dup
    if sec.filter:
        try:
            chosen = raw.query(sec.filter, engine="python")
        except Exception as exc:
            raise FitError(f"{path}: {kind}.filter \"{sec.filter}\" in {sec.source} does not "
                           f"run on the file ({type(exc).__name__}: "
                           f"{str(exc).splitlines()[0] if str(exc) else ''}); its columns: "
                           f"{', '.join(header)}") from None
        inside = np.zeros(n_read, dtype=bool)
        inside[raw.index.get_indexer(chosen.index)] = True
        table.filtered = int((keep & ~inside & ~problems.bad).sum())
        keep &= inside | problems.bad  # a broken row is counted as broken, not filtered
    out = {"line": line_arr}
    dropped = np.zeros(n_read, dtype=bool)
    unknown: dict[str, Counter] = {}
    for name, col in used.items():
        ftype = fields[name][0]
        label = f"'{col.label()}' ({name})"
        if ftype == "timestamp":
            local, utc = _timestamps(raw, col, sec.formats.get(name), sec, zone, path, name,
                                     problems, keep, fields[name][1])
            out[name] = local
            out[f"{name}_utc"] = utc
        elif ftype == "duration":
            out[name] = _durations(raw[col.column], sec.units.get(name, "seconds"), problems,
                                   label, keep)
        elif ftype in ("outcome", "channel", "bool"):
            values, drop, unk = _words(raw[col.column], name, ftype, sec, problems, label, keep,
                                       required=fields[name][1])
            out[name] = values
            dropped |= drop
            if unk:
                unknown[name] = unk
        elif ftype == "number":
            text = raw[col.column].str.replace(r"[\$€£,\s]", "", regex=True)
            num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
            problems.flag("bad_number", keep & (text.to_numpy() != "") & np.isnan(num), label)
            out[name] = num
        else:
            out[name] = raw[col.column].to_numpy(dtype=object)
    frame = pd.DataFrame(out)
    if kind == "leads" and "first_response_at_utc" in frame:
        before = frame["first_response_at_utc"].to_numpy() < frame["created_at_utc"].to_numpy()
        problems.flag("response_before_inquiry", keep & before,
                      f"'{used['first_response_at'].label()}' (first_response_at)")
    if kind == "leads" and "booked" not in frame and "booked_at" in frame:
        frame["booked"] = frame["booked_at"].notna().to_numpy()
    # the share of bad rows decides: skip them, or stop
    bad = problems.bad & keep
    table.problems = {k: [ln for ln in v] for k, v in problems.problems.items()}
    table.problem_columns = problems.columns
    table.unknown_values = unknown
    if bad.sum() > max_bad_share * n_read:
        raise FitError(_too_many(path, table, int(bad.sum()), n_read, max_bad_share, kind,
                                 sec))
    dropped &= keep & ~bad
    table.dropped = int(dropped.sum())
    final = keep & ~bad & ~dropped
    table.frame = frame[final].reset_index(drop=True)
    return table


def _unique(header: list[str]) -> list[str]:
    seen: Counter = Counter()
    out = []
    for h in header:
        seen[h] += 1
        out.append(h if seen[h] == 1 else f"{h}.{seen[h] - 1}")
    return out


def _too_many(path, table: Table, bad: int, n: int, share: float, kind: str, sec) -> str:
    cause, lines = max(table.problems.items(), key=lambda kv: len(kv[1]))
    first = ", ".join(map(str, lines[:5]))
    column = table.problem_columns.get(cause, "")
    msg = (f"{path}: {bad} of {n} rows ({bad / n:.1%}) have problems, more than "
           f"max_bad_share={share:g}; most often {cause} in column {column}: lines {first}")
    if cause == "unknown_value":
        name = column.rsplit("(", 1)[-1].rstrip(")")
        values = table.unknown_values.get(name)
        if values:
            top = ", ".join(f"'{v}'" for v, _ in values.most_common(3))
            msg += (f": value {top} not in the mapping (add it under {kind}.values.{name} in "
                    f"your mapping, e.g. as drop)")
    elif cause == "bad_timestamp":
        msg += (f" (set {kind}.formats in the mapping, e.g. '%d/%m/%Y %H:%M', or "
                "{date: '%d/%m/%Y', time: '%H:%M'})")
    return msg


# --------------------------------------------------------------------------- fields


def _timestamps(raw, col: Column, fmt, sec: Section, zone, path, name, problems: _Rows,
                keep, required: bool):
    if col.date:
        text = raw[col.date] + " " + raw[col.time]
        empty = (raw[col.date] == "").to_numpy()
        if isinstance(fmt, dict):
            fmt = f"{fmt.get('date') or '%Y-%m-%d'} {fmt.get('time') or '%H:%M:%S'}"
    else:
        text = raw[col.column]
        empty = (text == "").to_numpy()
    label = f"'{col.label()}' ({name})"
    if required:
        problems.flag("missing_value", keep & empty, label)
    has_offset = text.str.contains(_OFFSET, regex=True).to_numpy() & ~empty
    utc = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if has_offset.any():
        if zone is None:
            raise FitError(f"{path}: column {label} has times with UTC offsets but the mapping "
                           f"({sec.source}) sets no timezone (allowed: timezone: an IANA name "
                           "such as Europe/London)")
        parsed = pd.to_datetime(text[has_offset], format=fmt or "ISO8601", errors="coerce",
                                utc=True)
        utc[has_offset] = parsed.astype("datetime64[ns, UTC]")
    naive_rows = ~has_offset & ~empty
    if naive_rows.any():
        parsed = pd.to_datetime(text[naive_rows], format=fmt or "ISO8601", errors="coerce")
        parsed = parsed.astype("datetime64[ns]")
        src = sec.source_timezone or zone
        if src is not None:
            aware = parsed.dt.tz_localize(src, ambiguous=np.ones(len(parsed), dtype=bool),
                                          nonexistent="shift_forward")
            utc[naive_rows] = aware.dt.tz_convert("UTC")
        else:  # clock times, no zone: read as they are (no daylight-saving changes)
            utc[naive_rows] = parsed.dt.tz_localize("UTC")
    bad = keep & ~empty & utc.isna().to_numpy()
    problems.flag("bad_timestamp", bad, label)
    local = utc.dt.tz_convert(zone).dt.tz_localize(None) if zone else utc.dt.tz_localize(None)
    missing = utc.isna().to_numpy()
    ns = utc.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype("int64")
    seconds = np.where(missing, np.nan, ns / 1e9)
    return local.to_numpy(), seconds


def _durations(text: pd.Series, unit: str, problems: _Rows, label: str, keep) -> np.ndarray:
    empty = (text == "").to_numpy()
    if UNITS[unit] is None:  # [h:]mm:ss; a bare number is seconds
        parts = text.str.extract(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d*)?)$")
        h, m, sec = (pd.to_numeric(parts[i], errors="coerce").to_numpy(dtype=float)
                     for i in range(3))
        secs = np.nan_to_num(h) * 3600.0 + m * 60.0 + sec
        plain = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        secs = np.where(np.isnan(secs), plain, secs)
    else:
        secs = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float) * UNITS[unit]
    secs = np.where(empty, np.nan, secs)
    problems.flag("bad_duration", keep & ~empty & np.isnan(secs), label)
    problems.flag("negative_duration", keep & (secs < 0), label)
    return secs


def _words(text: pd.Series, name: str, ftype: str, sec: Section, problems: _Rows, label: str,
           keep, required: bool):
    table = sec.value_map(name)
    folded = text.str.strip().str.casefold()
    own = {"outcome": OUTCOMES, "channel": CHANNELS}.get(ftype, ())
    lookup: dict[str, str] = {w: w for w in own}
    if ftype == "bool":
        lookup.update({w: "true" for w in TRUE_WORDS})
        lookup.update({w: "false" for w in FALSE_WORDS})
    lookup.update(table)
    mapped = folded.map(lookup)
    empty = (folded == "").to_numpy()
    if ftype != "bool" and required:
        problems.flag("missing_value", keep & empty & mapped.isna().to_numpy(), label)
    unknown_mask = keep & mapped.isna().to_numpy() & ~empty
    unk = Counter(text[unknown_mask & ~problems.bad].tolist())
    problems.flag("unknown_value", unknown_mask, label)
    values = mapped.to_numpy(dtype=object)
    drop = values == DROP
    if ftype == "bool":
        out = np.where(values == "true", True, False)
        return out, drop, unk
    return values, drop, unk
