"""Random SimPy programs run on a plain simpy.Environment and on leadsim's Clock must
leave the same trace: every time, value, order, exception and `now` read along the way.

The Clock (sim/model/events.py) processes SimPy's events with its own `step` and `run`
and keeps `now` as an attribute; this is the check that it does so exactly as SimPy
does, for code using SimPy's public API: processes, timeouts, resources (priority,
preemptive), stores, containers, conditions, shared events that succeed, fail or are
defused, interrupts, `StopSimulation` raised from processes, and a driver that runs the
clock in random pieces (`run(until=<time | event | process>)`, `step()`, `run()`,
`peek()`). Timers go through `call_in` on the Clock and through a Timeout's callback on
SimPy. A review of the Clock found four differences this way (the spent `until` marker,
a StopSimulation escaping `run(until=<time>)`, the marker's rounding, the start time).
"""

from __future__ import annotations

import random

import pytest
import simpy
from simpy.core import StopSimulation

from sim.model.events import Clock


class Boom(Exception):
    pass


def program(env, seed: int, nice: bool) -> list[tuple]:
    """Run one random program on `env`; return its trace. `nice`: times on a grid of
    quarters (many ties), else arbitrary floats."""
    rng = random.Random(seed)
    log: list[tuple] = []
    write = log.append

    def delay() -> float:
        if nice:
            return rng.choice([0, 0, 0.25, 0.5, 1, 1, 2, 3.75, 1.5])
        return rng.choice([0, rng.random() * 5, rng.expovariate(1.0), 1, 0.1, 0.2, 0.3])

    resources = [simpy.Resource(env, capacity=rng.randint(1, 3)),
                 simpy.PriorityResource(env, capacity=rng.randint(1, 2)),
                 simpy.PreemptiveResource(env, capacity=rng.randint(1, 2))]
    store = simpy.Store(env, capacity=rng.randint(1, 4))
    filter_store = simpy.FilterStore(env)
    priority_store = simpy.PriorityStore(env)
    tank = simpy.Container(env, capacity=10, init=rng.randint(0, 10))
    shared = [env.event() for _ in range(6)]
    procs: list = []

    def active() -> int | None:
        p = env.active_process
        return getattr(p, "pname", None) if p is not None else None

    def logging_callback(tag):
        return lambda ev: write(("cb", tag, env.now, env._now, ev.ok, repr(ev._value)[:40],
                                 active()))

    def worker(k: int, depth: int):
        write(("start", k, env.now, active()))
        for step in range(rng.randint(1, 8)):
            a = rng.randrange(16)
            try:
                if a <= 3:
                    v = yield env.timeout(delay(), value=(k, step))
                    write(("timeout", k, env.now, v))
                elif a == 4:
                    r = rng.choice(resources)
                    kw = {}
                    if isinstance(r, simpy.PriorityResource):
                        kw["priority"] = rng.randint(0, 2)
                    if isinstance(r, simpy.PreemptiveResource):
                        kw["preempt"] = rng.random() < 0.5
                    with r.request(**kw) as req:
                        got = yield req | env.timeout(delay())
                        write(("request", k, env.now, req in got, r.count))
                        if req in got:
                            yield env.timeout(delay())
                    write(("release", k, env.now))
                elif a == 5:
                    if rng.random() < 0.5:
                        yield store.put((k, step))
                        write(("put", k, env.now, len(store.items)))
                    else:
                        got = yield store.get() | env.timeout(delay())
                        write(("get", k, env.now, sorted(map(repr, got.values()))))
                elif a == 6:
                    if rng.random() < 0.5:
                        yield tank.put(rng.randint(1, 4))
                        write(("tank put", k, env.now, tank.level))
                    else:
                        g = tank.get(rng.randint(1, 4))
                        got = yield g | env.timeout(delay())
                        if g not in got:
                            g.cancel()
                        write(("tank get", k, env.now, tank.level, g.triggered))
                elif a == 7:
                    ev = rng.choice(shared)
                    if not ev.triggered:
                        if rng.random() < 0.7:
                            ev.succeed((k, step))
                        else:
                            ev.fail(Boom(k, step))
                            if rng.random() < 0.5:
                                ev.defused = True
                        write(("trigger", k, env.now, shared.index(ev)))
                    v = yield ev
                    write(("waited", k, env.now, v))
                elif a == 8:
                    evs = [env.timeout(delay(), i) for i in range(rng.randint(0, 3))]
                    evs += rng.sample(shared, 1)
                    cond = env.all_of(evs) if rng.random() < 0.5 else env.any_of(evs)
                    cond.callbacks.append(logging_callback(("cond", k)))
                    v = yield cond
                    write(("cond", k, env.now, sorted(repr(e._value)[:30] for e in v)))
                elif a == 9:
                    t1, t2 = env.timeout(delay(), 1), env.timeout(delay(), 2)
                    v = yield (t1 & t2) if rng.random() < 0.5 else (t1 | t2)
                    write(("and/or", k, env.now, sorted(v.values())))
                elif a == 10:
                    alive = [p for p in procs if p.is_alive and p is not env.active_process]
                    if alive:
                        p = rng.choice(alive)
                        p.interrupt((k, step))
                        write(("interrupt", k, env.now, p.pname))
                    yield env.timeout(0)
                elif a == 11 and depth < 3:
                    p = spawn(depth + 1)
                    if rng.random() < 0.3:
                        v = yield p
                        write(("joined", k, env.now, v))
                elif a == 12:
                    if rng.random() < 0.2:
                        raise Boom("worker", k)
                    yield env.timeout(delay())
                elif a == 13:
                    write(("peek", k, env.now, env.peek()))
                    ev = env.event()
                    env.timeout(delay()).callbacks.append(
                        lambda e, ev=ev: ev.succeed(env.now))
                    v = yield ev
                    write(("chained", k, env.now, v))
                elif a == 14:
                    yield priority_store.put(simpy.PriorityItem(rng.randint(0, 3), (k, step)))
                    got = yield priority_store.get() | env.timeout(delay())
                    write(("priority store", k, env.now, sorted(repr(x) for x in got.values())))
                else:
                    yield filter_store.put(rng.randint(0, 5))
                    want = rng.randint(0, 5)
                    got = yield filter_store.get(lambda x, w=want: x == w) | env.timeout(delay())
                    write(("filter store", k, env.now, sorted(repr(x) for x in got.values())))
            except simpy.Interrupt as i:
                cause = i.cause
                if isinstance(cause, simpy.resources.resource.Preempted):
                    cause = ("preempted", getattr(cause.by, "pname", None), cause.usage_since)
                write(("interrupted", k, env.now, cause))
            except Boom as b:
                write(("caught", k, env.now, b.args))
        if rng.random() < 0.02:
            raise StopSimulation(("stop", k))
        if rng.random() < 0.1:
            raise Boom("end", k)
        return ("returned", k, env.now)

    counter = [0]

    def spawn(depth: int = 0):
        counter[0] += 1
        k = counter[0]
        p = env.process(worker(k, depth))
        p.pname = k
        if rng.random() < 0.3:
            p.callbacks.append(logging_callback(("process", k)))
        if rng.random() < 0.3:
            p.defused = True  # its failure, if any, does not crash the run
        procs.append(p)
        return p

    for _ in range(rng.randint(1, 12)):
        spawn()
    for i in range(rng.randint(0, 5)):
        env.timeout(delay(), i).callbacks.append(logging_callback(("plain", i)))

    def timer(d, fn, value):
        if isinstance(env, Clock):
            env.call_in(d, fn, value)
        else:
            env.timeout(d, value).callbacks.append(lambda e: fn(e.value))

    def on_timer(v):
        write(("timer", v, env.now, env._now, active(), env.peek()))
        x = rng.randrange(6)
        if x == 0 and v < 60:
            timer(delay(), on_timer, v + 10)
            timer(delay(), on_timer, v + 20)
        elif x == 1:
            ev = rng.choice(shared)
            if not ev.triggered:
                ev.succeed(("timer", v))
        elif x == 2:
            spawn()
        elif x == 3:
            alive = [p for p in procs if p.is_alive]
            if alive:
                rng.choice(alive).interrupt(("timer", v))
        elif x == 4 and rng.random() < 0.1:
            raise Boom("timer", v)

    for i in range(rng.randint(0, 6)):
        timer(delay(), on_timer, i)

    for r in range(rng.randint(1, 12)):  # the driver: run the clock in random pieces
        c = rng.randrange(9)
        try:
            if c <= 2:
                if nice:
                    at = env.now + rng.choice([0.25, 0.5, 1, 2, 3]) * rng.randint(1, 3)
                    if rng.random() < 0.3:
                        at = int(at) + 1
                else:
                    at = env.now + rng.random() * 4 + 1e-9
                write(("run until", r, env.run(until=at), env.now, env._now))
            elif c == 3:
                ev = rng.choice(procs + shared)
                write(("run until event", r, repr(env.run(until=ev))[:60], env.now))
            elif c == 4:
                env.step()
                write(("step", r, env.now))
            elif c == 5:
                write(("peek", r, env.peek(), env.now))
            elif c == 6:
                spawn()
                write(("spawned", r))
            elif c == 7:
                write(("run until timeout", r, env.run(until=env.timeout(delay(), "u")),
                       env.now))
            else:
                write(("run", r, env.run(), env.now))
        except Exception as e:
            write(("error", r, type(e).__name__, str(e.args)[:80], env.now, env._now))
    try:
        write(("final run", env.run(), env.now))
    except Exception as e:
        write(("error at the end", type(e).__name__, str(e.args)[:80], env.now))
    write(("end", env.now, env._now, env.peek()))
    return log


@pytest.mark.parametrize("nice, seeds", [(True, range(0, 200)), (True, range(200, 400)),
                                         (False, range(0, 300))])
def test_random_programs_run_the_same_on_the_clock_and_on_simpy(nice, seeds):
    differ = []
    for seed in seeds:
        plain = [repr(x) for x in program(simpy.Environment(0), seed, nice)]
        ours = [repr(x) for x in program(Clock(0), seed, nice)]
        if ours != plain:
            first = next((i for i, (a, b) in enumerate(zip(plain, ours)) if a != b),
                         min(len(plain), len(ours)))
            differ.append((seed, first, plain[first:first + 1], ours[first:first + 1]))
    assert not differ, f"{len(differ)} of {len(seeds)} programs differ, first: {differ[0]}"


def test_the_programs_are_varied():
    """The trace covers what it means to: errors, stops, interrupts, runs in pieces."""
    text = " ".join(" ".join(map(repr, program(simpy.Environment(0), s, True)))
                    for s in range(60))
    for what in ("'interrupted'", "'caught'", "'run until'", "'step'", "'timer'", "'cond'",
                 "StopSimulation", "'stop'", "'error'", "'joined'", "'peek'"):
        assert what in text, what
