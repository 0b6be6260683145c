"""Means and confidence intervals over the seeds of a sweep.

    python -m sim.sweep_summary results/sweeps/mine
    python -m sim.sweep_summary results/sweeps/mine --metrics 'practices.alpha.*' market.bookings

A sweep's `sweep.parquet` has one row per job. Grouped by every override but the
replicate (`seed` by default), each group is one setting run with several seeds (independent
replications), and each metric gets its mean and the Student t-interval of that mean; a
share (a rate, a utilisation: `sim.analysis.tables.SHARES`) gets the t-interval of its
log-odds mapped back, which stays inside [0, 1] (sim.analysis.stats.share_interval). The
tidy table goes to `sweep_summary.csv` beside `sweep.parquet`: the settings, then metric,
replications, mean, sd, ci_low, ci_high, interval (the method; sim.analysis.stats
.group_intervals). The run's settings in summary.json (`run.kind`, `run.seed`,
`run.days`, `run.drain_days`) are not metrics. Chosen metrics (`--metrics`, shell-style
patterns) are also printed.

Bad input (no sweep table there, a replicate column the sweep does not have, a pattern
that matches no metric) is one line and exit status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path

from .cli import prog
from .config import ConfigError
from .fileio import write_atomic
from .sweeps import OVERRIDES_ATTR, TABLE

SUMMARY = "sweep_summary.csv"
NOT_METRICS = ("job", "job_dir")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog("python -m sim.sweep_summary"),
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sweep", help="the sweep folder (or its sweep.parquet)")
    p.add_argument("--replicate", default="seed",
                   help="the override whose values are replications (default: seed)")
    p.add_argument("--by", nargs="+", default=None, metavar="COLUMN",
                   help="group by these columns (default: every override but --replicate)")
    p.add_argument("--metrics", nargs="+", default=None, metavar="PATTERN",
                   help="metrics to summarise and print, e.g. 'practices.*.net' (default: "
                        "every numeric metric, none printed)")
    p.add_argument("--confidence", type=float, default=0.95, help="default 0.95")
    p.add_argument("--out", default=None, help=f"default: {SUMMARY} in the sweep folder")
    return p.parse_args(argv)


def summarise(args: argparse.Namespace):
    """(the summary table, where it goes); raises ConfigError on bad input."""
    import pandas as pd

    from .analysis.stats import GROUP_COLUMNS, group_intervals
    from .analysis.tables import RUN_SETTINGS, share_metrics

    path = Path(args.sweep)
    path = path / TABLE if path.is_dir() else path
    if not path.is_file():
        raise ConfigError(f"sweep: no {TABLE} at {path} (allowed: a sweep folder whose "
                          "sweep has ended, or the path of its sweep.parquet)")
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # not a parquet file, or a damaged one
        raise ConfigError(f"sweep: {path} cannot be read as a sweep table "
                          f"({type(exc).__name__}) (allowed: a sweep's sweep.parquet)") from None
    overrides = list(table.attrs.get(OVERRIDES_ATTR) or [])
    if args.replicate not in table.columns and args.by is None:
        raise ConfigError(f"--replicate: the sweep has no column '{args.replicate}', so no "
                          "setting was run more than once (allowed: the override whose "
                          f"values are replications, of {', '.join(overrides) or 'none'}; or "
                          "--by to list the settings one row each)")
    if not 0 < args.confidence < 1:
        raise ConfigError(f"--confidence: {args.confidence} is not allowed (allowed: "
                          "between 0 and 1, e.g. 0.95)")
    if args.by is not None:
        by = list(args.by)
    elif overrides or table.empty:
        by = [c for c in overrides if c != args.replicate]
    else:
        raise ConfigError("--by: this sweep.parquet does not say which columns are "
                          "overrides (written before leadsim recorded them); name them")
    unknown = [c for c in by if c not in table.columns]
    if unknown:
        raise ConfigError(f"--by: the sweep has no column '{unknown[0]}' (allowed: "
                          f"{', '.join(overrides) or 'its columns'})")
    clash = [c for c in by if c in GROUP_COLUMNS]
    if clash:
        raise ConfigError(f"--by: '{clash[0]}' is a column of the summary itself (allowed: "
                          f"columns other than {', '.join(GROUP_COLUMNS)})")
    numeric = [c for c in table.columns
               if c not in (*NOT_METRICS, *RUN_SETTINGS, *overrides, *by)
               and pd.api.types.is_numeric_dtype(table[c])
               and not pd.api.types.is_bool_dtype(table[c])
               and table[c].notna().any()]
    if not numeric:
        raise ConfigError(f"sweep: {path} has no numeric metrics to summarise (its jobs "
                          "wrote no summary.json: the table has only the overrides)")
    metrics = numeric
    if args.metrics:
        metrics = []
        for pattern in args.metrics:
            found = [c for c in numeric if fnmatch.fnmatchcase(c, pattern)]
            if not found:
                examples = ", ".join(numeric[:6]) + (", ..." if len(numeric) > 6 else "")
                settings = [c for c in RUN_SETTINGS if fnmatch.fnmatchcase(c, pattern)]
                are = ("is a setting of the run, not a metric" if len(settings) == 1
                       else "are settings of the run, not metrics")
                why = f"; {', '.join(settings)} {are}" if settings else ""
                raise ConfigError(f"--metrics: '{pattern}' matches no numeric metric of the "
                                  f"sweep (allowed: patterns of {examples}{why})")
            metrics += [c for c in found if c not in metrics]
    out = Path(args.out) if args.out else path.parent / SUMMARY
    shares = {m: n for m, n in share_metrics(table.columns).items() if m in metrics}
    return group_intervals(table, by, metrics, args.confidence, shares), out, by


def main(argv: list[str] | None = None) -> Path:
    args = parse_args(argv)
    try:
        summary, out, by = summarise(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    write_atomic(out, lambda p: summary.to_csv(p, index=False))
    groups = len(summary.drop_duplicates(by)) if by else 1
    reps = summary["replications"]
    low, high = (int(reps.min()), int(reps.max())) if len(reps) else (0, 0)
    each = f"{low}-{high} replications" if low != high else plural(high, "replication")
    shares = " (shares: on the log-odds)" if (summary["interval"] != "t").any() else ""
    print(f"{plural(groups, 'setting')} x {plural(summary['metric'].nunique(), 'metric')}, "
          f"{each} each ({args.replicate}); {args.confidence:.0%} t-intervals{shares}: {out}")
    if args.metrics:
        import pandas as pd

        with pd.option_context("display.width", 160, "display.max_rows", 200,
                               "display.float_format", _number):
            print(summary.to_string(index=False))
    return out


def plural(n: int, word: str) -> str:
    """1 replication, 2 replications."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


if __name__ == "__main__":
    main()
