"""leadsim's Hydra sweeper: Hydra's basic sweeper with a fast check of every job.

Hydra finds plugins by importing every module of the `hydra_plugins` namespace package
at each start, sweep workers included, so this package imports nothing of leadsim until
a sweep runs. `config.py` registers `hydra/sweeper=leadsim`; `leadsim_sweeper.py` is the
sweeper.
"""
