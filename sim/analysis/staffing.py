"""Staffing analysis of a practice: who is on shift each hour of the week, what the phone
line needs by Erlang A, and what a run's inquiries say about the phone and the inbox.

`leadsim compare` (experiments/compare_staffing.py) is the story these serve: it runs
plans, and with these functions turns each plan's practice config and each run's
inquiries table into the numbers of its report. They read config objects and tables
only (never the model), so they can be checked by hand: the hour arithmetic against a
calendar, the Erlang hint against sim.analysis.erlang, the phone menu's share against the
closed form of sim/model/phone.py.

Hours of the week are numbered from Monday 00:00 (hour 0) to Sunday 23:00 (hour 167), as
the model's clock counts minutes (sim/vocabulary.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..vocabulary import DAY_INDEX, DAYS, HOURS_PER_WEEK, PHONE

DAYS_PER_MONTH = 365.25 / 12


def hour_exposure(days: int) -> np.ndarray:
    """How many times each hour of the week occurs in `days` days from Monday 00:00."""
    count = np.zeros(HOURS_PER_WEEK)
    for d in range(days):
        count[(d % 7) * 24 : (d % 7) * 24 + 24] += 1
    return count


def _day_numbers(days) -> set[int]:
    return {DAY_INDEX[str(getattr(d, "value", d))] for d in days}


def window_by_hour(days, start: str, end: str) -> np.ndarray:
    """Share of each hour of the week covered by a weekly window (`days`, 'HH:MM' to
    'HH:MM')."""
    from ..config import parse_clock

    s, e = parse_clock(start, "start"), parse_clock(end, "end")
    out = np.zeros(HOURS_PER_WEEK)
    for d in _day_numbers(days):
        for h in range(24):
            lo, hi = max(s, h * 60), min(e, h * 60 + 60)
            if hi > lo:
                out[d * 24 + h] += (hi - lo) / 60.0
    return out


def roster_by_hour(practice) -> dict[str, np.ndarray]:
    """People on shift per hour of the week by kind, from a PracticeConfig:
    `phone` (front desk and coordinators, who take calls), `messages_only` (social media),
    `service` (answering-service agents), and `phone_equivalent` (phone staff counting a
    receptionist as 1 - her patient share of a person, since patients at the desk come
    first: two receptionists with 30% each count as 1.4)."""
    phone = np.zeros(HOURS_PER_WEEK)
    equiv = np.zeros(HOURS_PER_WEEK)
    social = np.zeros(HOURS_PER_WEEK)
    for line in practice.roster:
        role = str(getattr(line.role, "value", line.role))
        cover = window_by_hour(line.days, line.start, line.end) * line.staff
        share = practice.patient_share if line.patient_share is None else line.patient_share
        if role == "social_media":
            social += cover
        else:
            phone += cover
            equiv += cover * ((1 - share) if role == "front_desk" else 1.0)
    service = np.zeros(HOURS_PER_WEEK)
    svc = practice.answering_service
    if svc.enabled:
        hours = str(getattr(svc.hours, "value", svc.hours))
        if hours == "always":
            open_ = np.zeros(HOURS_PER_WEEK)
        else:
            open_ = np.clip(sum((window_by_hour(h.days, h.start, h.end)
                                 for h in practice.opening_hours), np.zeros(HOURS_PER_WEEK)),
                            0, 1)
        service = (1 - open_) * svc.agents
        if hours == "nights":  # only on the days the practice opens
            days = open_.reshape(7, 24).sum(axis=1) > 0
            service = (service.reshape(7, 24) * days[:, None]).ravel()
    return {"phone": phone, "phone_equivalent": equiv, "messages_only": social,
            "service": service}


def erlang_hint(phone_rate_per_hour: np.ndarray, handle_minutes: float,
                patience_minutes: float, within_minutes: float, service_level: float,
                max_abandon: float) -> np.ndarray:
    """Erlang A staff needed per hour of the week for the phone line (0 with no calls)."""
    from .erlang import staff_needed

    need = np.zeros(HOURS_PER_WEEK, dtype=int)
    cache: dict[float, int] = {}
    for h, rate in enumerate(phone_rate_per_hour):
        if rate <= 0:
            continue
        key = round(float(rate), 6)
        if key not in cache:
            cache[key] = staff_needed(key / 60.0, handle_minutes, patience_minutes,
                                      service_level, within_minutes, max_abandon)
        need[h] = cache[key]
    return need


def share_reaching_the_line(menu_seconds: float, patience_minutes: float) -> float:
    """The share of callers who sit through a phone menu of `menu_seconds` and reach the
    line, with exponential patience of mean `patience_minutes`: exp(-m / patience)
    (sim/model/phone.py). The line's staff are needed for them only."""
    return math.exp(-menu_seconds / 60.0 / patience_minutes)


def staffing_hint(phone_rate: np.ndarray, need: np.ndarray, rosters: dict) -> pd.DataFrame:
    """staffing_hint.csv: per hour of the week the phone calls an hour, the Erlang A staff
    needed, and each plan's phone staff (`rosters`: plan -> roster_by_hour)."""
    hint = pd.DataFrame({"hour_of_week": np.arange(HOURS_PER_WEEK),
                         "day": np.repeat(list(DAYS), 24),
                         "hour": np.tile(np.arange(24), 7),
                         "phone_calls_per_hour": phone_rate,
                         "erlang_a_staff_needed": need})
    for p, roster in rosters.items():
        hint[f"{p}.phone_staff"] = roster["phone"]
        hint[f"{p}.phone_equivalent"] = roster["phone_equivalent"]
        hint[f"{p}.answering_service"] = roster["service"]
    return hint


# ------------------------------------------------------------------ a run's inquiries


def inquiry_metrics(inquiries: pd.DataFrame, unread: list[str],
                    within_minutes: float) -> dict[str, float]:
    """What one practice's inquiries of a run say beyond its summary: phone calls, the
    share answered within `within_minutes`, abandoned, hung up in the menu, and the share
    that came on a channel nobody reads (`unread`)."""
    from .tables import hung_up_in_menu

    phone = inquiries[inquiries["channel"] == PHONE]
    frt = phone["first_response_minutes"]
    calls = len(phone)
    on_unread = inquiries["channel"].isin(unread).to_numpy()
    return {
        "phone_calls": float(calls),
        "phone_answered_within_target": (float((frt <= within_minutes).mean()) if calls
                                         else math.nan),
        "phone_abandoned_share": float(phone["abandoned"].mean()) if calls else math.nan,
        "phone_menu_hangup_share": (float(hung_up_in_menu(phone).mean()) if calls
                                    else math.nan),
        "unread_channel_share": float(on_unread.mean()) if len(inquiries) else math.nan,
    }


def inquiries_by_hour(inquiries: pd.DataFrame, unread: list[str]) -> np.ndarray:
    """Inquiries per hour of the week, in three rows: phone calls, messages someone reads,
    messages nobody reads (on an `unread` channel)."""
    how = (inquiries["arrived_at"].to_numpy() // 60).astype(int) % HOURS_PER_WEEK
    on_unread = inquiries["channel"].isin(unread).to_numpy()
    groups = np.where(inquiries["channel"] == PHONE, 0, np.where(on_unread, 2, 1))
    by_hour = np.zeros((3, HOURS_PER_WEEK))
    np.add.at(by_hour, (groups, how), 1)
    return by_hour


# ------------------------------------------------------------------ the plans in words


def economics_of(practice) -> dict | None:
    """The practice's economics for the report's money sentence, None when they are the
    model's defaults (whose sources the sentence cites)."""
    from ..config import EconomicsConfig

    eco = practice.economics
    if eco == EconomicsConfig():
        return None
    fees = [eco.procedure_fees[k] for k, share in eco.procedure_mix.items() if share > 0]
    return {"no_show_rate": eco.no_show_rate,
            "consultation_to_procedure": eco.consultation_to_procedure,
            "fee_low": min(fees), "fee_high": max(fees)}


def plan_descriptions(configs: dict, plans: list[str], slot: str) -> dict:
    """Per plan: its own words (`summary`, `cost`: the plan file's `cost_note`) and what it
    changed in the baseline's practice at `slot`, computed from the configs as run
    (`change`, `change_cost`, `hours_per_week`, `cost_per_month`, `lowers_staff`,
    `lowers_cost`)."""
    from .practice_words import describe_change

    base = configs[plans[0]].practices[slot]
    out = {}
    for p in plans:
        plan = configs[p].plan
        change = describe_change(base, configs[p].practices[slot])
        out[p] = {"summary": plan.summary or p, "cost": plan.cost_note,
                  "change": change.text, "change_cost": change.cost_text,
                  "hours_per_week": change.hours_per_week,
                  "cost_per_month": change.cost_per_month,
                  "removed_hours_per_week": change.removed_hours_per_week,
                  "lowers_staff": change.lowers_staff, "lowers_cost": change.lowers_cost}
    return out
