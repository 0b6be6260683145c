"""A practice, and what a plan changed in it, in a practice manager's words.

The staffing report describes what was compared from the configs as run, not from what
the plan files say about themselves: the baseline practice (its roster, hours, channels
and cost) and, for each plan, the change between the baseline's practice and the plan's
("adds one front-desk receptionist Saturdays 09:00-13:00: +4 h a week, +$417 a month").
A plan that takes staff off or costs less than the baseline is flagged (`lowers_staff`,
`lowers_cost`), so the report can warn at the top.

Money here is nominal: rostered hours x wages over an average month (365.25 / 12 days)
plus monthly fees; per-call fees and the simulated cost are the report's.

One module over 400 lines: describing a practice and describing the change a plan makes
to it share the same words (days, windows, counts, roles), which live here once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..config import parse_clock, unread_channels, watched_channels

DAYS_PER_MONTH = 365.25 / 12
WEEKS_PER_MONTH = DAYS_PER_MONTH / 7
DAY_ABBR = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DAY_PLURAL = ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
              "Sundays"]
ROLE_WORDS = {
    "front_desk": ("front-desk receptionist", "front-desk receptionists"),
    "coordinator": ("patient coordinator", "patient coordinators"),
    "social_media": ("social-media coordinator", "social-media coordinators"),
}
NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten"]
CHANNEL_WORDS = {"phone": "phone", "web_form": "web form", "email": "email", "chat": "chat",
                 "sms": "SMS", "social_dm": "social DM", "review_site": "review site"}
DISCIPLINE_WORDS = {"phone_first": "call-backs and voicemails first",
                    "oldest_first": "the oldest inquiry first",
                    "newest_first": "the newest inquiry first"}
SERVICE_WORDS = {"always": "around the clock (also when nobody at the practice is free)",
                 "after_hours": "for every hour the practice is closed",
                 "nights": "on the nights and early mornings of the days the practice opens"}


def _v(x) -> str:
    return str(getattr(x, "value", x))


def _days(days) -> list[int]:
    return sorted({[d.lower() for d in DAY_ABBR].index(_v(d)) for d in days})


def _win(x) -> tuple[int, int]:
    return parse_clock(x.start, "start"), parse_clock(x.end, "end")


def clock(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def count(n: int) -> str:
    return NUMBERS[n] if 0 <= n < len(NUMBERS) else str(n)


def money(x: float, sign: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    text = f"${abs(x):,.0f}"
    if x < 0 and round(abs(x)) > 0:
        return "-" + text
    return ("+" + text) if sign else text


def hours_text(h: float, sign: bool = False) -> str:
    text = f"{abs(h):g} h" if abs(h - round(h)) < 1e-9 else f"{abs(h):.1f} h"
    return (("-" if h < 0 else "+") + text) if sign else text


def minutes_text(m: float) -> str:
    """0 -> 'at once', 10 -> '10 min', 60 -> '1 h', 1440 -> '1 day', 4320 -> '3 days'."""
    if m <= 0:
        return "at once"
    if m % 1440 == 0:
        return f"{m / 1440:g} day" + ("s" if m != 1440 else "")
    if m % 60 == 0 and m >= 60:
        return f"{m / 60:g} h"
    return f"{m:g} min"


def days_text(days: list[int]) -> str:
    """[0..4] -> 'weekdays', [5] -> 'Saturdays', [0, 2, 4] -> 'Mon, Wed and Fri'."""
    days = sorted(set(days))
    if days == list(range(7)):
        return "every day"
    if days == list(range(5)):
        return "weekdays"
    if days == [5, 6]:
        return "weekends"
    if len(days) == 1:
        return DAY_PLURAL[days[0]]
    if days == list(range(days[0], days[-1] + 1)) and len(days) >= 3:
        return f"{DAY_ABBR[days[0]]}-{DAY_ABBR[days[-1]]}"
    names = [DAY_ABBR[d] for d in days]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def role_words(role, n: int) -> str:
    one, many = ROLE_WORDS[_v(role)]
    return f"{count(n)} {one if n == 1 else many}"


# --------------------------------------------------------------------------- figures


def line_hours(line) -> float:
    s, e = _win(line)
    return line.staff * len(_days(line.days)) * (e - s) / 60.0


def roster_hours(practice) -> dict[str, float]:
    """Rostered person-hours a week by role."""
    out: dict[str, float] = {}
    for line in practice.roster:
        out[_v(line.role)] = out.get(_v(line.role), 0.0) + line_hours(line)
    return out


def wages_per_month(practice) -> float:
    return sum(line_hours(line) * line.hourly_wage for line in practice.roster) * WEEKS_PER_MONTH


def fees_per_month(practice) -> float:
    """The monthly fees of the answering service, the auto-responder, the unified inbox and
    the nurture programme (per-call fees aside)."""
    svc, ar, inbox = practice.answering_service, practice.auto_responder, practice.unified_inbox
    nurture = practice.nurture
    return ((svc.fee_per_month if svc.enabled else 0.0) + (ar.fee_per_month if ar.enabled else 0.0)
            + (inbox.fee_per_month if inbox.enabled else 0.0)
            + (nurture.fee_per_month if nurture.enabled else 0.0))


def cost_per_month(practice) -> float:
    return wages_per_month(practice) + fees_per_month(practice)


def coverage(roster, role: str) -> list[dict[tuple[int, int], int]]:
    """Per day: people of `role` on in each elementary window between the shift bounds."""
    lines = [(line, _win(line), _days(line.days)) for line in roster if _v(line.role) == role]
    out = []
    for d in range(7):
        mine = [(w, line.staff) for line, w, ds in lines if d in ds]
        cuts = sorted({x for (s, e), _ in mine for x in (s, e)})
        out.append({(a, b): sum(n for (s, e), n in mine if s <= a and b <= e)
                    for a, b in zip(cuts, cuts[1:])})
    return out


def _steps(cov: dict[tuple[int, int], int], a: int, b: int) -> int:
    return sum(n for (s, e), n in cov.items() if s <= a and b <= e)


def _delta_segments(before, after) -> list[tuple[int, int, int, int]]:
    """(day, start, end, change in people) where the head count of a role changed."""
    out = []
    for d in range(7):
        cuts = sorted({x for w in list(before[d]) + list(after[d]) for x in w})
        runs: list[list[int]] = []
        for a, b in zip(cuts, cuts[1:]):
            delta = _steps(after[d], a, b) - _steps(before[d], a, b)
            if delta and runs and runs[-1][1] == a and runs[-1][2] == delta:
                runs[-1][1] = b
            elif delta:
                runs.append([a, b, delta])
        out += [(d, s, e, n) for s, e, n in runs]
    return out


def _share(line, practice) -> float:
    return practice.patient_share if line.patient_share is None else line.patient_share


def opening_by_day(practice) -> list[list[tuple[int, int]]]:
    per: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for h in practice.opening_hours:
        for d in _days(h.days):
            per[d].append(_win(h))
    out = []
    for ws in per:
        merged: list[tuple[int, int]] = []
        for s, e in sorted(ws):
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        out.append(merged)
    return out


def _windows_text(per_day: list[list[tuple[int, int]]]) -> str:
    groups: dict[tuple, list[int]] = {}
    for d, ws in enumerate(per_day):
        if ws:
            groups.setdefault(tuple(ws), []).append(d)
    parts = [f"{days_text(ds)} " + _join([f"{clock(s)}-{clock(e)}" for s, e in ws])
             for ws, ds in groups.items()]
    return _join(parts) if parts else "never"


# --------------------------------------------------------------------------- practice


def _policy_words(pol) -> list[str]:
    attempts = list(pol.follow_up_minutes)[: pol.max_attempts]
    words = [f"works {DISCIPLINE_WORDS[_v(pol.discipline)]}",
             "first response to messages and voicemails "
             + (minutes_text(pol.first_response_delay_minutes) if
                pol.first_response_delay_minutes <= 0
                else f"after {minutes_text(pol.first_response_delay_minutes)}"),
             f"up to {pol.max_attempts} attempt{'s' if pol.max_attempts != 1 else ''} "
             f"(at {', '.join(minutes_text(m) if m else '0' for m in attempts)})"]
    if not pol.answer_live_calls:
        words.append("does not answer live calls")
    if not pol.return_voicemails:
        words.append("does not return voicemails")
    if pol.return_missed_calls:
        words.append("calls back every missed caller")
    return words


def _service_words(svc) -> str:
    if not svc.enabled:
        return "no answering service"
    return (f"an answering service {SERVICE_WORDS[_v(svc.hours)]} ({count(svc.agents)} "
            f"agent{'s' if svc.agents != 1 else ''}; {money(svc.fee_per_month)} a month + "
            f"${svc.fee_per_call:,.2f} a call)")


def _responder_words(ar) -> str:
    if not ar.enabled:
        return "no auto-responder"
    return (f"an auto-reply to every message promising an answer within "
            f"{minutes_text(ar.promised_response_minutes)} ({money(ar.fee_per_month)} a month)")


def seconds_text(seconds: float) -> str:
    """45 -> '45-second', 90 -> '90-second' (a menu's length, as an adjective)."""
    return f"{seconds:g}-second"


def _menu_words(practice) -> str:
    m = float(practice.phone_menu_seconds)
    if m <= 0:
        return ""
    return (f"The phone plays a {seconds_text(m)} automated menu before a caller reaches a "
            "person or the hold queue; callers who run out of patience hang up in it"
            + (" (more than the minute seed 002 warns against)." if m > 60 else "."))


def _inbox_words(inbox) -> str:
    return (f"a unified inbox: every message channel in one queue that anyone who answers "
            f"messages can take ({money(inbox.fee_per_month)} a month; no extra staff)")


def nurture_words(nurture) -> str:
    """A nurture programme in a manager's words (sim.config.NurtureConfig)."""
    months = nurture.touches * nurture.touch_every_days / (365.25 / 12)
    return (f"a nurture programme: prospects reached when no longer ready to book are offered "
            f"a newsletter ({nurture.accept_share:.0%} sign up), then a touch every "
            f"{nurture.touch_every_days:g} days, {nurture.touches} in all (about "
            f"{months:.1f} months; {money(nurture.fee_per_month)} a month; no extra staff)")


def describe_practice(practice, all_channels: list[str] | None = None) -> list[str]:
    """The practice in sentences: roster, patients, hours, channels, services, policy, cost."""
    lines = []
    for line in practice.roster:
        s, e = _win(line)
        lines.append(f"{role_words(line.role, line.staff)} {days_text(_days(line.days))} "
                     f"{clock(s)}-{clock(e)} (${line.hourly_wage:,.2f}/h)".replace(".00/h", "/h"))
    hours = sum(roster_hours(practice).values())
    roster = (f"Roster: {'; '.join(lines) if lines else 'nobody'}: {hours_text(hours)} a week, "
              f"about {money(wages_per_month(practice))} a month in wages.")
    shares = sorted({round(_share(line, practice), 4) for line in practice.roster
                     if _v(line.role) == "front_desk"})
    patients = ("Existing patients take " + " to ".join(f"{s:.1%}".replace(".0%", "%")
                                                       for s in shares)
                + " of each front-desk person's time; a coordinator works only on new "
                "inquiries.") if shares else ""
    opening = (f"Open {_windows_text(opening_by_day(practice))} (the hours an after-hours "
               "answering service stays off and an auto-reply's promise counts; the roster "
               "decides when the phone is answered).")
    watched = watched_channels(practice)
    unread = unread_channels(practice, list(all_channels or CHANNEL_WORDS))
    channels = ("Watches " + _join([CHANNEL_WORDS[c] for c in watched])
                + (" (a unified inbox)" if practice.unified_inbox.enabled else "")
                + (f"; {_join([CHANNEL_WORDS[c] for c in unread])} messages go unread."
                   if unread else "."))
    services = (_service_words(practice.answering_service).capitalize() + "; "
                + _responder_words(practice.auto_responder)
                + (f"; {_inbox_words(practice.unified_inbox)}"
                   if practice.unified_inbox.enabled else "")
                + (f"; {nurture_words(practice.nurture)}" if practice.nurture.enabled else "")
                + ".")
    policy = _join(_policy_words(practice.policy)).capitalize() + "."
    cost = (f"Fixed cost about {money(cost_per_month(practice))} a month (wages and monthly "
            "fees" + ("; per-call fees on top)." if practice.answering_service.enabled
                      else ")."))
    menu = _menu_words(practice)
    return [s for s in (roster, patients, opening, channels, menu, services, policy, cost) if s]


# --------------------------------------------------------------------------- change


@dataclass
class Change:
    """What a plan changed in the baseline practice, in words and numbers."""

    items: list[str] = field(default_factory=list)
    hours_per_week: float = 0.0
    wages_per_month: float = 0.0
    fees_per_month: float = 0.0
    lowers_staff: bool = False  # some role has fewer people on at some hour
    removed_hours_per_week: float = 0.0

    @property
    def cost_per_month(self) -> float:
        return self.wages_per_month + self.fees_per_month

    @property
    def lowers_cost(self) -> bool:
        return self.cost_per_month < -0.5

    @property
    def text(self) -> str:
        return "; ".join(self.items) if self.items else "no change"

    @property
    def cost_text(self) -> str:
        bits = []
        if abs(self.hours_per_week) > 1e-9:
            bits.append(f"{hours_text(self.hours_per_week, sign=True)} a week")
        if abs(self.cost_per_month) >= 0.5 or bits:
            bits.append(f"{money(self.cost_per_month, sign=True)} a month")
        return ", ".join(bits)


def _roster_items(base, new) -> tuple[list[str], bool, float]:
    items, lowered, removed = [], False, 0.0
    for role in ROLE_WORDS:
        segs = _delta_segments(coverage(base.roster, role), coverage(new.roster, role))
        groups: dict[tuple[int, int, int], list[int]] = {}
        for d, s, e, n in segs:
            groups.setdefault((s, e, n), []).append(d)
        for (s, e, n), days in sorted(groups.items(), key=lambda kv: (kv[1][0], kv[0][0])):
            verb = "adds" if n > 0 else "removes"
            items.append(f"{verb} {role_words(role, abs(n))} {days_text(days)} "
                         f"{clock(s)}-{clock(e)}")
            if n < 0:
                lowered = True
                removed += -n * len(days) * (e - s) / 60.0
    return items, lowered, removed


def _patient_items(base, new) -> list[str]:
    out = []
    for line in new.roster:
        if _v(line.role) != "front_desk":
            continue
        s, e = _win(line)
        days = _days(line.days)
        was = {round(_share(b, base), 4) for b in base.roster if _v(b.role) == "front_desk"
               and set(_days(b.days)) & set(days) and _win(b)[0] < e and s < _win(b)[1]}
        now = round(_share(line, new), 4)
        if len(was) == 1 and now not in was:
            out.append(f"the desk's patients take {now:.1%} of each receptionist's time "
                       f"{days_text(days)} {clock(s)}-{clock(e)} (was {next(iter(was)):.1%})"
                       .replace(".0%", "%"))
    return out


def _hours_items(base, new) -> list[str]:
    b, n = opening_by_day(base), opening_by_day(new)
    if b == n:
        return []
    opened: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    closed: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for d in range(7):
        cuts = sorted({x for w in b[d] + n[d] for x in w})
        for a, z in zip(cuts, cuts[1:]):
            was = any(s <= a and z <= e for s, e in b[d])
            now = any(s <= a and z <= e for s, e in n[d])
            target = opened if now and not was else closed if was and not now else None
            if target is not None:
                if target[d] and target[d][-1][1] == a:
                    target[d][-1] = (target[d][-1][0], z)
                else:
                    target[d].append((a, z))
    items = []
    if any(opened):
        items.append(f"opens {_windows_text(opened)} too")
    if any(closed):
        items.append(f"closes {_windows_text(closed)}")
    return items


def _menu_items(base, new) -> list[str]:
    b, n = float(base.phone_menu_seconds), float(new.phone_menu_seconds)
    if b == n:
        return []
    if n <= 0:
        return [f"removes the {seconds_text(b)} phone menu (callers reach a person or the "
                "hold queue at once)"]
    if b <= 0:
        return [f"adds a {seconds_text(n)} phone menu before callers reach a person"]
    return [f"phone menu {n:g} s (was {b:g} s)"]


def _inbox_items(base, new) -> list[str]:
    b, n = base.unified_inbox, new.unified_inbox
    if not b.enabled and not n.enabled:
        return []
    if b.enabled != n.enabled:
        return [("adds " + _inbox_words(n)) if n.enabled else "drops the unified inbox"]
    if b.fee_per_month != n.fee_per_month:
        return [f"unified inbox fee {money(n.fee_per_month)} a month (was "
                f"{money(b.fee_per_month)})"]
    return []


def _nurture_items(base, new) -> list[str]:
    b, n = base.nurture, new.nurture
    if not b.enabled and not n.enabled:
        return []
    if b.enabled != n.enabled:
        return [("adds " + nurture_words(n)) if n.enabled else "drops the nurture programme"]
    return [f"nurture programme {name.replace('_', ' ')} {getattr(n, name):g} (was "
            f"{getattr(b, name):g})" for name in ("accept_share", "ready_again_share",
                                                 "touches", "touch_every_days",
                                                 "shop_again_share", "fee_per_month")
            if getattr(b, name) != getattr(n, name)]


def _channel_items(base, new) -> list[str]:
    b, n = [_v(c) for c in base.channels], [_v(c) for c in new.channels]
    added, dropped = [c for c in n if c not in b], [c for c in b if c not in n]
    items = []
    if added:
        items.append(f"watches {_join([CHANNEL_WORDS[c] for c in added])} messages too")
    if dropped:
        items.append(f"stops watching {_join([CHANNEL_WORDS[c] for c in dropped])}")
    return items


def _service_items(base, new) -> list[str]:
    b, n = base.answering_service, new.answering_service
    if not b.enabled and not n.enabled:
        return []
    if b.enabled != n.enabled:
        return [("adds " + _service_words(n)) if n.enabled else "drops the answering service"]
    items = []
    if _v(b.hours) != _v(n.hours):
        items.append(f"the answering service works {SERVICE_WORDS[_v(n.hours)]} (was "
                     f"{SERVICE_WORDS[_v(b.hours)]})")
    for name, what in (("agents", "agents"), ("fee_per_month", "monthly fee"),
                       ("fee_per_call", "fee a call"), ("handle_minutes", "minutes a call")):
        if getattr(b, name) != getattr(n, name):
            items.append(f"answering service {what} {getattr(n, name):g} (was "
                         f"{getattr(b, name):g})")
    return items


def _responder_items(base, new) -> list[str]:
    b, n = base.auto_responder, new.auto_responder
    if not b.enabled and not n.enabled:
        return []
    if b.enabled != n.enabled:
        return [("adds " + _responder_words(n)) if n.enabled else "drops the auto-responder"]
    items = []
    if b.promised_response_minutes != n.promised_response_minutes:
        items.append(f"the auto-reply promises {minutes_text(n.promised_response_minutes)} "
                     f"(was {minutes_text(b.promised_response_minutes)})")
    if b.fee_per_month != n.fee_per_month:
        items.append(f"auto-responder fee {money(n.fee_per_month)} a month (was "
                     f"{money(b.fee_per_month)})")
    return items


def _policy_items(base, new) -> list[str]:
    b, n = base.policy, new.policy
    items = []
    if _v(b.discipline) != _v(n.discipline):
        items.append(f"works {DISCIPLINE_WORDS[_v(n.discipline)]} (was "
                     f"{DISCIPLINE_WORDS[_v(b.discipline)]})")
    if b.first_response_delay_minutes != n.first_response_delay_minutes:
        def when(m):
            return minutes_text(m) if m <= 0 else f"after {minutes_text(m)}"

        items.append(f"first response {when(n.first_response_delay_minutes)} (was "
                     f"{when(b.first_response_delay_minutes)})")
    ba = list(b.follow_up_minutes)[: b.max_attempts]
    na = list(n.follow_up_minutes)[: n.max_attempts]
    if ba != na:
        def at(xs):
            return ", ".join(minutes_text(m) if m else "0" for m in xs)

        items.append(f"{len(na)} attempt{'s' if len(na) != 1 else ''} at {at(na)} (was "
                     f"{len(ba)} at {at(ba)})")
    for name, yes, no in (("answer_live_calls", "answers live calls", "stops answering live "
                           "calls"), ("return_voicemails", "returns voicemails",
                                      "stops returning voicemails"),
                          ("return_missed_calls", "calls back every missed caller",
                           "stops calling back missed callers")):
        if getattr(b, name) != getattr(n, name):
            items.append(yes if getattr(n, name) else no)
    return items


def describe_change(base, new) -> Change:
    """What differs between the baseline's practice `base` and a plan's practice `new`."""
    roster, lowered, removed = _roster_items(base, new)
    items = (roster + list(dict.fromkeys(_patient_items(base, new))) + _hours_items(base, new)
             + _channel_items(base, new) + _inbox_items(base, new) + _nurture_items(base, new)
             + _menu_items(base, new)
             + _service_items(base, new) + _responder_items(base, new)
             + _policy_items(base, new))
    hb, hn = roster_hours(base), roster_hours(new)
    wages = wages_per_month(new) - wages_per_month(base)
    if not roster and abs(wages) >= 0.5:
        items.insert(0, f"pays {money(wages, sign=True)} a month in wages for the same hours")
    return Change(items=items,
                  hours_per_week=sum(hn.values()) - sum(hb.values()),
                  wages_per_month=wages,
                  fees_per_month=fees_per_month(new) - fees_per_month(base),
                  lowers_staff=lowered, removed_hours_per_week=removed)

