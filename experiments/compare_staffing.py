"""Compare staffing plans for the focal practice: which plan pays for itself?

    python -m experiments.compare_staffing                       # the shipped plans
    python -m experiments.compare_staffing plans=[current,saturday_shift] replications=20 seed=1
    python -m experiments.compare_staffing practice=my_practice  # a practice of your own
    python -m experiments.compare_staffing 'plans=[current,results/x/best_plan.yaml]'
    python -m experiments.compare_staffing market_days=180 n_jobs=1
    python -m experiments.compare_staffing 'sim_overrides=["market.prospects_per_day=40"]'

The focal practice (slot `practices.alpha`) is the market's, or `practice=NAME` (a
practice of configs/practice/ or of the user's config folder, sim.paths). Every plan
(a name from configs/plan/ or the user's plan/ folder, or the path of a plan file) is a
list of changes applied to that practice (sim.config.apply_plan), and each is run in the
market `replications` times. Replication r uses seed `seed + r` for every plan, so in
replication r all plans meet the same prospects, arriving at the same minutes with the
same personal draws (common random numbers): the difference between two plans in one
replication is the effect of the plan, not luck. The interval of a difference is the 95%
t-interval of the per-replication paired differences against the first plan
(sim.analysis.stats).

Writes into results/compare_staffing/<date>/<time>/:
- comparison.csv   plan, metric, mean, diff_vs_baseline, ci_low, ci_high, replications
- replications.csv one row per plan and replication (seed, every metric, run seconds)
- staffing_hint.csv  per hour of the week: simulated phone calls per hour, the Erlang A
                   staff needed for the target, and what each plan rosters
- plans.csv        per plan: what it changed in the baseline practice, in words, with
                   the rostered hours a week and the nominal cost a month
- report.html      one self-contained page for the practice manager (figures inside)
- *.png            the report's figures

Over 300 lines for a reason: the app's own settings (plans, practice, replications,
target, ...) are checked here, each with its one-line error before anything runs, and
`write_outputs` assembles the report's context from the runs. The analysis itself is
library code: sim.analysis.staffing (rosters, the Erlang hint, a run's counts),
sim.analysis.stats (intervals, the verdict), sim.analysis.report (the page).
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.staffing import DAYS_PER_MONTH
from sim.vocabulary import HOURS_PER_WEEK

FOCAL = "alpha"

# (column in comparison.csv, key under practices.<slot>. in summary.json). Totals are over
# the simulated market days; money is also given per month (`*_per_month`).
METRICS = [
    ("inquiries", "inquiries"),
    ("bookings", "bookings"),
    ("procedures", "procedures"),
    ("revenue", "revenue"),
    ("staffing_cost", "staffing_cost"),
    ("wages", "wages"),
    ("net", "net"),
    ("conversion_rate", "conversion_rate"),
    ("booking_rate", "booking_rate"),
    ("answered_share", "answered_share"),
    ("first_response_median_minutes", "first_response_median_minutes"),
    ("abandoned_calls", "abandoned_calls"),
    ("unanswered", "unanswered"),
    ("lost_to_competitor", "lost_to_competitor"),
    # reputation metrics: NaN until the model reports them
    ("new_reviews", "new_reviews"),
    ("mean_new_stars", "mean_new_stars"),
    ("referrals_generated", "referrals_generated"),
    # nurture (sim/analysis/nurture.py): in summary.json only when a practice of the run
    # has a programme; 0 when none has (nobody is on a list)
    ("micro_conversions", "micro_conversions"),
    ("nurture_returns", "nurture_returns"),
    ("bookings_after_nurture", "bookings_after_nurture"),
    ("nurture_pending", "nurture_pending"),
    ("nurture_pending_value", "nurture_pending_value"),
]
NURTURE_METRICS = ("micro_conversions", "nurture_returns", "bookings_after_nurture",
                   "nurture_pending", "nurture_pending_value")
PER_MONTH = ["revenue", "staffing_cost", "wages", "net", "bookings", "procedures",
             "abandoned_calls", "unanswered", "new_reviews", "referrals_generated",
             "micro_conversions", "bookings_after_nurture", "net_with_nurture_list"]
# computed here from the focal practice's inquiries (not in summary.json)
EXTRA_METRICS = ["never_answered_share", "phone_calls", "phone_answered_within_target",
                 "phone_abandoned_share", "phone_menu_hangup_share", "unread_channel_share",
                 "net_with_nurture_list"]
# keys of `python -m sim` that the comparison sets itself: not allowed in sim_overrides
OWN_KEYS = {"market.days": "use market_days=", "seed": "use seed=", "plan": "use plans=",
            "practice@practices.alpha": "use practice=",
            "scenario": "the comparison runs the market scenario"}
# `practice` names a config group too (configs/practice/), so Hydra would read
# `practice=NAME` as a group choice of this app: the setting is stored as `focal_practice`.
PRACTICE_KEY = "focal_practice"
SETTINGS = ("plans", "practice", "replications", "seed", "market_days", "n_jobs",
            "sim_overrides", "confidence", "target", "wage_overhead")
# keys of `leadsim run` that belong in sim_overrides (said so when typed here)
SIM_GROUPS = ("market", "practices", "prospect", "reputation", "scenario")


def available_plans() -> list[str]:
    """The plan names: the shipped plans (configs/plan/), then the user's own (plan/ in
    the user config folder)."""
    from sim.config_files import plan_options

    return list(plan_options())


# --------------------------------------------------------------------------- checking


def _fail(key: str, value, allowed: str):
    from sim import ConfigError

    raise ConfigError(f"{key}: {value!r} is not allowed (allowed: {allowed})")


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def settings_from(cfg) -> dict:
    """The app's settings as plain Python, checked; ConfigError (one line) on a bad one."""
    from omegaconf import OmegaConf

    from sim import ConfigError

    raw = OmegaConf.to_container(cfg, resolve=True)
    raw.pop("hydra", None)
    if PRACTICE_KEY in raw:  # `practice=` on the command line (practice_argument)
        raw["practice"] = raw.pop(PRACTICE_KEY)
    for key in raw:
        if key not in SETTINGS:
            raise ConfigError(f"{key}: unknown key (allowed: {', '.join(SETTINGS)})")
    plans = raw["plans"]
    if isinstance(plans, str):
        plans = [plans]
    names = available_plans()
    if not isinstance(plans, list) or len(plans) < 2 or not all(
            isinstance(p, str) for p in plans):
        _fail("plans", plans, "a list of at least two plans, the first being the baseline: "
              f"names from {', '.join(names)}, or paths of plan files")
    for p in plans:
        if plans.count(p) > 1:
            raise ConfigError(f"plans: '{p}' is listed twice (allowed: each plan once)")
    practice = raw.get("practice")
    if practice is not None and (not isinstance(practice, str) or not practice.strip()):
        _fail("practice", practice, "the name of a practice (configs/practice/ or your own "
              "practice/ folder), or null for the market's")
    reps = raw["replications"]
    if not _int(reps) or reps < 2:
        _fail("replications", reps,
              "a whole number >= 2: an interval needs at least two replications")
    if not _int(raw["seed"]) or raw["seed"] < 0:
        _fail("seed", raw["seed"], "a whole number >= 0")
    if not _int(raw["market_days"]) or raw["market_days"] < 7:
        _fail("market_days", raw["market_days"], "a whole number of days >= 7")
    if not _int(raw["n_jobs"]) or (raw["n_jobs"] < 1 and raw["n_jobs"] != -1):
        _fail("n_jobs", raw["n_jobs"],
              "-1 for one worker per core, or a whole number >= 1 (1 runs in this process)")
    conf = raw["confidence"]
    if not isinstance(conf, int | float) or not 0.5 <= conf < 1:
        _fail("confidence", conf, "a level from 0.5 to below 1, e.g. 0.95")
    overrides = raw["sim_overrides"] or []
    if isinstance(overrides, str):
        overrides = [overrides]
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        _fail("sim_overrides", overrides, "a list of `python -m sim` overrides")
    for o in overrides:  # what the comparison sets itself would be overridden or break it
        key = o.partition("=")[0].lstrip("+~")
        instead = next((v for k, v in OWN_KEYS.items() if key == k or key.startswith(k + ".")),
                       None)
        if instead:
            _fail("sim_overrides", o, f"overrides of the market run, but not '{key}': "
                  f"{instead}")
    target = raw["target"]
    for key, lo, hi in (("answered_within_seconds", 0, math.inf), ("service_level", 0, 1),
                        ("max_abandon", 0, 1)):
        v = target.get(key)
        if not isinstance(v, int | float) or not lo < v < hi or isinstance(v, bool):
            _fail(f"target.{key}", v, f"a number between {lo} and {hi} (exclusive)")
    if not isinstance(raw["wage_overhead"], int | float) or raw["wage_overhead"] < 0:
        _fail("wage_overhead", raw["wage_overhead"], "a share >= 0, e.g. 0.3")
    return {**raw, "plans": list(plans), "sim_overrides": list(overrides),
            "confidence": float(conf)}


def practice_config(market_days: int, overrides: list[str], practice: str | None = None):
    """The market with the focal practice as it is, before any plan (a validated Config)."""
    from sim import ConfigError, load_config

    focal = [f"practice@practices.{FOCAL}={practice}"] if practice else []
    try:
        cfg = load_config([f"market.days={market_days}", *overrides, *focal])
    except ConfigError as exc:
        text = str(exc)
        if practice and text.startswith(f"practice@practices.{FOCAL}: unknown option"):
            text = "practice: unknown practice" + text.partition("unknown option")[2]
            text = text.rstrip(")") + "; your own go in " + _user_folder("practice") + ")"
        raise ConfigError(text) from None
    if FOCAL not in cfg.practices:
        raise ConfigError(f"practices: no focal practice '{FOCAL}' (allowed: a market "
                          "with a practices.alpha slot)")
    return cfg


def _user_folder(group: str) -> str:
    from sim.paths import user_config_dir

    return str(user_config_dir() / group)


def plan_configs(plans: list[str], market_days: int, overrides: list[str],
                 practice: str | None = None) -> dict:
    """The validated sim Config of each plan, by the plan's name (raises ConfigError, one
    line): every plan (a name or a path, sim.config_files.load_plan) applied once to the
    same focal practice."""
    from sim import ConfigError
    from sim.config import to_config
    from sim.config_files import load_plan

    base = practice_config(market_days, overrides, practice)
    out: dict = {}
    for ref in plans:
        plan = load_plan(ref)
        if plan.name in out:
            raise ConfigError(f"plans: '{ref}' is named '{plan.name}' like another plan of the "
                              "list (allowed: plans with different names: set name: in the "
                              "file)")
        out[plan.name] = to_config(replace(base, plan=plan))
    return out


def check(cfg) -> None:
    """preflight's check: the settings, then every plan composed and validated."""
    s = settings_from(cfg)
    plan_configs(s["plans"], s["market_days"], s["sim_overrides"], s["practice"])


# --------------------------------------------------------------------------- one run


def simulate(cfg, seed: int, within_minutes: float = 1 / 3) -> dict:
    """One run of one plan: the focal practice's metrics, first responses and inquiry
    counts per hour of the week (plain data, small enough to send between processes)."""
    import sim
    from sim.analysis import staffing
    from sim.config import unread_channels

    logging.getLogger("MESA").setLevel(logging.WARNING)
    t0, c0 = time.perf_counter(), time.process_time()
    result = sim.run(replace(cfg, seed=seed))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = result.summary
    prefix = f"practices.{FOCAL}."
    metrics = {}
    for name, key in METRICS:
        v = s.get(prefix + key)
        if v is None and name in NURTURE_METRICS and "market.micro_conversions" not in s:
            v = 0.0  # no nurture programme in the run: nobody on a list
        metrics[name] = float(v) if v is not None else math.nan
    # the gain of a nurture list lands months later: the net with the list's expected value
    metrics["net_with_nurture_list"] = metrics["net"] + metrics["nurture_pending_value"]
    inq = result.inquiries[result.inquiries["practice"] == FOCAL]
    unread = unread_channels(cfg.practices[FOCAL])
    metrics["never_answered_share"] = 1.0 - metrics["answered_share"]
    metrics.update(staffing.inquiry_metrics(inq, unread, within_minutes))
    return {
        "metrics": metrics,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "first_response": inq["first_response_minutes"].to_numpy(dtype="float32"),
        "channel": inq["channel"].to_numpy(dtype=object),
        # rows: phone, messages someone reads, messages nobody reads
        "by_hour": staffing.inquiries_by_hour(inq, unread),
    }


# --------------------------------------------------------------------------- many runs


@dataclass
class Comparison:
    """Everything a comparison produced, before it is written."""

    plans: list[str]
    replications: int
    seed: int
    days: int
    runs: pd.DataFrame  # one row per (plan, replication)
    first_response: pd.DataFrame  # plan, channel, minutes (NaN = never answered)
    by_hour: dict = field(default_factory=dict)  # plan -> (3, 168) mean inquiries per hour
    seconds: float = 0.0
    n_jobs: int = 1


def workers(n_jobs: int, n_tasks: int) -> int:
    """Worker processes for `n_tasks` runs (sim.replications.workers): `n_jobs`, or one per
    core for -1; never more than the runs."""
    from sim.replications import workers as count

    return count(n_jobs, n_tasks)


def _task(cfg, plan: str, r: int, seed: int, within: float):
    return plan, r, simulate(cfg, seed, within)


def run_comparison(configs: dict, replications: int, seed: int = 0, n_jobs: int = 1,
                   progress: bool = True, within_minutes: float = 1 / 3) -> Comparison:
    """Run every plan `replications` times; replication r has seed `seed + r` in every
    plan (common random numbers). `configs` maps a plan label to its sim Config. `n_jobs`:
    worker processes (1: in this process; -1: one per core); the results do not depend
    on it."""
    from sim.analysis import staffing
    from sim.replications import map_tasks

    plans = list(configs)
    if replications < 2:
        raise ValueError("replications must be >= 2: an interval needs two replications")
    tasks = [(configs[p], p, r, seed + r, within_minutes)
             for r in range(replications) for p in plans]
    n_jobs = workers(n_jobs, len(tasks))
    t0 = time.perf_counter()
    # the same runner as sim.replicate / sim.compare: results in task order, any n_jobs
    done = map_tasks(_task, tasks, n_jobs, progress, desc="simulating plans")
    results = {(plan, r): out for plan, r, out in done}
    elapsed = time.perf_counter() - t0
    days = next(iter(configs.values())).market.days
    rows, frt, by_hour = [], [], {}
    exposure = staffing.hour_exposure(days)
    for p in plans:
        counts = np.zeros((3, HOURS_PER_WEEK))
        for r in range(replications):
            out = results[p, r]
            rows.append({"plan": p, "replication": r, "seed": seed + r,
                         "run_seconds": out["seconds"], "run_cpu_seconds": out["cpu_seconds"],
                         **out["metrics"]})
            frt.append(pd.DataFrame({"plan": p, "replication": r, "channel": out["channel"],
                                     "minutes": out["first_response"]}))
            counts += out["by_hour"]
        by_hour[p] = counts / replications / exposure  # inquiries per hour, that hour of week
    runs = pd.DataFrame(rows)
    scale = DAYS_PER_MONTH / days
    for m in PER_MONTH:
        runs[f"{m}_per_month"] = runs[m] * scale
    return Comparison(plans, replications, seed, days, runs, pd.concat(frt, ignore_index=True),
                      by_hour, elapsed, n_jobs)


def comparison_metrics() -> list[str]:
    return [m for m, _ in METRICS] + [f"{m}_per_month" for m in PER_MONTH] + EXTRA_METRICS


def plan_descriptions(configs: dict, plans: list[str]) -> dict:
    """Per plan: its own words and what it changed in the baseline's focal practice
    (sim.analysis.staffing.plan_descriptions)."""
    from sim.analysis.staffing import plan_descriptions as describe

    return describe(configs, plans, FOCAL)


# --------------------------------------------------------------------------- the app


def write_outputs(out: Path, comp: Comparison, configs: dict, settings: dict) -> Path:
    """comparison.csv, replications.csv, staffing_hint.csv, figures and report.html."""
    from sim.analysis import practice_words, report, staffing, staffing_plots
    from sim.analysis.stats import compare_plans
    from sim.config import CHANNELS, unread_channels, watched_channels

    out.mkdir(parents=True, exist_ok=True)
    table = compare_plans(comp.runs, comparison_metrics(), plans=comp.plans,
                          confidence=settings["confidence"])
    table.to_csv(out / "comparison.csv", index=False)
    comp.runs.to_csv(out / "replications.csv", index=False)

    base = comp.plans[0]
    target = settings["target"]
    within = target["answered_within_seconds"] / 60.0
    focal = {p: configs[p].practices[FOCAL] for p in comp.plans}
    phone_rate = comp.by_hour[base][0]
    # the focal practice's own callers' patience when it has one (a fitted practice)
    patience = focal[base].hold_patience_minutes or configs[base].prospect.hold_patience_minutes
    # a phone menu: only the callers who sit through it need the line's staff
    reach_line = staffing.share_reaching_the_line(focal[base].phone_menu_seconds, patience)
    need = staffing.erlang_hint(phone_rate * reach_line, focal[base].handling.call_minutes,
                                patience, within, target["service_level"],
                                target["max_abandon"])
    rosters = {p: staffing.roster_by_hour(focal[p]) for p in comp.plans}
    watched = {p: watched_channels(focal[p]) for p in comp.plans}
    hint = staffing.staffing_hint(phone_rate, need, rosters)
    hint.to_csv(out / "staffing_hint.csv", index=False)

    figures = {
        "net_gain": staffing_plots.net_gain_figure(table, base),
        "first_response": staffing_plots.first_response_figure(
            comp.first_response, comp.plans,
            [c for c in CHANNELS if any(c in watched[p] for p in comp.plans)]),
        "inquiries_by_hour": staffing_plots.inquiries_by_hour_figure(
            comp.by_hour[base], {p: rosters[p] for p in comp.plans}),
        "erlang_hint": staffing_plots.erlang_hint_figure(
            need, {p: rosters[p] for p in comp.plans}, phone_rate),
    }
    for name, png in figures.items():
        (out / f"{name}.png").write_bytes(png)

    descriptions = plan_descriptions(configs, comp.plans)
    pd.DataFrame([{"plan": p, "summary": d["summary"], "change": d["change"],
                   "hours_per_week": d["hours_per_week"],
                   "nominal_cost_per_month": round(d["cost_per_month"], 2), "cost_note": d["cost"]}
                  for p, d in descriptions.items()]).to_csv(out / "plans.csv", index=False)
    ctx = report.ReportContext(
        practice_name=focal[base].name or FOCAL,
        plans=comp.plans,
        descriptions=descriptions,
        baseline_words=practice_words.describe_practice(focal[base], list(CHANNELS)),
        economics=staffing.economics_of(focal[base]),
        comparison=table,
        runs=comp.runs,
        days=comp.days,
        replications=comp.replications,
        seed=comp.seed,
        confidence=settings["confidence"],
        figures=figures,
        hint=hint,
        rosters=rosters,
        target=target,
        handle_minutes=focal[base].handling.call_minutes,
        patience_minutes=patience,
        patient_share=focal[base].patient_share,
        wage_overhead=settings["wage_overhead"],
        prospects_per_day=configs[base].market.prospects_per_day,
        competitors=[(s, p.name) for s, p in configs[base].practices.items() if s != FOCAL],
        channels=watched[base],
        plan_channels=watched,
        plan_unread={p: unread_channels(focal[p]) for p in comp.plans},
        plan_menus={p: float(focal[p].phone_menu_seconds) for p in comp.plans},
        plan_nurture={p: bool(focal[p].nurture.enabled) for p in comp.plans},
        all_channels=list(CHANNELS),
        sim_overrides=settings["sim_overrides"],
        seconds=comp.seconds,
    )
    path = out / "report.html"
    path.write_text(report.render(ctx))
    return path


def main_body(cfg) -> Path:
    from hydra.core.hydra_config import HydraConfig

    s = settings_from(cfg)
    configs = plan_configs(s["plans"], s["market_days"], s["sim_overrides"], s["practice"])
    out = Path(HydraConfig.get().runtime.output_dir)
    within = s["target"]["answered_within_seconds"] / 60.0
    comp = run_comparison(configs, s["replications"], s["seed"], s["n_jobs"],
                          progress=True, within_minutes=within)
    path = write_outputs(out, comp, configs, s)
    print(f"{len(comp.runs)} runs ({len(comp.plans)} plans x {comp.replications} replications"
          f" of {comp.days} days) in {comp.seconds:.0f} s with n_jobs={comp.n_jobs}")
    print(f"comparison: {out / 'comparison.csv'}")
    print(f"report: {path.resolve()}")
    return path


def _app():
    import hydra

    from sim import CONFIG_DIR

    @hydra.main(config_path=str(CONFIG_DIR), config_name="compare_staffing",
                version_base="1.3")
    def app(cfg) -> None:
        main_body(cfg)

    return app


def precheck(argv: list[str]) -> None:
    """Keys this app does not have, and lists Hydra cannot parse, as one line (exit 2)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.hydra_support import overrides_of

    parser = OverridesParser.create()
    for arg in overrides_of(argv):  # not the value of a flag (--cfg job)
        if arg.startswith("hydra"):
            continue
        key = arg.split("=", 1)[0].lstrip("+~").split(".")[0].split("@")[0]
        if key not in SETTINGS and key != PRACTICE_KEY:
            full = arg.split("=", 1)[0].lstrip("+~")
            hint = (f"; {full}: {OWN_KEYS[full]}" if full in OWN_KEYS else
                    "; market, practice and prospect settings go in sim_overrides, e.g. "
                    f"'sim_overrides=[\"{arg}\"]'" if key in SIM_GROUPS else "")
            print(f"error: {key}: unknown key (allowed: {', '.join(SETTINGS)}{hint})",
                  file=sys.stderr)
            raise SystemExit(2)
        try:
            parser.parse_overrides([arg])
        except Exception:
            hint = (" (quote items that contain '=': 'sim_overrides=[\"market.days=30\"]')"
                    if key == "sim_overrides" else "")
            print(f"error: {key}: cannot read '{arg}'{hint}", file=sys.stderr)
            raise SystemExit(2) from None


def practice_argument(argv: list[str]) -> list[str]:
    """The command line with `practice=NAME` as `focal_practice=NAME`."""
    out = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if sep and key in ("practice", "+practice", "++practice"):
            arg = f"{PRACTICE_KEY}={value}"
        out.append(arg)
    return out


def main() -> None:
    from sim.hydra_support import ensure_registered, preflight

    precheck(sys.argv[1:])
    sys.argv[1:] = practice_argument(sys.argv[1:])
    preflight(sys.argv[1:], "compare_staffing", check)
    ensure_registered()
    from sim.sweeps import run_app

    run_app(_app(), failed_jobs_exit=False)  # failed sweep jobs: sweep_failures.csv


if __name__ == "__main__":
    main()
