"""The reputation figure: each practice's rating and referrals over the run (daily.parquet).

Functions take DataFrames and a path; they never run the model.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402


def save_reputation_figure(daily: pd.DataFrame, path: str) -> str:
    """Rating (running mean of every review) and referred prospects received, per practice
    and day; a practice's line is thick on the days it showed a response badge."""
    df = daily.sort_values(["practice", "day"])
    order = sorted(df["practice"].unique())
    palette = dict(zip(order, sns.color_palette("deep", len(order)), strict=True))
    sns.set_theme(style="whitegrid", context="talk")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 9), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    for slot in order:
        rows = df[df["practice"] == slot]
        top.plot(rows["day"], rows["rating"], color=palette[slot], lw=2, label=slot)
        badge = rows["badge_facebook"].astype(bool) | rows["badge_yelp"].astype(bool)
        if badge.any():
            top.scatter(rows.loc[badge, "day"], rows.loc[badge, "rating"], s=6,
                        color=palette[slot], zorder=3)
        end = rows.iloc[-1]
        top.annotate(f"{end['rating']:.2f}", xy=(end["day"], end["rating"]), xytext=(6, 0),
                     textcoords="offset points", va="center", fontsize=12,
                     color=palette[slot])
        bottom.plot(rows["day"], rows["referral_prospects"], color=palette[slot], lw=2)
    top.set_ylabel("rating (stars)")
    top.set_title("Reputation per practice: rating (dots: a response badge is shown)",
                  fontsize=14)
    top.legend(loc="lower left", fontsize=12, ncol=len(order))
    bottom.set_ylabel("referred prospects\n(cumulative)")
    bottom.set_xlabel("day")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
