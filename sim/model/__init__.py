"""The simulated world: SimPy clock and Mesa agents. Knows nothing of files or Hydra."""

import multiprocessing as _mp

_start_method = _mp.get_start_method(allow_none=True)
import mesa as _mesa  # noqa: E402,F401  (mesa's batchrunner forces the spawn start method)

# Put back whatever the process had: our sweeps use joblib/loky, not Mesa's batch runner,
# and forcing spawn would make every fork-based pool re-import the world.
_mp.set_start_method(_start_method, force=True)

from .market import LeadMarket  # noqa: E402

__all__ = ["LeadMarket"]
