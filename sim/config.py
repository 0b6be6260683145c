"""Typed configuration of a leadsim run, and its validation.

The dataclasses here are the schema of every YAML file under `configs/`. Hydra merges the
YAML into them (so a misspelt key fails at composition), then `validate()` checks values
that a type cannot express (a shift that ends before it starts, a negative rate). OmegaConf
does not run `__post_init__` on merged configs, so validation is an explicit pass over the
object that `OmegaConf.to_object` returns.

This module imports no Hydra at load time: the model reads these dataclasses and must stay
free of the configuration system. `register_configs()` puts them in Hydra's ConfigStore.

One module, long on purpose: every key of the YAML files is declared here
with its comment (sim/describe.py reads them from this file's source for `--help` and the
docs' reference), and each dataclass's checks sit in the validation section below, so a
new key, its check and its documentation are one change in one file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from functools import cache
from typing import Any, get_args, get_origin, get_type_hints

from .vocabulary import CHANNELS, MESSAGE_CHANNELS, ROLE_CHANNELS, ROLE_TAKES_CALLS


class ConfigError(ValueError):
    """A bad configuration value. The message is one line: the key, then what is allowed."""


class UnknownKeyError(ConfigError, AttributeError):
    """A config object was given an attribute its schema does not have (a typo such as
    `cfg.market.prospects_per_dya = 40`, which would otherwise be silently ignored).
    `path`: where the object sits in the config (`market.`), when known."""

    def __init__(self, owner: type, key: str, path: str = "") -> None:
        self.owner, self.key, self.path = owner, key, path
        names = [f.name for f in fields(owner)]
        where = f"{path}{key}: unknown key" if path else (
            f"{key}: unknown key of {owner.__name__}")
        close = _closest(key, names)
        hint = f"; did you mean {close}?" if close else ""
        super().__init__(f"{where} (allowed: {', '.join(names)}{hint})")

    def __reduce__(self):  # (sent between processes by joblib)
        return type(self), (self.owner, self.key, self.path)


class Channel(str, Enum):
    phone = "phone"
    web_form = "web_form"
    email = "email"
    chat = "chat"
    sms = "sms"
    social_dm = "social_dm"
    review_site = "review_site"



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
    """What a staff member does. See `sim.vocabulary.ROLE_CHANNELS` for what each handles."""

    front_desk = "front_desk"  # phones, messages, and the patients standing at the desk
    coordinator = "coordinator"  # a dedicated lead / patient coordinator: all lead work
    social_media = "social_media"  # chat, SMS, social and review-site messages; no phone


# What each role works: ROLE_CHANNELS and ROLE_TAKES_CALLS (sim/vocabulary.py).


class Discipline(str, Enum):
    """Order in which waiting asynchronous work is taken (live calls always come first)."""

    phone_first = "phone_first"  # call-backs and voicemails before messages, then oldest
    oldest_first = "oldest_first"
    newest_first = "newest_first"  # fresh leads first: the speed-to-lead advice


class ServiceHours(str, Enum):
    always = "always"  # 24/7: also catches calls nobody at the practice is free to take
    after_hours = "after_hours"  # only while the practice is closed
    # the closed hours of the days the practice opens (its evenings, nights and early
    # mornings), not the days it stays closed (a weekend)
    nights = "nights"


class TalkDistribution(str, Enum):
    """The distribution of a conversation's length (its mean is handling.call_minutes)."""

    exponential = "exponential"
    lognormal = "lognormal"  # long right tail: what most real call logs show (leadsim fit)


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
    # Share of each person's shift taken by the existing patients at the desk (front desk
    # only); null: the practice's `patient_share`. A plan sets it by the rule of
    # sim/plans.py (people added on the desk's hours share its patients).
    patient_share: float | None = None


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
    """Mean minutes of staff time per piece of work (exponentially distributed, apart from
    conversations when `call_distribution` says otherwise)."""

    call_minutes: float = 8.0  # a conversation: qualify, answer questions, book
    attempt_minutes: float = 2.0  # an attempt that reaches nobody (dial, voicemail, note)
    message_minutes: float = 4.0  # a written reply that is not yet a conversation
    # A conversation's length: exponential with mean call_minutes, or lognormal with that
    # mean and `call_sigma` the standard deviation of its logarithm (`leadsim fit` picks the
    # one that fits the practice's call log better).
    call_distribution: TalkDistribution = TalkDistribution.exponential
    call_sigma: float = 1.0


HANDLING_MINUTES = ("call_minutes", "attempt_minutes", "message_minutes")


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


# A unified inbox's monthly fee. The vendors of small-practice inboxes (Podium, Birdeye,
# Weave, NiceJob) publish few prices; looked up 2026-12-02: Podium's entry plan (Core)
# is reported at $399 a month and Pro at $599 (third-party reports: Podium quotes on
# request); Birdeye's base plans at $299-449 a location a month (third-party analyses);
# NiceJob lists $75 and $125 a month, but for review requests and a light inbox.
# Default: Podium Core, $399 (docs/background/one-inbox.md).
UNIFIED_INBOX_FEE_PER_MONTH = 399.0


@dataclass
class UnifiedInboxConfig:
    """One inbox for every message channel (a Podium- or Birdeye-like tool): every
    message channel is watched (web form, email, chat, SMS, social DMs, review-site
    messages), and everyone on shift who answers messages can take any of them, from one
    queue in the order of the practice's discipline. It adds no staff, no auto-reply and
    no phone line: the phone stays as the practice has it."""

    enabled: bool = False
    fee_per_month: float = UNIFIED_INBOX_FEE_PER_MONTH


# A nurture programme's monthly fee: an email tool that sends the newsletter on a cadence.
# Looked up 2026-12-03: Mailchimp's Standard plan (automations) is reported at $13.99 a
# month for 500 contacts and about $100 for 10,000 (third-party comparisons); a practice
# whose list holds patients' health information needs a vendor that signs a HIPAA
# business associate agreement, and those quote on request. Default: $100 a month, an
# assumption at the top of the general tools' range standing for a compliant one; writing
# the newsletter (staff or agency time) is not counted (docs/background/nurture.md).
NURTURE_FEE_PER_MONTH = 100.0


@dataclass
class NurtureConfig:
    """A nurture programme: a prospect reached while no longer ready to book is offered a
    micro-conversion (a newsletter sign-up, a video, a poll) and accepts with
    `accept_share`; the practice then keeps in touch, a touch every `touch_every_days`
    for `touches` touches. A share `ready_again_share` of them becomes ready again and
    answers one of the touches (each touch as likely), inquiring again on their channel,
    ready to book: with the nurturing practice alone, or, with `shop_again_share`, with
    it first and then a shopping list of their own (sim/model/nurture.py).

    Figures (business-to-business surveys, assumptions for healthcare): 49% of new
    leads not yet sales-ready, 72% of those nurtured became ready in 6 to 11 months,
    after 9 touches on average, 11 days apart (Johnny Grow nurture marketing survey).
    18 touches 11 days apart (about 6.5 months) with the answering touch uniform over
    them give 9.5 touches on average. `accept_share` and `shop_again_share` have no
    source: assumptions (docs/background/nurture.md)."""

    enabled: bool = False
    accept_share: float = 0.3  # assumption: no published figure for practices
    ready_again_share: float = 0.7  # Johnny Grow survey (B2B): 72% became ready
    touches: int = 18  # the programme's length: 18 x 11 days, about 6.5 months
    touch_every_days: float = 11.0  # Johnny Grow survey (B2B): 11 days between touches
    shop_again_share: float = 0.3  # assumption: of those ready again, who also shop around
    fee_per_month: float = NURTURE_FEE_PER_MONTH


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
class WeekProfile:
    """Relative inquiries in each hour of the week, local time: 24 weights a day, 00:00-01:00
    first. Only the shape counts (the volume is set elsewhere)."""

    mon: list[float] = field(default_factory=list)
    tue: list[float] = field(default_factory=list)
    wed: list[float] = field(default_factory=list)
    thu: list[float] = field(default_factory=list)
    fri: list[float] = field(default_factory=list)
    sat: list[float] = field(default_factory=list)
    sun: list[float] = field(default_factory=list)

    def hours(self) -> list[float]:
        """The 168 weights, Monday 00:00 first."""
        return [float(v) for d in ALL_DAYS for v in getattr(self, d.value)]


@dataclass
class PracticeConfig:
    """A practice: channels it monitors, hours, roster, policy, services and economics."""

    name: str = ""
    channels: list[Channel] = field(default_factory=lambda: [Channel.phone, Channel.web_form])
    # Not when the phone is answered (the roster decides that): when an after-hours
    # answering service works, and the hours an auto-responder's promise is counted in.
    opening_hours: list[HoursConfig] = field(default_factory=lambda: [HoursConfig()])
    roster: list[ShiftConfig] = field(default_factory=lambda: [ShiftConfig()])
    # Share of front-desk time taken by existing patients (check-in, billing, calls).
    patient_share: float = 0.3
    patient_task_minutes: float = 5.0
    handling: HandlingConfig = field(default_factory=HandlingConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    answering_service: AnsweringServiceConfig = field(default_factory=AnsweringServiceConfig)
    auto_responder: AutoResponderConfig = field(default_factory=AutoResponderConfig)
    unified_inbox: UnifiedInboxConfig = field(default_factory=UnifiedInboxConfig)
    # Micro-conversions of prospects not ready to book, and the touches that follow.
    nurture: NurtureConfig = field(default_factory=NurtureConfig)
    # An automated phone menu ("press 1 for ...") played to every caller before they reach
    # a person, the hold queue, the answering service or the closed-line message, in
    # seconds (0: none). Callers hang up in it with the same patience as on hold, counted
    # from the start of the call. Seed 002 warns against more than a minute of it.
    phone_menu_seconds: float = 0.0
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    reputation: ReputationConfig = field(default_factory=ReputationConfig)
    # Pull of the practice's marketing and location, before reputation (1 = average).
    marketing_weight: float = 1.0
    # This practice's callers on hold: mean patience (minutes, exponential) and the share of
    # those who hang up or find the line closed who leave a voicemail. None: the prospect
    # profile's (prospect.hold_patience_minutes, prospect.voicemail_share).
    hold_patience_minutes: float | None = None
    voicemail_share: float | None = None
    # The practice's own volume: "we receive about this many inquiries a month" per channel
    # (empty: not given). In the focal slot `alpha` it sets the market's prospects_per_day
    # and channel_mix so that this practice receives that volume in expectation (see
    # sim/volume.py): channels not listed keep the market's own volume.
    inquiries_per_month: dict[str, float] = field(default_factory=dict)
    # Per channel: inquiries this practice receives per prospect of the market on that
    # channel, as `leadsim fit` measures it by simulation (empty: leadsim computes the share
    # of prospects who put the practice on their shopping list at the start of a run).
    inquiry_share: dict[str, float] = field(default_factory=dict)
    # When the practice's inquiries come, per channel (empty: leadsim's built-in profiles).
    # In the focal slot `alpha` it is the market's profile for those channels.
    inquiry_profile: dict[str, WeekProfile] = field(default_factory=dict)


def _name(value) -> str:
    return str(getattr(value, "value", value))


def watched_channels(p: PracticeConfig) -> list[str]:
    """The channels practice `p` watches: its `channels`, then, with a unified inbox,
    every message channel it did not (in the order of CHANNELS). An inquiry on any other
    channel is never answered."""
    own = [_name(c) for c in p.channels]
    if not p.unified_inbox.enabled:
        return own
    return own + [c for c in MESSAGE_CHANNELS if c not in own]


def staff_channels(p: PracticeConfig, role, watched: list[str] | None = None
                   ) -> tuple[str, ...]:
    """The channels of work a person in `role` takes at practice `p`, among those it
    watches (`watched`: watched_channels(p), if already known): the role's own
    (ROLE_CHANNELS); with a unified inbox, every message channel too for a role that
    answers messages (call-backs stay with the roles that make calls)."""
    role = _name(role)
    watched = watched_channels(p) if watched is None else watched
    own = ROLE_CHANNELS[role]
    if p.unified_inbox.enabled and own:
        own = tuple(c for c in CHANNELS if c in own or c in MESSAGE_CHANNELS)
    return tuple(c for c in own if c in watched)


def unread_channels(p: PracticeConfig, all_channels: list[str] | None = None) -> list[str]:
    """The channels on which nobody at practice `p` ever answers: not watched, or watched
    but nobody on its roster works them (the phone: nobody who takes calls, and no
    answering service)."""
    watched = watched_channels(p)
    roles = {_name(line.role) for line in p.roster if line.staff > 0}
    read = {c for role in roles for c in staff_channels(p, role, watched)}
    if "phone" in watched and (p.answering_service.enabled
                               or any(ROLE_TAKES_CALLS[r] for r in roles)):
        read.add("phone")
    return [c for c in (all_channels or CHANNELS) if c not in read]


# --------------------------------------------------------------------------- plans
# A staffing plan is a change to the practice in the focal slot (PLAN_SLOT), applied by
# `apply_plan` (the rules are in sim/plans.py): fields left null or empty leave the
# practice as it is, so one plan means the same on every practice it is applied to.

PLAN_SLOT = "alpha"  # the focal practice: the one a plan changes
# The plan's sections that change the practice's section of the same name field by field
# (null: unchanged), in the order they are applied (sim/plans.py).
PLAN_SECTIONS = ("answering_service", "auto_responder", "policy", "unified_inbox", "nurture")
# What a role is paid when a plan adds it to a practice that has no one in that role
# (the archetypes' wages: BLS 2023 receptionists; job-board surveys for coordinators).
ROLE_WAGES = {Role.front_desk: 21.0, Role.coordinator: 26.0, Role.social_media: 20.0}


@dataclass
class ShiftAddition:
    """People a plan adds to the roster: `staff` people of one role on these days and
    hours. Front-desk people added on hours the desk is already staffed share its
    patients; on hours it was not, they have their own (sim/plans.py)."""

    role: Role = Role.front_desk
    days: list[Day] = field(default_factory=lambda: list(WEEKDAYS))
    start: str = "09:00"
    end: str = "17:00"
    staff: int = 1
    # null: what the practice pays this role now (hours-weighted), or ROLE_WAGES
    hourly_wage: float | None = None
    # A role: work whenever the practice has someone of that role on (a second
    # receptionist on the desk's own hours), instead of `days`, `start` and `end`.
    hours_of: Role | None = None


@dataclass
class ShiftRemoval:
    """People a plan takes off the roster: `staff` people (null: everyone) of one role on
    these days (null: every day) between `start` and `end` (null: the whole day). A shift
    is shortened by removing part of its hours; with several people on, the lines listed
    last lose theirs first."""

    role: Role = Role.front_desk
    days: list[Day] | None = None
    start: str | None = None
    end: str | None = None
    staff: int | None = None


@dataclass
class HoursChange:
    """Changes to the opening hours: `replace` them outright (null: keep), then `remove`
    windows, then `add` windows. With `follow_added_shifts` the practice also opens
    whenever an added phone shift (front desk, coordinator) works."""

    replace: list[HoursConfig] | None = None
    remove: list[HoursConfig] = field(default_factory=list)
    add: list[HoursConfig] = field(default_factory=list)
    follow_added_shifts: bool = True


@dataclass
class ChannelsChange:
    """Channels the practice starts or stops watching."""

    add: list[Channel] = field(default_factory=list)
    remove: list[Channel] = field(default_factory=list)


@dataclass
class AnsweringServiceChange:
    """Settings of the answering service a plan changes (null: unchanged). `enabled: true`
    adds one (the other settings: the practice's, else AnsweringServiceConfig's)."""

    enabled: bool | None = None
    hours: ServiceHours | None = None
    agents: int | None = None
    handle_minutes: float | None = None
    fee_per_call: float | None = None
    fee_per_month: float | None = None


@dataclass
class AutoResponderChange:
    """Settings of the auto-responder a plan changes (null: unchanged)."""

    enabled: bool | None = None
    promised_response_minutes: float | None = None
    fee_per_month: float | None = None


@dataclass
class UnifiedInboxChange:
    """The unified inbox a plan adds or drops (null: unchanged). `enabled: true` adds
    one: every message channel watched, anyone who answers messages takes any of them
    (UnifiedInboxConfig); `fee_per_month` null: the practice's, else
    UNIFIED_INBOX_FEE_PER_MONTH."""

    enabled: bool | None = None
    fee_per_month: float | None = None


@dataclass
class NurtureChange:
    """The nurture programme a plan adds or drops (null: unchanged); see NurtureConfig.
    `enabled: true` starts one with the practice's settings for the fields left null."""

    enabled: bool | None = None
    accept_share: float | None = None
    ready_again_share: float | None = None
    touches: int | None = None
    touch_every_days: float | None = None
    shop_again_share: float | None = None
    fee_per_month: float | None = None


@dataclass
class PolicyChange:
    """Response-policy settings a plan changes (null: unchanged); see PolicyConfig."""

    discipline: Discipline | None = None
    first_response_delay_minutes: float | None = None
    follow_up_minutes: list[float] | None = None
    max_attempts: int | None = None
    answer_live_calls: bool | None = None
    return_voicemails: bool | None = None
    return_missed_calls: bool | None = None


@dataclass
class PlanConfig:
    """A staffing plan: what it changes in the focal practice, and its words for the
    report. Applied in this order: `replace_roster` (null: keep the roster; a list: the
    practice's roster is replaced outright), `remove_shifts`, `add_shifts`, then the
    opening hours, channels, answering service, auto-responder, policy, unified inbox,
    nurture programme and phone menu. Configs under
    `configs/plan/` (`# @package plan`); the `plan=` group."""

    name: str = ""
    summary: str = ""  # one line in the manager's words: what the plan does
    cost_note: str = ""  # how its cost was reckoned, and where the figures come from
    replace_roster: list[ShiftConfig] | None = None
    remove_shifts: list[ShiftRemoval] = field(default_factory=list)
    add_shifts: list[ShiftAddition] = field(default_factory=list)
    opening_hours: HoursChange = field(default_factory=HoursChange)
    channels: ChannelsChange = field(default_factory=ChannelsChange)
    answering_service: AnsweringServiceChange = field(default_factory=AnsweringServiceChange)
    auto_responder: AutoResponderChange = field(default_factory=AutoResponderChange)
    policy: PolicyChange = field(default_factory=PolicyChange)
    unified_inbox: UnifiedInboxChange = field(default_factory=UnifiedInboxChange)
    nurture: NurtureChange = field(default_factory=NurtureChange)
    # The phone menu's length in seconds (0: no menu; null: unchanged).
    phone_menu_seconds: float | None = None
    # Set when the plan has been applied (`apply`): the practice in the focal slot
    # already includes it, so a run's saved config reruns to the same result. Not for
    # plan files.
    applied: bool = False


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
class ComparisonConfig:
    """Shoppers who weigh offers (sim/model/prospect.py): first to respond wins most, not all.

    A prospect reached while ready who still has another inquiry open (not yet answered, or
    not yet made) weighs the offers with chance `weigh_share` instead of booking at once:
    the offer in hand keeps them ready while they wait up to `window_hours` for the other
    practices' answers (any practice that reaches them by then makes an offer too), and they
    book when the window closes or nothing is left to wait for, with one of the offers, by
    a logit on rating and price: P(offer j) proportional to
    exp(rating_weight x rating_j - price_elasticity x ln(price_j)), price_j the practice's
    expected procedure fee (its procedure_mix x procedure_fees). The rest book at once with
    the first practice to reach them while ready, as before. weigh_share 0: nobody weighs."""

    # Fitted so that, on the default market, about 78% of the shoppers who inquired at two
    # or more practices and booked, booked with the first to respond (Lead Connect 2021
    # consumer survey; InsideSales' 35-50% is of business-to-business sales): 0.9 with the
    # hour's window below gives about 80% (tests/test_calibration.py).
    weigh_share: float = 0.9
    # Assumption: how long a shopper weighing offers waits for the others' answers. Short,
    # because the speed-to-lead studies say a late answer rarely books: with a window of
    # hours the MyMedLeads and HBR figures could no longer be fitted (late practices would
    # win the shoppers still weighing an early offer).
    window_hours: float = 1.0
    # Assumption: the pull of a star of rating between offers, the same as in the choice of
    # practices (reputation.rating_weight's 1.5).
    rating_weight: float = 1.5
    # Assumption: the pull of price between offers (1: a 10% dearer practice is about 10%
    # less likely to be picked). The shipped archetypes share one fee schedule.
    price_elasticity: float = 1.0


@dataclass
class ProspectConfig:
    """How prospects' interest decays: reachability (picks up, replies) and readiness; and
    how shoppers weigh offers (`comparison`)."""

    name: str = "aesthetic"
    source: str = ""
    reach: CurveConfig = field(default_factory=CurveConfig)
    ready: CurveConfig = field(default_factory=CurveConfig)
    # Mean patience on hold, minutes (call-centre studies: half hang up within 60 s on
    # silence, mean about 80 s).
    hold_patience_minutes: float = 1.33
    voicemail_share: float = 0.35  # of callers who hang up or find the practice closed
    comparison: ComparisonConfig = field(default_factory=ComparisonConfig)


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
    # When prospects inquire, per channel (empty: leadsim's built-in profiles: phone in
    # office hours, online channels in the evenings and at weekends). Set from the focal
    # practice's `inquiry_profile` when it has one.
    hour_of_week: dict[str, WeekProfile] = field(default_factory=dict)


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
    # An automated phone menu before the line, seconds (0: none): Erlang A then holds for
    # the callers who get through it (sim/model/phone.py).
    phone_menu_seconds: float = 0.0  # mmc: the phone menu before the line


@dataclass
class Config:
    """The whole run: seed, scenario, market, prospect profile and practices by slot."""

    seed: int = 0  # one seed reproduces a run bit for bit (named streams from it)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    prospect: ProspectConfig = field(default_factory=ProspectConfig)
    reputation: ReputationModelConfig = field(default_factory=ReputationModelConfig)
    practices: dict[str, PracticeConfig] = field(default_factory=dict)
    # The staffing plan applied to the focal practice (practices.alpha): `plan=<name>`.
    plan: PlanConfig = field(default_factory=PlanConfig)
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
    text = str(value).strip()
    if text.isdigit():  # YAML 1.1 reads an unquoted 8:00 as 480 (base 60), Hydra too
        n = int(text)
        if 60 <= n <= 1440 and n % 60 < 60:
            meant = f"{n // 60}:{n % 60:02d}"
            why = f"YAML reads {meant} written without quotes as {n} minutes"
            example = f'"{n // 60:02d}:{n % 60:02d}"'
        else:
            why = "YAML reads a time written without quotes, such as 8:00, as minutes"
            example = '"08:00"'
        raise ConfigError(f"{key}: {text} is not a time: {why} (allowed: HH:MM in quotes, "
                          f"e.g. {example})")
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
        raise ConfigError(f"{key}: {_shown(value)!r} is not allowed (allowed: {allowed})")


def _shown(value: Any) -> Any:
    """A value as the user wrote it: Enums by their value (`'phone'`, not `<Channel...>`)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_shown(v) for v in value]
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    return value


def _closest(name: str, names: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    return found[0] if found else None


def _no_repeats(values: list, key: str, what: str) -> None:
    seen: set = set()
    for v in values:
        if v in seen:
            raise ConfigError(f"{key}: {_shown(v)!r} is listed twice (allowed: each {what} "
                              "once)")
        seen.add(v)


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


def _week_profile(profile: WeekProfile, key: str) -> None:
    for day in ALL_DAYS:
        values = list(getattr(profile, day.value))
        _check(len(values) == 24, f"{key}.{day.value}", values, "24 weights, 00:00 first")
        for h, v in enumerate(values):
            _non_negative(v, f"{key}.{day.value}[{h}]")
    _check(sum(profile.hours()) > 0, key, "all zero", "weights with a positive sum")


def validate_practice(p: PracticeConfig, key: str) -> None:
    _no_repeats(p.channels, f"{key}.channels", "channel")
    for i, hours in enumerate(p.opening_hours):
        _window(hours.start, hours.end, f"{key}.opening_hours[{i}]")
    for i, shift in enumerate(p.roster):
        k = f"{key}.roster[{i}]"
        _window(shift.start, shift.end, k)
        _count(shift.staff, f"{k}.staff")
        _non_negative(shift.hourly_wage, f"{k}.hourly_wage")
        _check(len(shift.days) > 0, f"{k}.days", shift.days, "at least one of mon..sun")
        if shift.patient_share is not None:
            _share(shift.patient_share, f"{k}.patient_share")
            _check(shift.patient_share < 1, f"{k}.patient_share", shift.patient_share,
                   "a share below 1: the desk's patients would leave no time for anything "
                   "else")
    _share(p.patient_share, f"{key}.patient_share")
    _check(p.patient_share < 1, f"{key}.patient_share", p.patient_share, "a share below 1")
    _positive(p.patient_task_minutes, f"{key}.patient_task_minutes")
    for name in HANDLING_MINUTES:
        _positive(getattr(p.handling, name), f"{key}.handling.{name}")
    _positive(p.handling.call_sigma, f"{key}.handling.call_sigma")
    if p.hold_patience_minutes is not None:
        _positive(p.hold_patience_minutes, f"{key}.hold_patience_minutes")
    if p.voicemail_share is not None:
        _share(p.voicemail_share, f"{key}.voicemail_share")
    for table in ("inquiries_per_month", "inquiry_share", "inquiry_profile"):
        for channel in getattr(p, table):
            _check(channel in CHANNELS, f"{key}.{table}.{channel}", channel, ", ".join(CHANNELS))
    for channel, v in p.inquiries_per_month.items():
        _non_negative(v, f"{key}.inquiries_per_month.{channel}")
    for channel, v in p.inquiry_share.items():
        _check(isinstance(v, int | float) and 0 < v <= 1, f"{key}.inquiry_share.{channel}", v,
               "a share above 0, at most 1")
    for channel, profile in p.inquiry_profile.items():
        _week_profile(profile, f"{key}.inquiry_profile.{channel}")
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
    _non_negative(p.unified_inbox.fee_per_month, f"{key}.unified_inbox.fee_per_month")
    _nurture_values(p.nurture, f"{key}.nurture")
    _non_negative(p.phone_menu_seconds, f"{key}.phone_menu_seconds")
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
    # the price a shopper weighing offers compares (sim/model/economics.py expected_fee)
    mix_fees = {k: eco.procedure_fees[k] for k, w in eco.procedure_mix.items() if w > 0}
    _check(any(fee > 0 for fee in mix_fees.values()), f"{key}.economics.procedure_fees",
           mix_fees, "a fee > 0 for at least one procedure of procedure_mix")
    rep = p.reputation
    _check(1 <= rep.rating <= 5, f"{key}.reputation.rating", rep.rating, "1 to 5 stars")
    _count(rep.review_count, f"{key}.reputation.review_count")
    _positive(p.marketing_weight, f"{key}.marketing_weight")


def _nurture_values(n: NurtureConfig | NurtureChange, key: str) -> None:
    """A nurture programme's values (a plan's null fields are not checked)."""
    for name in ("accept_share", "ready_again_share", "shop_again_share"):
        if getattr(n, name) is not None:
            _share(getattr(n, name), f"{key}.{name}")
    if n.touches is not None:
        _count(n.touches, f"{key}.touches", 1)
    if n.touch_every_days is not None:
        _positive(n.touch_every_days, f"{key}.touch_every_days")
    if n.fee_per_month is not None:
        _non_negative(n.fee_per_month, f"{key}.fee_per_month")


def _policy_values(pol: PolicyChange, key: str) -> None:
    if pol.first_response_delay_minutes is not None:
        _non_negative(pol.first_response_delay_minutes, f"{key}.first_response_delay_minutes")
    if pol.max_attempts is not None:
        _count(pol.max_attempts, f"{key}.max_attempts", 1)
        _check(pol.max_attempts <= 6, f"{key}.max_attempts", pol.max_attempts, "1 to 6")
    if pol.follow_up_minutes is not None:
        fu = list(pol.follow_up_minutes)
        _check(fu and all(v >= 0 for v in fu) and fu == sorted(fu) and fu[0] == 0,
               f"{key}.follow_up_minutes", fu, "non-decreasing minutes >= 0 starting at 0")
        if pol.max_attempts is not None:
            _check(len(fu) >= pol.max_attempts, f"{key}.follow_up_minutes", fu,
                   f"at least max_attempts ({pol.max_attempts}) offsets")


def validate_plan(plan: PlanConfig, key: str = "plan") -> None:
    """A plan's own values (what it changes is checked again on the practice it is applied
    to, by `apply`)."""
    _check("\n" not in plan.summary, f"{key}.summary", plan.summary, "one line")
    if plan.replace_roster is not None:
        for i, shift in enumerate(plan.replace_roster):
            k = f"{key}.replace_roster[{i}]"
            _window(shift.start, shift.end, k)
            _count(shift.staff, f"{k}.staff")
            _non_negative(shift.hourly_wage, f"{k}.hourly_wage")
            _check(len(shift.days) > 0, f"{k}.days", shift.days, "at least one of mon..sun")
            _check(shift.patient_share is None, f"{k}.patient_share", shift.patient_share,
                   "null: the desk's patients are the practice's, shared by the rule of "
                   "sim/plans.py")
    for i, r in enumerate(plan.remove_shifts):
        k = f"{key}.remove_shifts[{i}]"
        _window(r.start or "00:00", r.end or "24:00", k)
        if r.days is not None:
            _check(len(r.days) > 0, f"{k}.days", r.days, "at least one of mon..sun, or null")
        if r.staff is not None:
            _count(r.staff, f"{k}.staff", 1)
    for i, a in enumerate(plan.add_shifts):
        k = f"{key}.add_shifts[{i}]"
        _window(a.start, a.end, k)
        default = ShiftAddition()
        _check(a.hours_of is None or (list(a.days), a.start, a.end) == (
            default.days, default.start, default.end), f"{k}.hours_of",
            str(getattr(a.hours_of, "value", a.hours_of)),
            "either hours_of (the hours of a role) or days, start and end, not both")
        _count(a.staff, f"{k}.staff", 1)
        _check(len(a.days) > 0, f"{k}.days", a.days, "at least one of mon..sun")
        if a.hourly_wage is not None:
            _non_negative(a.hourly_wage, f"{k}.hourly_wage")
    hours = plan.opening_hours
    for name in ("replace", "remove", "add"):
        for i, h in enumerate(getattr(hours, name) or []):
            _window(h.start, h.end, f"{key}.opening_hours.{name}[{i}]")
    ch = plan.channels
    for name in ("add", "remove"):
        values = list(getattr(ch, name))
        _check(len(values) == len(set(values)), f"{key}.channels.{name}", values, "no repeats")
    both = sorted({str(getattr(c, "value", c)) for c in ch.add}
                  & {str(getattr(c, "value", c)) for c in ch.remove})
    _check(not both, f"{key}.channels", both, "a channel added or removed, not both")
    svc = plan.answering_service
    if svc.agents is not None:
        _count(svc.agents, f"{key}.answering_service.agents", 1)
    if svc.handle_minutes is not None:
        _positive(svc.handle_minutes, f"{key}.answering_service.handle_minutes")
    for name in ("fee_per_call", "fee_per_month"):
        if getattr(svc, name) is not None:
            _non_negative(getattr(svc, name), f"{key}.answering_service.{name}")
    ar = plan.auto_responder
    if ar.promised_response_minutes is not None:
        _positive(ar.promised_response_minutes,
                  f"{key}.auto_responder.promised_response_minutes")
    if ar.fee_per_month is not None:
        _non_negative(ar.fee_per_month, f"{key}.auto_responder.fee_per_month")
    if plan.unified_inbox.fee_per_month is not None:
        _non_negative(plan.unified_inbox.fee_per_month, f"{key}.unified_inbox.fee_per_month")
    _nurture_values(plan.nurture, f"{key}.nurture")
    if plan.phone_menu_seconds is not None:
        _non_negative(plan.phone_menu_seconds, f"{key}.phone_menu_seconds")
    _policy_values(plan.policy, f"{key}.policy")


def plan_is_empty(plan: PlanConfig) -> bool:
    """Whether the plan changes nothing (its words aside)."""
    return plan_changes(plan) == []


def plan_changes(plan: PlanConfig) -> list[str]:
    """The parts of the practice a plan sets (for 'changes nothing' and for messages)."""
    parts = []
    if plan.replace_roster is not None or plan.remove_shifts or plan.add_shifts:
        parts.append("roster")
    hours = plan.opening_hours
    if hours.replace is not None or hours.remove or hours.add or (
            hours.follow_added_shifts and plan.add_shifts):
        parts.append("opening_hours")
    if plan.channels.add or plan.channels.remove:
        parts.append("channels")
    for name in PLAN_SECTIONS:
        change = getattr(plan, name)
        if any(getattr(change, f.name) is not None for f in fields(change)):
            parts.append(name)
    if plan.phone_menu_seconds is not None:
        parts.append("phone_menu_seconds")
    return parts


def apply_plan(practice: PracticeConfig, plan: PlanConfig) -> PracticeConfig:
    """The practice with the plan's changes: a new PracticeConfig (neither argument is
    changed). Pure, no Hydra: the rules (who shares the desk's patients, what removing
    part of a shift leaves, when the practice opens) are in sim/plans.py."""
    from .plans import apply_changes  # the roster and hours arithmetic

    return apply_changes(practice, plan)


def apply(cfg: Config) -> Config:
    """`cfg` with its plan applied to the focal practice (checked again there), and the
    plan marked `applied`; `cfg` itself when there is nothing left to apply."""
    plan = cfg.plan
    if plan.applied or plan_is_empty(plan):
        return cfg
    key = f"practices.{PLAN_SLOT}"
    _check(PLAN_SLOT in cfg.practices, "plan", plan.name or "the plan",
           f"a market with a practice in slot {PLAN_SLOT}, the one a plan changes "
           f"(slots: {', '.join(cfg.practices) or 'none'})")
    try:
        practice = apply_plan(cfg.practices[PLAN_SLOT], plan)
        validate_practice(practice, key)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (after plan '{plan.name or 'plan'}')") from None
    practices = {**cfg.practices, PLAN_SLOT: practice}
    return replace(cfg, practices=practices, plan=replace(plan, applied=True))


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
    """Check every value; raise ConfigError naming the first bad key. Returns `cfg`.

    A config built or changed in code (`cfg.practices["alpha"].channels = ["phone"]`) is
    checked as the command line checks it: every attribute is one of the schema's, of the
    schema's type (`normalise`: a plain string where an Enum is expected becomes the
    Enum, a whole number where a float is expected a float, as OmegaConf converts them),
    then every value is in range."""
    normalise(cfg)
    _count(cfg.seed, "seed")
    sc = cfg.scenario
    # Checked whatever the kind: a bad value typed for an unused field is still a mistake.
    _positive(sc.arrivals_per_hour, "scenario.arrivals_per_hour")
    _count(sc.servers, "scenario.servers", 1)
    _positive(sc.handle_minutes, "scenario.handle_minutes")
    _positive(sc.patience_minutes, "scenario.patience_minutes")
    _count(sc.days, "scenario.days", 1)
    _non_negative(sc.phone_menu_seconds, "scenario.phone_menu_seconds")
    m = cfg.market
    _count(m.days, "market.days", 1)
    _count(m.drain_days, "market.drain_days")
    _positive(m.prospects_per_day, "market.prospects_per_day")
    _distribution(m.channel_mix, "market.channel_mix")
    for name in m.channel_mix:
        _check(name in CHANNELS, f"market.channel_mix.{name}", name, ", ".join(CHANNELS))
    _distribution(m.shopping_list, "market.shopping_list")
    _non_negative(m.inquiry_spread_minutes, "market.inquiry_spread_minutes")
    for channel, profile in m.hour_of_week.items():
        _check(channel in CHANNELS, f"market.hour_of_week.{channel}", channel, ", ".join(CHANNELS))
        _week_profile(profile, f"market.hour_of_week.{channel}")
    pr = cfg.prospect
    _curve(pr.reach, "prospect.reach")
    _curve(pr.ready, "prospect.ready")
    _positive(pr.hold_patience_minutes, "prospect.hold_patience_minutes")
    _share(pr.voicemail_share, "prospect.voicemail_share")
    cmp = pr.comparison
    _share(cmp.weigh_share, "prospect.comparison.weigh_share")
    _positive(cmp.window_hours, "prospect.comparison.window_hours")
    _non_negative(cmp.rating_weight, "prospect.comparison.rating_weight")
    _non_negative(cmp.price_elasticity, "prospect.comparison.price_elasticity")
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
    validate_plan(cfg.plan)
    validate_reputation(cfg.reputation)
    return cfg


def to_config(obj: Any) -> Config:
    """A composed DictConfig (or a Config already) to a validated `Config`, its plan
    applied to the focal practice (`apply`: once; a plan marked applied is not again)."""
    if isinstance(obj, Config):
        return resolve(apply(validate(obj)))
    from omegaconf import OmegaConf  # local: keep this module free of Hydra at import

    try:
        cfg = OmegaConf.to_object(obj)
    except UnknownKeyError as exc:  # a key added past Hydra's check (+market.dayz=365)
        raise UnknownKeyError(exc.owner, exc.key, _key_path(obj, exc.owner, exc.key)
                              ) from None
    except Exception as exc:  # OmegaConf's own type errors name the key
        raise ConfigError(one_line(exc)) from None
    if not is_dataclass(cfg) or not isinstance(cfg, Config):
        raise ConfigError("config: the composed config is not a leadsim Config")
    return resolve(apply(validate(cfg)))


FOCAL_SLOT = PLAN_SLOT  # the practice whose own volume and profile set the market's


def resolve(cfg: Config) -> Config:
    """Settings that follow from others: when the focal practice (slot `alpha`) gives its
    own inquiries a month or when they come, the market's volume, channel mix and hour
    profile follow (sim/volume.py). Changes `cfg` in place and returns it; resolving twice
    gives the same config."""
    focal = cfg.practices.get(FOCAL_SLOT)
    if cfg.scenario.kind == ScenarioKind.market and focal is not None and (
            focal.inquiries_per_month or focal.inquiry_profile):
        from .volume import resolve_market

        resolve_market(cfg, FOCAL_SLOT)
    return cfg


def _key_path(node: Any, owner: type, key: str, path: str = "") -> str:
    """Where in a composed DictConfig a node of schema `owner` holds `key` (its parent's
    path with a trailing dot, as the messages print it); '' if not found."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    from .omegaconf_adapter import list_items

    if isinstance(node, DictConfig):
        if OmegaConf.get_type(node) is owner and key in node:
            return path
        items = node.items_ex(resolve=False)
    elif isinstance(node, ListConfig):
        items = enumerate(list_items(node))
    else:
        return ""
    for k, child in items:
        found = _key_path(child, owner, key, f"{path}{k}.")
        if found:
            return found
    return ""


# --------------------------------------------------------------------------- types


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


_KINDS = {bool: "true, false", int: "a whole number", float: "a number", str: "text"}


def normalise(obj: Any, path: str = "") -> None:
    """Check that a config object has only its schema's attributes, each of the schema's
    type, the way OmegaConf checks a composed config; convert in place what OmegaConf
    would convert (a channel given as the text "phone" becomes `Channel.phone`, an int in
    a float field a float, a tuple a list). Raises ConfigError naming the key."""
    names = [f.name for f in fields(obj)]
    for key in vars(obj):  # set past the guard (object.__setattr__, __dict__)
        if key not in names:
            raise UnknownKeyError(type(obj), key, path)
    hints = _hints(type(obj))
    for name in names:
        old = getattr(obj, name)
        new = _typed(old, hints[name], f"{path}{name}")
        if new is not old:
            object.__setattr__(obj, name, new)


def _typed(value: Any, hint: Any, key: str) -> Any:
    """`value` as type `hint` (the same object where nothing needs converting)."""
    origin = get_origin(hint)
    if hint is Any:
        return value
    if isinstance(hint, type) and is_dataclass(hint):
        if not isinstance(value, hint):
            _refuse(key, value, settings_block(hint, key))
        normalise(value, f"{key}.")
        return value
    if origin is list:
        if not isinstance(value, list | tuple):
            _refuse(key, value, "a list")
        (item,) = get_args(hint)
        items = [_typed(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, list) and all(a is b for a, b in zip(items, value)):
            return value
        return items
    if origin is dict:
        if not isinstance(value, dict):
            _refuse(key, value, "a mapping of names to values")
        _, item = get_args(hint)
        changed = False
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                _refuse(f"{key}.{k}", k, "a name (text)")
            out[k] = _typed(v, item, f"{key}.{k}")
            changed = changed or out[k] is not v
        return out if changed else value
    if isinstance(hint, type) and issubclass(hint, Enum):
        if isinstance(value, hint):
            return value
        try:
            return hint(value)
        except (ValueError, TypeError):
            _refuse(key, value, ", ".join(str(m.value) for m in hint))
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            _refuse(key, value, _KINDS[float])
        return value if isinstance(value, float) else float(value)
    if hint in _KINDS:
        ok = (isinstance(value, hint) and not (hint is int and isinstance(value, bool)))
        if not ok:
            _refuse(key, value, _KINDS[hint])
    return value


def schema_type(key: str, root: Any = None) -> Any:
    """The schema's type at a dotted key below `root` (default: Config): `practices.alpha`
    -> PracticeConfig; None where the schema has no such key."""
    hint: Any = Config if root is None else root
    for part in [p for p in key.split(".") if p]:
        origin = get_origin(hint)
        if isinstance(hint, type) and is_dataclass(hint):
            hint = _hints(hint).get(part)
        elif origin in (dict, list):
            hint = get_args(hint)[-1]
        else:
            return None
        if hint is None:
            return None
    return hint


def settings_block(cls: type, key: str) -> str:
    """What is allowed where a group of settings is expected (`answering_service: none`)."""
    names = [f.name for f in fields(cls)]
    name = key.rpartition(".")[2]
    off = (f"; to switch it off: {name}.enabled false" if "enabled" in names else "")
    return f"a group of settings under {name}: {', '.join(names)}{off}"


def _refuse(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key}: {_shown(value)!r} is not allowed (allowed: {allowed})")


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


# --------------------------------------------------------------------------- the guard


def _guarded_setattr(self, name: str, value: Any) -> None:
    if name not in self.__dataclass_fields__:
        raise UnknownKeyError(type(self), name)
    object.__setattr__(self, name, value)


def strict(cls: type) -> type:
    """Make a config dataclass refuse attributes it does not have (ConfigError naming the
    key and the allowed ones): `cfg.market.prospects_per_dya = 40` is a typo, not a new
    setting. Subclasses inherit it. Pickling, copying and OmegaConf.to_object still work
    (they set only the schema's fields)."""
    cls.__setattr__ = _guarded_setattr
    return cls


for _cls in [c for c in list(globals().values())
             if isinstance(c, type) and is_dataclass(c) and c.__module__ == __name__]:
    strict(_cls)
