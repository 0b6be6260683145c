"""Mesa's private parts, used only in sim/model/mesa_import.py: each test names the
assumption it checks, so a Mesa release that changes one fails here, by name, and not in
a run.

The assumptions: Mesa's __init__ imports `mesa.experimental`, `mesa.discrete_space` and
`mesa.space` only as names (nothing leadsim uses needs them, so they can be deferred);
Mesa forces the spawn start method on import; `Agent._ids` is a class-level mapping from a
model to its id counter, which grows by one entry per model until someone drops it.
"""

from __future__ import annotations

import json

import pytest

import sim
from sim.model import LeadMarket
from sim.model.mesa_import import forget_agent_ids


def test_the_model_imports_mesa_without_its_unused_parts(python):
    out = json.loads(python(
        "import sys, json, multiprocessing as mp; before = mp.get_start_method(allow_none=True)"
        "; import sim.model; print(json.dumps(['scipy.spatial' in sys.modules, "
        "before == mp.get_start_method(allow_none=True)]))"))
    assert out == [False, True]  # no scipy.spatial; Mesa's forced spawn undone


def test_mesas_deferred_parts_still_work_when_asked_for(python):
    out = python(
        "import sim.model, mesa, sys\n"
        "from mesa.experimental.devs import ABMSimulator\n"
        "from mesa.experimental.continuous_space import ContinuousSpace\n"
        "grid = mesa.space.MultiGrid(3, 3, torus=False)\n"
        "from mesa.discrete_space import OrthogonalMooreGrid\n"
        "print(ABMSimulator.__name__, ContinuousSpace.__name__, grid.width,"
        " OrthogonalMooreGrid.__name__, type(mesa.experimental).__name__,"
        " type(sys.modules['mesa.space']).__name__)")
    assert out == "ABMSimulator ContinuousSpace 3 OrthogonalMooreGrid module module"


def test_agent_ids_is_a_class_level_counter_per_model_that_forget_agent_ids_drops():
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if ids is None:
        pytest.fail("assumption broken: Mesa no longer has Agent._ids (a counter per model); "
                    "forget_agent_ids is now a no-op and can go (sim/model/mesa_import.py)")
    model = mesa.Model(seed=1)
    first, second = mesa.Agent(model), mesa.Agent(model)
    assert model in ids, "assumption broken: Agent._ids is not keyed by the model"
    assert (first.unique_id, second.unique_id) == (1, 2)
    forget_agent_ids(model)
    assert model not in ids, "forget_agent_ids left the model's entry in Agent._ids"


def test_a_finished_run_leaves_no_entry_in_agent_ids():
    import mesa

    model = LeadMarket(sim.load_config(["market.days=2", "seed=5"])).run()
    assert model not in getattr(mesa.Agent, "_ids", {})


def test_a_mesa_without_agent_ids_still_runs(monkeypatch):
    """Mesa's maintainers mean to remove `Agent._ids`: the clean-up must then do nothing.
    (Agents still need ids, so the stand-in numbers them as Mesa's own counter would.)"""
    import itertools

    import mesa

    counters: dict = {}
    monkeypatch.delattr(mesa.Agent, "_ids")
    monkeypatch.setattr(mesa.Agent, "__init__", _numbered_init(counters, itertools))
    model = LeadMarket(sim.load_config(["market.days=2", "seed=5"])).run()
    assert model.records()["inquiries"]["inquiry_id"].size > 0
    forget_agent_ids(model)  # nothing to drop, and no error


def _numbered_init(counters, itertools):
    def init(self, model, *args, **kwargs):
        self.model = model
        self.unique_id = next(counters.setdefault(model, itertools.count(1)))
        self.pos = None
        model.register_agent(self)

    return init
