"""The best plan for a budget: search the staffing decisions, then select the winner with
a stated probability of being right.

    leadsim optimise budget_per_month=3000
    leadsim optimise budget_per_month=3000 practice=my_practice trials=60
    leadsim optimise hydra.run.dir=results/opt/a     # rerun: resumes the study there

1. Search. Every point of the `search=` space (sim.search.SearchSpace) is a plan of changes
   to the focal practice. Optuna's TPE proposes points (sim.search.study); each trial is the
   mean over `replications` runs on seeds seed .. seed + R - 1, the same for every trial and
   for the current plan (common random numbers): net gain a month = mean paired difference
   of net against the current plan, extra cost a month likewise (staffing cost and fees,
   plus `wage_overhead` x wages). The budget is Optuna's constraint (extra cost - budget
   <= 0). The study lives in optuna.db (SQLite) in the run folder: rerunning with the same
   `hydra.run.dir` finishes it to `trials` COMPLETE trials without redoing any.
2. Select. The `top_k` best trials that fit the budget, the current plan and the best
   shipped plan (configs/plan/) that fits go to procedure KN (Kim & Nelson 2001,
   sim.analysis.selection) on fresh seeds selection_seed + j.

Writes into the run folder: optuna.db, search.csv (every trial), shipped.csv (the shipped
plans on the search seeds), selection.csv, selection_runs.csv, best_plan.yaml (a plan file
`leadsim compare plans=[current,<run>/best_plan.yaml]` accepts), report.html.
"""

from __future__ import annotations

import json
import math
import numbers
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from experiments import compare_staffing as cs

SETTINGS = ("budget_per_month", "wage_overhead", "practice", "market_days", "trials",
            "replications", "seed", "sampler_seed", "startup_trials", "top_k", "delta",
            "alpha", "n0", "max_replications", "selection_seed", "n_jobs", "sim_overrides",
            "search")
# what a trial's result depends on: a study resumed with other values is refused
FINGERPRINT = ("budget_per_month", "wage_overhead", "practice", "market_days",
               "replications", "seed", "sim_overrides", "search")


def _whole(v, low: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= low


def _real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def settings_from(cfg) -> dict:
    """The settings as plain Python, checked; ConfigError (one line) naming the key."""
    from omegaconf import OmegaConf

    from sim import ConfigError
    from sim.search import SearchSpace

    raw = OmegaConf.to_container(cfg, resolve=True) if not isinstance(cfg, dict) else dict(cfg)
    raw.pop("hydra", None)
    if cs.PRACTICE_KEY in raw:
        raw["practice"] = raw.pop(cs.PRACTICE_KEY)
    for key in raw:
        if key not in SETTINGS:
            raise ConfigError(f"{key}: unknown key (allowed: {', '.join(SETTINGS)})")

    def need(key, ok, allowed):
        if not ok:
            cs._fail(key, raw.get(key), allowed)

    need("budget_per_month", _real(raw["budget_per_month"]) and raw["budget_per_month"] >= 0,
         "an amount of $ a month >= 0")
    need("wage_overhead", _real(raw["wage_overhead"]) and raw["wage_overhead"] >= 0,
         "a share >= 0, e.g. 0.3")
    for key, low in (("market_days", 7), ("trials", 1), ("replications", 1), ("seed", 0),
                     ("sampler_seed", 0), ("startup_trials", 0), ("top_k", 1), ("n0", 2),
                     ("selection_seed", 0)):
        need(key, _whole(raw[key], low), f"a whole number >= {low}")
    need("delta", _real(raw["delta"]) and raw["delta"] > 0, "an amount of $ a month > 0")
    need("alpha", _real(raw["alpha"]) and 0 < raw["alpha"] < 1,
         "a number between 0 and 1 (exclusive), e.g. 0.05 for 95%")
    mr = raw["max_replications"]
    need("max_replications", mr is None or _whole(mr, raw["n0"]),
         f"null, or a whole number >= n0 ({raw['n0']})")
    need("n_jobs", _whole(raw["n_jobs"], 1) or raw["n_jobs"] == -1, "-1, or a whole number >= 1")
    overrides = raw.get("sim_overrides") or []
    need("sim_overrides", isinstance(overrides, list) and all(isinstance(o, str)
                                                               for o in overrides),
         "a list of `python -m sim` overrides")
    practice = raw.get("practice")
    need("practice", practice is None or (isinstance(practice, str) and practice.strip()),
         "the name of a practice, or null for the market's")
    space = SearchSpace.from_dict(raw.get("search"))
    return {**raw, "sim_overrides": list(overrides), "space": space}


def check(cfg) -> None:
    """preflight's check: the settings, the space and the focal practice."""
    s = settings_from(cfg)
    cs.practice_config(s["market_days"], s["sim_overrides"], s["practice"])


# --------------------------------------------------------------------------- runs


class Runner:
    """Simulates plans on given seeds (compare_staffing.simulate on sim.replications'
    workers) and counts the runs; money is per month, with the wage overhead."""

    def __init__(self, base, s: dict):
        self.base, self.s, self.count = base, s, 0
        self.scale = cs.DAYS_PER_MONTH / s["market_days"]

    def config(self, plan):
        from sim.config import to_config

        return to_config(replace(self.base, plan=plan))

    def money(self, out: dict) -> tuple[float, float]:
        m, k = out["metrics"], self.s["wage_overhead"]
        return ((m["net"] - k * m["wages"]) * self.scale,
                (m["staffing_cost"] + k * m["wages"]) * self.scale)

    def run(self, configs: dict, seeds: dict) -> dict:
        """{name: {replication: (net, cost)}} for every name and replication -> seed."""
        from sim.replications import map_tasks

        tasks = [(configs[n], n, j, seed, 1 / 3) for j, seed in seeds.items() for n in configs]
        self.count += len(tasks)
        done = map_tasks(cs._task, tasks, self.s["n_jobs"], progress=False)
        out: dict = {n: {} for n in configs}
        for name, j, result in done:
            out[name][j] = self.money(result)
        return out


def _paired(runs: dict, baseline: list) -> dict:
    n = len(baseline)
    gain = sum(runs[j][0] - baseline[j][0] for j in range(n)) / n
    cost = sum(runs[j][1] - baseline[j][1] for j in range(n)) / n
    return {"value": gain, "extra_cost": cost, "replications": n}


def optimise(s: dict, out: Path, log=print) -> dict:
    """Search, select and write the outputs into `out`; returns a summary (the runs
    simulated now, the trials evaluated now, the selected plan)."""
    from sim import ConfigError
    from sim.analysis.selection import KNSelection
    from sim.config import PlanConfig
    from sim.config_files import load_plan, write_plan
    from sim.fileio import write_atomic
    from sim.search.study import completed, open_study, run_search, trials_table

    space, budget = s["space"], float(s["budget_per_month"])
    base = cs.practice_config(s["market_days"], s["sim_overrides"], s["practice"])
    runner = Runner(base, s)
    out.mkdir(parents=True, exist_ok=True)
    study = open_study(f"sqlite:///{out / 'optuna.db'}", s["sampler_seed"], s["startup_trials"])
    finger = json.dumps({k: s[k] for k in FINGERPRINT}, sort_keys=True, default=str)
    if study.user_attrs.get("settings", finger) != finger:
        raise ConfigError(f"hydra.run.dir: the study in {out} was run with other settings "
                          f"(allowed: the same {', '.join(FINGERPRINT)}, or a new run folder)")
    study.set_user_attr("settings", finger)
    seeds = {j: s["seed"] + j for j in range(s["replications"])}
    current = PlanConfig(name="current", summary="Keep the practice as it is.")
    if "baseline" not in study.user_attrs:
        runs = runner.run({"current": runner.config(current)}, seeds)["current"]
        study.set_user_attr("baseline", [list(runs[j]) for j in range(len(seeds))])
    baseline = study.user_attrs["baseline"]
    if "shipped" not in study.user_attrs:
        names = [p for p in cs.available_plans() if p != "current"]
        runs = runner.run({p: runner.config(load_plan(p)) for p in names}, seeds)
        study.set_user_attr("shipped", {p: _paired(runs[p], baseline) for p in names})
    shipped = pd.DataFrame([{"plan": p, "extra_cost_per_month": r["extra_cost"],
                             "net_gain_per_month": r["value"],
                             "fits_budget": r["extra_cost"] <= budget}
                            for p, r in study.user_attrs["shipped"].items()])

    def evaluate(point: dict) -> dict:
        plan = space.plan(point)
        return _paired(runner.run({"x": runner.config(plan)}, seeds)["x"], baseline)

    done_before, runs_before = len(completed(study)), runner.count
    evaluated = run_search(study, space, evaluate, s["trials"], budget)
    log(f"search: {len(completed(study))} trials ({evaluated} evaluated now, "
        f"{done_before} found in {out / 'optuna.db'})")
    search_runs = runner.count - runs_before
    table = trials_table(study, space)
    write_atomic(out / "search.csv", lambda tmp: table.to_csv(tmp, index=False))
    write_atomic(out / "shipped.csv", lambda tmp: shipped.to_csv(tmp, index=False))

    fits = table[table["fits_budget"] & table["repeat_of"].isna()]
    fits = fits.sort_values("net_gain_per_month", ascending=False).head(s["top_k"])
    fit_shipped = shipped[shipped["fits_budget"]].sort_values("net_gain_per_month",
                                                              ascending=False)
    if fits.empty:
        cheapest = table["extra_cost_per_month"].min()
        raise ConfigError(f"budget_per_month: {budget:g} fits no plan of the search space "
                          f"(its cheapest trial costs ${cheapest:,.0f} a month more; allowed: "
                          "a larger budget, or decisions that can cost less)")
    plans = {"current": current}
    for _, row in fits.iterrows():
        point = _point(space, row)
        plans[f"trial_{int(row['trial'])}"] = space.plan(point, name=f"trial_{int(row['trial'])}")
    best_shipped = None
    if not fit_shipped.empty:
        best_shipped = fit_shipped.iloc[0]["plan"]
        plans[best_shipped] = load_plan(best_shipped)
    configs = {n: runner.config(p) for n, p in plans.items()}
    sel = KNSelection(list(plans), s["delta"], s["alpha"], s["n0"], s["max_replications"])
    log(f"selection: {len(plans)} candidates ({', '.join(plans)}), KN with delta "
        f"${s['delta']:,.0f}, alpha {s['alpha']:g}")
    while not sel.done:
        rounds = sel.next_round()
        for j, systems in rounds:
            values = runner.run({n: configs[n] for n in systems},
                                {j: s["selection_seed"] + j})
            sel.observe(j, {n: values[n][j][0] for n in systems})
    result = sel.result()
    obs = sel.observations()
    write_atomic(out / "selection.csv", lambda tmp: result.table().to_csv(tmp, index=False))
    write_atomic(out / "selection_runs.csv", lambda tmp: obs.to_csv(tmp, index=False))
    chosen = plans[result.selected]
    best = replace(chosen, name="best_plan",
                   summary=chosen.summary or result.selected,
                   cost_note=f"leadsim optimise: {result.selected} of the run in {out}.")
    write_plan(best, out / "best_plan.yaml")
    summary = {"runs": runner.count, "search_runs": search_runs, "evaluated": evaluated, "selected": result.selected,
               "best_shipped": best_shipped, "guaranteed": result.guaranteed,
               "statement": result.statement(f"${s['delta']:,.0f} a month")}
    from experiments.optimise_report import write_report

    write_report(out, s, table, shipped, result, obs, plans, best_shipped)
    log(f"selected: {result.selected} ({chosen.summary})")
    log(summary["statement"])
    log(f"{runner.count} runs simulated now; best plan: {out / 'best_plan.yaml'}")
    return summary


def _point(space, row) -> dict:
    """The point of a search.csv row (values as the space holds them)."""
    out = {}
    for name, d in space.decisions.items():
        v = row[name]
        match = [x for x in d.values if x == v or (isinstance(x, float) and _real(v)
                                                    and math.isclose(x, float(v)))]
        out[name] = match[0] if match else v
    return out


def main_body(cfg) -> dict:
    from hydra.core.hydra_config import HydraConfig

    s = settings_from(cfg)
    return optimise(s, Path(HydraConfig.get().runtime.output_dir))


def _app():
    import hydra

    from sim import CONFIG_DIR, ConfigError

    @hydra.main(config_path=str(CONFIG_DIR), config_name="optimise_staffing",
                version_base="1.3")
    def app(cfg) -> None:
        try:
            main_body(cfg)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None

    return app


def precheck(argv: list[str]) -> None:
    """Keys this app does not have, as one line (exit 2)."""
    from sim.hydra_support import overrides_of

    for arg in overrides_of(argv):
        key = arg.split("=", 1)[0].lstrip("+~").split(".")[0].split("@")[0]
        if key.startswith("hydra") or key in SETTINGS or key == cs.PRACTICE_KEY:
            continue
        print(f"error: {key}: unknown key (allowed: {', '.join(SETTINGS)})", file=sys.stderr)
        raise SystemExit(2)


def main() -> None:
    from sim.hydra_support import ensure_registered, preflight

    precheck(sys.argv[1:])
    sys.argv[1:] = cs.practice_argument(sys.argv[1:])
    preflight(sys.argv[1:], "optimise_staffing", check)
    ensure_registered()
    _app()()


if __name__ == "__main__":
    main()
