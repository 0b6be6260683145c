"""Reviews, experiences, referrals and badges in the tables and summary of a run.

Built from the model's plain records (`records["tables"]`: experiences and reviews; the
prospects' reputation columns; the practice rows). Never imports the model. The column and
metric names are the output contract in the README ("Reviews, referrals and reputation").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Mirrors sim.model.experience.CAUSES (tests check they agree): every key is always present.
CAUSES = ("good_service", "good_consultation", "slow_response", "broken_promise", "long_hold",
          "no_response", "moved_on", "clinical")
SERVICE_CAUSES = ("slow_response", "broken_promise", "long_hold", "no_response")
BAD_STARS = 2  # a review of 1 or 2 stars is a bad review

TABLE_TYPES = {
    "reviews": {"review_id": "int64", "prospect_id": "int64", "practice": str, "site": str,
                "stars": "int64", "cause": str, "experience": str, "channel": str,
                "experienced_at": "float64", "posted_at": "float64"},
    "experiences": {"prospect_id": "int64", "practice": str, "inquiry_id": "int64",
                    "judged_minutes": "float64", "expected_minutes": "float64",
                    "service": str, "experience": str, "cause": str,
                    "experienced_at": "float64", "actions": str, "review_stars": "float64",
                    "review_site": str, "review_due_at": "float64",
                    "referral_due_at": "float64"},
}
EXPERIENCE_ORDER = ["prospect_id", "practice", "inquiry_id", "channel", "source", "outcome",
                    "response_minutes", "judged_minutes", "expected_minutes", "service",
                    "experience", "cause", "experienced_at", "actions", "review_stars",
                    "review_site", "review_due_at", "friend_referred", "referral_due_at"]
RANK = {"bad": 0, "neutral": 1, "good": 2}
PROSPECT_DEFAULTS = {"experience": "", "experience_practice": "", "experience_cause": "",
                     "actions": "", "review_stars": math.nan, "review_site": "",
                     "review_cause": "", "review_practice": "", "n_good": 0, "n_neutral": 0,
                     "n_bad": 0, "reviews_written": 0, "friends_referred": 0}


def tidy(tables: dict, inquiries: pd.DataFrame, prospects: pd.DataFrame
         ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The extra tables as typed DataFrames (experiences joined with their inquiry and
    prospect), and the prospects with their reputation columns (README)."""
    extra = {}
    for name, columns in tables.items():
        df = pd.DataFrame(columns)
        for col, dtype in TABLE_TYPES.get(name, {}).items():
            if col in df:
                df[col] = df[col].astype(dtype)
        extra[name] = df
    if "experiences" in extra:
        extra["experiences"] = _experiences(extra["experiences"], inquiries, prospects)
        prospects = _prospect_columns(prospects, extra["experiences"])
    return extra, prospects


def _experiences(ex: pd.DataFrame, inquiries: pd.DataFrame, prospects: pd.DataFrame
                 ) -> pd.DataFrame:
    inq = inquiries.set_index("inquiry_id")
    ex = ex.assign(
        channel=ex["inquiry_id"].map(inq["channel"]).astype(str),
        outcome=ex["inquiry_id"].map(inq["outcome"]).astype(str),
        response_minutes=ex["inquiry_id"].map(inq["answered_at"] - inq["arrived_at"])
        .astype("float64"),
        source=ex["prospect_id"].map(prospects.set_index("prospect_id")["source"]).astype(str),
        friend_referred=ex["referral_due_at"].notna(),
    )
    return ex[EXPERIENCE_ORDER].sort_values("inquiry_id", kind="stable").reset_index(drop=True)


def _prospect_columns(prospects: pd.DataFrame, ex: pd.DataFrame) -> pd.DataFrame:
    """Per prospect: the experience with the practice they booked with, else their worst
    (first contacted on a tie); their lowest-starred review; counts."""
    booked = ex["prospect_id"].map(prospects.set_index("prospect_id")["booked_with"])
    key = np.where(ex["practice"] == booked, -1, ex["experience"].map(RANK))
    pick = (ex.assign(_key=key).sort_values(["prospect_id", "_key", "inquiry_id"])
            .drop_duplicates("prospect_id").set_index("prospect_id"))
    reviewed = ex[ex["review_stars"].notna()]
    worst = (reviewed.sort_values(["prospect_id", "review_stars", "inquiry_id"])
             .drop_duplicates("prospect_id").set_index("prospect_id"))
    counts = pd.crosstab(ex["prospect_id"], ex["experience"])
    per = ex.groupby("prospect_id")
    columns = {
        "experience": pick["experience"], "experience_practice": pick["practice"],
        "experience_cause": pick["cause"], "actions": pick["actions"],
        "review_stars": worst["review_stars"], "review_site": worst["review_site"],
        "review_cause": worst["cause"], "review_practice": worst["practice"],
        "n_good": counts.get("good"), "n_neutral": counts.get("neutral"),
        "n_bad": counts.get("bad"), "reviews_written": per["review_stars"].count(),
        "friends_referred": per["friend_referred"].sum(),
    }
    out = prospects.copy()
    ids = out["prospect_id"]
    for col, default in PROSPECT_DEFAULTS.items():
        values = columns[col]
        mapped = ids.map(values) if values is not None else pd.Series(np.nan, index=ids.index)
        if isinstance(default, str):
            out[col] = mapped.astype(object).where(mapped.notna(), "").astype(str)
        else:
            out[col] = mapped.fillna(default).astype(type(default))
    return out


def _metrics(reviews: pd.DataFrame, experiences: pd.DataFrame, referred: pd.DataFrame,
             slot: str | None) -> dict:
    n = len(reviews)
    stars = reviews["stars"] if n else pd.Series(dtype="float64")
    bad = reviews[stars <= BAD_STARS] if n else reviews
    m = {
        "new_reviews": n,
        "mean_new_stars": float(stars.mean()) if n else math.nan,
        "new_bad_reviews": len(bad),
        "bad_reviews_service_share": (float(bad["cause"].isin(SERVICE_CAUSES).mean())
                                      if len(bad) else math.nan),
    }
    causes = reviews["cause"].value_counts() if n else {}
    for cause in CAUSES:
        m[f"new_reviews.{cause}"] = int(causes.get(cause, 0))
    ne = len(experiences)
    kinds = experiences["experience"].value_counts() if ne else {}
    for kind in ("good", "neutral", "bad"):
        m[f"experiences.{kind}"] = int(kinds.get(kind, 0))
    m["bad_experience_share"] = m["experiences.bad"] / ne if ne else math.nan
    m["referrals_generated"] = len(referred)
    booked = referred["booked_with"] == (referred["referred_by"] if slot is None else slot)
    m["referral_bookings"] = int(booked.sum()) if len(referred) else 0
    return m


def summary_metrics(records: dict, prospects: pd.DataFrame, extra: dict) -> dict:
    """`market.*` and `practices.<slot>.*` reputation metrics (flat keys, JSON-ready)."""
    if records.get("kind") != "market" or "reviews" not in extra:
        return {}
    reviews, experiences = extra["reviews"], extra["experiences"]
    referred = (prospects[prospects["source"] == "referral"]
                if "source" in prospects else prospects.iloc[:0])
    out = {f"market.{k}": v for k, v in _metrics(reviews, experiences, referred, None).items()}
    for row in records["practices"]:
        slot = row["practice"]
        metrics = _metrics(reviews[reviews["practice"] == slot],
                           experiences[experiences["practice"] == slot],
                           referred[referred["referred_by"] == slot], slot)
        metrics["rating_start"] = row.get("rating_start")
        metrics["rating_end"] = row.get("rating_end")
        metrics["rating_change"] = (row["rating_end"] - row["rating_start"]
                                    if "rating_start" in row else None)
        for key in ("days_badge_facebook", "days_badge_yelp", "bad_word_end"):
            metrics[key] = row.get(key)
        out.update({f"practices.{slot}.{k}": v for k, v in metrics.items()})
    return {k: _plain(v) for k, v in out.items()}


def _plain(v):
    if isinstance(v, float | np.floating):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v
