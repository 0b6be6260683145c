"""Named random streams and common random numbers (sim/model/streams.py, DESIGN.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.streams import Exponentials, Streams

NAMES = ["arrivals", "traits.contact", "handling.alpha", "handling.beta", "patience"]


def draws(streams: Streams, name: str, n: int = 16) -> np.ndarray:
    return streams(name).random(n)


def test_a_stream_depends_only_on_seed_and_name_not_on_creation_order():
    forward = Streams(7)
    first = {name: draws(forward, name) for name in NAMES}
    backward = Streams(7)
    second = {name: draws(backward, name) for name in reversed(NAMES)}
    for name in NAMES:
        np.testing.assert_array_equal(first[name], second[name])


def test_using_one_stream_does_not_move_another():
    quiet, busy = Streams(3), Streams(3)
    busy("handling.alpha").random(10_000)  # a practice that works much harder
    busy("extra.new.stream").random(5)  # a stream added later
    np.testing.assert_array_equal(draws(quiet, "arrivals"), draws(busy, "arrivals"))


def test_the_same_name_returns_the_same_generator_and_names_and_seeds_differ():
    s = Streams(1)
    assert s("arrivals") is s("arrivals")
    a, b = draws(Streams(1), "arrivals"), draws(Streams(1), "patience")
    assert not np.array_equal(a, b)
    assert not np.array_equal(draws(Streams(1), "arrivals"), draws(Streams(2), "arrivals"))
    # streams are not shifted copies of one another
    assert not np.isin(a, b).any()


def test_exponentials_pop_the_stream_in_order_and_scale_by_the_mean():
    gen_a = Streams(5)("handling.alpha")
    gen_b = Streams(5)("handling.alpha")
    exp = Exponentials(gen_a, block=8)
    got = [exp(2.5) for _ in range(20)]  # crosses two block refills
    want = np.concatenate([gen_b.standard_exponential(8) for _ in range(3)])[:20] * 2.5
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_exponential_handling_times_have_the_configured_mean():
    exp = Exponentials(Streams(11)("handling.x"))
    values = np.array([exp(4.0) for _ in range(40_000)])
    # exponential: sd = mean, so the SE of the mean is 4 / sqrt(n) = 0.02
    assert values.mean() == pytest.approx(4.0, abs=5 * 0.02)
    assert values.std() == pytest.approx(4.0, abs=0.15)
    assert (values > 0).all()


def organic(prospects: pd.DataFrame) -> pd.DataFrame:
    rows = prospects[prospects["source"] == "organic"].sort_values("arrived_at", kind="stable")
    return rows[["arrived_at", "channel", "n_practices"]].reset_index(drop=True)


def test_common_random_numbers_when_a_practice_changes():
    """Swapping alpha's staffing and policy leaves the organic prospects as they were."""
    base = sim.run(sim.load_config(["market.days=14", "seed=4"]))
    swapped = sim.run(sim.load_config(["market.days=14", "seed=4",
                                       "practice@practices.alpha=dedicated_coordinator"]))
    a, b = organic(base.prospects), organic(swapped.prospects)
    assert len(a) > 100
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # ... while what happened to them did change (so the comparison is not vacuous)
    ia = base.inquiries[base.inquiries["practice"] == "alpha"]
    ib = swapped.inquiries[swapped.inquiries["practice"] == "alpha"]
    assert not ia["outcome"].reset_index(drop=True).equals(ib["outcome"].reset_index(drop=True))


def test_draws_from_one_uniform_invert_their_distributions():
    """The reputation model's one-uniform draws (sim/model/streams.py): `_pick` over
    `_cumulative` weights takes each index with its weight's share, and `_exponential` is
    the inverse of the exponential distribution function."""
    from sim.model.streams import _cumulative, _exponential, _pick

    cdf = _cumulative([1.0, 0.0, 3.0])
    assert cdf == [0.25, 0.25, 1.0]
    u = np.random.default_rng(2).random(40_000)
    counts = np.bincount([_pick(cdf, x) for x in u], minlength=3)
    assert counts[1] == 0  # zero weight: never picked
    assert abs(counts[0] / u.size - 0.25) < 5 * math.sqrt(0.25 * 0.75 / u.size)
    assert _pick([0.2, 0.6], 0.7) == 1  # a cumulative short of 1 (rounding): the last
    for x in (0.0, 0.3, 0.9):
        assert 1.0 - math.exp(-_exponential(x, 2.0) / 2.0) == pytest.approx(x, abs=1e-12)
