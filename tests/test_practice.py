"""sim/model/practice.py: a practice's inbox and the dispatch of its work.

Shifts, channels, a practice that never responds, and staffing (more staff never slows a
first response). Shift windows and closed periods are recomputed here from the config
and the model's own Inquiry objects; nothing is compared with a number the simulator
printed before. (The phone line: test_phone.py; the staff themselves: test_staff.py.)
"""

from __future__ import annotations

import itertools
import statistics
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.analysis.tables import RunResult
from sim.config import (
    ALL_DAYS,
    WEEKDAYS,
    AnsweringServiceConfig,
    Channel,
    Config,
    Day,
    Discipline,
    HandlingConfig,
    HoursConfig,
    PolicyConfig,
    PracticeConfig,
    Role,
    ServiceHours,
    ShiftConfig,
    validate,
)
from sim.model import LeadMarket
from sim.model.practice import Practice
from sim.model.staff import PATIENT

# Each example is a whole simulation: no deadline, and no shrinking (it would rerun the
# model hundreds of times; the examples are small already).
SIM = {"deadline": None, "phases": [Phase.explicit, Phase.reuse, Phase.generate],
       "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
SETTINGS = settings(max_examples=15, **SIM)
EPS = 1e-6
DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# What each role works (README, "The simulated world"): the social-media coordinator
# never touches the phone; the front desk and a lead coordinator work everything.
SOCIAL = {"chat", "sms", "social_dm", "review_site"}


# --------------------------------------------------------------------------- helpers


def simulate(cfg: Config, summary: bool = False) -> tuple[LeadMarket, Any]:
    """The model and its RunResult (with `summary`), or just its inquiries (faster)."""
    model = LeadMarket(validate(cfg))
    model.run()
    records = model.records()
    if summary:
        return model, RunResult.from_records(records)
    inquiries = pd.DataFrame(records["inquiries"])
    inquiries["first_response_minutes"] = inquiries["answered_at"] - inquiries["arrived_at"]
    return model, SimpleNamespace(inquiries=inquiries)


@contextmanager
def work_log():
    """(time, practice slot, staff role, inquiry channel, state before) of each lead item."""
    log: list[tuple] = []
    original = Practice.begin

    def begin(self, staff, item):
        if item is not PATIENT:
            log.append((self.env.now, self.slot, staff.role, item.channel, item.state))
        return original(self, staff, item)

    with mock.patch.object(Practice, "begin", begin):
        yield log


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def weekly(days, start: str, end: str, horizon_days: int) -> list[tuple[float, float]]:
    """The windows of a weekly pattern over the run; day 0 is a Monday."""
    names = {getattr(d, "value", d) for d in days}
    return [(d * 1440.0 + minutes(start), d * 1440.0 + minutes(end))
            for d in range(horizon_days) if DAY_NAMES[d % 7] in names]


def inside(windows, t: float) -> bool:
    return any(s <= t < e for s, e in windows)


def staff_windows(cfg: Config, slot: str) -> dict[str, tuple[str, list]]:
    """staff_id -> (role, windows), rebuilt from the practice config."""
    p = cfg.practices[slot]
    horizon = cfg.market.days + cfg.market.drain_days
    out, n = {}, 0
    for line in p.roster:
        role = line.role.value
        for _ in range(line.staff):
            n += 1
            out[f"{slot}.{role}.{n}"] = (role, weekly(line.days, line.start, line.end, horizon))
    svc = p.answering_service
    if svc.enabled:
        if svc.hours == ServiceHours.always:
            windows = [(0.0, horizon * 1440.0)]
        else:  # the service is on whenever the practice is closed
            opening = opening_windows(cfg, slot)
            edges = sorted({0.0, horizon * 1440.0} | {t for w in opening for t in w})
            windows = [(a, b) for a, b in zip(edges, edges[1:])
                       if not inside(opening, (a + b) / 2)]
        for i in range(svc.agents):
            out[f"{slot}.answering_service.{i + 1}"] = ("answering_service", windows)
    return out


def opening_windows(cfg: Config, slot: str) -> list[tuple[float, float]]:
    horizon = cfg.market.days + cfg.market.drain_days
    return [w for h in cfg.practices[slot].opening_hours
            for w in weekly(h.days, h.start, h.end, horizon)]


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


@st.composite
def window(draw) -> tuple[str, str]:
    start = draw(st.integers(0, 47))
    return hhmm(30 * start), hhmm(30 * draw(st.integers(start + 1, 48)))


DAYS = st.lists(st.sampled_from(list(Day)), min_size=1, max_size=7, unique=True)


@st.composite
def staffed_practice(draw) -> PracticeConfig:
    """Random channels, roster, opening hours, answering service and patient load."""
    p = PracticeConfig(channels=draw(st.lists(st.sampled_from(list(Channel)), unique=True)))
    p.roster = [ShiftConfig(draw(DAYS), *draw(window()), role=draw(st.sampled_from(list(Role))),
                            staff=draw(st.integers(0, 2)))
                for _ in range(draw(st.integers(0, 3)))]
    p.opening_hours = [HoursConfig(draw(DAYS), *draw(window()))
                       for _ in range(draw(st.integers(0, 2)))]
    p.answering_service = AnsweringServiceConfig(
        enabled=draw(st.booleans()), hours=draw(st.sampled_from(list(ServiceHours))),
        agents=draw(st.integers(1, 2)))
    p.patient_share = draw(st.sampled_from([0.0, 0.3, 0.6]))
    p.policy.discipline = draw(st.sampled_from(list(Discipline)))
    return p


def market(practices: dict[str, PracticeConfig], *, days=3, seed=0, per_day=40.0,
           channels=None, drain_days=7, activity=False) -> Config:
    cfg = Config(seed=seed, practices=practices, record_activity=activity)
    cfg.market.days, cfg.market.drain_days = days, drain_days
    cfg.market.prospects_per_day = per_day
    cfg.market.shopping_list = [1.0] * len(practices)  # uniform over 1..n practices
    if channels is not None:
        cfg.market.channel_mix = {c: 1.0 for c in channels}
    return validate(cfg)


def coordinator(**kw) -> PracticeConfig:
    """A competitor that works every channel 8-20 on weekdays."""
    p = PracticeConfig(channels=list(Channel), patient_share=0.0, **kw)
    p.roster = [ShiftConfig(days=list(WEEKDAYS), start="08:00", end="20:00",
                            role=Role.coordinator, staff=1, hourly_wage=26.0)]
    p.opening_hours = [HoursConfig(days=list(WEEKDAYS), start="08:00", end="20:00")]
    return p


# --------------------------------------------------------------------------- shifts


@SETTINGS
@given(st.lists(staffed_practice(), min_size=1, max_size=2), st.integers(0, 2**16),
       st.integers(1, 3), st.sampled_from([0, 2]))


def test_no_staff_activity_outside_a_shift(practices, seed, days, drain):
    cfg = market({f"p{i}": p for i, p in enumerate(practices)}, days=days, seed=seed,
                 per_day=60.0, drain_days=drain, activity=True)
    with work_log() as log:
        model, _ = simulate(cfg)
    rostered = {k: v for slot in cfg.practices for k, v in staff_windows(cfg, slot).items()}
    by_staff: dict[str, list] = {}
    for staff_id, kind, start, end in model.activity:
        assert staff_id in rostered, f"work by {staff_id}, who is on no roster"
        role, windows = rostered[staff_id]
        assert inside(windows, start), f"{staff_id} started {kind} at {start}, off shift"
        assert end >= start
        if kind == "patient":
            assert role == "front_desk", f"{staff_id} ({role}) served a patient at the desk"
        by_staff.setdefault(staff_id, []).append((start, end))
    for staff_id, items in by_staff.items():  # one thing at a time
        items.sort()
        for (_, end), (start, _) in itertools.pairwise(items):
            assert start >= end - EPS, f"{staff_id} did two things at once at {start}"
    # who did what: each role only the channels it handles, the service only live calls
    for _, slot, role, channel, state in log:
        assert channel in {c.value for c in cfg.practices[slot].channels}, "unmonitored work"
        if role == "answering_service":
            assert channel == "phone" and state == 1, "the answering service worked a task"
        elif role == "social_media":
            assert channel in SOCIAL, f"the social-media coordinator worked {channel}"


# --------------------------------------------------------------------------- channels


@SETTINGS
@given(st.lists(st.lists(st.sampled_from(list(Channel)), unique=True, max_size=7),
                min_size=1, max_size=2),
       st.integers(0, 2**16), st.booleans())


def test_unmonitored_channels_are_never_answered(channel_sets, seed, auto_reply):
    practices = {}
    for i, channels in enumerate(channel_sets):
        p = PracticeConfig(channels=channels, patient_share=0.0)
        p.roster = [ShiftConfig(days=list(ALL_DAYS), start="00:00", end="24:00",
                                role=Role.coordinator, staff=2)]
        p.answering_service.enabled = True
        p.answering_service.hours = ServiceHours.always
        p.auto_responder.enabled = auto_reply
        practices[f"p{i}"] = p
    model, res = simulate(market(practices, days=2, seed=seed))
    q = res.inquiries
    watched = q["practice"].map({s: {c.value for c in p.channels}
                                 for s, p in model.config.practices.items()})
    on = np.array([c in w for c, w in zip(q["channel"], watched)], dtype=bool)
    off = q[~on]
    assert off["answered_at"].isna().all(), "an unmonitored channel was answered"
    assert off["contacted_at"].isna().all()
    assert off["acknowledged_at"].isna().all(), "an auto-reply on an unmonitored channel"
    assert (off["attempts"] == 0).all()
    assert not off["service_answered"].any()
    assert (off["outcome"] == "unanswered").all()
    # positive control: round-the-clock staff answer every monitored message
    messages = q[on & (q["channel"] != "phone").to_numpy()]
    assert (messages["answered_at"].notna() | (messages["outcome"] == "lost_to_competitor")).all()


# --------------------------------------------------------------------------- never responds


def silent(variant: str) -> PracticeConfig:
    p = coordinator()
    p.auto_responder.enabled = True  # an acknowledgement is not a response
    if variant == "no roster":
        p.roster = []
    elif variant == "monitors nothing":
        p.channels = []
    else:  # phone only, never picks up, never returns a voicemail
        p.channels = [Channel.phone]
        p.policy.answer_live_calls = False
        p.policy.return_voicemails = False
        p.policy.return_missed_calls = False
    return p


@pytest.mark.parametrize("variant", ["no roster", "monitors nothing", "never picks up"])
def test_a_practice_that_never_responds_books_nothing(variant):
    cfg = market({"silent": silent(variant), "rival": coordinator()}, days=5, seed=4,
                 per_day=40.0)
    _, res = simulate(cfg, summary=True)
    q, s = res.inquiries, res.summary
    mine = q[q["practice"] == "silent"]
    assert len(mine) > 50
    assert mine["answered_at"].isna().all()
    assert mine["contacted_at"].isna().all()
    assert not (mine["outcome"] == "booked").any()
    assert not (res.prospects["booked_with"] == "silent").any()
    assert s["practices.silent.bookings"] == 0
    assert s["practices.silent.revenue"] == 0.0
    assert s["practices.silent.answered_share"] == 0.0
    # ... while the rival, facing the same prospects, does book
    assert s["practices.rival.bookings"] > 0


# --------------------------------------------------------------------------- phone


# --------------------------------------------------------------------------- staffing


def queue_practice(staff: int, channels=("web_form",), equal_handling=True) -> PracticeConfig:
    """Round-the-clock coordinators, one attempt per inquiry, oldest first."""
    p = PracticeConfig(channels=[Channel(c) for c in channels], patient_share=0.0)
    p.roster = [ShiftConfig(days=list(ALL_DAYS), start="00:00", end="24:00",
                            role=Role.coordinator, staff=staff)]
    p.opening_hours = [HoursConfig(days=list(ALL_DAYS), start="00:00", end="24:00")]
    p.policy = PolicyConfig(discipline=Discipline.oldest_first, follow_up_minutes=[0.0],
                            max_attempts=1)
    if equal_handling:
        p.handling = HandlingConfig(call_minutes=5.0, attempt_minutes=5.0, message_minutes=5.0)
    return p


@settings(max_examples=6, **SIM)
@given(st.integers(0, 2**16), st.integers(1, 3), st.integers(1, 2),
       st.sampled_from([150.0, 300.0, 450.0]))


def test_more_staff_never_slows_any_first_response_in_a_single_queue(seed, c, extra, volume):
    """One practice, one channel, first come first served, the same work per inquiry: the
    k-th inquiry gets the k-th handling time whatever the staffing, so with more staff
    every single first response is at least as fast (the FCFS G/G/c monotonicity)."""
    def first_response(staff):
        cfg = market({"solo": queue_practice(staff)}, days=2, seed=seed, per_day=volume,
                     channels=["web_form"])
        cfg.reputation.enabled = False  # no referrals: the same inquiries in both runs
        q = simulate(cfg)[1].inquiries.set_index("inquiry_id")
        return q["answered_at"] - q["arrived_at"]

    few, more = first_response(c), first_response(c + extra)
    assert few.index.equals(more.index)
    assert few.notna().all() and more.notna().all()
    assert (more <= few + EPS).all()
    assert more.median() <= few.median()


@pytest.mark.parametrize("seed", [0, 1])
def test_more_staff_never_slows_the_median_first_response(seed):
    """A front desk with patients, phone, web form and email, against one rival."""
    medians = []
    for staff in (1, 2, 3, 4):
        desk = PracticeConfig(channels=[Channel.phone, Channel.web_form, Channel.email],
                              patient_share=0.45)
        desk.roster = [ShiftConfig(days=list(WEEKDAYS), start="09:00", end="17:00",
                                   role=Role.front_desk, staff=staff)]
        cfg = market({"desk": desk, "rival": coordinator()}, days=5, seed=seed,
                     per_day=120.0, channels=["phone", "web_form", "email"])
        frt = simulate(cfg)[1].inquiries.query("practice == 'desk'")["first_response_minutes"]
        medians.append(statistics.median(frt.dropna()))
    assert all(b <= a for a, b in itertools.pairwise(medians)), medians
    assert medians[-1] < medians[0]
