"""What the app shows, as plain functions: tables from a stepping LeadMarket, and the
matplotlib figures drawn from them (sized and lettered for a classroom projector).

Every function reads the model's public surface only: Mesa's DataCollector (a row per
practice per day), `LeadMarket.inquiry_records(since)` and `market.env.now`. None of
them imports Solara, so they are tested without a browser (tests/test_app.py).

Over 300 lines for a reason: these are the app's own views, each a small table or figure
for one panel of the lesson, kept together so the panels share their colours, labels and
projector sizes; none of them is analysis another part of leadsim uses.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure  # figures without pyplot: no backend, no global state
from matplotlib.ticker import MaxNLocator, PercentFormatter

DAY = 1440.0
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
FIGSIZE = (7.6, 4.1)  # inches at DPI: one of the page's half-width panels
DPI = 100
RC = {"font.size": 14, "axes.titlesize": 16, "axes.titleweight": "bold",
      "axes.labelsize": 14, "xtick.labelsize": 13, "ytick.labelsize": 13,
      "legend.fontsize": 12, "axes.grid": True, "grid.color": "#dddddd",
      "axes.spines.top": False, "axes.spines.right": False}
TIME_TICKS = [(1, "1 min"), (5, "5 min"), (60, "1 h"), (480, "8 h"), (1440, "1 day"),
              (7 * 1440, "1 wk")]


def colors(slots) -> dict[str, str]:
    """One color per practice slot, the same in every view (the focal practice first)."""
    return {slot: COLORS[i % len(COLORS)] for i, slot in enumerate(slots)}


def label(slot: str, focal: str) -> str:
    return f"{slot} (you)" if slot == focal else slot


def duration_label(minutes: float) -> str:
    """3 -> '3 min', 200 -> '3 h 20 min', 1440 -> '1 day', 3000 -> '2.1 days'."""
    if not math.isfinite(minutes):
        return "never"
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 1440:
        h, m = divmod(round(minutes), 60)
        return f"{h} h" if m == 0 else f"{h} h {m} min"
    days = minutes / 1440
    return "1 day" if abs(days - 1) < 0.05 else f"{days:.1f} days"


# --------------------------------------------------------------------------- tables


def daily_table(market) -> pd.DataFrame:
    """One row per practice per simulated day: `day` (1 = the first), `practice` and the
    DataCollector's counts so far (booked, lost_to_competitor, inquiries, rating, ...)."""
    if market.steps == 0:
        return pd.DataFrame(columns=["day", "practice", "booked", "lost_to_competitor",
                                     "inquiries", "rating", "review_count"])
    kind = type(market.practices[0])
    df = market.datacollector.get_agenttype_vars_dataframe(kind).reset_index()
    return df.rename(columns={"Step": "day"}).drop(columns="AgentID")


def week_summary(daily: pd.DataFrame, days: int = 7) -> pd.DataFrame:
    """Per practice, what happened in the last `days` simulated days (fewer at the start):
    inquiries, booked and lost_to_competitor, and the rating now."""
    if daily.empty:
        return pd.DataFrame(columns=["practice", "inquiries", "booked", "lost_to_competitor",
                                     "rating", "days"])
    last = int(daily["day"].max())
    first = max(last - days, 0)
    now = daily[daily["day"] == last].set_index("practice")
    cols = ["inquiries", "booked", "lost_to_competitor"]
    if first > 0:
        then = daily[daily["day"] == first].set_index("practice")[cols]
    else:
        then = pd.DataFrame(0, index=now.index, columns=cols)
    out = (now[cols] - then[cols]).astype(int)
    out["rating"] = now["rating"]
    out["days"] = last - first
    return out.reset_index()


def focal_first_answers(market, slot: str):
    """The focal practice's inquiries on the channels it watches: (channel, minutes to the
    first answer by a person or NaN, still open?). Open inquiries are still waiting; the
    others that have no answer were never answered."""
    rec = market.inquiry_records()
    practice = next(p for p in market.practices if p.slot == slot)
    watched = {str(getattr(c, "value", c)) for c in practice.channels}
    df = pd.DataFrame({k: rec[k] for k in ("practice", "channel", "arrived_at",
                                           "answered_at", "outcome")})
    df = df[(df["practice"] == slot) & df["channel"].isin(watched)]
    return pd.DataFrame({
        "channel": df["channel"].to_numpy(),
        "minutes": (df["answered_at"] - df["arrived_at"]).to_numpy(dtype=float),
        "age": (market.env.now - df["arrived_at"]).to_numpy(dtype=float),
        "open": df["outcome"].isna().to_numpy(),
    })


def answered_within(minutes, age, still_open, grid) -> np.ndarray:
    """Share of inquiries answered within each time of `grid` (minutes), counting those
    never answered as not answered (as the staffing report does) and those still open
    as known only up to their age: the Kaplan-Meier estimate (statsmodels), which is
    the report's plain share once every inquiry has ended."""
    from statsmodels.duration.survfunc import SurvfuncRight

    minutes = np.asarray(minutes, dtype=float)
    grid = np.asarray(grid, dtype=float)
    if len(minutes) == 0:
        return np.full(len(grid), np.nan)
    answered = np.isfinite(minutes)
    if not answered.any():
        return np.zeros(len(grid))
    # never answered: at risk past every answer; still open: censored at their age
    never = max(float(grid.max()), float(np.nanmax(minutes))) * 2 + 1.0
    time = np.where(answered, minutes, np.where(still_open, np.asarray(age, float), never))
    time = np.maximum(time, 0.0)
    km = SurvfuncRight(time, answered.astype(int))
    idx = np.searchsorted(km.surv_times, grid, side="right") - 1
    surv = np.where(idx >= 0, km.surv_prob[np.clip(idx, 0, None)], 1.0)
    return 1.0 - surv


def race_table(market, day: int) -> pd.DataFrame:
    """The shoppers of simulated day `day` (0 = the first): one row per inquiry of each
    prospect whose first inquiry came that day, with when each practice reached them
    (`contacted_at`, NaN if not yet or never) and the outcome so far (None: open)."""
    start = day * DAY
    rec = market.inquiry_records(since=start)
    df = pd.DataFrame({k: rec[k] for k in ("prospect_id", "practice", "channel",
                                           "arrived_at", "contacted_at", "outcome")})
    df = df[df["prospect_id"] > 0]
    first = df.groupby("prospect_id")["arrived_at"].transform("min")
    df = df[(first >= start) & (first < start + DAY)].copy()
    df["first_arrival"] = first[df.index]
    return df.sort_values(["first_arrival", "prospect_id", "arrived_at"]).reset_index(drop=True)


# --------------------------------------------------------------------------- speed to lead

CURVE_DELAYS = [1, 5, 10, 30, 60, 120, 240, 540, 1440]
CURVE_OVERRIDES = ["replications=2", "market.days=28"]
_curves: dict[str, pd.DataFrame] = {}
_curve_lock = threading.Lock()


def speed_curve(profile: str) -> pd.DataFrame:
    """The booking rate against the first-response delay for one prospect profile, from a
    short run of the speed-to-lead experiment (experiments.speed_to_lead: 2 replications
    of 28 days, about 500 of the focal practice's inquiries per delay). Computed once per
    profile per process (a few seconds) and kept."""
    with _curve_lock:
        if profile not in _curves:
            from experiments import speed_to_lead

            from .lesson import COMPOSE_LOCK

            with COMPOSE_LOCK:
                cfg = speed_to_lead.load_config([
                    f"prospect={profile}", *CURVE_OVERRIDES,
                    f"delays=[{','.join(str(d) for d in CURVE_DELAYS)}]"])
            _curves[profile] = speed_to_lead.run_experiment(cfg, progress=False)
        return _curves[profile]


def rate_at_delay(table: pd.DataFrame, delay: float, rate: str = "booking_rate") -> float:
    """The rate at `delay`, interpolated on the log of the delay between the delays run."""
    x = np.log(np.maximum(table["delay_minutes"].to_numpy(dtype=float), 0.5))
    return float(np.interp(math.log(max(delay, 0.5)), x, table[rate].to_numpy(dtype=float)))


# --------------------------------------------------------------------------- figures


def _figure(figsize=FIGSIZE) -> Figure:
    """A panel with fixed margins (a layout engine would cost more than the drawing)."""
    fig = Figure(figsize=figsize, dpi=DPI)
    fig.subplots_adjust(left=0.115, right=0.975, bottom=0.175, top=0.9)
    return fig


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=15, color="0.35", wrap=True)


def _log_time_axis(ax, xmax: float) -> None:
    ax.set_xscale("log")
    ticks = [(t, s) for t, s in TIME_TICKS if t <= xmax * 1.01]
    ax.set_xticks([t for t, _ in ticks], [s for _, s in ticks])
    ax.minorticks_off()


def bookings_figure(daily: pd.DataFrame, focal: str) -> Figure:
    """Bookings (solid) and inquiries lost to a competitor (dashed) per practice, summed
    since day 1."""
    import matplotlib as mpl

    with mpl.rc_context(RC):
        fig = _figure()
        ax = fig.add_subplot()
        ax.set_title("Booked (solid) and lost to a competitor (dashed)", loc="left")
        if daily.empty:
            _note(ax, "Press Step or ▶ to simulate the first day")
        else:
            cmap = colors(daily["practice"].unique())
            for slot, df in daily.groupby("practice", sort=False):
                width = 3.5 if slot == focal else 2.0
                ax.plot(df["day"], df["booked"], color=cmap[slot], lw=width,
                        label=label(slot, focal))
                ax.plot(df["day"], df["lost_to_competitor"], color=cmap[slot], lw=width,
                        ls="--")
            ax.legend(loc="upper left", ncols=2, frameon=False)
            ax.set_xlim(left=1, right=max(float(daily["day"].max()), 2))
            ax.set_ylim(bottom=0)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("day")
        ax.set_ylabel("inquiries since day 1")
    return fig


def rating_figure(daily: pd.DataFrame, focal: str) -> Figure:
    """Each practice's review rating, day by day."""
    import matplotlib as mpl

    with mpl.rc_context(RC):
        fig = _figure()
        ax = fig.add_subplot()
        ax.set_title("Rating on review sites", loc="left")
        if daily.empty:
            _note(ax, "Press Step or ▶ to simulate the first day")
        else:
            cmap = colors(daily["practice"].unique())
            for slot, df in daily.groupby("practice", sort=False):
                ax.plot(df["day"], df["rating"], color=cmap[slot],
                        lw=3.5 if slot == focal else 2.0, label=label(slot, focal))
                last = df.iloc[-1]
                ax.annotate(f"{last['rating']:.2f}", (last["day"], last["rating"]),
                            xytext=(4, 0), textcoords="offset points", va="center",
                            color=cmap[slot], fontsize=12, fontweight="bold")
            lo = min(4.0, float(daily["rating"].min()) - 0.1)
            ax.set_ylim(lo, 5.0)
            ax.legend(loc="lower left", ncols=4, frameon=False)
            ax.set_xlim(left=1, right=max(float(daily["day"].max()) * 1.08, 2))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("day")
        ax.set_ylabel("stars")
    return fig


GRID = np.logspace(0, math.log10(7 * 1440), 200)


def answered_figure(answers: pd.DataFrame, focal: str, day: int) -> Figure:
    """The share of the focal practice's inquiries answered by a person within t: phone
    calls and written inquiries on the channels it watches (as the staffing report draws
    it; inquiries still open count only up to their age)."""
    import matplotlib as mpl

    with mpl.rc_context(RC):
        fig = _figure()
        ax = fig.add_subplot()
        ax.set_title(f"{focal}: share answered by a person within…", loc="left")
        kinds = [("phone calls", answers["channel"] == "phone", "#1f77b4"),
                 ("web forms and messages", answers["channel"] != "phone", "#ff7f0e")]
        drawn = False
        for name, sel, color in kinds:
            sub = answers[sel]
            if len(sub) == 0:
                continue
            share = answered_within(sub["minutes"], sub["age"], sub["open"], GRID)
            ax.plot(GRID, share, color=color, lw=3, label=f"{name} ({len(sub)})")
            drawn = True
        if drawn:
            ax.legend(loc="upper left", frameon=False)
        else:
            _note(ax, "No inquiries yet" if day == 0 else "No inquiries on watched channels")
        _log_time_axis(ax, GRID.max())
        ax.set_xlim(1, GRID.max() * 1.6)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("time since the inquiry (log scale)")
        ax.set_ylabel("answered")
    return fig


def speed_figure(table: pd.DataFrame | None, profile: str, delay: float | None,
                 actual: float | None = None) -> Figure:
    """The profile's booking rate against the delay of the first response, with its 95%
    band; the practice's setting (a dotted line) and, once known, how long its web forms
    and messages actually wait for a first answer (the median so far, a dot on the curve)."""
    import matplotlib as mpl

    with mpl.rc_context(RC):
        fig = _figure()
        ax = fig.add_subplot()
        ax.set_title(f"Speed to lead ('{profile}' prospects)", loc="left")
        _log_time_axis(ax, 1440)
        ax.set_xlim(0.8, 1440 * 1.25)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("first call after (log scale)")
        ax.set_ylabel("booked a consultation")
        if table is None:
            _note(ax, "Working out this profile's curve…")
            return fig
        x = table["delay_minutes"].to_numpy(dtype=float)
        ax.fill_between(x, table["booking_rate_ci_low"], table["booking_rate_ci_high"],
                        color="#c62828", alpha=0.2, lw=0)
        ax.plot(x, table["booking_rate"], color="#c62828", lw=3, marker="o", ms=7)
        if delay is not None and math.isfinite(delay):
            at = max(min(delay, 1440.0), 1.0)
            ax.axvline(at, color="black", lw=2, ls=":")
            right = at < 120
            ax.text(at * (1.12 if right else 1 / 1.12), 0.96,
                    f"setting: {duration_label(delay)}\n≈ {rate_at_delay(table, at):.0%} book",
                    ha="left" if right else "right", va="top", fontsize=13)
        if actual is not None:
            at = max(min(actual, 1440.0), 1.0)
            rate = rate_at_delay(table, at)
            late = "more than " if actual > 1440 else ""
            right = at < 120
            ax.plot([at], [rate], "o", color="black", ms=12, zorder=5)
            ax.annotate(f"in practice: {late}{duration_label(min(actual, 1440.0))}\n"
                        f"≈ {rate:.0%} book", (at, rate),
                        # clear of the curve: below it on the left, above it on the right
                        xytext=(14, -70) if right else (-14, 118), textcoords="offset points",
                        ha="left" if right else "right", fontsize=14, fontweight="bold",
                        bbox={"boxstyle": "round", "fc": "white", "ec": "0.6"},
                        arrowprops={"arrowstyle": "-", "color": "0.4"})
    return fig


def median_written_answer(answers: pd.DataFrame) -> float | None:
    """When half of the web forms and messages have had a first answer (minutes): inf when
    it is known that fewer than half had one within a day, None when it is not known yet
    (or there are no such inquiries)."""
    written = answers[answers["channel"] != "phone"]
    if len(written) == 0:
        return None
    share = answered_within(written["minutes"], written["age"], written["open"], GRID)
    if (share >= 0.5).any():
        return float(GRID[np.argmax(share >= 0.5)])
    return math.inf if float(written["age"].max()) >= 1440 else None


OUTCOME_STYLE = {  # how a practice's contact is drawn in the race
    "booked": ("*", 200), "lost_to_competitor": ("o", 60), "too_late": ("X", 80),
}


def race_figure(race: pd.DataFrame, slots, focal: str, day: int) -> Figure:
    """Yesterday's race: one lane per shopper of the day (in order of arrival) from their
    first inquiry; a dot where each practice they wrote to reached them, a star on the
    practice that booked them."""
    import matplotlib as mpl

    shoppers = race["prospect_id"].unique() if len(race) else []
    n = len(shoppers)
    with mpl.rc_context(RC):
        fig = _figure((FIGSIZE[0], FIGSIZE[1]))
        ax = fig.add_subplot()
        weekday = WEEKDAYS[day % 7]
        fig.subplots_adjust(top=0.8)
        fig.suptitle(f"Day {day + 1} ({weekday}): who reached each shopper first",
                     x=0.115, ha="left", y=0.98, fontsize=16, fontweight="bold")
        start = day * DAY
        cmap = colors(slots)
        if n == 0:
            _note(ax, "Press Step or ▶ to simulate a day" if day < 0 else "No shoppers")
        lane = {pid: i for i, pid in enumerate(shoppers)}
        lanes, starts = [], []
        for pid, df in race.groupby("prospect_id", sort=False):
            y = n - 1 - lane[pid]
            t0 = (df["first_arrival"].iloc[0] - start) / 60
            booked = df[df["outcome"] == "booked"]
            t1 = ((booked["contacted_at"].iloc[0] - start) / 60 if len(booked)
                  else 24 + 12)
            lanes.append([(t0, y), (min(t1, 36), y)])
            starts.append((t0, y))
        if n:
            ax.add_collection(LineCollection(lanes, colors="0.75", linewidths=1.5, zorder=1))
            xs, ys = zip(*starts)
            ax.scatter(xs, ys, marker="|", s=60, color="0.3", zorder=2)
            y_of = {pid: n - 1 - i for pid, i in lane.items()}
            reached = race[np.isfinite(race["contacted_at"])].copy()
            reached["t"] = (reached["contacted_at"] - start) / 60
            reached["y"] = reached["prospect_id"].map(y_of)
            reached = reached[reached["t"] <= 36]
            for (slot, outcome), df in reached.groupby(["practice", "outcome"], dropna=False):
                marker, size = OUTCOME_STYLE.get(outcome, ("o", 70))
                ax.scatter(df["t"], df["y"], marker=marker, s=size, color=cmap[slot],
                           edgecolor="black" if outcome == "booked" else "none",
                           linewidth=0.6, zorder=3)
        for h in (9, 17, 24 + 9):
            ax.axvline(h, color="0.85", lw=1, zorder=0)
        ax.axvspan(24, 36, color="0.95", zorder=0)
        ax.set_xlim(0, 36)
        ax.set_xticks([0, 6, 9, 12, 17, 24, 33], ["0h", "6h", "9h", "12h", "17h",
                                                    "next\nday", "9h"])
        ax.set_ylim(-1, max(n, 1))
        ax.set_yticks([])
        ax.grid(False)
        ax.set_ylabel(f"{n} shoppers, first at the top")
        handles = [ax.scatter([], [], marker="o", s=70, color=cmap[s], label=label(s, focal))
                   for s in slots]
        handles.append(ax.scatter([], [], marker="*", s=200, color="0.5", edgecolor="black",
                                  label="booked"))
        handles.append(ax.scatter([], [], marker="X", s=90, color="0.5", label="too late"))
        # a row above the lanes, where it hides none of them
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=6,
                  frameon=False, fontsize=11, handletextpad=0.1, columnspacing=0.8,
                  borderaxespad=0.2)
    return fig


def png(fig: Figure) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def money(x: float) -> str:
    return f"${x:,.0f}"


def manager_lines(daily: pd.DataFrame, focal: str, answers: pd.DataFrame,
                  name: str) -> list[str]:
    """A few sentences in a practice manager's words about the last seven days (**bold**
    marks the numbers to read out)."""
    if daily.empty:
        return ["Nothing simulated yet: press **Step** for one day, or **▶** to let the "
                "weeks go by."]
    week = week_summary(daily).set_index("practice")
    me = week.loc[focal]
    days = int(me["days"])
    span = "this week" if days >= 7 else f"in the first {days} day{'s' * (days != 1)}"
    day = int(daily["day"].max())
    lines = [f"**Day {day} ({WEEKDAYS[(day - 1) % 7]}).** {span.capitalize()} "
             f"**{focal}** ({name}) had {int(me['inquiries'])} inquiries, booked "
             f"**{int(me['booked'])}** and lost **{int(me['lost_to_competitor'])}** to "
             "faster practices."]
    others = week.drop(index=focal)
    if len(others):
        best = others["booked"].idxmax()
        lines.append(f"The busiest competitor, **{best}**, booked "
                     f"{int(others.loc[best, 'booked'])}.")
    parts = []
    phone = answers[answers["channel"] == "phone"]
    if len(phone):
        within = answered_within(phone["minutes"], phone["age"], phone["open"], [1.0])[0]
        parts.append(f"{within:.0%} of calls were picked up within a minute")
    half = median_written_answer(answers)
    if half is not None and math.isfinite(half):
        parts.append("half of the web forms and messages were answered within "
                     f"**{duration_label(half)}**")
    elif half is not None:
        parts.append("fewer than half of the web forms and messages were answered within "
                     "**a day**")
    elif (answers["channel"] != "phone").any():
        parts.append("fewer than half of the web forms and messages have had an answer yet")
    if parts:
        lines.append(f"Since day 1, {' and '.join(parts)}.")
    total = daily[daily["day"] == day].set_index("practice").loc[focal]
    lines.append(f"In all: {int(total['booked'])} booked, "
                 f"{int(total['lost_to_competitor'])} lost to competitors; rating "
                 f"{float(total['rating']):.2f} ★.")
    return lines
