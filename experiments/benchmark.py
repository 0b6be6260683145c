"""The performance benchmark: how fast is leadsim, measured against SimPy's own floor?

    python -m experiments.benchmark                      # the full benchmark (a few minutes)
    python -m experiments.benchmark --profile            # and cProfile the two leadsim runs
    python -m experiments.benchmark --mmc-days 2 --market-days 5 --sweep-days 2 --repeat 1
    python -m experiments.benchmark --fit                # a year of records, read and fitted

The question. A leadsim run costs more than the cheapest SimPy model of the same queue
(interest curves, shopping lists, staff rosters, records). How much more, per customer and
per inquiry, how much memory does each inquiry hold, and do sweeps use the cores?

The design. Everything below runs in this one process, in `--repeat` rounds (default 5)
that each time every case once, and each case keeps its best round: the cases share the
interpreter, the machine and its load, and a slow spell of the machine hits all of them:
- `bare_simpy_mmc`: the M/M/c+M line written the textbook way: a SimPy process per caller,
  `yield request | env.timeout(patience)` on a `simpy.Resource` of c servers, exponential
  handling, Python's `random`, waits appended to lists. The floor everything is a ratio to.
- `leadsim_mmc`: `sim.run(sim.load_config(["scenario=mmc", ...]))` with the same
  parameters (arrivals per hour, servers, handling, patience, days): the whole run,
  building the model, simulating and making the tables and the summary.
- `leadsim_market`: the default market (`python -m sim` defaults) for `--market-days` days
  (365), the same way.
- memory: each case once more under `tracemalloc` (untimed: tracing slows a run), giving the
  peak of Python allocations over the whole run per inquiry, and for leadsim what the model
  still holds per inquiry when the simulation ends, before the tables are built.
- `sweep_sequential` / `sweep_joblib`: the same `--sweep-jobs` (4) runs of the default
  market (`seed=1..4 market.days=--sweep-days`) as one `python -m sim -m` command with
  `hydra/launcher=basic` (one after another, in one process) and with the default joblib
  launcher (one worker per core, `--n-jobs`). Each in a fresh temporary sweep folder.
  Each round also times a sweep of one job (basic launcher), which splits the sequential
  time into a fixed cost and a cost per job: per_job = (sequential - one job) / (jobs - 1),
  fixed = one job - per_job (starting Python and Hydra, the compositions of the config in
  the main process, the first job's imports, the table). The joblib row's fixed cost is
  what its time leaves beside ceil(jobs / workers) jobs (the same fixed cost, plus starting
  the workers, which import joblib, Hydra, Mesa and pandas again, plus what the jobs lose
  by sharing the cores), so speed-up = (fixed + jobs x J) / (fixed_parallel +
  ceil(jobs / workers) x J), and `breakeven_job_seconds` is the job length J at which it
  would reach the 1.7 target with these fixed costs (empty: no job length does). A joblib
  sweep of twice the jobs gives the cost of a round of jobs (one per worker) and so
  `speedup_many_jobs`: what a sweep so large that its fixed costs no longer count gains
  from the cores (the researcher's thousand runs).

The output. A table on stdout, and `benchmark.csv` in `results/benchmark/<timestamp>/`
(path printed), one row per case with: seconds, customers (callers, or prospects in the
market), inquiries, customers_per_s, inquiries_per_s, ratio_customers and ratio_inquiries
(each divided by bare SimPy's customers per second), peak_bytes, peak_bytes_per_inquiry,
held_bytes_per_inquiry, speedup (sweeps), cores, load_1min (the machine's load average when
the benchmark started: timings on a busy machine are not comparable), fixed_seconds and
per_job_seconds (the sweep rows, as above), breakeven_job_seconds (sweep_joblib),
per_round_seconds and speedup_many_jobs (sweep_joblib: a round of jobs on the workers, and
the speed-up of a very large sweep; empty, with the reason printed, when the sizes do not
allow it), and the target each row is judged by: `leadsim_mmc` ratio_customers >= 3;
`leadsim_market` ratio_inquiries >= 1 and held_bytes_per_inquiry <= 1024 (what the model
holds per inquiry when the run ends; the peak while the tables are built is reported
beside it);
`sweep_joblib` speedup >= 1.7. Each leadsim case is also timed as `<case>_simulate`: the
model built, run and its records handed over, without the pandas tables and summary,
judged by the same ratio.
`startup_help` / `startup_run_1day`: wall seconds of `leadsim --help` and of
`leadsim run market.days=1 figures=never` as new processes (best of --repeat, alternated,
after a round that writes Python's byte-code caches), judged by seconds <= 0.5 and <= 1.5.
`--profile` also writes `profile_mmc.prof` and `profile_market.prof` (cProfile,
`python -m pstats`) and prints their top functions by own time.

Over 300 lines for a reason: each case above is a measurement with its own setup (a
textbook SimPy model as the floor, traced memory, fresh processes for start-up, sweeps in
temporary folders) and the table judges every row by its target; a measurement is not
library code, and the model is reached only through sim's API (sim.run, sim.build_model).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import io
import math
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import simpy

from sim.cli import prog

COLUMNS = ["case", "seconds", "customers", "inquiries", "customers_per_s", "inquiries_per_s",
           "ratio_customers", "ratio_inquiries", "peak_bytes", "peak_bytes_per_inquiry",
           "held_bytes_per_inquiry", "speedup", "p_abandon", "target", "meets_target",
           "repeats", "cores", "load_1min", "size",
           # sweeps: seconds = fixed_seconds + per_job_seconds x jobs (per worker, joblib)
           "fixed_seconds", "per_job_seconds", "breakeven_job_seconds",
           # sweep_joblib: a round of jobs (one per worker) with joblib, from a sweep of
           # twice the jobs, and the speed-up of a sweep so large the fixed costs vanish
           "per_round_seconds", "speedup_many_jobs"]
SWEEP_TARGET = 1.7  # sweep_joblib's speed-up target (as in judge())


# --------------------------------------------------------------------------- the floor


def bare_simpy_mmc(arrivals_per_hour: float, servers: int, handle_minutes: float,
                   patience_minutes: float, days: int, seed: int) -> dict:
    """M/M/c+M the textbook way: a process per caller racing its request against a
    patience timeout. Returns callers, served, abandoned."""
    rng = random.Random(seed)
    env = simpy.Environment()
    line = simpy.Resource(env, capacity=servers)
    waits: list[float] = []
    abandoned: list[float] = []
    end = days * 1440.0

    def caller(patience: float, handle: float):
        arrived = env.now
        with line.request() as request:
            result = yield request | env.timeout(patience)
            if request in result:
                waits.append(env.now - arrived)
                yield env.timeout(handle)
            else:
                abandoned.append(env.now - arrived)

    def callers(rate: float):
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= end:
                return
            env.process(caller(rng.expovariate(1.0 / patience_minutes),
                               rng.expovariate(1.0 / handle_minutes)))

    env.process(callers(arrivals_per_hour / 60.0))
    env.run()
    n = len(waits) + len(abandoned)
    return {"customers": n, "inquiries": n, "p_abandon": len(abandoned) / n if n else math.nan}


# --------------------------------------------------------------------------- leadsim


def leadsim_run(cfg) -> dict:
    """sim.run: model, simulation, tables and summary."""
    import sim

    result = sim.run(cfg)
    out = {"customers": len(result.prospects) or len(result.inquiries),
           "inquiries": len(result.inquiries)}
    if result.summary.get("run.kind") == "mmc":
        out["p_abandon"] = result.summary.get("mmc.observed.p_abandon")
    return out


def leadsim_simulate(cfg) -> dict:
    """The simulation alone: build the model, run it, hand over its records (no pandas)."""
    import sim

    model = sim.build_model(cfg)
    model.run()
    records = model.records()
    return {"customers": len(records["prospects"]["prospect_id"]) or len(model.inquiries),
            "inquiries": len(model.inquiries)}


def leadsim_held(cfg) -> tuple[dict, int]:
    """The same run in its two halves: what the model holds when the simulation ends
    (traced bytes), then the tables. Must be called with tracemalloc running."""
    import sim
    from sim.analysis.tables import RunResult
    from sim.config import to_config

    cfg = to_config(cfg)
    before = tracemalloc.get_traced_memory()[0]
    model = sim.build_model(cfg)
    model.run()
    held = tracemalloc.get_traced_memory()[0] - before
    result = RunResult.from_records(model.records(), scenario=asdict(cfg.scenario))
    return {"inquiries": len(result.inquiries)}, held


def best_of(repeat: int, fn: Callable[[], dict]) -> tuple[float, dict]:
    best, value = math.inf, {}
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def traced_peak(fn: Callable[[], object]) -> tuple[object, int]:
    """(fn(), peak traced bytes above what was allocated before)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        value = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return value, peak


# --------------------------------------------------------------------------- start-up


STARTUP = {  # case -> (the leadsim command line, target wall seconds)
    "startup_help": (["--help"], 0.5),
    "startup_run_1day": (["run", "market.days=1", "figures=never"], 1.5),
}


def leadsim_command() -> list[str]:
    """The `leadsim` console script of this interpreter (or the module it runs)."""
    script = Path(sys.executable).with_name("leadsim")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "sim.cli"]


def startup_rows(args: argparse.Namespace, common: dict) -> list[dict]:
    """Wall seconds of a person's first commands, as they type them: `leadsim --help` and
    a one-day `leadsim run figures=never` (start Python, import, check the command line,
    compose, simulate, write, exit), each a new process in an empty folder, alternated,
    best of --repeat.

    Timed as a user starts them: with Python's byte-code caches written. pip writes them
    for an installed wheel; a checkout gets them on its first run, unless the environment
    sets PYTHONDONTWRITEBYTECODE (some sandboxes and containers do), which would make every
    start compile leadsim's sources again (about half a second here). So the child
    processes run without that variable, and a first round, not timed, writes the caches."""
    best = {case: math.inf for case in STARTUP}
    env = {k: v for k, v in os.environ.items()
           if k not in ("LEADSIM_FAIL_JOB", "HYDRA_FULL_ERROR", "PYTHONDONTWRITEBYTECODE")}
    with tempfile.TemporaryDirectory(prefix="leadsim_startup_") as tmp:
        for round_ in range(args.repeat + 1):
            for case, (argv, _) in STARTUP.items():
                t0 = time.perf_counter()
                proc = subprocess.run(leadsim_command() + argv, cwd=tmp, env=env,
                                      capture_output=True, text=True, stdin=subprocess.DEVNULL)
                seconds = time.perf_counter() - t0
                if proc.returncode != 0:
                    raise RuntimeError(f"leadsim {' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
                if round_:  # round 0 writes the byte-code caches
                    best[case] = min(best[case], seconds)
    print("  start-up: " + ", ".join(f"{c} {best[c]:.2f} s" for c in STARTUP), flush=True)
    return [row(case, best[case], {}, None, size="leadsim " + " ".join(argv), **common)
            for case, (argv, _) in STARTUP.items()]


# --------------------------------------------------------------------------- sweeps


def time_sweep(launcher: str, jobs: int, days: int, n_jobs: int, workdir: Path) -> float:
    """Wall seconds of one `python -m sim -m seed=1..jobs market.days=days` command."""
    sweep_dir = Path(tempfile.mkdtemp(prefix=f"sweep_{launcher}_", dir=workdir))
    cmd = [sys.executable, "-m", "sim", "-m", "seed=" + ",".join(map(str, range(1, jobs + 1))),
           f"market.days={days}", f"hydra.sweep.dir={sweep_dir}", f"hydra/launcher={launcher}"]
    if launcher == "joblib":
        cmd.append(f"hydra.launcher.n_jobs={n_jobs}")
    env = {k: v for k, v in os.environ.items() if k not in ("LEADSIM_FAIL_JOB",
                                                            "HYDRA_FULL_ERROR")}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"sweep failed ({' '.join(cmd[2:])}):\n{proc.stderr[-2000:]}")
    shutil.rmtree(sweep_dir, ignore_errors=True)
    return seconds


def sweep_rows(args: argparse.Namespace, common: dict) -> list[dict]:
    """The same sweep one job after another and with joblib, alternately, best of repeat;
    and a sweep of one job, which splits the sequential time into a fixed cost and a cost
    per job (see `sweep_costs`)."""
    jobs = args.sweep_jobs
    cases = {("basic", jobs): math.inf, ("joblib", jobs): math.inf}
    if jobs > 1:
        cases[("basic", 1)] = math.inf
        cases[("joblib", 2 * jobs)] = math.inf  # twice the jobs: the cost of a round
    with tempfile.TemporaryDirectory(prefix="leadsim_bench_") as tmp:
        n_workers = workers(args.n_jobs, common["cores"], jobs)
        for _ in range(args.repeat):
            for launcher, n in cases:
                # the sweep of twice the jobs runs on the same workers as the first
                n_jobs = n_workers if n > jobs else args.n_jobs
                cases[launcher, n] = min(cases[launcher, n], time_sweep(
                    launcher, n, args.sweep_days, n_jobs, Path(tmp)))
    sequential, parallel = cases["basic", jobs], cases["joblib", jobs]
    costs = sweep_costs(jobs, sequential, cases.get(("basic", 1)), parallel, n_workers)
    many = many_jobs(costs["per_job"], jobs, parallel, cases.get(("joblib", 2 * jobs)),
                     n_workers)
    size = f"{jobs} runs of the default market, {args.sweep_days} days"
    print(f"  sweeps: sequential {sequential:.1f} s, joblib {parallel:.1f} s", flush=True)
    if many["speedup"] is not None:
        print(f"  many jobs: with joblib a round of jobs (one per worker) takes "
              f"{many['per_round']:.2f} s ({2 * jobs} jobs in "
              f"{cases['joblib', 2 * jobs]:.1f} s): {many['speedup']:.2f}x the jobs one "
              "after another, once the fixed costs are spread thin", flush=True)
    elif many["why"]:
        print(f"  many jobs: not measured ({many['why']})", flush=True)
    if costs["per_job"] is not None:
        need = costs["breakeven"]
        print(f"  sweep costs: {costs['per_job']:.2f} s a job; fixed {costs['fixed']:.2f} s "
              f"sequential, {costs['fixed_parallel']:.2f} s with joblib; "
              f"{SWEEP_TARGET:g}x needs jobs of "
              + (f"{need:.1f} s or more" if need is not None else "any length (unreachable)"),
              flush=True)
    return [row("sweep_sequential", sequential, {}, None, size=size, **common,
                fixed_seconds=costs["fixed"], per_job_seconds=costs["per_job"]),
            row("sweep_joblib", parallel, {}, None, speedup=sequential / parallel,
                size=f"{size}, n_jobs={args.n_jobs}", **common,
                fixed_seconds=costs["fixed_parallel"], per_job_seconds=costs["per_job"],
                breakeven_job_seconds=costs["breakeven"], per_round_seconds=many["per_round"],
                speedup_many_jobs=many["speedup"])]


def many_jobs(per_job: float | None, jobs: int, parallel: float, parallel_double: float | None,
              n_workers: int) -> dict:
    """What joblib gives a sweep of very many jobs, where the fixed costs no longer count.

    A sweep of twice the jobs on the same `n_workers` takes jobs / n_workers more rounds
    (each worker one job a round), so per_round = (parallel_double - parallel) / (jobs /
    n_workers), and the speed-up is n_workers x per_job / per_round: the jobs' own time,
    as one after another (per_job, from the sequential sweeps), against their time on the
    cores together (per_round covers what the workers lose by sharing the machine). Only
    when every round is full (jobs a multiple of n_workers: a job alone in its round does
    not share the cores, which would bias the figure); `why` says why not otherwise."""
    out = {"per_round": None, "speedup": None, "why": None}
    if per_job is None or parallel_double is None:
        out["why"] = "needs a sweep of at least 2 jobs"
        return out
    if n_workers < 2 or jobs % n_workers:
        out["why"] = (f"{jobs} jobs on {n_workers} workers: the jobs must fill every round "
                      "of at least 2 workers (--sweep-jobs a multiple of --n-jobs)")
        return out
    per_round = (parallel_double - parallel) / (jobs // n_workers)
    if per_round <= 0:
        out["why"] = (f"twice the jobs took no longer ({parallel_double:.2f} s against "
                      f"{parallel:.2f} s): too noisy to split")
        return out
    out.update(per_round=per_round, speedup=n_workers * per_job / per_round)
    return out


def workers(n_jobs: int, cores: int, jobs: int) -> int:
    """Processes joblib runs the sweep on: n_jobs, or cores + 1 + n_jobs when negative."""
    return max(1, min(jobs, n_jobs if n_jobs > 0 else cores + 1 + n_jobs))


def sweep_costs(jobs: int, sequential: float, one_job: float | None, parallel: float,
                n_workers: int) -> dict:
    """Split the sweep times into fixed costs and a cost per job.

    sequential = fixed + jobs x per_job, so the one-job sweep gives per_job =
    (sequential - one_job) / (jobs - 1) and fixed = one_job - per_job: starting Python and
    Hydra, composing the config in the main process, the first job's imports, the table.
    With joblib each worker runs ceil(jobs / workers) jobs, and fixed_parallel = parallel -
    ceil(jobs / workers) x per_job is all the rest: the same fixed cost, starting the
    workers (each imports joblib, Hydra and then Mesa and pandas in its first job), the
    main process importing pandas for the table, and what the jobs lose by sharing the
    machine. The speed-up is (fixed + jobs x J) / (fixed_parallel + ceil(jobs / workers) x
    J), so it reaches SWEEP_TARGET for jobs of at least `breakeven` seconds:
    (target x fixed_parallel - fixed) / (jobs - target x ceil(jobs / workers)), None when
    no job length does (then jobs / ceil(jobs / workers) <= target). This takes the
    parallel loss as a fixed amount; it grows with J, so longer jobs need a little more.
    """
    out = {"fixed": None, "per_job": None, "fixed_parallel": None, "breakeven": None}
    if one_job is None or jobs < 2:
        return out
    rounds = math.ceil(jobs / n_workers)
    per_job = (sequential - one_job) / (jobs - 1)
    out.update(per_job=per_job, fixed=one_job - per_job,
               fixed_parallel=parallel - rounds * per_job)
    gain = jobs - SWEEP_TARGET * rounds
    if gain > 0:
        out["breakeven"] = max(0.0, (SWEEP_TARGET * out["fixed_parallel"] - out["fixed"]) / gain)
    return out


# --------------------------------------------------------------------------- the report


def row(case: str, seconds: float, value: dict, floor: float | None, **extra) -> dict:
    r = {c: None for c in COLUMNS}
    r.update(case=case, seconds=seconds, customers=value.get("customers"),
             inquiries=value.get("inquiries"), p_abandon=value.get("p_abandon"))
    if seconds > 0 and r["customers"] is not None:
        r["customers_per_s"] = r["customers"] / seconds
        r["inquiries_per_s"] = r["inquiries"] / seconds
        if floor:
            r["ratio_customers"] = r["customers_per_s"] / floor
            r["ratio_inquiries"] = r["inquiries_per_s"] / floor
    r.update(extra)
    return r


def judge(r: dict) -> None:
    """Set `target` and `meets_target` for the rows that have one."""
    checks = {
        "leadsim_mmc": [("ratio_customers", ">=", 3.0)],
        "leadsim_mmc_simulate": [("ratio_customers", ">=", 3.0)],
        "leadsim_market": [("ratio_inquiries", ">=", 1.0), ("held_bytes_per_inquiry", "<=", 1024)],
        "leadsim_market_simulate": [("ratio_inquiries", ">=", 1.0)],
        "sweep_joblib": [("speedup", ">=", 1.7)],
        **{case: [("seconds", "<=", target)] for case, (_, target) in STARTUP.items()},
    }.get(r["case"])
    if not checks:
        return
    r["target"] = " and ".join(f"{k} {op} {v:g}" for k, op, v in checks)
    ok = [r[k] is not None and (r[k] >= v if op == ">=" else r[k] <= v) for k, op, v in checks]
    r["meets_target"] = all(ok)


def fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def table(rows: list[dict]) -> str:
    cols = [("case", "case"), ("seconds", "s (best)"), ("customers", "customers"),
            ("inquiries", "inquiries"), ("customers_per_s", "cust/s"),
            ("inquiries_per_s", "inq/s"), ("ratio_customers", "cust x"),
            ("ratio_inquiries", "inq x"), ("peak_bytes_per_inquiry", "peak B/inq"),
            ("held_bytes_per_inquiry", "held B/inq"), ("speedup", "speed-up"),
            ("meets_target", "target met")]
    cells = [[label for _, label in cols]] + [[fmt(r[k]) for k, _ in cols] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(cols))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(line, widths))) for line in cells]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def profile(fn: Callable[[], object], path: Path, top: int) -> str:
    prof = cProfile.Profile()
    prof.runcall(fn)
    prof.dump_stats(path)
    text = io.StringIO()
    pstats.Stats(str(path), stream=text).sort_stats("tottime").print_stats(top)
    return text.getvalue()


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog("python -m experiments.benchmark"),
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mmc-days", type=int, default=40,
                   help="days of the M/M/c+M line, bare and leadsim (default 40: ~29k callers)")
    p.add_argument("--market-days", type=int, default=365, help="days of the default market")
    p.add_argument("--sweep-jobs", type=int, default=4, help="runs in the sweep (default 4)")
    p.add_argument("--sweep-days", type=int, default=365, help="market.days of each sweep run")
    p.add_argument("--n-jobs", type=int, default=-1,
                   help="joblib workers for the parallel sweep (-1 = one per core)")
    p.add_argument("--no-sweep", action="store_true", help="skip the sweep timing")
    p.add_argument("--no-startup", action="store_true",
                   help="skip the start-up timing (leadsim --help, a 1-day leadsim run)")
    p.add_argument("--repeat", type=int, default=5, help="rounds: each times every case once, "
                   "keep the best (default 5: on a shared machine a case needs a quiet round)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", action="store_true",
                   help="also cProfile the leadsim mmc and market runs")
    p.add_argument("--top", type=int, default=20, help="functions shown per profile")
    p.add_argument("--fit", action="store_true",
                   help="only the fit's scale row: a year of records read and fitted "
                   "(experiments/fit_benchmark.py)")
    p.add_argument("--fit-calls", type=int, default=50_000, help="calls in the --fit year")
    p.add_argument("--fit-inquiries", type=int, default=20_000,
                   help="inquiries in the --fit year")
    p.add_argument("--out", default="results/benchmark",
                   help="folder for <timestamp>/benchmark.csv (default results/benchmark)")
    args = p.parse_args(argv)
    for name in ("mmc_days", "market_days", "sweep_jobs", "sweep_days", "repeat"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')}: {getattr(args, name)} is not allowed "
                    "(allowed: a whole number >= 1)")
    return args


def main(argv: list[str] | None = None) -> Path:
    args = parse_args(argv)
    import logging

    import sim

    logging.getLogger("MESA").setLevel(logging.WARNING)
    out = Path(args.out) / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    if args.fit:
        from experiments.fit_benchmark import fit_row

        fit_row(args.fit_calls, args.fit_inquiries, args.repeat, out)
        return out / "benchmark.csv"
    out.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mmc_cfg = sim.load_config(["scenario=mmc", f"scenario.days={args.mmc_days}",
                               f"seed={args.seed}"])
    market_cfg = sim.load_config([f"market.days={args.market_days}", f"seed={args.seed}"])
    sc = mmc_cfg.scenario
    bare = lambda: bare_simpy_mmc(sc.arrivals_per_hour, sc.servers,  # noqa: E731
                                  sc.handle_minutes, sc.patience_minutes, sc.days, args.seed)
    mmc_size = (f"M/M/{sc.servers}+M, {sc.arrivals_per_hour:g}/h, handle {sc.handle_minutes:g}"
                f" min, patience {sc.patience_minutes:g} min, {sc.days} days")
    load = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    common = {"repeats": args.repeat, "cores": cores, "load_1min": load}
    rows = []

    print(f"benchmark: {args.repeat} rounds, {cores} cores (load {load}); {mmc_size}",
          flush=True)
    # Timed cases, interleaved: each round times every case once, and each case keeps its
    # best round. A slow spell on the machine (other tenants) then hits all cases alike
    # instead of spoiling one case's every repeat, which matters because rows are ratios.
    timed = {"bare_simpy_mmc": bare}
    for case, cfg in (("leadsim_mmc", mmc_cfg), ("leadsim_market", market_cfg)):
        timed[case] = lambda c=cfg: leadsim_run(c)
        timed[f"{case}_simulate"] = lambda c=cfg: leadsim_simulate(c)
    best = {case: math.inf for case in timed}
    values: dict[str, dict] = {}
    for round_ in range(args.repeat):
        for case, fn in timed.items():
            seconds, values[case] = best_of(1, fn)
            best[case] = min(best[case], seconds)
        print(f"  round {round_ + 1}: " + ", ".join(f"{c} {best[c]:.2f} s" for c in timed),
              flush=True)
    floor = values["bare_simpy_mmc"]["customers"] / best["bare_simpy_mmc"]
    _, peak = traced_peak(bare)
    value = values["bare_simpy_mmc"]
    rows.append(row("bare_simpy_mmc", best["bare_simpy_mmc"], value, floor, peak_bytes=peak,
                    peak_bytes_per_inquiry=peak / value["inquiries"], size=mmc_size, **common))
    for case, cfg, size in (("leadsim_mmc", mmc_cfg, mmc_size),
                            ("leadsim_market", market_cfg,
                             f"default market, {args.market_days} days")):
        (_, held), peak = traced_peak(lambda c=cfg: leadsim_held(c))
        value = values[case]
        n = value["inquiries"] or 1
        rows.append(row(case, best[case], value, floor, peak_bytes=peak,
                        peak_bytes_per_inquiry=peak / n, held_bytes_per_inquiry=held / n,
                        size=size, **common))
        rows.append(row(f"{case}_simulate", best[f"{case}_simulate"],
                        values[f"{case}_simulate"], floor, size=size, **common))

    if not args.no_startup:
        try:
            rows += startup_rows(args, common)
        except RuntimeError as exc:
            print(f"  start-up not timed: {exc}", file=sys.stderr, flush=True)
    if not args.no_sweep:
        try:
            rows += sweep_rows(args, common)
        except RuntimeError as exc:  # keep the cases measured so far
            print(f"  sweeps not timed: {exc}", file=sys.stderr, flush=True)

    for r in rows:
        judge(r)
    path = out / "benchmark.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print()
    print(table(rows))
    print(f"\nbenchmark.csv: {path}")

    if args.profile:
        for case, cfg in (("mmc", mmc_cfg), ("market", market_cfg)):
            text = profile(lambda c=cfg: leadsim_run(c), out / f"profile_{case}.prof", args.top)
            print(f"\n== profile of leadsim_{case} (by own time): {out / f'profile_{case}.prof'}")
            print(text)
    return path


if __name__ == "__main__":
    main()
