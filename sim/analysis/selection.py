"""Selection of the best of k systems with a stated probability of being right: procedure KN.

Reference: S.-H. Kim and B. L. Nelson (2001), "A fully sequential procedure for
indifference-zone selection in simulation", ACM Transactions on Modeling and Computer
Simulation 11(3), 251-273, doi:10.1145/502109.502111 ("KN"; the procedure with c = 1).

The guarantee (KN's Theorem 1). Let mu_1 >= ... >= mu_k be the true means (larger is
better: here the mean net gain a month). If the best is at least `delta` better than
every other system (mu_1 - mu_2 >= delta), KN selects it with probability at least
1 - alpha, for normal observations with any variances and any correlation between
systems within a replication: common random numbers are allowed, and help. `delta`, the
indifference zone, is the smallest difference worth knowing, in the units of the values:
systems closer to the best than delta are treated as equally good (the theorem promises
nothing about which of them is picked).

The procedure, in the paper's notation (X_ij is the j-th replication of system i; the
same j runs every system on the same random numbers):

  Setup.     n0 >= 2 first-stage replications of every system, and
                 eta = (1/2) * [ (2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1 ],
                 h^2 = 2 eta (n0 - 1).
  First stage. For every pair i != l, the variance of their differences over the first
             n0 replications,
                 S_il^2 = 1 / (n0 - 1) * sum_{j=1..n0} (X_ij - X_lj - [Xbar_i(n0) - Xbar_l(n0)])^2,
             and r = n0 (S_il^2 is never updated afterwards).
  Screening. With I_old the surviving systems and Xbar_i(r) the mean of their first r
             replications, system i survives if, for every other l in I_old,
                 Xbar_i(r) >= Xbar_l(r) - W_il(r),
                 W_il(r) = max(0, (delta / (2 r)) * (h^2 S_il^2 / delta^2 - r)),
             and is eliminated (by the l it falls below) otherwise.
  Stopping.  If one system is left it is selected; else run replication r + 1 of every
             survivor, r = r + 1, and screen again.

W_il(r) is a triangle in the (r, r * [Xbar_i - Xbar_l]) plane: the pair's continuation
region closes at r = h^2 S_il^2 / delta^2, so the procedure ends after at most
max(n0, ceil(max_il h^2 S_il^2 / delta^2)) replications per system
(`KNSelection.worst_case_replications`). Pairs whose replications share their noise have a
small S_il^2: that is how common random numbers cut the replications needed.

Two additions the paper needs no rule for, both outside its probability calculation:
- exact ties at the closed end of the region (W_il = 0 and Xbar_i = Xbar_l, which has
  probability zero for continuous observations but happens when two candidates are the
  same plan run on the same seeds, S_il^2 = 0): the system listed later is eliminated;
- a cap on replications (`max_replications`): if several systems survive it, the one with
  the best sample mean is selected and the result says the guarantee does not hold.

Use. `select_best(names, sample, delta=...)` runs it with `sample(names, replication) ->
{name: value}`, which must run every system named on the seeds of that replication (0 for
the first). A caller that runs replications in parallel, or stores them, drives
`KNSelection` itself: `next_round()` lists the replications needed now (all n0 of the first
stage at once, then one at a time), `observe(replication, {name: value})` records them in
any order. The state is a function of the observations alone, so a selection that was
killed resumes from its stored table (`observe_table`) without redoing a replication, and
selects exactly what the uninterrupted run would have.

About 430 lines, a third of them this docstring: one published procedure, its constants,
state and stopping rule, which read best side by side with the paper's notation above.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import ConfigError

__all__ = ["DEFAULT_ALPHA", "DEFAULT_N0", "KNSelection", "SelectionResult", "SystemOutcome",
           "SELECTION_COLUMNS", "continuation_halfwidth", "kn_eta", "kn_h2",
           "pairwise_variances", "select_best"]

DEFAULT_ALPHA = 0.05
DEFAULT_N0 = 10
# one row per system, in the order of the candidates (selection.csv)
SELECTION_COLUMNS = ["system", "replications", "mean", "eliminated_after", "eliminated_by",
                     "selected"]

# why a selection stopped
ONE_LEFT = "one system left"
SINGLE_CANDIDATE = "a single candidate: selected without sampling"
CAP_REACHED = "the replication cap was reached with several systems left"


def _bad(key: str, value, allowed: str) -> ConfigError:
    return ConfigError(f"{key}: {value!r} is not allowed (allowed: {allowed})")


def _whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_parameters(k: int, delta, alpha, n0, max_replications) -> None:
    if not (isinstance(delta, numbers.Real) and math.isfinite(delta) and delta > 0):
        raise _bad("delta", delta, "a number > 0, in the units of the values")
    if not (isinstance(alpha, numbers.Real) and 0 < alpha < 1):
        raise _bad("alpha", alpha, "a number between 0 and 1, e.g. 0.05 for 95%")
    if not (_whole(n0) and n0 >= 2):
        raise _bad("n0", n0, "a whole number >= 2")
    if max_replications is not None and not (_whole(max_replications)
                                             and max_replications >= n0):
        raise _bad("max_replications", max_replications,
                   f"none, or a whole number >= n0 ({n0})")


def kn_eta(alpha: float, k: int, n0: int) -> float:
    """eta = (1/2) [(2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1] (KN, c = 1)."""
    return 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)


def kn_h2(alpha: float, k: int, n0: int) -> float:
    """h^2 = 2 eta (n0 - 1)."""
    return 2.0 * kn_eta(alpha, k, n0) * (n0 - 1)


def pairwise_variances(first_stage: np.ndarray) -> np.ndarray:
    """S_il^2 for a (k, n0) array of first-stage observations: the (k, k) matrix of the
    sample variances (divisor n0 - 1) of X_ij - X_lj over j; zero on the diagonal."""
    x = np.asarray(first_stage, dtype=float)
    diffs = x[:, None, :] - x[None, :, :]
    return diffs.var(axis=2, ddof=1)


def continuation_halfwidth(r: int, s2, h2: float, delta: float):
    """W_il(r) = max(0, (delta / 2r) (h^2 S_il^2 / delta^2 - r)), elementwise over s2."""
    return np.maximum(0.0, (delta / (2.0 * r)) * (h2 * np.asarray(s2) / delta**2 - r))


@dataclass(frozen=True)
class SystemOutcome:
    """One system's part in a selection: the replications it used and their mean, the
    number of replications after which it was eliminated and by which system (None if it
    was never eliminated), and whether it was selected."""

    name: str
    replications: int
    mean: float
    eliminated_after: int | None
    eliminated_by: str | None
    selected: bool


@dataclass(frozen=True)
class SelectionResult:
    """The outcome of a KN selection.

    `guaranteed` is True when the procedure ended by its own rule (one system left, or a
    single candidate): the selected system's mean is within `delta` of the best with
    probability at least 1 - alpha. It is False when the replication cap stopped it."""

    selected: str
    guaranteed: bool
    reason: str
    systems: tuple[SystemOutcome, ...]
    delta: float
    alpha: float
    n0: int
    eta: float
    h2: float
    max_replications: int | None

    @property
    def total_replications(self) -> int:
        """Replications run over all systems (the cost of the selection)."""
        return sum(s.replications for s in self.systems)

    def system(self, name: str) -> SystemOutcome:
        for s in self.systems:
            if s.name == name:
                return s
        raise KeyError(name)

    def table(self) -> pd.DataFrame:
        """One row per system (SELECTION_COLUMNS), in the order of the candidates."""
        rows = [(s.name, s.replications, s.mean, s.eliminated_after, s.eliminated_by,
                 s.selected) for s in self.systems]
        out = pd.DataFrame(rows, columns=SELECTION_COLUMNS)
        out["replications"] = out["replications"].astype("int64")
        out["eliminated_after"] = out["eliminated_after"].astype("Int64")
        return out

    def statement(self, delta_text: str | None = None) -> str:
        """What the result means, in one sentence; `delta_text` says delta in the
        caller's units (e.g. "$500 a month"), default the bare number."""
        level = f"{1 - self.alpha:.0%}"
        zone = delta_text or f"{self.delta:g}"
        k = len(self.systems)
        if self.reason == SINGLE_CANDIDATE:
            return f"{self.selected} is the only candidate: selected without sampling."
        if self.guaranteed:
            return (f"{self.selected} is selected (Kim & Nelson 2001): when one of the {k} "
                    f"candidates is better than every other by at least {zone}, this "
                    f"procedure selects it with probability at least {level}; candidates "
                    f"closer than {zone} to the best count as equally good.")
        left = sum(s.eliminated_after is None for s in self.systems)
        return (f"{self.selected} has the best sample mean of the {left} candidates still "
                f"in contention after {self.max_replications} replications (the cap): the "
                f"{level} guarantee does not hold; raise the cap or delta.")


class KNSelection:
    """Procedure KN, step by step: ask `next_round()` what to run, `observe` the results.

    names: the candidate systems (at least one; distinct). delta: the indifference zone,
    in the units of the values (> 0). alpha: 1 - the guaranteed probability of a correct
    selection, in (0, 1). n0: first-stage replications (>= 2). max_replications: an
    optional cap on replications per system (>= n0).

    variance_scale multiplies every S_il^2. It is 1 in the procedure of the paper; it
    exists so the tests can show that a procedure with a too-small variance term
    (variance_scale=0.5) loses the guarantee. Do not change it in real use.
    """

    def __init__(self, names: Iterable[str], delta: float, alpha: float = DEFAULT_ALPHA,
                 n0: int = DEFAULT_N0, max_replications: int | None = None, *,
                 variance_scale: float = 1.0):
        self.names = tuple(names)
        if not self.names:
            raise _bad("names", list(self.names), "at least one candidate system")
        dup = [n for n in self.names if self.names.count(n) > 1]
        if dup:
            raise _bad("names", dup[0], "distinct names (this one is listed twice)")
        _check_parameters(len(self.names), delta, alpha, n0, max_replications)
        self.delta, self.alpha, self.n0 = float(delta), float(alpha), int(n0)
        self.max_replications = max_replications
        self.variance_scale = float(variance_scale)
        k = len(self.names)
        self.eta = kn_eta(self.alpha, k, self.n0) if k > 1 else math.nan
        self.h2 = kn_h2(self.alpha, k, self.n0) if k > 1 else math.nan
        self._index = {n: i for i, n in enumerate(self.names)}
        self._obs: list[dict[int, float]] = [{} for _ in self.names]
        self._s2: np.ndarray | None = None  # S_il^2, after the first stage
        self._sums = np.zeros(k)  # sum of each system's first r replications
        self._r = 0  # replications screened so far (the paper's r)
        self._alive = list(range(k))
        self._used = [0] * k
        self._eliminated_after: list[int | None] = [None] * k
        self._eliminated_by: list[int | None] = [None] * k
        self._selected: int | None = 0 if k == 1 else None
        self._reason = SINGLE_CANDIDATE if k == 1 else None

    # the state --------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._selected is not None

    @property
    def replications(self) -> int:
        """r: the replications per surviving system screened so far."""
        return self._r

    @property
    def survivors(self) -> tuple[str, ...]:
        return tuple(self.names[i] for i in self._alive)

    @property
    def worst_case_replications(self) -> int | None:
        """The most replications per system the procedure can still need (before any
        cap), known once the first stage is in; None before."""
        if self._s2 is None:
            return None
        if self.done or len(self._alive) < 2:
            return self._r
        a = np.array(self._alive)
        s2 = self._s2[a[:, None], a]
        return max(self._r, math.ceil(float(s2.max()) * self.h2 / self.delta**2))

    def next_round(self) -> list[tuple[int, tuple[str, ...]]]:
        """The replications needed before the procedure can move on, as (replication,
        systems) pairs; each pair is one set of runs on common random numbers. All
        missing first-stage replications come at once (they can run in parallel), then
        one replication of the survivors at a time. Empty when done."""
        if self.done:
            return []
        wanted = range(self.n0) if self._s2 is None else [self._r]
        out = []
        for j in wanted:
            missing = tuple(self.names[i] for i in self._alive if j not in self._obs[i])
            if missing:
                out.append((j, missing))
        return out

    # observations -----------------------------------------------------------------
    def observe(self, replication: int, values: Mapping[str, float]) -> None:
        """Record replication `replication` (0 for the first) of the systems in `values`.

        Observations may come in any order and in parts; the procedure moves on as soon
        as the replications it needs are in. Recording the same value twice is harmless
        (a resumed caller may do it); a different value for a recorded one is an error,
        as is an unknown system or a value that is not a finite number. Replications of
        systems already eliminated are kept but not used."""
        if not (_whole(replication) and replication >= 0):
            raise _bad("replication", replication, "a whole number >= 0")
        j = int(replication)
        checked = []
        for name, value in values.items():
            if name not in self._index:
                raise _bad("system", name, ", ".join(map(str, self.names)))
            v = float(value) if isinstance(value, numbers.Real) else math.nan
            if not math.isfinite(v):
                raise _bad(f"value of {name} at replication {j}", value, "a finite number")
            i = self._index[name]
            old = self._obs[i].get(j)
            if old is not None and old != v:
                raise ConfigError(f"value of {name} at replication {j}: {v!r} differs from "
                                  f"the recorded {old!r} (allowed: one value per replication)")
            checked.append((i, v))
        for i, v in checked:
            self._obs[i][j] = v
        self._advance()

    def observe_table(self, table: pd.DataFrame, system: str = "system",
                      replication: str = "replication", value: str = "value") -> None:
        """Record every row of a table of (system, replication, value), e.g. the one
        `observations()` returned before the selection was stopped."""
        missing = [c for c in (system, replication, value) if c not in table.columns]
        if missing:
            raise ConfigError(f"observations: no column {missing[0]!r} (allowed: a table "
                              f"with columns {system}, {replication}, {value})")
        by_rep: dict[int, dict[str, float]] = {}
        for s, j, v in zip(table[system], table[replication], table[value]):
            if not (_whole(j) or (isinstance(j, float) and j.is_integer())):
                raise _bad(f"observations: {replication} of {s}", j, "a whole number >= 0")
            row = by_rep.setdefault(int(j), {})
            if s in row and row[s] != float(v):
                raise ConfigError(f"observations: {s} has two values at {replication} {j} "
                                  "(allowed: one value per replication)")
            row[s] = v
        for j in sorted(by_rep):
            self.observe(j, by_rep[j])

    def observations(self) -> pd.DataFrame:
        """Every value recorded: columns system, replication, value, sorted by
        replication then candidate order."""
        rows = sorted(((j, i, v) for i, obs in enumerate(self._obs) for j, v in obs.items()))
        return pd.DataFrame({"system": [self.names[i] for _, i, _ in rows],
                             "replication": np.array([j for j, _, _ in rows], dtype="int64"),
                             "value": np.array([v for _, _, v in rows], dtype=float)})

    # the procedure ------------------------------------------------------------------
    def _advance(self) -> None:
        if self.done:
            return
        if self._s2 is None:
            if any(j not in self._obs[i] for i in self._alive for j in range(self.n0)):
                return
            first = np.array([[self._obs[i][j] for j in range(self.n0)]
                              for i in range(len(self.names))])
            self._s2 = pairwise_variances(first) * self.variance_scale
            self._sums = first.sum(axis=1)
            self._r = self.n0
            self._screen()
        while not self.done and all(self._r in self._obs[i] for i in self._alive):
            for i in self._alive:
                self._sums[i] += self._obs[i][self._r]
            self._r += 1
            self._screen()

    def _screen(self) -> None:
        r, a = self._r, np.array(self._alive)
        for i in self._alive:
            self._used[i] = r
        means = self._sums[a] / r
        w = continuation_halfwidth(r, self._s2[a[:, None], a], self.h2, self.delta)
        # margin[p, q]: how far system a[p] falls below a[q] - W; > 0 eliminates a[p]
        margin = means[None, :] - w - means[:, None]
        np.fill_diagonal(margin, -np.inf)
        out = margin > 0
        # exact ties at the closed end of the region: the system listed later goes
        tie = (margin == 0) & (w == 0) & (a[None, :] < a[:, None])
        out |= tie
        keep = self._alive
        if out.any():
            keep = []
            for p, i in enumerate(self._alive):
                if out[p].any():
                    q = int(np.argmax(np.where(out[p], margin[p], -np.inf)))
                    self._eliminated_after[i] = r
                    self._eliminated_by[i] = int(a[q])
                else:
                    keep.append(i)
            self._alive = keep
        if len(keep) == 1:
            self._selected, self._reason = keep[0], ONE_LEFT
        elif self.max_replications is not None and r >= self.max_replications:
            best = max(keep, key=lambda i: (self._sums[i], -i))
            self._selected, self._reason = best, CAP_REACHED

    def result(self) -> SelectionResult:
        """The outcome; only once `done`."""
        if not self.done:
            raise RuntimeError(f"the selection is not finished: {len(self._alive)} systems "
                               f"left after {self._r} replications (see next_round())")
        systems = tuple(
            SystemOutcome(
                name=n, replications=self._used[i],
                mean=float(self._sums[i] / self._used[i]) if self._used[i] else math.nan,
                eliminated_after=self._eliminated_after[i],
                eliminated_by=(None if self._eliminated_by[i] is None
                               else self.names[self._eliminated_by[i]]),
                selected=i == self._selected)
            for i, n in enumerate(self.names))
        return SelectionResult(
            selected=self.names[self._selected], guaranteed=self._reason != CAP_REACHED,
            reason=self._reason, systems=systems, delta=self.delta, alpha=self.alpha,
            n0=self.n0, eta=self.eta, h2=self.h2, max_replications=self.max_replications)


def select_best(names: Iterable[str], sample: Callable[[tuple[str, ...], int], Mapping],
                delta: float, alpha: float = DEFAULT_ALPHA, n0: int = DEFAULT_N0,
                max_replications: int | None = None, observations: pd.DataFrame | None = None,
                on_round: Callable[[KNSelection], None] | None = None) -> SelectionResult:
    """Run procedure KN to the end and return its result.

    sample(systems, replication) must return {system: value} for every system named,
    all run on the random numbers of that replication (0 for the first): that is common
    random numbers. observations: a table of (system, replication, value) already run
    (from a stopped selection); those replications are not asked for again. on_round is
    called with the KNSelection after each replication is in (for a progress bar:
    `.replications`, `.worst_case_replications`, `.survivors`)."""
    selection = KNSelection(names, delta, alpha, n0, max_replications)
    if observations is not None:
        selection.observe_table(observations)
    while not selection.done:
        for replication, systems in selection.next_round():
            values = sample(systems, replication)
            lacking = [s for s in systems if s not in values]
            if lacking:
                raise ConfigError(f"sample: no value for {lacking[0]!r} at replication "
                                  f"{replication} (allowed: a value for every system asked)")
            selection.observe(replication, {s: values[s] for s in systems})
            if on_round is not None:
                on_round(selection)
    return selection.result()
