"""Named random streams spawned from one seed.

Every source of randomness has a name ("arrivals", "traits.contact", "handling.alpha",
...) and its own generator, derived from `numpy.random.SeedSequence(seed)` and a stable
hash of the name. A stream's draws therefore depend only on the seed and the name, never
on what other streams did: two runs that differ only in one practice's staffing see the
same prospects with the same traits (common random numbers), and adding a new stream
later does not shift existing ones.
"""

from __future__ import annotations

import math
import zlib

import numpy as np


class Streams:
    """A family of independent generators keyed by name."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            key = zlib.crc32(name.encode("utf-8"))
            seq = np.random.SeedSequence(self.seed, spawn_key=(key,))
            gen = self._generators[name] = np.random.Generator(np.random.PCG64(seq))
        return gen


class Exponentials:
    """Exponential variates drawn from a stream in blocks (the hot path pops floats)."""

    __slots__ = ("_gen", "_buf", "_block")

    def __init__(self, gen: np.random.Generator, block: int = 4096):
        self._gen = gen
        self._buf: list[float] = []
        self._block = block

    def __call__(self, mean: float) -> float:
        buf = self._buf
        if not buf:
            # reversed so that pop() from the end yields the draws in order
            buf.extend(self._gen.standard_exponential(self._block)[::-1].tolist())
        return buf.pop() * mean


class LogNormals:
    """Lognormal variates with a given mean (`call(mean)`) and log-scale spread `sigma`,
    drawn from a stream in blocks: mean x exp(sigma z - sigma^2 / 2), z standard normal."""

    __slots__ = ("_gen", "_buf", "_block", "_sigma", "_shift")

    def __init__(self, gen: np.random.Generator, sigma: float, block: int = 4096):
        self._gen = gen
        self._buf: list[float] = []
        self._block = block
        self._sigma = float(sigma)
        self._shift = -0.5 * self._sigma**2

    def __call__(self, mean: float) -> float:
        buf = self._buf
        if not buf:
            z = self._gen.standard_normal(self._block)[::-1]
            buf.extend(np.exp(self._sigma * z + self._shift).tolist())
        return buf.pop() * mean


# ---------------------------------------------------------------- draws from one uniform
# (the reputation model's blocks of uniforms: reviews.py, word_of_mouth.py)


def _cumulative(weights) -> list[float]:
    weights = [float(w) for w in weights]
    total = sum(weights) or 1.0
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(acc)
    return out


def _pick(cdf: list[float], u: float) -> int:
    """Index of the first cumulative share above u."""
    for k, c in enumerate(cdf):
        if u < c:
            return k
    return len(cdf) - 1


def _exponential(u: float, mean: float) -> float:
    return -mean * math.log1p(-u)
