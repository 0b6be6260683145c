"""Practices: the inbox of one practice and the dispatch of its work to its staff.

A practice receives inquiries on the channels it monitors (an inquiry on any other
channel is never answered), keeps written work in per-channel to-do lists (policies.py)
and live callers on its phone line (phone.py), and hands work to its staff by its
response policy: whoever queues work first asks every idle person who could take it
(`_take_idle`), and a person who comes free asks for the next item (`next_work`: a
patient at the desk, a caller on hold, then a task). A failed attempt schedules the next
by the follow-up cadence; the first two-way contact hands the decision to the prospect.

The phone line's behaviour (menu, hold queue, abandonment, voicemail) is in phone.py and
the money (bookings to procedures, staffing costs, the wage ledger) in economics.py; both
are mixins of `Practice`, so the methods keep their names and the hot path its calls.

With a unified inbox (`unified_inbox.enabled`) the practice watches every message
channel, and everyone who answers messages takes any of them (sim.config.staff_channels):
one queue for the staff on shift, in the order of the practice's discipline.

With a nurture programme (`nurture.enabled`) a prospect reached too late to book is
offered a micro-conversion (nurture.py) before the inquiry closes.

Just over 400 lines: the phone line and the economics are mixins of their own modules;
what is left, the inbox and the dispatch, is one queue discipline read best in one place.
"""

from __future__ import annotations

from collections import deque

import mesa
import numpy as np

from ..clock import complement_windows, merge_windows, weekly_windows
from ..config import watched_channels
from .economics import PracticeEconomics, expected_fee
from .inquiry import (
    ABANDONED,
    ANSWERED,
    BOOKED,
    IN_MENU,
    LOST,
    NOT_REACHED,
    OFFER,
    OFFERED,
    ON_HOLD,
    TASK,
    TOO_LATE,
    UNANSWERED,
)
from .phone import PhoneLine
from .policies import TaskLists
from .staff import PATIENT, Staff


class Practice(PhoneLine, PracticeEconomics, mesa.Agent):
    """A practice with its staff, policy, services, economics and reputation.

    Parameters: the model, its slot name and index in the market, its PracticeConfig, the
    exponential-variate source for handling times and the source of conversations' lengths
    (default: the handling times' own). Each person on the desk has the patients of their
    own stream (`schedule_patients`).
    """

    def __init__(self, model, slot, index, cfg, handling_times, talk_times=None):
        super().__init__(model)
        self.env = model.env
        self.slot = slot
        self.index = index
        self.cfg = cfg
        self.name = cfg.name or slot
        self.channels = tuple(watched_channels(cfg))  # with a unified inbox: every one
        self.policy = cfg.policy
        self.follow_up = [float(v) for v in cfg.policy.follow_up_minutes]
        self.max_attempts = int(cfg.policy.max_attempts)
        self.first_delay = float(cfg.policy.first_response_delay_minutes)
        self.handling_time = handling_times  # sampler: mean minutes -> an exponential time
        self.talk_time = handling_times if talk_times is None else talk_times  # conversations
        self.voicemail_share = (model.voicemail_share if cfg.voicemail_share is None
                                else float(cfg.voicemail_share))
        self.tasks = TaskLists(self.channels, cfg.policy.discipline)
        self.hold: deque = deque()
        self.idle_staff: list[Staff] = []
        self.idle_service: list[Staff] = []
        self.phone_on_shift = 0
        # reputation (moved by reviews in the reputation model)
        self.rating = float(cfg.reputation.rating)
        self.price = expected_fee(cfg.economics)  # as shoppers weighing offers see it
        self.review_count = int(cfg.reputation.review_count)
        self.reputation = None  # PracticeReputation: badges, bad word (model/reputation.py)
        self.nurture = None  # NurtureList with a nurture programme (model/nurture.py)
        # running totals (the daily table reads them)
        self.n_inquiries = 0
        self.n_answered = 0
        self.n_contacted = 0
        self.n_booked = 0
        self.n_lost = 0
        self.n_abandoned = 0
        self.n_consultations = 0
        self.n_procedures = 0
        self.revenue = 0.0
        self.service_calls = 0
        self._on_due = self.add_task  # one bound method for every scheduled attempt
        self.menu_minutes = float(cfg.phone_menu_seconds) / 60.0
        self._on_menu_over = self._menu_over  # one bound method for every caller in the menu
        self._on_hang_up = self._hang_up  # and for every caller's patience on hold
        self.staff = self._build_staff(model.horizon_days)

    # ---------------------------------------------------------------- construction

    def _build_staff(self, horizon_days: int) -> list[Staff]:
        cfg, staff, desk = self.cfg, [], 0
        patient_rate = cfg.patient_share / cfg.patient_task_minutes
        for line in cfg.roster:
            role = str(getattr(line.role, "value", line.role))
            # merged: back-to-back days (a 24/7 line) are one window, not a gap at midnight
            windows = merge_windows(weekly_windows(line.days, line.start, line.end, horizon_days))
            rate = 0.0
            if role == "front_desk":  # a plan may set a line's own share (sim/plans.py)
                rate = (patient_rate if line.patient_share is None
                        else line.patient_share / cfg.patient_task_minutes)
            for _ in range(line.staff):
                staff_id = f"{self.slot}.{role}.{len(staff) + 1}"
                staff.append(Staff(self, staff_id, role, windows, line.hourly_wage, rate))
                if rate > 0:  # the desk's n-th person with patients: their own stream
                    desk += 1
                    staff[-1].patient_stream = f"patients.{self.slot}.{desk}"
        svc = cfg.answering_service
        if svc.enabled:
            horizon = horizon_days * 1440.0
            hours = str(getattr(svc.hours, "value", svc.hours))
            if hours == "always":
                windows = [(0.0, horizon)]
            else:
                opening = [
                    w
                    for h in cfg.opening_hours
                    for w in weekly_windows(h.days, h.start, h.end, horizon_days)
                ]
                windows = complement_windows(merge_windows(opening), horizon)
                if hours == "nights":  # only the closed hours of days the practice opens
                    days = sorted({int(start // 1440) for start, _ in opening})
                    windows = merge_windows(
                        (max(s, d * 1440.0), min(e, d * 1440.0 + 1440.0))
                        for d in days for s, e in windows
                        if s < d * 1440.0 + 1440.0 and e > d * 1440.0)
            for i in range(svc.agents):
                staff.append(Staff(self, f"{self.slot}.answering_service.{i + 1}",
                                   "answering_service", windows))
        return staff

    # ---------------------------------------------------------------- shifts

    def shift_started(self, staff: Staff) -> None:
        if staff.takes_calls:
            self.phone_on_shift += 1

    def shift_ended(self, staff: Staff) -> None:
        if staff.takes_calls:
            self.phone_on_shift -= 1
        staff.patient_times = ()  # patients still waiting: the next person on the desk

    def go_idle(self, staff: Staff) -> None:
        (self.idle_service if staff.is_service else self.idle_staff).append(staff)

    def _take_idle(self, now: float, channel: str | None):
        """The idle person who takes new work at `now`: a live call (`channel` None) or a
        task on `channel`; None if nobody can. Each idle person who could take it is first
        caught up with their patients (Staff.catch_up; one with a patient at the desk
        becomes busy and leaves the list). Of those free, the one idle longest takes it:
        the first in the list had each patient been a wake-up event (staff rejoin the end
        of the list after each patient). The list is in the order people joined it, so the
        first one found free who has seen no patient since joining it went idle before
        everyone after them: the search stops there. Someone whose shift ends this very
        minute takes nothing new (their end of shift comes next)."""
        idle, best, k = self.idle_staff, None, 0
        while k < len(idle):
            staff = idle[k]
            k += 1
            if (staff.takes_calls if channel is None else channel in staff.task_channels) \
                    and staff.shift_end > now:
                if staff.patient_times and not staff.catch_up(now):
                    k -= 1  # with a patient: busy, off the list
                    continue
                if best is None or staff.idle_since < best.idle_since:
                    best = staff
                if staff.idle_since == staff.listed_since:
                    break
        if best is not None:
            idle.remove(best)
        return best

    def leave_idle(self, staff: Staff) -> None:
        (self.idle_service if staff.is_service else self.idle_staff).remove(staff)

    def schedule_patients(self, staff: Staff, start: float, end: float) -> None:
        """Existing patients arriving at this person's desk during one shift window, with
        each patient's handling time, read lazily (see Staff.catch_up and `begin`): the
        window's part of the person's Poisson process over the whole horizon, drawn on
        their first shift from their own stream (`patients.<slot>.<n>`, the desk's n-th
        person). A plan that adds or moves other shifts leaves this person's patients where
        they were (common random numbers)."""
        process = staff.patient_process
        if process is None:
            # a day at a time, in day order: a longer run is the same run up to the end
            rng, rate = self.model.streams(staff.patient_stream), staff.patient_rate * 1440.0
            times, minutes = [], []
            for day in range(self.model.horizon_days):
                n = rng.poisson(rate)
                times.append(np.sort(rng.uniform(day * 1440.0, (day + 1) * 1440.0, n)))
                minutes.append(rng.exponential(self.cfg.patient_task_minutes, n))
            process = staff.patient_process = (np.concatenate(times), np.concatenate(minutes))
        times, minutes = process
        i, k = np.searchsorted(times, (start, end))
        if k > i:
            staff.patient_times = times[i:k].tolist()
            staff.patient_minutes = minutes[i:k].tolist()
        else:
            staff.patient_times = ()
        staff.patient_next = 0

    # ---------------------------------------------------------------- arrivals

    def receive(self, inq) -> None:
        """A new inquiry reaches the practice."""
        self.n_inquiries += 1
        self.model.inquiries.append(inq)
        if inq.channel not in self.channels:
            self.close(inq, UNANSWERED)
        elif inq.channel == "phone":
            if self.menu_minutes > 0.0:
                self._start_menu(inq)
            else:
                self.receive_call(inq)
        else:
            if self.cfg.auto_responder.enabled:
                inq.acknowledged_at = self.env.now
            self.schedule_first_response(inq, self.env.now)

    def schedule_first_response(self, inq, since: float) -> None:
        """A reply or call-back becomes due `first_response_delay` after `since`."""
        inq.state = TASK
        due = since + self.first_delay
        self._schedule_attempt(inq, due)

    def _schedule_attempt(self, inq, due: float) -> None:
        inq.due = due
        now = self.env.now
        if due <= now:
            self.add_task(inq)
        else:
            self.env.call_in(due - now, self._on_due, inq)

    def add_task(self, inq) -> None:
        """An attempt is due: give it to an idle person who can work it, or queue it."""
        if inq.outcome is not None:
            return
        staff = self._take_idle(self.env.now, inq.channel)
        if staff is None:
            self.tasks.push(inq)
        else:
            staff.start_now(inq)

    # ---------------------------------------------------------------- work

    def next_work(self, staff: Staff):
        """The next item for this person: patient at the desk, live caller, then a task."""
        times = staff.patient_times
        if times and staff.patient_next < len(times) and times[staff.patient_next] <= self.env.now:
            return PATIENT
        if staff.takes_calls and self.hold:
            hold = self.hold
            while hold:
                inq = hold.popleft()
                if inq.outcome is None and not inq.abandoned:  # (not hung up, not lost)
                    return inq
        if staff.task_channels and self.tasks.queued:  # (most looks find nothing queued)
            return self.tasks.pop_best(staff.task_channels)
        return None

    def begin(self, staff: Staff, item) -> float:
        """Start a piece of work; returns its handling time in minutes."""
        now = self.env.now
        if item is PATIENT:
            return self._see_patients(staff, now)
        inq = item
        handling = self.cfg.handling
        if inq.answered_at != inq.answered_at:  # NaN: the first human response
            inq.answered_at = now
            self.n_answered += 1
        if inq.state == ON_HOLD:
            inq.hold_minutes = now - inq.due
            if staff.is_service:
                inq.service_answered = True
                self.service_calls += 1
                duration = self.handling_time(self.cfg.answering_service.handle_minutes)
            else:
                inq.attempts += 1
                self._reached(inq, now)
                duration = self.talk_time(handling.call_minutes)
        else:
            inq.attempts += 1
            if inq.first_attempt_at != inq.first_attempt_at:  # NaN: the first attempt
                inq.first_attempt_at = now
            if inq.prospect.answers_attempt(inq, now):
                self._reached(inq, now)
                duration = self.talk_time(handling.call_minutes)
            elif inq.channel == "phone":
                duration = self.handling_time(handling.attempt_minutes)
            else:
                duration = self.handling_time(handling.message_minutes)
        staff.busy_lead_minutes += duration
        staff.items += 1
        if self.model.activity is not None:
            self.model.activity.append((staff.staff_id, "lead", now, now + duration))
        return duration

    def _see_patients(self, staff: Staff, now: float) -> float:
        """The patient waiting at the desk, and every patient who arrives before the one
        before them is done: patients come before any lead, so the person would take them
        one after another anyway. One piece of work (one event) for the run of patients;
        it stops with the patient in hand when the shift ends."""
        times, minutes = staff.patient_times, staff.patient_minutes
        i, n, t, end = staff.patient_next, len(times), now, staff.shift_end
        log = self.model.activity
        while True:
            if log is not None:
                log.append((staff.staff_id, "patient", t, t + minutes[i]))
            t += minutes[i]
            i += 1
            if i == n or times[i] > t or t >= end:
                break
        staff.patient_next = i
        staff.busy_patient_minutes += t - now
        return t - now

    def end(self, staff: Staff, item) -> None:
        """Finish a piece of work: a failed attempt schedules the next by the cadence."""
        if item is PATIENT:
            return
        inq = item
        if inq.outcome is not None or inq.state == OFFERED:  # (an offer: nothing to follow)
            return
        now = self.env.now
        if inq.state == ON_HOLD:  # the answering service took a message: call back
            self.schedule_first_response(inq, now)
        elif inq.attempts < self.max_attempts:
            due = inq.first_attempt_at + self.follow_up[inq.attempts]
            self._schedule_attempt(inq, max(due, now))
        else:
            self.close(inq, NOT_REACHED)

    def _reached(self, inq, now: float) -> None:
        """Two-way contact with the prospect: the prospect decides."""
        if inq.contacted_at != inq.contacted_at:
            inq.contacted_at = now
            self.n_contacted += 1
        prospect = inq.prospect
        if prospect is None:  # validation scenarios: no prospect decision is modelled
            self.close(inq, ANSWERED)
            return
        outcome = prospect.reached(inq, now)
        if outcome is OFFER:  # the prospect weighs it against the others' (prospect.py)
            inq.state = OFFERED
            if prospect.waits_for_nothing:
                self.model.weigh_offers(prospect)
            return
        if outcome == BOOKED:
            self.take_booking(inq, prospect, now)
            return
        if outcome == TOO_LATE and self.nurture is not None:
            self.model.nurture.offer(self, inq, prospect, now)  # not ready: nurture.py
        self.close(inq, outcome)

    def take_booking(self, inq, prospect, now: float) -> None:
        """`prospect` (booked_with this practice) books through `inq`: the consultation
        and its procedure (economics.py), the inquiry closed, the others' lost."""
        self._book(prospect, now)
        self.close(inq, BOOKED)
        self.model.prospect_booked(prospect)

    def close(self, inq, outcome: str) -> None:
        """The inquiry ends with `outcome`."""
        if outcome == LOST and inq.state == ON_HOLD and inq.hold_minutes != inq.hold_minutes:
            inq.hold_minutes = self.env.now - inq.due  # left the hold queue to book elsewhere
        elif outcome == LOST and inq.state == IN_MENU:  # hung up in the menu to book elsewhere
            inq.menu_minutes = self.env.now - inq.arrived_at
            inq.hold_minutes = 0.0
        inq.outcome = outcome
        if outcome == LOST:
            self.n_lost += 1
        prospect = inq.prospect
        if prospect is not None:
            prospect.open_inquiries -= 1
            if prospect.done:
                self.model.prospect_done(prospect)
            elif prospect.offers and prospect.waits_for_nothing:
                self.model.weigh_offers(prospect)  # the last answer it waited for is in

    # ---------------------------------------------------------------- end of run

    def finish(self) -> None:
        """Close what is still open when the clock stops."""
        now = self.env.now
        for staff in list(self.idle_staff):  # patients seen since they went idle
            staff.catch_up(now)
        self.hold.clear()  # still waiting (their hang-ups were due later): unanswered
        for inq in self.model.inquiries:
            if inq.practice is self and inq.outcome is None:
                if inq.attempts or inq.answered_at == inq.answered_at:
                    self.close(inq, NOT_REACHED)
                elif inq.abandoned:
                    self.close(inq, ABANDONED)
                else:
                    self.close(inq, UNANSWERED)

