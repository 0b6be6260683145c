"""`leadsim optimise`'s work, without Hydra: search the plan space for the highest net
gain a month within a budget, then select the winner among the best candidates with
procedure KN (sim.analysis.selection), and write the outputs into the run folder.

1. Search (sim.search.study). Each trial is the mean over `replications` runs on seeds
   seed .. seed + R - 1, the same for every trial, for the current plan and for the
   shipped plans (common random numbers): net gain a month = mean paired difference of
   net against the current plan; extra cost a month likewise. The budget is Optuna's
   constraint. The study lives in optuna.db (SQLite) in the run folder, and with it the
   current and shipped plans' results (study attributes), so a rerun in the same folder
   simulates only what is missing.
2. Select. The `top_k` best distinct trials that fit the budget, the current plan and the
   best shipped plan (configs/plan/) that fits run on fresh seeds selection_seed + j
   until KN has one left; the replications done are kept in selection_runs.csv, so a
   rerun does not run them again.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..config import ConfigError, PlanConfig
from .runs import FOCAL, PlanRunner, paired
from .space import SearchSpace
from .study import completed, open_study, run_search, search_in_workers, trials_table

# what a trial's result depends on: a study resumed with other values is refused
FINGERPRINT = ("budget_per_month", "wage_overhead", "practice", "market_days",
               "replications", "seed", "sim_overrides", "search")
CURRENT = "current"


def current_plan() -> PlanConfig:
    return PlanConfig(name=CURRENT, summary="Keep the practice as it is.")


def shipped_plans() -> list[str]:
    """The shipped plans (and the user's own), the current plan left out."""
    from ..config_files import plan_options

    return [p for p in plan_options() if p != CURRENT]


def make_evaluate(base, market_days: int, wage_overhead: float, n_jobs: int,
                  space: SearchSpace, seeds: dict, baseline: dict):
    """A trial's evaluator: the point's plan on the search seeds, paired with the baseline
    (module level and picklable arguments, for search_in_workers)."""
    runner = PlanRunner(base, market_days, wage_overhead, n_jobs)

    def evaluate(point: dict) -> dict:
        runs = runner.run({"x": runner.config(space.plan(point))}, seeds)["x"]
        return paired(runs, baseline)

    return evaluate


class _Progress:
    """The search's progress bar: trials done, the best net gain in the budget so far."""

    def __init__(self, study, n_trials: int, budget: float, enabled: bool):
        from tqdm import tqdm

        done = min(len(completed(study)), n_trials)
        self.budget = budget
        self.bar = tqdm(total=n_trials, initial=done, desc="search", unit="trial",
                        file=sys.stderr, disable=not enabled)

    def __call__(self, study, trial) -> None:
        fit = [t.value for t in completed(study)
               if t.user_attrs.get("extra_cost", float("inf")) <= self.budget]
        if fit:
            self.bar.set_postfix_str(f"best in budget ${max(fit):,.0f}/month", refresh=False)
        self.bar.update(min(len(completed(study)), self.bar.total) - self.bar.n)


def _study_state(study, runner: PlanRunner, s: dict, seeds: dict) -> tuple[dict, dict]:
    """The current plan's runs and the shipped plans' paired results on the search seeds,
    from the study if a previous run stored them, else simulated now and stored."""
    from ..config_files import load_plan

    if "baseline" not in study.user_attrs:
        runs = runner.run({CURRENT: runner.config(current_plan())}, seeds)[CURRENT]
        study.set_user_attr("baseline", {str(j): list(v) for j, v in runs.items()})
    baseline = {int(j): tuple(v) for j, v in study.user_attrs["baseline"].items()}
    if "shipped" not in study.user_attrs:
        names = shipped_plans()
        runs = runner.run({p: runner.config(load_plan(p)) for p in names}, seeds)
        study.set_user_attr("shipped", {p: paired(runs[p], baseline) for p in names})
    return baseline, study.user_attrs["shipped"]


def candidates(study, table: pd.DataFrame, space: SearchSpace, top_k: int) -> dict:
    """{name: plan} of the top_k best trials that fit the budget, distinct plans only."""
    params = {t.number: t.params for t in completed(study)}
    plans: dict = {}
    fit = table[table["fits_budget"] & table["repeat_of"].isna()]
    for _, row in fit.sort_values("net_gain_per_month", ascending=False).iterrows():
        if len(plans) == top_k:
            break
        point = space.point_of_params(params[int(row["trial"])])
        plan = space.plan(point, name=row["plan"])
        if any(replace(plan, name="", summary="") == replace(p, name="", summary="")
               for p in plans.values()):
            continue
        plans[row["plan"]] = plan
    return plans


def optimise(s: dict, base, out: Path, log=print, progress: bool = True) -> dict:
    """Search, select and write the outputs into `out` (s: the app's checked settings,
    base: the market with the focal practice as it is); returns a summary: the runs
    simulated now, the trials evaluated now, the selected plan."""
    from ..analysis.optimise_report import write_report
    from ..analysis.practice_words import describe_change
    from ..analysis.selection import select_best
    from ..config_files import load_plan, write_plan
    from ..fileio import write_atomic

    space, budget = s["space"], float(s["budget_per_month"])
    runner = PlanRunner(base, s["market_days"], s["wage_overhead"], s["n_jobs"])
    out.mkdir(parents=True, exist_ok=True)
    storage = s.get("storage") or f"sqlite:///{out / 'optuna.db'}"
    study = open_study(storage, s["sampler_seed"], s["startup_trials"])
    finger = json.dumps({k: s[k] for k in FINGERPRINT}, sort_keys=True, default=str)
    if study.user_attrs.get("settings", finger) != finger:
        raise ConfigError(f"hydra.run.dir: the study in {storage} was run with other "
                          f"settings (allowed: the same {', '.join(FINGERPRINT)}, or a new "
                          "run folder)")
    study.set_user_attr("settings", finger)
    seeds = {j: s["seed"] + j for j in range(s["replications"])}
    baseline, shipped = _study_state(study, runner, s, seeds)

    done_before = len(completed(study))
    args = (base, s["market_days"], s["wage_overhead"], s["n_jobs"], space, seeds, baseline)
    if s.get("search_workers", 1) > 1:
        args = (*args[:3], 1, *args[4:])  # one process per worker, one run at a time
        evaluated = search_in_workers(storage, s["search_workers"], s["sampler_seed"],
                                      s["startup_trials"], space, make_evaluate, args,
                                      s["trials"], budget)
    else:
        bar = _Progress(study, s["trials"], budget, progress)
        evaluate = make_evaluate(*args)
        evaluated = run_search(study, space, evaluate, s["trials"], budget, on_trial=bar)
        bar.bar.close()
    log(f"search: {len(completed(study))} trials ({evaluated} evaluated now, "
        f"{done_before} found in {storage})")
    search_runs = evaluated * len(seeds)  # the evaluators' own runners
    table = trials_table(study, space, budget)
    shipped_rows = pd.DataFrame([{"plan": p, "stage": "shipped",
                                  "extra_cost_per_month": r["extra_cost"],
                                  "net_gain_per_month": r["value"],
                                  "fits_budget": r["extra_cost"] <= budget,
                                  "replications": r["replications"]}
                                 for p, r in shipped.items()])
    every = pd.concat([table, shipped_rows], ignore_index=True)
    write_atomic(out / "search.csv", lambda tmp: every.to_csv(tmp, index=False))

    plans = {CURRENT: current_plan()}
    found = candidates(study, table, space, s["top_k"])
    if not found:
        cheapest = table["extra_cost_per_month"].min()
        raise ConfigError(f"budget_per_month: ${budget:,.0f} a month fits no plan of the "
                          f"search space (its cheapest trial costs ${cheapest:,.0f} a month "
                          "more; allowed: a larger budget, or decisions that can cost less)")
    plans.update(found)
    fit_shipped = shipped_rows[shipped_rows["fits_budget"]]
    best_shipped = None
    if len(fit_shipped):
        best_shipped = fit_shipped.loc[fit_shipped["net_gain_per_month"].idxmax(), "plan"]
        plans[best_shipped] = load_plan(best_shipped)
    result, obs = _select(study, runner, plans, s, out, log, progress, select_best)
    write_atomic(out / "selection.csv", lambda tmp: result.table().to_csv(tmp, index=False))

    chosen = plans[result.selected]
    best = replace(chosen, name="best_plan", summary=chosen.summary or result.selected,
                   cost_note=f"leadsim optimise: {result.selected} of the run in {out}.")
    write_plan(best, out / "best_plan.yaml")
    changes = {n: describe_change(base.practices[FOCAL],
                                  runner.config(p).practices[FOCAL]).text
               for n, p in plans.items()}
    report = write_report(out, s, every, result, obs, plans, best_shipped, changes)
    statement = result.statement(f"${s['delta']:,.0f} a month")
    log(f"selected: {result.selected} ({chosen.summary})")
    log(statement)
    log(f"{runner.count + search_runs} runs simulated now; best plan: "
        f"{out / 'best_plan.yaml'}; report: {report}")
    return {"runs": runner.count + search_runs, "search_runs": search_runs,
            "evaluated": evaluated,
            "selected": result.selected, "best_shipped": best_shipped,
            "guaranteed": result.guaranteed, "statement": statement}


def _select(study, runner: PlanRunner, plans: dict, s: dict, out: Path, log, progress,
            select_best):
    """Procedure KN over `plans` on seeds selection_seed + j; the replications run are
    written to selection_runs.csv after each round and reused by a rerun with the same
    candidates."""
    from tqdm import tqdm

    from ..fileio import write_atomic

    path = out / "selection_runs.csv"
    names = list(plans)
    old = None
    if study.user_attrs.get("selection_candidates") == names and path.is_file():
        old = pd.read_csv(path)
    study.set_user_attr("selection_candidates", names)
    configs = {n: runner.config(p) for n, p in plans.items()}
    log(f"selection: {len(plans)} candidates ({', '.join(plans)}), KN with delta "
        f"${s['delta']:,.0f} a month, alpha {s['alpha']:g}")
    bar = tqdm(desc="selection", unit="replication", file=sys.stderr, disable=not progress)

    def sample(systems, j):
        values = runner.run({n: configs[n] for n in systems}, {j: s["selection_seed"] + j})
        return {n: values[n][j][0] for n in systems}

    def on_round(sel):
        obs = sel.observations()
        write_atomic(path, lambda tmp: obs.to_csv(tmp, index=False))
        worst, cap = sel.worst_case_replications, s["max_replications"]
        bar.total = min(x for x in (worst, cap) if x is not None) if worst or cap else None
        bar.set_postfix_str(f"{len(sel.survivors)} left", refresh=False)
        bar.update(sel.replications - bar.n)

    result = select_best(names, sample, s["delta"], s["alpha"], s["n0"],
                         s["max_replications"], observations=old, on_round=on_round)
    bar.close()
    obs = pd.read_csv(path) if path.is_file() else pd.DataFrame(
        columns=["system", "replication", "value"])
    return result, obs
