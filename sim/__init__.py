"""leadsim: what happens to a practice's patient inquiries, and what speed is worth.

The public API, which the command line only wraps:

    import sim
    cfg = sim.load_config(["scenario=mmc", "scenario.servers=3"])
    result = sim.run(cfg)          # a RunResult: .inquiries .prospects .daily .staff
                                   #   .reviews .experiences .summary
    result.save("somewhere/")      # the output contract of DESIGN.md

    runs = sim.replicate(cfg, seeds=range(10), n_jobs=2)     # a row per seed, every metric
    table = sim.compare({"now": cfg, "plan B": other}, seeds=range(10))   # paired intervals

`sim.run` checks the config it is given as the command line does (ConfigError, one line);
config objects refuse attributes they do not have.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .config import Config, ConfigError, to_config
from .paths import CONFIG_DIR, EXAMPLES_DIR, user_config_dir
from .replications import compare, replicate

__all__ = ["Config", "ConfigError", "load_config", "run", "replicate", "compare",
           "build_model", "arrival_profile", "CONFIG_DIR", "EXAMPLES_DIR", "user_config_dir"]
__version__ = "0.1.0"


def load_config(overrides: list[str] | None = None, config_name: str = "config") -> Config:
    """Compose exactly the config the CLI would from `configs/` and these overrides, and
    validate it. Raises ConfigError with a one-line message on any bad key or value."""
    from .config_files import load_config as load  # names a user's file and line

    return load(list(overrides or []), config_name)


def run(cfg: Config | Any, progress: bool = False):
    """Run one scenario and return its RunResult (nothing is written to disk).

    `cfg`: a Config (from `load_config`, or built and changed in code) or a composed
    DictConfig. It is validated first, as the command line validates it: ConfigError
    (one line naming the key) for an attribute the schema lacks, a value of the wrong
    type (text where an Enum is expected is converted: `channels = ["phone"]`) or out
    of range."""
    from omegaconf import DictConfig, OmegaConf

    from .analysis.tables import RunResult
    from .model import LeadMarket

    source, cfg = cfg, to_config(cfg)

    def yaml() -> str:
        if isinstance(source, DictConfig) and "hydra" not in source:
            # as composed (a Hydra job's config): the same text, a fifth of the time
            return OmegaConf.to_yaml(source, resolve=True)
        return OmegaConf.to_yaml(OmegaConf.structured(cfg))

    model = LeadMarket(cfg)
    if progress:
        from tqdm import tqdm

        with tqdm(total=model.horizon_days, unit="day", desc="simulating",
                  leave=False) as bar:
            while model.steps < model.horizon_days:
                model.step()
                bar.update()
        model.finish()
    else:
        model.run()
    records = model.records()
    return RunResult.from_records(records, scenario=asdict(cfg.scenario),
                                  config_yaml=yaml)


def build_model(cfg: Config | Any):
    """The model of one scenario, built and not yet run: a Mesa model (`LeadMarket`) whose
    `step()` simulates a day, `run()` the whole horizon, and `records()` hands over the
    plain records that `sim.run` makes its tables of. For whoever needs the model between
    its steps (the interactive app) or without the tables (the benchmark; an experiment
    that reads one table). `cfg` is validated as `sim.run` validates it."""
    from .model import LeadMarket

    return LeadMarket(to_config(cfg))


def arrival_profile(channel: str, own: dict | None = None):
    """How a channel's inquiries spread over the week: 168 weights, one per hour from
    Monday 00:00, summing to 1. The profile in `own` (a practice's `inquiry_profile`) if
    it has one for the channel, else the built-in one the model draws arrivals from."""
    from .model.arrivals import hour_of_week_profile

    return hour_of_week_profile(channel, own)
