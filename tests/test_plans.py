"""Staffing plans as changes (sim/plans.py, sim.config.apply_plan): each shipped plan
means what its name says on every archetype (the extra rostered hours and cost are the
plan's own), the desk's patients follow the stated rule, a plan is applied exactly once,
and plans of one's own are read by name and by path with errors naming file and line."""

from __future__ import annotations

import copy
import functools
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

import sim
from sim.analysis import practice_words as words
from sim.config import (
    ConfigError,
    PlanConfig,
    PracticeConfig,
    Role,
    ShiftAddition,
    ShiftConfig,
    ShiftRemoval,
    apply_plan,
    plan_is_empty,
    to_config,
)
from sim.config_files import load_plan

ARCHETYPES = ["solo_front_desk", "dedicated_coordinator", "answering_service", "social_first"]
PLANS = ["current", "saturday_shift", "second_front_desk", "evening_coordinator",
         "answering_service_nights", "autoreply_callback_5min"]
TEMPLATES = Path(sim.CONFIG_DIR) / "templates"


@functools.cache
def _composed(archetype: str) -> PracticeConfig:
    return sim.load_config([f"practice@practices.alpha={archetype}"]).practices["alpha"]


def practice(archetype: str) -> PracticeConfig:
    """The archetype as composed (a copy: tests may not change one another's)."""
    return copy.deepcopy(_composed(archetype))


def hours(p, role: str) -> float:
    return words.roster_hours(p).get(role, 0.0)


def patient_hours(p) -> list[float]:
    """Person-hours of patient work a week at the desk, per day of the week."""
    out = [0.0] * 7
    for line in p.roster:
        if line.role != Role.front_desk:
            continue
        share = p.patient_share if line.patient_share is None else line.patient_share
        for d in words._days(line.days):
            s, e = words._win(line)
            out[d] += line.staff * share * (e - s) / 60.0
    return out


def desk_hours_by_day(p) -> list[float]:
    """Hours a week the front desk is staffed at all, per day."""
    cov = words.coverage(p.roster, "front_desk")
    return [sum((b - a) / 60.0 for (a, b), n in day.items() if n > 0) for day in cov]


# --------------------------------------------------------------------------- shipped plans


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_saturday_shift_adds_four_hours_of_one_receptionist_on_any_practice(archetype):
    base = practice(archetype)
    new = apply_plan(base, load_plan("saturday_shift"))
    assert hours(new, "front_desk") - hours(base, "front_desk") == 4.0
    for role in ("coordinator", "social_media"):
        assert hours(new, role) == hours(base, role)
    change = words.describe_change(base, new)
    assert change.wages_per_month == pytest.approx(4 * 24.0 * words.WEEKS_PER_MONTH)
    assert change.items[0] == "adds one front-desk receptionist Saturdays 09:00-13:00"
    assert not change.lowers_staff and not change.lowers_cost
    # open on Saturday mornings; nothing else about the practice moves
    assert any(s <= 540 and e >= 780 for s, e in words.opening_by_day(new)[5])
    assert new.policy == base.policy and new.channels == base.channels
    assert new.answering_service == base.answering_service
    # the Saturday patients: her own where the desk was closed, shared where it was open
    before, after = patient_hours(base), patient_hours(new)
    assert after[:5] == pytest.approx(before[:5])
    assert after[5] == pytest.approx(before[5] if before[5] else 4 * base.patient_share)


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_second_front_desk_adds_one_receptionist_on_the_desks_hours(archetype):
    base = practice(archetype)
    new = apply_plan(base, load_plan("second_front_desk"))
    desk = desk_hours_by_day(base)
    assert hours(new, "front_desk") - hours(base, "front_desk") == pytest.approx(sum(desk))
    assert desk_hours_by_day(new) == desk  # the same hours, one more person in each
    wage = base.roster[[line.role for line in base.roster].index(Role.front_desk)].hourly_wage
    change = words.describe_change(base, new)
    assert change.wages_per_month == pytest.approx(sum(desk) * wage * words.WEEKS_PER_MONTH)
    # the same patients, now shared: the desk's patient hours do not change
    assert patient_hours(new) == pytest.approx(patient_hours(base))


def test_second_front_desk_on_the_solo_desk_is_the_former_hand_written_plan():
    """The solo desk's 0.45 became 0.225 each by hand in the old plan file: the rule gives
    the same, so `make run` compares the same second_front_desk as before."""
    new = apply_plan(practice("solo_front_desk"), load_plan("second_front_desk"))
    assert [(line.staff, line.patient_share, line.start, line.end) for line in new.roster] == [
        (2, 0.225, "09:00", "17:00")]


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_evening_coordinator_adds_forty_coordinator_hours_and_opens_till_eight(archetype):
    base = practice(archetype)
    new = apply_plan(base, load_plan("evening_coordinator"))
    assert hours(new, "coordinator") - hours(base, "coordinator") == 40.0
    assert hours(new, "front_desk") == hours(base, "front_desk")
    change = words.describe_change(base, new)
    assert change.wages_per_month == pytest.approx(40 * 26.0 * words.WEEKS_PER_MONTH)
    for day in words.opening_by_day(new)[:5]:
        assert any(s <= 12 * 60 and e >= 20 * 60 for s, e in day)
    assert new.policy.max_attempts == 4 and new.policy.first_response_delay_minutes == 0
    assert patient_hours(new) == pytest.approx(patient_hours(base))


@pytest.mark.parametrize("archetype", ARCHETYPES)
@pytest.mark.parametrize("plan", ["answering_service_nights", "autoreply_callback_5min"])
def test_service_plans_change_no_staff(archetype, plan):
    base = practice(archetype)
    new = apply_plan(base, load_plan(plan))
    assert new.roster == base.roster and new.opening_hours == base.opening_hours
    change = words.describe_change(base, new)
    assert change.hours_per_week == 0 and change.wages_per_month == 0
    fee = (150.0 * (not base.answering_service.enabled) if plan == "answering_service_nights"
           else 49.0 - base.auto_responder.fee_per_month * base.auto_responder.enabled)
    assert change.fees_per_month == pytest.approx(fee)


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_current_changes_nothing_and_leaves_the_config_as_it_was(archetype):
    cfg = sim.load_config([f"practice@practices.alpha={archetype}", "plan=current"])
    assert plan_is_empty(cfg.plan)
    assert cfg.practices["alpha"] == practice(archetype)
    assert to_config(cfg) is cfg  # nothing to apply: the very same object


@pytest.mark.slow
@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_saturday_shift_costs_two_saturday_mornings_more_in_a_fortnight(archetype):
    """In the simulation itself: 14 days from a Monday hold two Saturdays, so the plan's
    wages are exactly 2 x 4 h x $24 more, whatever the practice."""
    cost = {}
    for plan in ("current", "saturday_shift"):
        cfg = sim.load_config([f"practice@practices.alpha={archetype}", f"plan={plan}",
                               "market.days=14", "seed=3"])
        cost[plan] = sim.run(cfg).summary["practices.alpha.wages"]
    assert cost["saturday_shift"] - cost["current"] == pytest.approx(2 * 4 * 24.0)


# --------------------------------------------------------------------------- the rules


def test_apply_plan_is_pure():
    base = practice("answering_service")
    plan = load_plan("evening_coordinator")
    before = (copy.deepcopy(base), copy.deepcopy(plan))
    apply_plan(base, plan)
    assert (base, plan) == before


def test_removing_part_of_a_shift_shortens_it():
    base = practice("solo_front_desk")
    plan = PlanConfig(name="short_friday", remove_shifts=[
        ShiftRemoval(role=Role.front_desk, days=["fri"], start="13:00")])
    new = apply_plan(base, plan)
    assert [(words.days_text(words._days(line.days)), line.start, line.end)
            for line in new.roster] == [("Mon-Thu", "09:00", "17:00"), ("Fridays", "09:00",
                                                                         "13:00")]
    change = words.describe_change(base, new)
    assert change.hours_per_week == -4 and change.lowers_staff and change.lowers_cost
    assert change.items[0] == "removes one front-desk receptionist Fridays 13:00-17:00"


def test_people_taken_off_leave_their_patients_to_those_who_stay():
    base = practice("answering_service")  # two receptionists, 40% each
    new = apply_plan(base, PlanConfig(remove_shifts=[ShiftRemoval(staff=1)]))
    assert [(line.staff, line.patient_share) for line in new.roster] == [(1, 0.8)]
    assert patient_hours(new) == pytest.approx(patient_hours(base))
    with pytest.raises(ConfigError, match=r"roster\[0\]\.patient_share: 1\.2 .*after plan"):
        cfg = sim.load_config(["practice@practices.alpha=answering_service",
                               "practices.alpha.patient_share=0.6"])
        to_config(replace(cfg, plan=PlanConfig(name="cut", remove_shifts=[
            ShiftRemoval(staff=1)])))


def test_partly_overlapping_receptionists_share_the_patients_of_the_overlap():
    """A receptionist added 12:00-20:00 to a 09:00-17:00 desk: 5 shared hours and 3 of her
    own; every line gets its hours' average, and the desk's patient hours are exact."""
    base = practice("solo_front_desk")  # 0.45
    new = apply_plan(base, PlanConfig(add_shifts=[
        ShiftAddition(start="12:00", end="20:00")]))
    shares = [line.patient_share for line in new.roster]
    assert shares == pytest.approx([(3 * 0.45 + 5 * 0.225) / 8] * 2)
    assert sum(patient_hours(new)) == pytest.approx(sum(patient_hours(base)) + 15 * 0.45)


def test_an_added_role_is_paid_what_the_practice_pays_it():
    base = practice("dedicated_coordinator")  # coordinators at $26
    new = apply_plan(base, PlanConfig(add_shifts=[
        ShiftAddition(role=Role.coordinator, days=["sun"], start="10:00", end="14:00")]))
    assert new.roster[-1].hourly_wage == 26.0
    solo = apply_plan(practice("solo_front_desk"), PlanConfig(add_shifts=[
        ShiftAddition(role=Role.social_media)]))
    assert solo.roster[-1].hourly_wage == 20.0  # none on the roster: ROLE_WAGES


def test_replace_roster_replaces_it_outright_and_says_so():
    base = practice("answering_service")
    plan = PlanConfig(replace_roster=[ShiftConfig(days=["mon", "tue", "wed", "thu", "fri"],
                                                  start="09:00", end="17:00")])
    new = apply_plan(base, plan)
    assert len(new.roster) == 1 and new.roster[0].staff == 1
    change = words.describe_change(base, new)
    assert change.lowers_staff and "removes" in change.text


def _rerun(path: Path):
    """A saved config.yaml as a run's config again (the schema, then the file)."""
    return to_config(OmegaConf.merge(OmegaConf.structured(sim.Config), OmegaConf.load(path)))


def test_a_plan_is_applied_once_and_its_saved_config_reruns_the_same(tmp_path):
    cfg = sim.load_config(["plan=saturday_shift", "market.days=7", "seed=4"])
    assert cfg.plan.applied
    assert to_config(cfg).practices["alpha"] == cfg.practices["alpha"]  # no second Saturday
    result = sim.run(cfg)
    result.save(tmp_path)
    again = _rerun(tmp_path / "config.yaml")  # the applied practice, marked applied
    assert again.practices["alpha"] == cfg.practices["alpha"]
    assert sim.run(again).summary == result.summary


def test_the_config_yaml_of_a_command_line_run_reruns_the_same(run_cli):
    """`python -m sim plan=...` saves the config as composed: the practice before the plan,
    and the plan, which is applied once when it is run again."""
    import json

    proc = run_cli(["plan=saturday_shift", "market.days=7", "seed=4", "figures=never"])
    assert proc.returncode == 0, proc.stderr
    out = next((proc.cwd / "results" / "runs").glob("*/*"))
    again = _rerun(out / "config.yaml")
    assert [line.days for line in again.practices["alpha"].roster][-1] == ["sat"]
    assert sum(line.staff for line in again.practices["alpha"].roster) == 2
    saved = json.loads((out / "summary.json").read_text())
    rerun = sim.run(again).summary
    assert {k: rerun[k] for k in saved if not k.startswith("run.")} == {
        k: v for k, v in saved.items() if not k.startswith("run.")}


def test_answering_service_nights_covers_only_the_closed_hours_of_open_days():
    from sim.model import LeadMarket

    cfg = sim.load_config(["practices.alpha.answering_service.enabled=true",
                           "practices.alpha.answering_service.hours=nights", "market.days=14"])
    model = LeadMarket(cfg)
    alpha = next(p for p in model.practices if p.slot == "alpha")
    windows = next(s.windows for s in alpha.staff if s.is_service)
    covered = [0.0] * 7  # hours of the first week, by day
    for s, e in windows:
        for d in range(7):
            covered[d] += max(0.0, min(e, d * 1440 + 1440) - max(s, d * 1440)) / 60
    assert covered == [16.0] * 5 + [0.0, 0.0]  # 24 h less 09:00-17:00, Monday to Friday


# --------------------------------------------------------------------------- files


def test_the_plan_template_changes_nothing_and_lists_every_key():
    plan = load_plan(str(TEMPLATES / "plan.yaml"))
    assert plan_is_empty(plan)
    text = yaml.safe_load((TEMPLATES / "plan.yaml").read_text())
    assert set(text) == {f.name for f in PlanConfig.__dataclass_fields__.values()} - {"applied"}
    for name in ("opening_hours", "channels", "answering_service", "auto_responder", "policy"):
        assert set(text[name]) == set(type(getattr(PlanConfig(), name)).__dataclass_fields__)


def _keys(cls) -> dict:
    from dataclasses import fields, is_dataclass

    out = {}
    for f in fields(cls):
        default = f.default_factory() if callable(f.default_factory) else f.default
        out[f.name] = _keys(type(default)) if is_dataclass(default) else None
    return out


def test_the_practice_template_covers_every_field_and_loads(tmp_path, monkeypatch):
    text = yaml.safe_load((TEMPLATES / "practice.yaml").read_text())
    schema = _keys(PracticeConfig)
    assert set(text) == set(schema)
    for name, sub in schema.items():
        if sub:
            assert set(text[name]) == set(sub), name
    assert set(text["roster"][0]) | {"patient_share"} == set(_keys(ShiftConfig))
    (tmp_path / "practice").mkdir()
    (tmp_path / "practice" / "mine.yaml").write_text((TEMPLATES / "practice.yaml").read_text())
    monkeypatch.setenv("LEADSIM_CONFIG_DIR", str(tmp_path))
    cfg = sim.load_config(["practice@practices.alpha=mine"])
    assert cfg.practices["alpha"].name == "My practice"


def test_a_plan_of_your_own_is_found_by_name_and_by_path(tmp_path, monkeypatch):
    (tmp_path / "plan").mkdir()
    path = tmp_path / "plan" / "coordinator_12_20.yaml"
    path.write_text("# @package plan\nsummary: A coordinator at midday.\nadd_shifts:\n"
                    "  - {role: coordinator, start: '12:00', end: '20:00'}\n")
    monkeypatch.setenv("LEADSIM_CONFIG_DIR", str(tmp_path))
    by_name, by_path = load_plan("coordinator_12_20"), load_plan(str(path))
    assert by_name == by_path and by_name.name == "coordinator_12_20"
    assert sim.load_config(["plan=coordinator_12_20"]).practices["alpha"].roster[-1].role \
        == Role.coordinator


def test_a_time_without_quotes_in_a_practice_file_names_file_line_and_key(
        tmp_path, monkeypatch):
    (tmp_path / "practice").mkdir()
    path = tmp_path / "practice" / "mine.yaml"
    path.write_text("name: Mine\nopening_hours:\n  - {days: [mon], start: 8:00, end: '17:00'}\n")
    monkeypatch.setenv("LEADSIM_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as info:
        sim.load_config(["practice@practices.alpha=mine"])
    assert str(info.value) == (
        "practices.alpha.opening_hours[0].start: 480 is not a time: YAML reads 8:00 written "
        'without quotes as 480 minutes (allowed: HH:MM in quotes, e.g. "08:00") '
        f"(in {path.resolve()}, line 3)")


def test_a_plan_of_the_former_kind_is_refused_with_what_to_write(tmp_path, monkeypatch):
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "old.yaml").write_text("# @package practices.alpha\nroster: []\n")
    monkeypatch.setenv("LEADSIM_CONFIG_DIR", str(tmp_path))
    for load in (lambda: sim.load_config(["plan=old"]), lambda: load_plan("old")):
        with pytest.raises(ConfigError, match="starts with '# @package practices.alpha' "
                                              r"\(allowed: a plan of changes"):
            load()


@pytest.mark.parametrize(("text", "message"), [
    ("add_shifts:\n  - {staff: 0}\n", "plan.add_shifts[0].staff: 0 is not allowed"),
    ("channels: {add: [chat], remove: [chat]}\n", "plan.channels: ['chat'] is not allowed"),
    ("add_shifts:\n  - {hours_of: front_desk, days: [sat]}\n",
     "plan.add_shifts[0].hours_of: 'front_desk' is not allowed (allowed: either"),
    ("policy: {follow_up_minutes: [10, 0]}\n", "plan.policy.follow_up_minutes: [10.0, 0.0]"),
])
def test_bad_plan_values_are_one_line_with_file_and_line(tmp_path, text, message):
    path = tmp_path / "p.yaml"
    path.write_text("# @package plan\n" + text)
    with pytest.raises(ConfigError) as info:
        load_plan(str(path))
    line = str(info.value)
    assert line.startswith(message) and "\n" not in line, line
    assert line.endswith(f"(in {path.resolve()}, line 2)") or line.endswith(
        f"(in {path.resolve()}, line 3)"), line


def test_the_shipped_plans_say_what_they_are():
    for name in PLANS:
        plan = load_plan(name)
        assert plan.name == name and plan.summary and plan.cost_note
        assert "\n" not in plan.summary


def test_the_plans_of_the_how_to_page_load_and_apply_to_every_archetype(tmp_path):
    import re

    page = (Path(sim.CONFIG_DIR).parent / "docs" / "how-to" / "write-a-plan.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", page, flags=re.S)
              if b.startswith("# @package plan")]
    assert len(blocks) == 5
    configs = [sim.load_config([f"practice@practices.alpha={a}"]) for a in ARCHETYPES]
    for i, block in enumerate(blocks):
        path = tmp_path / f"example_{i}.yaml"
        path.write_text(block)
        plan = load_plan(str(path))
        for cfg in configs:
            to_config(replace(cfg, plan=plan))  # valid on each
    friday = apply_plan(practice("solo_front_desk"), load_plan(str(tmp_path / "example_1.yaml")))
    assert words.opening_by_day(friday)[4] == [(540, 780)]
    assert hours(friday, "front_desk") == 36
    inbox = apply_plan(practice("solo_front_desk"), load_plan(str(tmp_path / "example_2.yaml")))
    assert inbox.unified_inbox.enabled and inbox.unified_inbox.fee_per_month == 299
    assert inbox.phone_menu_seconds == 0 and inbox.roster == practice("solo_front_desk").roster


# --------------------------------------------------------------------------- search points

WEEKDAY_GROUPS = [["mon", "tue", "wed", "thu", "fri"], ["sat"], ["sun"]]


def _half_hours(draw, st, lo=12, hi=44):
    start = draw(st.integers(lo, hi - 2))
    end = draw(st.integers(start + 1, hi))
    return f"{start // 2:02d}:{start % 2 * 30:02d}", f"{end // 2:02d}:{end % 2 * 30:02d}"


def _search_point(draw, st):
    """A point of the optimiser's space (issue 17) as a plan of changes: people per role
    and shifts by weekday group, phone hours, channels, answering service, auto-responder,
    discipline, delay, cadence and attempts."""
    from sim.config import (
        AnsweringServiceChange,
        AutoResponderChange,
        ChannelsChange,
        HoursChange,
        HoursConfig,
        PolicyChange,
    )

    adds, hours = [], []
    for role in ("front_desk", "coordinator", "social_media"):
        for days in WEEKDAY_GROUPS:
            people = draw(st.integers(0, 2))
            if people:
                start, end = _half_hours(draw, st)
                adds.append(ShiftAddition(role=Role(role), days=list(days), start=start,
                                          end=end, staff=people))
    for days in WEEKDAY_GROUPS:
        if draw(st.booleans()):
            start, end = _half_hours(draw, st)
            hours.append(HoursConfig(days=list(days), start=start, end=end))
    service = draw(st.sampled_from(["off", "nights", "after_hours"]))
    attempts = draw(st.integers(1, 6))
    cadence = sorted(draw(st.lists(st.sampled_from([5.0, 10.0, 60.0, 240.0, 1440.0, 2880.0]),
                                   min_size=attempts - 1, max_size=attempts - 1)))
    watched = draw(st.sets(st.sampled_from(["email", "chat", "sms", "social_dm",
                                            "review_site"])))
    return PlanConfig(
        name="point", summary="A point of the search space.",
        remove_shifts=[ShiftRemoval(role=Role(r)) for r in ("front_desk", "coordinator",
                                                            "social_media")],
        add_shifts=adds,
        opening_hours=HoursChange(replace=hours),
        channels=ChannelsChange(add=sorted(watched),
                                remove=sorted({"email", "chat", "sms", "social_dm",
                                               "review_site"} - watched)),
        answering_service=AnsweringServiceChange(
            enabled=service != "off", hours=None if service == "off" else service),
        auto_responder=AutoResponderChange(
            enabled=draw(st.booleans()),
            promised_response_minutes=draw(st.sampled_from([5.0, 15.0, 60.0]))),
        policy=PolicyChange(discipline=draw(st.sampled_from(["oldest_first", "newest_first",
                                                             "phone_first"])),
                            first_response_delay_minutes=draw(st.sampled_from([0.0, 60.0])),
                            follow_up_minutes=[0.0, *cadence], max_attempts=attempts))


def test_every_point_of_a_staffing_search_is_a_plan_file_valid_on_every_archetype(tmp_path):
    """The optimiser writes each point it tries as a plan file of changes: the file reads
    back as the same plan, and applied to any archetype it gives exactly the roster the
    point describes."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from sim.config_files import write_plan

    bases = [sim.load_config([f"practice@practices.alpha={a}"]) for a in ARCHETYPES]

    @settings(max_examples=25, deadline=None, suppress_health_check=[
        HealthCheck.function_scoped_fixture])
    @given(st.data())
    def check(data):
        plan = to_config(replace(bases[0], plan=_search_point(data.draw, st))).plan
        plan = replace(plan, applied=False)
        path = write_plan(plan, tmp_path / "point.yaml")
        assert load_plan(str(path)) == plan
        wanted = {}
        for a in plan.add_shifts:
            wanted[a.role.value] = wanted.get(a.role.value, 0.0) + words.line_hours(a)
        for cfg in bases:
            new = to_config(replace(cfg, plan=plan)).practices["alpha"]
            got = {k: v for k, v in words.roster_hours(new).items() if v}
            assert got == pytest.approx(wanted)

    check()
