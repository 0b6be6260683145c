"""A simulated practice's records as a phone system and a CRM would export them.

One practice of a run (RunResult) becomes the two tables of the generic layout: a call log
(one row per call to the line: started_at, hold_seconds, outcome, talk_seconds, agent,
caller) and an inquiry export (created_at, channel, first_response_at, booked, booked_at,
value). The back-test measures simulated service with the same functions as the
practice's own records through these tables; the round-trip tests and the example files
write them out, read them back and fit them.

How a simulated call maps onto a call log's outcome:
- answered: picked up live by the practice or its answering service (hold = its wait);
- voicemail: the caller left a message, after hanging up on hold or finding the line
  closed (hold = the wait, 0 when closed);
- abandoned: hung up on hold (or left the queue to book elsewhere) without a message;
- missed: nobody was on duty and no message was left.
Talk time and agent come from the run's work log (`record_activity: true`): the piece of
work that started when the call was answered.

The simulation clock is local wall-clock time from Monday 00:00 of the first week; with a
time zone, times are written with their UTC offset (a time the clocks skip is moved
forward, one they repeat is read as the first), so a daylight-saving weekend in the span
shows in the offsets as in a real export.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GENERIC_CALL_COLUMNS = ["started_at", "hold_seconds", "outcome", "talk_seconds", "agent",
                        "caller"]
GENERIC_LEAD_COLUMNS = ["created_at", "channel", "first_response_at", "booked", "booked_at",
                        "value"]


def _times(minutes: np.ndarray, start: pd.Timestamp, zone: str | None):
    """Local naive times and UTC seconds of simulation minutes."""
    minutes = np.asarray(minutes, dtype=float)
    ok = np.isfinite(minutes)
    base = pd.Timestamp(start).as_unit("ns")
    ns = np.where(ok, np.round(np.nan_to_num(minutes) * 60e9), 0).astype("int64")
    local = pd.DatetimeIndex(base.value + ns).as_unit("ns")
    if zone is None:
        utc = local.asi8 / 1e9
    else:
        aware = local.tz_localize(zone, ambiguous=np.ones(len(local), dtype=bool),
                                  nonexistent="shift_forward")
        utc = aware.tz_convert("UTC").as_unit("ns").asi8 / 1e9
    local = local.to_numpy().copy()
    local[~ok] = np.datetime64("NaT")
    return local, np.where(ok, utc, np.nan)


def answered_work(activity: pd.DataFrame | None) -> dict[float, list[tuple[str, float]]]:
    """Start minute -> [(staff, minutes)] of the lead work in a run's work log."""
    out: dict[float, list[tuple[str, float]]] = {}
    if activity is None or not len(activity):
        return out
    lead = activity[activity["kind"] == "lead"]
    for staff, start, end in zip(lead["staff_id"], lead["start"], lead["end"]):
        out.setdefault(float(start), []).append((str(staff), float(end - start)))
    return out


def call_outcomes(phone: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome words, hold minutes and a 'picked up live' flag for simulated calls."""
    hold = phone["hold_minutes"].to_numpy(dtype=float)
    arrived = phone["arrived_at"].to_numpy(dtype=float)
    answered_at = phone["answered_at"].to_numpy(dtype=float)
    live = np.isfinite(hold) & np.isfinite(answered_at) & ~phone["abandoned"].to_numpy() & \
        (np.abs(answered_at - (arrived + np.nan_to_num(hold))) < 1e-6)
    voicemail = phone["voicemail"].to_numpy()
    waited = np.nan_to_num(hold) > 0
    outcome = np.where(live, "answered", np.where(
        voicemail, "voicemail", np.where(waited, "abandoned", "missed"))).astype(object)
    return outcome, np.where(np.isfinite(hold), hold, 0.0), live


def calls_table(result, slot: str, start: pd.Timestamp, zone: str | None = None,
                seed: int = 0) -> pd.DataFrame:
    """The practice's call log, typed as sim.fit.readers makes it (plus text columns)."""
    inq = result.inquiries
    phone = inq[(inq["practice"] == slot) & (inq["channel"] == "phone")]
    outcome, hold, live = call_outcomes(phone)
    local, utc = _times(phone["arrived_at"].to_numpy(), start, zone)
    work = answered_work(result.activity)
    talk = np.full(len(phone), np.nan)
    agent = np.full(len(phone), "", dtype=object)
    for i, t in enumerate(phone["answered_at"].to_numpy(dtype=float)):
        if live[i]:
            jobs = work.get(float(t))
            if jobs:
                agent[i], talk[i] = jobs.pop(0)
                talk[i] *= 60.0
    rng = np.random.default_rng(seed)
    numbers = {pid: f"+44 7700 {n:06d}" for pid, n in zip(
        np.unique(phone["prospect_id"]), rng.choice(900_000, len(np.unique(phone["prospect_id"])),
                                                    replace=False) + 100_000)}
    return pd.DataFrame({
        "line": np.arange(len(phone)) + 2,
        "started_at": local, "started_at_utc": utc,
        "hold_seconds": hold * 60.0, "outcome": outcome, "talk_seconds": talk,
        "agent": [a.split(".", 1)[-1] if a else "" for a in agent],
        "caller": [numbers[p] for p in phone["prospect_id"]],
    }).sort_values("started_at_utc", kind="stable").reset_index(drop=True)


def leads_table(result, slot: str, start: pd.Timestamp, zone: str | None = None,
                channels: list[str] | None = None) -> pd.DataFrame:
    """The practice's inquiry export (its CRM), typed as sim.fit.readers makes it."""
    inq = result.inquiries
    mine = inq[inq["practice"] == slot]
    if channels is not None:
        mine = mine[mine["channel"].isin(channels)]
    created, created_utc = _times(mine["arrived_at"].to_numpy(), start, zone)
    first, first_utc = _times(mine["answered_at"].to_numpy(), start, zone)
    booked = (mine["outcome"] == "booked").to_numpy()
    pro = result.prospects.set_index("prospect_id")
    booked_minutes = np.where(booked, pro["booked_at"].reindex(mine["prospect_id"]).to_numpy(),
                              np.nan)
    revenue = pro["revenue"].reindex(mine["prospect_id"]).to_numpy(dtype=float)
    booked_at, booked_utc = _times(booked_minutes, start, zone)
    return pd.DataFrame({
        "line": np.arange(len(mine)) + 2,
        "created_at": created, "created_at_utc": created_utc,
        "channel": mine["channel"].to_numpy(dtype=object),
        "first_response_at": first, "first_response_at_utc": first_utc,
        "booked": booked, "booked_at": booked_at, "booked_at_utc": booked_utc,
        "value": np.where(booked, revenue, np.nan),
    }).sort_values("created_at_utc", kind="stable").reset_index(drop=True)


def _text_times(local: np.ndarray, utc: np.ndarray, zone: str | None, with_offset: bool):
    t = pd.DatetimeIndex(local)
    if not with_offset or zone is None:
        text = t.strftime("%Y-%m-%d %H:%M:%S")
    else:
        aware = pd.DatetimeIndex(pd.to_datetime(utc, unit="s", utc=True)).tz_convert(zone)
        text = aware.strftime("%Y-%m-%dT%H:%M:%S%z")
        text = [s[:-2] + ":" + s[-2:] if isinstance(s, str) and len(s) > 5 else s for s in text]
    return ["" if pd.isna(v) else v for v in text]


def generic_calls_text(calls: pd.DataFrame, zone: str | None = None,
                       with_offset: bool = False) -> pd.DataFrame:
    """A call table as the generic layout's text columns."""
    return pd.DataFrame({
        "started_at": _text_times(calls["started_at"].to_numpy(),
                                  calls["started_at_utc"].to_numpy(), zone, with_offset),
        "hold_seconds": [f"{v:.0f}" for v in calls["hold_seconds"]],
        "outcome": calls["outcome"],
        "talk_seconds": ["" if not np.isfinite(v) else f"{v:.0f}"
                         for v in calls["talk_seconds"]],
        "agent": calls["agent"],
        "caller": calls["caller"],
    })


def generic_leads_text(leads: pd.DataFrame, zone: str | None = None,
                       with_offset: bool = False) -> pd.DataFrame:
    """An inquiry table as the generic layout's text columns."""
    def times(name):
        return _text_times(leads[name].to_numpy(), leads[f"{name}_utc"].to_numpy(), zone,
                           with_offset)

    return pd.DataFrame({
        "created_at": times("created_at"),
        "channel": leads["channel"],
        "first_response_at": times("first_response_at"),
        "booked": np.where(leads["booked"], "yes", "no"),
        "booked_at": times("booked_at"),
        "value": ["" if not np.isfinite(v) else f"{v:.0f}" for v in leads["value"]],
    })


def simulate_records(cfg, slot: str = "alpha", start: pd.Timestamp | str = "2025-01-06",
                     zone: str | None = None, lead_channels: list[str] | None = None,
                     seed: int = 0):
    """Run `cfg` (a sim Config) with its work log and return the practice's call log and
    inquiry export (typed tables; `generic_*_text` makes the files' text) and the run."""
    import copy

    import sim

    cfg = copy.deepcopy(cfg)
    cfg.record_activity = True
    result = sim.run(cfg)
    start = pd.Timestamp(start)
    calls = calls_table(result, slot, start, zone, seed)
    if lead_channels is None:
        lead_channels = [c for c in result.inquiries["channel"].unique() if c != "phone"]
    leads = leads_table(result, slot, start, zone, lead_channels)
    return calls, leads, result
