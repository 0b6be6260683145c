"""Each assumption sim/hydra_adapter.py makes about Hydra's private parts, checked against
the installed Hydra: a new Hydra that changes one fails here, with a message naming it,
rather than somewhere deep in a sweep."""

from __future__ import annotations

import inspect

import pytest

from sim import CONFIG_DIR, hydra_adapter
from sim.hydra_support import compose, split_argv


def parse(overrides: list[str]) -> list:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_overrides(overrides)


def test_overrides_dirname_is_the_one_hydra_writes_into_a_job_config():
    overrides = ["seed=3", "market.days=5", "practice@practices.alpha=answering_service"]
    cfg = compose(overrides, hydra_node=True)
    dirname = cfg.hydra.job.config.override_dirname
    ours = hydra_adapter.overrides_dirname(parse(overrides), kv_sep=dirname.kv_sep,
                                           item_sep=dirname.item_sep,
                                           exclude_keys=dirname.exclude_keys)
    assert ours == cfg.hydra.job.override_dirname, (
        "assumption broken: get_overrides_dirname(overrides, kv_sep, item_sep, "
        "exclude_keys) gives hydra.job.override_dirname as Hydra composes it")
    assert ours == "market.days=5,practice@practices.alpha=answering_service,seed=3"


def test_config_loader_lists_the_groups_of_configs_and_of_the_extra_search_path():
    loader = hydra_adapter.config_loader(str(CONFIG_DIR), ["pkg://experiments"])
    groups = loader.list_groups("")
    assert {"market", "practice", "plan", "scenario"} <= set(groups), (
        "assumption broken: ConfigLoaderImpl(config_search_path=create_config_search_path("
        "dir)).list_groups('') lists the config groups of the directory")
    assert "sweeps" in groups, "assumption broken: an appended search path entry is listed"
    assert "answering_service" in loader.get_group_options("practice"), (
        "assumption broken: the loader's get_group_options(group) lists a group's options")
    assert "basic" in loader.get_group_options("hydra/sweeper"), (
        "assumption broken: the loader lists Hydra's own groups (hydra/sweeper, ...)")
    assert callable(getattr(loader, "load_sweep_config", None)), (
        "assumption broken: the loader composes a job's config with load_sweep_config")


def test_basic_sweeper_is_at_the_target_hydra_gives_it():
    from hydra.utils import get_class

    assert get_class(hydra_adapter.BASIC_SWEEPER) is hydra_adapter.BasicSweeper, (
        f"assumption broken: Hydra's basic sweeper is {hydra_adapter.BASIC_SWEEPER}")
    cfg = compose(["hydra/sweeper=basic"], hydra_node=True)
    assert cfg.hydra.sweeper._target_ == hydra_adapter.BASIC_SWEEPER, (
        "assumption broken: hydra/sweeper=basic names BASIC_SWEEPER as its _target_")


def test_sweep_jobs_are_the_basic_sweepers_jobs_in_launch_order():
    jobs = hydra_adapter.sweep_jobs(parse(["a=1,2", "b=x,y", "c=z"]))
    assert jobs == [["a=1", "b=x", "c=z"], ["a=1", "b=y", "c=z"],
                    ["a=2", "b=x", "c=z"], ["a=2", "b=y", "c=z"]], (
        "assumption broken: BasicSweeper.split_arguments(parsed, None) gives one batch of "
        "every combination, the last sweep changing fastest")
    two = parse(["a=1,2", "b=x,y"])
    batches = hydra_adapter.BasicSweeper.split_arguments(two, 3)
    assert [len(b) for b in batches] == [3, 1], (
        "assumption broken: split_arguments cuts the jobs into batches of max_batch_size")
    assert sum(batches, []) == hydra_adapter.sweep_jobs(two), (
        "assumption broken: the batches hold the same jobs in the same order")
    sweeper = hydra_adapter.BasicSweeper(max_batch_size=None, params={"seed": "1,2"})
    assert hydra_adapter.configured_sweep(sweeper) == ["seed=1,2"], (
        "assumption broken: BasicSweeper._parse_config() gives its params as override lines")


def test_the_basic_sweeper_checks_each_batch_before_it_launches_it(tmp_path):
    """leadsim's sweeper replaces `validate_batch_is_legal`: Hydra must call it, on each
    batch, before the launcher runs that batch, from `sweep` after `setup` set `config`."""
    from hydra.core.utils import JobStatus
    from hydra.types import HydraContext
    from omegaconf import OmegaConf

    events = []

    class Launcher:
        def launch(self, batch, initial_job_idx):
            events.append(("launch", [list(j) for j in batch], initial_job_idx))
            return [hydra_adapter.job_return(JobStatus.COMPLETED, None) for _ in batch]

    class Recording(hydra_adapter.BasicSweeper):
        def validate_batch_is_legal(self, batch):
            events.append(("check", [list(j) for j in batch]))

    sweeper = Recording(max_batch_size=1, params={"b": "x"})
    sweeper.config = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}})
    sweeper.hydra_context = HydraContext(config_loader=None, callbacks=None)
    sweeper.launcher = Launcher()
    sweeper.sweep(["a=1,2"])
    assert events == [("check", [["b=x", "a=1"]]), ("launch", [["b=x", "a=1"]], 0),
                      ("check", [["b=x", "a=2"]]), ("launch", [["b=x", "a=2"]], 1)], (
        "assumption broken: BasicSweeper.sweep calls validate_batch_is_legal(batch) on "
        "each batch before launcher.launch(batch, initial_job_idx)")
    params = inspect.signature(hydra_adapter.BasicSweeper.setup).parameters
    assert {"hydra_context", "task_function", "config"} <= set(params), (
        "assumption broken: BasicSweeper.setup(*, hydra_context, task_function, config)")


def test_a_failed_jobs_error_is_where_job_error_reads_it(tmp_path):
    """Hydra's own `run_job` keeps the error of a job that raised in the JobReturn."""
    from hydra.core.utils import JobStatus, run_job
    from hydra.types import HydraContext

    class NoCallbacks:
        def on_job_start(self, **kwargs):
            pass

        def on_job_end(self, **kwargs):
            pass

    error = ValueError("no such plan")

    def task(cfg):
        raise error

    cfg = compose([f"hydra.run.dir={tmp_path}", "hydra.output_subdir=null"], hydra_node=True)
    result = run_job(task_function=task, config=cfg, job_dir_key="hydra.run.dir",
                     job_subdir_key=None, configure_logging=False,
                     hydra_context=HydraContext(config_loader=None, callbacks=NoCallbacks()))
    assert result.status == JobStatus.FAILED
    assert hydra_adapter.job_error(result) is error, (
        "assumption broken: a failed JobReturn keeps the job's exception in _return_value")
    made = hydra_adapter.job_return(JobStatus.FAILED, error)
    assert hydra_adapter.job_error(made) is error
    with pytest.raises(ValueError):  # what Hydra's sweeper does with a failed job
        _ = made.return_value
    made.return_value = {"failed": "x"}  # what sim.sweeps.SweepCallback does with it
    made.status = JobStatus.COMPLETED
    assert made.return_value == {"failed": "x"}, (
        "assumption broken: JobReturn.return_value can be set")


def test_hydra_asks_get_mode_before_a_run_and_give_mode_answers_it(monkeypatch):
    hydra = hydra_adapter.hydra_class()
    assert list(inspect.signature(hydra.get_mode).parameters) == [
        "self", "config_name", "overrides"], (
        "assumption broken: Hydra.get_mode(self, config_name, overrides)")
    from hydra._internal import utils

    assert ".get_mode(config_name=config_name, overrides=overrides)" in inspect.getsource(
        utils._run_hydra), ("assumption broken: hydra.main's _run_hydra reads the run mode "
                            "from Hydra.get_mode (so giving it saves a composition)")
    monkeypatch.setattr(hydra, "get_mode", hydra.get_mode)  # undone after the test
    hydra_adapter.give_mode("MODE", "config", ["seed=1"])
    assert hydra.get_mode(None, "config", ["seed=1"]) == "MODE"
    hydra_adapter.give_mode("OTHER", "config", ["seed=2"])  # patches Hydra's, not ours
    assert hydra.get_mode(None, "config", ["seed=2"]) == "OTHER"
    assert hydra.get_mode.__wrapped__ is inspect.unwrap(hydra.get_mode)


def test_split_argv_knows_every_flag_of_hydra_and_what_follows_it():
    from sim.hydra_support import _FLAGS, _SHORT

    hydra_flags = hydra_adapter.command_line_flags()
    longs = {f for f in hydra_flags if f.startswith("--")}
    assert longs == set(_FLAGS), (
        f"assumption broken: Hydra's flags are {sorted(longs)} (get_args_parser), "
        "sim.hydra_support._FLAGS lists others")
    assert {f: hydra_flags[f] for f in _SHORT} == {f: hydra_flags[long] for f, long
                                                    in _SHORT.items()}
    nargs = {0: 0, None: 1, "?": "?"}
    assert {f: nargs[hydra_flags[f]] for f in longs} == _FLAGS, (
        "assumption broken: which Hydra flags take a value (get_args_parser's nargs)")
    flags, overrides = split_argv(["-m", "seed=1,2", "--cfg", "job", "-i"])
    assert flags == {"--multirun": None, "--cfg": "job", "--info": None}
    assert overrides == ["seed=1,2"]
