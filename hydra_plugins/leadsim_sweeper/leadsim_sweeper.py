"""A Hydra sweeper that checks a sweep's jobs in seconds instead of minutes.

Why it exists: Hydra's BasicSweeper composes the config of every job of a batch in the
main process, one after the other, before it launches any (`validate_batch_is_legal`),
and the launcher's workers then compose each job again. One leadsim config takes about a
third of a second to compose, so a sweep of 1000 seeds sat for about five minutes before
its first job started (this sweeper checks it in about six seconds).

This sweeper is BasicSweeper (the same expansion of the command line and of
`hydra.sweeper.params` into jobs, in the same order, the same `max_batch_size` batches,
the same `multirun.yaml`) except for that check, which goes through
`sim.sweep_check.SweepChecker`: the first job of each set of config-group choices is
composed in full, exactly as Hydra composes a job; every other job is checked as that
config with its own plain values set. The config Hydra composed for the sweep itself
(the command line without its sweeps) is already such a config for the jobs that make
the command line's group choices and no others, so those are not composed again: a sweep
of plain values (`seed=1,2,3,4 market.days=365`) starts its jobs without one more
composition (a third of a second each on this machine). Every job also passes leadsim's
own validation (`check`, by default `sim.config.to_config`), so a bad value in a
config-file sweep (`+sweeps=...`) is refused, in one line naming the key, before any job
runs.

Hydra imports this module at every start, workers included: it imports only
sim.hydra_adapter (Hydra's private parts, here the base class), which imports none of
leadsim's modules but the package itself (which every leadsim app imports anyway); the
rest of leadsim is imported when a sweep is checked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from hydra.errors import ConfigCompositionException

from sim.hydra_adapter import BasicSweeper

log = logging.getLogger(__name__)


class LeadsimSweeper(BasicSweeper):
    """BasicSweeper whose check of a batch composes only a few of its jobs."""

    def __init__(self, max_batch_size: int | None = None,
                 params: dict[str, str] | None = None,
                 check: str | None = "sim.config.to_config") -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.check = check
        self._checker = None  # one per sweep: the composed references serve every batch
        self._hydra_loader = None  # Hydra's own config loader (the check composes with it)
        self._groups: list[str] = []  # the app's config groups

    def setup(self, *, hydra_context, task_function, config) -> None:
        """BasicSweeper's setup, with a launcher whose jobs' configs are composed in full
        only for the first job of each set of config-group choices in each process
        (`sim.sweep_check.JobConfigLoader`)."""
        import uuid

        from hydra.types import HydraContext

        from sim.hydra_support import config_groups
        from sim.sweep_check import JobConfigLoader

        self._hydra_loader = hydra_context.config_loader
        self._groups = config_groups(config.hydra.job.config_name)
        jobs = HydraContext(
            config_loader=JobConfigLoader(hydra_context.config_loader, uuid.uuid4().hex,
                                          self._groups),
            callbacks=hydra_context.callbacks)
        super().setup(hydra_context=jobs, task_function=task_function, config=config)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Refuse the sweep before a job of the batch runs if any of them is bad."""
        from sim.config import ConfigError

        checker = self._sweep_checker()
        started, composed = time.perf_counter(), checker.composed
        for overrides in batch:
            try:
                checker(overrides)
            except ConfigError as exc:  # Hydra prints this one line (no traceback), exit 1
                raise ConfigCompositionException(
                    f"error: {exc} (sweep job: {' '.join(overrides)})") from None
        log.debug("checked %d jobs in %.2f s, %d of them composed in full", len(batch),
                  time.perf_counter() - started, checker.composed - composed)

    def _sweep_checker(self):
        if self._checker is None:
            from hydra.utils import get_method

            from sim.sweep_check import SweepChecker

            check = get_method(self.check) if self.check else None
            self._checker = SweepChecker(self._compose_job, check, groups=self._groups)
            assert self.config is not None
            self._checker.add_reference(self.config, self._shared_overrides())
        return self._checker

    def _shared_overrides(self) -> list[str]:
        """The command line's overrides that every job has, written as in the jobs (Hydra
        composed `self.config` from them, the sweeps left out)."""
        from hydra.core.override_parser.overrides_parser import OverridesParser

        assert self.config is not None and self._hydra_loader is not None
        parser = OverridesParser.create(config_loader=self._hydra_loader)
        parsed = parser.parse_overrides(list(self.config.hydra.overrides.task))
        fixed = [o for o in parsed if not o.is_sweep_override()]
        return self.split_arguments(fixed, None)[0][0]

    def _compose_job(self, overrides: list[str]):
        """One job's config, composed as the launcher will compose it (and as
        BasicSweeper checks it): the sweep's Hydra overrides, then the job's."""
        assert self._hydra_loader is not None and self.config is not None
        return self._hydra_loader.load_sweep_config(
            master_config=self.config, sweep_overrides=list(overrides))
