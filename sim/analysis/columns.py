"""Typed table columns without pandas, for `tables`, `reputation` and `nurture`.

A run's records are plain lists; the tables and the summary are built from them once per
run. Importing pandas alone costs about half a second, a quarter of a one-day run, and
the summary needs none of it; so a table is a `Table`: its columns in order, numbers and
flags as typed numpy arrays, text as numpy arrays of str (None where missing). pyarrow
imports pandas the first time it converts anything (`pa.array`, `to_numpy`, its compute
functions), so the columns are handed to it as buffers (`pa.Array.from_buffers`):
`Table.arrow()` is what is saved (parquet, written by pyarrow), `Table.pandas()` the
DataFrame pandas would have made of the same lists (same columns, dtypes and values),
made only when someone asks for it. The helpers give exactly the results pandas' own
operations gave (same dtypes, same floats).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pyarrow as pa

TEXT = pa.large_string()  # pandas' `str` dtype stores its text as large_string


class Untyped(list):
    """A column of values neither numbers nor text (mixed types, all missing): its plain
    values, left to pandas' own inference in `Table.pandas`."""


def column(values, dtype=None):
    """One column from a plain list (or array): a numpy array of `dtype` for numbers and
    flags; text (`dtype` str, or values all str or None, some str) as a numpy array of
    str and None; `Untyped` otherwise. An untyped empty list is float64, as pandas makes
    it."""
    if dtype is not None and dtype is not str:
        return np.array(values, dtype=dtype)
    if isinstance(values, np.ndarray):
        return values
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if all(issubclass(k, str) for k in kinds) and (kinds or dtype is str):
        if kinds - {str}:  # a str Enum's member: its text, as pyarrow and pandas store it
            values = [None if v is None else str.__str__(v) for v in values]
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    if not len(values) and dtype is None:
        return np.zeros(0, dtype=np.float64)
    return Untyped(values)


def inferred(values: list):
    """A column of values of any Python types, typed as pandas infers a column of them
    (`DataFrame.from_records`): bool, int64, float64 (ints with floats or None; None as
    NaN), text; anything else `Untyped` (no values: an object column)."""
    kinds = {_kind(t) for t in set(map(type, values))}
    if kinds == {"bool"}:
        return np.array(values, dtype=bool)
    if kinds == {"int"}:
        return np.array(values, dtype=np.int64)
    if kinds and kinds <= {"int", "float", "none"} and kinds != {"none"}:
        return np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    if "str" in kinds and kinds <= {"str", "none"}:
        return column(values, str)
    return Untyped(values)


def _kind(t: type) -> str:
    if issubclass(t, bool | np.bool_):
        return "bool"
    if issubclass(t, int | np.integer):
        return "int"
    if issubclass(t, float | np.floating):
        return "float"
    if issubclass(t, str):
        return "str"
    return "none" if t is type(None) else "other"


def is_text(values) -> bool:
    return isinstance(values, np.ndarray) and values.dtype == object


class Table:
    """A table's columns by name, in order, all of one length: numpy arrays (numbers,
    flags; text as objects), or `Untyped` lists."""

    def __init__(self, cols: dict):
        self.cols = cols

    @classmethod
    def of(cls, columns: dict, dtypes: dict | None = None) -> Table:
        """From a dict of plain lists; `dtypes` names the type of some columns."""
        dtypes = dtypes or {}
        return cls({name: column(values, dtypes.get(name)) for name, values in columns.items()})

    @classmethod
    def of_rows(cls, rows: list[dict]) -> Table:
        """From a list of dicts (one per row, the same keys), each column typed as pandas
        infers it; no rows give a table without columns, as `pd.DataFrame([])`."""
        names = list(rows[0]) if rows else []
        return cls({name: inferred([r[name] for r in rows]) for name in names})

    def __getitem__(self, name: str):
        return self.cols[name]

    def __contains__(self, name: str) -> bool:
        return name in self.cols

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    @property
    def names(self) -> list[str]:
        return list(self.cols)

    def assign(self, **new) -> Table:
        return Table({**self.cols, **new})

    def select(self, names) -> Table:
        return Table({name: self.cols[name] for name in names})

    def take(self, rows: np.ndarray) -> Table:
        """The rows at these positions (all >= 0), in this order."""
        return Table({name: take(values, rows) for name, values in self.cols.items()})

    def arrow(self) -> pa.Table:
        """The table as pyarrow holds (and saves) it: a float's NaN and a missing text are
        missing values (null), as pandas writes them."""
        return pa.Table.from_arrays([arrow(v) for v in self.cols.values()], names=self.names)

    def pandas(self):
        """The DataFrame pandas makes of the same lists: text as pandas' own text dtype
        (`str` from pandas 3; Python strings, None where missing, before it)."""
        import pandas as pd

        if not self.cols:
            return pd.DataFrame([])
        frame = self.arrow().to_pandas()
        for name, values in self.cols.items():
            if isinstance(values, Untyped):
                frame[name] = pd.Series(list(values), dtype=None if values else object)
        return frame


def arrow(values) -> pa.Array:
    """A column as a pyarrow array, made from its buffers (no conversion by pyarrow)."""
    n = len(values)
    if isinstance(values, Untyped):
        if all(v is None for v in values):
            return pa.nulls(n)
        return pa.array(list(values))  # mixed types: pyarrow's own inference
    if values.dtype == object:
        present = np.fromiter((v is not None for v in values), dtype=bool, count=n)
        encoded = [v.encode() if v is not None else b"" for v in values]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=offsets[1:])
        return _from_buffers(TEXT, n, present, [pa.py_buffer(offsets),
                                                pa.py_buffer(b"".join(encoded))])
    data = np.ascontiguousarray(values)
    if data.dtype == bool:
        return _from_buffers(pa.bool_(), n, None, [pa.py_buffer(
            np.packbits(data, bitorder="little"))])
    present = ~np.isnan(data) if data.dtype.kind == "f" else None
    return _from_buffers(pa.from_numpy_dtype(data.dtype), n, present, [pa.py_buffer(data)])


def _from_buffers(kind: pa.DataType, n: int, present: np.ndarray | None, buffers: list):
    """An array of `n` values of `kind` from its data `buffers`; `present`: where a value
    is there (None: everywhere)."""
    if present is None or present.all():
        return pa.Array.from_buffers(kind, n, [None, *buffers], null_count=0)
    validity = pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.Array.from_buffers(kind, n, [validity, *buffers],
                                 null_count=n - int(np.count_nonzero(present)))


def take(values, rows: np.ndarray):
    """`values` at `rows`; missing (NaN for numbers, None for text) where a row is -1, as
    pandas' `take(..., allow_fill=True)` gives (ints with a missing value become float)."""
    rows = np.asarray(rows, dtype=np.int64)
    missing = rows < 0
    if isinstance(values, Untyped):
        return Untyped([None if r < 0 else values[r] for r in rows])
    if not missing.any():
        return values[rows]
    if values.dtype == object:
        out = values[np.maximum(rows, 0)] if len(values) else np.empty(len(rows), object)
        out[missing] = None
        return out
    out = values.astype(np.float64)[np.maximum(rows, 0)] if len(values) else \
        np.full(len(rows), math.nan)
    out[missing] = math.nan
    return out


def text(values) -> np.ndarray:
    """A column as a numpy array of Python objects (text; None or NaN where missing), for
    comparisons element by element (`== "phone"`): a pandas Series, a list, or an array."""
    return values if is_text(values) else np.asarray(values, dtype=object)


def filled(values: np.ndarray, fill: str = "") -> np.ndarray:
    """A text column with its missing values as `fill`."""
    out = np.empty(len(values), dtype=object)
    out[:] = [fill if v is None else v for v in values]
    return out


def lookup(index, keys) -> np.ndarray:
    """For each key, the position in `index` (unique values) that holds it, -1 if none:
    what pandas' `Index.get_indexer` gives."""
    index, keys = np.asarray(index), np.asarray(keys)
    if not len(index):
        return np.full(len(keys), -1, dtype=np.int64)
    order = np.argsort(index, kind="stable")
    at = np.minimum(np.searchsorted(index, keys, sorter=order), len(index) - 1)
    found = order[at]
    return np.where(index[found] == keys, found, -1).astype(np.int64)


class Codes:
    """A column of labels (text) encoded once into integer codes.

    `eq(name)` is the boolean mask of `column == name`: comparing small integers instead of
    strings row by row. Missing values get code -1 and, as in pandas, equal nothing."""

    def __init__(self, values):
        code: dict = {}
        self.codes = np.fromiter((-1 if v is None or v != v else code.setdefault(v, len(code))
                                  for v in text(values)), dtype=np.int64, count=len(values))
        self._code = code

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows) -> Codes:
        """The labels of a subset of the rows (same codes)."""
        sub = object.__new__(Codes)
        sub.codes, sub._code = self.codes[rows], self._code
        return sub

    def eq(self, name) -> np.ndarray:
        code = self._code.get(name)
        if code is None:
            return np.zeros(len(self.codes), dtype=bool)
        return self.codes == code

    def isin(self, names) -> np.ndarray:
        wanted = [self._code[n] for n in names if n in self._code]
        return np.isin(self.codes, wanted)


class Rows:
    """Base of small dataclasses holding some columns of one table as numpy arrays (or
    `Codes`), all of one length: `rows[mask]` is the same columns for the selected rows."""

    def __len__(self) -> int:
        return len(getattr(self, dataclasses.fields(self)[0].name))

    def __getitem__(self, rows):
        return type(self)(**{f.name: getattr(self, f.name)[rows]
                             for f in dataclasses.fields(self)})


def count(mask: np.ndarray) -> int:
    """How many rows a boolean mask selects."""
    return int(np.count_nonzero(mask))


def mean(values: np.ndarray) -> float:
    """`Series.mean()` of a numeric array, bit for bit: NaN left out, the sum taken in
    float64 (as pandas does, also for integers), NaN when nothing is left."""
    if values.dtype.kind == "f":
        n = count(~np.isnan(values))
        return float(np.nansum(values, dtype=np.float64) / n) if n else math.nan
    return float(values.sum(dtype=np.float64) / len(values)) if len(values) else math.nan


def quantiles(values: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """`Series.quantile(q)` for each q of a float array, NaN left out (all NaN if nothing
    is left). pandas computes it with `np.quantile` (linear interpolation), as here."""
    values = values[~np.isnan(values)]
    if not len(values):
        return [math.nan] * len(qs)
    return [float(x) for x in np.quantile(values, qs)]
