"""Compare staffing plans for the focal practice: which plan pays for itself?

    python -m experiments.compare_staffing                       # the shipped plans
    python -m experiments.compare_staffing plans=[current,saturday_shift] replications=20 seed=1
    python -m experiments.compare_staffing market_days=180 n_jobs=1
    python -m experiments.compare_staffing 'sim_overrides=["market.prospects_per_day=40"]'

Every plan (configs/plan/<name>.yaml, merged onto the focal practice `practices.alpha`) is
run in the default market `replications` times. Replication r uses seed `seed + r` for
every plan, so in replication r all plans meet the same prospects, arriving at the same
minutes with the same personal draws (common random numbers): the difference between two
plans in one replication is the effect of the plan, not luck. The interval of a
difference is the 95% t-interval of the per-replication paired differences against the
first plan (sim.analysis.stats).

Writes into results/compare_staffing/<date>/<time>/:
- comparison.csv   plan, metric, mean, diff_vs_baseline, ci_low, ci_high, replications
- replications.csv one row per plan and replication (seed, every metric, run seconds)
- staffing_hint.csv  per hour of the week: simulated phone calls per hour, the Erlang A
                   staff needed for the target, and what each plan rosters
- report.html      one self-contained page for the practice manager (figures inside)
- *.png            the report's figures
"""

from __future__ import annotations

import logging
import math
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

FOCAL = "alpha"
HOURS_PER_WEEK = 168
DAYS_PER_MONTH = 365.25 / 12

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
]
PER_MONTH = ["revenue", "staffing_cost", "wages", "net", "bookings", "procedures",
             "abandoned_calls", "unanswered", "new_reviews", "referrals_generated"]
# computed here from the focal practice's inquiries (not in summary.json)
EXTRA_METRICS = ["never_answered_share", "phone_calls", "phone_answered_within_target",
                 "phone_abandoned_share"]
# keys of `python -m sim` that the comparison sets itself: not allowed in sim_overrides
OWN_KEYS = {"market.days": "use market_days=", "seed": "use seed=", "plan": "use plans=",
            "scenario": "the comparison runs the market scenario"}
# keys of `leadsim run` that belong in sim_overrides (said so when typed here)
SIM_GROUPS = ("market", "practices", "practice", "prospect", "reputation", "scenario")
SETTINGS = ("plans", "replications", "seed", "market_days", "n_jobs", "sim_overrides",
            "confidence", "target", "wage_overhead")


def config_dir() -> Path:
    from sim import CONFIG_DIR

    return CONFIG_DIR


def available_plans() -> list[str]:
    """The plan names: one YAML file each under configs/plan/."""
    return sorted(p.stem for p in (config_dir() / "plan").glob("*.yaml"))


def plan_description(name: str) -> dict:
    """The plan file's header comment, in plain words: `summary` (its first paragraph,
    without the `Staffing plan <name>:` prefix) and `cost` (the paragraph starting with
    `Cost:`)."""
    text = (config_dir() / "plan" / f"{name}.yaml").read_text()
    paragraphs, current = [], []
    for line in text.splitlines():
        if line.startswith("# @package"):
            continue
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body:
            current.append(body)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    summary = re.sub(r"^Staffing plan `[^`]+`:\s*", "", paragraphs[0]) if paragraphs else name
    cost = next((p[len("Cost:"):].strip() for p in paragraphs if p.startswith("Cost:")), "")
    return {"summary": summary[:1].upper() + summary[1:], "cost": cost}


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
    for key in raw:
        if key not in SETTINGS:
            raise ConfigError(f"{key}: unknown key (allowed: {', '.join(SETTINGS)})")
    plans = raw["plans"]
    if isinstance(plans, str):
        plans = [plans]
    names = available_plans()
    if not isinstance(plans, list) or len(plans) < 2:
        _fail("plans", plans, "a list of at least two plans, the first being the baseline, "
              f"from: {', '.join(names)}")
    for p in plans:
        if p not in names:
            raise ConfigError(f"plans: unknown plan '{p}' (allowed: {', '.join(names)})")
    for p in plans:
        if plans.count(p) > 1:
            raise ConfigError(f"plans: '{p}' is listed twice (allowed: each plan once)")
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


def plan_configs(plans: list[str], market_days: int, overrides: list[str]) -> dict:
    """The validated sim Config of each plan (raises ConfigError, one line)."""
    from sim import ConfigError, load_config

    out = {}
    for name in plans:
        cfg = load_config([f"market.days={market_days}", *overrides, f"plan={name}"])
        if FOCAL not in cfg.practices:
            raise ConfigError(f"practices: no focal practice '{FOCAL}' (allowed: a market "
                              "with a practices.alpha slot)")
        out[name] = cfg
    return out


def check(cfg) -> None:
    """preflight's check: the settings, then every plan composed and validated."""
    s = settings_from(cfg)
    plan_configs(s["plans"], s["market_days"], s["sim_overrides"])


# --------------------------------------------------------------------------- one run


def hour_exposure(days: int) -> np.ndarray:
    """How many times each hour of the week occurs in `days` days from Monday 00:00."""
    count = np.zeros(HOURS_PER_WEEK)
    for d in range(days):
        count[(d % 7) * 24 : (d % 7) * 24 + 24] += 1
    return count


def simulate(cfg, seed: int, within_minutes: float = 1 / 3) -> dict:
    """One run of one plan: the focal practice's metrics, first responses and inquiry
    counts per hour of the week (plain data, small enough to send between processes)."""
    import sim

    logging.getLogger("MESA").setLevel(logging.WARNING)
    t0, c0 = time.perf_counter(), time.process_time()
    result = sim.run(replace(cfg, seed=seed))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = result.summary
    prefix = f"practices.{FOCAL}."
    metrics = {}
    for name, key in METRICS:
        v = s.get(prefix + key)
        metrics[name] = float(v) if v is not None else math.nan
    inq = result.inquiries[result.inquiries["practice"] == FOCAL]
    phone = inq[inq["channel"] == "phone"]
    frt = phone["first_response_minutes"]
    metrics["never_answered_share"] = 1.0 - metrics["answered_share"]
    metrics["phone_calls"] = float(len(phone))
    metrics["phone_answered_within_target"] = (
        float((frt <= within_minutes).mean()) if len(phone) else math.nan)
    metrics["phone_abandoned_share"] = float(phone["abandoned"].mean()) if len(phone) else math.nan
    monitored = {str(getattr(c, "value", c)) for c in cfg.practices[FOCAL].channels}
    how = (inq["arrived_at"].to_numpy() // 60).astype(int) % HOURS_PER_WEEK
    groups = np.where(inq["channel"] == "phone", 0,
                      np.where(inq["channel"].isin(monitored), 1, 2))
    by_hour = np.zeros((3, HOURS_PER_WEEK))
    np.add.at(by_hour, (groups, how), 1)
    return {
        "metrics": metrics,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "first_response": inq["first_response_minutes"].to_numpy(dtype="float32"),
        "channel": inq["channel"].to_numpy(dtype=object),
        "by_hour": by_hour,  # rows: phone, monitored messages, unmonitored messages
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
    """Worker processes for `n_tasks` runs: `n_jobs`, or one per core (as joblib counts
    them, container CPU limits included) for -1; never more than the runs."""
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or (n_jobs < 1 and n_jobs != -1):
        raise ValueError(f"n_jobs: {n_jobs!r} is not allowed (allowed: -1 for one worker per "
                         "core, or a whole number >= 1)")
    if n_jobs == -1:
        from joblib import cpu_count

        n_jobs = cpu_count()
    return max(1, min(n_jobs, n_tasks))


def _task(cfg, plan: str, r: int, seed: int, within: float):
    return plan, r, simulate(cfg, seed, within)


def run_comparison(configs: dict, replications: int, seed: int = 0, n_jobs: int = 1,
                   progress: bool = True, within_minutes: float = 1 / 3) -> Comparison:
    """Run every plan `replications` times; replication r has seed `seed + r` in every
    plan (common random numbers). `configs` maps a plan label to its sim Config. `n_jobs`:
    worker processes (1: in this process; -1: one per core); the results do not depend
    on it."""
    from tqdm import tqdm

    plans = list(configs)
    if replications < 2:
        raise ValueError("replications must be >= 2: an interval needs two replications")
    tasks = [(configs[p], p, r, seed + r, within_minutes)
             for r in range(replications) for p in plans]
    n_jobs = workers(n_jobs, len(tasks))
    t0 = time.perf_counter()
    bar = tqdm(total=len(tasks), unit="run", desc="simulating plans", disable=not progress,
               file=sys.stderr)
    results = {}
    if n_jobs > 1:
        from joblib import Parallel, delayed

        gen = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_task)(*t) for t in tasks)
        for plan, r, out in gen:
            results[plan, r] = out
            bar.update()
    else:
        for t in tasks:
            plan, r, out = _task(*t)
            results[plan, r] = out
            bar.update()
    bar.close()
    elapsed = time.perf_counter() - t0
    days = next(iter(configs.values())).market.days
    rows, frt, by_hour = [], [], {}
    exposure = hour_exposure(days)
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


# --------------------------------------------------------------------------- staffing


def _day_names(days) -> set[int]:
    order = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return {order.index(str(getattr(d, "value", d))) for d in days}


def _window_by_hour(days, start: str, end: str) -> np.ndarray:
    """Share of each hour of the week covered by a weekly window."""
    from sim.config import parse_clock

    s, e = parse_clock(start, "start"), parse_clock(end, "end")
    out = np.zeros(HOURS_PER_WEEK)
    for d in _day_names(days):
        for h in range(24):
            lo, hi = max(s, h * 60), min(e, h * 60 + 60)
            if hi > lo:
                out[d * 24 + h] += (hi - lo) / 60.0
    return out


def roster_by_hour(practice) -> dict[str, np.ndarray]:
    """People on shift per hour of the week by kind, from a PracticeConfig:
    `phone` (front desk and coordinators, who take calls), `messages_only` (social media),
    `service` (answering-service agents), and `phone_equivalent` (phone staff counting a
    receptionist as 1 - patient_share of a person, since patients at the desk come first)."""
    phone = np.zeros(HOURS_PER_WEEK)
    equiv = np.zeros(HOURS_PER_WEEK)
    social = np.zeros(HOURS_PER_WEEK)
    for line in practice.roster:
        role = str(getattr(line.role, "value", line.role))
        cover = _window_by_hour(line.days, line.start, line.end) * line.staff
        if role == "social_media":
            social += cover
        else:
            phone += cover
            equiv += cover * ((1 - practice.patient_share) if role == "front_desk" else 1.0)
    service = np.zeros(HOURS_PER_WEEK)
    svc = practice.answering_service
    if svc.enabled:
        if str(getattr(svc.hours, "value", svc.hours)) == "always":
            open_ = np.zeros(HOURS_PER_WEEK)
        else:
            open_ = np.clip(sum(_window_by_hour(h.days, h.start, h.end)
                                for h in practice.opening_hours), 0, 1)
        service = (1 - open_) * svc.agents
    return {"phone": phone, "phone_equivalent": equiv, "messages_only": social,
            "service": service}


def erlang_hint(phone_rate_per_hour: np.ndarray, handle_minutes: float,
                patience_minutes: float, within_minutes: float, service_level: float,
                max_abandon: float) -> np.ndarray:
    """Erlang A staff needed per hour of the week for the phone line (0 with no calls)."""
    from sim.analysis.erlang import staff_needed

    need = np.zeros(HOURS_PER_WEEK, dtype=int)
    cache: dict[float, int] = {}
    for h, rate in enumerate(phone_rate_per_hour):
        if rate <= 0:
            continue
        key = round(float(rate), 6)
        if key not in cache:
            cache[key] = staff_needed(key / 60.0, handle_minutes, patience_minutes,
                                      service_level, within_minutes, max_abandon)
        need[h] = cache[key]
    return need


# --------------------------------------------------------------------------- the app


def write_outputs(out: Path, comp: Comparison, configs: dict, settings: dict) -> Path:
    """comparison.csv, replications.csv, staffing_hint.csv, figures and report.html."""
    from sim.analysis import report, staffing_plots
    from sim.analysis.stats import compare_plans
    from sim.config import CHANNELS

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
    need = erlang_hint(phone_rate, focal[base].handling.call_minutes,
                       configs[base].prospect.hold_patience_minutes, within,
                       target["service_level"], target["max_abandon"])
    rosters = {p: roster_by_hour(focal[p]) for p in comp.plans}
    hint = pd.DataFrame({"hour_of_week": np.arange(HOURS_PER_WEEK),
                         "day": np.repeat(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], 24),
                         "hour": np.tile(np.arange(24), 7),
                         "phone_calls_per_hour": phone_rate,
                         "erlang_a_staff_needed": need})
    for p in comp.plans:
        hint[f"{p}.phone_staff"] = rosters[p]["phone"]
        hint[f"{p}.phone_equivalent"] = rosters[p]["phone_equivalent"]
        hint[f"{p}.answering_service"] = rosters[p]["service"]
    hint.to_csv(out / "staffing_hint.csv", index=False)

    figures = {
        "net_gain": staffing_plots.net_gain_figure(table, base),
        "first_response": staffing_plots.first_response_figure(
            comp.first_response, comp.plans,
            [str(getattr(c, "value", c)) for c in focal[base].channels]),
        "inquiries_by_hour": staffing_plots.inquiries_by_hour_figure(
            comp.by_hour[base], {p: rosters[p] for p in comp.plans}),
        "erlang_hint": staffing_plots.erlang_hint_figure(
            need, {p: rosters[p] for p in comp.plans}, phone_rate),
    }
    for name, png in figures.items():
        (out / f"{name}.png").write_bytes(png)

    ctx = report.ReportContext(
        practice_name=focal[base].name or FOCAL,
        plans=comp.plans,
        descriptions={p: plan_description(p) for p in comp.plans},
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
        patience_minutes=configs[base].prospect.hold_patience_minutes,
        patient_share=focal[base].patient_share,
        wage_overhead=settings["wage_overhead"],
        prospects_per_day=configs[base].market.prospects_per_day,
        competitors=[(s, p.name) for s, p in configs[base].practices.items() if s != FOCAL],
        channels=[str(getattr(c, "value", c)) for c in focal[base].channels],
        plan_channels={p: [str(getattr(c, "value", c)) for c in focal[p].channels]
                       for p in comp.plans},
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
    configs = plan_configs(s["plans"], s["market_days"], s["sim_overrides"])
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
        if key not in SETTINGS:
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


def main() -> None:
    from sim.hydra_support import ensure_registered, preflight

    precheck(sys.argv[1:])
    preflight(sys.argv[1:], "compare_staffing", check)
    ensure_registered()
    from sim.sweeps import run_app

    run_app(_app(), failed_jobs_exit=False)  # failed sweep jobs: sweep_failures.csv


if __name__ == "__main__":
    main()
