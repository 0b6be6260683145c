"""Sweeps: many runs of one leadsim Hydra app, resumable, ending in one tidy table.

    python -m sim -m seed=1,2,3,4 market.days=30,90 hydra.sweep.dir=results/sweeps/mine

Hydra expands the sweep and a launcher runs the jobs (joblib on this machine by default,
Ray or submitit/SLURM on a cluster). This module adds what Hydra leaves to the app:

- `run_job(cfg, body)`: the body of one job, made safe for sweeps. A job whose folder
  already holds a complete result for the same overrides is skipped (resume). A job that
  raises writes a `FAILED` marker with the error and returns normally, so one bad job
  never aborts the others: Hydra 1.3 would otherwise re-raise the first failure after the
  whole batch and never call `on_multirun_end`, losing the sweep table.
- `SweepCallback` (registered under `hydra.callbacks` in configs/config.yaml): when the
  sweep ends it writes `sweep.parquet` (one row per finished job: `job`, `job_dir`, each
  override as a column holding the value the job ran with, then every metric of the
  job's summary.json) and
  `sweep_failures.csv` (`job`, `overrides`, `error`, `job_dir`) into the sweep folder.
  For an app that does not wrap its job in `run_job` it also records each job when it
  ends and turns a raised error into a recorded failure, so such an app gets the table and
  the failure handling from its config alone; only resuming needs `run_job`.

A job is *complete* when its folder holds `_DONE`, written atomically after every output
file, recording the job's overrides and the files it wrote; resuming needs the same job
folder (so a fixed `hydra.sweep.dir`, not the default timestamped one), the same
overrides (in any order that cannot change the config: `job_key`), and every recorded file
still present. A finished job is never overwritten by another one: `refuse_overwrite`
stops such a sweep before it starts, and `run_job` refuses a folder holding another job.

Test hook: `LEADSIM_FAIL_JOB` (comma-separated job numbers or overrides, e.g. `2` or
`seed=3`) makes the matching jobs raise before they run; `kill:2` makes job 2's process
die instead (SIGKILL, like the OS killing a worker). Tests use it; nobody else should.

One module, long on purpose: a job's markers (`_DONE`, `FAILED`), its key
(`job_key`) and the sweep's table are one protocol, the job writing what the table reads,
so they change together; the two halves are marked (one job, the table).
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from .fileio import write_atomic
from .hydra_adapter import BASIC_SWEEPER, job_error

log = logging.getLogger(__name__)

DONE = "_DONE"
FAILED = "FAILED"
TABLE = "sweep.parquet"
FAILURES = "sweep_failures.csv"
FAIL_ENV = "LEADSIM_FAIL_JOB"
OVERRIDES_ATTR = "leadsim_overrides"  # sweep.parquet's attrs: its override columns
# leadsim's sweeper (hydra_plugins/leadsim_sweeper) expands a sweep as BasicSweeper does
LEADSIM_SWEEPER = "hydra_plugins.leadsim_sweeper.leadsim_sweeper.LeadsimSweeper"

# What the last sweep of this process found (read by the CLI for its exit status).
last_sweep: dict | None = None
_active: SweepCallback | None = None
# The job folder `run_job` handled last in this process (so the callback leaves it alone).
_wrapped_job: str | None = None


# --------------------------------------------------------------------------- one job


def run_job(cfg: Any, body: Callable[[Any], Any]) -> Any:
    """Run `body(cfg)` as one job of a sweep: skip it when complete, record a failure.

    Outside a multirun this is just `body(cfg)`. Returns body's value, the saved summary
    of a skipped job, or `{"failed": error}` for a job that raised."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    global _wrapped_job
    hc = HydraConfig.get()
    if hc.mode != RunMode.MULTIRUN:
        return body(cfg)
    out = Path(hc.runtime.output_dir)
    overrides = [str(o) for o in hc.overrides.task]
    num = int(hc.job.num)
    _wrapped_job = str(out)
    groups = group_names(hc.runtime.choices)
    if job_complete(out, overrides, groups):
        log.info("job %d skipped: already complete in %s", num, out)
        summary = out / "summary.json"
        return json.loads(summary.read_text()) if summary.exists() else None
    other = _finished_elsewhere(out, overrides, groups)
    if other is not None:  # never overwrite another job's results (the sweep's own check
        # in on_multirun_start covers the default folders; this covers the rest)
        error = (f"not run: its folder {out} holds the finished job '{' '.join(other)}', "
                 "left as it is (use a new hydra.sweep.dir)")
        log.error("job %d %s", num, error)
        write_json(out / FAILED, {"job": num, "overrides": overrides, "error": error,
                                  "traceback": ""})
        return {"failed": error}
    for stale in (DONE, FAILED):  # this folder is being (re)made: it is incomplete until
        (out / stale).unlink(missing_ok=True)  # _DONE is written again
    started = time.perf_counter()
    try:
        _fail_hook(num, overrides)
        value = body(cfg)
    except Exception as exc:
        return {"failed": record_failed(out, num, overrides, exc)}
    record_done(out, num, overrides, time.perf_counter() - started,
                effective_values(cfg, overrides, hc.runtime.choices))
    return value


def record_done(out: Path, num: int, overrides: list[str], seconds: float | None,
                values: dict[str, str] | None = None) -> None:
    """Write `_DONE` (last, atomically): the overrides, what their keys held in the job's
    config (`effective_values`) and every output file of the job."""
    (out / FAILED).unlink(missing_ok=True)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*")
                   if p.is_file() and not _is_bookkeeping(p.relative_to(out)))
    write_json(out / DONE, {"job": num, "overrides": overrides, "values": values or {},
                            "files": files,
                            "seconds": None if seconds is None else round(seconds, 3),
                            "finished": time.strftime("%Y-%m-%dT%H:%M:%S")})


def effective_values(cfg: Any, overrides: list[str], choices: Any = ()) -> dict[str, Any]:
    """The value each override's key held in the job's config `cfg` (None, a bool, a
    number or text; an enum by name), for the table's override columns: usually the
    override's own value, but not when another override of the job changed it afterwards
    (`market.days=5,6 'market={days:7}'` runs 7 days). Config-group choices (`choices`:
    Hydra's `runtime.choices`), deletions, and keys that hold a dict or list keep the
    override's text (they are not in the result)."""
    from omegaconf import OmegaConf

    values = {}
    for o in overrides:
        key, sep, _ = o.partition("=")
        if not sep or key.startswith("~"):
            continue
        key = key.lstrip("+")
        if key in choices or "@" in key or "/" in key:
            continue
        try:
            value = OmegaConf.select(cfg, key, default=_ABSENT, throw_on_missing=False)
        except Exception:  # an interpolation that does not resolve: leave the text
            continue
        if value is _ABSENT or OmegaConf.is_config(value) or isinstance(value, dict | list):
            continue
        values[key] = value.name if isinstance(value, Enum) else value
    return values


_ABSENT = object()


def _as_override_text(value: Any) -> str:
    """A config value as it is written on the command line (true, null, 0.5, text)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def record_failed(out: Path, num: int, overrides: list[str], exc: BaseException) -> str:
    """Write `FAILED` with the error and its traceback; return the one-line error."""
    (out / DONE).unlink(missing_ok=True)
    error = error_line(exc)
    log.error("job %d failed: %s (traceback in %s)", num, error, out / FAILED)
    write_json(out / FAILED, {"job": num, "overrides": overrides, "error": error,
                              "traceback": "".join(traceback.format_exception(exc))})
    return error


def job_complete(out: Path, overrides: list[str], groups: frozenset[str] = frozenset()) -> bool:
    """`out` holds a finished job with these overrides (in any order Hydra treats as the
    same job, see `job_key`) and all its files."""
    marker = read_json(out / DONE)
    if marker is None or not _same_job(marker.get("overrides"), overrides, groups):
        return False
    return all((out / f).is_file() for f in marker.get("files", []))


def job_key(overrides: list[str], groups: frozenset[str] = frozenset()
            ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A job's overrides as a key that is the same for the same job however its overrides
    are ordered (`seed=1 market.days=5` and `market.days=5 seed=1`): config-group choices
    (`groups`: the app's config groups) and those that reach a key no other one reaches,
    sorted; then, in their order, those whose order can change the config: two that reach
    the same key (a key twice, `a` and `a.b`: Hydra sets them in order) and added groups."""
    from .sweep_check import keys_overlap

    ordered: set[int] = set()
    paths: dict[int, str] = {}  # what each override that sets a value reaches
    for i, o in enumerate(overrides):
        key, _, value = o.partition("=")
        if key.split("@")[0] in groups and not value.startswith("{"):
            continue  # a group's choice: Hydra makes it before any value, whatever the order
        paths[i] = key.lstrip("+~").split("@")[-1]
        if key.startswith("+") and key.lstrip("+").split("@")[0] in groups:
            ordered.add(i)  # an added group (`+group@pkg=x`) is appended to the defaults in
            # command-line order, which can change the config (the practices' order)
    ordered |= {i for i in paths for j in paths if i != j and keys_overlap([paths[i], paths[j]])}
    return (tuple(sorted(o for i, o in enumerate(overrides) if i not in ordered)),
            tuple(o for i, o in enumerate(overrides) if i in ordered))


def group_names(choices: Any) -> frozenset[str]:
    """The config groups of Hydra's `runtime.choices` (`practice@practices.alpha` ->
    `practice`)."""
    return frozenset(str(k).split("@")[0] for k in (choices or {}))


def _same_job(recorded: Any, overrides: list[str], groups: frozenset[str] = frozenset()
              ) -> bool:
    return (isinstance(recorded, list)
            and job_key(recorded, groups) == job_key(list(overrides), groups))


def _finished_elsewhere(out: Path, overrides: list[str], groups: frozenset[str] = frozenset()
                        ) -> list[str] | None:
    """The overrides of another job whose finished results `out` holds, if any."""
    marker = read_json(out / DONE)
    if marker is None or not isinstance(marker.get("overrides"), list):
        return None
    return None if _same_job(marker["overrides"], overrides, groups) else marker["overrides"]


def _job_folder(config, subdir: Any, num: int, job: list[str]) -> str | None:
    """The folder (`hydra.sweep.subdir`) Hydra gives job `num`, when it is made of the job
    number, the overrides (`hydra.job.override_dirname`) and text; None otherwise."""
    from omegaconf import OmegaConf

    if subdir == "${hydra.job.num}":
        return str(num)
    try:
        dirname = config.hydra.job.config.override_dirname
        exclude = set(dirname.exclude_keys)
        kept = sorted(o for o in job if o.partition("=")[0].lstrip("+~").split("@")[0]
                      not in exclude)
        name = str(config.hydra.job.name)
        node = OmegaConf.create({"hydra": {"job": {
            "num": num, "name": name, "id": f"{name}_{num}",
            "override_dirname": dirname.item_sep.join(kept).replace("=", dirname.kv_sep)}},
            "subdir": subdir})
        return str(node.subdir)
    except Exception:  # refers to the job's own config (${seed}) or anything else
        return None


def refuse_overwrite(config, sweep_dir: Path, expected: list[list[str]] | None,
                     groups: frozenset[str] = frozenset()) -> None:
    """Stop a sweep, before any job runs, that would overwrite finished results: its job
    folders (`hydra.sweep.subdir`, by default the job number) hold jobs of another sweep,
    or of the same sweep given in another order, in a reused `hydra.sweep.dir`. Prints one
    line and exits with status 2, writing nothing."""
    from omegaconf import OmegaConf

    if expected is None or not sweep_dir.is_dir():
        return
    subdir = OmegaConf.to_container(config.hydra.sweep, resolve=False).get("subdir")
    clashes = []
    for num, job in enumerate(expected):
        folder = _job_folder(config, subdir, num, job)
        if folder is None:
            continue  # a folder name we cannot work out here: run_job checks the folder
        other = _finished_elsewhere(sweep_dir / folder, job, groups)
        if other is not None:
            clashes.append((folder, other, job))
    if not clashes:
        return
    num, other, job = clashes[0]
    more = f" ({len(clashes)} folders like it)" if len(clashes) > 1 else ""
    print(f"error: hydra.sweep.dir={sweep_dir}: folder {num} holds the finished job "
          f"'{' '.join(other)}', which this sweep's job '{' '.join(job)}' would "
          f"overwrite{more} (allowed: a new hydra.sweep.dir, or the sweep that ran there "
          "with its overrides in the same order, which skips the finished jobs; new "
          "values at the end of its first sweep keep their folders)", file=sys.stderr)
    raise SystemExit(2)


def _is_bookkeeping(rel: Path) -> bool:
    """Hydra's own files (.hydra/), hidden temporary files, the markers and the logs:
    what a resumed job rewrites or appends to."""
    return rel.parts[0].startswith(".") or rel.parts[0] in (DONE, FAILED) or rel.suffix == ".log"


def _fail_hook(num: int, overrides: list[str]) -> None:
    spec = os.environ.get(FAIL_ENV, "").strip()
    if not spec:
        return
    for item in (s.strip() for s in spec.split(",")):
        kill = item.startswith("kill:")
        item = item.removeprefix("kill:")
        if item == str(num) or (item and "=" in item and item in overrides):
            if kill:  # the worker dies as if the OS killed it (out of memory, pre-empted)
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"{FAIL_ENV}={spec}: job {num} fails on purpose")


def error_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: dict) -> None:
    write_atomic(path, lambda p: Path(p).write_text(json.dumps(data, indent=1) + "\n"))


# --------------------------------------------------------------------------- the table


class SweepCallback(Callback):
    """Writes `sweep.parquet` and `sweep_failures.csv` into the sweep folder at the end."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.expected: list[list[str]] | None = None
        self.sweep_dir: Path | None = None
        self.groups: frozenset[str] = frozenset()

    def on_multirun_start(self, config, **kwargs: Any) -> None:
        global _active
        self.started = time.time()
        self.sweep_dir = Path(str(config.hydra.sweep.dir))
        self.expected = expected_jobs(config)
        self.groups = group_names(config.hydra.runtime.get("choices"))
        refuse_overwrite(config, self.sweep_dir, self.expected, self.groups)
        _active = self

    def on_multirun_end(self, config, **kwargs: Any) -> None:
        self.finish()

    def on_job_end(self, config, job_return, **kwargs: Any) -> None:
        """For an app whose job body is not wrapped in `run_job`: record the job the same
        way, and turn a raised error into a recorded one so Hydra goes on with the sweep
        (runs in the job's process, before the result goes back to the sweeper)."""
        from hydra.core.utils import JobStatus
        from hydra.types import RunMode

        if config.hydra.mode != RunMode.MULTIRUN:
            return
        out = Path(str(config.hydra.runtime.output_dir))
        if _wrapped_job == str(out):
            return
        num = int(config.hydra.job.num)
        overrides = [str(o) for o in config.hydra.overrides.task]
        if job_return.status == JobStatus.COMPLETED:
            choices = config.hydra.runtime.get("choices") or {}
            record_done(out, num, overrides, None, effective_values(config, overrides, choices))
        elif job_return.status == JobStatus.FAILED:
            error = record_failed(out, num, overrides, job_error(job_return))
            job_return.status = JobStatus.COMPLETED
            job_return.return_value = {"failed": error}

    def finish(self, interrupted: bool = False) -> dict:
        """Collect the job folders and write the two files; safe to call once per sweep."""
        global _active, last_sweep
        assert self.sweep_dir is not None
        # `_active` stays set until the table is written: an interrupt while writing it
        # (Ctrl-C during the imports) leaves the CLI's finish_interrupted to write it
        last_sweep = write_tables(self.sweep_dir, self.expected, self.started, self.groups)
        _active = None
        s = last_sweep
        how = "stopped early" if interrupted else "finished"
        log.info("sweep %s: %d jobs, %d done (%d already complete), %d failed; table %s%s",
                 how, s["jobs"], s["done"], s["resumed"], s["failed"], s["table"],
                 f"; failures {s['failures']}" if s["failed"] else "")
        if s["seeds"] > 1 and s["metrics"] > 0:
            from .cli import prog

            log.info("means over the seeds with 95%% intervals: %s %s",
                     "leadsim sweep-summary" if prog("") else "python -m sim.sweep_summary",
                     self.sweep_dir)
        return last_sweep


def finish_interrupted() -> None:
    """Called by the CLI after Hydra returns or raises: if a sweep started but Hydra never
    reached `on_multirun_end` (a worker killed, Ctrl-C), still write what finished."""
    if _active is not None and _active.sweep_dir is not None:
        try:
            _active.finish(interrupted=True)
        except Exception as exc:  # never hide the original error behind this one
            log.warning("could not write the sweep table: %s", error_line(exc))


def run_app(app: Callable[[], Any], failed_jobs_exit: bool = True) -> None:
    """Run a leadsim Hydra app from its command line. A SIGTERM (a scheduler's or `kill`)
    stops it as Ctrl-C does: joblib stops its workers, and the sweep table gets the jobs
    that finished (`finish_interrupted`, also after a sweep Hydra aborted). An interrupt
    ends with one line and exit status 130, no traceback; with `failed_jobs_exit`, a sweep
    whose jobs failed ends with exit status 1 (the jobs are in sweep_failures.csv)."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    interrupted = False
    try:
        app()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous)
        finish_interrupted()
    if interrupted:
        s = last_sweep
        print("interrupted" + (f": {s['done']} of {s['jobs']} sweep jobs done, in {s['table']};"
                               " run the same command again to resume the others"
                               if s else ""), file=sys.stderr)
        raise SystemExit(130)
    if failed_jobs_exit and exit_code():
        raise SystemExit(exit_code())


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def exit_code() -> int:
    """1 when the last sweep of this process had failed jobs, else 0."""
    return 1 if last_sweep and last_sweep["failed"] else 0


def expected_jobs(config) -> list[list[str]] | None:
    """The jobs Hydra's basic sweeper (or leadsim's) will launch, each a list of overrides,
    in job order. None for other sweepers (then every job folder under the sweep folder is
    reported)."""
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from omegaconf import OmegaConf

        from .hydra_adapter import sweep_jobs
        from .hydra_support import _config_loader, config_sweep

        sweeper = config.hydra.sweeper
        if sweeper.get("_target_") not in (BASIC_SWEEPER, LEADSIM_SWEEPER):
            return None
        args = [f"{k}={v}" for k, v in config_sweep(config).items()]
        # as the jobs record them: an interpolation (`seed=${x}`) stays unresolved text
        args += [str(o) for o in OmegaConf.to_container(config.hydra.overrides.task,
                                                        resolve=False)]
        # a glob() sweep lists a config group's options: it needs the app's config loader
        loader = _config_loader(str(config.hydra.job.config_name))
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(args)
        return sweep_jobs(parsed)
    except Exception as exc:  # a sweeper we cannot expand: report every job folder found
        log.debug("could not expand the sweep: %s", exc)
        return None


def find_jobs(sweep_dir: Path) -> list[dict]:
    """Every job folder below `sweep_dir` with a `_DONE` or `FAILED` marker."""
    found = []
    for name, status in ((DONE, "done"), (FAILED, "failed")):
        for marker in sweep_dir.rglob(name):
            data = read_json(marker)
            if data is None or not isinstance(data.get("overrides"), list):
                continue
            found.append({**data, "status": status, "dir": marker.parent,
                          "mtime": marker.stat().st_mtime})
    return found


def collect(sweep_dir: Path, expected: list[list[str]] | None = None,
            started: float | None = None, groups: frozenset[str] = frozenset()
            ) -> tuple[list[dict], list[dict], int]:
    """(rows of finished jobs, failures, how many finished before `started`)."""
    found = find_jobs(sweep_dir)
    if expected is None:
        chosen = sorted(found, key=lambda m: (m.get("job", 0), -m["mtime"]))
        jobs = [(m.get("job"), m["overrides"], m) for m in chosen]
    else:
        by_overrides = defaultdict(list)
        for m in found:
            by_overrides[job_key(m["overrides"], groups)].append(m)
        jobs = []
        for num, overrides in enumerate(expected):
            options = by_overrides.get(job_key(overrides, groups), [])
            # the folder of this job number first, then the newest
            options.sort(key=lambda m, n=num: (m.get("job") != n, -m["mtime"]))
            jobs.append((num, overrides, options[0] if options else None))
    rows, failures, resumed = [], [], 0
    for num, overrides, m in jobs:
        if m is not None:
            rel = str(m["dir"].relative_to(sweep_dir))
        else:  # no marker: name the folder when it has the default name (the job number)
            rel = str(num) if (sweep_dir / str(num)).is_dir() else ""
        if m is None or m["status"] == "failed":
            error = m["error"] if m else ("no result: the job did not finish (killed, "
                                          "interrupted or lost); run the sweep again")
            failures.append({"job": num, "overrides": " ".join(overrides), "error": error,
                             "job_dir": rel})
            continue
        if started is not None and m["mtime"] < started:
            resumed += 1
        summary = read_json(m["dir"] / "summary.json") or {}
        rows.append({"job": num, "job_dir": rel, "overrides": overrides,
                     "values": m.get("values") or {}, "metrics": flatten(summary)})
    return rows, failures, resumed


def write_tables(sweep_dir: Path, expected: list[list[str]] | None = None,
                 started: float | None = None, groups: frozenset[str] = frozenset()) -> dict:
    """Write sweep.parquet and sweep_failures.csv; return counts and paths."""
    import pandas as pd

    rows, failures, resumed = collect(sweep_dir, expected, started, groups)
    table = sweep_table(rows)
    write_atomic(sweep_dir / TABLE, lambda p: table.to_parquet(p, index=False))
    fail = pd.DataFrame(failures, columns=["job", "overrides", "error", "job_dir"])
    write_atomic(sweep_dir / FAILURES, lambda p: fail.to_csv(p, index=False))
    seeds = table["seed"].nunique() if "seed" in table.columns else 0
    metrics = len(table.columns) - 2 - len(table.attrs.get(OVERRIDES_ATTR, []))
    return {"jobs": len(rows) + len(failures), "done": len(rows), "resumed": resumed,
            "seeds": int(seeds), "metrics": metrics,
            "failed": len(failures), "table": str(sweep_dir / TABLE),
            "failures": str(sweep_dir / FAILURES)}


def override_columns(overrides: list[str]) -> dict[str, str]:
    """`practice@practices.alpha=x` -> {"practice@practices.alpha": "x"}."""
    out = {}
    for o in overrides:
        key, _, value = o.partition("=")
        out[key.lstrip("+~")] = value
    return out


def flatten(d: dict, prefix: str = "") -> dict:
    """Nested dicts become dotted keys; lists become JSON text (a parquet cell each)."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, f"{key}."))
        elif isinstance(v, list | tuple):
            out[key] = json.dumps(v)
        else:
            out[key] = v
    return out


def sweep_table(rows: list[dict]):
    """One row per job: job, job_dir, the overrides (typed), then the summary metrics. An
    override's column holds what the job ran with (`values`, from `_DONE`), which is the
    override's own value unless a later override of the job changed it."""
    import pandas as pd

    texts = [override_columns(r["overrides"]) for r in rows]
    values = [r.get("values") or {} for r in rows]
    keys = list(dict.fromkeys(k for o in texts for k in o))
    # a column of values the jobs recorded keeps their types; where some job has only its
    # override's text (a _DONE from before values were recorded), the column is text,
    # typed as the overrides' text is
    native = {k for k in keys if all(k in v for t, v in zip(texts, values) if k in t)}
    override_rows = [{k: (v[k] if k in native else _as_override_text(v[k]) if k in v
                          else t[k]) for k in t} for t, v in zip(texts, values)]
    records = []
    for r, o in zip(rows, override_rows):
        rec = {"job": r["job"], "job_dir": r["job_dir"]}
        rec.update({k: o.get(k) for k in keys})
        for k, v in r["metrics"].items():
            rec[f"summary.{k}" if k in rec else k] = v
        records.append(rec)
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame(
        columns=["job", "job_dir"])
    for k in keys:
        if k in native:
            df[k] = _native([o.get(k) for o in override_rows])
        else:
            df[k] = _typed(df[k])
    df = _arrow_safe(df)
    df.attrs[OVERRIDES_ATTR] = keys  # kept in the parquet file (read by sim.sweep_summary)
    return df


def _native(values: list):
    """A column of recorded config values (None where a job lacks the key): booleans,
    whole numbers (Int64), numbers (float64) or text, as the values are."""
    import pandas as pd

    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.array(values, dtype="boolean")
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.array(values, dtype="Int64")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in present):
        return pd.array([math.nan if v is None else float(v) for v in values],
                        dtype="float64")
    return pd.array(values, dtype=object)


def _typed(col):
    """Override values are text; make a column numeric or boolean when every value is."""
    import pandas as pd

    values = [v for v in col if isinstance(v, str)]
    if values and all(v.lower() in ("true", "false") for v in values):
        return col.map(lambda v: v.lower() == "true" if isinstance(v, str) else None)
    try:
        numbers = pd.to_numeric(col)
    except (ValueError, TypeError):
        return col
    if all(_is_int(v) for v in values):
        return numbers.astype("Int64")
    return numbers.astype("float64")


def _is_int(text: str) -> bool:
    try:
        int(text)
        return True
    except ValueError:
        return False


def _arrow_safe(df):
    """Object columns with mixed types (rare: a metric that is text in one job and a
    number in another) become text, so the table always writes."""
    import pyarrow as pa

    for col in [c for c in df.columns if df[c].dtype == "object"]:
        try:
            pa.array(df[col].tolist(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            df[col] = df[col].map(lambda v: None if v is None or (
                isinstance(v, float) and math.isnan(v)) else str(v))
    return df
