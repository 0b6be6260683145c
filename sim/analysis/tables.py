"""RunResult: the tidy tables and summary metrics of one run, and how they are saved.

Built once, at the end of a run, from the model's plain records (lists and dicts); this
module never imports the model. Column and metric names are the output contract documented
in the README ("Outputs").

About 400 lines as one module: RunResult's tables are built from the same records in one
pass, and the summary's metrics are read from those tables (sim/analysis/contract.py
says what each means).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..fileio import write_atomic
from . import columns, erlang, nurture, reputation
from .columns import count

CHANNEL_ORDER = ["phone", "web_form", "email", "chat", "sms", "social_dm", "review_site"]
# the parts of `staffing_cost` (and the answering service's calls), per practice and summed
# over them for `market.*`
# summary.json's `run.*` keys that are settings of the run, not measurements of it
# (`run.prospects`, the prospects who arrived, varies with the seed: a metric)
RUN_SETTINGS = ("run.kind", "run.seed", "run.days", "run.drain_days")
# The metrics that are shares of something (values in [0, 1]), by the last part of their
# key, and the metric (under the same prefix) that counts what they are shares of; None
# for a share of time. Used for intervals that stay inside [0, 1] (sim.sweep_summary).
SHARES = {"answered_share": "inquiries", "contact_rate": "inquiries",
          "booking_rate": "inquiries", "conversion_rate": "inquiries",
          "utilisation": None, "lead_utilisation": None,
          "prospects_booked_share": "prospects", "bad_reviews_service_share": "new_bad_reviews",
          "bad_experience_share": None, "p_wait": "callers", "p_abandon": "callers",
          "nurture_booking_chance": "nurture_returns",
          "first_responder_share": "multi_practice_bookings"}
COST_PARTS = ("wages", "answering_service_fees", "auto_responder_fees", "unified_inbox_fees",
              "nurture_fees", "service_calls")


def share_metrics(keys) -> dict[str, str | None]:
    """Of these summary keys, the shares (`SHARES`), each with the key of the count it is a
    share of when that is among `keys` too (else None)."""
    keys = list(keys)
    present = set(keys)
    out = {}
    for key in keys:
        prefix, _, last = key.rpartition(".")
        if last in SHARES:
            count = SHARES[last]
            if last == "prospects_booked_share":  # market.prospects_booked_share: run.prospects
                prefix = "run"
            full = f"{prefix}.{count}" if count and prefix else count
            out[key] = full if full in present else None
    return out


def _finite(x) -> float | None:
    """JSON has no NaN: missing values are null."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass
class RunResult:
    """The outputs of one run, each table a DataFrame with the columns of the README
    ("Outputs"), as `save` writes them:

    - `inquiries`    one row per inquiry (prospect x practice);
    - `prospects`    one row per prospect;
    - `daily`        one row per practice per day;
    - `staff`        one row per staff member (or answering-service agent);
    - `reviews`      one row per review posted;
    - `experiences`  one row per judged inquiry: the experience, its cause, the actions;
    - `summary`      the flat metrics of summary.json (`run.*`, `market.*`,
                     `practices.<slot>.*`).

    `reviews` and `experiences` come from the reputation model: a `scenario=mmc` run has
    none and gives them empty, with their columns (and saves no file for them).
    `tables` maps every table's name to its DataFrame.
    """

    inquiries: pd.DataFrame
    prospects: pd.DataFrame
    daily: pd.DataFrame
    staff: pd.DataFrame
    summary: dict
    # the reputation model's tables by name (reviews, experiences): saved when present
    extra_tables: dict = field(default_factory=dict)
    # The run's config, or anything returning its YAML: made into text only when saved
    # (turning a config into YAML costs more than a short run).
    config_yaml: object = None
    # Every piece of staff work (staff_id, kind, start, end) when the run recorded it
    # (`record_activity: true`); not saved.
    activity: pd.DataFrame | None = None

    @classmethod
    def from_records(cls, records: dict, scenario: dict | None = None,
                     config_yaml=None) -> RunResult:
        inquiries = columns.frame(
            records["inquiries"],
            {"inquiry_id": "int64", "prospect_id": "int64", "attempts": "int64",
             "abandoned": "bool", "voicemail": "bool", "service_answered": "bool",
             "arrived_at": "float64", "answered_at": "float64", "contacted_at": "float64",
             "acknowledged_at": "float64", "first_attempt_at": "float64",
             "hold_minutes": "float64", "micro_converted": "bool"},
        )
        inquiries["first_response_minutes"] = inquiries["answered_at"] - inquiries["arrived_at"]
        prospects = columns.frame(
            records["prospects"],
            {"prospect_id": "int64", "n_practices": "int64", "arrived_at": "float64",
             "booked_at": "float64", "consultation_at": "float64", "showed": "bool",
             "converted": "bool", "revenue": "float64", "booked_after_nurture": "bool",
             "nurture_of": "int64"},
        )
        staff = pd.DataFrame(records["staff"])
        daily = _daily_table(records["daily"])
        summary = summarise(records, inquiries, prospects, staff)
        summary.update(nurture.summary_metrics(records, inquiries, prospects))
        if records["kind"] == "mmc" and scenario is not None:
            summary.update(mmc_summary(inquiries, staff, records, scenario))
        extra, prospects = reputation.tidy(records.get("tables", {}), inquiries, prospects)
        summary.update(reputation.summary_metrics(records, prospects, extra))
        activity = None
        if records.get("activity") is not None:
            activity = pd.DataFrame(records["activity"],
                                    columns=["staff_id", "kind", "start", "end"])
        return cls(inquiries, prospects, daily, staff, summary, extra, config_yaml, activity)

    @property
    def reviews(self) -> pd.DataFrame:
        return self._extra("reviews")

    @property
    def experiences(self) -> pd.DataFrame:
        return self._extra("experiences")

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by the name of its file: inquiries, prospects, daily, staff, and
        reviews and experiences where the run has them."""
        return {"inquiries": self.inquiries, "prospects": self.prospects,
                "daily": self.daily, "staff": self.staff, **self.extra_tables}

    def _extra(self, name: str) -> pd.DataFrame:
        table = self.extra_tables.get(name)
        return table if table is not None else reputation.empty_table(name)

    def save(self, directory: str | os.PathLike) -> Path:
        """Write the output contract into `directory`, each file atomically: a file is
        either complete or absent, never half-written."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name, df in self.tables.items():
            write_atomic(out / f"{name}.parquet", lambda p, df=df: df.to_parquet(p, index=False))
        if self.config_yaml is not None:
            text = self.config_yaml() if callable(self.config_yaml) else str(self.config_yaml)
            write_atomic(out / "config.yaml", lambda p: Path(p).write_text(text))
        text = json.dumps(self.summary, indent=2, sort_keys=False)
        write_atomic(out / "summary.json", lambda p: Path(p).write_text(text + "\n"))
        return out


def _daily_table(collected: pd.DataFrame) -> pd.DataFrame:
    """DataCollector's rows (cumulative totals per practice) plus each day's increments,
    sorted by day then practice."""
    df = collected.reset_index().rename(columns={"Step": "day"}).drop(columns=["AgentID"])
    df["day"] = df["day"].astype("int64")
    day = df["day"].to_numpy()
    practice, names = pd.factorize(df["practice"], sort=True)
    practice[practice < 0] = len(names)  # a missing name sorts last, as in sort_values
    # Each practice's rows in day order (np.lexsort is stable and sorts by its last key
    # first); `first` marks each practice's first row there.
    by_practice = np.lexsort((day, practice))
    grouped = practice[by_practice]
    first = np.r_[True, grouped[1:] != grouped[:-1]]
    cumulative = ["inquiries", "answered", "booked", "procedures", "revenue", "staffing_cost",
                  "reviews_posted", "referral_prospects", "referral_bookings"]
    new = {}
    for col in [c for c in cumulative if c in df]:
        # the increment on the practice's previous row, in float64 as pandas' groupby diff;
        # where it is missing (a practice's first row), the total itself, as fillna did
        total = df[col].to_numpy()[by_practice].astype(np.float64)
        step = np.empty_like(total)
        step[1:] = total[1:] - total[:-1]
        step[first] = np.nan
        step = np.where(np.isnan(step), total, step)
        new[f"new_{col}"] = np.empty_like(step)
        new[f"new_{col}"][by_practice] = step
    df = df.assign(**new)
    cols = ["day", "practice"] + [c for c in df.columns if c not in ("day", "practice")]
    return df[cols].take(np.lexsort((practice, day))).reset_index(drop=True)


@dataclass
class _Inquiries(columns.Rows):
    """What the summary reads of the inquiries table."""

    practice: columns.Codes
    channel: columns.Codes
    outcome: columns.Codes
    answered: np.ndarray  # bool: answered_at is set
    contacted: np.ndarray  # bool: contacted_at is set
    abandoned: np.ndarray  # bool
    first_response: np.ndarray  # minutes; NaN when never answered

    @classmethod
    def of(cls, inq: pd.DataFrame) -> _Inquiries:
        return cls(practice=columns.Codes(inq["practice"]),
                   channel=columns.Codes(inq["channel"]),
                   outcome=columns.Codes(inq["outcome"]),
                   answered=inq["answered_at"].notna().to_numpy(),
                   contacted=inq["contacted_at"].notna().to_numpy(),
                   abandoned=inq["abandoned"].to_numpy(),
                   first_response=inq["first_response_minutes"].to_numpy())


@dataclass
class _Prospects(columns.Rows):
    """What the summary reads of the prospects table."""

    booked_with: columns.Codes
    converted: np.ndarray
    showed: np.ndarray
    revenue: np.ndarray

    @classmethod
    def of(cls, prospects: pd.DataFrame) -> _Prospects:
        return cls(booked_with=columns.Codes(prospects["booked_with"]),
                   converted=prospects["converted"].to_numpy(),
                   showed=prospects["showed"].to_numpy(),
                   revenue=prospects["revenue"].to_numpy())


@dataclass
class _Staff(columns.Rows):
    """What the summary reads of the staff table (empty arrays when it has no rows)."""

    practice: columns.Codes
    role: columns.Codes
    shift_minutes: np.ndarray
    busy_lead_minutes: np.ndarray
    busy_patient_minutes: np.ndarray

    @classmethod
    def of(cls, staff: pd.DataFrame) -> _Staff:
        if not len(staff):  # a run without staff gives a table without columns
            staff = pd.DataFrame({f.name: np.zeros(0) for f in dataclasses.fields(cls)})
        return cls(practice=columns.Codes(staff["practice"]),
                   role=columns.Codes(staff["role"]),
                   shift_minutes=staff["shift_minutes"].to_numpy(),
                   busy_lead_minutes=staff["busy_lead_minutes"].to_numpy(),
                   busy_patient_minutes=staff["busy_patient_minutes"].to_numpy())


def practice_metrics(inq: _Inquiries, prospects: _Prospects, staff: _Staff,
                     practice_row: dict) -> dict:
    """The per-practice metrics of summary.json (also used for the market as a whole).

    Sums are `np.nansum`, as pandas' `Series.sum`, so the floats are the same bit for bit."""
    n = len(inq)
    booked = count(inq.outcome.eq("booked"))
    slot = practice_row.get("practice")
    mine = prospects[prospects.booked_with.eq(slot)] if slot else prospects
    procedures = count(mine.converted)
    revenue = float(np.nansum(mine.revenue))
    people = staff[~staff.role.eq("answering_service")]
    shift = float(np.nansum(people.shift_minutes)) if len(people) else 0.0
    busy = (float(np.nansum(people.busy_lead_minutes + people.busy_patient_minutes))
            if len(people) else 0.0)
    lead_busy = float(np.nansum(people.busy_lead_minutes)) if len(people) else 0.0
    cost = float(practice_row.get("staffing_cost", 0.0))
    median, p90 = columns.quantiles(inq.first_response, (0.5, 0.9))
    m = {
        "inquiries": n,
        "answered_share": count(inq.answered) / n if n else math.nan,
        "contact_rate": count(inq.contacted) / n if n else math.nan,
        "booking_rate": booked / n if n else math.nan,
        "conversion_rate": procedures / n if n else math.nan,
        "first_response_median_minutes": median,
        "first_response_p90_minutes": p90,
        "bookings": booked,
        "consultations": count(mine.showed),
        "procedures": procedures,
        "revenue": revenue,
        "staffing_cost": cost,
        "net": revenue - cost,
        "utilisation": busy / shift if shift else math.nan,
        "lead_utilisation": lead_busy / shift if shift else math.nan,
        "lost_to_competitor": count(inq.outcome.eq("lost_to_competitor")),
        "abandoned_calls": count(inq.abandoned),
        "unanswered": count(inq.outcome.eq("unanswered")),
        "not_reached": count(inq.outcome.eq("not_reached")),
        "too_late": count(inq.outcome.eq("too_late")),
    }
    for key in COST_PARTS:
        if key in practice_row:
            m[key] = practice_row[key]
    for channel in CHANNEL_ORDER:
        rows = inq.channel.eq(channel)
        if rows.any():
            frt = inq.first_response[rows]
            median, p90 = columns.quantiles(frt, (0.5, 0.9))
            m[f"inquiries.{channel}"] = len(frt)
            m[f"first_response_median_minutes.{channel}"] = median
            m[f"first_response_p90_minutes.{channel}"] = p90
    return m


def summarise(records, inquiries, prospects, staff) -> dict:
    """Flat keys: `run.*`, `market.*` and `practices.<slot>.*`."""
    summary: dict = {
        "run.kind": records["kind"],
        "run.seed": records["seed"],
        "run.days": records["days"],
        "run.drain_days": records["drain_days"],
        "run.prospects": len(prospects),
    }
    inq, pro, crew = _Inquiries.of(inquiries), _Prospects.of(prospects), _Staff.of(staff)
    rows = records["practices"]
    total = {"practice": None, "staffing_cost": sum(r["staffing_cost"] for r in rows)}
    for key in COST_PARTS:  # the parts of the cost, summed over the practices too
        if rows and all(key in r for r in rows):
            total[key] = sum(r[key] for r in rows)
    for key, value in practice_metrics(inq, pro, crew, total).items():
        summary[f"market.{key}"] = value
    summary["market.prospects_booked_share"] = (
        count(~pro.booked_with.eq("")) / len(pro) if len(pro) else math.nan
    )
    share, shoppers = first_responder_share(inquiries, prospects)
    summary["market.first_responder_share"] = share
    summary["market.multi_practice_bookings"] = shoppers
    for row in rows:
        slot = row["practice"]
        metrics = practice_metrics(inq[inq.practice.eq(slot)], pro,
                                   crew[crew.practice.eq(slot)], row)
        metrics["rating_end"] = row.get("rating_end")
        metrics["review_count_end"] = row.get("review_count_end")
        for key, value in metrics.items():
            summary[f"practices.{slot}.{key}"] = value
    return {k: (_finite(v) if isinstance(v, float | np.floating) else _plain(v))
            for k, v in summary.items()}


def first_responder_share(inquiries: pd.DataFrame, prospects: pd.DataFrame) -> tuple[float, int]:
    """Among prospects who inquired at two or more practices and booked: the share who
    booked with the first practice to respond, and their number. The first to respond is
    the inquiry with the earliest human response (`answered_at`: a live answer, a reply or
    a call-back attempt; an auto-responder does not count), the earlier inquiry on a tie:
    what a shopper means by "the first business to respond" (Lead Connect 2021)."""
    answered = inquiries["answered_at"].to_numpy()
    rows = inquiries[~np.isnan(answered)]
    made = inquiries["prospect_id"].value_counts()
    shoppers = made.index[made.to_numpy() >= 2]
    first = (rows.sort_values(["answered_at", "inquiry_id"], kind="stable")
             .drop_duplicates("prospect_id").set_index("prospect_id")["practice"])
    booked = prospects[prospects["booked_with"].to_numpy() != ""]
    booked = booked[booked["prospect_id"].isin(shoppers).to_numpy()]
    n = len(booked)
    if not n:
        return math.nan, 0
    firsts = first.reindex(booked["prospect_id"]).to_numpy()
    return float((firsts == booked["booked_with"].to_numpy()).mean()), n


def _plain(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def hung_up_in_menu(inquiries: pd.DataFrame) -> np.ndarray:
    """Calls whose caller hung up in the practice's phone menu: abandoned with no time on
    the hold queue (a caller who hangs up on hold has waited there for what was left of
    their patience, a positive time). None without a menu."""
    return ((inquiries["channel"] == "phone").to_numpy()
            & inquiries["abandoned"].to_numpy(dtype=bool)
            & (inquiries["hold_minutes"] == 0.0).to_numpy())


def mmc_summary(inq: pd.DataFrame, staff: pd.DataFrame, records: dict, scenario: dict) -> dict:
    """Observed P(wait), P(abandon), mean wait and utilisation beside Erlang A. With a
    phone menu of m minutes, those of the callers who get through it (`mmc.menu.*`: the
    share who hang up in it, against 1 - exp(-m / mean patience)), against Erlang A at the
    arrival rate thinned by exp(-m / mean patience)."""
    rate = scenario["arrivals_per_hour"] / 60.0
    patience = scenario["patience_minutes"]
    menu = float(scenario.get("phone_menu_seconds", 0.0)) / 60.0
    n = len(inq)
    line = inq
    extra = {}
    if menu > 0:
        dropped = hung_up_in_menu(inq)
        line = inq[~dropped]
        expected = 1.0 - math.exp(-menu / patience)
        rate *= math.exp(-menu / patience)
        extra = {"mmc.menu.seconds": _finite(menu * 60.0),
                 "mmc.menu.observed.hangup_share": _finite(dropped.mean()) if n else None,
                 "mmc.menu.expected.hangup_share": _finite(expected),
                 "mmc.menu.binomial_se.hangup_share":
                     _finite(math.sqrt(expected * (1 - expected) / n)) if n else None,
                 "mmc.menu.callers_reaching_line": len(line)}
    theory = erlang.erlang_a_metrics(rate, scenario["handle_minutes"], scenario["servers"],
                                     patience)
    m = len(line)
    hold = line["hold_minutes"].fillna(0.0)
    horizon = records["days"] * 1440.0
    observed = {
        "callers": n,
        "p_wait": float((hold > 0).mean()) if m else math.nan,
        "p_abandon": float(line["abandoned"].mean()) if m else math.nan,
        "mean_wait_minutes": float(hold.mean()) if m else math.nan,
        "utilisation": float(staff["busy_lead_minutes"].sum()) / (scenario["servers"] * horizon),
    }
    expected = {
        "p_wait": theory.p_wait,
        "p_abandon": theory.p_abandon,
        "mean_wait_minutes": theory.mean_wait,
        "utilisation": theory.utilisation,
    }
    out = {f"mmc.observed.{k}": _finite(v) for k, v in observed.items()}
    out.update({f"mmc.erlang_a.{k}": _finite(v) for k, v in expected.items()})
    # binomial standard errors, so a reader can judge the agreement
    for k in ("p_wait", "p_abandon"):
        p = expected[k]
        out[f"mmc.binomial_se.{k}"] = _finite(math.sqrt(p * (1 - p) / m)) if m else None
    out.update(extra)
    return out
