"""Staff work only inside their shifts (Hypothesis over random rosters).

A random practice (days, start/end on a 15-minute grid, roles, head counts, opening hours,
channels, an answering service) is the only practice of a small market, run with
`record_activity=True`. Every logged piece of work (staff_id, kind, start, end) must start
inside one of that person's shift windows; it may end after the window (the item in hand
is finished) but nothing new starts after the window closes.
"""

from __future__ import annotations

import dataclasses
import functools
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.clock import merge_windows, weekly_windows
from sim.config import (
    AnsweringServiceConfig,
    Channel,
    Config,
    Day,
    Discipline,
    HoursConfig,
    PolicyConfig,
    PracticeConfig,
    Role,
    ServiceHours,
    ShiftConfig,
    validate,
)
from sim.model import LeadMarket

QUARTERS = 96  # 15-minute steps in a day


def hhmm(quarter: int) -> str:
    return f"{quarter * 15 // 60:02d}:{quarter * 15 % 60:02d}"


@st.composite
def window(draw):
    """(days, start, end) on the 15-minute grid, end after start."""
    days = draw(st.lists(st.sampled_from(list(Day)), min_size=1, max_size=7, unique=True))
    start = draw(st.integers(0, QUARTERS - 1))
    end = draw(st.integers(start + 1, QUARTERS))
    return days, hhmm(start), hhmm(end)


@st.composite
def shift(draw):
    days, start, end = draw(window())
    return ShiftConfig(days=days, start=start, end=end, role=draw(st.sampled_from(list(Role))),
                       staff=draw(st.integers(0, 2)), hourly_wage=20.0)


@st.composite
def practice(draw):
    opening = [HoursConfig(days=d, start=s, end=e)
               for d, s, e in draw(st.lists(window(), min_size=1, max_size=2))]
    channels = draw(st.lists(st.sampled_from(list(Channel)), min_size=1, max_size=7,
                             unique=True))
    follow_up = sorted(draw(st.lists(st.sampled_from([0.0, 15.0, 60.0, 480.0, 1440.0]),
                                     min_size=3, max_size=3)))
    return PracticeConfig(
        name="random",
        channels=channels,
        opening_hours=opening,
        roster=draw(st.lists(shift(), min_size=1, max_size=3)),
        patient_share=draw(st.sampled_from([0.0, 0.3, 0.6])),
        policy=PolicyConfig(
            discipline=draw(st.sampled_from(list(Discipline))),
            first_response_delay_minutes=draw(st.sampled_from([0.0, 5.0, 60.0])),
            follow_up_minutes=[0.0, *follow_up[1:]],
            max_attempts=3,
            answer_live_calls=draw(st.booleans()),
        ),
        answering_service=AnsweringServiceConfig(
            enabled=draw(st.booleans()),
            hours=draw(st.sampled_from(list(ServiceHours))),
            agents=draw(st.integers(1, 2)),
        ),
    )


@functools.cache
def base_config() -> Config:
    return sim.load_config([])


def small_market(pcfg: PracticeConfig, days: int, seed: int) -> Config:
    """The shipped market and prospect profile, with `pcfg` as its only practice."""
    base = base_config()
    market = dataclasses.replace(base.market, days=days, drain_days=1, prospects_per_day=60.0,
                                 shopping_list=[1.0])
    cfg = Config(seed=seed, scenario=base.scenario, market=market, prospect=base.prospect,
                 practices={"alpha": pcfg}, record_activity=True)
    return validate(cfg)


def check_work_inside_shifts(model: LeadMarket) -> None:
    windows = {s.staff_id: s.windows for p in model.practices for s in p.staff}
    by_staff: dict[str, list] = {}
    for staff_id, kind, start, end in model.activity:
        assert staff_id in windows, staff_id
        assert kind in ("lead", "patient")
        assert end >= start
        # starts inside a window (start inclusive, end exclusive); may end after it
        assert any(s <= start < e for s, e in windows[staff_id]), (
            f"{staff_id} started {kind} work at {start} outside {windows[staff_id]}"
        )
        by_staff.setdefault(staff_id, []).append((start, end))
    for staff_id, work in by_staff.items():  # one thing at a time
        work.sort()
        for (_, end), (start, _) in zip(work, work[1:]):
            assert start >= end - 1e-9, f"{staff_id} overlaps: {end} > {start}"


def check_inquiries(model: LeadMarket, pcfg: PracticeConfig) -> None:
    for inq in model.inquiries:
        if inq.answered_at == inq.answered_at:  # not NaN
            assert inq.answered_at >= inq.arrived_at, "picked up before it arrived"
        if inq.contacted_at == inq.contacted_at:
            assert inq.contacted_at >= inq.arrived_at
            assert inq.answered_at <= inq.contacted_at
        if inq.channel == "phone" and inq.hold_minutes == inq.hold_minutes:
            assert inq.hold_minutes >= 0
        if inq.channel not in {c.value for c in pcfg.channels}:
            assert math.isnan(inq.answered_at) and inq.outcome == "unanswered"
        assert inq.outcome is not None


def check_answering_service(model: LeadMarket, pcfg: PracticeConfig) -> None:
    practice = model.practices[0]
    agents = [s for s in practice.staff if s.role == "answering_service"]
    svc = pcfg.answering_service
    assert len(agents) == (svc.agents if svc.enabled else 0)
    if not agents:
        return
    horizon = model.horizon_days * 1440.0
    if svc.hours == ServiceHours.after_hours:
        opening = merge_windows(w for h in pcfg.opening_hours
                                for w in weekly_windows(h.days, h.start, h.end,
                                                        model.horizon_days))
    else:
        opening = []
    agent_ids = {s.staff_id for s in agents}
    for staff_id, kind, start, _end in model.activity:
        if staff_id in agent_ids:
            assert kind == "lead"  # no patients at an outside service
            assert 0 <= start < horizon
            assert not any(s <= start < e for s, e in opening), (
                f"after-hours service worked at {start}, inside opening hours"
            )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pcfg=practice(), days=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_random_rosters_work_only_inside_shifts(pcfg, days, seed):
    cfg = small_market(pcfg, days, seed)
    model = LeadMarket(cfg)
    model.run()
    check_work_inside_shifts(model)
    check_inquiries(model, pcfg)
    check_answering_service(model, pcfg)


def test_a_busy_front_desk_finishes_the_item_in_hand_but_starts_nothing_late():
    """A deterministic case that exercises shift ends: one person, heavy load."""
    pcfg = PracticeConfig(
        channels=list(Channel),
        roster=[ShiftConfig(days=list(Day), start="09:00", end="12:00", staff=1)],
        patient_share=0.5,
    )
    model = LeadMarket(small_market(pcfg, days=3, seed=5))
    model.run()
    check_work_inside_shifts(model)
    (staff,) = model.practices[0].staff
    late = [a for a in model.activity if a[3] > a[2] and not any(
        s <= a[3] <= e for s, e in staff.windows)]
    assert late, "expected some work to run past a shift end under this load"
    # the windows of a weekly roster are what the config says
    assert staff.windows[:2] == [(540.0, 720.0), (1440.0 + 540.0, 1440.0 + 720.0)]


def test_patients_alone_keep_the_desk_as_busy_as_patient_share():
    """With (nearly) no leads, one person at the desk serves patients first come first served (an
    M/M/1 queue run in shifts): busy a `patient_share` of the shift, a little less because
    patients still waiting when the shift ends go to the next person. Patients are worked
    one after another, each from its own arrival, never overlapping."""
    share = 0.45
    pcfg = PracticeConfig(
        channels=[Channel.phone],
        roster=[ShiftConfig(days=list(Day), start="08:00", end="18:00", staff=1)],
        patient_share=share, patient_task_minutes=6.0,
    )
    cfg = small_market(pcfg, days=200, seed=11)
    cfg = dataclasses.replace(cfg, market=dataclasses.replace(cfg.market, prospects_per_day=1e-6))
    model = LeadMarket(validate(cfg))
    model.run()
    check_work_inside_shifts(model)
    (staff,) = model.practices[0].staff
    on_shift = sum(e - s for s, e in staff.windows)
    busy = staff.busy_patient_minutes / on_shift
    # M/M/1 at rho 0.45: about 0.37 patients waiting on average; the few left at a shift
    # end cost about 1% of the time. Binomial-like noise over ~20,000 patients: < 0.01.
    assert share - 0.03 < busy < share + 0.01, busy
    assert staff.busy_lead_minutes == 0.0
    patients = [a for a in model.activity if a[1] == "patient"]
    assert abs(sum(e - s for _, _, s, e in patients) - staff.busy_patient_minutes) < 1e-6
    mean = sum(e - s for _, _, s, e in patients) / len(patients)
    assert abs(mean - 6.0) < 0.25, mean  # exponential handling, mean 6 min
    # Busy periods start when a patient finds the desk free: in M/M/1 at rate lambda they
    # start lambda (1 - rho) times a minute. Serving a patient before they arrive (or
    # each patient after a gap) would get this badly wrong.
    starts = sum(1 for a, b in zip(patients, patients[1:]) if b[2] > a[3] + 1e-9) + 1
    expected = share / 6.0 * (1 - share) * on_shift
    assert abs(starts / expected - 1) < 0.1, (starts, expected)


@st.composite
def desk_and_coordinators(draw):
    """Front desk (with patients) and coordinators, all channels, no answering service:
    anyone idle can take any new lead."""
    roster = [ShiftConfig(days=list(Day), start=hhmm(s), end=hhmm(e), role=role,
                          staff=draw(st.integers(1, 2)), hourly_wage=20.0)
              for role in (Role.front_desk, Role.front_desk, Role.coordinator)
              for s in [draw(st.integers(20, 44))] for e in [draw(st.integers(s + 8, 80))]]
    return PracticeConfig(channels=list(Channel), roster=roster,
                          patient_share=draw(st.sampled_from([0.3, 0.45, 0.6])),
                          patient_task_minutes=draw(st.sampled_from([4.0, 10.0])))


def check_idle_longest(model: LeadMarket) -> int:
    """A lead that starts while its person was idle was handed to them when it came in;
    of the people idle then (on shift, neither working nor with a patient), it goes to the
    one idle longest (idle since the end of their last piece of work, or since their shift
    began). Patients of idle people are worked out only when someone needs them
    (Staff.catch_up): someone who saw patients while idle counts as idle since the last.
    Returns how many hand-overs were checked."""
    windows = {s.staff_id: s.windows for p in model.practices for s in p.staff}
    work: dict[str, list] = {sid: [] for sid in windows}
    for staff_id, kind, start, end in model.activity:
        work[staff_id].append((start, end, kind))
    for items in work.values():
        items.sort()

    def state(sid, t):
        """(idle since, or None when working, off shift or at a tie) at time t."""
        win = next(((s, e) for s, e in windows[sid] if s <= t < e), None)
        if win is None:
            return None
        last = win[0]
        for start, end, _ in work[sid]:
            if start >= t:
                break
            if end >= t:  # busy at t (or finishing exactly then: a tie, skip)
                return None
            last = max(last, end)
        if any(start == t for start, _, _ in work[sid]):
            return None
        return last

    checked = 0
    for sid, items in work.items():
        prev_end = -math.inf
        for start, end, kind in items:
            if kind == "lead" and prev_end < start:
                mine = state(sid, start - 1e-9)  # just before: idle, since when
                if mine is not None:
                    others = [state(o, start) for o in work if o != sid]
                    earlier = [s for s in others if s is not None and s < mine - 1e-9]
                    assert not earlier, (sid, start, mine, earlier)
                    checked += 1
            prev_end = max(prev_end, end)
    return checked


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pcfg=desk_and_coordinators(), days=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_new_work_goes_to_whoever_has_been_idle_longest(pcfg, days, seed):
    model = LeadMarket(small_market(pcfg, days, seed))
    model.run()
    check_work_inside_shifts(model)
    check_idle_longest(model)


def test_the_idle_longest_check_sees_many_hand_overs():
    """The rule above, on a fixed busy desk, is checked on many hand-overs (not vacuous)."""
    roster = [ShiftConfig(days=list(Day), start="08:00", end="18:00", role=role, staff=2,
                          hourly_wage=20.0) for role in (Role.front_desk, Role.coordinator)]
    pcfg = PracticeConfig(channels=list(Channel), roster=roster, patient_share=0.45,
                          patient_task_minutes=6.0)
    model = LeadMarket(small_market(pcfg, days=3, seed=7))
    model.run()
    assert check_idle_longest(model) > 20
