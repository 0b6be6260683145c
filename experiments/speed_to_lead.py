"""Speed to lead: how fast do the chances of reaching and booking a prospect fall with the
delay of a practice's first response?

    python -m experiments.speed_to_lead                                   # aesthetic profile
    python -m experiments.speed_to_lead prospect=lrm2007 replications=8 seed=3
    python -m experiments.speed_to_lead prospect=hbr2011 delays=[10,30,50,70,90,110,1440]

The design. One focal practice (slot `focal.slot`, alpha by default) makes its FIRST
attempt to reach every inquiry at exactly `d` minutes after the inquiry arrives; everything
else is the default market (competitors, prospects, shopping lists). To make "exactly d"
true, the focal practice is rebuilt for the experiment (`focal_practice`):
- it monitors every channel, has no auto-responder and no answering service;
- a roster of `focal.staff` lead coordinators on duty 24/7, far more than its volume
  needs, so somebody is always free at minute d (the run checks it: `on_time_share`);
- it does not pick up live calls and calls back every caller at minute d, voicemail or not
  (`policy.answer_live_calls=false`, `policy.return_missed_calls=true`), so a phone
  inquiry also gets its first attempt at d, never earlier;
- after the first attempt it follows up on the cadence `focal.follow_up_minutes` (the
  schema's default cadence, 0/10 min/1 h/1 day, 4 attempts);
- its slot keeps its reputation and marketing weight, so prospects' shopping lists are the
  default market's.
configs/speed_to_lead.yaml also makes a shopper write to every practice on their list at
the same minute (`market.inquiry_spread_minutes: 0`): the prospect's interest clock starts
with their first inquiry, and with the default 30-minute spread a third of the focal
practice's inquiries would be written when it had already run for up to half an hour, so
the experiment would measure d plus that offset (the studies time the response from the
lead's own inquiry; LRM 2007's steep figures cannot be reproduced through that blur). It
turns reviews and referrals off (`reputation.enabled: false`), so that every delay meets
the same prospects making the same choices.
Each attempt reaches the prospect with the profile's reachability at that moment; a
prospect reached while still ready books; a competitor that books the prospect first ends
the focal inquiry as `lost_to_competitor`.

Common random numbers: replication r runs with seed `seed + r` for every delay, so all
delays meet the same prospects, arriving at the same minutes with the same personal draws.

Per delay d the table has, pooled over replications:
- `n_inquiries`     the focal practice's inquiries;
- `contact_rate`    share with a two-way contact (`contacted_at` set);
- `qualify_rate`    share contacted while still ready to book (contacted, and the outcome
                    is not `too_late`). It is at least `booking_rate`: a shopper reached
                    while ready may weigh the offer against another practice's and book
                    there (prospect.comparison); the studies speak of qualifying (LRM
                    2007, HBR 2011) and of booking (MyMedLeads);
- `booking_rate`    share ending `booked` with the focal practice;
- `<rate>_ci_low`, `<rate>_ci_high`  95% Wilson score interval;
- `on_time_share`   share of first attempts made at exactly d (should be 1).

The headlines (`headline_pairs`, printed and written above the figure) compare two
delays a and b: how many times as many bookings at a as at b (the ratio of the pooled
booking rates), and, where the profile's study reported odds ratios (LRM 2007: contact and
qualify odds, CALIBRATION.md), the odds ratios (odds = p / (1 - p)) it can be read against;
otherwise the contact odds ratio. Each ratio carries its 95% interval, paired by
replication: the Student t-interval of the per-replication log ratio (both delays of a
replication meet the same prospects), with half a count added to every count of the pair
when one of them is 0 (or all of a delay's inquiries, for odds). With one replication
there is no interval, and the line says so. A pair that cannot be drawn (a delay that was
not run, no bookings at either delay) is said in one line.

Writes `speed_to_lead.csv` and `speed_to_lead.png` into results/speed_to_lead/<date>/<time>/
and prints the table.

Over 300 lines for a reason: the experiment has a schema of its own (`SpeedToLeadConfig`:
delays, the focal practice's staff and cadence) and a design no other app shares (the
focal practice rebuilt to answer at exactly d minutes), both checked and documented here;
its headline sentences read the table in this experiment's terms. Its statistics are
library code (sim.analysis.stats: the Wilson interval, paired ratios), and
experiments/fit_profiles.py reuses its design.
"""

from __future__ import annotations

import copy
import logging
import math
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.stats import Ratio, paired_ratio, wilson_interval
from sim.config import (
    ALL_DAYS,
    CHANNELS,
    Channel,
    Config,
    ConfigError,
    Discipline,
    HoursConfig,
    PolicyConfig,
    Role,
    ScenarioKind,
    ShiftConfig,
    strict,
    to_config,
)

CONFIG_NAME = "speed_to_lead"
RATES = ("contact_rate", "qualify_rate", "booking_rate")


# --------------------------------------------------------------------------- config


@strict
@dataclass
class FocalConfig:
    """The practice that answers every inquiry at exactly the delay under test."""

    slot: str = "alpha"
    staff: int = 12  # coordinators on duty 24/7: far more than the slot's volume needs
    follow_up_minutes: list[float] = field(default_factory=lambda: [0.0, 10.0, 60.0, 1440.0])
    max_attempts: int = 4


@dataclass
class SpeedToLeadConfig(Config):
    """A leadsim Config plus the experiment's own keys."""

    delays: list[float] = field(
        default_factory=lambda: [1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 540.0, 1440.0]
    )
    replications: int = 4
    focal: FocalConfig = field(default_factory=FocalConfig)
    # Pairs of delays whose ratios are written on the figure (when both were run).
    headline_pairs: list[Any] = field(
        default_factory=lambda: [[5.0, 30.0], [60.0, 1440.0]]
    )


def register_configs() -> None:
    """Put the experiment's schema in Hydra's ConfigStore (used by configs/speed_to_lead.yaml)."""
    from hydra.core.config_store import ConfigStore

    from sim.hydra_support import ensure_registered

    ensure_registered()
    ConfigStore.instance().store(name="speed_to_lead_schema", node=SpeedToLeadConfig)


def validate_experiment(cfg: SpeedToLeadConfig) -> SpeedToLeadConfig:
    """The experiment's own checks (the market was validated by sim.config.validate)."""
    delays = list(cfg.delays)
    if not delays or not all(
        isinstance(d, int | float) and math.isfinite(d) and d >= 0 for d in delays
    ):
        raise ConfigError(f"delays: {delays!r} is not allowed (allowed: a list of minutes >= 0)")
    if len(set(delays)) != len(delays):
        raise ConfigError(f"delays: {delays!r} is not allowed (allowed: no repeats)")
    if not (isinstance(cfg.replications, int) and cfg.replications >= 1):
        raise ConfigError(
            f"replications: {cfg.replications!r} is not allowed (allowed: a whole number >= 1)"
        )
    if ScenarioKind(cfg.scenario.kind) != ScenarioKind.market:
        raise ConfigError(
            f"scenario: '{cfg.scenario.kind.value}' is not allowed (allowed: market)"
        )
    if cfg.focal.slot not in cfg.practices:
        raise ConfigError(
            f"focal.slot: '{cfg.focal.slot}' is not allowed "
            f"(allowed: {', '.join(cfg.practices)})"
        )
    if not (isinstance(cfg.focal.staff, int) and cfg.focal.staff >= 1):
        raise ConfigError(f"focal.staff: {cfg.focal.staff!r} is not allowed (allowed: >= 1)")
    # the focal cadence goes through the practice validation once the practice is built
    from sim.config import validate_practice

    where = f"practices.{cfg.focal.slot}"
    try:
        validate_practice(focal_practice(cfg, delays[0]), where)
    except ConfigError as exc:  # name the key as typed: focal.max_attempts, not the policy's
        text = str(exc)
        for key in ("follow_up_minutes", "max_attempts"):
            text = text.replace(f"{where}.policy.{key}", f"focal.{key}")
        raise ConfigError(text) from None
    for pair in cfg.headline_pairs:
        if not (isinstance(pair, list | tuple) and len(pair) == 2
                and all(isinstance(v, int | float) for v in pair)):
            raise ConfigError(
                f"headline_pairs: {pair!r} is not allowed (allowed: pairs of delays [a, b])"
            )
    return cfg


def load_config(overrides: list[str] | None = None) -> SpeedToLeadConfig:
    """Compose configs/speed_to_lead.yaml with these overrides, validated (for notebooks and
    tests: exactly what the command line would run)."""
    from sim.hydra_support import compose

    register_configs()
    return validate_experiment(to_config(compose(list(overrides or []), CONFIG_NAME)))


# --------------------------------------------------------------------------- design


def focal_practice(cfg: SpeedToLeadConfig, delay: float):
    """The focal slot's practice, rebuilt to make its first attempt at exactly `delay`.

    Keeps the slot's name, reputation, marketing weight and economics (so shopping lists
    are the default market's); replaces what decides response times."""
    focal = cfg.focal
    p = copy.deepcopy(cfg.practices[focal.slot])
    p.channels = [Channel(c) for c in CHANNELS]
    p.opening_hours = [HoursConfig(days=list(ALL_DAYS), start="00:00", end="24:00")]
    p.roster = [
        ShiftConfig(days=list(ALL_DAYS), start="00:00", end="24:00", role=Role.coordinator,
                    staff=focal.staff, hourly_wage=26.0)
    ]
    p.patient_share = 0.0
    p.answering_service.enabled = False
    p.auto_responder.enabled = False
    p.policy = PolicyConfig(
        discipline=Discipline.oldest_first,
        first_response_delay_minutes=float(delay),
        follow_up_minutes=[float(v) for v in focal.follow_up_minutes],
        max_attempts=int(focal.max_attempts),
        answer_live_calls=False,
        return_voicemails=True,
        return_missed_calls=True,
    )
    return p


def scenario_config(cfg: SpeedToLeadConfig, delay: float, replication: int) -> Config:
    """The plain leadsim Config of one run: the market with the focal practice at `delay`."""
    practices = dict(cfg.practices)
    practices[cfg.focal.slot] = focal_practice(cfg, delay)
    return Config(
        seed=int(cfg.seed) + int(replication),
        scenario=copy.deepcopy(cfg.scenario),
        market=copy.deepcopy(cfg.market),
        prospect=copy.deepcopy(cfg.prospect),
        reputation=copy.deepcopy(cfg.reputation),
        practices=practices,
    )


def simulate_inquiries(run_cfg: Config) -> pd.DataFrame:
    """Run one market; return its inquiries (one row per prospect x practice)."""
    import sim

    logging.getLogger("MESA").setLevel(logging.WARNING)
    model = sim.build_model(run_cfg)
    model.run()
    return pd.DataFrame(model.records()["inquiries"])


def focal_counts(inquiries: pd.DataFrame, slot: str, delay: float) -> dict:
    """The focal practice's counts in one run (the numerators and denominator of the rates)."""
    q = inquiries[inquiries["practice"] == slot]
    contacted = q["contacted_at"].notna()
    first = q["first_attempt_at"].dropna() - q.loc[q["first_attempt_at"].notna(), "arrived_at"]
    return {
        "n_inquiries": len(q),
        "contacted": int(contacted.sum()),
        "qualified": int((contacted & (q["outcome"] != "too_late")).sum()),
        "booked": int((q["outcome"] == "booked").sum()),
        "first_attempts": len(first),
        "on_time": int((np.abs(first - delay) < 1e-6).sum()),
    }


def run_counts(cfg: SpeedToLeadConfig, progress: bool | None = None) -> pd.DataFrame:
    """Counts per delay and replication: every delay meets the same prospects in each
    replication (common random numbers)."""
    from tqdm import tqdm

    if progress is None:
        progress = sys.stderr.isatty()
    jobs = [(r, d) for r in range(cfg.replications) for d in cfg.delays]
    rows = []
    for r, d in tqdm(jobs, desc=f"speed to lead ({cfg.prospect.name})", unit="run",
                     disable=not progress):
        inquiries = simulate_inquiries(scenario_config(cfg, d, r))
        rows.append({"delay_minutes": float(d), "replication": r, "seed": cfg.seed + r,
                     **focal_counts(inquiries, cfg.focal.slot, d)})
    return pd.DataFrame(rows)


def rate_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Pool the replications: one row per delay with rates and their 95% intervals."""
    pooled = counts.groupby("delay_minutes", sort=True).sum(numeric_only=True).reset_index()
    n = pooled["n_inquiries"].to_numpy()
    table = pd.DataFrame({"delay_minutes": pooled["delay_minutes"],
                          "n_inquiries": pooled["n_inquiries"].astype(int)})
    for rate, col in zip(RATES, ("contacted", "qualified", "booked")):
        k = pooled[col].to_numpy()
        low, high = wilson_interval(k, n)
        with np.errstate(invalid="ignore", divide="ignore"):
            table[rate] = k / n
        table[f"{rate}_ci_low"] = low
        table[f"{rate}_ci_high"] = high
    with np.errstate(invalid="ignore", divide="ignore"):
        table["on_time_share"] = pooled["on_time"] / pooled["first_attempts"]
    table["replications"] = counts.groupby("delay_minutes")["replication"].nunique().to_numpy()
    return table


def run_experiment(cfg: SpeedToLeadConfig, progress: bool | None = None) -> pd.DataFrame:
    """The whole experiment: the table of rates per delay."""
    return rate_table(run_counts(cfg, progress))


# --------------------------------------------------------------------------- reading it


def odds(p: float) -> float:
    return p / (1.0 - p) if 0.0 < p < 1.0 else math.nan


def rate_at(table: pd.DataFrame, rate: str, delay: float) -> float:
    rows = table.set_index("delay_minutes")[rate]
    return float(rows[delay]) if delay in rows.index else math.nan


def ratio_between(table: pd.DataFrame, rate: str, a: float, b: float, kind: str = "odds"):
    """The ratio of `rate` at delay a to delay b: odds ratio or plain rate ratio."""
    pa, pb = rate_at(table, rate, a), rate_at(table, rate, b)
    if math.isnan(pa) or math.isnan(pb):
        return math.nan
    if kind == "odds":
        return odds(pa) / odds(pb)
    return pa / pb if pb > 0 else math.nan


def delay_label(minutes: float) -> str:
    """5 -> '5 min', 60 -> '1 h', 1440 -> '24 h', 90 -> '1.5 h'."""
    if minutes < 60:
        return f"{minutes:g} min"
    return f"{minutes / 60:g} h"


def plural(n: int, word: str) -> str:
    """1 replication, 2 replications."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


RATE_COUNTS = dict(zip(RATES, ("contacted", "qualified", "booked")))
RATE_WORDS = {"contact_rate": "contact", "qualify_rate": "qualify", "booking_rate": "booking"}


def study_odds(profile: str) -> list[str]:
    """The rates the profile's study reported as odds ratios (experiments.fit_profiles
    TARGETS: the figures each profile was fitted to), qualify before contact."""
    from experiments.fit_profiles import TARGETS

    rates = {t.rate for t in TARGETS.get(profile, []) if t.measure == "odds_ratio"}
    return [r for r in ("qualify_rate", "contact_rate", "booking_rate") if r in rates]


def ratio_interval(counts: pd.DataFrame, rate: str, a: float, b: float, kind: str = "rate",
                   confidence: float = 0.95) -> Ratio:
    """`rate` at delay a over delay b (kind "rate": the ratio of the pooled rates; "odds":
    of their odds) and its interval, paired by replication (sim.analysis.stats
    .paired_ratio)."""
    col = RATE_COUNTS[rate]
    at = {d: counts[counts["delay_minutes"] == d].set_index("replication").sort_index()
          for d in (a, b)}
    reps = at[a].index.intersection(at[b].index)
    ka, na = (at[a].loc[reps, c].to_numpy(dtype=float) for c in (col, "n_inquiries"))
    kb, nb = (at[b].loc[reps, c].to_numpy(dtype=float) for c in (col, "n_inquiries"))
    return paired_ratio(ka, na, kb, nb, kind, confidence)


def _times(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.0f}x" if x >= 10 else f"{x:.1f}x" if x >= 0.1 else f"{x:.2g}x"


# fewer bookings than this at the later delay are named beside the ratio resting on them
FEW = 10


def _with_interval(label: str, r: Ratio, few: str = "") -> str:
    """`bookings 62x (95% CI 12-139x; 2 bookings at 30 min)`; with no events at the later
    delay the ratio has no value, only its interval (the counts plus one half)."""
    ci = (f"95% CI {_times(r.low)[:-1]}-{_times(r.high)}"
          if r.replications >= 2 and math.isfinite(r.low) and math.isfinite(r.high) else "")
    if not math.isfinite(r.value):
        inside = "; ".join(x for x in (f"ratio: {ci}" if ci else "", few) if x)
        return f"{label} ({inside})" if inside else label
    inside = "; ".join(x for x in (ci, few) if x)
    return f"{label} {_times(r.value)}" + (f" ({inside})" if inside else "")


def headlines(table: pd.DataFrame, pairs, counts: pd.DataFrame | None = None,
              odds_rates: list[str] | tuple = ()) -> list[str]:
    """One line per pair of delays that was run: how many times as many bookings, with its
    95% interval when the per-replication `counts` are given, and the odds ratios of
    `odds_rates` (the measure of the profile's study), else the contact odds ratio."""
    lines = []
    for a, b in pairs:
        a, b = float(a), float(b)
        at_a, at_b = rate_at(table, "booking_rate", a), rate_at(table, "booking_rate", b)
        if math.isnan(at_a) or math.isnan(at_b) or (at_a == 0 and at_b == 0):
            continue  # a delay that was not run, or nothing to compare: headline_notes
        odds_of = list(odds_rates) or ["contact_rate"]
        if counts is None:
            booked = Ratio(ratio_between(table, "booking_rate", a, b, "rate"), math.nan,
                           math.nan, 1)
            odd = {r: Ratio(ratio_between(table, r, a, b, "odds"), math.nan, math.nan, 1)
                   for r in odds_of}
        else:
            booked = ratio_interval(counts, "booking_rate", a, b, "rate")
            odd = {r: ratio_interval(counts, r, a, b, "odds") for r in odds_of}
        few = ""
        if counts is not None:
            n_b = int(counts.loc[counts["delay_minutes"] == b, "booked"].sum())
            if 0 < n_b < FEW:
                few = f"{plural(n_b, 'booking')} at {delay_label(b)}"
        parts = []
        if at_b == 0:
            parts.append(_with_interval(f"no bookings at {delay_label(b)}", booked))
        elif math.isfinite(booked.value):
            parts.append(_with_interval("bookings", booked, few))
        for r, ratio in odd.items():
            if math.isfinite(ratio.value):
                parts.append(_with_interval(f"{RATE_WORDS[r]} odds", ratio))
        if parts:
            lines.append(f"{delay_label(a)} vs {delay_label(b)}: {', '.join(parts)}")
    return lines


def headline_notes(table: pd.DataFrame, pairs, replications: int | None = None) -> list[str]:
    """One line for each requested headline that cannot be drawn, saying why; and one when
    the ratios have no interval (a single replication)."""
    ran = list(table["delay_minutes"])
    notes = []
    for a, b in pairs:
        a, b = float(a), float(b)
        missing = [delay_label(d) for d in (a, b) if d not in ran]
        pair = f"headline {delay_label(a)} vs {delay_label(b)}"
        if missing:
            were = "was" if len(missing) == 1 else "were"
            notes.append(f"{pair} not drawn: {' and '.join(missing)} {were} not run (delays: "
                         f"{', '.join(delay_label(d) for d in ran)}; set headline_pairs= or "
                         "delays=)")
        elif rate_at(table, "booking_rate", a) == 0 and rate_at(table, "booking_rate", b) == 0:
            notes.append(f"{pair} not drawn: no bookings at either delay")
    if replications == 1 and pairs:
        notes.append("ratios without an interval: 1 replication (give replications >= 2 for "
                     "95% intervals)")
    return notes


def format_table(table: pd.DataFrame) -> str:
    cols = ["delay_minutes", "n_inquiries"]
    for rate in RATES:
        cols += [rate, f"{rate}_ci_low", f"{rate}_ci_high"]
    cols.append("on_time_share")
    return table[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}")


def figure_title(cfg: SpeedToLeadConfig) -> str:
    return "Speed to lead: every minute costs bookings"


def figure_subtitle(cfg: SpeedToLeadConfig, table: pd.DataFrame) -> str:
    n = int(table["n_inquiries"].min())
    ratios = " and (a-b)" if cfg.replications > 1 and len(table) > 1 else ""
    return (f"profile '{cfg.prospect.name}'; {n:,}+ inquiries per delay, "
            f"{plural(cfg.replications, 'replication')}; bands{ratios}: 95% intervals")


def figure_lines(lines: list[str], width: int = 62) -> list[str]:
    """The headlines for the figure (large type): the intervals without their "95% CI"
    (the subtitle says what the brackets are), broken at commas to fit, the continuation
    lines indented."""
    import textwrap

    out = []
    for line in lines:
        parts = line.replace("95% CI ", "").replace("ratio: ", "").split(", ")
        current = parts[0]
        for part in parts[1:]:
            if len(current) + 2 + len(part) <= width:
                current += ", " + part
            else:
                out.append(current + ",")
                current = "    " + part
        out.append(current)
    return [w for ln in out for w in textwrap.wrap(ln, width, subsequent_indent="    ",
                                                    drop_whitespace=False) or [ln]]


def axis_positions(delays) -> np.ndarray:
    """Where each delay goes on the log axis: the delay itself, and a delay of 0 (which a
    log axis cannot show) a step to the left of the smallest other delay, set apart by a
    dashed line and named in the axis label (it was drawn at 0.5 min, on top of a real
    0.5-minute delay)."""
    d = np.asarray(delays, dtype=float)
    positive = d[d > 0]
    zero_at = positive.min() / 4 if positive.size else 1.0
    return np.where(d > 0, d, zero_at)


def axis_label(delays) -> str:
    zero = (np.asarray(delays, dtype=float) == 0).any()
    return ("delay of the first response (log scale; 0 min set apart at the left)" if zero
            else "delay of the first response (log scale)")


def plot_curve(table: pd.DataFrame, path, title: str, lines: list[str],
               subtitle: str = "") -> None:
    """The teaching figure: rates against the delay (log axis), 95% bands, the headlines
    above the plot in large type (it is made to be read on a classroom projector)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import FixedLocator, NullLocator, PercentFormatter

    palette = {"contact_rate": "#1f5fa8", "qualify_rate": "#2ca02c", "booking_rate": "#c62828"}
    labels = {"contact_rate": "reached them (two-way contact)",
              "qualify_rate": "reached them while still ready",
              "booking_rate": "booked a consultation"}
    shown = ["contact_rate", "booking_rate"]
    if not np.allclose(table["qualify_rate"], table["booking_rate"], equal_nan=True):
        shown.insert(1, "qualify_rate")
    x = pd.Series(axis_positions(table["delay_minutes"]), index=table.index)
    long = table.assign(delay=x).melt(id_vars="delay", value_vars=shown, var_name="rate",
                                      value_name="share")
    long["share"] *= 100.0
    long["rate"] = long["rate"].map(labels)
    with sns.axes_style("whitegrid"), sns.plotting_context("poster"):
        lines = figure_lines(lines)
        # the headlines take room above the plot; the plot keeps its height (inches)
        height = 10.0 + 0.56 * max(0, len(lines) - 2)
        fig, ax = plt.subplots(figsize=(16, height), dpi=100)
        sns.lineplot(data=long, x="delay", y="share", hue="rate",
                     hue_order=[labels[r] for r in shown],
                     palette={labels[r]: palette[r] for r in shown}, marker="o",
                     markersize=16, linewidth=5, ax=ax)
        for rate in shown:
            ax.fill_between(x, 100 * table[f"{rate}_ci_low"], 100 * table[f"{rate}_ci_high"],
                            color=palette[rate], alpha=0.25, linewidth=0)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(list(x)))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([delay_label(d).replace(" ", "\n") for d in table["delay_minutes"]])
        ax.tick_params(axis="both", labelsize=26)
        ax.set_ylim(0, 102)
        ax.set_xlim(x.min() / 1.5, x.max() * 1.5)
        if (table["delay_minutes"] == 0).any() and len(x) > 1:  # 0 is set apart: a break
            gap = math.sqrt(x.min() * np.sort(x.to_numpy())[1])
            ax.axvline(gap, color="0.6", linestyle=(0, (2, 4)), linewidth=2)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_xlabel(axis_label(table["delay_minutes"]), fontsize=28, labelpad=8)
        ax.set_ylabel("share of inquiries", fontsize=28)
        ax.legend(loc="best", fontsize=26, frameon=True, framealpha=0.95, title=None,
                  markerscale=1.2, handlelength=1.5)
        text = "\n".join(lines)
        inch = 1.0 / height  # positions in inches from the top, as figure fractions
        fig.suptitle(title, x=0.02, y=1 - 0.15 * inch, ha="left", va="top", fontsize=36,
                     fontweight="bold")
        top = 0.85  # title, subtitle, headlines, plot
        if subtitle:
            fig.text(0.02, 1 - top * inch, subtitle, ha="left", va="top", fontsize=22,
                     color="0.35")
            top += 0.45
        if text:
            fig.text(0.02, 1 - top * inch, text, ha="left", va="top", fontsize=30,
                     fontweight="bold", color="#7a1010", linespacing=1.3)
            top += 0.56 * len(lines)
        fig.subplots_adjust(left=0.115, right=0.98, bottom=2.0 * inch,
                            top=1 - (top + 0.3) * inch)
        fig.savefig(path)
        plt.close(fig)


# --------------------------------------------------------------------------- command line


def _check(dict_cfg) -> None:
    validate_experiment(to_config(dict_cfg))


def run_and_save(dict_cfg) -> pd.DataFrame:
    """The body of the Hydra job: run, write the table and the figure, print both."""
    from hydra.core.hydra_config import HydraConfig

    cfg = validate_experiment(to_config(dict_cfg))
    out = HydraConfig.get().runtime.output_dir
    counts = run_counts(cfg)
    table = rate_table(counts)
    table.to_csv(f"{out}/speed_to_lead.csv", index=False)
    lines = headlines(table, cfg.headline_pairs, counts, study_odds(cfg.prospect.name))
    plot_curve(table, f"{out}/speed_to_lead.png", figure_title(cfg), lines,
               figure_subtitle(cfg, table))
    print(format_table(table))
    for line in lines + headline_notes(table, cfg.headline_pairs, cfg.replications):
        print(line)
    late = table["on_time_share"].min()
    print(f"first attempts exactly on time: {100 * late:.1f}% (worst delay)")
    print(f"figure: {out}/speed_to_lead.png")
    return table


def main() -> None:
    import hydra

    from sim import CONFIG_DIR
    from sim.hydra_support import preflight

    register_configs()
    preflight(sys.argv[1:], CONFIG_NAME, _check)

    @hydra.main(config_path=str(CONFIG_DIR), config_name=CONFIG_NAME, version_base="1.3")
    def _app(dict_cfg) -> None:
        run_and_save(dict_cfg)

    from sim.sweeps import run_app

    run_app(_app, failed_jobs_exit=False)  # failed sweep jobs: sweep_failures.csv


if __name__ == "__main__":
    main()
