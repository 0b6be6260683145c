"""Typed configuration of a leadsim run, and its validation.

The dataclasses here are the schema of every YAML file under `configs/`. Hydra merges the
YAML into them (so a misspelt key fails at composition), then `validate()` checks values
that a type cannot express (a shift that ends before it starts, a negative rate). OmegaConf
does not run `__post_init__` on merged configs, so validation is an explicit pass over the
object that `OmegaConf.to_object` returns.

This module imports no Hydra at load time: the model reads these dataclasses and must stay
free of the configuration system. `register_configs()` puts them in Hydra's ConfigStore.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any


class ConfigError(ValueError):
    """A bad configuration value. The message is one line: the key, then what is allowed."""


class Channel(str, Enum):
    phone = "phone"
    web_form = "web_form"
    email = "email"
    chat = "chat"
    sms = "sms"
    social_dm = "social_dm"
    review_site = "review_site"


CHANNELS = [c.value for c in Channel]
MESSAGE_CHANNELS = [c for c in CHANNELS if c != "phone"]


class Day(str, Enum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


WEEKDAYS = [Day.mon, Day.tue, Day.wed, Day.thu, Day.fri]
ALL_DAYS = list(Day)


class Role(str, Enum):
    """What a staff member does. See `sim.model.staff.ROLE_CHANNELS` for what each handles."""

    front_desk = "front_desk"  # phones, messages, and the patients standing at the desk
    coordinator = "coordinator"  # a dedicated lead / patient coordinator: all lead work
    social_media = "social_media"  # chat, SMS, social and review-site messages; no phone


class Discipline(str, Enum):
    """Order in which waiting asynchronous work is taken (live calls always come first)."""

    phone_first = "phone_first"  # call-backs and voicemails before messages, then oldest
    oldest_first = "oldest_first"
    newest_first = "newest_first"  # fresh leads first: the speed-to-lead advice


class ServiceHours(str, Enum):
    always = "always"  # 24/7: also catches calls nobody at the practice is free to take
    after_hours = "after_hours"  # only while the practice is closed


class ScenarioKind(str, Enum):
    market = "market"  # the competitive market of DESIGN.md
    mmc = "mmc"  # one phone line, M/M/c+M: the Erlang A validation case


class Figures(str, Enum):
    auto = "auto"  # a single run draws its figures; the jobs of a sweep do not
    always = "always"
    never = "never"


@dataclass
class ShiftConfig:
    """One line of a roster: `staff` people of one role working these days and hours."""

    days: list[Day] = field(default_factory=lambda: list(WEEKDAYS))
    start: str = "09:00"
    end: str = "17:00"
    role: Role = Role.front_desk
    staff: int = 1
    hourly_wage: float = 21.0  # US receptionist median, BLS 2023: about $18-21/h


@dataclass
class HoursConfig:
    """A window of opening hours on some days of the week."""

    days: list[Day] = field(default_factory=lambda: list(WEEKDAYS))
    start: str = "09:00"
    end: str = "17:00"


@dataclass
class PolicyConfig:
    """How a practice works its leads."""

    discipline: Discipline = Discipline.oldest_first
    # The earliest the first response to a message or voicemail is made (minutes after
    # it arrives). The speed-to-lead experiment sets it; "call back in 5 minutes" too.
    first_response_delay_minutes: float = 0.0
    # Attempts are due at these offsets from the first attempt (minutes).
    follow_up_minutes: list[float] = field(default_factory=lambda: [0.0, 10.0, 60.0, 1440.0])
    max_attempts: int = 4  # LRM 2007 / Leads360: worth up to 6
    answer_live_calls: bool = True
    return_voicemails: bool = True
    # Call back every caller who hung up or found the line closed, voicemail or not
    # (caller ID); the speed-to-lead experiment uses it with answer_live_calls=false.
    return_missed_calls: bool = False


@dataclass
class HandlingConfig:
    """Mean minutes of staff time per piece of work (exponentially distributed)."""

    call_minutes: float = 8.0  # a conversation: qualify, answer questions, book
    attempt_minutes: float = 2.0  # an attempt that reaches nobody (dial, voicemail, note)
    message_minutes: float = 4.0  # a written reply that is not yet a conversation


@dataclass
class AnsweringServiceConfig:
    """An outside service that answers calls and leaves call-back tasks for the practice."""

    enabled: bool = False
    hours: ServiceHours = ServiceHours.after_hours
    agents: int = 2
    handle_minutes: float = 3.0
    fee_per_call: float = 1.75  # typical US medical answering services: $1-2.50 a call
    fee_per_month: float = 150.0


@dataclass
class AutoResponderConfig:
    """Acknowledges every message at once and states a promised response time."""

    enabled: bool = False
    promised_response_minutes: float = 60.0
    fee_per_month: float = 0.0


@dataclass
class EconomicsConfig:
    """What a booked consultation is worth. Figures cited in CALIBRATION.md."""

    consultation_to_procedure: float = 0.46  # practice benchmark surveys: median about 46%
    no_show_rate: float = 0.15  # practice benchmark surveys: 10-20%
    consultation_lead_days: float = 7.0
    # Share of procedures of each kind; fees are the surgeon's fee, ASPS 2018 statistics.
    procedure_mix: dict[str, float] = field(
        default_factory=lambda: {
            "breast_augmentation": 0.30,
            "liposuction": 0.30,
            "abdominoplasty": 0.15,
            "rhinoplasty": 0.15,
            "facelift": 0.10,
        }
    )
    procedure_fees: dict[str, float] = field(
        default_factory=lambda: {
            "breast_augmentation": 3824.0,
            "liposuction": 3518.0,
            "facelift": 7655.0,
            "abdominoplasty": 6253.0,
            "rhinoplasty": 5350.0,
        }
    )


@dataclass
class ReputationConfig:
    """A practice's standing on review sites at the start of the run."""

    rating: float = 4.5
    review_count: int = 60


@dataclass
class PracticeConfig:
    """A practice: channels it monitors, hours, roster, policy, services and economics."""

    name: str = ""
    channels: list[Channel] = field(default_factory=lambda: [Channel.phone, Channel.web_form])
    opening_hours: list[HoursConfig] = field(default_factory=lambda: [HoursConfig()])
    roster: list[ShiftConfig] = field(default_factory=lambda: [ShiftConfig()])
    # Share of front-desk time taken by existing patients (check-in, billing, calls).
    patient_share: float = 0.3
    patient_task_minutes: float = 5.0
    handling: HandlingConfig = field(default_factory=HandlingConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    answering_service: AnsweringServiceConfig = field(default_factory=AnsweringServiceConfig)
    auto_responder: AutoResponderConfig = field(default_factory=AutoResponderConfig)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    reputation: ReputationConfig = field(default_factory=ReputationConfig)
    # Pull of the practice's marketing and location, before reputation (1 = average).
    marketing_weight: float = 1.0


@dataclass
class CurveConfig:
    """A decay curve of the time since the inquiry, in closed form:

    value(t) = peak * (w exp(-(t / fast_minutes) ^ fast_shape)
                       + (1 - w) (1 + t / tail_minutes) ^ -tail_exponent)

    A fast component plus a slow power-law tail (CALIBRATION.md). The fast component is
    exponential at fast_shape 1; above 1 (a Weibull survival) the prospect stays reachable
    for a while, then drops quickly, which the steep LRM 2007 figures need.
    """

    peak: float = 0.95
    fast_weight: float = 0.0
    fast_minutes: float = 5.0
    tail_minutes: float = 15.0
    tail_exponent: float = 0.6
    fast_shape: float = 1.0


@dataclass
class ProspectConfig:
    """How prospects' interest decays: reachability (picks up, replies) and readiness."""

    name: str = "aesthetic"
    source: str = ""
    reach: CurveConfig = field(default_factory=CurveConfig)
    ready: CurveConfig = field(default_factory=CurveConfig)
    # Mean patience on hold, minutes (call-centre studies: half hang up within 60 s on
    # silence, mean about 80 s).
    hold_patience_minutes: float = 1.33
    voicemail_share: float = 0.35  # of callers who hang up or find the practice closed


@dataclass
class MarketConfig:
    """The market: how many prospects, on which channels, shopping how many practices."""

    days: int = 90  # days with new prospects arriving (then drain_days without)
    # Days after the last arrival during which staff keep working the open inquiries, so
    # every inquiry reaches an outcome. Staffing cost counts only `days`.
    drain_days: int = 7
    prospects_per_day: float = 30.0  # mean organic prospects a day (Poisson, hour-of-week profile)
    # Share of prospects by channel (normalised); online grew to most of the volume.
    channel_mix: dict[str, float] = field(
        default_factory=lambda: {
            "phone": 0.35,
            "web_form": 0.25,
            "email": 0.08,
            "chat": 0.10,
            "sms": 0.06,
            "social_dm": 0.12,
            "review_site": 0.04,
        }
    )
    # P(shopping list has k practices) for k = 1, 2, ...: RealSelf shopper survey
    # (1 practice 42.9%, 2 practices 25.5%, the rest 3 or more).
    shopping_list: list[float] = field(default_factory=lambda: [0.429, 0.255, 0.196, 0.12])
    # Prospects contacting several practices spread the inquiries over this many minutes.
    inquiry_spread_minutes: float = 30.0


EXPERIENCES = ["good", "neutral", "bad"]


@dataclass
class ReputationModelConfig:
    """After the inquiry: how prospects judge each practice they contacted, what they do
    about it (Optus 2014), and how reviews, word of mouth and response badges move each
    practice's pull on later prospects. The `reputation=` group; sources cited in
    configs/reputation/optus2014.yaml, the model in sim/model/reputation.py."""

    name: str = "optus2014"
    source: str = ""
    enabled: bool = True  # judge, act, review, refer
    feedback: bool = True  # attractiveness follows rating, reviews, badges and bad word
    # What a prospect expects without an auto-responder's promise (minutes to the first
    # human response; phone: to the call-back after a missed call or voicemail), and
    # when waiting turns into a bad experience.
    expected_minutes: dict[str, float] = field(default_factory=lambda: {
        "phone": 60.0, "web_form": 60.0, "email": 240.0, "chat": 5.0, "sms": 30.0,
        "social_dm": 60.0, "review_site": 240.0})
    bad_after_minutes: dict[str, float] = field(default_factory=lambda: {
        "phone": 1440.0, "web_form": 1440.0, "email": 2880.0, "chat": 60.0, "sms": 480.0,
        "social_dm": 1440.0, "review_site": 2880.0})
    broken_promise_factor: float = 4.0  # a promise missed by more than this factor is bad
    # Read an auto-responder's promise as "within N minutes of our opening hours", as
    # auto-replies are usually worded; false: N minutes on the wall clock.
    promise_in_opening_hours: bool = True
    hold_ok_minutes: float = 1.0  # seed 002: no more than a minute before a human
    hold_bad_minutes: float = 3.0
    clinical_disappointment_rate: float = 0.04  # of consultations (seed 001: a minority)
    # Practices ask patients who came to a consultation for a review; this share of those
    # with a good experience who would not have posted anyway do (assumed).
    patient_review_share: float = 0.3
    act_share: dict[str, float] = field(default_factory=lambda: {
        "good": 0.59, "neutral": 0.25, "bad": 0.79})
    # Each action's share of ALL who had the experience; several may happen.
    actions_good: dict[str, float] = field(default_factory=lambda: {
        "told_friend": 0.46, "posted_online": 0.13, "answered_survey": 0.13,
        "complimented": 0.10})
    actions_neutral: dict[str, float] = field(default_factory=lambda: {
        "told_friend": 0.15, "answered_survey": 0.08, "posted_online": 0.04})
    actions_bad: dict[str, float] = field(default_factory=lambda: {
        "told_friend": 0.46, "called_to_complain": 0.28, "researched_competitor": 0.23,
        "answered_survey": 0.13, "wrote_complaint": 0.13, "posted_online": 0.13,
        "switched_provider": 0.10})
    # P(1, 2, 3, 4, 5 stars) of a review after each experience.
    stars_good: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.02, 0.18, 0.80])
    stars_neutral: list[float] = field(default_factory=lambda: [0.05, 0.25, 0.45, 0.25, 0.0])
    stars_bad: list[float] = field(default_factory=lambda: [0.70, 0.25, 0.05, 0.0, 0.0])
    review_sites: dict[str, float] = field(default_factory=lambda: {
        "google": 0.55, "yelp": 0.20, "realself": 0.15, "facebook": 0.10})
    review_delay_days: float = 3.0  # mean, exponential
    # Good word of mouth: share of friends told who inquire themselves, and when.
    referral_share: float = 0.3
    referral_delay_days: float = 21.0  # mean, exponential
    referral_shopping_list: list[float] = field(default_factory=lambda: [0.7, 0.2, 0.1])
    referrer_share: float = 0.9  # referred prospects who put the referrer on their list
    # Bad word of mouth: each telling reaches this many people who will shop and now avoid
    # the practice (default: one friend, shopping as often as a referred friend inquires).
    # The practice's weight is multiplied by exp(-(share of shoppers who heard it)); the
    # word fades with this half-life.
    bad_word_reach: float = 0.3
    bad_word_half_life_days: float = 90.0
    # The weight model: marketing x exp(rating_weight (rating - 4.5))
    #   x ((1 + reviews) / 61) ^ review_count_elasticity x badge boosts x bad word.
    rating_weight: float = 1.5
    review_count_elasticity: float = 0.5
    facebook_badge_boost: float = 1.15
    yelp_badge_boost: float = 1.10
    yelp_badge_minutes: float = 60.0  # Yelp median response time that earns the boost
    badge_min_messages: int = 3  # fewer messages in the window: no badge shown


@dataclass
class ScenarioConfig:
    """Which world to build. `mmc` uses only the fields below it."""

    kind: ScenarioKind = ScenarioKind.market
    arrivals_per_hour: float = 30.0  # mmc: Poisson callers an hour
    servers: int = 4  # mmc: staff always on the line
    handle_minutes: float = 7.0  # mmc: mean call length (exponential)
    patience_minutes: float = 3.0  # mmc: mean patience on hold (exponential)
    days: int = 40  # mmc: simulated days


@dataclass
class Config:
    """The whole run: seed, scenario, market, prospect profile and practices by slot."""

    seed: int = 0  # one seed reproduces a run bit for bit (named streams from it)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    prospect: ProspectConfig = field(default_factory=ProspectConfig)
    reputation: ReputationModelConfig = field(default_factory=ReputationModelConfig)
    practices: dict[str, PracticeConfig] = field(default_factory=dict)
    # Keep a log of every piece of staff work (staff, kind, start, end); tests read it. In
    # time order per person, not across people (an idle person's patients are logged when
    # they are caught up with).
    record_activity: bool = False
    # The per-run figures of `python -m sim` (first_response.png, reputation.png). `auto`:
    # a single run draws them, sweep jobs skip them (importing seaborn and drawing take
    # longer than a 90-day run; a sweep's output is sweep.parquet). Not read by the model.
    figures: Figures = Figures.auto


# --------------------------------------------------------------------------- validation


def parse_clock(value: str, key: str) -> int:
    """'HH:MM' (00:00 to 24:00) to minutes after midnight."""
    try:
        hours, minutes = str(value).split(":")
        h, m = int(hours), int(minutes)
    except ValueError:
        raise ConfigError(
            f"{key}: '{value}' is not a time (allowed: HH:MM, 00:00 to 24:00)"
        ) from None
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 1440:
        raise ConfigError(f"{key}: '{value}' is not a time (allowed: HH:MM, 00:00 to 24:00)")
    return h * 60 + m


def _check(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{key}: {value!r} is not allowed (allowed: {allowed})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive(value: Any, key: str) -> None:
    _check(
        isinstance(value, int | float) and math.isfinite(value) and value > 0,
        key,
        value,
        "a number > 0",
    )


def _non_negative(value: Any, key: str) -> None:
    _check(
        isinstance(value, int | float) and math.isfinite(value) and value >= 0,
        key,
        value,
        "a number >= 0",
    )


def _share(value: Any, key: str) -> None:
    _check(isinstance(value, int | float) and 0 <= value <= 1, key, value, "a share from 0 to 1")


def _count(value: Any, key: str, minimum: int = 0) -> None:
    _check(_is_int(value) and value >= minimum, key, value, f"a whole number >= {minimum}")


def _window(start: str, end: str, key: str) -> None:
    s = parse_clock(start, f"{key}.start")
    e = parse_clock(end, f"{key}.end")
    if e <= s:
        raise ConfigError(
            f"{key}.end: {end} is not after start {start} (allowed: an end later the same "
            "day; split a night shift at midnight into two shifts)"
        )


def _curve(c: CurveConfig, key: str) -> None:
    _share(c.peak, f"{key}.peak")
    _share(c.fast_weight, f"{key}.fast_weight")
    _positive(c.fast_minutes, f"{key}.fast_minutes")
    _positive(c.tail_minutes, f"{key}.tail_minutes")
    _non_negative(c.tail_exponent, f"{key}.tail_exponent")
    _positive(c.fast_shape, f"{key}.fast_shape")


def _distribution(values: dict[str, float] | list[float], key: str) -> None:
    items = values.items() if isinstance(values, dict) else enumerate(values)
    for name, v in items:
        _non_negative(v, f"{key}.{name}")
    total = sum(values.values() if isinstance(values, dict) else values)
    _check(total > 0, key, values, "weights >= 0 with a positive sum")


def validate_practice(p: PracticeConfig, key: str) -> None:
    _check(len(p.channels) == len(set(p.channels)), f"{key}.channels", p.channels, "no repeats")
    for i, hours in enumerate(p.opening_hours):
        _window(hours.start, hours.end, f"{key}.opening_hours[{i}]")
    for i, shift in enumerate(p.roster):
        k = f"{key}.roster[{i}]"
        _window(shift.start, shift.end, k)
        _count(shift.staff, f"{k}.staff")
        _non_negative(shift.hourly_wage, f"{k}.hourly_wage")
        _check(len(shift.days) > 0, f"{k}.days", shift.days, "at least one of mon..sun")
    _share(p.patient_share, f"{key}.patient_share")
    _check(p.patient_share < 1, f"{key}.patient_share", p.patient_share, "a share below 1")
    _positive(p.patient_task_minutes, f"{key}.patient_task_minutes")
    for f in fields(HandlingConfig):
        _positive(getattr(p.handling, f.name), f"{key}.handling.{f.name}")
    pol = p.policy
    _non_negative(pol.first_response_delay_minutes, f"{key}.policy.first_response_delay_minutes")
    _count(pol.max_attempts, f"{key}.policy.max_attempts", 1)
    _check(pol.max_attempts <= 6, f"{key}.policy.max_attempts", pol.max_attempts, "1 to 6")
    fu = list(pol.follow_up_minutes)
    _check(
        len(fu) >= pol.max_attempts,
        f"{key}.policy.follow_up_minutes",
        fu,
        f"at least max_attempts ({pol.max_attempts}) offsets",
    )
    _check(
        all(v >= 0 for v in fu) and fu == sorted(fu) and fu[:1] == [0],
        f"{key}.policy.follow_up_minutes",
        fu,
        "non-decreasing minutes >= 0 starting at 0",
    )
    svc = p.answering_service
    _count(svc.agents, f"{key}.answering_service.agents", 1)
    _positive(svc.handle_minutes, f"{key}.answering_service.handle_minutes")
    _non_negative(svc.fee_per_call, f"{key}.answering_service.fee_per_call")
    _non_negative(svc.fee_per_month, f"{key}.answering_service.fee_per_month")
    ar = p.auto_responder
    _positive(ar.promised_response_minutes, f"{key}.auto_responder.promised_response_minutes")
    _non_negative(ar.fee_per_month, f"{key}.auto_responder.fee_per_month")
    eco = p.economics
    _share(eco.consultation_to_procedure, f"{key}.economics.consultation_to_procedure")
    _share(eco.no_show_rate, f"{key}.economics.no_show_rate")
    _non_negative(eco.consultation_lead_days, f"{key}.economics.consultation_lead_days")
    _distribution(eco.procedure_mix, f"{key}.economics.procedure_mix")
    for name in eco.procedure_mix:
        _check(
            name in eco.procedure_fees,
            f"{key}.economics.procedure_mix.{name}",
            name,
            f"a procedure with a fee: {', '.join(eco.procedure_fees)}",
        )
    for name, fee in eco.procedure_fees.items():
        _non_negative(fee, f"{key}.economics.procedure_fees.{name}")
    rep = p.reputation
    _check(1 <= rep.rating <= 5, f"{key}.reputation.rating", rep.rating, "1 to 5 stars")
    _count(rep.review_count, f"{key}.reputation.review_count")
    _positive(p.marketing_weight, f"{key}.marketing_weight")


def _action_mix(act: float, shares: dict[str, float], key: str) -> None:
    for name, v in shares.items():
        _check(isinstance(v, int | float) and 0 <= v <= act, f"{key}.{name}", v,
               f"a share from 0 to the share who act ({act})")
    _check(sum(shares.values()) >= act - 1e-9, key, dict(shares),
           f"shares summing to at least the share who act ({act}): every actor does something")


def validate_reputation(r: ReputationModelConfig) -> None:
    """The reputation model's values (sim/model/reputation.py)."""
    key = "reputation"
    for name in ("expected_minutes", "bad_after_minutes"):
        table = getattr(r, name)
        for channel in CHANNELS:
            _check(channel in table, f"{key}.{name}", sorted(table), f"a value for {channel}")
            _positive(table[channel], f"{key}.{name}.{channel}")
        for channel in table:
            _check(channel in CHANNELS, f"{key}.{name}.{channel}", channel, ", ".join(CHANNELS))
    for channel in CHANNELS:
        _check(r.bad_after_minutes[channel] >= r.expected_minutes[channel],
               f"{key}.bad_after_minutes.{channel}", r.bad_after_minutes[channel],
               f"at least expected_minutes.{channel} ({r.expected_minutes[channel]})")
    _check(isinstance(r.broken_promise_factor, int | float) and r.broken_promise_factor >= 1,
           f"{key}.broken_promise_factor", r.broken_promise_factor, "a number >= 1")
    _non_negative(r.hold_ok_minutes, f"{key}.hold_ok_minutes")
    _check(r.hold_bad_minutes >= r.hold_ok_minutes, f"{key}.hold_bad_minutes",
           r.hold_bad_minutes, f"at least hold_ok_minutes ({r.hold_ok_minutes})")
    _share(r.clinical_disappointment_rate, f"{key}.clinical_disappointment_rate")
    _share(r.patient_review_share, f"{key}.patient_review_share")
    _check(sorted(r.act_share) == sorted(EXPERIENCES), f"{key}.act_share", sorted(r.act_share),
           "exactly good, neutral, bad")
    for exp in EXPERIENCES:
        _share(r.act_share[exp], f"{key}.act_share.{exp}")
        _action_mix(r.act_share[exp], getattr(r, f"actions_{exp}"), f"{key}.actions_{exp}")
        stars = list(getattr(r, f"stars_{exp}"))
        _check(len(stars) == 5, f"{key}.stars_{exp}", stars, "five weights, for 1 to 5 stars")
        _distribution(stars, f"{key}.stars_{exp}")
    _distribution(r.review_sites, f"{key}.review_sites")
    _positive(r.review_delay_days, f"{key}.review_delay_days")
    _share(r.referral_share, f"{key}.referral_share")
    _positive(r.referral_delay_days, f"{key}.referral_delay_days")
    # (a market with fewer practices than weights cuts the list; see reputation.py)
    _distribution(r.referral_shopping_list, f"{key}.referral_shopping_list")
    _share(r.referrer_share, f"{key}.referrer_share")
    _non_negative(r.bad_word_reach, f"{key}.bad_word_reach")
    _positive(r.bad_word_half_life_days, f"{key}.bad_word_half_life_days")
    _non_negative(r.rating_weight, f"{key}.rating_weight")
    _non_negative(r.review_count_elasticity, f"{key}.review_count_elasticity")
    _positive(r.facebook_badge_boost, f"{key}.facebook_badge_boost")
    _positive(r.yelp_badge_boost, f"{key}.yelp_badge_boost")
    _positive(r.yelp_badge_minutes, f"{key}.yelp_badge_minutes")
    _count(r.badge_min_messages, f"{key}.badge_min_messages", 1)


def validate(cfg: Config) -> Config:
    """Check every value; raise ConfigError naming the first bad key. Returns `cfg`."""
    _count(cfg.seed, "seed")
    sc = cfg.scenario
    # Checked whatever the kind: a bad value typed for an unused field is still a mistake.
    _positive(sc.arrivals_per_hour, "scenario.arrivals_per_hour")
    _count(sc.servers, "scenario.servers", 1)
    _positive(sc.handle_minutes, "scenario.handle_minutes")
    _positive(sc.patience_minutes, "scenario.patience_minutes")
    _count(sc.days, "scenario.days", 1)
    m = cfg.market
    _count(m.days, "market.days", 1)
    _count(m.drain_days, "market.drain_days")
    _positive(m.prospects_per_day, "market.prospects_per_day")
    _distribution(m.channel_mix, "market.channel_mix")
    for name in m.channel_mix:
        _check(name in CHANNELS, f"market.channel_mix.{name}", name, ", ".join(CHANNELS))
    _distribution(m.shopping_list, "market.shopping_list")
    _non_negative(m.inquiry_spread_minutes, "market.inquiry_spread_minutes")
    pr = cfg.prospect
    _curve(pr.reach, "prospect.reach")
    _curve(pr.ready, "prospect.ready")
    _positive(pr.hold_patience_minutes, "prospect.hold_patience_minutes")
    _share(pr.voicemail_share, "prospect.voicemail_share")
    if sc.kind == ScenarioKind.market:
        _check(len(cfg.practices) > 0, "practices", "{}", "at least one practice slot")
        _check(
            len(m.shopping_list) <= len(cfg.practices),
            "market.shopping_list",
            m.shopping_list,
            f"at most one weight per practice ({len(cfg.practices)})",
        )
    for slot, practice in cfg.practices.items():
        validate_practice(practice, f"practices.{slot}")
    validate_reputation(cfg.reputation)
    return cfg


def to_config(obj: Any) -> Config:
    """A composed DictConfig (or a Config already) to a validated `Config`."""
    if isinstance(obj, Config):
        return validate(obj)
    from omegaconf import OmegaConf  # local: keep this module free of Hydra at import

    try:
        cfg = OmegaConf.to_object(obj)
    except Exception as exc:  # OmegaConf's own type errors name the key
        raise ConfigError(one_line(exc)) from None
    if not is_dataclass(cfg) or not isinstance(cfg, Config):
        raise ConfigError("config: the composed config is not a leadsim Config")
    _no_unknown_keys(cfg, "")
    return validate(cfg)


def _no_unknown_keys(obj: Any, path: str) -> None:
    """A key the schema does not have (`+market.dayz=365` adds one past Hydra's check) is a
    typo: one line naming it and the keys allowed there."""
    if is_dataclass(obj):
        names = [f.name for f in fields(obj)]
        for key in vars(obj):
            if key not in names:
                raise ConfigError(f"{path}{key}: unknown key (allowed: {', '.join(names)})")
        for name in names:
            _no_unknown_keys(getattr(obj, name), f"{path}{name}.")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _no_unknown_keys(value, f"{path}{key}.")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            _no_unknown_keys(value, f"{path}{i}.")


def one_line(exc: BaseException) -> str:
    """The first meaningful line of an OmegaConf / Hydra error, with its key."""
    text = str(exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    head = lines[0] if lines else type(exc).__name__
    key = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("full_key:")), None)
    if key and key not in head:
        head = f"{key}: {head}"
    return head


def register_configs() -> None:
    """Put the schema in Hydra's ConfigStore (as `base_config`, used by configs/config.yaml)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
