"""Seaborn figures. Functions take DataFrames and a path; they never run the model."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402


def save_first_response_figure(inquiries: pd.DataFrame, path: str) -> str:
    """First-response time per practice (log minutes), with the share never answered."""
    df = inquiries[["practice", "first_response_minutes"]].copy()
    order = sorted(df["practice"].unique())
    never = df.groupby("practice")["first_response_minutes"].apply(lambda s: s.isna().mean())
    answered = df.dropna()
    answered = answered.assign(minutes=answered["first_response_minutes"].clip(lower=0.1))
    sns.set_theme(style="whitegrid", context="talk")
    fig, ax = plt.subplots(figsize=(11, 6))
    sns.boxplot(data=answered, x="minutes", y="practice", order=order, log_scale=True,
                whis=(5, 95), showfliers=False, ax=ax, hue="practice", palette="deep",
                legend=False)
    for i, slot in enumerate(order):
        ax.annotate(f"never answered: {never.get(slot, np.nan):.0%}", xy=(1.0, i),
                    xycoords=("axes fraction", "data"), xytext=(8, 0),
                    textcoords="offset points", va="center", fontsize=12)
    for minutes, label in [(5, "5 min"), (60, "1 h"), (1440, "1 day")]:
        ax.axvline(minutes, color="grey", ls="--", lw=1)
        ax.text(minutes, -0.6, label, ha="center", va="bottom", fontsize=11, color="grey")
    ax.set_xlabel("first human response (minutes after the inquiry, log scale)")
    ax.set_ylabel("")
    ax.set_title("How fast each practice first responds (boxes: middle half; whiskers: 5-95%)",
                 fontsize=14)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
