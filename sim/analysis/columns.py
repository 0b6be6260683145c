"""Fast building and reading of table columns, for `tables` and `reputation`.

A run's records are plain lists; turning them into DataFrames and summarising them is done
once per run, but it used to cost a large share of a short run. Most of that was pandas'
per-call overhead: inferring a type for every list, then converting it again, and ~100
small string comparisons, value counts and quantiles on Series. The helpers here do the
same work on numpy arrays and give exactly the same results (same dtypes, same floats).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pyarrow as pa

# Whether pandas makes a list of str into its pyarrow-backed `str` dtype (the default from
# pandas 3). Where it does not, such lists stay object columns, left to pandas below.
_INFERS_STR = isinstance(pd.Series(["a"]).dtype, pd.StringDtype)


def column(values, dtype=None):
    """One DataFrame column from a plain list, equal to what pandas would make of it
    (`pd.Series(values)`, then `.astype(dtype)` when a dtype is given), only cheaper.

    Numeric and bool dtypes are built straight as numpy arrays. Strings go through pyarrow,
    which checks that every value is a str (or None) while it builds the array; anything
    else (mixed types, an untyped empty list) is left to pandas' own inference."""
    if dtype is not None and dtype is not str:
        return np.array(values, dtype=dtype)
    text = isinstance(values, list) and (dtype is str or (values and isinstance(values[0], str)))
    if text and _INFERS_STR:
        try:
            return pd.array(pa.array(values, type=pa.large_string()), dtype=str)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return values if dtype is None else pd.Series(values).astype(dtype).array


def frame(columns: dict, dtypes: dict | None = None) -> pd.DataFrame:
    """A DataFrame from a dict of plain lists; `dtypes` names the type of some columns."""
    dtypes = dtypes or {}
    return pd.DataFrame({name: column(values, dtypes.get(name))
                         for name, values in columns.items()})


class Codes:
    """A column of labels (strings) factorized once into integer codes.

    `eq(name)` is the boolean mask of `column == name`: comparing small integers instead of
    strings row by row. Missing values get code -1 and, as in pandas, equal nothing."""

    def __init__(self, values):
        self.codes, uniques = pd.factorize(values)
        self._code = {name: i for i, name in enumerate(uniques)}

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
