"""How a staffing plan changes a practice: the arithmetic of rosters and opening hours.

A plan (sim.config.PlanConfig) says what it adds to, removes from or changes in the
practice in the focal slot, so that it means the same on any practice: `saturday_shift`
adds one receptionist on Saturday mornings whether the practice had one receptionist or
five. `apply_changes(practice, plan)` is the one place a plan is applied; it is pure (new
objects, no Hydra) and `sim.config.apply` calls it once per run.

A roster is read as, per role and day of the week, how many people are on at each
minute. Removing `staff` people of a role between two times takes them off in every
minute of that window (the lines listed last first), which is also how a shift is
shortened; what is left of each line is written back as roster lines, grouped by days.

The desk's patients. Existing patients (check-ins, billing, their calls) come to the
front desk whatever the roster: in each minute the practice's own desk is staffed, they
bring the work of `patient_share` x (people on the desk then). A plan changes the staff,
not the patients, so after it the front-desk people on at that minute share that work
equally: a second receptionist on the same hours halves each one's share (0.45 -> 0.225),
and people taken off leave their patients to those who stay. On hours the desk was not
staffed before (a Saturday added to a weekday practice) the people added have patients of
their own, the practice's `patient_share`. The model draws a person's patients at one
rate per shift, so each roster line gets the average of that over its hours
(`ShiftConfig.patient_share`), which keeps the desk's patient hours a week exact. Hours
nobody staffs any more lose their patients with the desk.

Opening hours decide when an after-hours answering service works and how an
auto-responder's promise is counted; the roster decides when the phone is answered. So a
plan that adds phone staff (front desk, coordinator) outside the opening hours also opens
the practice then, unless it says `opening_hours.follow_added_shifts: false`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import fields, replace

from .config import (
    ALL_DAYS,
    PLAN_SECTIONS,
    ROLE_WAGES,
    Channel,
    HoursConfig,
    PlanConfig,
    PracticeConfig,
    Role,
    ShiftAddition,
    ShiftConfig,
    ShiftRemoval,
    parse_clock,
)
from .vocabulary import MINUTES_PER_DAY

DAY_MINUTES = MINUTES_PER_DAY
PHONE_ROLES = (Role.front_desk, Role.coordinator)  # the roles that take calls

Windows = list[tuple[int, int]]  # disjoint (start, end) minutes of one day, ascending


def role_of(line) -> Role:
    return Role(getattr(line.role, "value", line.role))


def day_indices(days) -> list[int]:
    """Indices 0 (Monday) to 6 of a list of days, in week order, each once."""
    order = [d.value for d in ALL_DAYS]
    return sorted({order.index(str(getattr(d, "value", d))) for d in days})


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def window(line, key: str = "shift") -> tuple[int, int]:
    return parse_clock(line.start, f"{key}.start"), parse_clock(line.end, f"{key}.end")


# --------------------------------------------------------------------------- windows


def _merge(windows) -> Windows:
    out: Windows = []
    for s, e in sorted(w for w in windows if w[1] > w[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _subtract(windows: Windows, cut: Windows) -> Windows:
    out = []
    for s, e in windows:
        pieces = [(s, e)]
        for cs, ce in cut:
            pieces = [p for a, b in pieces
                      for p in ((a, min(b, cs)), (max(a, ce), b)) if p[1] > p[0]]
        out.extend(pieces)
    return _merge(out)


def hours_by_day(hours) -> list[Windows]:
    """Opening hours (or any HoursConfig-like list) as merged windows per day."""
    per: list[list] = [[] for _ in range(7)]
    for h in hours:
        w = window(h, "opening_hours")
        for d in day_indices(h.days):
            per[d].append(w)
    return [_merge(w) for w in per]


def emit_hours(per_day: list[Windows]) -> list[HoursConfig]:
    """Windows per day as opening-hours lines: days with the same windows share lines."""
    groups: dict[tuple, list[int]] = {}
    for d, ws in enumerate(per_day):
        if ws:
            groups.setdefault(tuple(ws), []).append(d)
    out = []
    for ws, days in groups.items():  # in order of each group's first day
        for s, e in ws:
            out.append(HoursConfig(days=[ALL_DAYS[d] for d in days], start=clock(s),
                                   end=clock(e)))
    return out


# --------------------------------------------------------------------------- roster


def _segments(roster) -> list[dict[int, list[list[int]]]]:
    """Per line, per day it works: [[start, end, people]] (one segment until changed)."""
    out = []
    for i, line in enumerate(roster):
        s, e = window(line, f"roster[{i}]")
        out.append({d: [[s, e, line.staff]] for d in day_indices(line.days)})
    return out


def _tidy(segs: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for s, e, n in segs:
        if e <= s or n <= 0:
            continue
        if out and out[-1][1] == s and out[-1][2] == n:
            out[-1][1] = e
        else:
            out.append([s, e, n])
    return out


def remove_people(roster: list[ShiftConfig], removal: ShiftRemoval) -> list[ShiftConfig]:
    """The roster with `removal.staff` people (all: None) of its role taken off on its days
    and hours, from the lines listed last first; each line changed is written back as the
    lines of what is left of it."""
    role = Role(getattr(removal.role, "value", removal.role))
    days = day_indices(removal.days) if removal.days is not None else list(range(7))
    start = parse_clock(removal.start or "00:00", "remove_shifts.start")
    end = parse_clock(removal.end or "24:00", "remove_shifts.end")
    segs = _segments(roster)
    before = copy.deepcopy(segs)
    for d in days:
        lines = [i for i, line in enumerate(roster) if role_of(line) == role and d in segs[i]]
        cuts = {start, end} | {x for i in lines for s in segs[i][d] for x in s[:2]}
        cuts = sorted(c for c in cuts if start <= c <= end)
        for a, b in zip(cuts, cuts[1:]):
            left = math.inf if removal.staff is None else removal.staff
            for i in reversed(lines):
                if left <= 0:
                    break
                new = []
                for s, e, n in segs[i][d]:
                    if s <= a and b <= e and n > 0:  # cuts hold every bound: inside or apart
                        take = min(n, left)
                        left -= take
                        new += [[s, a, n], [a, b, n - take], [b, e, n]]
                    else:
                        new.append([s, e, n])
                segs[i][d] = _tidy(new)
    out: list[ShiftConfig] = []
    for i, line in enumerate(roster):
        if segs[i] == before[i]:
            out.append(line)
            continue
        groups: dict[tuple, list[int]] = {}
        for d, pieces in sorted(segs[i].items()):
            if pieces:
                groups.setdefault(tuple(map(tuple, pieces)), []).append(d)
        for pieces, ds in groups.items():
            for s, e, n in pieces:
                out.append(replace(line, days=[ALL_DAYS[d] for d in ds], start=clock(s),
                                   end=clock(e), staff=n))
    return out


def role_wage(roster, role: Role) -> float:
    """What a practice pays a role: the hours-weighted mean wage of its lines of that role,
    or ROLE_WAGES[role] when it has none."""
    paid = hours = 0.0
    for i, line in enumerate(roster):
        if role_of(line) == role:
            s, e = window(line, f"roster[{i}]")
            h = line.staff * len(day_indices(line.days)) * (e - s) / 60.0
            paid += h * line.hourly_wage
            hours += h
    return round(paid / hours, 2) if hours else ROLE_WAGES[role]


def role_hours(roster, role: Role) -> list[HoursConfig]:
    """When a roster has someone of `role` on, as hours lines."""
    return emit_hours(hours_by_day([line for line in roster if role_of(line) == role]))


def added_lines(addition: ShiftAddition, roster) -> list[ShiftConfig]:
    """The roster lines of one addition (`hours_of`: on the hours of that role in `roster`)."""
    role = Role(getattr(addition.role, "value", addition.role))
    wage = addition.hourly_wage if addition.hourly_wage is not None else role_wage(roster, role)
    if addition.hours_of is not None:
        hours = role_hours(roster, Role(getattr(addition.hours_of, "value", addition.hours_of)))
    else:
        hours = [addition]
    out = []
    for h in hours:
        s, e = window(h, "add_shifts")
        out.append(ShiftConfig(days=[ALL_DAYS[d] for d in day_indices(h.days)],
                               start=clock(s), end=clock(e), role=role, staff=addition.staff,
                               hourly_wage=float(wage)))
    return out


def share_patients(base: list[ShiftConfig], roster: list[ShiftConfig],
                   patient_share: float) -> list[ShiftConfig]:
    """The roster with each front-desk line's `patient_share` set by the rule of the module
    docstring: the desk's patients of `base` (the practice's own roster) shared by the
    front-desk people on at each minute, own patients on hours `base` left unstaffed."""
    desk = [(line, *window(line), day_indices(line.days)) for line in base
            if role_of(line) == Role.front_desk]
    new = [(line, *window(line), day_indices(line.days)) for line in roster
           if role_of(line) == Role.front_desk]

    def share(line) -> float:
        return patient_share if line.patient_share is None else line.patient_share

    out = []
    for line in roster:
        if role_of(line) != Role.front_desk:
            out.append(line)
            continue
        s, e = window(line)
        total = length = 0.0
        for d in day_indices(line.days):
            cuts = {s, e} | {x for _, bs, be, bd in desk + new if d in bd for x in (bs, be)}
            cuts = sorted(c for c in cuts if s <= c <= e)
            for a, b in zip(cuts, cuts[1:]):
                on = [(L, bs, be) for L, bs, be, bd in desk if d in bd and bs <= a and b <= be]
                people = sum(L.staff for L, ns, ne, nd in new
                             if d in nd and ns <= a and b <= ne)
                work = sum(L.staff * share(L) for L, _, _ in on)
                per = work / people if on else patient_share
                total += per * (b - a)
                length += b - a
        value = round(total / length, 12)
        value = None if abs(value - patient_share) < 1e-12 else value
        out.append(line if value == line.patient_share else replace(line, patient_share=value))
    return out


def merge_identical(roster: list[ShiftConfig]) -> list[ShiftConfig]:
    """Lines that differ only in their head count as one line (a second receptionist on
    the same hours: one line of two people)."""
    out: list[ShiftConfig] = []
    index: dict[tuple, int] = {}
    for line in roster:
        key = (role_of(line), tuple(day_indices(line.days)), window(line), line.hourly_wage,
               line.patient_share)
        if key in index:
            i = index[key]
            out[i] = replace(out[i], staff=out[i].staff + line.staff)
        else:
            index[key] = len(out)
            out.append(line)
    return out


def _roster(practice: PracticeConfig, plan: PlanConfig) -> list[ShiftConfig]:
    roster = (copy.deepcopy(plan.replace_roster) if plan.replace_roster is not None
              else list(practice.roster))
    for removal in plan.remove_shifts:
        roster = remove_people(roster, removal)
    roster += [line for a in plan.add_shifts for line in added_lines(a, practice.roster)]
    roster = [line for line in roster if line.staff > 0]
    return merge_identical(share_patients(practice.roster, roster, practice.patient_share))


def _opening_hours(practice: PracticeConfig, plan: PlanConfig) -> list[HoursConfig]:
    change = plan.opening_hours
    base = hours_by_day(practice.opening_hours)
    hours = hours_by_day(change.replace) if change.replace is not None else base
    removed = hours_by_day(change.remove)
    hours = [_subtract(h, r) for h, r in zip(hours, removed)]
    extra = list(change.add)
    if change.follow_added_shifts:
        extra += [line for a in plan.add_shifts for line in added_lines(a, practice.roster)
                  if role_of(line) in PHONE_ROLES]
    hours = [_merge(h + a) for h, a in zip(hours, hours_by_day(extra))]
    return practice.opening_hours if hours == base else emit_hours(hours)


def _channels(practice: PracticeConfig, plan: PlanConfig) -> list[Channel]:
    def norm(c) -> Channel:
        return Channel(getattr(c, "value", c))

    drop = {norm(c) for c in plan.channels.remove}
    out = [norm(c) for c in practice.channels if norm(c) not in drop]
    out += [c for c in map(norm, plan.channels.add) if c not in out]
    return out


def apply_changes(practice: PracticeConfig, plan: PlanConfig) -> PracticeConfig:
    """A copy of `practice` with `plan` applied, in the order of PlanConfig's docstring."""
    p = copy.deepcopy(practice)
    if plan.replace_roster is not None or plan.remove_shifts or plan.add_shifts:
        p.roster = copy.deepcopy(_roster(practice, plan))
    p.opening_hours = copy.deepcopy(_opening_hours(practice, plan))
    if plan.channels.add or plan.channels.remove:
        p.channels = _channels(practice, plan)
    for name in PLAN_SECTIONS:
        change, target = getattr(plan, name), getattr(p, name)
        for f in fields(change):
            value = getattr(change, f.name)
            if value is not None:
                setattr(target, f.name, copy.deepcopy(value))
    if plan.phone_menu_seconds is not None:
        p.phone_menu_seconds = float(plan.phone_menu_seconds)
    return p

