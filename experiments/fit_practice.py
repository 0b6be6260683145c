"""Your own practice: fit leadsim to a call log and an inquiry export, and back-test it.

    leadsim fit calls=calls.csv leads=leads.csv name=mine            # the generic layout
    leadsim fit calls=cdr.tsv columns=cdr timezone=Europe/London name=mine
    leadsim fit calls=calls.csv leads=hubspot.csv columns=[cdr,hubspot] name=mine
    python -m experiments.fit_practice ...                           # the same

The question: which leadsim practice behaves like yours? The design: read the exports
through the column mapping (sim/fit/readers.py), estimate the arrivals per channel and hour
of the week, the phone line and the roster (sim/fit/estimate.py), make a practice of them
(sim/fit/practice.py), then simulate it in replications against its own records,
calibrating what the records cannot show (sim/fit/backtest.py).

Writes into results/fit_practice/<date>/<time>/:
- fit.json         every estimate with its interval, rows read / skipped and why
                   (docs/reference/fit-json.md)
- practice.yaml    the fitted practice (a config of the `practice` group)
- backtest.csv     metric, observed, simulated_mean, simulated_low, simulated_high, within
- calibration.csv  every setting tried by the calibration, with its loss
- fit_report.html  one self-contained page: profiles, talk time, patience, roster, back-test
and the practice into your config folder as practice/NAME.yaml (refused if it exists,
unless overwrite=true), so `leadsim run practice@practices.alpha=NAME` and
`leadsim compare practice=NAME` use it by name.

Bad input (a missing file or column, an unknown time zone, too many broken rows, a name
already taken) is one line, exit 2, before anything is written.

A little over 300 lines: most of it checks the app's own settings (files, columns, time
zone, name, back-test sizes), each with its one-line error; the fitting is sim/fit/.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

SETTINGS = ("calls", "leads", "columns", "name", "timezone", "max_bad_share", "base",
            "backtest", "replications", "calibrate", "calibration_replications", "seed",
            "n_jobs", "overwrite", "sim_overrides")
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


@dataclass
class Settings:
    calls: str | None
    leads: str | None
    columns: list[str]
    name: str
    timezone: str | None
    max_bad_share: float
    base: str
    backtest: bool
    replications: int
    calibrate: bool
    calibration_replications: int
    seed: int
    n_jobs: int
    overwrite: bool
    sim_overrides: list[str]


def _fail(key: str, value, allowed: str):
    from sim import ConfigError

    raise ConfigError(f"{key}: {value!r} is not allowed (allowed: {allowed})")


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def settings_from(cfg, require: bool = True) -> Settings:
    """The app's settings, checked (ConfigError: one line). `require=False` (for `--help`)
    checks the values given but not that the exports and the name are there."""
    from omegaconf import OmegaConf

    from sim import ConfigError
    from sim.paths import CONFIG_DIR, user_config_dir

    raw = OmegaConf.to_container(cfg, resolve=True)
    raw.pop("hydra", None)
    for key in raw:
        if key not in SETTINGS:
            raise ConfigError(f"{key}: unknown key (allowed: {', '.join(SETTINGS)})")
    if require and not raw["calls"] and not raw["leads"]:
        raise ConfigError("calls, leads: no export given (allowed: calls=FILE and/or "
                          "leads=FILE: a call log, an inquiry export, or both)")
    name = raw["name"]
    if not name and require:
        raise ConfigError("name: missing (allowed: a name for the fitted practice, e.g. "
                          "name=my_practice; it becomes practice/NAME.yaml in your config "
                          "folder)")
    if name:  # --help before a name is given still checks the other values
        name = str(name)
        if not NAME.match(name):
            _fail("name", name, "letters, digits, _ and - (a config file's name)")
        if (CONFIG_DIR / "practice" / f"{name}.yaml").exists():
            _fail("name", name, "a name that is not a shipped practice (a shipped file of "
                  "the same name would hide yours)")
        target = user_config_dir() / "practice" / f"{name}.yaml"
        if target.exists() and not raw["overwrite"]:
            raise ConfigError(f"name: {target} exists (allowed: another name, or "
                              "overwrite=true to replace it)")
    columns = raw["columns"]
    columns = [columns] if isinstance(columns, str) else list(columns or ["generic"])
    share = raw["max_bad_share"]
    if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share < 1:
        _fail("max_bad_share", share, "a share from 0 to below 1, e.g. 0.01")
    for key, lo in (("replications", 2), ("calibration_replications", 1), ("seed", 0)):
        if not _int(raw[key]) or raw[key] < lo:
            _fail(key, raw[key], f"a whole number >= {lo}")
    if not _int(raw["n_jobs"]) or (raw["n_jobs"] < 1 and raw["n_jobs"] != -1):
        _fail("n_jobs", raw["n_jobs"], "-1 for one worker per core, or a whole number >= 1")
    for key in ("backtest", "calibrate", "overwrite"):
        if not isinstance(raw[key], bool):
            _fail(key, raw[key], "true, false")
    overrides = raw["sim_overrides"] or []
    overrides = [overrides] if isinstance(overrides, str) else list(overrides)
    for o in overrides:
        key = o.partition("=")[0].lstrip("+~")
        if key in ("market.days", "seed") or key.startswith("practice@practices.alpha") \
                or key.startswith("practices.alpha"):
            _fail("sim_overrides", o, "overrides of the back-test's market, but not the focal "
                  "practice, market.days or seed (the fit sets them)")
    from sim.fit.practice import load_practice

    load_practice(str(raw["base"]))
    return Settings(raw["calls"] and str(raw["calls"]), raw["leads"] and str(raw["leads"]),
                    [str(c) for c in columns], name, raw["timezone"], float(share),
                    str(raw["base"]), raw["backtest"], raw["replications"], raw["calibrate"],
                    raw["calibration_replications"], raw["seed"], raw["n_jobs"],
                    raw["overwrite"], overrides)


_FITS: dict = {}


def read_and_fit(s: Settings):
    """The mapping and the estimates (cached: preflight reads the files once, so a broken
    file stops the command before Hydra makes the run folder)."""
    from sim.fit.estimate import fit_records
    from sim.fit.mapping import _check_zone, load_mapping

    key = (s.calls, s.leads, tuple(s.columns), s.timezone, s.max_bad_share,
           *(_stamp(p) for p in (s.calls, s.leads)))
    if key not in _FITS:
        mapping = load_mapping(s.columns)
        if s.timezone:
            _check_zone(s.timezone, "timezone")
            mapping.timezone = s.timezone
        _FITS[key] = fit_records(s.calls, s.leads, mapping, s.max_bad_share)
    return _FITS[key]


def _stamp(path):
    p = Path(path) if path else None
    return (p.stat().st_mtime_ns, p.stat().st_size) if p is not None and p.is_file() else None


def check(cfg) -> None:
    """preflight's check: the settings, the sim overrides, then the exports themselves."""
    s = settings_from(cfg)
    if s.sim_overrides:
        from sim import load_config

        load_config(s.sim_overrides)
    read_and_fit(s)


def check_given(cfg) -> None:
    """`--help`'s check: the values given are checked as a run checks them, but the exports
    and the name a run needs are not missing yet (`leadsim fit --help` shows the settings)."""
    s = settings_from(cfg, require=False)
    if s.sim_overrides:
        from sim import load_config

        load_config(s.sim_overrides)
    if (s.calls or s.leads) and s.name:
        read_and_fit(s)


# --------------------------------------------------------------------------- the run


def fit_practice(s: Settings, out: Path, progress: bool = True) -> dict:
    """Fit, back-test and write every output into `out` (and the user's practice file)."""
    from sim.fileio import write_atomic
    from sim.fit import report
    from sim.fit.backtest import run_backtest
    from sim.fit.practice import build_practice, header_lines, load_practice, practice_yaml
    from sim.paths import user_config_dir

    logging.getLogger("MESA").setLevel(logging.WARNING)
    fit = read_and_fit(s)
    practice = build_practice(fit, s.name, load_practice(s.base))
    keys = {"fit.name": s.name, "fit.base": s.base, "fit.max_bad_share": s.max_bad_share,
            **fit.keys()}
    bt = None
    if s.backtest:
        def say(msg: str) -> None:
            if progress:
                print(f"  {msg}", file=sys.stderr, flush=True)

        bt = run_backtest(fit, practice, s.replications, s.seed, s.calibrate,
                          s.calibration_replications, s.sim_overrides, s.n_jobs, say)
        practice = bt.practice
        keys.update({f"calibration.{k}": v for k, v in bt.calibration.items()
                     if not isinstance(v, dict)})
        for c, v in bt.calibration["inquiry_share"].items():
            keys[f"calibration.inquiry_share.{c}"] = v
        keys["backtest.metrics"] = len(bt.table)
        keys["backtest.within"] = int(bt.table["within"].sum())
        keys["backtest.runs"] = bt.runs
    text = practice_yaml(practice, header_lines(fit, s.name, s.base, out))
    _validate_practice_text(text, s.name)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "practice.yaml", lambda p: Path(p).write_text(text))
    body = json.dumps(keys, indent=2)
    write_atomic(out / "fit.json", lambda p: Path(p).write_text(body + "\n"))
    if bt is not None:
        write_atomic(out / "backtest.csv", lambda p: bt.table.drop(columns=["label"])
                     .to_csv(p, index=False))
        import pandas as pd

        write_atomic(out / "calibration.csv",
                     lambda p: pd.DataFrame(bt.trace, columns=["setting", "value", "loss"])
                     .to_csv(p, index=False))
    html = report.render(fit, practice, keys, bt, s)
    write_atomic(out / "fit_report.html", lambda p: Path(p).write_text(html))
    target = user_config_dir() / "practice" / f"{s.name}.yaml"
    if target.exists() and not s.overwrite:  # made since the check: still never replaced
        from sim import ConfigError

        raise ConfigError(f"name: {target} exists (allowed: another name, or overwrite=true)")
    write_atomic(target, lambda p: Path(p).write_text(text))
    return {"keys": keys, "backtest": bt, "practice_file": target, "fit": fit}


def _validate_practice_text(text: str, name: str) -> None:
    """The written practice composes into a valid leadsim market."""
    import yaml
    from omegaconf import OmegaConf

    from sim.config import PracticeConfig, validate_practice

    merged = OmegaConf.merge(OmegaConf.structured(PracticeConfig), yaml.safe_load(text))
    validate_practice(OmegaConf.to_object(merged), f"practice/{name}")


def summary_lines(result: dict, out: Path, s: Settings) -> list[str]:
    k = result["keys"]

    def f(key, fmt="{:.2f}"):
        v = k.get(key)
        return "n/a" if v is None else fmt.format(v)

    lines = [f"rows: {k['rows.read']} read, {k['rows.skipped']} skipped, "
             f"{k['rows.duplicates']} duplicates, {k['rows.filtered']} filtered, "
             f"{k['rows.dropped']} dropped by the mapping"]
    if "phone.calls" in k:
        lines.append(f"phone: {f('phone.calls_per_week', '{:.1f}')} calls a week, "
                     f"talk {f('phone.talk_minutes.mean')} min "
                     f"({k.get('phone.talk_minutes.distribution', 'n/a')}), patience "
                     f"{f('phone.patience_minutes.mean')} min "
                     f"[{f('phone.patience_minutes.mean.low')}, "
                     f"{f('phone.patience_minutes.mean.high')}], abandoned "
                     f"{f('phone.abandoned_share', '{:.1%}')}, answered within 20 s "
                     f"{f('phone.answered_within_20s_share', '{:.1%}')}")
    for c in [c for c in ("web_form", "email", "chat", "sms", "social_dm", "review_site")
              if f"leads.{c}.inquiries" in k]:
        lines.append(f"{c}: {f(f'leads.{c}.per_week', '{:.1f}')} a week, median first "
                     f"response {f(f'leads.{c}.first_response_median_minutes', '{:.0f}')} min")
    bt = result["backtest"]
    if bt is not None:
        lines.append(f"back-test: {int(bt.table['within'].sum())} of {len(bt.table)} figures "
                     f"within the simulated range ({bt.runs} runs)")
    lines += [f"fit: {out / 'fit.json'}", f"report: {(out / 'fit_report.html').resolve()}",
              f"practice: {result['practice_file']}",
              f"next: leadsim compare practice={s.name}"]
    return lines


def main_body(cfg) -> Path:
    from hydra.core.hydra_config import HydraConfig

    s = settings_from(cfg)
    out = Path(HydraConfig.get().runtime.output_dir)
    result = fit_practice(s, out, progress=True)
    for line in summary_lines(result, out, s):
        print(line)
    return out


def _app():
    import hydra

    from sim import CONFIG_DIR

    @hydra.main(config_path=str(CONFIG_DIR), config_name="fit_practice", version_base="1.3")
    def app(cfg) -> None:
        main_body(cfg)

    return app


def precheck(argv: list[str]) -> None:
    """Keys this app does not have as one line (exit 2), before Hydra parses anything."""
    for arg in argv:
        if arg.startswith("-") or arg.startswith("hydra"):
            if arg in ("-m", "--multirun"):
                print("error: -m: a fit is one run (allowed: no sweep)", file=sys.stderr)
                raise SystemExit(2)
            continue
        key = arg.split("=", 1)[0].lstrip("+~").split(".")[0]
        if key not in SETTINGS:
            print(f"error: {key}: unknown key (allowed: {', '.join(SETTINGS)})",
                  file=sys.stderr)
            raise SystemExit(2)


def main() -> None:
    from sim.hydra_support import ensure_registered, preflight

    precheck(sys.argv[1:])
    asks_help = any(a in ("--help", "-h") for a in sys.argv[1:])
    preflight(sys.argv[1:], "fit_practice", check_given if asks_help else check)
    ensure_registered()
    from sim.sweeps import run_app

    run_app(_app())


if __name__ == "__main__":
    main()
