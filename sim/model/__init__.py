"""The simulated world: SimPy clock and Mesa agents. Knows nothing of files or Hydra."""

from .mesa_import import import_mesa

import_mesa()  # Mesa without its unused grids and scipy.spatial, start method kept

from .market import LeadMarket  # noqa: E402

__all__ = ["LeadMarket"]
