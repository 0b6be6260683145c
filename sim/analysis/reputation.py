"""Reviews, experiences, referrals and badges in the tables and summary of a run.

Built from the model's plain records (`records["tables"]`: experiences and reviews; the
prospects' reputation columns; the practice rows). Never imports the model. The column and
metric names are the output contract in the README ("Reviews, referrals and reputation").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..vocabulary import CAUSES, SERVICE_CAUSES  # every cause's key is always present
from . import columns

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


def empty_table(name: str) -> columns.Table:
    """An extra table with no rows and the columns (and types) a market run gives it: what
    a run without the reputation model (`scenario=mmc`) has."""
    types = dict(TABLE_TYPES[name])
    if name == "experiences":
        types.update({"channel": str, "source": str, "outcome": str,
                      "response_minutes": "float64", "friend_referred": "bool"})
        return columns.Table.of({c: [] for c in EXPERIENCE_ORDER}, types)
    return columns.Table.of({c: [] for c in types}, types)


def tidy(tables: dict, inquiries: columns.Table, prospects: columns.Table
         ) -> tuple[dict[str, columns.Table], columns.Table]:
    """The extra tables as typed tables (experiences joined with their inquiry and
    prospect), and the prospects with their reputation columns (README)."""
    extra = {name: columns.Table.of(cols, TABLE_TYPES.get(name))
             for name, cols in tables.items()}
    if "experiences" in extra:
        extra["experiences"] = _experiences(extra["experiences"], inquiries, prospects)
        prospects = _prospect_columns(prospects, extra["experiences"])
    return extra, prospects


def _experiences(ex: columns.Table, inquiries: columns.Table, prospects: columns.Table
                 ) -> columns.Table:
    inq = columns.lookup(inquiries["inquiry_id"], ex["inquiry_id"])
    response = inquiries["answered_at"] - inquiries["arrived_at"]
    source = columns.lookup(prospects["prospect_id"], ex["prospect_id"])
    ex = ex.assign(
        channel=_as_text(columns.take(inquiries["channel"], inq)),
        outcome=_as_text(columns.take(inquiries["outcome"], inq)),
        response_minutes=columns.take(response, inq).astype("float64"),
        source=_as_text(columns.take(prospects["source"], source)),
        friend_referred=~np.isnan(ex["referral_due_at"]),
    )
    return ex.select(EXPERIENCE_ORDER).take(np.argsort(ex["inquiry_id"], kind="stable"))


def _as_text(values):
    """A column as text, as pandas' `.astype(str)` of a text column (missing stays
    missing); a column of no text at all (`Untyped`) as its values' str."""
    if isinstance(values, columns.Untyped):
        return columns.column([None if v is None else str(v) for v in values], str)
    return values


def _first_per_group(group: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """The row of each group (`group` >= 0) that sorts first by `keys` (earlier keys first;
    ties keep row order): what sort_values(...).drop_duplicates(group) keeps."""
    order = np.lexsort((*reversed(keys), group))  # lexsort sorts by its last key first
    order = order[group[order] >= 0]
    g = group[order]
    return order[np.r_[True, g[1:] != g[:-1]]] if len(order) else order


def _prospect_columns(prospects: columns.Table, ex: columns.Table) -> columns.Table:
    """Per prospect: the experience with the practice they booked with, else their worst
    (first contacted on a tie); their lowest-starred review; counts."""
    n = len(prospects)
    owner = columns.lookup(prospects["prospect_id"], ex["prospect_id"])  # row; -1: none
    booked = columns.text(columns.take(prospects["booked_with"], owner))
    # the key to pick by: -1 for the practice they booked with, else the experience's rank
    # (NaN, sorting last, for a value RANK does not know)
    kind = columns.Codes(ex["experience"])
    rank = np.full(len(ex), np.nan)
    for name, r in RANK.items():
        rank[kind.eq(name)] = r
    own = np.asarray(columns.text(ex["practice"]) == booked, dtype=bool)
    key = np.where(own, -1, rank)
    inquiry_id = ex["inquiry_id"]
    pick = _first_per_group(owner, key, inquiry_id)
    stars = ex["review_stars"]
    reviewed = ~np.isnan(stars)
    worst = _first_per_group(np.where(reviewed, owner, -1), stars, inquiry_id)

    def chosen(rows: np.ndarray, col: str):
        """Column `col` of the experiences `rows`, on their prospects' rows (missing for a
        prospect without one)."""
        source = np.full(n, -1)
        source[owner[rows]] = rows
        return columns.take(ex[col], source)

    def per_prospect(mask: np.ndarray) -> np.ndarray:
        """How many experiences in `mask` each prospect has."""
        return np.bincount(owner[mask & (owner >= 0)], minlength=n).astype(np.int64)

    new = {
        "experience": chosen(pick, "experience"), "experience_practice": chosen(pick, "practice"),
        "experience_cause": chosen(pick, "cause"), "actions": chosen(pick, "actions"),
        "review_stars": chosen(worst, "review_stars"),
        "review_site": chosen(worst, "review_site"), "review_cause": chosen(worst, "cause"),
        "review_practice": chosen(worst, "practice"),
        "n_good": per_prospect(kind.eq("good")), "n_neutral": per_prospect(kind.eq("neutral")),
        "n_bad": per_prospect(kind.eq("bad")), "reviews_written": per_prospect(reviewed),
        "friends_referred": per_prospect(ex["friend_referred"]),
    }
    out = {}
    for col, default in PROSPECT_DEFAULTS.items():
        values = new[col]
        if isinstance(default, str):  # no such experience, or a missing text in it: ""
            values = columns.filled(_as_text(values))
        else:
            values = np.asarray(values).astype(type(default))
        out[col] = values
    return prospects.assign(**out)


@dataclass
class _Reviews(columns.Rows):
    practice: columns.Codes
    cause: columns.Codes
    stars: np.ndarray


@dataclass
class _Experiences(columns.Rows):
    practice: columns.Codes
    experience: columns.Codes


@dataclass
class _Referred(columns.Rows):
    """The prospects who came by referral."""

    referred_by: columns.Codes
    booked_with: columns.Codes
    booked_with_referrer: np.ndarray  # bool: booked_with == referred_by


def _metrics(reviews: _Reviews, experiences: _Experiences, referred: _Referred,
             slot: str | None) -> dict:
    n = len(reviews)
    bad = reviews[reviews.stars <= BAD_STARS]
    m = {
        "new_reviews": n,
        "mean_new_stars": columns.mean(reviews.stars),
        "new_bad_reviews": len(bad),
        "bad_reviews_service_share": (columns.count(bad.cause.isin(SERVICE_CAUSES)) / len(bad)
                                      if len(bad) else math.nan),
    }
    for cause in CAUSES:
        m[f"new_reviews.{cause}"] = columns.count(reviews.cause.eq(cause))
    ne = len(experiences)
    for kind in ("good", "neutral", "bad"):
        m[f"experiences.{kind}"] = columns.count(experiences.experience.eq(kind))
    m["bad_experience_share"] = m["experiences.bad"] / ne if ne else math.nan
    m["referrals_generated"] = len(referred)
    booked = referred.booked_with_referrer if slot is None else referred.booked_with.eq(slot)
    m["referral_bookings"] = columns.count(booked)
    return m


def summary_metrics(records: dict, prospects: columns.Table, extra: dict) -> dict:
    """`market.*` and `practices.<slot>.*` reputation metrics (flat keys, JSON-ready)."""
    if records.get("kind") != "market" or "reviews" not in extra:
        return {}
    rv, ex = extra["reviews"], extra["experiences"]
    reviews = _Reviews(practice=columns.Codes(rv["practice"]), cause=columns.Codes(rv["cause"]),
                       stars=rv["stars"])
    experiences = _Experiences(practice=columns.Codes(ex["practice"]),
                               experience=columns.Codes(ex["experience"]))
    referral = (columns.text(prospects["source"]) == "referral" if "source" in prospects
                else np.zeros(len(prospects), dtype=bool))
    referred_by = columns.text(prospects["referred_by"])
    booked_with = columns.text(prospects["booked_with"])
    referred = _Referred(
        referred_by=columns.Codes(prospects["referred_by"]),
        booked_with=columns.Codes(prospects["booked_with"]),
        # as pandas compares text: a missing value equals nothing
        booked_with_referrer=(booked_with == referred_by) & _present(booked_with),
    )[referral]
    out = {f"market.{k}": v for k, v in _metrics(reviews, experiences, referred, None).items()}
    for row in records["practices"]:
        slot = row["practice"]
        metrics = _metrics(reviews[reviews.practice.eq(slot)],
                           experiences[experiences.practice.eq(slot)],
                           referred[referred.referred_by.eq(slot)], slot)
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


def _present(values: np.ndarray) -> np.ndarray:
    """Where a column of text (None or NaN for missing) has a value."""
    return np.array([isinstance(v, str) for v in values], dtype=bool)
