"""`hydra/sweeper=leadsim` in Hydra's ConfigStore (configs/config.yaml selects it)."""

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore


@dataclass
class LeadsimSweeperConf:
    _target_: str = "hydra_plugins.leadsim_sweeper.leadsim_sweeper.LeadsimSweeper"
    # As Hydra's basic sweeper: jobs launched at once (null: all of them in one batch)
    max_batch_size: int | None = None
    # As Hydra's basic sweeper: what to sweep, e.g. {seed: "1,2,3"} (experiments/sweeps/)
    params: dict[str, str] | None = None
    # Dotted path of the app's check of one composed job config (without `hydra`); it
    # raises sim.config.ConfigError. null: only check that every job composes.
    check: str | None = "sim.config.to_config"


ConfigStore.instance().store(
    group="hydra/sweeper", name="leadsim", node=LeadsimSweeperConf, provider="leadsim"
)
