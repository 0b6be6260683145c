"""leadsim's Hydra sweeper (hydra_plugins/leadsim_sweeper): BasicSweeper's jobs, checked
without composing each one, and a bad job refused in one line before any job runs."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest
from test_config import names_key

from sim import CONFIG_DIR, sweeps
from sim.hydra_adapter import configured_sweep, sweep_jobs
from sim.hydra_support import compose, ensure_registered
from sim.sweep_check import SweepChecker


@pytest.fixture
def sweeper_for():
    """`sweeper_for(overrides)`: the sweeper Hydra instantiates for `python -m sim -m
    OVERRIDES`, its jobs (in order, one batch), and `calls`, the configs it has composed."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.plugins import Plugins
    from hydra.core.utils import JobReturn
    from hydra.types import HydraContext, RunMode

    def make(overrides: list[str]):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides, RunMode.MULTIRUN)
        sweeper = Plugins.instance().instantiate_sweeper(
            hydra_context=HydraContext(config_loader=loader, callbacks=None),
            task_function=lambda cfg: JobReturn(), config=master)
        calls: list[list[str]] = []
        compose_job = loader.load_sweep_config

        def counted(master_config, sweep_overrides):
            calls.append(list(sweep_overrides))
            return compose_job(master_config=master_config, sweep_overrides=sweep_overrides)

        loader.load_sweep_config = counted  # the one way the sweeper composes a config
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(configured_sweep(sweeper) + overrides)
        jobs = sweep_jobs(parsed)
        return sweeper, jobs, calls

    ensure_registered()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        yield make
    GlobalHydra.instance().clear()


@pytest.mark.slow
def test_a_sweep_composes_one_config_per_plan_and_refuses_a_bad_job_in_one_line(sweeper_for):
    sweeper, jobs, calls = sweeper_for(["+sweeps=staffing_x_delay"])
    assert type(sweeper).__module__ + "." + type(sweeper).__name__ == sweeps.LEADSIM_SWEEPER
    assert len(jobs) == 6 * 5 * 3 == len(sweeps.expected_jobs(sweeper.config))
    sweeper.validate_batch_is_legal(jobs)
    # one full composition per staffing plan (a config-group choice), not one per job
    assert len(calls) == 6
    assert {c[0] for c in calls} == {j[0] for j in jobs} and all(c[0].startswith("plan=")
                                                               for c in calls)

    from hydra.errors import ConfigCompositionException

    bad_values = [("seed=2", "seed=-2", "seed"),
                  ("plan.policy.first_response_delay_minutes=15",
                   "plan.policy.first_response_delay_minutes=-15",
                   "plan.policy.first_response_delay_minutes"),
                  ("seed=2", "seed=two", "seed"),             # not even an integer
                  ("plan=saturday_shift", "plan=sunday_shift", "plan")]  # no such option
    for good, bad, key in bad_values:
        batch = [list(j) for j in jobs]
        victim = next(i for i, j in enumerate(batch) if good in j and i > 40)
        batch[victim] = [bad if o == good else o for o in batch[victim]]
        with pytest.raises(ConfigCompositionException) as info:
            sweeper.validate_batch_is_legal(batch)
        message = str(info.value)
        assert "\n" not in message and message.startswith("error: "), message
        assert names_key(message, key), message
        assert " ".join(batch[victim]) in message  # and which job it is
    # a bad job costs one full composition (its verdict), the rest were composed already
    assert len(calls) == 6 + len(bad_values)


@pytest.mark.slow
def test_a_sweep_of_values_reuses_the_sweep_config_hydra_composed(sweeper_for):
    """Jobs that make only the command line's group choices are checked on the config
    Hydra composed for the sweep: no job is composed again, each checked config is the
    one Hydra composes for that job, and a bad value is still refused in one line."""
    from hydra.errors import ConfigCompositionException
    from omegaconf import OmegaConf

    from sim.config import to_config

    sweeper, jobs, calls = sweeper_for(["seed=1,2", "plan=second_front_desk",
                                        "market.days=3,${seed}", "++record_activity=true"])
    assert len(jobs) == 4
    checker = sweeper._sweep_checker()
    seen: dict[tuple[str, ...], str] = {}
    current: list[str] = []
    checker.check = lambda cfg: seen.__setitem__(tuple(current), OmegaConf.to_yaml(cfg))
    for job in jobs:
        current[:] = job
        sweeper.validate_batch_is_legal([job])
    assert calls == [] and checker.composed == 0
    for job in jobs:
        assert seen[tuple(job)] == OmegaConf.to_yaml(compose(job)), job
    bad = [o.replace("seed=2", "seed=-2") for o in jobs[-1]]
    checker.check = to_config
    with pytest.raises(ConfigCompositionException) as info:
        sweeper.validate_batch_is_legal([bad])
    assert "\n" not in str(info.value) and names_key(str(info.value), "seed")
    assert len(calls) == 1  # the bad job's verdict comes from a full composition


@pytest.mark.slow
def test_each_job_is_checked_with_the_config_hydra_composes_for_it():
    from omegaconf import OmegaConf

    ensure_registered()
    seen: dict[tuple[str, ...], str] = {}
    current: list[str] = []

    def record(cfg) -> None:
        seen[tuple(current)] = OmegaConf.to_yaml(cfg)

    checker = SweepChecker(lambda o: compose(o, hydra_node=True), record)
    # the group choice changes every job, so patched values must not leak between jobs;
    # a list value, a forced addition and an interpolation are set as Hydra sets them
    jobs = [list(j) for j in itertools.product(
        ["market.shopping_list=[1.0]", "market.shopping_list=[0.5,0.5]"],
        ["++record_activity=true", "++record_activity=false"],
        ["seed=${market.days}", "seed=3"],
        ["plan=current", "plan=second_front_desk"])]
    for job in jobs:
        current[:] = job
        checker(job)
    assert checker.composed == 2
    for job in jobs[::3] + jobs[-1:]:  # a sample: each full composition takes 0.3 s
        assert seen[tuple(job)] == OmegaConf.to_yaml(compose(job)), job


@pytest.mark.slow
@pytest.mark.parametrize(("overrides", "composed"), [
    (["+sweeps=staffing_x_delay"], 6),  # a group swept: one composition per plan
    # values only, with a list, a forced addition, an interpolation and a hydra setting
    (["seed=1,2,${market.days}", "market.days=3,30", "market.shopping_list=[1.0],[0.5,0.5]",
      "++record_activity=true,false", "plan=second_front_desk",
      "hydra.job.config.override_dirname.exclude_keys=[seed]"], 1),
    # the order of overrides on one key decides: every job composed
    (["seed=1,2", "++seed=7"], 2),
    (["practices.alpha.policy.first_response_delay_minutes=5,15",
      "practices.alpha.policy={first_response_delay_minutes:30}"], 2),
    (["market.days=1,2", "market={days:3,drain_days:0}"], 2),  # a dict given to a group
    # a key sorting between the two that overlap (`-` sorts before `.`)
    (["practices.alpha.policy.first_response_delay_minutes=5,15",
      "practices.alpha.policy={first_response_delay_minutes:30}",
      "++practices.alpha.policy-x=1"], 2),
])
def test_the_launcher_gets_each_job_config_exactly_as_hydra_composes_it(sweeper_for,
                                                                         overrides, composed):
    """The sweeper hands its launcher a config loader (JobConfigLoader) that composes the
    first job of each set of group choices and copies it, with the job's values, for the
    others: each job's config, `hydra` node and flags included, is Hydra's own."""
    from omegaconf import OmegaConf

    sweeper, jobs, calls = sweeper_for(overrides)
    loader = sweeper.hydra_context.config_loader
    assert type(loader).__name__ == "JobConfigLoader"
    assert loader.get_sources() == sweeper._hydra_loader.get_sources()  # the rest: Hydra's
    given = [loader.load_sweep_config(sweeper.config, job) for job in jobs]
    assert len(calls) == composed  # one full composition per set of group choices
    compose_job = sweeper._hydra_loader.load_sweep_config
    for job, cfg in list(zip(jobs, given))[1::7]:  # a sample: each composition takes 0.3 s
        want = compose_job(sweeper.config, job)
        assert OmegaConf.to_container(cfg, resolve=False) == \
            OmegaConf.to_container(want, resolve=False), job
        assert OmegaConf.to_yaml(cfg.hydra) == OmegaConf.to_yaml(want.hydra), job
        assert OmegaConf.is_struct(cfg) == OmegaConf.is_struct(want)
        assert OmegaConf.is_readonly(cfg.hydra) == OmegaConf.is_readonly(want.hydra)
        assert cfg.seed == want.seed and cfg.market.days == want.market.days  # resolved
    # each job has its own copy: changing one changes no other
    given[0].seed = 12345
    assert all(cfg.seed != 12345 for cfg in given[1:])


@pytest.mark.slow
@pytest.mark.parametrize("overrides", [
    ["seed=1,2", "++seed=-3"],  # the later override on the key wins: a bad seed
    ["seed=5", "+seed=1,2"],  # Hydra will not add a key that is there
    ["practices.alpha.policy.first_response_delay_minutes=5,15",
     "practices.alpha.policy={first_response_delay_minutes:-1}"],  # the dict comes last
    ["market.days=5,6", "market={days:-1}"],  # a dict given to a config group
    ["seed=1,2", "++sweeps=shopping_x_decay,staffing_x_delay"],  # Hydra: not for a group
])
def test_a_job_whose_overrides_reach_one_key_twice_is_checked_in_full(sweeper_for, overrides):
    """Values set on a composed config would ignore the order of the overrides: such
    jobs are composed (and refused, here) as Hydra composes them."""
    from hydra.errors import ConfigCompositionException

    sweeper, jobs, calls = sweeper_for(overrides)
    with pytest.raises(ConfigCompositionException) as info:
        sweeper.validate_batch_is_legal(jobs)
    assert "\n" not in str(info.value).strip()


def test_the_example_sweeps_use_the_leadsim_sweeper():
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    ensure_registered()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=["+sweeps=shopping_x_decay"],
                            return_hydra_config=True)
    GlobalHydra.instance().clear()
    assert cfg.hydra.sweeper._target_ == sweeps.LEADSIM_SWEEPER
    assert cfg.hydra.sweeper.check == "sim.config.to_config"
    assert len(sweeps.expected_jobs(cfg)) == 4 * 4 * 2


def test_a_bad_value_in_a_config_file_sweep_is_refused_before_any_job(tmp_path):
    (tmp_path / "conf" / "sweeps").mkdir(parents=True)
    # -3 composes (an int) but is no seed: only leadsim's validation refuses it
    (tmp_path / "conf" / "sweeps" / "mine.yaml").write_text(
        "# @package _global_\nhydra:\n  sweeper:\n    params:\n"
        "      seed: 1,2,-3\n      market.days: '1'\n")
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", sweeps.FAIL_ENV)}
    sweep_dir = tmp_path / "sweep"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "--config-dir", str(tmp_path / "conf"),
         "+sweeps=mine", f"hydra.sweep.dir={sweep_dir}", "hydra/launcher=basic"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stdout + proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and names_key(errors[0], "seed"), proc.stderr
    assert "seed=-3 market.days=1 +sweeps=mine" in errors[0]
    assert not (sweep_dir.is_dir() and any(p.is_dir() for p in sweep_dir.iterdir())), "a job ran"


def test_the_command_line_check_covers_a_sweep_defined_in_a_config_file(tmp_path, capsys,
                                                                          monkeypatch):
    """`python -m sim -m +sweeps=<file>`: a bad value in the file's `hydra.sweeper.params`
    is refused by the preflight (exit 2, one line naming the key), before Hydra writes a
    sweep folder; a key given on the command line replaces the file's values, as in Hydra."""
    import shutil

    from sim import hydra_support
    from sim.__main__ import _check

    conf = tmp_path / "conf"
    shutil.copytree(CONFIG_DIR, conf)
    (conf / "sweeps").mkdir()
    (conf / "sweeps" / "mine.yaml").write_text(
        "# @package _global_\nhydra:\n  sweeper:\n    params:\n"
        "      seed: 1,2\n      market.days: 1,-4\n")
    monkeypatch.setattr(hydra_support, "config_dir", lambda: str(conf))
    with pytest.raises(SystemExit) as exit_:
        hydra_support.preflight(["-m", "+sweeps=mine", "hydra.sweep.dir=nowhere"], "config",
                                _check)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and names_key(err[0], "market.days"), err
    assert not (tmp_path / "nowhere").exists()
    # the command line's market.days replaces the file's bad value: nothing to refuse
    hydra_support.preflight(["-m", "+sweeps=mine", "market.days=2"], "config", _check)
    assert hydra_support.with_config_sweep({"seed": "1,2", "market.days": "1,-4"},
                                           ["market.days=2"]) == ["seed=1,2", "market.days=2"]


def test_the_command_line_check_expands_glob_sweeps_of_a_config_group(capsys):
    """`plan=glob(s*)` lists the group's options (Hydra's glob sweep) instead of failing for
    want of a config loader; a glob that matches nothing is refused in one line."""
    from sim import hydra_support
    from sim.__main__ import _check

    variants = hydra_support.sweep_variants(["plan=glob(s*)", "seed=1,2"])
    assert sorted(v[0] for v in variants) == ["plan=saturday_shift", "plan=saturday_shift",
                                             "plan=second_front_desk"]
    hydra_support.preflight(["-m", "plan=glob(s*)", "market.days=1"], "config", _check)
    with pytest.raises(SystemExit) as exit_:
        hydra_support.preflight(["-m", "plan=glob(nothing*)"], "config", _check)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and names_key(err[0], "plan"), err


@pytest.mark.parametrize(("choice", "hint"), [("ray", "'.[ray]'"), ("joblb", None)])
def test_an_unknown_launcher_is_one_line_naming_the_options(capsys, choice, hint):
    """`hydra/launcher=<not installed or mistyped>`: one line with the options there are
    (Hydra's own message is a page), and the extra to install where one provides it."""
    import importlib.util

    from sim import hydra_support
    from sim.__main__ import _check

    if choice == "ray" and importlib.util.find_spec("hydra_plugins.hydra_ray_launcher"):
        pytest.skip("the ray extra is installed here: hydra/launcher=ray is available")
    with pytest.raises(SystemExit) as exit_:
        hydra_support.preflight(["-m", "seed=1,2", f"hydra/launcher={choice}"], "config",
                                _check)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: hydra/launcher:"), err
    assert "joblib" in err[0] and "basic" in err[0]
    assert (hint in err[0]) if hint else "pip install" not in err[0]
