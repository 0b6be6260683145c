"""Seaborn figures. Functions take DataFrames and a path; they never run the model."""

from __future__ import annotations

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402


def save_first_response_figure(inquiries: pd.DataFrame, path: str) -> str:
    """Share of inquiries answered within t minutes, per practice (log t).

    A curve that stays low never reaches 100%: the gap at the right is the share of
    inquiries that practice never answered at all.
    """
    sns.set_theme(style="whitegrid", context="talk")
    fig, ax = plt.subplots(figsize=(11, 6.5))
    palette = sns.color_palette("deep")
    grid = np.logspace(-1, np.log10(14 * 1440), 400)
    for i, (slot, df) in enumerate(sorted(inquiries.groupby("practice"), key=lambda x: x[0])):
        times = np.sort(df["first_response_minutes"].dropna().to_numpy())
        share = np.searchsorted(times, grid, side="right") / max(len(df), 1)
        never = 1 - len(times) / max(len(df), 1)
        ax.plot(grid, share, color=palette[i % len(palette)], lw=3,
                label=f"{slot}  (never answered {never:.0%})")
    for minutes, label in [(5, "5 min"), (60, "1 hour"), (1440, "1 day"), (7 * 1440, "1 week")]:
        ax.axvline(minutes, color="grey", ls="--", lw=1)
        ax.text(minutes * 1.08, 0.02, label, fontsize=12, color="dimgrey")
    ax.set_xscale("log")
    ax.set_xlim(grid[0], grid[-1])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("minutes after the inquiry (log scale)")
    ax.set_ylabel("inquiries with a first human response")
    ax.set_title("How fast each practice first responds")
    ax.legend(loc="upper left", fontsize=13, frameon=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
