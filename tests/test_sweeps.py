"""Sweeps (sim/sweeps.py): one table per sweep, failures that lose nothing, and resume.

The slow tests run real `python -m sim -m` sweeps of four one-day M/M/c+M jobs in a
temporary folder. The Ray and submitit tests need the optional extras and are skipped
without them:  pip install -e '.[test,ray,slurm]' && pytest -m slow tests/test_sweeps.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import sweeps

SWEEP = ["-m", "seed=1,2", "scenario.servers=3,4", "scenario=mmc", "scenario.days=1"]
JOBS = [["seed=1", "scenario.servers=3"], ["seed=1", "scenario.servers=4"],
        ["seed=2", "scenario.servers=3"], ["seed=2", "scenario.servers=4"]]


def sweep(cwd: Path, sweep_dir: Path, *extra: str, fail: str | None = None, timeout=240):
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", sweeps.FAIL_ENV)}
    if fail is not None:
        env[sweeps.FAIL_ENV] = fail
    cmd = [sys.executable, "-m", "sim", *SWEEP, f"hydra.sweep.dir={sweep_dir}", *extra]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def outputs(job_dir: Path) -> dict[str, int]:
    """mtime of every output file of a job (not Hydra's own files or the log)."""
    return {str(p.relative_to(job_dir)): p.stat().st_mtime_ns for p in job_dir.rglob("*")
            if p.is_file() and not sweeps._is_bookkeeping(p.relative_to(job_dir))}


def tables(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.read_parquet(sweep_dir / "sweep.parquet"),
            pd.read_csv(sweep_dir / "sweep_failures.csv"))


@pytest.mark.slow
def test_sweep_table_failures_and_resume(tmp_path):
    sweep_dir = tmp_path / "sweep"
    # 1. job 1 raises: the other three finish, the table has them, the failure is listed
    first = sweep(tmp_path, sweep_dir, "hydra.launcher.n_jobs=2", fail="1")
    log = first.stdout + first.stderr
    assert first.returncode == 1, log
    table, failures = tables(sweep_dir)
    assert sorted(table["job"]) == [0, 2, 3]
    assert list(table.columns[:6]) == ["job", "job_dir", "seed", "scenario.servers",
                                       "scenario", "scenario.days"]
    for _, r in table.iterrows():
        overrides = [f"seed={r['seed']}", f"scenario.servers={r['scenario.servers']}"]
        assert overrides == JOBS[r["job"]]
        summary = json.loads((sweep_dir / r["job_dir"] / "summary.json").read_text())
        assert r["run.seed"] == r["seed"] == summary["run.seed"]
        assert r["mmc.observed.p_wait"] == summary["mmc.observed.p_wait"]
    assert table["seed"].dtype.kind == "i" and table["scenario"].iloc[0] == "mmc"
    assert failures["job"].tolist() == [1]
    assert "fails on purpose" in failures["error"].iloc[0]
    assert "seed=1 scenario.servers=4" in failures["overrides"].iloc[0]
    assert (sweep_dir / "1" / sweeps.FAILED).is_file()
    finished = {j: outputs(sweep_dir / str(j)) for j in (0, 2, 3)}
    assert all("summary.json" in f and "inquiries.parquet" in f for f in finished.values())

    # 2. job 1's worker is killed (as by the OS): Hydra aborts, the table is still written
    # and the finished jobs are skipped, their files untouched
    second = sweep(tmp_path, sweep_dir, "hydra.launcher.n_jobs=2", fail="kill:1")
    log = second.stdout + second.stderr
    assert second.returncode != 0, log
    table, failures = tables(sweep_dir)
    assert sorted(table["job"]) == [0, 2, 3]
    assert failures["job"].tolist() == [1]
    assert failures["error"].iloc[0].startswith("no result")
    assert {j: outputs(sweep_dir / str(j)) for j in (0, 2, 3)} == finished

    # 3. the same sweep again (in one process this time: resuming does not depend on the
    # launcher): only job 1 runs; the table is complete
    third = sweep(tmp_path, sweep_dir, "hydra/launcher=basic")
    log = third.stdout + third.stderr
    assert third.returncode == 0, log
    for j in (0, 2, 3):
        assert f"job {j} skipped: already complete" in log
    assert "job 1 skipped" not in log
    assert {j: outputs(sweep_dir / str(j)) for j in (0, 2, 3)} == finished
    table, failures = tables(sweep_dir)
    assert sorted(table["job"]) == [0, 1, 2, 3] and len(failures) == 0
    assert (sweep_dir / "1" / sweeps.DONE).is_file()
    assert not (sweep_dir / "1" / sweeps.FAILED).exists()
    assert "4 done (3 already complete), 0 failed" in log


def make_job(root: Path, name: str, num: int, overrides: list[str], status: str = "done",
             summary: dict | None = None) -> Path:
    job = root / name
    job.mkdir(parents=True)
    if status == "done":
        (job / "summary.json").write_text(json.dumps(summary or {"run.seed": num}))
        sweeps.write_json(job / sweeps.DONE, {"job": num, "overrides": overrides,
                                              "files": ["summary.json"]})
    else:
        sweeps.write_json(job / sweeps.FAILED, {"job": num, "overrides": overrides,
                                                "error": "ValueError: boom"})
    return job


def test_a_job_is_complete_only_with_the_same_overrides_and_all_its_files(tmp_path):
    job = make_job(tmp_path, "0", 0, ["seed=1"])
    assert sweeps.job_complete(job, ["seed=1"])
    assert not sweeps.job_complete(job, ["seed=2"])  # the folder now holds another job
    (job / "summary.json").unlink()
    assert not sweeps.job_complete(job, ["seed=1"])  # an output went missing
    assert not sweeps.job_complete(tmp_path / "nowhere", ["seed=1"])


def test_collect_matches_jobs_by_overrides_and_reports_missing_ones(tmp_path):
    expected = [["seed=1", "x=a"], ["seed=2", "x=b"], ["seed=3", "x=c"], ["seed=4", "x=d"]]
    make_job(tmp_path, "0", 0, expected[0], summary={"m": 1.5, "nested": {"k": [1, 2]}})
    make_job(tmp_path, "1", 1, expected[1], status="failed")
    make_job(tmp_path, "2", 2, expected[2], summary={"m": 2})
    make_job(tmp_path, "old", 7, ["seed=9", "x=z"])  # a folder of another sweep: ignored
    (tmp_path / "3").mkdir()  # started, never finished
    info = sweeps.write_tables(tmp_path, expected)
    assert (info["jobs"], info["done"], info["failed"]) == (4, 2, 2)
    table, failures = tables(tmp_path)
    assert table["job"].tolist() == [0, 2]
    assert table["seed"].tolist() == [1, 3] and table["x"].tolist() == ["a", "c"]
    assert table["m"].tolist() == [1.5, 2.0] and table["nested.k"].iloc[0] == "[1, 2]"
    assert failures["job"].tolist() == [1, 3]
    assert failures["error"].iloc[0] == "ValueError: boom"
    assert failures["error"].iloc[1].startswith("no result")
    assert failures["job_dir"].astype(str).tolist() == ["1", "3"]


def test_override_columns_are_typed_and_never_clash_with_metrics():
    rows = [{"job": 0, "job_dir": "0", "metrics": {"seed": 5, "p": 0.1},
             "overrides": ["seed=1", "practice@practices.alpha=solo", "+flag=true",
                           "d=0.5"]},
            {"job": 1, "job_dir": "1", "metrics": {"seed": 6, "p": 0.2},
             "overrides": ["seed=2", "practice@practices.alpha=duo", "+flag=false",
                           "d=15"]}]
    df = sweeps.sweep_table(rows)
    assert list(df.columns) == ["job", "job_dir", "seed", "practice@practices.alpha", "flag",
                                "d", "summary.seed", "p"]
    assert df["seed"].tolist() == [1, 2] and df["summary.seed"].tolist() == [5, 6]
    assert df["flag"].tolist() == [True, False] and df["d"].tolist() == [0.5, 15.0]


def hydra_compose(overrides: list[str]):
    """The config with its `hydra` node, as a multirun would see it."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim import CONFIG_DIR
    from sim.hydra_support import ensure_registered

    ensure_registered()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("config", overrides=overrides, return_hydra_config=True)


def test_multirun_uses_joblib_on_every_core_and_the_sweep_table_callback():
    cfg = hydra_compose([])
    assert cfg.hydra.launcher._target_.endswith("JoblibLauncher")
    assert cfg.hydra.launcher.n_jobs == -1  # joblib: one worker per core
    assert cfg.hydra.callbacks.sweep_table._target_ == "sim.sweeps.SweepCallback"


@pytest.mark.slow
@pytest.mark.parametrize(("name", "runs"), [("staffing_x_delay", 6 * 5 * 3),
                                           ("shopping_x_decay", 4 * 4 * 2)])
def test_example_sweeps_expand_to_valid_runs_in_a_fixed_folder(name, runs):
    from sim.config import to_config
    from sim.hydra_support import compose, sweep_variants

    cfg = hydra_compose([f"+sweeps={name}"])
    assert cfg.hydra.sweep.dir == f"results/sweeps/{name}"  # fixed: resumable
    params = {k: str(v) for k, v in cfg.hydra.sweeper.params.items()}
    assert len(sweeps.expected_jobs(cfg)) == runs  # as its comment says
    for overrides in sweep_variants([f"{k}={v}" for k, v in params.items()]):
        to_config(compose([f"+sweeps={name}", *overrides]))  # every swept value is valid


@pytest.mark.slow
def test_ray_launcher_runs_a_sweep_on_a_local_ray(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    pytest.importorskip("ray")
    sweep_dir = tmp_path / "sweep"
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", sweeps.FAIL_ENV)}
    env["RAY_AUTH_MODE"] = "disabled"
    cmd = [sys.executable, "-m", "sim", "-m", "seed=1,2", "scenario=mmc", "scenario.days=1",
           "hydra/launcher=ray", f"hydra.sweep.dir={sweep_dir}",
           "+hydra.launcher.ray.init.num_cpus=2",
           "+hydra.launcher.ray.init.include_dashboard=false"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table, failures = tables(sweep_dir)
    assert sorted(table["job"]) == [0, 1] and table["seed"].tolist() == [1, 2]
    assert len(failures) == 0


@pytest.mark.slow
def test_submitit_runs_a_sweep_and_the_slurm_config_composes(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", sweeps.FAIL_ENV)}
    shown = subprocess.run(
        [sys.executable, "-m", "sim", "hydra/launcher=slurm", "hydra.launcher.partition=short",
         "--cfg", "hydra", "--package", "hydra.launcher"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "SlurmLauncher" in shown.stdout and "partition: short" in shown.stdout
    # the same launcher plugin, executing locally instead of through SLURM
    sweep_dir = tmp_path / "sweep"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "seed=1,2", "scenario=mmc", "scenario.days=1",
         "hydra/launcher=submitit_local", f"hydra.sweep.dir={sweep_dir}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table, failures = tables(sweep_dir)
    assert sorted(table["job"]) == [0, 1] and len(failures) == 0


def test_the_callback_records_jobs_of_apps_that_do_not_use_run_job(tmp_path):
    from hydra.core.utils import JobStatus
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from sim.hydra_adapter import job_return

    def job_config(num: int, overrides: list[str]):
        return OmegaConf.create({"hydra": {
            "mode": RunMode.MULTIRUN, "job": {"num": num},
            "runtime": {"output_dir": str(tmp_path / str(num))},
            "overrides": {"task": overrides}}})

    callback = sweeps.SweepCallback()
    for num in (0, 1):
        (tmp_path / str(num)).mkdir()
        (tmp_path / str(num) / "summary.json").write_text(json.dumps({"m": num}))
    done = job_return(JobStatus.COMPLETED, None)
    callback.on_job_end(job_config(0, JOBS[0]), done)
    try:
        raise ValueError("no such plan\nsecond line")
    except ValueError as exc:
        failed = job_return(JobStatus.FAILED, exc)
    callback.on_job_end(job_config(1, JOBS[1]), failed)
    # Hydra now sees a finished job (it would otherwise abort the sweep after the batch)
    assert failed.status == JobStatus.COMPLETED
    assert failed.return_value == {"failed": "ValueError: no such plan"}
    assert sweeps.job_complete(tmp_path / "0", JOBS[0])
    marker = json.loads((tmp_path / "1" / sweeps.FAILED).read_text())
    assert "Traceback" in marker["traceback"] and marker["overrides"] == JOBS[1]
    sweeps.write_tables(tmp_path, JOBS[:2])
    table, failures = tables(tmp_path)
    assert table["job"].tolist() == [0] and failures["job"].tolist() == [1]


def test_override_columns_hold_what_the_job_ran_with():
    """A later override of the same job can change a swept key (`market.days=5,6
    'market={days:7}'` runs 7 days): the column says 7, from the job's config."""
    overrides = ["market.days=5", "market={days:7}", "seed=3", "plan=current",
                 "practice@practices.alpha=answering_service",
                 "market.inquiry_spread_minutes=30.0", "++reputation.enabled=false"]
    cfg = hydra_compose(overrides)
    values = sweeps.effective_values(cfg, overrides, cfg.hydra.runtime.choices)
    # groups, deletions and nodes keep their text; the rest is what the config holds
    assert values == {"market.days": 7, "seed": 3, "market.inquiry_spread_minutes": 30.0,
                      "reputation.enabled": False}
    rows = [{"job": 0, "job_dir": "0", "metrics": {}, "overrides": overrides,
             "values": values}]
    table = sweeps.sweep_table(rows)
    assert table["market.days"].tolist() == [7] and table["market"].tolist() == ["{days:7}"]
    assert table["plan"].tolist() == ["current"] and table["seed"].tolist() == [3]
    assert table["reputation.enabled"].tolist() == [False]
    # a deletion keeps its text; a key the config does not have keeps the override's
    from omegaconf import OmegaConf

    plain = OmegaConf.create({"a": 1, "b": {"c": [1, 2]}})
    assert sweeps.effective_values(plain, ["~a", "b.c=[3]", "z=4", "a=2"]) == {"a": 1}


def test_override_columns_keep_the_type_of_the_value_the_job_ran_with():
    """Text that looks like a number stays text ('007'); a job whose _DONE predates the
    recorded values (only its override's text) makes the column text, typed as before."""
    overrides = ["prospect.source='007'", "seed=4", "market.days=30"]
    cfg = hydra_compose(overrides)
    values = sweeps.effective_values(cfg, overrides, cfg.hydra.runtime.choices)
    assert values == {"prospect.source": "007", "seed": 4, "market.days": 30}
    rows = [{"job": 0, "job_dir": "0", "metrics": {}, "overrides": overrides,
             "values": values},
            {"job": 1, "job_dir": "1", "metrics": {}, "overrides": ["seed=5", "x=1"],
             "values": {"seed": 5}},
            {"job": 2, "job_dir": "2", "metrics": {}, "overrides": ["seed=6", "x=2.5"]}]
    table = sweeps.sweep_table(rows)
    assert table["prospect.source"].tolist()[0] == "007"
    assert str(table["market.days"].dtype) == "Int64"
    assert table["seed"].tolist() == [4, 5, 6] and str(table["seed"].dtype) == "Int64"
    assert table["x"].tolist()[1:] == [1.0, 2.5]


def test_expected_jobs_keep_an_interpolation_as_the_job_records_it():
    """`seed=${scenario.servers}`: the job records the override unresolved; the sweep's
    list of jobs must too, or every finished job is reported as 'no result'."""
    cfg = hydra_compose(["seed=${scenario.servers}"])
    assert sweeps.expected_jobs(cfg) == [["seed=$\\{scenario.servers\\}"]]


def test_expected_jobs_expand_a_glob_sweep_of_a_config_group():
    """`plan='glob(s*)'`: the jobs are known up front, so a lost one is reported and an
    older sweep's folders in the same place are not taken for this sweep's."""
    from omegaconf import open_dict, read_write

    cfg = hydra_compose([])  # as the multirun's config: the sweep on its command line
    with read_write(cfg), open_dict(cfg):
        cfg.hydra.overrides.task = ["plan=glob(s*)", "seed=1,2"]
    assert sweeps.expected_jobs(cfg) == [
        [f"plan={p}", f"seed={s}"] for p in ("saturday_shift", "second_front_desk")
        for s in (1, 2)]


def test_an_interrupt_while_the_table_is_written_leaves_it_to_the_cli(tmp_path, monkeypatch):
    """Ctrl-C during on_multirun_end (importing pandas for the table): the CLI's
    finish_interrupted still writes the table of the finished jobs."""
    make_job(tmp_path, "0", 0, ["seed=1"])
    callback = sweeps.SweepCallback()
    callback.sweep_dir, callback.expected, callback.started = tmp_path, [["seed=1"]], None
    monkeypatch.setattr(sweeps, "_active", callback)
    real = sweeps.write_tables
    calls = []

    def interrupted_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(sweeps, "write_tables", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        callback.finish()
    assert not (tmp_path / sweeps.TABLE).exists()
    sweeps.finish_interrupted()
    assert tables(tmp_path)[0]["job"].tolist() == [0] and sweeps._active is None


def test_outputs_are_written_with_the_usual_file_mode(tmp_path):
    """Not mkstemp's 0600: a results folder shared on a cluster must be readable."""
    import sim
    from sim import fileio

    sim.run(sim.load_config(["scenario=mmc", "scenario.days=1"])).save(tmp_path / "run")
    sweeps.write_tables(tmp_path, None)
    files = [*(tmp_path / "run").iterdir(), tmp_path / sweeps.TABLE]
    assert files and {f.stat().st_mode & 0o777 for f in files} == {0o666 & ~fileio._UMASK}


@pytest.mark.parametrize("app", ["config", "speed_to_lead", "compare_staffing"])
def test_every_leadsim_app_writes_the_sweep_table(app):
    """Each Hydra app's config has the sweep_table callback (README "Sweeps")."""
    from experiments import speed_to_lead
    from sim.hydra_support import compose

    speed_to_lead.register_configs()  # its schema, as its main() does
    cfg = compose([], config_name=app, hydra_node=True)
    assert cfg.hydra.callbacks.sweep_table._target_ == "sim.sweeps.SweepCallback"


@pytest.mark.slow
def test_a_sigterm_stops_a_sweep_like_ctrl_c(tmp_path):
    """kill (or a scheduler's SIGTERM) while jobs run: the workers stop, the table of what
    finished is written, one line says so, exit 130, and nothing is left running."""
    import signal
    import time

    import psutil

    sweep_dir = tmp_path / "sweep"
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", sweeps.FAIL_ENV)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "-m", "market.days=60", "seed=1,2,3,4,5,6",
         f"hydra.sweep.dir={sweep_dir}", "hydra.launcher.n_jobs=2"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (sweep_dir / "multirun.yaml").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the workers are starting or running jobs
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert err.strip().splitlines()[-1].startswith("interrupted: "), err[-2000:]
    assert "Traceback" not in err
    table, failures = tables(sweep_dir)
    assert len(table) + len(failures) == 6
    gone, alive = psutil.wait_procs(children, timeout=20)
    assert not alive, [p.pid for p in alive]


def test_the_same_job_is_recognised_in_any_order_that_cannot_change_its_config():
    key = sweeps.job_key
    assert key(["seed=1", "market.days=5"]) == key(["market.days=5", "seed=1"])
    # a key and a key inside it keep their order (Hydra applies them in order) ...
    assert key(["seed=1", "a=x", "a.b=1"]) == key(["a=x", "a.b=1", "seed=1"])
    assert key(["a.b=1", "a=x"]) != key(["a=x", "a.b=1"])
    # ... but a config group's choice is made before any value is set
    groups = frozenset({"scenario", "practice"})
    assert key(["scenario.days=1", "scenario=mmc"], groups) == key(
        ["scenario=mmc", "scenario.days=1"], groups)
    assert key(["practices.a.staff=1", "practice@practices.a=x"], groups) == key(
        ["practice@practices.a=x", "practices.a.staff=1"], groups)
    assert key(["scenario.days=1", "scenario={days:2}"], groups) != key(
        ["scenario={days:2}", "scenario.days=1"], groups)  # a dict is merged in order
    # added groups are appended to the defaults in order: the practices' order changes
    e, z = "+practice@practices.epsilon=social_first", "+practice@practices.zeta=solo"
    assert key([e, z], groups) != key([z, e], groups)
    assert key(["seed=1", "++seed=7"]) != key(["++seed=7", "seed=1"])  # ... as a key twice
    assert key(["seed=1", "market.days=5"]) != key(["seed=1", "market.days=6"])
    assert sweeps._same_job(["market.days=5", "seed=1"], ["seed=1", "market.days=5"])
    assert not sweeps._same_job(None, ["seed=1"])


def _sim_sweep(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", sweeps.FAIL_ENV)}
    return subprocess.run([sys.executable, "-m", "sim", "-m", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_a_sweep_never_overwrites_another_sweeps_finished_jobs(tmp_path):
    """A reused hydra.sweep.dir: another sweep is refused before it runs (it would write
    its job 0 into folder 0, over the finished job there); the same sweep with its
    overrides in another order resumes; a later job added after the earlier values runs
    alone; with other folder names each job checks its own folder."""
    sweep_dir = tmp_path / "sweep"
    at = f"hydra.sweep.dir={sweep_dir}"
    first = sweep(tmp_path, sweep_dir, "hydra/launcher=basic")
    assert first.returncode == 0, first.stderr[-2000:]
    finished = {j: outputs(sweep_dir / str(j)) for j in range(4)}
    table_bytes = (sweep_dir / "sweep.parquet").read_bytes()

    other = _sim_sweep(tmp_path, "seed=3,4", "scenario.servers=3,4", "scenario=mmc",
                       "scenario.days=1", at, "hydra/launcher=basic")
    assert other.returncode == 2, other.stderr[-2000:]
    lines = other.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {at}: folder 0 holds the "
                                                   "finished job 'seed=1 scenario.servers=3"), lines
    assert "4 folders like it" in lines[0]
    assert {j: outputs(sweep_dir / str(j)) for j in range(4)} == finished
    assert (sweep_dir / "sweep.parquet").read_bytes() == table_bytes
    assert sorted(p.name for p in sweep_dir.iterdir() if p.is_dir()) == ["0", "1", "2", "3"]

    # the swept servers first would number the jobs differently: refused as well
    swapped = _sim_sweep(tmp_path, "scenario.servers=3,4", "seed=1,2", "scenario=mmc",
                         "scenario.days=1", at, "hydra/launcher=basic")
    assert swapped.returncode == 2 and "folder 1 holds" in swapped.stderr, swapped.stderr

    # the fixed overrides moved to the front, a value added at the end of the first
    # sweep: the same jobs in the same folders (skipped), and two new ones
    again = _sim_sweep(tmp_path, "scenario=mmc", "scenario.days=1", "seed=1,2,3",
                       "scenario.servers=3,4", at, "hydra/launcher=basic")
    log = again.stdout + again.stderr
    assert again.returncode == 0, log[-2000:]
    assert "6 jobs, 6 done (4 already complete)" in log
    assert {j: outputs(sweep_dir / str(j)) for j in range(4)} == finished

    # a folder named from the job number or the overrides: refused up front too, and
    # nothing in the finished job's folder is touched (not even Hydra's .hydra/ files)
    named = [f"hydra.sweep.dir={tmp_path / 'named'}", "hydra.sweep.subdir=n${hydra.job.num}",
             "hydra/launcher=basic", "scenario=mmc", "scenario.days=1"]
    assert _sim_sweep(tmp_path, "seed=1,2", *named).returncode == 0
    before = {str(p): p.stat().st_mtime_ns for p in (tmp_path / "named").rglob("*")}
    refused = _sim_sweep(tmp_path, "seed=5,2", *named)
    assert refused.returncode == 2 and "folder n0 holds the finished job" in refused.stderr
    assert {str(p): p.stat().st_mtime_ns for p in (tmp_path / "named").rglob("*")} == before

    # a folder named from the job's own values cannot be worked out before the jobs run:
    # each job of `python -m sim` refuses a folder holding another job's results
    by_seed = [f"hydra.sweep.dir={tmp_path / 'by_seed'}", "hydra.sweep.subdir=s${seed}",
               "hydra/launcher=basic", "scenario=mmc", "scenario.days=1", "seed=1,2"]
    assert _sim_sweep(tmp_path, "scenario.servers=3", *by_seed).returncode == 0
    kept = outputs(tmp_path / "by_seed" / "s1")
    refused = _sim_sweep(tmp_path, "scenario.servers=4", *by_seed)
    assert refused.returncode == 1, refused.stderr[-2000:]
    table, failures = tables(tmp_path / "by_seed")
    assert table.empty and failures["job"].tolist() == [0, 1]
    assert "holds the finished job 'scenario.servers=3" in failures["error"].iloc[0]
    assert outputs(tmp_path / "by_seed" / "s1") == kept


def test_sweep_summary_gives_each_setting_its_mean_and_interval_over_the_seeds(tmp_path):
    from sim import sweep_summary

    jobs = [[f"seed={s}", f"x={x}"] for x in ("a", "b") for s in (1, 2, 3)]
    values = {"a": [1.0, 2.0, 6.0], "b": [10.0, 10.0, 10.0]}
    for num, overrides in enumerate(jobs):
        x, seed = overrides[1][2:], int(overrides[0][5:])
        make_job(tmp_path, str(num), num, overrides,
                 summary={"m": values[x][seed - 1], "run": {"seed": seed}, "label": "t"})
    sweeps.write_tables(tmp_path, jobs)
    out = sweep_summary.main([str(tmp_path), "--metrics", "m"])
    summary = pd.read_csv(out)
    assert out == tmp_path / "sweep_summary.csv"
    assert summary.columns.tolist() == ["x", "metric", "replications", "mean", "sd", "ci_low",
                                        "ci_high", "interval"]
    a, b = summary.iloc[0], summary.iloc[1]
    assert (a["x"], a["replications"], a["mean"]) == ("a", 3, 3.0)
    assert a["ci_low"] < 3.0 < a["ci_high"] and (b["mean"], b["ci_low"]) == (10.0, 10.0)
    # every numeric metric by default (not the text one, not the overrides, not the run's
    # settings: run.seed was summarised as if it were a metric)
    every = pd.read_csv(sweep_summary.main([str(tmp_path / "sweep.parquet")]))
    assert sorted(set(every["metric"])) == ["m"]


def test_sweep_summary_keeps_shares_inside_zero_and_one(tmp_path, capsys):
    """A booking rate over three seeds printed ci_low -0.020: a share's interval is the
    t-interval of its log-odds (and says so); a count keeps the plain t-interval."""
    from sim import sweep_summary

    rates, inquiries = [0.01, 0.05, 0.002], [100, 120, 500]
    jobs = [[f"seed={s}"] for s in (1, 2, 3)]
    for num, overrides in enumerate(jobs):
        make_job(tmp_path, str(num), num, overrides, summary={
            "run.seed": num + 1, "run.days": 30, "run.prospects": 900 + num,
            "practices.alpha.booking_rate": rates[num],
            "practices.alpha.inquiries": inquiries[num],
            "practices.alpha.bookings": rates[num] * inquiries[num]})
    sweeps.write_tables(tmp_path, jobs)
    out = sweep_summary.main([str(tmp_path)])
    printed = capsys.readouterr().out
    rows = pd.read_csv(out).set_index("metric")
    assert "run.seed" not in rows.index and "run.days" not in rows.index
    assert "run.prospects" in rows.index  # varies with the seed: a metric
    rate = rows.loc["practices.alpha.booking_rate"]
    assert rate["interval"] == "t on log-odds" and 0 < rate["ci_low"] < 0.002
    assert rate["ci_high"] < 1
    assert rows.loc["practices.alpha.bookings", "interval"] == "t"
    assert "1 setting x 4 metrics, 3 replications each (seed)" in printed
    assert "(shares: on the log-odds)" in printed
    with pytest.raises(SystemExit):
        sweep_summary.main([str(tmp_path), "--metrics", "run.days"])
    assert "run.days is a setting of the run, not a metric" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "key"), [
    (["--replicate", "run"], "--replicate"), (["--metrics", "nope*"], "--metrics"),
    (["--by", "y"], "--by"), (["--confidence", "95"], "--confidence"),
    (["--by", "replications"], "--by")])
def test_sweep_summary_bad_input_is_one_line_and_writes_nothing(tmp_path, args, key):
    make_job(tmp_path, "0", 0, ["seed=1", "x=a"], summary={"m": 1.0})
    sweeps.write_tables(tmp_path, [["seed=1", "x=a"]])
    proc = subprocess.run([sys.executable, "-m", "sim.sweep_summary", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith(f"error: {key}:"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "sweep_summary.csv").exists()
    missing = subprocess.run([sys.executable, "-m", "sim.sweep_summary", str(tmp_path / "no")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and missing.stderr.startswith("error: sweep: no sweep.parquet")
    not_parquet = subprocess.run([sys.executable, "-m", "sim.sweep_summary",
                                  str(tmp_path / "sweep_failures.csv")],
                                 capture_output=True, text=True, timeout=60)
    assert not_parquet.returncode == 2, not_parquet.stderr
    assert not_parquet.stderr.startswith("error: sweep: ") and "Traceback" not in not_parquet.stderr


def test_sweep_summary_of_a_sweep_without_seeds_or_metrics(tmp_path):
    from sim import sweep_summary

    jobs = [["x=a"], ["x=b"]]
    for num, overrides in enumerate(jobs):
        make_job(tmp_path / "days", str(num), num, overrides, summary={"m": num, "nan": None})
    sweeps.write_tables(tmp_path / "days", jobs)
    with pytest.raises(SystemExit):  # no seed column: nothing was replicated
        sweep_summary.main([str(tmp_path / "days")])
    # --by lists the settings, one replication each; a metric without values is left out
    rows = pd.read_csv(sweep_summary.main([str(tmp_path / "days"), "--by", "x"]))
    assert rows["metric"].tolist() == ["m", "m"] and rows["replications"].tolist() == [1, 1]
    # jobs that wrote no summary.json (speed_to_lead, compare_staffing): nothing to summarise
    for num in range(2):
        make_job(tmp_path / "bare", str(num), num, [f"seed={num}"])
        (tmp_path / "bare" / str(num) / "summary.json").unlink()
    sweeps.write_tables(tmp_path / "bare", [["seed=0"], ["seed=1"]])
    with pytest.raises(SystemExit):
        sweep_summary.main([str(tmp_path / "bare")])
    assert not (tmp_path / "bare" / "sweep_summary.csv").exists()
