"""A fingerprint of what a few fixed runs produce, to check a refactor changed nothing.

    python -m experiments.digest            # four fixed runs, one line each
    python -m experiments.digest > before.txt     # then change the code, and:
    python -m experiments.digest | diff before.txt -

Speeding up the hot path should leave every run's outputs the same bit for bit unless the
change means to alter the model. This runs four small but varied cases (the default
market for 365 and 90 days, a market whose focal practice has an answering service, and
the M/M/c+M line) and prints, per case, a SHA-256 of each table it saves and of its
summary. Two commits that print the same lines simulate the same runs.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import tempfile
from pathlib import Path

CASES = {
    "market 365 d, seed 1": ["market.days=365", "seed=1"],
    "market 90 d, seed 2": ["market.days=90", "seed=2"],
    "market 60 d, seed 3, answering service": [
        "market.days=60", "seed=3", "practice@practices.alpha=answering_service"],
    "mmc 40 d, seed 1": ["scenario=mmc", "scenario.days=40", "seed=1"],
}


def digest(overrides: list[str]) -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of each file a run saves, config.yaml aside."""
    import sim

    with tempfile.TemporaryDirectory() as tmp:
        sim.run(sim.load_config(overrides)).save(tmp)
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
                for p in sorted(Path(tmp).iterdir()) if p.name != "config.yaml"}


def main(argv: list[str] | None = None) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    args = sys.argv[1:] if argv is None else argv
    if args:
        print(f"error: {args[0]}: not allowed (python -m experiments.digest takes no "
              "arguments)", file=sys.stderr)
        raise SystemExit(2)
    for name, overrides in CASES.items():
        files = digest(overrides)
        print(f"{name}: " + " ".join(f"{k}={v}" for k, v in files.items()), flush=True)


if __name__ == "__main__":
    main()
