"""Simulating plans for the search and the selection: each plan of changes applied to one
practice, run on given seeds, reduced to two numbers a month (net gain and cost).

Money a month is the run's total x (365.25 / 12) / market days; the wage overhead
(employer taxes and benefits, a share of wages) counts as cost and comes off the net, as
in `leadsim compare`'s report. A plan's value on a set of seeds is the mean of its paired
differences against the current plan on the same seeds (common random numbers: a seed
fixes every prospect, whatever the staffing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

DAYS_PER_MONTH = 365.25 / 12
FOCAL = "alpha"


def _money_task(cfg, name: str, j: int, seed: int) -> tuple[str, int, float, float, float]:
    """One run: (name, replication, net, wages, staffing cost) of the focal practice."""
    import sim

    logging.getLogger("MESA").setLevel(logging.WARNING)
    s = sim.run(replace(cfg, seed=seed)).summary
    p = f"practices.{FOCAL}."
    return name, j, float(s[p + "net"]), float(s[p + "wages"]), float(s[p + "staffing_cost"])


@dataclass
class PlanRunner:
    """Runs plans on the market `base` (a validated sim Config with the practice as it
    is); counts the runs it did."""

    base: object
    market_days: int
    wage_overhead: float = 0.0
    n_jobs: int = 1
    count: int = 0

    def config(self, plan):
        """The sim Config of `plan` (a PlanConfig) applied to the base practice."""
        from ..config import to_config

        return to_config(replace(self.base, plan=plan))

    def month(self, net: float, wages: float, cost: float) -> tuple[float, float]:
        """(net, cost) a month, the wage overhead counted."""
        scale, k = DAYS_PER_MONTH / self.market_days, self.wage_overhead
        return (net - k * wages) * scale, (cost + k * wages) * scale

    def run(self, configs: dict, seeds: dict[int, int]) -> dict:
        """{name: {replication: (net a month, cost a month)}} for every config (name ->
        sim Config) and replication (-> its seed); runs in `n_jobs` processes."""
        from ..replications import map_tasks

        tasks = [(configs[n], n, j, seed) for j, seed in seeds.items() for n in configs]
        self.count += len(tasks)
        out: dict = {n: {} for n in configs}
        for name, j, net, wages, cost in map_tasks(_money_task, tasks, self.n_jobs):
            out[name][j] = self.month(net, wages, cost)
        return out


def paired(runs: dict, baseline: dict) -> dict:
    """A plan's mean paired difference against the baseline over the replications both
    ran: {"value": net gain a month, "extra_cost": extra cost a month, "replications"}."""
    common = sorted(set(runs) & set(int(j) for j in baseline))
    base = {int(j): v for j, v in baseline.items()}
    n = len(common)
    return {"value": sum(runs[j][0] - base[j][0] for j in common) / n,
            "extra_cost": sum(runs[j][1] - base[j][1] for j in common) / n,
            "replications": n}
