"""Staff: people (and an outside answering service) who work the practice's leads.

Each staff member lives through its shift windows, driven by timers on the SimPy clock. Inside a
window it takes the next piece of work by the practice's policy, spends a handling time
on it, and records the result; with nothing to do it waits, idle, until work arrives or
the shift ends. It never picks up work outside a window, and finishes the item in hand
when a window closes. A SimPy Resource cannot change capacity, which is why shifts are
modelled with these per-person state machines instead.

Roles decide what a person can work (sim.vocabulary.ROLE_CHANNELS, ROLE_TAKES_CALLS):
- front_desk: live calls, every written channel, and the existing patients at the desk;
- coordinator: live calls and every written channel (a dedicated lead coordinator);
- social_media: chat, SMS, social and review-site messages; no phone;
- answering_service: live calls only; takes a message that becomes a call-back task.
With a unified inbox (sim.config.staff_channels) everyone who answers messages takes
every message channel: the social-media coordinator also web forms and emails.
"""

from __future__ import annotations

from ..config import staff_channels
from ..vocabulary import ROLE_CHANNELS, ROLE_TAKES_CALLS
from .events import URGENT

__all__ = ["PATIENT", "ROLE_CHANNELS", "ROLE_TAKES_CALLS", "Staff"]
PATIENT = "patient"  # the work item of an existing patient at the desk


class Staff:
    """One person (or one answering-service agent) on a roster.

    Parameters: the practice, an id, the role, the (start, end) windows of its shifts in
    minutes, the hourly wage, and the rate of existing-patient work per minute on shift.

    A person is a small state machine driven by timers on the clock (`env.call_in`,
    sim/model/events.py) rather than a generator process: off shift, idle, or busy with
    `item` until a timer's callback says it is done. The story is the same as a process's
    loop (window after window: take the next item by the practice's policy, work it, look
    again; idle when there is nothing), but a callback costs much less than resuming a
    generator, and staff work is most of a run's events.
    """

    def __init__(self, practice, staff_id, role, windows, hourly_wage=0.0, patient_rate=0.0):
        self.practice = practice
        self.env = practice.env
        self.staff_id = staff_id
        self.role = role
        self.windows = windows
        self.hourly_wage = hourly_wage
        self.patient_rate = patient_rate
        self.is_service = role == "answering_service"
        self.takes_calls = ROLE_TAKES_CALLS[role]
        # The channels of tasks this person works, among those the practice watches.
        self.task_channels = staff_channels(practice.cfg, role, practice.channels)
        self.shift_end = -1.0
        self.idle = False
        self.idle_since = 0.0  # when the person last went idle (see `catch_up`)
        self.listed_since = 0.0  # when they joined the practice's idle list
        self.item = None  # the work in hand
        self._window = 0  # index of the next shift window
        # Patients of the current shift window, arrival times ascending; those up to
        # `patient_next` have been seen. Read when the person looks for work, or caught up
        # with when an idle person is wanted (`catch_up`): an idle person's patients cost
        # no event unless someone needs the person in the middle of one.
        self.patient_times = ()
        self.patient_minutes = ()  # their handling times
        self.patient_next = 0
        # the stream and, once drawn, the (times, minutes) of the person's patients over the
        # horizon (Practice.schedule_patients)
        self.patient_stream = ""
        self.patient_process = None
        self.busy_lead_minutes = 0.0
        self.busy_patient_minutes = 0.0
        self.items = 0
        self._on_done = self._done  # one bound method for every item, not one per item
        # start at time 0 before anything else happens then (URGENT: where a SimPy process
        # started in the constructor would take its first step)
        self.env.call_in(0.0, self._next_window, None, URGENT)

    # ---------------------------------------------------------------- the working day

    def _next_window(self, _value=None) -> None:
        """Off shift: wait for the next window to open (there may be none)."""
        if self._window == len(self.windows):
            return
        start = self.windows[self._window][0]
        env = self.env
        if env.now < start:
            env.call_in(start - env.now, self._open_window)
        else:
            self._open_window(None)

    def _open_window(self, _value) -> None:
        end = self.windows[self._window][1]
        self._window += 1
        env = self.env
        self.shift_end = end
        self.practice.shift_started(self)
        env.call_in(end - env.now, self._end_shift)
        if self.patient_rate > 0:
            self.practice.schedule_patients(self, env.now, end)
        self._look_for_work()

    def _look_for_work(self, _value=None) -> None:
        """Free: take the next item by the practice's policy, or wait idle for one.
        Nothing new is started once the shift has ended."""
        if self.env.now >= self.shift_end:
            self._next_window()
            return
        item = self.practice.next_work(self)
        if item is None:
            self.idle = True
            self.idle_since = self.listed_since = self.env.now
            self.practice.go_idle(self)
        else:
            self._begin(item)

    def _begin(self, item) -> None:
        self.item = item
        duration = self.practice.begin(self, item)
        self.env.call_in(duration, self._on_done)

    def _done(self, _value) -> None:
        item, self.item = self.item, None
        self.practice.end(self, item)
        self._look_for_work()

    def start_now(self, item) -> None:
        """Hand an item to this idle person (already taken off the practice's idle list),
        who starts it at once."""
        self.idle = False
        self._begin(item)

    def _end_shift(self, _value) -> None:
        if self.idle:
            self.catch_up(self.env.now)  # with a patient at the desk: busy till done
        self.practice.shift_ended(self)
        if self.idle:  # idle at the end of the shift: off shift (busy: after the item)
            self.idle = False
            self.practice.leave_idle(self)
            self.env.call_in(0.0, self._look_for_work)

    # ---------------------------------------------------------------- patients

    def catch_up(self, now: float) -> bool:
        """An idle person is wanted at `now` (new work, the end of the shift or the run):
        see the patients who came to the desk since the person went idle, as a wake-up at
        each patient's arrival would have, and say whether the person is free now.

        Patients come before any other work and nothing this person could work has been
        queued while they were idle (whoever queues work first asks every idle person who
        could take it), so between two such moments the person's day is patients alone:
        run after run of them (Practice._see_patients), idle in between. Working it out
        only when asked costs no event per patient. A person caught in the middle of a
        run leaves the practice's idle list: they are busy with it, and a timer at its end
        sends them back to work as usual (False). Otherwise they are free, and
        `idle_since` is when their last run ended (True).

        The times are computed as the events would have been (a timer set at t for
        time u fires at t + (u - t)), so the run is the same to the last bit."""
        times, i = self.patient_times, self.patient_next
        if not times or i == len(times):
            return True
        s = self.idle_since
        start = s + (times[i] - s)  # the wake-up for the next patient
        if start > now:
            return True
        practice, n = self.practice, len(times)
        while True:
            end = start + practice._see_patients(self, start)
            if end > now or end >= self.shift_end:  # still with a patient at `now`
                self.idle = False
                practice.leave_idle(self)
                self.item = PATIENT
                self.env.call_at(end, self._on_done)
                return False
            i = self.patient_next
            if i < n and times[i] <= end:  # the next patient is already waiting
                start = end
                continue
            self.idle_since = end  # idle again: back to the end of the queue of idle staff
            if i == n:
                return True
            start = end + (times[i] - end)
            if start > now:
                return True
