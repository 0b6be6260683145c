"""The event clock's cheap timers (sim/model/events.py) keep SimPy's order of events.

`Clock.call_in` reaches into SimPy's queue; if a SimPy release changed how events are
ordered or stepped, these fail before any run's results silently change.
"""

from __future__ import annotations

import pytest
import simpy
from simpy.core import EmptySchedule, StopSimulation

from sim.model.events import NORMAL, URGENT, Clock


def _log(env, seen, tag):
    """A timer's callback: called with the timer's value."""
    return lambda value: seen.append((env.now, tag, value))


def _log_event(env, seen, tag):
    """A SimPy event's callback: called with the event."""
    return lambda event: seen.append((env.now, tag, event.value))


def test_call_in_orders_like_timeouts_time_priority_then_first_scheduled():
    env = Clock()
    seen = []
    # interleave the two kinds, with ties in time, to check one shared sequence
    env.timeout(5, "t1").callbacks.append(_log_event(env, seen, "timeout"))
    env.call_in(5, _log(env, seen, "call"), "c1")
    env.call_in(2, _log(env, seen, "call"), "c0")
    env.timeout(5, "t2").callbacks.append(_log_event(env, seen, "timeout"))
    env.call_in(5, _log(env, seen, "call"), "c2")
    env.call_in(5, _log(env, seen, "urgent"), "u", URGENT)  # same time, runs first
    env.run()
    assert seen == [(2, "call", "c0"), (5, "urgent", "u"), (5, "timeout", "t1"),
                    (5, "call", "c1"), (5, "timeout", "t2"), (5, "call", "c2")]


def test_call_in_matches_a_plain_simpy_environment_event_for_event():
    """The same chain of timers on a simpy.Environment (with Timeouts) and on a Clock
    (with call_in) visits the same times in the same order."""

    def chain(env, schedule):
        seen = []

        def tick(k):
            seen.append((env.now, k))
            if k < 200:
                # two timers per tick, one of them tying with a later tick
                schedule(env, (k * 7919) % 13 / 4.0, tick, k + 1)
                schedule(env, 1.25, lambda v: seen.append((env.now, "tie", v)), k)

        schedule(env, 0.0, tick, 0)
        env.run(until=50)  # in pieces: run(until=<time>), then to the end
        env.run(until=120.5)
        env.run()
        return seen

    def with_timeout(env, delay, callback, value):
        env.timeout(delay, value).callbacks.append(lambda event: callback(event.value))

    def with_call(env, delay, callback, value):
        env.call_in(delay, callback, value)

    plain = chain(simpy.Environment(), with_timeout)
    assert len(plain) == 201 + 200
    assert chain(Clock(), with_call) == plain


def test_call_in_beside_processes_and_run_until():
    env = Clock()
    seen = []

    def proc():
        yield env.timeout(3)
        seen.append((env.now, "process"))

    env.process(proc())
    env.call_in(3, lambda e: seen.append((env.now, "call")))
    env.call_in(10, lambda e: seen.append((env.now, "late")))
    env.run(until=10)  # `until` stops before NORMAL events at that very time
    # the process schedules its timeout when it starts (at run), after both call_in
    assert seen == [(3, "call"), (3, "process")]
    assert env.now == 10
    env.run()
    assert seen[-1] == (10, "late")


def test_call_in_refuses_a_negative_delay():
    env = Clock()
    with pytest.raises(ValueError, match="negative delay"):
        env.call_in(-1e-9, lambda e: None)
    assert NORMAL != URGENT


def _script(env, log):
    """Processes, timeouts, a failing event, and every way of running the clock."""

    def worker(name, gap):
        for k in range(4):
            yield env.timeout(gap)
            log.append((env.now, name, k))
        return name

    def failing():
        yield env.timeout(2.5)
        raise KeyError("boom")

    env.process(worker("a", 1.5))
    done = env.process(worker("b", 0.75))
    env.timeout(3, "t").callbacks.append(lambda e: log.append((env.now, "timeout", e.value)))
    log.append(("run until 2", env.run(until=2), env.now))
    log.append(("run until b", env.run(until=done), env.now))  # returns the process's value
    env.step()
    log.append(("step", env.now))
    env.process(failing())
    with pytest.raises(KeyError, match="boom"):  # an undefused failure stops the run
        env.run(until=100)
    log.append(("after the failure", env.now))
    log.append(("run until 7", env.run(until=7), env.now))
    pending = env.event()  # a run until it ends in an error; a later run meets it
    env.process(failing())
    with pytest.raises(KeyError):
        env.run(until=pending)
    pending.succeed("pending")
    log.append(("run until 50 meets it", env.run(until=50), env.now))
    env.run()
    log.append(("empty", env.now))


def test_clock_runs_steps_and_reads_now_exactly_as_simpy():
    """Clock's own step and run (and `now`, an attribute there) against SimPy's."""
    plain, ours = [], []
    _script(simpy.Environment(), plain)
    _script(Clock(), ours)
    assert ours == plain
    assert ("run until b", "b", 3.0) in ours


def test_clock_now_is_the_time_of_the_event_being_processed():
    env = Clock(initial_time=5)
    seen = []
    env.call_in(1.5, lambda value: seen.append(env.now))
    env.timeout(2).callbacks.append(lambda e: seen.append(env.now))
    assert env.now == 5
    env.run(until=6.75)
    assert seen == [6.5] and env.now == 6.75 == env._now
    with pytest.raises(ValueError, match="until"):
        env.run(until=6)
    env.step()  # SimPy's spent `until` marker, still queued at 6.75: a no-op
    assert seen == [6.5] and env.now == 6.75
    env.step()
    assert seen == [6.5, 7] and env.now == 7


def _until_then_step(env, log):
    env.timeout(5, "five")
    log.append(("run", env.run(until=3), env.now, env.peek()))
    env.step()  # SimPy: its spent `until` event, at 3 (a no-op)
    log.append(("step", env.now, env.peek()))
    log.append(("run", env.run(until=4), env.now))
    env.run()
    log.append(("end", env.now, env.peek()))
    with pytest.raises(EmptySchedule):
        env.step()


def test_run_until_a_time_leaves_the_queue_as_simpy_does():
    plain, ours = [], []
    _until_then_step(simpy.Environment(), plain)
    _until_then_step(Clock(), ours)
    assert ours == plain


@pytest.mark.parametrize("until", [10, None])
def test_a_process_raising_stop_simulation_ends_the_run_with_its_value(until):
    def run(env):
        def stopper():
            yield env.timeout(1)
            raise StopSimulation("halt")

        env.process(stopper())
        return env.run(until=until), env.now

    assert run(Clock()) == run(simpy.Environment()) == ("halt", 1)


def test_an_event_failed_with_stop_simulation_ends_the_run_with_its_value():
    def run(env):
        env.event().fail(StopSimulation("x"))
        return env.run(until=5), env.now

    assert run(Clock()) == run(simpy.Environment()) == ("x", 0)


def test_a_timer_raising_stop_simulation_ends_the_run_like_a_timeout_callback():
    def stop(_):
        raise StopSimulation("cb")

    def run(env, timer):
        timer(env, 2, stop)
        return env.run(until=10), env.now, env.peek()

    plain = run(simpy.Environment(), lambda env, d, f: env.timeout(d).callbacks.append(f))
    assert run(Clock(), lambda env, d, f: env.call_in(d, f)) == plain == ("cb", 2, 2)


@pytest.mark.parametrize("start, until", [(72.14844075832684, 2607.2429901727905), (2.5, 5)])
def test_run_until_stops_at_simpys_time(start, until):
    """SimPy queues its marker at now + (until - now): rounding, and int or float."""

    def run(env):
        seen = []
        env.timeout(start)
        env.run()
        env.timeout(until - start, "due").callbacks.append(lambda e: seen.append(env.now))
        env.run(until=until)
        return repr(env.now), env.peek(), seen

    assert run(Clock()) == run(simpy.Environment())


def test_the_clock_starts_where_simpy_does():
    assert repr(Clock().now) == repr(simpy.Environment().now)


def test_scheduled_counts_every_queued_entry_without_advancing_the_counter():
    """Clock.scheduled reads SimPy's id counter from its repr ("count(N)"): if a SimPy or
    Python release changed that, event-cost tests would count wrongly; this fails first."""
    env = Clock()
    start = env.scheduled()
    for k in range(5):
        env.call_in(k, lambda value: None)
    env.timeout(2)
    assert env.scheduled() == start + 6
    assert env.scheduled() == start + 6  # reading it does not count
    env.run()
    assert env.scheduled() == start + 6


def test_the_simpy_private_parts_the_clock_relies_on():
    """sim/model/events.py is SimPy's adapter: the one module that reads SimPy's private
    attributes. Each assertion names one assumption, so a SimPy release that changes it
    fails here by name (pyproject.toml pins SimPy 4)."""
    import itertools

    env = simpy.Environment(3)
    assert env._now == env.now == 3, "assumption broken: Environment keeps its time in `_now`"
    assert isinstance(env._queue, list) and not env._queue, \
        "assumption broken: Environment's queue is the heap list `_queue`"
    assert isinstance(env._eid, itertools.count) and repr(env._eid) == "count(0)", \
        "assumption broken: Environment's sequence numbers come from `_eid`, a count"
    timeout = env.timeout(2, "v")
    assert env._queue == [(5, NORMAL, 0, timeout)], \
        "assumption broken: a queue entry is (time, priority, sequence, event)"
    assert (NORMAL, URGENT) == (1, 0), "assumption broken: URGENT sorts before NORMAL"
    assert timeout._ok is True and timeout._value == "v", \
        "assumption broken: an event's outcome is in `_ok` and `_value`"
    failed = env.event()
    failed.fail(RuntimeError("x"))
    assert failed._ok is False and not hasattr(failed, "_defused"), \
        "assumption broken: a failed event is `_ok` False, `_defused` absent until defused"
    failed.defused = True
    assert failed._defused is True, "assumption broken: `defused = True` sets `_defused`"
