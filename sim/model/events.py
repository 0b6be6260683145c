"""The event clock: SimPy's Environment, plus a cheaper way to say "call me at t".

Nearly every event of a leadsim run is a plain timer whose only job is to run one
callback (a staff member's item is done, an attempt falls due, the next caller rings):
no process waits on it, nothing is chained to it. A `simpy.Timeout` carries the whole
event protocol for that (an `Event` object with its own callback list, `schedule`, value
checks), which is a third of the cost of such a timer.

`Clock.call_in(delay, callback, value)` puts such a timer on SimPy's own queue with the
priority and sequence number a `Timeout` would get, so the order of events (time, then
priority, then first scheduled first) and therefore every run's result is exactly what
`env.timeout(delay, value).callbacks.append(...)` gives; `callback(value)` is called,
with no event object at all. The queue's entries are `(time, priority, sequence,
callback, value)`: SimPy's events go through `Clock.schedule` as `(..., None, event)`,
and `Clock.step` and `Clock.run` process both kinds (SimPy's events exactly as SimPy's
step does), so processes, `env.timeout` and `run(until=...)` work as usual beside the
timers. The sequence number makes every entry unique, so the heap never compares past it.
This reads and writes the Environment's queue and counter, which are private to SimPy:
this module is SimPy's adapter, the only one that touches SimPy's underscored attributes
(`_now`, `_queue`, `_eid`, an event's `_ok`, `_value`, `_defused`; tests/test_events.py
names each assumption). pyproject.toml pins SimPy 4 and tests/test_events.py checks the
order against `Timeout`s
and every way of running the clock against a plain Environment, so a SimPy change that
broke this would fail the tests, not the runs.

The model also reads the clock several times per event; SimPy's `now` is a property (a
function call per read in Python 3.11). A Clock keeps `now` as a plain attribute, set
with SimPy's `_now` where time moves: its `step` and `run` (`run(until=<time>)` loops
without a method call per event).
"""

from __future__ import annotations

from heapq import heappop, heappush

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT

__all__ = ["Clock", "NORMAL", "URGENT"]


class _Marker:
    """A queue entry with SimPy's event protocol and nothing to do but, perhaps, stop the
    run: the marker `Clock.run(until=<time>)` queues (its time ends the run), and the spent
    marker or timer SimPy leaves on the queue after a stop (no callbacks: a no-op)."""

    __slots__ = ("callbacks",)
    _ok = ok = True
    value = None

    def __init__(self, stops: bool) -> None:
        self.callbacks = [StopSimulation.callback] if stops else []


class Clock(simpy.Environment):
    """simpy.Environment with `call_in` / `call_at` for callback-only timers, and `now` a
    plain attribute."""

    now = 0.0  # shadows Environment.now (a property): see the module docstring

    def __init__(self, initial_time=0) -> None:
        super().__init__(initial_time)
        self.now = self._now

    def schedule(self, event, priority=NORMAL, delay=0) -> None:
        """Queue a SimPy event (what Environment.schedule does, in this queue's form)."""
        heappush(self._queue, (self._now + delay, priority, next(self._eid), None, event))

    def call_in(self, delay: float, callback, value=None, priority: int = NORMAL) -> None:
        """Call `callback(value)` `delay` minutes from now. The same order as
        `self.timeout(delay, value).callbacks.append(...)`."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self._queue, (self._now + delay, priority, next(self._eid), callback, value))

    def call_at(self, t: float, callback, value=None) -> None:
        """Call `callback(value)` at time `t` exactly (not now + (t - now), which floating
        point may round to a neighbour of t); `t` must not be in the past."""
        if t < self._now:
            raise ValueError(f"time {t} is in the past (now {self._now})")
        heappush(self._queue, (t, NORMAL, next(self._eid), callback, value))

    def scheduled(self) -> int:
        """How many entries (timers and events) have been queued so far: the next value
        of SimPy's id counter (`Environment._eid`, an itertools.count), read from its
        repr "count(N)" without advancing it. What a test counts to check an event cost
        (tests/test_events.py checks the assumption)."""
        return int(repr(self._eid)[len("count("):-1])

    def step(self) -> None:
        """Process the next entry: a timer's callback, or a SimPy event as SimPy does."""
        try:
            t, _, _, callback, value = heappop(self._queue)
        except IndexError:
            raise EmptySchedule from None
        self._now = self.now = t
        if callback is None:
            self._fire(value)
            return
        try:
            callback(value)
        except StopSimulation:  # as from a Timeout's callback: a spent entry stays
            self._spent(t)
            raise

    def run(self, until=None):
        """simpy.Environment.run; with a time as `until`, the loop of `step` inlined.

        Exactly SimPy's stop: a marker queued URGENT at now + (until - now) (so events due
        at that very time with NORMAL priority wait for the next run), left on the queue
        spent when it stops the run, and a StopSimulation from any event or timer ends the
        run with its value. tests/test_events_fuzz.py runs random SimPy programs on both."""
        if until is None or isinstance(until, simpy.Event):
            return super().run(until)
        at = until if isinstance(until, int) else float(until)
        now = self._now
        if at <= now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        stop = _Marker(stops=True)
        queue = self._queue
        heappush(queue, (now + (at - now), URGENT, next(self._eid), None, stop))
        try:
            while True:
                t, _, _, callback, value = heappop(queue)  # the marker is queued: not empty
                self._now = self.now = t
                if callback is not None:  # a timer (most entries): as in `step`
                    try:
                        callback(value)
                    except StopSimulation:
                        self._spent(t)
                        raise
                elif value is stop:
                    self._spent(t)
                    return None
                else:
                    self._fire(value)
        except StopSimulation as exc:
            return exc.args[0]

    def _fire(self, event) -> None:
        """Run a SimPy event's callbacks, as simpy.Environment.step does."""
        callbacks, event.callbacks = event.callbacks, None
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:  # `run(until=event)` stops: the rest run when it resumes
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, URGENT - 1)
            raise
        if not event._ok and not hasattr(event, "_defused"):
            _crash(event)

    def _spent(self, t: float) -> None:
        """What SimPy leaves on the queue when an event's callback stops the run: the
        event, with no callbacks left, at `t` before everything else (a no-op)."""
        heappush(self._queue, (t, URGENT - 1, next(self._eid), None, _Marker(stops=False)))


def _crash(event) -> None:
    """A failed event nobody defused stops the run with its error (as in SimPy)."""
    exc = type(event._value)(*event._value.args)
    exc.__cause__ = event._value
    raise exc
