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

The work is sim.search.optimise's; this app checks the settings and hands them over.
Writes into the run folder: optuna.db, search.csv (every trial and the shipped plans),
selection.csv, selection_runs.csv, best_plan.yaml (a plan file `leadsim compare
plans=[current,<run>/best_plan.yaml]` accepts), report.html.
"""

from __future__ import annotations

import math
import numbers
import sys
from pathlib import Path

from experiments import compare_staffing as cs

SETTINGS = ("budget_per_month", "wage_overhead", "practice", "market_days", "trials",
            "replications", "seed", "sampler_seed", "startup_trials", "top_k", "delta",
            "alpha", "n0", "max_replications", "selection_seed", "n_jobs",
            "search_workers", "storage", "sim_overrides", "search")


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
    raw.setdefault("search_workers", 1)
    raw.setdefault("storage", None)
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
    need("search_workers", _whole(raw["search_workers"], 1), "a whole number >= 1")
    storage = raw.get("storage")
    need("storage", storage is None or (isinstance(storage, str) and "://" in storage),
         "null (optuna.db in the run folder) or an RDB URL, e.g. sqlite:///x.db")
    first, last, sel = raw["seed"], raw["seed"] + raw["replications"] - 1, raw["selection_seed"]
    need("selection_seed", sel > last or (mr is not None and sel + mr <= first),
         f"fresh seeds: above the search's seeds {first}..{last}")
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


def main_body(cfg) -> dict:
    from hydra.core.hydra_config import HydraConfig

    from sim.search.optimise import optimise

    s = settings_from(cfg)
    base = cs.practice_config(s["market_days"], s["sim_overrides"], s["practice"])
    return optimise(s, base, Path(HydraConfig.get().runtime.output_dir))


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
        name, _, value = arg.partition("=")
        if name in ("search", "search.decisions") and value.strip() in ("{}", "null"):
            # Hydra merges `{}` into the defaults (a no-op): an empty space is refused here
            print(f"error: search.decisions: {value.strip()} is not allowed (allowed: at least "
                  "one decision to search)", file=sys.stderr)
            raise SystemExit(2)
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
