"""Seaborn figures of a staffing-plan comparison. Each function takes tables (never the
model) and returns the figure as PNG bytes, ready to embed in the report or write out."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from .stats import BETTER, UNCLEAR, WORSE, verdict  # noqa: E402

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
GOOD, BAD, UNSURE = "#2e8b57", "#c0392b", "#8c8c8c"
DPI = 110


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _theme() -> None:
    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.05)


def money(x: float, sign: bool = True) -> str:
    """$1,234 / -$1,234 (with + for gains when `sign`)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    s = f"${abs(x):,.0f}"
    return ("-" + s) if x < 0 else (("+" + s) if sign and x > 0 else s)


def net_gain_figure(comparison: pd.DataFrame, baseline: str,
                    metric: str = "net_per_month") -> bytes:
    """Net gain per month of each plan against the baseline, with its interval."""
    _theme()
    df = comparison[(comparison["metric"] == metric) & (comparison["plan"] != baseline)].copy()
    df["verdict"] = [verdict(lo, hi) for lo, hi in zip(df["ci_low"], df["ci_high"])]
    df = df.sort_values("diff_vs_baseline", ascending=False)
    palette = {BETTER: GOOD, WORSE: BAD, UNCLEAR: UNSURE}
    fig, ax = plt.subplots(figsize=(9.5, 0.75 * len(df) + 1.6))
    sns.barplot(data=df, x="diff_vs_baseline", y="plan", hue="verdict", palette=palette,
                dodge=False, ax=ax, alpha=0.85, legend=False,
                hue_order=[BETTER, UNCLEAR, WORSE])
    ys = np.arange(len(df))
    mid = df["diff_vs_baseline"]
    ax.errorbar(mid, ys, xerr=[mid - df["ci_low"], df["ci_high"] - mid],
                fmt="none", ecolor="black", elinewidth=1.6, capsize=6)
    ax.axvline(0, color="black", lw=1)
    span = max(df["ci_high"].abs().max(), df["ci_low"].abs().max(), 1.0)
    for y, (_, row) in zip(ys, df.iterrows()):
        x = row["ci_high"] if row["diff_vs_baseline"] >= 0 else row["ci_low"]
        ha = "left" if row["diff_vs_baseline"] >= 0 else "right"
        ax.text(x + (0.03 if ha == "left" else -0.03) * span, y,
                f"{money(row['diff_vs_baseline'])} / month", va="center", ha=ha, fontsize=10)
    ax.set_xlim(-1.45 * span, 1.45 * span)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: money(v)))
    ax.set_xlabel(f"net gain per month against '{baseline}' (bars: 95% interval)")
    ax.set_ylabel("")
    handles = [Patch(color=GOOD, label="clearly pays for itself"),
               Patch(color=UNSURE, label="can't tell from the current plan"),
               Patch(color=BAD, label="clearly loses money")]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
              frameon=False, fontsize=9.5)
    fig.tight_layout()
    return _png(fig)


def _answered_within(minutes: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Share of all inquiries (never-answered ones included) answered within each time."""
    done = np.sort(minutes[np.isfinite(minutes)])
    return np.searchsorted(done, grid, side="right") / max(len(minutes), 1)


def first_response_figure(first_response: pd.DataFrame, plans: list[str],
                          monitored: list[str] | None = None) -> bytes:
    """Share of inquiries answered by a person within t, per plan: phone calls and
    written inquiries on the monitored channels (never answered ones keep the curve
    below 100%)."""
    _theme()
    df = first_response
    if monitored is not None:
        df = df[df["channel"].isin(monitored)]
    grid = np.logspace(-1, math.log10(14 * 1440), 400)
    rows = []
    panels = [("phone", "Phone calls"), ("written", "Web forms and messages")]
    for p in plans:
        mine = df[df["plan"] == p]
        for key, _ in panels:
            sel = mine["channel"] == "phone" if key == "phone" else mine["channel"] != "phone"
            m = mine.loc[sel, "minutes"].to_numpy(dtype=float)
            if len(m) == 0:
                continue
            m = np.where(np.isfinite(m), np.maximum(m, 0.1), np.nan)
            rows.append(pd.DataFrame({"plan": p, "panel": key, "minutes": grid,
                                      "share": _answered_within(m, grid)}))
    long = (pd.concat(rows, ignore_index=True) if rows else
            pd.DataFrame({"plan": [], "panel": [], "minutes": [], "share": []}))
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.8), sharey=True)
    palette = dict(zip(plans, sns.color_palette("tab10", len(plans))))
    for ax, (key, title) in zip(axes, panels):
        sub = long[long["panel"] == key]
        if sub.empty:  # a short run of a quiet market: nothing to draw, and say so
            ax.text(0.5, 0.5, "no such inquiries in these runs", transform=ax.transAxes,
                    ha="center", va="center", color="0.4")
        else:
            sns.lineplot(data=sub, x="minutes", y="share", hue="plan", hue_order=plans,
                         palette=palette, ax=ax, lw=2, legend=(key == "written"))
        ax.set_xscale("log")
        ticks = [(1 / 3, "20 s"), (5, "5 min"), (60, "1 h"), (1440, "1 day"),
                 (7 * 1440, "1 week")]
        ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks])
        ax.set_xlim(0.1, 14 * 1440)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(title)
        ax.set_xlabel("time until a person first answers (log scale)")
        ax.set_ylabel("share of inquiries answered within that time")
    if axes[1].get_legend_handles_labels()[0]:
        axes[1].legend(title="plan", loc="upper left", fontsize=9, title_fontsize=9)
    fig.tight_layout()
    return _png(fig)


def inquiries_by_hour_figure(by_hour: np.ndarray, rosters: dict) -> bytes:
    """Inquiries per hour of the week (phone, monitored messages, unmonitored messages)
    above a strip per plan showing who is on shift when."""
    _theme()
    kinds = ["phone calls", "web forms / monitored messages", "messages nobody reads"]
    colors = ["#1f77b4", "#ff7f0e", "#c7c7c7"]
    long = pd.DataFrame({
        "hour": np.tile(np.arange(168), 3),
        "kind": np.repeat(kinds, 168),
        "rate": np.asarray(by_hour).ravel(),
    })
    plans = list(rosters)
    fig = plt.figure(figsize=(13, 3.6 + 0.42 * len(plans)))
    gs = fig.add_gridspec(2, 1, height_ratios=[3.6, 0.42 * len(plans)], hspace=0.08)
    ax = fig.add_subplot(gs[0])
    sns.histplot(data=long, x="hour", weights="rate", hue="kind", hue_order=kinds[::-1],
                 palette=dict(zip(kinds, colors)), multiple="stack", discrete=True,
                 ax=ax, edgecolor="none", alpha=0.95)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title("")
        legend.set_frame_on(False)
    ax.set_xlim(-0.5, 167.5)
    ax.set_ylabel("inquiries per hour")
    ax.set_xlabel("")
    ax.set_xticks(np.arange(12, 168, 24), DAYS)
    ax.tick_params(axis="x", labelbottom=False)
    for d in range(1, 7):
        ax.axvline(24 * d - 0.5, color="grey", lw=0.8)
    ax.set_title("When inquiries arrive (average week) and who is working")
    strip = fig.add_subplot(gs[1], sharex=ax)
    people_max = max(max(r["phone"].max(), r["messages_only"].max()) for r in rosters.values())
    people_max = max(people_max, 1.0)
    for i, p in enumerate(plans):
        r = rosters[p]
        y = len(plans) - 1 - i
        for h in range(168):
            staff = r["phone"][h] + r["messages_only"][h]
            if staff > 0:
                shade = 0.4 + 0.5 * min(staff / people_max, 1.0)
                strip.add_patch(plt.Rectangle((h - 0.5, y - 0.38), 1, 0.76, lw=0,
                                              color=plt.cm.Greens(shade)))
            elif r["service"][h] > 0:
                strip.add_patch(plt.Rectangle((h - 0.5, y - 0.38), 1, 0.76, lw=0,
                                              color="#9ecae1"))
    strip.set_ylim(-0.6, len(plans) - 0.4)
    strip.set_yticks(range(len(plans)), plans[::-1])
    strip.set_xticks(np.arange(12, 168, 24), DAYS)
    strip.grid(False)
    for d in range(1, 7):
        strip.axvline(24 * d - 0.5, color="grey", lw=0.8)
    strip.legend(handles=[Patch(color=plt.cm.Greens(0.65),
                                label="staff on shift (darker: more people)"),
                          Patch(color="#9ecae1", label="answering service only")],
                 loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False)
    return _png(fig)


STATUS = ["no calls", "quiet hour", "enough phone staff", "short-handed",
          "answering service", "nobody answers"]
STATUS_COLORS = ["#ffffff", "#eeeeee", "#74c476", "#fdae6b", "#9ecae1", "#de2d26"]


def hour_status(need: np.ndarray, roster: dict, rate: np.ndarray,
                quiet_per_year: float = 3.0) -> np.ndarray:
    """Per hour of week an index into STATUS: is the plan's phone staffing enough for
    the Erlang A need in that hour?"""
    out = np.zeros(168, dtype=int)
    for h in range(168):
        if need[h] == 0:
            out[h] = 0
        elif rate[h] * 365.25 / 7 < quiet_per_year and roster["phone"][h] == 0:
            out[h] = 4 if roster["service"][h] > 0 else 1
        elif roster["phone_equivalent"][h] + 1e-9 >= need[h]:
            out[h] = 2
        elif roster["phone"][h] > 0:
            out[h] = 3
        elif roster["service"][h] > 0:
            out[h] = 4
        else:
            out[h] = 5
    return out


def erlang_hint_figure(need: np.ndarray, rosters: dict, rate: np.ndarray) -> bytes:
    """Week calendars: the Erlang A phone staff needed per hour, and per plan whether its
    roster meets it."""
    _theme()
    plans = list(rosters)
    ncols = 2
    nrows = math.ceil((len(plans) + 1) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(13, 2.55 * nrows), squeeze=False)
    flat = axes.ravel()
    grid = np.asarray(rate).reshape(7, 24)
    annot = np.where(need.reshape(7, 24) > 0, need.reshape(7, 24).astype(str), "")
    sns.heatmap(grid, ax=flat[0], cmap="Blues", annot=annot, fmt="", cbar=True,
                cbar_kws={"label": "calls per hour", "shrink": 0.8}, linewidths=0.3,
                linecolor="white", annot_kws={"fontsize": 7},
                xticklabels=False, yticklabels=False)  # not "auto": that redraws the figure
    flat[0].set_title("Phone calls per hour; number = Erlang A staff needed", fontsize=10.5)
    cmap = ListedColormap(STATUS_COLORS)
    for ax, p in zip(flat[1:], plans):
        status = hour_status(need, rosters[p], rate).reshape(7, 24)
        staff = rosters[p]["phone"].reshape(7, 24)
        equiv = rosters[p]["phone_equivalent"].reshape(7, 24)
        # the equivalents the colour is judged on, with one decimal: two receptionists with
        # 30% of their time on patients are 1.4, short of an Erlang need of 2
        labels = np.where(staff > 0, np.vectorize(lambda v: f"{v:.1f}")(equiv), "")
        sns.heatmap(status, ax=ax, cmap=cmap, vmin=-0.5, vmax=len(STATUS) - 0.5, cbar=False,
                    annot=labels, fmt="", linewidths=0.3, linecolor="#dddddd",
                    annot_kws={"fontsize": 6.5}, xticklabels=False, yticklabels=False)
        ax.set_title(f"{p}: phone-staff equivalents", fontsize=10.5)
    for ax in flat[: len(plans) + 1]:
        ax.set_yticks(np.arange(7) + 0.5, DAYS, rotation=0, fontsize=8)
        ax.set_xticks(np.arange(0, 24, 3) + 0.5, [f"{h}h" for h in range(0, 24, 3)],
                      rotation=0, fontsize=8)
        ax.set_xlabel("")
        ax.set_ylabel("")
    for ax in flat[len(plans) + 1:]:
        ax.axis("off")
    handles = [Patch(facecolor=c, edgecolor="#999999", label=s)
               for s, c in zip(STATUS, STATUS_COLORS)]
    fig.legend(handles=handles, loc="lower center", ncol=len(STATUS), frameon=False,
               bbox_to_anchor=(0.5, 0.015), fontsize=9)
    fig.text(0.5, -0.01, EQUIVALENT_NOTE, ha="center", va="bottom", fontsize=8.5,
             color="0.25")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return _png(fig)


EQUIVALENT_NOTE = ("Numbers in a plan's calendar are phone-staff equivalents: a receptionist "
                   "counts as 1 minus her share of time with patients at the desk (two "
                   "receptionists at 30% count as 1.4), a coordinator as 1.")
