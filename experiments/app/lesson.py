"""The lesson: the app's controls turned into a leadsim config, and the model it steps.

A thin layer over the public API. The controls become the same overrides one would type
after `leadsim run` (`lesson_overrides`), `sim.load_config` composes and validates them,
and `Lesson` steps the `LeadMarket` built from that config a day at a time. Nothing of
the model is changed or re-implemented here.

    lesson = Lesson(delay="5", staff="2", profile="lrm2007")
    lesson.error            # None, or the one line sim.load_config raised
    lesson.command_line     # "leadsim run practices.alpha.policy.first_response_... ..."
    lesson.step()           # one simulated day
"""

from __future__ import annotations

import functools
import logging
import re
import threading

import mesa

import sim
from sim.config import CHANNELS, ConfigError

FOCAL = "alpha"  # the practice the class runs: the market's focal slot (plans go there)
PROFILES = ("aesthetic", "lrm2007", "hbr2011")
DAYS = 365  # a year of prospects; then a week for the open inquiries, and the run stops
MAX_STAFF = 20

DELAY_KEY = f"practices.{FOCAL}.policy.first_response_delay_minutes"
STAFF_KEY = f"practices.{FOCAL}.roster.0.staff"
CHANNELS_KEY = f"practices.{FOCAL}.channels"

# The controls and their starting values: the default market as shipped (the focal
# practice is the solo front desk of configs/practice/solo_front_desk.yaml).
DEFAULTS = {
    "delay": "1440",
    "staff": "1",
    "channels": "phone, web_form",
    "auto_responder": False,
    "answering_service": False,
    "prospects_per_day": 30,
    "profile": "aesthetic",
    "seed": "0",
}

# Hydra composes through one global instance: the page's sessions and the speed-to-lead
# curves' thread take turns.
COMPOSE_LOCK = threading.RLock()


def load_config(overrides: list[str]):
    """sim.load_config, one composition at a time."""
    with COMPOSE_LOCK:
        return sim.load_config(overrides)


# A typed value goes into an override only as a plain number or name: anything else
# (a Hydra interpolation such as ${oc.env:HOME}, a sweep "5,10", a second "key=value")
# is refused here in the words the validation uses for a value of the wrong type.
_PLAIN = re.compile(r"[A-Za-z0-9_.+-]+")


def _typed(text, key: str, allowed: str) -> str:
    text = str(text).strip()
    if not _PLAIN.fullmatch(text):
        raise ConfigError(f"{key}: {text!r} is not allowed (allowed: {allowed})")
    return text


def _flag(value) -> str:
    if isinstance(value, str):
        return value.strip().lower()
    return "true" if value else "false"


@functools.cache
def _archetype_patient_share() -> float:
    """The focal practice's share of front-desk time spent on the patients at the desk,
    as its archetype sets it (a second person shares those patients, as the shipped plan
    `second_front_desk` does: the practice does not get more patients by hiring)."""
    return float(load_config([]).practices[FOCAL].patient_share)


def lesson_overrides(delay=DEFAULTS["delay"], staff=DEFAULTS["staff"],
                     channels=DEFAULTS["channels"], auto_responder=False,
                     answering_service=False, prospects_per_day=30, profile="aesthetic",
                     seed=DEFAULTS["seed"]) -> list[str]:
    """The overrides of `leadsim run` that the controls stand for. Raises ConfigError for
    a value that cannot be one (the rest is checked by sim.load_config)."""
    overrides = [
        f"prospect={_typed(profile, 'prospect', ', '.join(PROFILES))}",
        f"market.days={DAYS}",
        "market.prospects_per_day="
        + _typed(prospects_per_day, "market.prospects_per_day", "a number"),
        f"seed={_typed(seed, 'seed', 'a whole number')}",
        f"{DELAY_KEY}={_typed(delay, DELAY_KEY, 'a number')}",
    ]
    people = _typed(staff, STAFF_KEY, "a whole number")
    if re.fullmatch(r"[+-]?\d+", people):
        n = int(people)
        if not 1 <= n <= MAX_STAFF:
            # the command line allows 0 (a practice run by its answering service); the app
            # is about people answering, so it asks for at least one
            raise ConfigError(f"practices.{FOCAL}.roster[0].staff: {n} is not allowed "
                              f"(allowed: a whole number from 1 to {MAX_STAFF})")
        overrides.append(f"{STAFF_KEY}={n}")
        if n != 1:
            share = _archetype_patient_share() / n
            overrides.append(f"practices.{FOCAL}.patient_share={share:.6g}")
    else:
        overrides.append(f"{STAFF_KEY}={people}")  # sim.load_config says what is wrong
    names = [c for c in re.split(r"[\s,]+", str(channels).strip()) if c]
    for i, name in enumerate(names):
        _typed(name, f"{CHANNELS_KEY}[{i}]", ", ".join(CHANNELS))
    overrides.append(f"{CHANNELS_KEY}=[{','.join(names)}]")
    overrides.append(f"practices.{FOCAL}.auto_responder.enabled={_flag(auto_responder)}")
    overrides.append(
        f"practices.{FOCAL}.answering_service.enabled={_flag(answering_service)}")
    return overrides


class Lesson(mesa.Model):
    """What the app's Play, Step and Reset drive: the market of these controls.

    Mesa's SolaraViz makes a new one with the controls' values on Reset. Controls that
    sim.load_config refuses give a lesson that does not run (`error` is the one line,
    `running` is False), so the page says what is wrong instead of failing.
    """

    def __init__(self, delay=DEFAULTS["delay"], staff=DEFAULTS["staff"],
                 channels=DEFAULTS["channels"], auto_responder=False,
                 answering_service=False, prospects_per_day=30, profile="aesthetic",
                 seed=DEFAULTS["seed"]):
        super().__init__()
        self.controls = {"delay": delay, "staff": staff, "channels": channels,
                         "auto_responder": auto_responder,
                         "answering_service": answering_service,
                         "prospects_per_day": prospects_per_day, "profile": profile,
                         "seed": seed}
        self.error: str | None = None
        self.overrides: list[str] = []
        self.config = None
        self.market = None
        self._closed = False
        try:
            self.overrides = lesson_overrides(**self.controls)
            self.config = load_config(self.overrides)
        except ConfigError as exc:
            self.error = str(exc)
            self.running = False
            return
        import sim

        logging.getLogger("MESA").setLevel(logging.WARNING)
        self.market = sim.build_model(self.config)

    @property
    def command_line(self) -> str:
        return "leadsim run " + " ".join(self.overrides)

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.market.steps if self.market is not None else 0

    def step(self) -> None:
        """One simulated day; the lesson stops once the market's horizon is reached."""
        if self.market is not None and self.market.steps < self.market.horizon_days:
            self.market.step()
            if self.market.steps >= self.market.horizon_days:
                self.close()  # the last day: what is still open ends, as at the end of a run
        else:
            self.running = False
        self.steps = self.day  # Mesa counts every call; the lesson counts days simulated

    def close(self) -> None:
        """End the market's run (open inquiries get their outcome, Mesa's id counter for
        it is dropped); the lesson stops. Reset calls it on the lesson it replaces."""
        self.running = False
        if self.market is not None and not self._closed:
            self._closed = True
            self.market.finish()
