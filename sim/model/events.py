"""The event clock: SimPy's Environment, plus a cheaper way to say "call me at t".

Nearly every event of a leadsim run is a plain timer whose only job is to run one
callback (a staff member's item is done, an attempt falls due, the next caller rings):
no process waits on it, nothing is chained to it. A `simpy.Timeout` carries the whole
event protocol for that (an `Event` object with its own callback list, `schedule`, value
checks), which is a third of the cost of such a timer.

`Clock.call_in(delay, callback, value)` puts a minimal event on the same SimPy queue,
with the same priority and sequence number a `Timeout` would get, so the order of events
(time, then priority, then first scheduled first) and therefore every run's result is
exactly what `env.timeout(delay, value).callbacks.append(callback)` gives. `Clock.step`
and `Clock.run` are SimPy's own: processes, `env.timeout` and `run(until=...)` work as
usual beside it. The minimal event reads the Environment's queue and counter, which are
private to SimPy; pyproject.toml pins SimPy 4 and tests/test_events.py checks the order
against `Timeout`s, so a SimPy change that broke this would fail the tests, not the runs.
"""

from __future__ import annotations

from heapq import heappush

import simpy
from simpy.events import NORMAL, URGENT

__all__ = ["Clock", "Call", "NORMAL", "URGENT"]


class Call:
    """A timer event that runs one callback with `value` (what SimPy's step needs: the
    callbacks, and `_ok`, always true: a timer cannot fail)."""

    __slots__ = ("callbacks", "value")
    _ok = True

    def __init__(self, callback, value):
        self.callbacks = (callback,)
        self.value = value


class Clock(simpy.Environment):
    """simpy.Environment with `call_in` for callback-only timers."""

    def call_in(self, delay: float, callback, value=None, priority: int = NORMAL) -> None:
        """Run `callback(event)` `delay` minutes from now; `event.value` is `value`. The
        same order as `self.timeout(delay, value).callbacks.append(callback)`."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self._queue, (self._now + delay, priority, next(self._eid),
                               Call(callback, value)))

    def call_at(self, t: float, callback, value=None) -> None:
        """Run `callback(event)` at time `t` exactly (not now + (t - now), which floating
        point may round to a neighbour of t); `t` must not be in the past."""
        if t < self._now:
            raise ValueError(f"time {t} is in the past (now {self._now})")
        heappush(self._queue, (t, NORMAL, next(self._eid), Call(callback, value)))
