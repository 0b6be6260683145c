"""MkDocs hook: the reference pages that are generated from the code at build time, so they
cannot drift from it (mkdocs.yml `hooks:`).

- reference/configuration.md: every key of the schema (sim/config.py) with its type,
  default and the comment beside it in the source; the config groups and their options
  (configs/, each file's first comment line); the settings of the apps' own configs.
- reference/outputs.md: every file, column and summary metric of a run
  (sim/analysis/contract.py, checked against real runs by tests/test_contract.py), and
  the tables of the comparison, speed-to-lead and sweep apps from their column lists.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `mkdocs build` from a checkout without an install
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("mkdocs.plugins.leadsim")

PAGES = {
    "reference/configuration.md": "configuration_page",
    "reference/outputs.md": "outputs_page",
}


def on_files(files, config):
    from mkdocs.structure.files import File

    for uri, maker in PAGES.items():
        files.append(File.generated(config, uri, content=globals()[maker]()))
    return files


# --------------------------------------------------------------------------- helpers


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def code(value) -> str:
    from sim.describe import override_text

    text = override_text(value)
    return f"`{cell(text)}`" if text != "" else "`''`"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


GENERATED = ("!!! note \"Generated\"\n    This page is written from the code when the site "
             "is built ({source}); edit the source, not this page.\n")


# --------------------------------------------------------------------------- configuration


def _first_comment(path: Path) -> str:
    """The first sentence of the file's opening comment."""
    from sim.describe import first_sentence

    words: list[str] = []
    for line in path.read_text().splitlines():
        if line.startswith("# @package"):
            continue
        text = line.lstrip("#").strip()
        if not line.startswith("#") or (not text and words):
            break
        words.append(text)
    return first_sentence(" ".join(words), width=160)


def configuration_page() -> str:
    import inspect

    from sim import config as schema
    from sim.describe import schema_keys
    from sim.paths import CONFIG_DIR

    out = ["# Configuration keys", "",
           GENERATED.format(source="`sim/config.py`, `configs/`"),
           "Every key is set on the command line as `key=value` (`leadsim run "
           "market.days=30`), in a YAML file of `configs/` or of your own config folder, "
           "or from Python (`sim.load_config([\"market.days=30\"])`). The defaults below "
           "are the schema's; the shipped options of `configs/` (the default market, the "
           "practice archetypes, the prospect profiles) set many of them, so "
           "`leadsim run --cfg job` prints the values a run really gets. A bad key or value "
           "stops the command with one line naming it ([errors](errors.md)).", "",
           "## Config groups", "",
           "A group is a decision: pick one of its options with `group=option` "
           "(`prospect=lrm2007`); a practice archetype goes into a slot of the market with "
           "`practice@practices.<slot>=<option>`. Files of your own, in the same layout, "
           "are found by name ([your own practice](../how-to/your-own-practice.md)).", ""]
    rows = []
    for folder in sorted(p for p in CONFIG_DIR.iterdir() if p.is_dir() and p.name != "hydra"):
        for path in sorted(folder.glob("*.yaml")):
            rows.append([f"`{folder.name}`", f"`{path.stem}`", cell(_first_comment(path))])
    out += [table(["group", "option", "what it is (the file's first line)"], rows), ""]

    seen = set()
    keys = schema_keys(schema.Config)
    by_owner: dict[str, list] = {}
    order: list[tuple[str, str]] = []
    for k in keys:
        prefix = k.key.rsplit(".", 1)[0] + "." if "." in k.key else ""
        if (k.owner, prefix) not in seen:
            seen.add((k.owner, prefix))
            order.append((k.owner, prefix))
        by_owner.setdefault((k.owner, prefix), []).append(k)
    for owner, prefix in order:
        cls = getattr(schema, owner)
        title = f"`{prefix}*`" if prefix else "Top level"
        out += [f"## {title}", ""]
        doc = inspect.getdoc(cls) or ""
        if doc and not doc.startswith(owner + "("):  # not dataclasses' own signature
            out += [doc, "", f"(`sim.config.{owner}`)", ""]
        rows = []
        for k in by_owner[(owner, prefix)]:
            if k.default is None and hasattr(schema, k.type):
                continue  # a section: it has its own heading
            rows.append([f"`{k.key}`", cell(k.type), code(k.default), cell(k.comment)])
        out += [table(["key", "type", "default", "comment in the source"], rows), ""]
    out += _app_settings()
    return "\n".join(out)


def _app_settings() -> list[str]:
    import yaml

    from sim.apphelp import TYPED_AS
    from sim.describe import yaml_keys
    from sim.paths import CONFIG_DIR

    out = ["## The apps' own settings", "",
           "`leadsim compare` and `leadsim speed-to-lead` read a primary config of their own "
           "(`configs/compare_staffing.yaml`, `configs/speed_to_lead.yaml`); these are its "
           "keys, with the file's value and comment. `leadsim <command> --help` lists them "
           "with the values of your command line.", ""]
    for command, name in (("compare", "compare_staffing"), ("speed-to-lead", "speed_to_lead")):
        path = CONFIG_DIR / f"{name}.yaml"
        data = yaml.safe_load(path.read_text()) or {}
        out += [f"### `leadsim {command}` (`configs/{name}.yaml`)", ""]
        rows = []
        for key, comment in yaml_keys(path):
            value = data
            for part in key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, dict):
                continue
            typed = TYPED_AS.get(name, {}).get(key, key)  # the key as users type it
            shown = f"`{typed}`" if typed == key else f"`{typed}` (`{key}` in the file)"
            rows.append([shown, code(value), cell(comment)])
        out += [table(["key", "value in the file", "comment in the file"], rows), ""]
    return out


# --------------------------------------------------------------------------- outputs


def outputs_page() -> str:
    from sim.analysis import contract, stats

    out = ["# Output files and columns", "",
           GENERATED.format(source="`sim/analysis/contract.py` and the apps' column lists"),
           "A run (`leadsim run`, `sim.run(cfg).save(folder)`) writes these files into its "
           "folder, `results/runs/<date>/<time>/` unless `hydra.run.dir` says otherwise. "
           "Each file is written atomically: complete or absent. Times are minutes since "
           "the start of the run (minute 0 = Monday 00:00 of week 1); NaN means never.", "",
           "## Files of a run", "",
           table(["file", "contents"],
                 [[f"`{name}`", cell(text)] for name, text in contract.FILES.items()]), ""]
    for name, columns in contract.TABLES.items():
        out += [f"## `{name}.parquet`", "",
                table(["column", "meaning"],
                      [[f"`{c}`", cell(t)] for c, t in columns.items()]), ""]
    out += ["## Outcomes", "", "Every inquiry ends in exactly one `outcome`:", "",
            table(["outcome", "meaning"],
                  [[f"`{o}`", cell(t)] for o, t in contract.OUTCOMES.items()]), "",
            "## `summary.json`", "",
            "Flat keys. `<scope>` is `market` (all practices together) or "
            "`practices.<slot>` (one practice); `<channel>` is one of phone, web_form, "
            "email, chat, sms, social_dm, review_site; `<experience>` good, neutral or bad; "
            "`<cause>` a review's cause. `(practice)`: per practice only. The `mmc.*` keys "
            "are written by `scenario=mmc` only.", "",
            table(["key", "meaning"],
                  [[f"`{k}`", cell(t)] for k, t in contract.SUMMARY.items()]), ""]
    out += _compare_outputs(stats) + _sweep_outputs(stats) + _speed_to_lead_outputs()
    return "\n".join(out)


def _compare_outputs(stats) -> list[str]:
    from experiments import compare_staffing as cs
    from sim.analysis import contract

    metrics = [name for name, _ in cs.METRICS] + list(cs.EXTRA_METRICS)
    rows = []
    for name in metrics:
        line = contract.summary_pattern(f"practices.{cs.FOCAL}.{name}")
        meaning = contract.SUMMARY[line] if line else COMPARE_ONLY.get(name)
        if meaning is None:
            log.warning("compare metric %r has no meaning: add it to COMPARE_ONLY in "
                        "docs/hooks.py or a SUMMARY line in sim/analysis/contract.py", name)
            meaning = ""
        rows.append([f"`{name}`", cell(meaning.removeprefix("(practice) "))])
    per_month = ", ".join(f"`{m}_per_month`" for m in cs.PER_MONTH)
    return ["## `leadsim compare`", "",
            "Into `results/compare_staffing/<date>/<time>/`: `report.html` (the page for the "
            "practice manager, its path printed), `comparison.csv`, `replications.csv` (one "
            "row per plan and replication: the seed, the run's seconds, every metric), "
            "`staffing_hint.csv` (per hour of the week: simulated calls, the Erlang A staff "
            "needed, each plan's phone staff) and the report's figures.", "",
            "`comparison.csv` columns: " + ", ".join(f"`{c}`" for c in
                                                    stats.COMPARISON_COLUMNS)
            + ": per plan and metric, the mean over replications and the paired difference "
            "against the first plan with its interval.", "",
            "Metrics (the focal practice, totals over `market_days`), and per month "
            f"(x 30.44 / `market_days`): {per_month}.", "",
            table(["metric", "meaning"], rows), ""]


COMPARE_ONLY = {
    "net_with_nurture_list": "`net` + `nurture_pending_value`: the net with the expected value "
                             "of the nurture list still waiting at the end",
    "never_answered_share": "share of the focal practice's inquiries never answered",
    "phone_calls": "its phone inquiries",
    "phone_answered_within_target": "share of calls answered within the target "
                                    "(`target.answered_within_seconds`)",
    "phone_abandoned_share": "share of calls whose caller hung up on hold",
    "phone_menu_hangup_share": "share of calls whose caller hung up in the phone menu "
                               "(`phone_menu_seconds`; 0 without a menu)",
    "unread_channel_share": "share of the focal practice's inquiries on channels nobody "
                            "reads (not watched, or no one on the roster works them)",
}


def _sweep_outputs(stats) -> list[str]:
    return ["## Sweeps", "",
            "A sweep (`-m`) writes each job's files into `<sweep dir>/<job>/`, and at the "
            "end `sweep.parquet` (one row per finished job: `job`, `job_dir`, one column per "
            "override with the value the job ran with, then every key of the job's "
            "`summary.json`) and `sweep_failures.csv` (`job`, `overrides`, `error`, "
            "`job_dir`; empty when none failed).", "",
            "`leadsim sweep-summary <sweep dir>` writes `sweep_summary.csv`: the settings, "
            "then " + ", ".join(f"`{c}`" for c in stats.GROUP_COLUMNS)
            + " (the Student t-interval of the mean over seeds).", ""]


def _speed_to_lead_outputs() -> list[str]:
    return ["## `leadsim speed-to-lead`", "",
            "Into `results/speed_to_lead/<date>/<time>/`: `speed_to_lead.csv` and "
            "`speed_to_lead.png`. Per delay, pooled over replications: `delay_minutes`, "
            "`n_inquiries`, `contact_rate`, `qualify_rate`, `booking_rate`, each rate with "
            "`<rate>_ci_low` and `<rate>_ci_high` (95% Wilson interval), and "
            "`on_time_share` (first attempts made at exactly the delay; should be 1) and "
            "`replications`.", ""]
