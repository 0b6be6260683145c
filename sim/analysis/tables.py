"""RunResult: the tidy tables and summary metrics of one run, and how they are saved.

Built once, at the end of a run, from the model's plain records (lists and dicts); this
module never imports the model. Column and metric names are the output contract documented
in the README ("Outputs").

About 500 lines as one module: RunResult's tables are built from the same records in one
pass, and the summary's metrics are read from those tables (sim/analysis/contract.py
says what each means). The tables are `columns.Table`s and nothing here imports pandas:
a DataFrame is made when one is asked for (sim/analysis/columns.py says why).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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

    A run's tables are held as `columns.Table`s (numpy and pyarrow columns): the summary
    and `save` need no pandas, and each DataFrame is made the first time it is asked for
    (then kept). A RunResult can also be made of DataFrames, as before.
    """

    def __init__(self, inquiries, prospects, daily, staff, summary: dict,
                 extra_tables: dict | None = None, config_yaml=None, activity=None):
        self._held = {"inquiries": inquiries, "prospects": prospects, "daily": daily,
                      "staff": staff, **(extra_tables or {})}
        self._extra_names = list(extra_tables or {})
        self.summary = summary
        # The run's config, or anything returning its YAML: made into text only when saved
        # (turning a config into YAML costs more than a short run).
        self.config_yaml = config_yaml
        # Every piece of staff work (staff_id, kind, start, end) when the run recorded it
        # (`record_activity: true`); not saved.
        self._activity = activity
        self._frames: dict = {}

    @classmethod
    def from_records(cls, records: dict, scenario: dict | None = None,
                     config_yaml=None) -> RunResult:
        inquiries = columns.Table.of(
            records["inquiries"],
            {"inquiry_id": "int64", "prospect_id": "int64", "attempts": "int64",
             "abandoned": "bool", "voicemail": "bool", "service_answered": "bool",
             "arrived_at": "float64", "answered_at": "float64", "contacted_at": "float64",
             "acknowledged_at": "float64", "first_attempt_at": "float64",
             "hold_minutes": "float64", "micro_converted": "bool"},
        )
        inquiries = inquiries.assign(
            first_response_minutes=inquiries["answered_at"] - inquiries["arrived_at"])
        prospects = columns.Table.of(
            records["prospects"],
            {"prospect_id": "int64", "n_practices": "int64", "arrived_at": "float64",
             "booked_at": "float64", "consultation_at": "float64", "showed": "bool",
             "converted": "bool", "revenue": "float64", "booked_after_nurture": "bool",
             "nurture_of": "int64"},
        )
        staff = columns.Table.of_rows(records["staff"])
        daily = _daily_table(records["daily"])
        summary = summarise(records, inquiries, prospects, staff)
        summary.update(nurture.summary_metrics(records, inquiries, prospects))
        if records["kind"] == "mmc" and scenario is not None:
            summary.update(mmc_summary(inquiries, staff, records, scenario))
        extra, prospects = reputation.tidy(records.get("tables", {}), inquiries, prospects)
        summary.update(reputation.summary_metrics(records, prospects, extra))
        activity = None
        if records.get("activity") is not None:
            work = records["activity"]
            activity = columns.Table({name: columns.inferred([w[i] for w in work])
                                      for i, name in enumerate(ACTIVITY_COLUMNS)})
        return cls(inquiries, prospects, daily, staff, summary, extra, config_yaml, activity)

    def _frame(self, name: str, held=None):
        """The table `name` (else `held`; else the empty table of that name) as a
        DataFrame, made once."""
        if name not in self._frames:
            if held is None:
                held = self._held[name] if name in self._held else reputation.empty_table(name)
            self._frames[name] = held.pandas() if isinstance(held, columns.Table) else held
        return self._frames[name]

    inquiries = property(lambda self: self._frame("inquiries"))
    prospects = property(lambda self: self._frame("prospects"))
    daily = property(lambda self: self._frame("daily"))
    staff = property(lambda self: self._frame("staff"))
    reviews = property(lambda self: self._frame("reviews"))
    experiences = property(lambda self: self._frame("experiences"))

    @property
    def extra_tables(self) -> dict:
        """The reputation model's tables by name (reviews, experiences), where the run has
        them: saved when present."""
        return {name: self._frame(name) for name in self._extra_names}

    @property
    def activity(self):
        """Every piece of staff work (staff_id, kind, start, end) as a DataFrame when the
        run recorded it (`record_activity: true`), else None; not saved."""
        return None if self._activity is None else self._frame("activity", self._activity)

    @property
    def tables(self) -> dict:
        """Every table by the name of its file: inquiries, prospects, daily, staff, and
        reviews and experiences where the run has them (DataFrames)."""
        return {name: self._frame(name) for name in self._held}

    def save(self, directory: str | os.PathLike) -> Path:
        """Write the output contract into `directory`, each file atomically: a file is
        either complete or absent, never half-written. A run's own tables are written by
        pyarrow, without importing pandas."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name, held in self._held.items():
            write_atomic(out / f"{name}.parquet", lambda p, held=held: _write_parquet(held, p))
        if self.config_yaml is not None:
            text = self.config_yaml() if callable(self.config_yaml) else str(self.config_yaml)
            write_atomic(out / "config.yaml", lambda p: Path(p).write_text(text))
        text = json.dumps(self.summary, indent=2, sort_keys=False)
        write_atomic(out / "summary.json", lambda p: Path(p).write_text(text + "\n"))
        return out


ACTIVITY_COLUMNS = ("staff_id", "kind", "start", "end")


def _write_parquet(table, path) -> None:
    if isinstance(table, columns.Table):
        import pyarrow.parquet as pq

        pq.write_table(table.arrow(), path)
    else:  # a DataFrame given to RunResult
        table.to_parquet(path, index=False)


def _daily_table(collected: dict) -> columns.Table:
    """DataCollector's rows (cumulative totals per practice; `day`, `practice` and each
    reporter's values, as lists) plus each day's increments, sorted by day then practice:
    each column typed as pandas infers it."""
    df = columns.Table({name: columns.inferred(list(values))
                        for name, values in collected.items()})
    day = df["day"]
    names, practice = np.unique(columns.text(df["practice"]).astype(str), return_inverse=True)
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
        total = df[col][by_practice].astype(np.float64)
        step = np.empty_like(total)
        step[1:] = total[1:] - total[:-1]
        step[first] = np.nan
        step = np.where(np.isnan(step), total, step)
        new[f"new_{col}"] = np.empty_like(step)
        new[f"new_{col}"][by_practice] = step
    df = df.assign(**new)
    cols = ["day", "practice"] + [c for c in df.names if c not in ("day", "practice")]
    return df.select(cols).take(np.lexsort((practice, day)))


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
    def of(cls, inq: columns.Table) -> _Inquiries:
        return cls(practice=columns.Codes(inq["practice"]),
                   channel=columns.Codes(inq["channel"]),
                   outcome=columns.Codes(inq["outcome"]),
                   answered=~np.isnan(inq["answered_at"]),
                   contacted=~np.isnan(inq["contacted_at"]),
                   abandoned=inq["abandoned"],
                   first_response=inq["first_response_minutes"])


@dataclass
class _Prospects(columns.Rows):
    """What the summary reads of the prospects table."""

    booked_with: columns.Codes
    converted: np.ndarray
    showed: np.ndarray
    revenue: np.ndarray

    @classmethod
    def of(cls, prospects: columns.Table) -> _Prospects:
        return cls(booked_with=columns.Codes(prospects["booked_with"]),
                   converted=prospects["converted"],
                   showed=prospects["showed"],
                   revenue=prospects["revenue"])


@dataclass
class _Staff(columns.Rows):
    """What the summary reads of the staff table (empty arrays when it has no rows)."""

    practice: columns.Codes
    role: columns.Codes
    shift_minutes: np.ndarray
    busy_lead_minutes: np.ndarray
    busy_patient_minutes: np.ndarray

    @classmethod
    def of(cls, staff: columns.Table) -> _Staff:
        if not len(staff):  # a run without staff gives a table without columns
            staff = columns.Table({f.name: np.zeros(0) for f in dataclasses.fields(cls)})
        return cls(practice=columns.Codes(staff["practice"]),
                   role=columns.Codes(staff["role"]),
                   shift_minutes=staff["shift_minutes"],
                   busy_lead_minutes=staff["busy_lead_minutes"],
                   busy_patient_minutes=staff["busy_patient_minutes"])


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


def first_responder_share(inquiries, prospects) -> tuple[float, int]:
    """Among prospects who inquired at two or more practices and booked: the share who
    booked with the first practice to respond, and their number. The first to respond is
    the inquiry with the earliest human response (`answered_at`: a live answer, a reply or
    a call-back attempt, an answering service's pick-up included; an auto-responder does
    not count), the earlier inquiry on a tie:
    what a shopper means by "the first business to respond" (Lead Connect 2021).
    The tables: `columns.Table`s or DataFrames."""
    answered_at = np.asarray(inquiries["answered_at"], dtype=np.float64)
    inquiry_id = np.asarray(inquiries["inquiry_id"])
    prospect_id = np.asarray(inquiries["prospect_id"])
    ids, made = np.unique(prospect_id, return_counts=True)
    shoppers = ids[made >= 2]
    # the answered inquiries by (answered_at, inquiry_id), ties in row order; each
    # prospect's first of them
    rows = np.flatnonzero(~np.isnan(answered_at))
    rows = rows[np.lexsort((inquiry_id[rows], answered_at[rows]))]
    answered_by, at = np.unique(prospect_id[rows], return_index=True)
    first = columns.text(inquiries["practice"])[rows[at]]
    booked_with = columns.text(prospects["booked_with"])
    booker = np.asarray(prospects["prospect_id"])
    booked = (booked_with != "") & np.isin(booker, shoppers)
    n = columns.count(booked)
    if not n:
        return math.nan, 0
    found = columns.lookup(answered_by, booker[booked])
    firsts = np.where(found >= 0, first[np.maximum(found, 0)] if len(first) else None,
                      _NONE)
    return float((firsts == booked_with[booked]).mean()), n


_NONE = object()  # equals no practice's name


def _plain(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def hung_up_in_menu(inquiries) -> np.ndarray:
    """Calls whose caller hung up in the practice's phone menu: abandoned with no time on
    the hold queue (a caller who hangs up on hold has waited there for what was left of
    their patience, a positive time). None without a menu. `inquiries`: a
    `columns.Table` or a DataFrame."""
    return ((columns.text(inquiries["channel"]) == "phone")
            & np.asarray(inquiries["abandoned"], dtype=bool)
            & (np.asarray(inquiries["hold_minutes"], dtype=np.float64) == 0.0))


def mmc_summary(inq: columns.Table, staff: columns.Table, records: dict,
                scenario: dict) -> dict:
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
        line = inq.take(np.flatnonzero(~dropped))
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
    hold = np.nan_to_num(line["hold_minutes"], nan=0.0)
    horizon = records["days"] * 1440.0
    busy = float(np.nansum(staff["busy_lead_minutes"])) if len(staff) else 0.0
    observed = {
        "callers": n,
        "p_wait": columns.mean(hold > 0) if m else math.nan,
        "p_abandon": columns.mean(line["abandoned"]) if m else math.nan,
        "mean_wait_minutes": columns.mean(hold) if m else math.nan,
        "utilisation": busy / (scenario["servers"] * horizon),
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
