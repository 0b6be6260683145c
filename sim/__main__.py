"""`python -m sim` / `leadsim`: run one scenario and write its outputs.

    python -m sim                                   # the default market, 90 days
    python -m sim scenario=mmc scenario.servers=3   # the Erlang A validation line
    python -m sim -m seed=1,2,3 market.days=30,90    # a sweep (joblib: one job per core)
    python -m sim -m seed=1,2,3 hydra.sweep.dir=results/sweeps/mine   # resumable sweep

Writes into the Hydra run directory (results/runs/<date>/<time>/): config.yaml (resolved),
summary.json, inquiries/prospects/daily/staff.parquet and, for the market, figures
(`figures=auto`: a single run draws them, sweep jobs do not; `always` / `never`).
"""

from __future__ import annotations

import logging
import sys

import hydra
from omegaconf import DictConfig

from . import CONFIG_DIR
from .hydra_support import ensure_registered, preflight


def _check(cfg: DictConfig) -> None:
    from .config import to_config

    to_config(cfg)


def run_and_save(cfg: DictConfig) -> dict:
    """The body of one Hydra job: simulate, save the contract, draw the figures."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from . import run

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    out = hc.runtime.output_dir
    result = run(cfg, progress=sys.stderr.isatty())
    result.save(out)
    figures = str(getattr(cfg.figures, "value", cfg.figures))
    if figures == "auto":
        figures = "never" if hc.mode == RunMode.MULTIRUN else "always"
    if result.summary.get("run.kind") == "market" and figures == "always":
        from .analysis import plots, reputation_plots  # seaborn: only when drawing

        plots.save_first_response_figure(result.inquiries, f"{out}/first_response.png")
        reputation_plots.save_reputation_figure(result.daily, f"{out}/reputation.png")
    print(headline(result.summary))
    print(f"outputs: {out}")
    return result.summary


def headline(summary: dict) -> str:
    """A few lines a person reads after a run."""
    if summary.get("run.kind") == "mmc":
        rows = [("P(wait)", "p_wait"), ("P(abandon)", "p_abandon"),
                ("mean wait (min)", "mean_wait_minutes"), ("utilisation", "utilisation")]
        lines = [f"{'':18}{'simulated':>10}{'Erlang A':>10}"]
        for label, key in rows:
            obs, exp = summary[f"mmc.observed.{key}"], summary[f"mmc.erlang_a.{key}"]
            lines.append(f"{label:18}{obs:10.4f}{exp:10.4f}")
        return "\n".join(lines)
    slots = sorted({k.split(".")[1] for k in summary if k.startswith("practices.")})
    lines = [f"{'practice':12}{'inquiries':>10}{'median 1st resp (min)':>23}"
             f"{'bookings':>10}{'net $':>12}"]
    for s in slots:
        med = summary.get(f"practices.{s}.first_response_median_minutes")
        lines.append(
            f"{s:12}{summary[f'practices.{s}.inquiries']:>10}"
            f"{(f'{med:.0f}' if med is not None else 'never'):>23}"
            f"{summary[f'practices.{s}.bookings']:>10}{summary[f'practices.{s}.net']:>12,.0f}"
        )
    return "\n".join(lines)


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def _hydra_app(cfg: DictConfig) -> dict:
    from . import sweeps

    # in a sweep: skip a job that is already complete, record a failure instead of raising
    return sweeps.run_job(cfg, run_and_save)


def main() -> None:
    preflight(sys.argv[1:], "config", _check)
    ensure_registered()
    from . import sweeps

    # the sweep table even if Hydra aborts or the user interrupts; exit 1 if jobs failed
    sweeps.run_app(_hydra_app)


if __name__ == "__main__":
    from .cli import run_entry

    run_entry(main)
