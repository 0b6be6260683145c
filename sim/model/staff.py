"""Staff: people (and an outside answering service) who work the practice's leads.

Each staff member is a SimPy process that lives through its shift windows. Inside a
window it takes the next piece of work by the practice's policy, spends a handling time
on it, and records the result; with nothing to do it waits, idle, until work arrives or
the shift ends. It never picks up work outside a window, and finishes the item in hand
when a window closes. A SimPy Resource cannot change capacity, which is why shifts are
modelled with these processes instead.

Roles decide what a person can work:
- front_desk: live calls, every written channel, and the existing patients at the desk;
- coordinator: live calls and every written channel (a dedicated lead coordinator);
- social_media: chat, SMS, social and review-site messages; no phone;
- answering_service: live calls only; takes a message that becomes a call-back task.
"""

from __future__ import annotations

from simpy.events import NORMAL

from ..config import CHANNELS

ROLE_CHANNELS = {
    "front_desk": tuple(CHANNELS),
    "coordinator": tuple(CHANNELS),
    "social_media": ("chat", "sms", "social_dm", "review_site"),
    "answering_service": (),
}
ROLE_TAKES_CALLS = {
    "front_desk": True,
    "coordinator": True,
    "social_media": False,
    "answering_service": True,
}
PATIENT = "patient"  # the work item of an existing patient at the desk


class Handed:
    """An item handed to an idle person and begun at the hand-over (see Staff.start_now)."""

    __slots__ = ("item",)

    def __init__(self, item):
        self.item = item


class Staff:
    """One person (or one answering-service agent) on a roster.

    Parameters: the practice, an id, the role, the (start, end) windows of its shifts in
    minutes, the hourly wage, and the rate of existing-patient work per minute on shift.
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
        # The channels of tasks this person works, intersected with what the practice monitors.
        self.task_channels = tuple(c for c in ROLE_CHANNELS[role] if c in practice.channels)
        self.shift_end = -1.0
        self.on_shift = False
        self.wake = None
        # Patients of the current shift window, arrival times ascending; those up to
        # `patient_next` have been seen. Read when the person looks for work, so patients
        # who come while the person is busy cost no event.
        self.patient_times = ()
        self.patient_next = 0
        self.busy_lead_minutes = 0.0
        self.busy_patient_minutes = 0.0
        self.items = 0
        self.process = self.env.process(self.work())

    def can_work(self, channel: str) -> bool:
        return channel in self.task_channels

    def work(self):
        """The story of a working day, window after window."""
        env, practice = self.env, self.practice
        for start, end in self.windows:
            if env.now < start:
                yield env.timeout(start - env.now)
            self._start_shift(end)
            while env.now < end:
                item = practice.next_work(self)
                if item is None:
                    self.wake = env.event()
                    practice.go_idle(self)
                    self._expect_patient()
                    item = yield self.wake
                    self.wake = None
                    if item is None:  # the shift ended while idle
                        continue
                    if type(item) is Handed:  # handed over and begun while idle: now done
                        practice.end(self, item.item)
                        continue
                    if item is not PATIENT and item.outcome is not None:
                        continue  # closed between the hand-over and now (booked elsewhere)
                duration = practice.begin(self, item)
                yield env.timeout(duration)
                practice.end(self, item)
            self.on_shift = False

    def _start_shift(self, end: float) -> None:
        env = self.env
        self.shift_end = end
        self.on_shift = True
        self.practice.shift_started(self)
        env.timeout(end - env.now).callbacks.append(self._end_shift)
        if self.patient_rate > 0:
            self.practice.schedule_patients(self, env.now, end)

    def _end_shift(self, _event) -> None:
        self.practice.shift_ended(self)
        if self.wake is not None and not self.wake.triggered:
            self.practice.leave_idle(self)
            self.wake.succeed(None)

    def _expect_patient(self) -> None:
        """Going idle: wake up when the next patient of this window comes."""
        times, i = self.patient_times, self.patient_next
        if times and i < len(times):
            self.env.timeout(times[i] - self.env.now, self.wake).callbacks.append(
                self.patient_due
            )

    def patient_due(self, event) -> None:
        """The next patient arrives; if this person is still in the same idle spell, they
        start with the patient at once (otherwise the patient waits in `patient_times`)."""
        wake = event.value
        if wake is self.wake and not wake.triggered:
            self.practice.leave_idle(self)
            self.patient_next += 1
            self.start_now(PATIENT)

    def start_now(self, item) -> None:
        """Hand an item to this idle person, who starts it at once.

        The idle wait itself becomes the handling time: the wake-up event is scheduled to
        fire when the work is done, exactly as `env.timeout(duration)` would (SimPy's
        Timeout sets the same two fields), so a hand-over costs one event, not two.
        """
        duration = self.practice.begin(self, item)
        wake = self.wake
        wake._ok = True
        wake._value = Handed(item)
        self.env.schedule(wake, NORMAL, duration)
