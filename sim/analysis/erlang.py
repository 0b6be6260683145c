"""Exact steady-state formulas for a team answering one queue of enquiries.

Enquiries arrive as a Poisson stream (``arrival_rate`` per minute, lambda), wait in a
single first-come-first-served queue, and are handled by ``servers`` identical staff
(c) in exponentially distributed times with mean ``handle_minutes`` (mu = 1/mean).

* Erlang C, the M/M/c queue (Erlang 1917): nobody gives up. Stable only while the
  offered load a = lambda/mu is below c.
* Erlang A, the M/M/c+M queue (Palm 1943): each waiting enquirer also has an
  exponential patience with mean ``patience_minutes`` (theta = 1/mean) and leaves
  unanswered when it runs out. Always stable. Formulas as in Garnett, Mandelbaum &
  Reiman (2002), "Designing a call center with impatient customers", Manufacturing &
  Service Operations Management 4(3):208-227, and Mandelbaum & Zeltyn (2005), "The
  Palm/Erlang-A queue, with applications to call centers".

Nothing here is a heavy-traffic or diffusion approximation. Erlang A is solved from
its birth-death chain, cut off only where the mass left out is below 1e-15.
Any consistent time unit works; minutes are used in the names.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["QueueMetrics", "erlang_a_metrics", "erlang_b", "erlang_c", "erlang_c_metrics",
           "service_level", "staff_needed"]

_TAIL = 1e-15  # probability mass the truncated Erlang A chain may leave out
_MAX_STATES = 5_000_000  # past this the chain needs too much memory: refuse instead
_MAX_SERVERS = 10_000_000


def _real(name: str, value: object, *, zero_ok: bool = False, inf_ok: bool = False) -> float:
    good = isinstance(value, numbers.Real) and not isinstance(value, bool)
    good = good and not math.isnan(value) and (value >= 0 if zero_ok else value > 0)
    if not good or (math.isinf(value) and not inf_ok):
        span = ("[0, " if zero_ok else "(0, ") + ("inf]" if inf_ok else "inf)")
        raise ValueError(f"{name} must be a real number in {span}; got {value!r}")
    return float(value)


def _fraction(value: object) -> bool:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    return ok and 0 < value <= 1


def _servers(servers: object) -> int:
    if isinstance(servers, bool) or not isinstance(servers, numbers.Integral) or servers < 1:
        raise ValueError(f"servers must be an integer >= 1; got {servers!r}")
    return int(servers)


def erlang_b(servers: int, offered_load: float) -> float:
    """Erlang's loss formula (Erlang 1917): P(all ``servers`` busy) when ``offered_load``
    erlangs are offered and callers who find everyone busy are lost (M/M/c/c).

    Uses B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), which never forms a^c or c!.
    """
    c, a = _servers(servers), _real("offered_load", offered_load, zero_ok=True)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Erlang's delay formula (Erlang 1917): P(an arrival must wait) in M/M/c.

    C = c B / (c - a (1 - B)) with B = erlang_b(c, a); 1.0 when a >= c (the queue
    grows without bound, so in the long run everyone waits).
    """
    c, a = _servers(servers), _real("offered_load", offered_load, zero_ok=True)
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


@dataclass(frozen=True)
class QueueMetrics:
    """Long-run averages over arrivals (PASTA); times in the unit of the inputs.

    p_wait: P(an arrival finds every server busy). p_abandon: P(it leaves unanswered).
    mean_wait: mean time in queue over all arrivals, abandoned ones included.
    mean_wait_served: mean time in queue of those eventually answered.
    utilisation: expected number of busy servers divided by c.
    """

    p_wait: float
    p_abandon: float
    mean_wait: float
    mean_wait_served: float
    utilisation: float


def erlang_c_metrics(arrival_rate: float, handle_minutes: float, servers: int) -> QueueMetrics:
    """M/M/c with infinitely patient callers (Erlang 1917).

    P(wait) = C(c, a); mean wait = C / (c mu - lambda); utilisation = a / c.
    Raises ValueError when a >= c, because no steady state exists.
    """
    lam = _real("arrival_rate", arrival_rate)
    h = _real("handle_minutes", handle_minutes)
    c = _servers(servers)
    a = lam * h
    if a >= c:
        raise ValueError(f"unstable: offered load {a:g} erlangs >= servers {c}; add servers")
    p = erlang_c(c, a)
    wait = p * h / (c - a)
    return QueueMetrics(p, 0.0, wait, wait, a / c)


def _chain(lam: float, mu: float, c: int, theta: float) -> np.ndarray:
    """log P(N = n), n = 0..N, for the Erlang A birth-death chain (Palm 1943).

    Births at rate lambda; deaths at min(n, c) mu + max(n - c, 0) theta.
    """
    # The queue settles where arrivals balance service plus abandonment.
    centre = max(c, lam / mu, c + (lam - c * mu) / theta)
    n = int(centre + 12.0 * math.sqrt(centre + 1.0) + 64)
    while n <= _MAX_STATES:
        k = np.arange(1, n + 1, dtype=float)
        death = np.minimum(k, c) * mu + np.maximum(k - c, 0.0) * theta
        logw = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(death))))
        top = logw.max()
        # Death rates rise with n, so past n the weights shrink at least geometrically
        # with ratio r < 1: the tail is at most w_n r / (1 - r).
        r = lam / (min(n + 1, c) * mu + max(n + 1 - c, 0) * theta)
        if r < 1 and logw[-1] - top + math.log(r / (1 - r)) < math.log(_TAIL):
            return logw - top - math.log(np.exp(logw - top).sum())
        n *= 2
    raise ValueError("patience_minutes is so long that the overloaded queue exceeds "
                     f"{_MAX_STATES} states; use patience_minutes=math.inf (Erlang C)")


def _a_metrics(lam: float, mu: float, c: int, theta: float, logp: np.ndarray) -> QueueMetrics:
    p = np.exp(logp)
    queue = p[c:]  # arrival sees j = n - c people ahead of it in the queue
    j = np.arange(queue.size, dtype=float)
    p_wait = float(queue.sum())
    lq = float(queue @ j)  # E[(N - c)+]
    busy = float(p[:c] @ np.arange(c)) + c * p_wait
    # With j ahead, the wait for a server is a sum of exponentials with rates
    # c mu + i theta (i = 0..j) racing the caller's own Exp(theta) patience; its
    # Laplace transform telescopes: P(answered) = c mu / (c mu + (j + 1) theta) and
    # E[wait; answered] = that times sum_{m=1}^{j+1} 1 / (c mu + m theta).
    rates = c * mu + (j + 1.0) * theta
    reach = c * mu / rates
    p_served = (1.0 - p_wait) + float(queue @ reach)
    wait_served = float(queue @ (reach * np.cumsum(1.0 / rates)))
    return QueueMetrics(p_wait=min(p_wait, 1.0),
                        p_abandon=min(theta * lq / lam, 1.0),  # abandon flow / arrival flow
                        mean_wait=lq / lam,  # Little's law on the queue
                        mean_wait_served=wait_served / p_served,
                        utilisation=min(busy / c, 1.0))


def erlang_a_metrics(arrival_rate: float, handle_minutes: float, servers: int,
                     patience_minutes: float) -> QueueMetrics:
    """M/M/c+M, exponential patience (Palm 1943; Garnett, Mandelbaum & Reiman 2002).

    From the stationary law of N (number in system) and PASTA: P(wait) = P(N >= c),
    P(abandon) = theta E[(N-c)+] / lambda, mean wait = E[(N-c)+] / lambda (Little),
    utilisation = E[min(N, c)] / c. patience_minutes = inf gives erlang_c_metrics.
    """
    lam = _real("arrival_rate", arrival_rate)
    h = _real("handle_minutes", handle_minutes)
    c = _servers(servers)
    pat = _real("patience_minutes", patience_minutes, inf_ok=True)
    if math.isinf(pat):
        return erlang_c_metrics(lam, h, c)
    return _a_metrics(lam, 1.0 / h, c, 1.0 / pat, _chain(lam, 1.0 / h, c, 1.0 / pat))


def _a_service_level(lam: float, mu: float, c: int, theta: float, logp: np.ndarray,
                     t: float) -> float:
    p = np.exp(logp)
    now = float(p[:c].sum())
    j = np.arange(p.size - c, dtype=float)
    late = float(p[c:] @ (c * mu / (c * mu + (j + 1.0) * theta)))
    if t == 0.0 or math.isinf(t):
        return min(now if t == 0.0 else now + late, 1.0)
    # Offered wait V (time until a server would take the caller) has density
    # lambda P(N = c-1) exp(lambda (1 - e^{-theta x}) / theta - c mu x) for x > 0
    # (Mandelbaum & Zeltyn 2005); answered within t means V <= t and V < patience.
    base = math.log(lam) + logp[c - 1]

    def density(x: float) -> float:
        return math.exp(base - lam * math.expm1(-theta * x) / theta - (c * mu + theta) * x)

    # The log-density is concave; give quad its mode and natural widths so a narrow
    # peak cannot fall between sample points.
    mode = max(0.0, math.log(lam / (c * mu + theta)) / theta)
    scales = [1 / (c * mu + theta), 1 / math.sqrt(lam * theta), 1 / math.sqrt(theta * c * mu)]
    if lam != c * mu + theta:
        scales.append(1 / abs(lam - c * mu - theta))
    pts = {mode + sign * m * s for s in scales for m in (1, 3, 10, 30, 100) for sign in (-1, 1)}
    pts = sorted(x for x in pts | {mode} if 0.0 < x < t)
    from scipy import integrate  # here: importing it costs every run a third of a second

    got, _ = integrate.quad(density, 0.0, t, points=pts or None, limit=1000,
                            epsabs=1e-14, epsrel=1e-12)
    return min(now + min(got, late), 1.0)


def service_level(arrival_rate: float, handle_minutes: float, servers: int,
                  patience_minutes: float, within_minutes: float) -> float:
    """P(an arrival is answered within ``within_minutes``); abandoners count as misses.

    Erlang C (patience inf): 1 - C(c, a) exp(-(c mu - lambda) t) (Erlang 1917);
    ValueError if a >= c.

    Erlang A: P(N < c) + integral_0^t lambda P(N = c-1)
    exp(lambda (1 - e^{-theta x}) / theta - (c mu + theta) x) dx. The integrand is the
    density of the offered wait V times e^{-theta x}, the chance the caller is still
    there at x (Garnett et al. 2002; Mandelbaum & Zeltyn 2005). The integral is done
    with adaptive quadrature to about 1e-12. t = inf gives 1 - P(abandon).
    """
    lam = _real("arrival_rate", arrival_rate)
    h = _real("handle_minutes", handle_minutes)
    c = _servers(servers)
    pat = _real("patience_minutes", patience_minutes, inf_ok=True)
    t = _real("within_minutes", within_minutes, zero_ok=True, inf_ok=True)
    if math.isinf(pat):
        m = erlang_c_metrics(lam, h, c)  # raises if unstable
        return 1.0 - m.p_wait * math.exp(-(c - lam * h) / h * t)
    mu, theta = 1.0 / h, 1.0 / pat
    return _a_service_level(lam, mu, c, theta, _chain(lam, mu, c, theta), t)


def staff_needed(arrival_rate: float, handle_minutes: float, patience_minutes: float = math.inf,
                 target_service_level: float = 0.8, within_minutes: float = 1 / 3,
                 max_abandon: float | None = None) -> int:
    """Smallest number of servers whose service_level(..., within_minutes) reaches
    ``target_service_level`` and, if ``max_abandon`` is given, whose P(abandon) is at
    most ``max_abandon``. Both measures improve with every server added, so the
    answer is bracketed by doubling and then found by bisection.
    """
    lam = _real("arrival_rate", arrival_rate)
    h = _real("handle_minutes", handle_minutes)
    pat = _real("patience_minutes", patience_minutes, inf_ok=True)
    t = _real("within_minutes", within_minutes, zero_ok=True, inf_ok=True)
    if not _fraction(target_service_level) or target_service_level >= 1:
        raise ValueError(f"target_service_level must be in (0, 1); got {target_service_level!r}")
    if max_abandon is not None and not _fraction(max_abandon):
        raise ValueError(f"max_abandon must be None or in (0, 1]; got {max_abandon!r}")
    target, a = float(target_service_level), lam * h

    def meets(c: int) -> bool:
        if math.isinf(pat):
            return c > a and service_level(lam, h, c, pat, t) >= target
        mu, theta = 1.0 / h, 1.0 / pat
        logp = _chain(lam, mu, c, theta)
        if max_abandon is not None and _a_metrics(lam, mu, c, theta, logp).p_abandon > max_abandon:
            return False
        return _a_service_level(lam, mu, c, theta, logp, t) >= target

    if math.isinf(pat):
        lo = math.floor(a) + 1  # Erlang C needs c > a
    else:  # answered flow <= c mu, so SL <= 1 - P(abandon) <= c / a: fewer must fail
        lo = max(1, math.ceil(a * target), math.ceil(a * (1 - (max_abandon or 1))))
    if meets(lo):
        return lo
    hi = 2 * lo
    while not meets(hi):
        lo, hi = hi, 2 * hi
        if hi > _MAX_SERVERS:
            raise ValueError(f"no staffing up to {_MAX_SERVERS} servers meets the targets")
    while hi - lo > 1:  # invariant: lo fails, hi meets
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if meets(mid) else (mid, hi)
    return hi
