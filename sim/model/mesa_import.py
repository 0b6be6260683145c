"""Mesa's private parts, in one place: importing it without the parts leadsim never uses
(and without pandas), reading the DataCollector's rows, and dropping a finished model's
entry in Mesa's class-level id counter.

`import mesa` runs mesa/__init__.py, which imports every subpackage: `mesa.experimental`
pulls scipy.spatial (a quarter of a second) through its continuous space, and
`mesa.discrete_space` and `mesa.space` are grids this model has no use for. Mesa 3.3's
__init__ imports those three as `import mesa.<name> as <name>` and nothing that leadsim
uses (Model, Agent, DataCollector) imports them, so each can stand as a module that
imports the real one the first time anyone asks it for anything: `mesa.space.MultiGrid`
and `import mesa.experimental.devs` work as before, only later. tests/test_startup.py
checks both the saving and the transparency; if a Mesa release imports them from its
core, the first attribute asked for imports the real module and nothing breaks.

Mesa's logging names its loggers at import by walking the whole call stack with
`inspect.stack()` (mesa.model, twice): for each frame that reads the source lines around it
and, for a frame without a file of its own (the import system's), searches every module in
`sys.modules`. Deep in a run (Hydra's job, the import of the model) that cost 0.1-0.7 s,
more the more modules are loaded. It then asks `inspect.getmodule` for the module of the
frame, which, the first time in a process, works out the absolute file of every module
loaded (a twentieth of a second after Hydra and pandas). `import_mesa` lends `inspect` a
stack walk without source lines, and a `getmodule` that reads a frame's module from the
frame's own globals (the module being imported is in `sys.modules` under that name, with
the frame's file), for the length of Mesa's import: the frames, files, lines, function
and module names Mesa reads are the same (tests/test_mesa_import.py checks its loggers'
names).

Mesa's batch runner, which leadsim does not use either, forces the spawn start method of
multiprocessing on import (our sweeps use joblib/loky, and a forced spawn would make every
fork-based pool re-import the world) and imports tqdm with asyncio (a twentieth of a
second). Mesa's __init__ takes only `batch_run` from it, so `mesa.batchrunner` is deferred
too and `mesa.batch_run` is a function that imports it on its first call and hands over to
Mesa's own. Whenever Mesa or a deferred part of it is imported, `import_mesa` puts back
the start method the process had.

Mesa's DataCollector imports pandas at the top of mesa.datacollection (inside
`contextlib.suppress(ImportError)`: pandas is optional to Mesa, used only by its
`get_*_dataframe` methods), and importing pandas costs about half a second, a quarter of a
one-day run. When pandas is not imported yet, `import_mesa` makes `import pandas` fail for
the length of Mesa's import (`sys.modules["pandas"] = None`, then taken out again), and
gives mesa.datacollection a `pd` that imports the real pandas the first time anything is
asked of it: `get_agenttype_vars_dataframe` and the others work as ever, pandas is only
imported when one of them is called. The model reads its daily rows without pandas:
`agent_type_columns` reads the DataCollector's `_agenttype_records` (step -> agent type ->
rows of (step, agent id, each reporter's value)), the rows `get_agenttype_vars_dataframe`
makes its DataFrame of. tests/test_mesa_import.py names the assumption.

Mesa 3.3 numbers agents with a class attribute, `Agent._ids`: a defaultdict from each
model to its own counter, which nothing ever empties, so a process that builds many
models (a sweep, the app) would keep every one of them alive. `forget_agent_ids` drops
one model's entry when its run is over; on a Mesa without `_ids` (its maintainers plan to
remove it) it does nothing. tests/test_mesa_import.py names both assumptions.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import inspect
import multiprocessing
import sys
import types

DEFERRED = ("mesa.experimental", "mesa.discrete_space", "mesa.space", "mesa.batchrunner")
NOT_PACKAGES = ("mesa.space", "mesa.batchrunner")  # modules without a __path__


class _Deferred(types.ModuleType):
    """Stands for a module until something asks it for an attribute: then imports the real
    module, puts it in its place (sys.modules, the parent package) and answers from it.
    Dunder names other than a package's __path__ (which a submodule's import needs) are
    not there, so tools that scan sys.modules (inspect's getmodule reads __file__) do not
    import it."""

    def __getattr__(self, attr: str):
        if attr.startswith("__") and (attr != "__path__" or self.__name__ in NOT_PACKAGES):
            raise AttributeError(attr)
        return getattr(_load(self.__name__, self), attr)


def _load(name: str, stand_in: types.ModuleType) -> types.ModuleType:
    if sys.modules.get(name) is stand_in:
        del sys.modules[name]
    start_method = multiprocessing.get_start_method(allow_none=True)
    real = importlib.import_module(name)
    multiprocessing.set_start_method(start_method, force=True)
    parent, _, child = name.rpartition(".")
    if getattr(sys.modules.get(parent), child, None) is stand_in:
        setattr(sys.modules[parent], child, real)
    return real


def import_mesa() -> types.ModuleType:
    """`import mesa`, deferring DEFERRED, with the multiprocessing start method kept."""
    if "mesa" in sys.modules:
        return sys.modules["mesa"]
    for name in DEFERRED:
        if name not in sys.modules:
            stand_in = _Deferred(name)
            stand_in.__spec__ = importlib.machinery.ModuleSpec(name, None)
            sys.modules[name] = stand_in
    batch_runner = sys.modules["mesa.batchrunner"]
    if isinstance(batch_runner, _Deferred):  # `from mesa.batchrunner import batch_run`
        batch_runner.batch_run = _batch_run(batch_runner)
    start_method = multiprocessing.get_start_method(allow_none=True)
    walk, inspect.getouterframes = inspect.getouterframes, _outer_frames  # inspect.stack too
    find, inspect.getmodule = inspect.getmodule, _frame_module(inspect.getmodule)
    block_pandas = "pandas" not in sys.modules
    if block_pandas:
        sys.modules["pandas"] = None  # `import pandas` raises ImportError, which Mesa allows
    try:
        import mesa
    finally:
        inspect.getouterframes, inspect.getmodule = walk, find
        if block_pandas and sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]
    collection = sys.modules.get("mesa.datacollection")
    if block_pandas and collection is not None and not hasattr(collection, "pd"):
        collection.pd = _Pandas("pandas")  # Mesa's `pd`, imported when first used
    multiprocessing.set_start_method(start_method, force=True)
    return mesa


class _Pandas(types.ModuleType):
    """mesa.datacollection's `pd` until something asks it for an attribute: then imports
    pandas, puts it in its place there and answers from it."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        import pandas

        sys.modules["mesa.datacollection"].pd = pandas
        return getattr(pandas, attr)


def agent_type_columns(collector, agent_type) -> dict[str, list]:
    """The rows a Mesa DataCollector collected for `agent_type` (its `agenttype_reporters`),
    column by column: `Step`, `AgentID` and each reporter's values, in the order of
    `get_agenttype_vars_dataframe` (by step, then as collected), without pandas."""
    names = ["Step", "AgentID", *collector.agenttype_reporters[agent_type]]
    rows = [row for by_type in collector._agenttype_records.values()
            for row in by_type.get(agent_type, ())]
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def _batch_run(stand_in: types.ModuleType):
    def batch_run(*args, **kwargs):
        return _load("mesa.batchrunner", stand_in).batch_run(*args, **kwargs)

    batch_run.__doc__ = "Mesa's `mesa.batchrunner.batch_run`, imported on the first call."
    return batch_run


def _outer_frames(frame, context: int = 1) -> list[inspect.FrameInfo]:
    """`inspect.getouterframes` without the source lines (code_context None) and with the
    frame's own file name: no file is read and no module searched."""
    frames = []
    while frame:
        code = frame.f_code
        frames.append(inspect.FrameInfo(frame, code.co_filename, frame.f_lineno,
                                        code.co_name, None, None))
        frame = frame.f_back
    return frames


def _frame_module(getmodule):
    """`inspect.getmodule` that answers a frame of a module's own code from the frame's
    globals when `sys.modules` holds that module with the frame's file; else `getmodule`."""

    def frame_module(obj, _filename=None):
        if inspect.isframe(obj):
            module = sys.modules.get(obj.f_globals.get("__name__"))
            if getattr(module, "__file__", None) == obj.f_code.co_filename:
                return module
        return getmodule(obj, _filename)

    return frame_module


def forget_agent_ids(model) -> None:
    """Drop `model`'s agent-id counter from Mesa's class-level `Agent._ids`, if Mesa has
    one (the model's agents keep their ids; only new agents of it would be numbered anew)."""
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)
