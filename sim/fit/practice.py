"""The fitted practice: a leadsim PracticeConfig made from a Fit, and its YAML file.

What comes from the records, and what stays as in the base archetype (`base=`, default
solo_front_desk) because the exports do not say:

| setting | from |
|---|---|
| channels | phone if there is a call log; each channel of the inquiry export with a response |
| roster, opening_hours | the answered calls (sim/fit/roster.py); everyone as front_desk |
| handling.call_minutes, call_distribution, call_sigma | the talk times |
| hold_patience_minutes, voicemail_share | the call log's holds and outcomes |
| inquiries_per_month, inquiry_profile | the arrivals per channel |
| inquiry_share | measured by simulation in the back-test (sim/fit/backtest.py) |
| patient_share, policy.first_response_delay_minutes, policy.discipline | calibrated by
  simulation in the back-test |
| economics (a single procedure at the mean `value`) | the inquiry export's value, when given |
| everything else (follow-ups, services, reputation, wages) | the base archetype |
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
from pathlib import Path

import yaml

from ..config import (
    CHANNELS,
    Channel,
    ConfigError,
    Discipline,
    HoursConfig,
    PracticeConfig,
    Role,
    ShiftConfig,
    TalkDistribution,
    WeekProfile,
    validate_practice,
)
from .arrivals import profile_by_day
from .estimate import Fit


def load_practice(name: str) -> PracticeConfig:
    """A shipped or user practice archetype by name, as a validated PracticeConfig."""
    from omegaconf import OmegaConf

    from ..paths import config_file, config_options

    path = config_file("practice", name)
    if path is None:
        raise ConfigError(f"base: unknown practice '{name}' (allowed: "
                          f"{', '.join(config_options('practice'))})")
    merged = OmegaConf.merge(OmegaConf.structured(PracticeConfig),
                             OmegaConf.load(path))
    p = OmegaConf.to_object(merged)
    validate_practice(p, f"practice/{name}")
    return p


def build_practice(fit: Fit, name: str, base: PracticeConfig) -> PracticeConfig:
    p = copy.deepcopy(base)
    p.name = name
    if fit.calls is not None or fit.leads is not None:
        monitored = fit.monitored()
        if fit.leads is None:  # a call log alone: the base's other channels stay
            monitored = ["phone"] + [str(getattr(c, "value", c)) for c in base.channels
                                     if str(getattr(c, "value", c)) != "phone"]
        if monitored:
            p.channels = [Channel(c) for c in monitored]
    if fit.shifts:
        wage = base.roster[0].hourly_wage if base.roster else 21.0
        p.roster = [ShiftConfig(days=list(s.days), start=s.start, end=s.end,
                                role=Role.front_desk, staff=int(s.staff), hourly_wage=wage)
                    for s in fit.shifts]
        from .roster import opening_hours

        p.opening_hours = [HoursConfig(**h) for h in opening_hours(fit.shifts)]
    if fit.talk is not None:
        p.handling.call_minutes = round(fit.talk.mean.value, 3)
        p.handling.call_distribution = TalkDistribution(fit.talk.distribution)
        p.handling.call_sigma = round(fit.talk.sigma, 4)
    if fit.patience is not None:
        p.hold_patience_minutes = round(fit.patience.mean.value, 4)
    if fit.voicemail is not None and math.isfinite(fit.voicemail.value):
        p.voicemail_share = round(fit.voicemail.value, 4)
    p.inquiries_per_month = {c: round(v, 3) for c, v in fit.per_month().items()}
    if fit.leads is not None:  # a channel missing from the inquiry export: none come
        for c in CHANNELS:
            if c not in p.inquiries_per_month and (c != "phone" or fit.calls is None):
                p.inquiries_per_month[c] = 0.0
    p.inquiry_profile = {c: WeekProfile(**{d: [round(v, 6) for v in vals]
                                           for d, vals in profile_by_day(a.per_hour_of_week)
                                           .items()})
                         for c, a in fit.arrivals.items() if a.count > 0}
    if math.isfinite(fit.value_mean):
        p.economics.procedure_mix = {"average_inquiry_value": 1.0}
        p.economics.procedure_fees = {"average_inquiry_value": round(fit.value_mean, 2)}
    validate_practice(p, "the fitted practice")
    return p


def as_dict(p: PracticeConfig) -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(OmegaConf.structured(p), enum_to_str=True)


class _Dumper(yaml.SafeDumper):
    pass


def _flow_numbers(dumper, data):
    flow = all(isinstance(v, int | float | str) for v in data) and len(data) <= 30
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _flow_numbers)


def practice_yaml(p: PracticeConfig, header: list[str]) -> str:
    """The practice as a config file of the `practice` group, with a comment header."""
    body = yaml.dump(as_dict(p), Dumper=_Dumper, sort_keys=False, width=100,
                     allow_unicode=True)
    return "".join(f"# {line}\n" if line else "#\n" for line in header) + body


def header_lines(fit: Fit, name: str, base: str, run_dir: Path | None) -> list[str]:
    files = [t.path for t in (fit.calls, fit.leads) if t is not None]
    lines = [f"Practice `{name}`, fitted by `leadsim fit` on {_dt.date.today().isoformat()} "
             f"from {', '.join(files)}",
             f"(columns: {fit.mapping.source}; time zone: {fit.zone or 'clock times'}).",
             f"Settings the records do not show are the `{base}` archetype's.",
             "Use it by name: leadsim run practice@practices.alpha=" + name
             + ", leadsim compare practice=" + name + "."]
    if run_dir is not None:
        lines.append(f"Every estimate with its interval: {run_dir / 'fit.json'}; the "
                     f"back-test: {run_dir / 'fit_report.html'}.")
    return lines


def discipline(name: str) -> Discipline:
    return Discipline(name)
