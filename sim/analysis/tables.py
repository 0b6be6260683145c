"""RunResult: the tidy tables and summary metrics of one run, and how they are saved.

Built once, at the end of a run, from the model's plain records (lists and dicts); this
module never imports the model. Column and metric names are the output contract documented
in the README ("Outputs").
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import erlang, reputation

CHANNEL_ORDER = ["phone", "web_form", "email", "chat", "sms", "social_dm", "review_site"]


def _frame(columns: dict, dtypes: dict | None = None) -> pd.DataFrame:
    df = pd.DataFrame(columns)
    for col, dtype in (dtypes or {}).items():
        if col in df:
            df[col] = df[col].astype(dtype)
    return df


def _finite(x) -> float | None:
    """JSON has no NaN: missing values are null."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _quantile(values: pd.Series, q: float) -> float:
    values = values.dropna()
    return float(values.quantile(q)) if len(values) else math.nan


@dataclass
class RunResult:
    """The outputs of one run: `.inquiries`, `.prospects`, `.daily`, `.staff`, `.summary`."""

    inquiries: pd.DataFrame
    prospects: pd.DataFrame
    daily: pd.DataFrame
    staff: pd.DataFrame
    summary: dict
    extra_tables: dict = field(default_factory=dict)
    # The run's config, or anything returning its YAML: made into text only when saved
    # (turning a config into YAML costs more than a short run).
    config_yaml: object = None

    @classmethod
    def from_records(cls, records: dict, scenario: dict | None = None,
                     config_yaml=None) -> RunResult:
        inquiries = _frame(
            records["inquiries"],
            {"inquiry_id": "int64", "prospect_id": "int64", "attempts": "int64",
             "abandoned": "bool", "voicemail": "bool", "service_answered": "bool",
             "arrived_at": "float64", "answered_at": "float64", "contacted_at": "float64",
             "acknowledged_at": "float64", "first_attempt_at": "float64",
             "hold_minutes": "float64"},
        )
        inquiries["first_response_minutes"] = inquiries["answered_at"] - inquiries["arrived_at"]
        prospects = _frame(
            records["prospects"],
            {"prospect_id": "int64", "n_practices": "int64", "arrived_at": "float64",
             "booked_at": "float64", "consultation_at": "float64", "showed": "bool",
             "converted": "bool", "revenue": "float64"},
        )
        staff = pd.DataFrame(records["staff"])
        daily = _daily_table(records["daily"])
        summary = summarise(records, inquiries, prospects, staff)
        if records["kind"] == "mmc" and scenario is not None:
            summary.update(mmc_summary(inquiries, staff, records, scenario))
        extra, prospects = reputation.tidy(records.get("tables", {}), inquiries, prospects)
        summary.update(reputation.summary_metrics(records, prospects, extra))
        return cls(inquiries, prospects, daily, staff, summary, extra, config_yaml)

    def save(self, directory: str | os.PathLike) -> Path:
        """Write the output contract into `directory`, each file atomically: a file is
        either complete or absent, never half-written."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        tables = {"inquiries": self.inquiries, "prospects": self.prospects,
                  "daily": self.daily, "staff": self.staff, **self.extra_tables}
        for name, df in tables.items():
            _atomic(out / f"{name}.parquet", lambda p, df=df: df.to_parquet(p, index=False))
        if self.config_yaml is not None:
            text = self.config_yaml() if callable(self.config_yaml) else str(self.config_yaml)
            _atomic(out / "config.yaml", lambda p: Path(p).write_text(text))
        text = json.dumps(self.summary, indent=2, sort_keys=False)
        _atomic(out / "summary.json", lambda p: Path(p).write_text(text + "\n"))
        return out


def _atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _daily_table(collected: pd.DataFrame) -> pd.DataFrame:
    """DataCollector's rows (cumulative totals per practice) plus each day's increments."""
    df = collected.reset_index().rename(columns={"Step": "day"}).drop(columns=["AgentID"])
    df["day"] = df["day"].astype("int64")
    df = df.sort_values(["practice", "day"], kind="stable").reset_index(drop=True)
    cumulative = ["inquiries", "answered", "booked", "procedures", "revenue", "staffing_cost",
                  "reviews_posted", "referral_prospects", "referral_bookings"]
    for col in [c for c in cumulative if c in df]:
        df[f"new_{col}"] = df.groupby("practice")[col].diff().fillna(df[col])
    cols = ["day", "practice"] + [c for c in df.columns if c not in ("day", "practice")]
    return df[cols].sort_values(["day", "practice"], kind="stable").reset_index(drop=True)


def practice_metrics(inq: pd.DataFrame, prospects: pd.DataFrame, staff: pd.DataFrame,
                     practice_row: dict) -> dict:
    """The per-practice metrics of summary.json (also used for the market as a whole)."""
    n = len(inq)
    outcome = inq["outcome"].value_counts()
    booked = int(outcome.get("booked", 0))
    slot = practice_row.get("practice")
    mine = prospects[prospects["booked_with"] == slot] if slot else prospects
    procedures = int(mine["converted"].sum())
    revenue = float(mine["revenue"].sum())
    people = staff[staff["role"] != "answering_service"] if len(staff) else staff
    shift = float(people["shift_minutes"].sum()) if len(people) else 0.0
    busy = (float((people["busy_lead_minutes"] + people["busy_patient_minutes"]).sum())
            if len(people) else 0.0)
    lead_busy = float(people["busy_lead_minutes"].sum()) if len(people) else 0.0
    cost = float(practice_row.get("staffing_cost", 0.0))
    m = {
        "inquiries": n,
        "answered_share": float(inq["answered_at"].notna().mean()) if n else math.nan,
        "contact_rate": float(inq["contacted_at"].notna().mean()) if n else math.nan,
        "booking_rate": booked / n if n else math.nan,
        "conversion_rate": procedures / n if n else math.nan,
        "first_response_median_minutes": _quantile(inq["first_response_minutes"], 0.5),
        "first_response_p90_minutes": _quantile(inq["first_response_minutes"], 0.9),
        "bookings": booked,
        "consultations": int(mine["showed"].sum()),
        "procedures": procedures,
        "revenue": revenue,
        "staffing_cost": cost,
        "net": revenue - cost,
        "utilisation": busy / shift if shift else math.nan,
        "lead_utilisation": lead_busy / shift if shift else math.nan,
        "lost_to_competitor": int(outcome.get("lost_to_competitor", 0)),
        "abandoned_calls": int(inq["abandoned"].sum()),
        "unanswered": int(outcome.get("unanswered", 0)),
        "not_reached": int(outcome.get("not_reached", 0)),
        "too_late": int(outcome.get("too_late", 0)),
    }
    for key in ("wages", "answering_service_fees", "auto_responder_fees", "service_calls"):
        if key in practice_row:
            m[key] = practice_row[key]
    for channel in CHANNEL_ORDER:
        rows = inq[inq["channel"] == channel]
        if len(rows):
            frt = rows["first_response_minutes"]
            m[f"inquiries.{channel}"] = len(rows)
            m[f"first_response_median_minutes.{channel}"] = _quantile(frt, 0.5)
            m[f"first_response_p90_minutes.{channel}"] = _quantile(frt, 0.9)
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
    rows = records["practices"]
    total = {"practice": None, "staffing_cost": sum(r["staffing_cost"] for r in rows)}
    for key, value in practice_metrics(inquiries, prospects, staff, total).items():
        summary[f"market.{key}"] = value
    summary["market.prospects_booked_share"] = (
        float((prospects["booked_with"] != "").mean()) if len(prospects) else math.nan
    )
    for row in rows:
        slot = row["practice"]
        metrics = practice_metrics(
            inquiries[inquiries["practice"] == slot], prospects,
            staff[staff["practice"] == slot] if len(staff) else staff, row,
        )
        metrics["rating_end"] = row.get("rating_end")
        metrics["review_count_end"] = row.get("review_count_end")
        for key, value in metrics.items():
            summary[f"practices.{slot}.{key}"] = value
    return {k: (_finite(v) if isinstance(v, float | np.floating) else _plain(v))
            for k, v in summary.items()}


def _plain(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def mmc_summary(inq: pd.DataFrame, staff: pd.DataFrame, records: dict, scenario: dict) -> dict:
    """Observed P(wait), P(abandon), mean wait and utilisation beside Erlang A."""
    rate = scenario["arrivals_per_hour"] / 60.0
    theory = erlang.erlang_a_metrics(rate, scenario["handle_minutes"], scenario["servers"],
                                     scenario["patience_minutes"])
    n = len(inq)
    hold = inq["hold_minutes"].fillna(0.0)
    horizon = records["days"] * 1440.0
    observed = {
        "callers": n,
        "p_wait": float((hold > 0).mean()) if n else math.nan,
        "p_abandon": float(inq["abandoned"].mean()) if n else math.nan,
        "mean_wait_minutes": float(hold.mean()) if n else math.nan,
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
        out[f"mmc.binomial_se.{k}"] = _finite(math.sqrt(p * (1 - p) / n)) if n else None
    return out
