"""Mesa's private parts, used only in sim/model/mesa_import.py: each test names the
assumption it checks, so a Mesa release that changes one fails here, by name, and not in
a run.

The assumptions: Mesa's __init__ imports `mesa.experimental`, `mesa.discrete_space` and
`mesa.space` only as names, and takes only `batch_run` from `mesa.batchrunner` (nothing
leadsim uses needs them, so they can be deferred);
Mesa forces the spawn start method on import; `Agent._ids` is a class-level mapping from a
model to its id counter, which grows by one entry per model until someone drops it;
mesa.datacollection imports pandas as optional (`pd`, only for its DataFrames), and its
DataCollector keeps an agent type's rows in `_agenttype_records` (step -> agent type ->
rows of step, agent id and each reporter's value), the rows of
`get_agenttype_vars_dataframe`.
"""

from __future__ import annotations

import json

import pytest

import sim
from sim.model import LeadMarket
from sim.model.mesa_import import agent_type_columns, forget_agent_ids
from sim.model.practice import Practice


def test_the_model_imports_mesa_without_its_unused_parts(python):
    out = json.loads(python(
        "import sys, json, multiprocessing as mp; before = mp.get_start_method(allow_none=True)"
        "; import sim.model; print(json.dumps(['scipy.spatial' in sys.modules, "
        "'tqdm' in sys.modules, before == mp.get_start_method(allow_none=True)]))"))
    assert out == [False, False, True]  # no scipy.spatial, no tqdm; Mesa's spawn undone


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


def test_mesas_batch_run_still_runs_and_leaves_the_start_method(python):
    out = json.loads(python(
        "import json, sys, multiprocessing as mp\n"
        "import sim.model, mesa\n"
        "from mesa.datacollection import DataCollector\n"
        "class Count(mesa.Model):\n"
        "    def __init__(self, step_size=1, seed=None):\n"
        "        super().__init__(seed=seed)\n"
        "        self.n, self.step_size = 0, step_size\n"
        "        self.datacollector = DataCollector(model_reporters={'n': 'n'})\n"
        "    def step(self):\n"
        "        self.n += self.step_size\n"
        "        self.datacollector.collect(self)\n"
        "rows = mesa.batch_run(Count, {'step_size': [1, 3]}, number_processes=1,"
        " iterations=1, max_steps=4, display_progress=False)\n"
        "print(json.dumps([sorted((r['step_size'], r['n']) for r in rows if r['Step'] == 4),"
        " type(sys.modules['mesa.batchrunner']).__name__,"
        " mesa.batchrunner is sys.modules['mesa.batchrunner'],"
        " mp.get_start_method(allow_none=True)]))"))
    (one, n1), (three, n3) = out[0]
    assert (one, three) == (1, 3) and n1 >= 4 and n3 == 3 * n1  # both runs, 4 steps or more
    assert out[1:3] == ["module", True]  # the real batch runner, in its place
    assert out[3] != "spawn"  # Mesa's forced start method undone (tqdm's lock may set fork)


def test_mesa_names_its_loggers_as_ever_when_imported_without_reading_the_stacks_source(
        python):
    """Mesa's logging reads the call stack at import (the module's name for its logger,
    the class's name for the method logger); import_mesa lends it a stack walk without
    source lines and a frame's module from its globals, which must give the same names,
    and hands inspect back afterwards."""
    out = json.loads(python(
        "import inspect, json, logging, sys\n"
        "walk, find = inspect.getouterframes, inspect.getmodule\n"
        "import sim.model, mesa, mesa.mesa_logging as ml\n"
        "seen = []\n"
        "class Catch(logging.Handler):\n"
        "    def emit(self, record): seen.append(record.getMessage())\n"
        "log = logging.getLogger('MESA.mesa.model'); log.addHandler(Catch())\n"
        "log.setLevel(logging.DEBUG); mesa.Model(seed=1)\n"
        "print(json.dumps([sorted(ml._module_loggers), inspect.getouterframes is walk,"
        " inspect.getmodule is find, seen[0].split(' with ')[0]]))"))
    assert out == [["mesa.mesa_logging", "mesa.model"], True, True, "calling Model.__init__"]


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


def test_mesa_is_imported_without_pandas_and_its_dataframes_import_it_when_asked(python):
    """import_mesa blocks pandas for the length of Mesa's import (Mesa allows it to be
    missing) and gives mesa.datacollection a `pd` that imports pandas on first use; Mesa's
    own DataFrames then work as ever, and `import pandas` works again."""
    out = json.loads(python(
        "import json, sys\n"
        "import sim.model, mesa\n"
        "import mesa.datacollection as dc\n"
        "before = 'pandas' in sys.modules\n"
        "class Count(mesa.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__(seed=1)\n"
        "        self.n = 0\n"
        "        self.datacollector = dc.DataCollector(model_reporters={'n': 'n'})\n"
        "    def step(self):\n"
        "        self.n += 2\n"
        "        self.datacollector.collect(self)\n"
        "model = Count()\n"
        "model.step(); model.step()\n"
        "frame = model.datacollector.get_model_vars_dataframe()\n"
        "import pandas\n"
        "print(json.dumps([before, frame['n'].tolist(), type(frame).__name__,"
        " dc.pd is pandas]))"))
    assert out == [False, [2, 4], "DataFrame", True]


def test_mesa_keeps_its_own_pandas_when_it_was_imported_first(python):
    out = python("import pandas, sim.model, mesa.datacollection as dc; print(dc.pd is pandas)")
    assert out == "True"


def test_agenttype_records_hold_the_rows_of_mesas_agent_type_dataframe():
    """The model reads its daily rows from the DataCollector's `_agenttype_records`
    (agent_type_columns): the same rows, in the same order, as Mesa's own
    `get_agenttype_vars_dataframe`."""
    model = LeadMarket(sim.load_config(["market.days=3", "seed=5"])).run()
    collector = model.datacollector
    if not isinstance(getattr(collector, "_agenttype_records", None), dict):
        pytest.fail("assumption broken: Mesa's DataCollector has no _agenttype_records "
                    "(step -> agent type -> rows); agent_type_columns in "
                    "sim/model/mesa_import.py must read its rows another way")
    mine = agent_type_columns(collector, Practice)
    theirs = collector.get_agenttype_vars_dataframe(Practice).reset_index()
    assert list(mine) == list(theirs.columns), "assumption broken: the columns differ"
    # a row per practice per day (the drain days included)
    assert len(mine["Step"]) == model.steps * len(model.practices) > 0
    for name, values in mine.items():  # (repr: NaN is NaN)
        assert list(map(repr, values)) == list(map(repr, theirs[name].tolist())), (
            f"assumption broken: column {name} differs")
