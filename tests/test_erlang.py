"""Tests for sim.analysis.erlang.

Every expected value is computed here by a route the module does not use: exact
rational arithmetic, the incomplete-gamma closed form of Garnett, Mandelbaum & Reiman
(2002), the Poisson law of M/M/inf, a matrix exponential, or plain quadrature.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, linalg, special, stats

from sim.analysis.erlang import (
    QueueMetrics,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    service_level,
    staff_needed,
)

INF = math.inf


# ---------------------------------------------------------------- references
def exact_b_c(c: int, a: Fraction) -> tuple[Fraction, Fraction]:
    """Erlang B and C straight from their textbook sums, in exact rationals."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    b = terms[c] / sum(terms)
    top = terms[c] * c / (c - a)
    return b, top / (sum(terms[:c]) + top)


def gmr_closed_form(lam, h, c, pat):
    """P(wait), P(abandon), P(N = c-1) of M/M/c+M via incomplete gamma functions.

    Queue part of the stationary law (Garnett, Mandelbaum & Reiman 2002):
    sum_j prod_{i<=j} lam / (c mu + i theta) = Gamma(b+1) x^-b e^x P(b, x),
    b = c mu / theta, x = lam / theta. P(abandon) = P(N=c-1) + P(wait)(1 - c/a)
    follows from summing the balance equations.
    """
    mu, th, a = 1 / h, 1 / pat, lam * h
    b, x = c * mu / th, lam / th
    s = math.exp(special.gammaln(b + 1) - b * math.log(x) + x + math.log(special.gammainc(b, x)))
    p_c = 1 / (1 / float(exact_b_c(c, Fraction(a))[0]) - 1 + s)
    p_wait = s * p_c
    p_c_minus_1 = p_c * c / a
    return p_wait, p_c_minus_1 + p_wait * (1 - c / a), p_c_minus_1


def phase_type_service_level(lam, h, c, pat, t, n_max=120):
    """P(answered within t) by conditioning on the state met on arrival: with k-1
    callers ahead the caller moves up at rate c mu + (k-1) theta and gives up at
    rate theta; absorption 'answered' comes from position 1 at rate c mu."""
    mu, th = 1 / h, 1 / pat
    w = [1.0]
    for n in range(1, n_max + 1):
        w.append(w[-1] * lam / (min(n, c) * mu + max(n - c, 0) * th))
    p = np.array(w) / sum(w)
    size = n_max - c + 1
    q = np.zeros((size, size))
    for i in range(size):
        q[i, i] = -(c * mu + i * th + th)
        if i:
            q[i, i - 1] = c * mu + i * th
    exit_rate = np.zeros(size)
    exit_rate[0] = c * mu
    answered = np.linalg.solve(-q, (np.eye(size) - linalg.expm(q * t)) @ exit_rate)
    return p[:c].sum() + p[c:] @ answered


def offered_wait_density(lam, h, c, pat, p_c_minus_1):
    """Density of the offered wait V on (0, inf) (Mandelbaum & Zeltyn 2005)."""
    mu, th = 1 / h, 1 / pat
    return lambda x: lam * p_c_minus_1 * math.exp(lam * -math.expm1(-th * x) / th - c * mu * x)


# ------------------------------------------------------- published values
def test_erlang_b_table_values():
    # Classic Erlang B table entry: 10 trunks offered 5 erlangs block 1.8385 %.
    assert erlang_b(10, 5) == pytest.approx(0.018385, abs=5e-7)
    # Scenarios of the Wolfram Language ErlangB page: 4 modems at 2 erlangs
    # (exactly 2/21) and 5 lines at 3 erlangs (0.110054).
    assert erlang_b(4, 2) == pytest.approx(2 / 21, rel=1e-14)
    assert erlang_b(5, 3) == pytest.approx(0.110054, abs=5e-7)
    assert erlang_b(1, 1) == pytest.approx(0.5, rel=1e-15)


def test_erlang_c_known_values():
    assert erlang_c(2, 1) == pytest.approx(1 / 3, rel=1e-14)
    assert erlang_c(3, 2) == pytest.approx(4 / 9, rel=1e-14)  # Wolfram ErlangC example
    for rho in (0.01, 0.3, 0.5, 0.99):
        assert erlang_c(1, rho) == pytest.approx(rho, rel=1e-14)  # M/M/1: P(wait) = rho
    assert erlang_c(5, 5) == 1.0 and erlang_c(5, 7.5) == 1.0


@pytest.mark.parametrize(
    "c, a", [(1, "1/2"), (3, "5/2"), (10, "5"), (12, "10"), (55, "48"), (150, "1395/10")]
)
def test_erlang_b_c_match_exact_rational_sums(c, a):
    b, cc = exact_b_c(c, Fraction(a))
    assert erlang_b(c, float(Fraction(a))) == pytest.approx(float(b), rel=1e-12)
    assert erlang_c(c, float(Fraction(a))) == pytest.approx(float(cc), rel=1e-12)


def test_worked_call_centre_examples():
    # Scenario of the erlang.com (Westbay Engineers) Erlang-C worked example: 360 calls
    # per half hour, 4-minute calls, 55 agents, 15-second target (A = 48 erlangs).
    # P(wait) is pinned exactly by the rational test above; these are rounded values.
    m = erlang_c_metrics(360 / 30, 4, 55)
    assert m.p_wait == pytest.approx(0.2387, abs=5e-5)
    assert m.utilisation == pytest.approx(48 / 55, rel=1e-14)
    assert m.mean_wait * 60 == pytest.approx(8.184, abs=5e-4)  # ASA in seconds
    assert service_level(12, 4, 55, INF, 0.25) == pytest.approx(0.8459, abs=5e-5)
    # callcentrehelper.com Erlang C example (also pyworkforce's README): 100 calls in
    # 30 minutes, 180 s handling, 80 % within 20 s -> 14 agents before shrinkage.
    assert staff_needed(100 / 30, 3, target_service_level=0.8, within_minutes=1 / 3) == 14


# ------------------------------------------------------------- Erlang C
@pytest.mark.parametrize("lam, h, c, t", [(12, 4, 55, 0.25), (2, 1, 3, 0.7), (0.9, 1, 1, 2.0)])
def test_erlang_c_service_level_against_gamma_mixture(lam, h, c, t):
    # Independent of the exponential closed form: an arrival that finds j people
    # queued waits Gamma(j + 1, c mu); j is geometric with ratio a / c.
    a, mu = lam * h, 1 / h
    p_wait = erlang_c(c, a)
    j = np.arange(4000)
    pj = p_wait * (1 - a / c) * (a / c) ** j
    late = pj @ stats.gamma.sf(t, j + 1, scale=1 / (c * mu))
    assert service_level(lam, h, c, INF, t) == pytest.approx(1 - late, abs=1e-12)


def test_erlang_c_metrics_little_and_instability():
    m = erlang_c_metrics(2, 1, 3)
    lq = erlang_c(3, 2) * 2 / (3 - 2)  # E[queue] = C a / (c - a)
    assert m.mean_wait == pytest.approx(lq / 2, rel=1e-14)
    assert m.mean_wait_served == m.mean_wait and m.p_abandon == 0.0
    with pytest.raises(ValueError, match="unstable"):
        erlang_c_metrics(3, 1, 3)
    with pytest.raises(ValueError, match="unstable"):
        service_level(4, 1, 3, INF, 1.0)


# ------------------------------------------------------------- Erlang A
CASES = [(2, 1, 3, 1.0), (5, 1, 4, 0.5), (1, 3, 2, 5.0), (0.5, 1, 1, 3.0), (30, 2, 50, 4.0)]


@pytest.mark.parametrize("lam, h, c, pat", CASES + [(3, 1, 1, 0.2), (0.2, 1, 1, 10.0)])
def test_erlang_a_against_incomplete_gamma_closed_form(lam, h, c, pat):
    p_wait, p_abandon, _ = gmr_closed_form(lam, h, c, pat)
    m = erlang_a_metrics(lam, h, c, pat)
    assert m.p_wait == pytest.approx(p_wait, rel=1e-10)
    assert m.p_abandon == pytest.approx(p_abandon, rel=1e-10)


@pytest.mark.parametrize("a, c", [(2.0, 3), (7.5, 5), (0.3, 1), (40.0, 45)])
def test_erlang_a_with_patience_equal_handle_time_is_poisson(a, c):
    # theta = mu makes every customer in the system leave at rate mu: M/M/inf.
    m = erlang_a_metrics(a, 1.0, c, 1.0)
    n = np.arange(400)
    pmf = stats.poisson.pmf(n, a)
    assert m.p_wait == pytest.approx(stats.poisson.sf(c - 1, a), rel=1e-10)
    assert m.mean_wait == pytest.approx(pmf @ np.maximum(n - c, 0) / a, rel=1e-10)
    assert m.utilisation == pytest.approx(pmf @ np.minimum(n, c) / c, rel=1e-12)


def test_erlang_a_tends_to_erlang_c():
    assert erlang_a_metrics(2, 1, 3, INF) == erlang_c_metrics(2, 1, 3)
    ref = erlang_c_metrics(12, 4, 55)
    ref_sl = service_level(12, 4, 55, INF, 0.25)
    for pat in (1e4, 1e6, 1e8):
        # The gap closes like 1/patience (about 11.4/patience for the mean wait here).
        m = erlang_a_metrics(12, 4, 55, pat)
        assert m.p_wait == pytest.approx(ref.p_wait, rel=15 / pat)
        assert m.mean_wait == pytest.approx(ref.mean_wait, rel=15 / pat)
        assert m.mean_wait_served == pytest.approx(ref.mean_wait, rel=15 / pat)
        assert service_level(12, 4, 55, pat, 0.25) == pytest.approx(ref_sl, abs=15 / pat)


@pytest.mark.parametrize("lam, h, c, pat", CASES)
def test_erlang_a_flow_balance(lam, h, c, pat):
    m = erlang_a_metrics(lam, h, c, pat)
    assert m.p_abandon == pytest.approx(m.mean_wait / pat, rel=1e-12)
    # Served customers leave at c mu utilisation: lam (1 - P(ab)) = busy servers * mu.
    assert m.utilisation * c / h == pytest.approx(lam * (1 - m.p_abandon), rel=1e-12)


@pytest.mark.parametrize("lam, h, c, pat", CASES)
def test_erlang_a_waits_against_offered_wait_density(lam, h, c, pat):
    f = offered_wait_density(lam, h, c, pat, gmr_closed_form(lam, h, c, pat)[2])
    m = erlang_a_metrics(lam, h, c, pat)

    def quad(g):
        return integrate.quad(g, 0, INF, epsabs=1e-14, epsrel=1e-12)[0]

    # Served iff V < patience; a caller waits min(V, patience).
    served_wait = quad(lambda x: x * math.exp(-x / pat) * f(x))
    all_wait = quad(lambda x: -math.expm1(-x / pat) * pat * f(x))
    assert m.mean_wait_served == pytest.approx(served_wait / (1 - m.p_abandon), rel=1e-8)
    assert m.mean_wait == pytest.approx(all_wait, rel=1e-8)


@pytest.mark.parametrize("lam, h, c, pat", CASES[:4])
@pytest.mark.parametrize("t", [0.05, 0.5, 3.0])
def test_erlang_a_service_level_against_matrix_exponential(lam, h, c, pat, t):
    expected = phase_type_service_level(lam, h, c, pat, t)
    assert service_level(lam, h, c, pat, t) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("lam, h, c, pat", CASES)
def test_erlang_a_service_level_limits(lam, h, c, pat):
    m = erlang_a_metrics(lam, h, c, pat)
    assert service_level(lam, h, c, pat, 0) == pytest.approx(1 - m.p_wait, abs=1e-13)
    assert service_level(lam, h, c, pat, INF) == pytest.approx(1 - m.p_abandon, abs=1e-13)
    assert service_level(lam, h, c, pat, 1e4) == pytest.approx(1 - m.p_abandon, abs=1e-10)


def test_erlang_a_extreme_patience_values():
    quick = erlang_a_metrics(2, 1, 3, 1e-9)  # callers leave at once: Erlang B loss
    assert quick.p_wait == pytest.approx(erlang_b(3, 2), rel=1e-6)
    assert quick.p_abandon == pytest.approx(erlang_b(3, 2), rel=1e-6)
    slow = erlang_a_metrics(200, 1, 150, 1000)  # overloaded: fluid limit 1 - c/a
    assert slow.p_abandon == pytest.approx(0.25, rel=1e-3)
    assert slow.utilisation == pytest.approx(1.0, rel=1e-9)


# ------------------------------------------------------------- properties
rate = st.floats(0.05, 20)
handle = st.floats(0.2, 10)
patience = st.floats(0.1, 100)
servers = st.integers(1, 40)
within = st.floats(0, 10)
fast = settings(max_examples=40, deadline=None)


@fast
@given(rate, handle, servers, patience)
def test_probabilities_in_range_and_monotone_in_servers(lam, h, c, pat):
    m, more = erlang_a_metrics(lam, h, c, pat), erlang_a_metrics(lam, h, c + 1, pat)
    for x in (m.p_wait, m.p_abandon, m.utilisation):
        assert 0.0 <= x <= 1.0
    assert m.mean_wait_served >= 0.0 and m.mean_wait >= 0.0
    assert more.p_wait <= m.p_wait + 1e-12
    assert more.p_abandon <= m.p_abandon + 1e-12


@fast
@given(rate, handle, servers, patience, within, within)
def test_service_level_increases_with_time_and_servers(lam, h, c, pat, t1, t2):
    t1, t2 = sorted((t1, t2))
    low, high = service_level(lam, h, c, pat, t1), service_level(lam, h, c, pat, t2)
    assert 0.0 <= low <= 1.0 and 0.0 <= high <= 1.0
    assert low <= high + 1e-10
    assert service_level(lam, h, c + 1, pat, t1) >= low - 1e-10


@fast
@given(rate, handle, servers, within)
def test_erlang_c_service_level_monotone(lam, h, extra, t):
    c = math.floor(lam * h) + extra  # extra >= 1, so c > a: stable
    assert service_level(lam, h, c + 1, INF, t) >= service_level(lam, h, c, INF, t) - 1e-12


@fast
@given(rate, handle, st.one_of(patience, st.just(INF)), st.floats(0.5, 0.95),
       st.floats(0, 2), st.one_of(st.none(), st.floats(0.01, 0.3)))
def test_staff_needed_is_the_smallest_that_meets_targets(lam, h, pat, target, t, max_ab):
    if math.isinf(pat):
        max_ab = None

    def ok(c):
        if math.isinf(pat) and c <= lam * h:
            return False
        good = service_level(lam, h, c, pat, t) >= target
        return good and (max_ab is None or erlang_a_metrics(lam, h, c, pat).p_abandon <= max_ab)

    c = staff_needed(lam, h, pat, target, t, max_ab)
    assert ok(c)
    assert c == 1 or not ok(c - 1)


# ------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: erlang_a_metrics(0, 1, 2, 1), "arrival_rate"),
        (lambda: erlang_a_metrics(-1, 1, 2, 1), "arrival_rate"),
        (lambda: erlang_a_metrics(math.nan, 1, 2, 1), "arrival_rate"),
        (lambda: erlang_a_metrics(1, 0, 2, 1), "handle_minutes"),
        (lambda: erlang_a_metrics(1, INF, 2, 1), "handle_minutes"),
        (lambda: erlang_a_metrics(1, 1, 0, 1), "servers"),
        (lambda: erlang_a_metrics(1, 1, 2.0, 1), "servers"),
        (lambda: erlang_a_metrics(1, 1, True, 1), "servers"),
        (lambda: erlang_a_metrics(1, 1, 2, 0), "patience_minutes"),
        (lambda: erlang_a_metrics(1, 1, 2, -3), "patience_minutes"),
        (lambda: erlang_b(0, 1), "servers"),
        (lambda: erlang_c(2, -1), "offered_load"),
        (lambda: service_level(1, 1, 2, 1, -1), "within_minutes"),
        (lambda: staff_needed(1, 1, target_service_level=1.0), "target_service_level"),
        (lambda: staff_needed(1, 1, target_service_level=0), "target_service_level"),
        (lambda: staff_needed(1, 1, max_abandon=0), "max_abandon"),
        (lambda: staff_needed(1, 1, patience_minutes="5"), "patience_minutes"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_queue_metrics_is_frozen():
    m = erlang_c_metrics(1, 1, 2)
    assert isinstance(m, QueueMetrics)
    with pytest.raises(AttributeError):
        m.p_wait = 0.5  # type: ignore[misc]
