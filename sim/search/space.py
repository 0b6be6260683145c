"""The plan space of `leadsim optimise`: a manager's decisions, each a change to the focal
practice, with the bounds and steps of the `search=` config group (configs/search/).

A point of the space is a dict {decision: value}; `SearchSpace.plan(point)` turns it into a
`sim.config.PlanConfig` (changes to whatever practice sits in the focal slot, applied by
sim.plans), so a point means the same on an archetype, a user's practice or a fitted one.
Decisions left out of the config change nothing; `fixed: VALUE` takes one out of the search
but still applies it. Pure: no files, no Hydra; Optuna is used only through the `trial`
object handed to `suggest`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

from ..config import (
    WEEKDAYS,
    AnsweringServiceChange,
    AutoResponderChange,
    ConfigError,
    Day,
    Discipline,
    PlanConfig,
    PolicyChange,
    Role,
    ServiceHours,
    ShiftAddition,
    UnifiedInboxChange,
    parse_clock,
    validate_plan,
)

KEY = "search"
HALF_HOUR = 30
# decision -> (kind, what its values may be). kind: "count" (whole numbers), "number",
# "clock" ("HH:MM" on the half hour), "choice".
DECISIONS: dict[str, tuple[str, str]] = {
    "front_desk_extra": ("count", "receptionists added on the desk's hours, 0 to 3"),
    "coordinator_weekdays_start": ("clock", "a time from 00:00 to 23:30 on the half hour"),
    "coordinator_weekdays_hours": ("number", "hours from 0 (none) to 16"),
    "coordinator_saturday_start": ("clock", "a time from 00:00 to 23:30 on the half hour"),
    "coordinator_saturday_hours": ("number", "hours from 0 (none) to 16"),
    "answering_service": ("choice", "off, nights, after_hours, always"),
    "auto_responder": ("choice", "true, false"),
    "unified_inbox": ("choice", "true, false"),
    "discipline": ("choice", ", ".join(d.value for d in Discipline)),
    "first_response_delay_minutes": ("number", "minutes from 0 to 2880"),
    "follow_up_attempts": ("count", "1 to the length of follow_up_minutes (at most 6)"),
}
SETTINGS = {"coordinator_hourly_wage": 26.0, "answering_service_fee_per_month": 150.0,
            "answering_service_fee_per_call": 1.75, "auto_responder_fee_per_month": 49.0,
            "auto_responder_promise_minutes": 5.0,
            "follow_up_minutes": [0.0, 10.0, 60.0, 1440.0, 2880.0]}
SERVICE = {"off": None, "nights": ServiceHours.nights, "after_hours": ServiceHours.after_hours,
           "always": ServiceHours.always}


def _bad(key: str, value, allowed: str) -> ConfigError:
    return ConfigError(f"{key}: {value!r} is not allowed (allowed: {allowed})")


def _real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Decision:
    """One decision: searched over `values` (in order), or `fixed` (len(values) == 1)."""

    name: str
    values: tuple
    fixed: bool = False

    @property
    def free(self) -> bool:
        return not self.fixed and len(self.values) > 1


def _value_ok(name: str, value) -> bool:
    kind, _ = DECISIONS[name]
    if name == "front_desk_extra":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3
    if name.endswith("_hours"):
        return _real(value) and 0 <= value <= 16
    if kind == "clock":
        try:
            m = parse_clock(value, name)
        except (ConfigError, TypeError, AttributeError):
            return False
        return m % HALF_HOUR == 0 and m < 24 * 60
    if name == "answering_service":
        return value in SERVICE
    if name in ("auto_responder", "unified_inbox"):
        return isinstance(value, bool)
    if name == "discipline":
        return value in {d.value for d in Discipline}
    if name == "first_response_delay_minutes":
        return _real(value) and 0 <= value <= 2880
    if name == "follow_up_attempts":
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 6
    return False


def _range(key: str, name: str, spec: dict) -> tuple:
    kind, allowed = DECISIONS[name]
    low, high, step = spec.get("low"), spec.get("high"), spec.get("step")
    if kind == "clock":
        for part, v in (("low", low), ("high", high)):
            if not _value_ok(name, v):
                raise _bad(f"{key}.{part}", v, allowed)
        step = HALF_HOUR if step is None else step
        if isinstance(step, str):
            try:
                step = parse_clock(step, f"{key}.step")
            except ConfigError:
                raise _bad(f"{key}.step", spec.get("step"), "a duration 'HH:MM'") from None
        if not (isinstance(step, int) and step > 0 and step % HALF_HOUR == 0):
            raise _bad(f"{key}.step", spec.get("step"), "a positive multiple of 00:30")
        lo, hi = parse_clock(low, key), parse_clock(high, key)
        if lo > hi:
            raise _bad(f"{key}.low", low, f"a time not after high ({high})")
        return tuple(clock(m) for m in range(lo, hi + 1, step))
    for part, v in (("low", low), ("high", high)):
        if not _value_ok(name, v):
            raise _bad(f"{key}.{part}", v, allowed)
    if low > high:
        raise _bad(f"{key}.low", low, f"a value not above high ({high})")
    step = 1 if step is None else step
    if not _real(step) or step <= 0 or (kind == "count" and not isinstance(step, int)):
        raise _bad(f"{key}.step", step, "a number > 0" + (" (whole)" if kind == "count" else ""))
    n = int(math.floor((high - low) / step + 1e-9))
    values = [low + i * step for i in range(n + 1)]
    if kind == "count":
        return tuple(int(v) for v in values)
    return tuple(float(round(v, 9)) for v in values)


@dataclass
class SearchSpace:
    """The decisions of a `search=` config, checked; and the settings the plans need."""

    decisions: dict[str, Decision]
    settings: dict = field(default_factory=lambda: dict(SETTINGS))

    @classmethod
    def from_dict(cls, raw: dict, key: str = KEY) -> SearchSpace:
        """The space of a `search=` config as plain data; ConfigError (one line) naming the
        key when a bound, a step, a choice or a setting is not allowed."""
        if not isinstance(raw, dict):
            raise _bad(key, raw, "a mapping with decisions: {...}")
        unknown = [k for k in raw if k != "decisions" and k not in SETTINGS]
        if unknown:
            raise ConfigError(f"{key}.{unknown[0]}: unknown key (allowed: decisions, "
                              f"{', '.join(SETTINGS)})")
        settings = dict(SETTINGS)
        for name, default in SETTINGS.items():
            v = raw.get(name, default)
            k = f"{key}.{name}"
            if name == "follow_up_minutes":
                ok = (isinstance(v, list) and 1 <= len(v) <= 6 and all(_real(x) for x in v)
                      and v[0] == 0 and list(v) == sorted(v))
                if not ok:
                    raise _bad(k, v, "1 to 6 non-decreasing minutes >= 0, starting at 0")
                v = [float(x) for x in v]
            elif not _real(v) or v < 0 or (name == "auto_responder_promise_minutes" and v <= 0):
                raise _bad(k, v, "a number >= 0" if "fee" in name or "wage" in name
                           else "a number > 0")
            settings[name] = v
        specs = raw.get("decisions")
        if not isinstance(specs, dict) or not specs:
            raise _bad(f"{key}.decisions", specs, "a mapping of at least one decision: "
                       + ", ".join(DECISIONS))
        decisions = {}
        for name, spec in specs.items():
            k = f"{key}.decisions.{name}"
            if name not in DECISIONS:
                raise ConfigError(f"{k}: unknown decision (allowed: {', '.join(DECISIONS)})")
            if not isinstance(spec, dict):
                raise _bad(k, spec, "{low: .., high: .., step: ..}, {choices: [..]} or "
                           "{fixed: ..}")
            extra = set(spec) - {"low", "high", "step", "choices", "fixed"}
            if extra:
                raise ConfigError(f"{k}.{sorted(extra)[0]}: unknown key (allowed: low, high, "
                                  "step, choices, fixed)")
            if "fixed" in spec:
                if not _value_ok(name, spec["fixed"]):
                    raise _bad(f"{k}.fixed", spec["fixed"], DECISIONS[name][1])
                decisions[name] = Decision(name, (spec["fixed"],), fixed=True)
            elif "choices" in spec:
                choices = spec["choices"]
                if not isinstance(choices, list) or not choices:
                    raise _bad(f"{k}.choices", choices, "a non-empty list of "
                               + DECISIONS[name][1])
                for c in choices:
                    if not _value_ok(name, c):
                        raise _bad(f"{k}.choices", c, DECISIONS[name][1])
                if len(set(map(repr, choices))) < len(choices):
                    raise _bad(f"{k}.choices", choices, "each choice once")
                decisions[name] = Decision(name, tuple(choices))
            else:
                decisions[name] = Decision(name, _range(k, name, spec))
        for day in ("weekdays", "saturday"):
            s, h = f"coordinator_{day}_start", f"coordinator_{day}_hours"
            if s in decisions or h in decisions:
                latest = max((parse_clock(v, s) for v in decisions[s].values), default=0) \
                    if s in decisions else 9 * 60
                longest = max(decisions[h].values) if h in decisions else 0
                if latest + longest * 60 > 24 * 60:
                    raise _bad(f"{key}.decisions.{h}.high", longest,
                               f"a shift that ends by 24:00 from the latest start "
                               f"({clock(latest)})")
        if "follow_up_attempts" in decisions:
            most = max(decisions["follow_up_attempts"].values)
            if most > len(settings["follow_up_minutes"]):
                raise _bad(f"{key}.decisions.follow_up_attempts", most,
                           f"at most len(follow_up_minutes) = {len(settings['follow_up_minutes'])}")
        space = cls(decisions, settings)
        if not space.free:
            raise ConfigError(f"{key}.decisions: every decision is fixed, nothing to search "
                              "(allowed: at least one decision with low < high or two choices)")
        return space

    @property
    def free(self) -> list[Decision]:
        return [d for d in self.decisions.values() if d.free]

    def size(self) -> int:
        """How many points the space has."""
        return math.prod(len(d.values) for d in self.decisions.values())

    def fixed_point(self) -> dict:
        return {d.name: d.values[0] for d in self.decisions.values() if not d.free}

    def suggest(self, trial) -> dict:
        """A point drawn by an Optuna trial: each free decision as a categorical over its
        values' positions for ranges (`suggest_int`, so TPE sees their order) or over its
        choices."""
        point = self.fixed_point()
        for d in self.free:
            kind, _ = DECISIONS[d.name]
            if kind == "choice":
                point[d.name] = trial.suggest_categorical(d.name, list(d.values))
            else:
                point[d.name] = d.values[trial.suggest_int(d.name, 0, len(d.values) - 1)]
        return {name: point[name] for name in self.decisions}

    def point_of_params(self, params: dict) -> dict:
        """The point of a finished trial's params (the inverse of `suggest`)."""
        point = self.fixed_point()
        for d in self.free:
            v = params[d.name]
            point[d.name] = v if DECISIONS[d.name][0] == "choice" else d.values[int(v)]
        return {name: point[name] for name in self.decisions}

    def sample(self, rng) -> dict:
        """A point drawn uniformly (numpy Generator): for tests and random restarts."""
        return {name: d.values[int(rng.integers(len(d.values)))]
                for name, d in self.decisions.items()}

    def plan(self, point: dict, name: str = "candidate", summary: str | None = None
             ) -> PlanConfig:
        """The plan of a point: changes to the focal practice, validated."""
        s = self.settings
        plan = PlanConfig(name=name, summary=summary if summary is not None
                          else describe(point), cost_note="Found by leadsim optimise.")
        n = point.get("front_desk_extra")
        if n:
            plan.add_shifts.append(ShiftAddition(role=Role.front_desk, hours_of=Role.front_desk,
                                                 staff=int(n)))
        for day, days in (("weekdays", list(WEEKDAYS)), ("saturday", [Day.sat])):
            hours = point.get(f"coordinator_{day}_hours") or 0
            if hours > 0:
                start = parse_clock(point.get(f"coordinator_{day}_start", "09:00"), "start")
                plan.add_shifts.append(ShiftAddition(
                    role=Role.coordinator, days=days, start=clock(start),
                    end=clock(int(start + round(hours * 60))), staff=1,
                    hourly_wage=float(s["coordinator_hourly_wage"])))
        svc = point.get("answering_service")
        if svc is not None:
            plan.answering_service = (AnsweringServiceChange(enabled=False) if svc == "off"
                                      else AnsweringServiceChange(
                                          enabled=True, hours=SERVICE[svc],
                                          fee_per_call=float(s["answering_service_fee_per_call"]),
                                          fee_per_month=float(
                                              s["answering_service_fee_per_month"])))
        if point.get("auto_responder") is not None:
            on = bool(point["auto_responder"])
            plan.auto_responder = (AutoResponderChange(
                enabled=True, promised_response_minutes=float(s["auto_responder_promise_minutes"]),
                fee_per_month=float(s["auto_responder_fee_per_month"])) if on
                else AutoResponderChange(enabled=False))
        if point.get("unified_inbox") is not None:
            plan.unified_inbox = UnifiedInboxChange(enabled=bool(point["unified_inbox"]))
        pol = PolicyChange()
        if point.get("discipline") is not None:
            pol.discipline = Discipline(point["discipline"])
        if point.get("first_response_delay_minutes") is not None:
            pol.first_response_delay_minutes = float(point["first_response_delay_minutes"])
        if point.get("follow_up_attempts") is not None:
            k = int(point["follow_up_attempts"])
            pol.max_attempts = k
            pol.follow_up_minutes = [float(x) for x in s["follow_up_minutes"][:k]]
        plan.policy = pol
        validate_plan(plan, "plan")
        return plan


def describe(point: dict) -> str:
    """A point in a manager's words, one line."""
    parts = []
    n = point.get("front_desk_extra")
    if n:
        parts.append(f"{n} more receptionist{'s' if n > 1 else ''} on the desk's hours")
    for day, words in (("weekdays", "Mon-Fri"), ("saturday", "Saturday")):
        hours = point.get(f"coordinator_{day}_hours") or 0
        if hours > 0:
            start = parse_clock(point.get(f"coordinator_{day}_start", "09:00"), "start")
            parts.append(f"a coordinator {words} {clock(start)}-"
                         f"{clock(int(start + round(hours * 60)))}")
    svc = point.get("answering_service")
    if svc and svc != "off":
        parts.append({"nights": "an answering service on the nights of opening days",
                      "after_hours": "an answering service whenever closed",
                      "always": "an answering service around the clock"}[svc])
    if point.get("auto_responder"):
        parts.append("an auto-reply")
    if point.get("unified_inbox"):
        parts.append("a unified inbox")
    policy = []
    if point.get("discipline") is not None:
        policy.append(str(point["discipline"]).replace("_", " "))
    if point.get("first_response_delay_minutes") is not None:
        policy.append(f"written inquiries answered after {point['first_response_delay_minutes']:g}"
                      " min")
    if point.get("follow_up_attempts") is not None:
        n = point["follow_up_attempts"]
        policy.append(f"{n} attempt{'s' if n != 1 else ''}")
    text = ("Add " + "; ".join(parts)) if parts else "No new staff or tools"
    return text + (" (" + ", ".join(policy) + ")" if policy else "") + "."
