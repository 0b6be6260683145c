"""Response policies (`sim.model.policies`): the order waiting work is taken in, and the
follow-up cadence as the practices actually work it.

The cadence is checked on every attempt the staff make, recorded by wrapping
`Practice.begin`; expected times are rebuilt here from the policy in the config.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim import vocabulary
from sim.config import (
    ALL_DAYS,
    Channel,
    Config,
    Discipline,
    HoursConfig,
    PolicyConfig,
    PracticeConfig,
    Role,
    ShiftConfig,
    validate,
)
from sim.model import LeadMarket
from sim.model.policies import TaskLists
from sim.model.practice import Practice
from sim.model.staff import PATIENT

EPS = 1e-6
ON_HOLD, TASK = 1, 2  # Inquiry.state
CHANNELS = list(vocabulary.CHANNELS)
# A simulation per example: no deadline, no shrinking (the examples are small already).
SIM = {"deadline": None, "phases": [Phase.explicit, Phase.reuse, Phase.generate],
       "suppress_health_check": [HealthCheck.too_slow]}


# --------------------------------------------------------------------------- task lists


class Item:
    """Just what a task list looks at."""

    __slots__ = ("channel", "due", "outcome", "name")

    def __init__(self, name, channel, due, outcome=None):
        self.name, self.channel, self.due, self.outcome = name, channel, due, outcome


def expected_order(items, discipline):
    """Smallest first: phone first (if so), then oldest or newest due."""
    def key(it):
        if discipline == Discipline.newest_first:
            return (0, -it.due)
        if discipline == Discipline.phone_first:
            return (0 if it.channel == "phone" else 1, it.due)
        return (0, it.due)
    return sorted(items, key=key)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(list(Discipline)),
    st.lists(st.tuples(st.sampled_from(CHANNELS), st.booleans()), min_size=0, max_size=40),
    st.lists(st.integers(0, 10_000), min_size=40, max_size=40, unique=True),
    st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=7, unique=True),
)
def test_task_lists_hand_out_work_in_the_disciplines_order(discipline, specs, dues, works):
    tasks = TaskLists(CHANNELS, discipline)
    items = [Item(i, channel, float(due), "closed" if closed else None)
             for i, ((channel, closed), due) in enumerate(zip(specs, dues))]
    for it in items:
        tasks.push(it)
    got = []
    while (it := tasks.pop_best(works)) is not None:
        got.append(it)
    # open items of the channels this person works, best first; nothing closed, nothing else
    want = expected_order([it for it in items if it.outcome is None and it.channel in works],
                          discipline)
    assert [it.name for it in got] == [it.name for it in want]
    # what this person cannot work is still there for someone who can
    rest = [it for it in items if it.outcome is None and it.channel not in works]
    left = []
    while (it := tasks.pop_best(CHANNELS)) is not None:
        left.append(it)
    assert sorted(it.name for it in left) == sorted(it.name for it in rest)


# --------------------------------------------------------------------------- cadence in runs


@contextmanager
def attempt_log():
    """inquiry_id -> [(time, state before, staff role, handling minutes), ...]."""
    log: dict[int, list] = {}
    original = Practice.begin

    def begin(self, staff, item):
        if item is PATIENT:
            return original(self, staff, item)
        state = item.state
        duration = original(self, staff, item)
        log.setdefault(item.inquiry_id, []).append((self.env.now, state, staff.role, duration))
        return duration

    with mock.patch.object(Practice, "begin", begin):
        yield log


@st.composite
def cadences(draw) -> PolicyConfig:
    n = draw(st.integers(1, 6))
    gaps = draw(st.lists(st.sampled_from([0.0, 3.0, 10.0, 60.0, 300.0, 1440.0]),
                         min_size=n - 1, max_size=n + 1))
    return PolicyConfig(
        discipline=draw(st.sampled_from(list(Discipline))),
        first_response_delay_minutes=draw(st.sampled_from([0.0, 5.0, 30.0])),
        follow_up_minutes=list(itertools.accumulate([0.0, *gaps])),
        max_attempts=n,
        return_voicemails=True,
    )


def cadence_market(policy: PolicyConfig, *, staff: int, per_day: float, seed: int,
                   days: int = 2, office_hours: bool = False) -> Config:
    """One practice on every channel; prospects who rarely pick up, so follow-ups happen."""
    p = PracticeConfig(channels=list(Channel), patient_share=0.0, policy=policy)
    start, end, on = ("09:00", "17:00", ALL_DAYS[:5]) if office_hours else \
        ("00:00", "24:00", ALL_DAYS)
    p.roster = [ShiftConfig(days=list(on), start=start, end=end, role=Role.coordinator,
                            staff=staff)]
    p.opening_hours = [HoursConfig(days=list(on), start=start, end=end)]
    cfg = Config(seed=seed, practices={"solo": p})
    cfg.market.days, cfg.market.drain_days = days, 14
    cfg.market.prospects_per_day = per_day
    cfg.market.shopping_list = [1.0]
    cfg.prospect.reach.peak = 0.25
    return validate(cfg)


def run(cfg: Config) -> tuple[pd.DataFrame, dict]:
    with attempt_log() as log:
        model = LeadMarket(cfg)
        model.run()
    return pd.DataFrame(model.records()["inquiries"]), log


def check_cadence(cfg: Config, q: pd.DataFrame, log: dict, exact: bool) -> None:
    policy = cfg.practices["solo"].policy
    offsets = policy.follow_up_minutes
    assert (q["attempts"] <= policy.max_attempts).all(), "more attempts than the policy allows"
    followed_up = 0
    for row in q.itertuples():
        work = log.get(row.inquiry_id, [])
        # the attempts column counts the staff's attempts (not the answering service's)
        assert row.attempts == sum(1 for _, _, role, _ in work if role != "answering_service")
        tries = [(t, d) for t, state, _, d in work if state == TASK]
        if not tries:
            assert row.first_attempt_at != row.first_attempt_at  # NaN
            continue
        first = tries[0][0]
        assert first == row.first_attempt_at
        assert first >= row.arrived_at + policy.first_response_delay_minutes - EPS
        for n, ((t_prev, d_prev), (t, _)) in enumerate(itertools.pairwise(tries), start=1):
            followed_up += 1
            due = max(first + offsets[n], t_prev + d_prev)  # never two at once
            assert t >= due - EPS, f"attempt {n + 1} at {t}, due {due}"
            if exact:  # plenty of idle staff: every attempt goes out when it is due
                assert t == pytest.approx(due, abs=EPS)
        if row.outcome == "not_reached":  # the whole cadence was used
            assert len(tries) == policy.max_attempts
    if policy.max_attempts > 1:
        assert followed_up > 0, "no follow-up was ever made"


@settings(max_examples=15, **SIM)
@given(cadences(), st.integers(0, 2**16), st.integers(1, 3), st.booleans())
def test_follow_ups_respect_the_cadence_and_the_attempt_limit(policy, seed, staff, office):
    cfg = cadence_market(policy, staff=staff, per_day=60.0, seed=seed, office_hours=office)
    q, log = run(cfg)
    check_cadence(cfg, q, log, exact=False)


@settings(max_examples=6, **SIM)
@given(cadences(), st.integers(0, 2**16))
def test_with_idle_staff_every_attempt_goes_out_exactly_when_due(policy, seed):
    cfg = cadence_market(policy, staff=25, per_day=15.0, seed=seed)
    q, log = run(cfg)
    check_cadence(cfg, q, log, exact=True)
    # the first reply to a message goes out exactly first_response_delay after it arrived
    messages = q[q["channel"] != "phone"]
    lag = messages["first_attempt_at"] - messages["arrived_at"]
    assert len(messages) > 0 and lag.notna().all()
    assert ((lag - policy.first_response_delay_minutes).abs() < EPS).all()
