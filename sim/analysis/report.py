"""The staffing report: one self-contained HTML page a practice manager reads.

Everything is in the page: the figures are embedded as base64 PNG, the styles inline. The
page answers "which staffing plan pays for itself?" in plain words, with the uncertainty
of a simulation said honestly: a plan is recommended only when the 95% interval of its
net gain against the current plan lies above zero.

One module over 400 lines: the page is one document, its sections (the recommendation,
the money table, the phone line hour by hour ...) written in the order the manager reads
them and sharing its wording helpers; the verdict itself is sim.analysis.stats.verdict.
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .practice_words import CHANNEL_WORDS
from .staffing_plots import STATUS, hour_status, money
from .stats import BETTER, UNCLEAR, WORSE, paired_difference, verdict

DAYS_PER_MONTH = 365.25 / 12


@dataclass
class ReportContext:
    """What the report needs; built by experiments.compare_staffing."""

    practice_name: str
    plans: list[str]
    # plan -> its own words (`summary`, `cost`) and what it changed in the baseline's
    # practice (`change`, `change_cost`, `lowers_staff`, `lowers_cost`, ...), from
    # experiments.compare_staffing.plan_descriptions
    descriptions: dict
    comparison: pd.DataFrame  # plan, metric, mean, diff_vs_baseline, ci_low, ci_high, ...
    runs: pd.DataFrame
    days: int
    replications: int
    seed: int
    confidence: float
    figures: dict  # name -> PNG bytes
    hint: pd.DataFrame
    rosters: dict
    target: dict
    handle_minutes: float
    patience_minutes: float
    patient_share: float
    wage_overhead: float = 0.3
    prospects_per_day: float = 30.0
    competitors: list = field(default_factory=list)
    channels: list = field(default_factory=list)  # the baseline's monitored channels
    plan_channels: dict = field(default_factory=dict)  # plan -> its monitored channels
    # plan -> the channels on which nobody at the practice answers (sim.config.unread_channels)
    plan_unread: dict = field(default_factory=dict)
    plan_menus: dict = field(default_factory=dict)  # plan -> its phone menu, seconds (0: none)
    plan_nurture: dict = field(default_factory=dict)  # plan -> it has a nurture programme
    all_channels: list = field(default_factory=list)  # every channel of the model
    sim_overrides: list = field(default_factory=list)
    seconds: float = 0.0
    # the baseline's practice in sentences (sim.analysis.practice_words.describe_practice)
    baseline_words: list = field(default_factory=list)
    # the focal practice's economics when they are not the model's defaults:
    # no_show_rate, consultation_to_procedure, fee_low, fee_high (None: the defaults)
    economics: dict | None = None


def _e(text) -> str:
    return html.escape(str(text))


def _row(ctx: ReportContext, plan: str, metric: str) -> pd.Series | None:
    t = ctx.comparison
    hit = t[(t["plan"] == plan) & (t["metric"] == metric)]
    return None if hit.empty else hit.iloc[0]


def _val(ctx, plan, metric, col="diff_vs_baseline") -> float:
    r = _row(ctx, plan, metric)
    return math.nan if r is None else float(r[col])


def _has(ctx, metric: str) -> bool:
    t = ctx.comparison
    vals = t.loc[t["metric"] == metric, "mean"]
    return bool(len(vals)) and bool(np.isfinite(vals.to_numpy(dtype=float)).any())


def _num(x: float, digits: int = 0, sign: bool = True) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    x = round(x, digits) + 0.0  # no "-0.0"
    s = f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"
    return s.replace("-", "&minus;")


def _duration(minutes: float) -> str:
    if minutes is None or not math.isfinite(minutes):
        return "never"
    if minutes < 1:
        return f"{minutes * 60:.0f} s"
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 36 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def _money_html(x: float, sign: bool = True) -> str:
    return money(x, sign).replace("-", "&minus;")


def _img(ctx, name: str, alt: str) -> str:
    png = ctx.figures.get(name)
    if not png:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _summary(ctx: ReportContext, plan: str) -> str:
    return ctx.descriptions.get(plan, {}).get("summary", "")


def _change(ctx: ReportContext, plan: str) -> str:
    """What the plan changed in the baseline's practice, and its nominal cost, escaped."""
    d = ctx.descriptions.get(plan, {})
    text = d.get("change", "")
    cost = d.get("change_cost", "")
    return _e(text[:1].upper() + text[1:] + (f": {cost}" if cost else "")) if text else ""


def _badge(v: str) -> str:
    text = {BETTER: "pays for itself", WORSE: "loses money", UNCLEAR: "can't tell"}[v]
    return f'<span class="badge {v}">{text}</span>'


def _more(x: float, noun: str) -> str:
    """'about 12.7 more consultations' / 'about 1.0 fewer procedures'."""
    if x is None or not math.isfinite(x):
        return f"an unknown number of extra {noun}s"
    word = "more" if x >= 0 else "fewer"
    return f"about {abs(x):,.1f} {word} {noun}s"


def head_to_head(ctx: ReportContext, plan: str, other: str,
                 metric: str = "net_per_month"):
    """Paired interval of `plan` minus `other` (same seeds), or None without the data."""
    runs = ctx.runs
    if metric not in runs.columns:
        return None
    a = runs[runs["plan"] == plan].set_index("replication")[metric].sort_index()
    b = runs[runs["plan"] == other].set_index("replication")[metric].sort_index()
    if not a.index.equals(b.index):
        return None
    return paired_difference(a.to_numpy(), b.to_numpy(), ctx.confidence)


# --------------------------------------------------------------------------- sections


def recommendation(ctx: ReportContext) -> tuple[str | None, str]:
    """The recommended plan (or None) and the paragraph that explains it."""
    base = ctx.plans[0]
    others = ctx.plans[1:]
    net = {p: _row(ctx, p, "net_per_month") for p in others}
    said = {p: verdict(net[p]["ci_low"], net[p]["ci_high"]) for p in others
            if net[p] is not None}
    clear = [p for p in said if said[p] == BETTER]
    worse = [p for p in said if said[p] == WORSE]
    level = f"{ctx.confidence:.0%}"
    if clear:
        best = max(clear, key=lambda p: net[p]["diff_vs_baseline"])
        r = net[best]
        cost = _val(ctx, best, "staffing_cost_per_month")
        book = _val(ctx, best, "bookings_per_month")
        proc = _val(ctx, best, "procedures_per_month")
        wages = _val(ctx, best, "wages_per_month")
        after = r["diff_vs_baseline"] - ctx.wage_overhead * (wages if math.isfinite(wages) else 0)
        text = (
            f"<p class='lead'>Recommended: <b>{_e(best)}</b>. "
            f"{_e(_summary(ctx, best))}</p>"
            f"<p>After paying for it, this plan leaves the practice about "
            f"<b>{_money_html(r['diff_vs_baseline'])} a month</b> better off than "
            f"<i>{_e(base)}</i> ({level} sure the gain lies between "
            f"{_money_html(r['ci_low'])} and {_money_html(r['ci_high'])}). "
            f"It costs {_money_html(abs(cost), False)} a month "
            f"{'more' if not cost < 0 else 'less'} in staff and fees, and in "
            f"return the practice books {_more(book, 'consultation')} and performs "
            f"{_more(proc, 'procedure')} a month, because more inquiries get a fast "
            f"answer before the prospect books elsewhere or loses interest.")
        if ctx.wage_overhead > 0 and math.isfinite(wages) and wages > 0:
            text += (f" Counting employer taxes and benefits ({ctx.wage_overhead:.0%} on top "
                     f"of wages) the gain is about {_money_html(after)} a month.")
        text += "</p>"
        if len(clear) > 1:
            rest = sorted((p for p in clear if p != best),
                          key=lambda p: -net[p]["diff_vs_baseline"])
            text += ("<p>Also clearly paying for themselves, with a smaller gain: "
                     + ", ".join(f"<b>{_e(p)}</b> ({_money_html(net[p]['diff_vs_baseline'])}"
                                 "/month)" for p in rest) + ".")
            iv = head_to_head(ctx, best, rest[0])
            if iv is not None:
                text += (f" Against <b>{_e(rest[0])}</b> directly, <b>{_e(best)}</b> earns "
                         f"{_money_html(iv.mean)} a month more ({level} range "
                         f"{_money_html(iv.low)} to {_money_html(iv.high)}): ")
                text += ("it is clearly the better of the two." if iv.verdict == BETTER else
                         "the simulation cannot tell the two apart, so choose between them "
                         "on what the numbers leave out (hiring, cover for holidays, "
                         "what the patients at the desk need).")
            text += "</p>"
    else:
        best = None
        # plans whose range includes zero (neither clearly better nor clearly worse)
        unclear = [p for p in others if net[p] is not None and p not in worse]
        text = f"<p class='lead'>No plan clearly beats <b>{_e(base)}</b>.</p>"
        if unclear:
            which = ("every plan" if len(unclear) == len(others) else
                     ", ".join(f"<b>{_e(p)}</b>" for p in unclear))
            text += (f"<p>For {which} the {level} range of the net gain includes zero, so "
                     "the simulation cannot tell whether it would earn or lose money.")
            guess = max(unclear, key=lambda p: net[p]["diff_vs_baseline"])
            r = net[guess]
            text += (f" The best guess is <b>{_e(guess)}</b> at about "
                     f"{_money_html(r['diff_vs_baseline'])} a month (between "
                     f"{_money_html(r['ci_low'])} and {_money_html(r['ci_high'])}).")
            text += (" More replications (<code>replications=</code>) or longer runs "
                     "(<code>market_days=</code>) narrow the ranges.</p>")
        elif worse:
            text += (f"<p>Every plan would leave the practice worse off than "
                     f"<i>{_e(base)}</i>: keep it.</p>")
    if worse:
        text += (f"<p>Clearly worse than <i>{_e(base)}</i>: "
                 + ", ".join(f"<b>{_e(p)}</b> ({_money_html(net[p]['diff_vs_baseline'])}/month)"
                             for p in worse) + ".</p>")
    return best, text


def money_table(ctx: ReportContext) -> str:
    base = ctx.plans[0]
    level = f"{ctx.confidence:.0%}"
    head = ("<tr><th>Plan</th><th>What changes</th><th class='n'>Extra cost<br>per month</th>"
            "<th class='n'>Extra revenue<br>per month</th><th class='n'>Net gain<br>per month</th>"
            f"<th class='n'>{level} range</th><th>Verdict</th>"
            f"<th class='n'>Net gain with {ctx.wage_overhead:.0%}<br>wage overhead</th></tr>")
    rows = []
    for p in ctx.plans:
        own = _e(_summary(ctx, p))
        desc = (f"{_change(ctx, p)}<br><small>{own}</small>" if _change(ctx, p) and p != base
                else own)
        if p == base:
            cost = _val(ctx, p, "staffing_cost_per_month", "mean")
            rev = _val(ctx, p, "revenue_per_month", "mean")
            net = _val(ctx, p, "net_per_month", "mean")
            rows.append(
                f"<tr class='base'><td><b>{_e(p)}</b><br><small>baseline</small></td>"
                f"<td>{desc}</td><td class='n'>{_money_html(cost, False)}<br><small>a month"
                f"</small></td><td class='n'>{_money_html(rev, False)}<br><small>a month"
                f"</small></td><td class='n'>{_money_html(net, False)}<br><small>a month"
                "</small></td><td></td><td><small>the plan to beat</small></td><td></td></tr>")
            continue
        r = _row(ctx, p, "net_per_month")
        wages = _val(ctx, p, "wages_per_month")
        after = r["diff_vs_baseline"] - ctx.wage_overhead * (wages if math.isfinite(wages) else 0)
        rows.append(
            f"<tr><td><b>{_e(p)}</b></td><td>{desc}</td>"
            f"<td class='n'>{_money_html(_val(ctx, p, 'staffing_cost_per_month'))}</td>"
            f"<td class='n'>{_money_html(_val(ctx, p, 'revenue_per_month'))}</td>"
            f"<td class='n'><b>{_money_html(r['diff_vs_baseline'])}</b></td>"
            f"<td class='n'>{_money_html(r['ci_low'])} to {_money_html(r['ci_high'])}</td>"
            f"<td>{_badge(verdict(r['ci_low'], r['ci_high']))}</td>"
            f"<td class='n'>{_money_html(after)}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def patients_table(ctx: ReportContext) -> str:
    """What each plan changes for the prospects, per month (differences against baseline)."""
    base = ctx.plans[0]
    cols = [("bookings_per_month", "Consultations booked", 1, "diff"),
            ("procedures_per_month", "Procedures", 1, "diff"),
            ("first_response_median_minutes", "Median first answer", None, "mean"),
            ("phone_answered_within_target", "Calls answered within "
             f"{ctx.target['answered_within_seconds']:g} s", "pct", "mean"),
            ("abandoned_calls_per_month", "Callers hanging up on hold", 1, "diff"),
            ("never_answered_share", "Inquiries never answered*", "pct", "mean"),
            ("unread_channel_share", "Inquiries on channels nobody reads", "pct", "mean")]
    if any(m > 0 for m in ctx.plan_menus.values()):
        cols.insert(5, ("phone_menu_hangup_share", "Callers hanging up in the phone menu",
                        "pct", "mean"))
    if any(ctx.plan_nurture.values()):
        cols += [("micro_conversions_per_month", "Newsletter sign-ups (not ready yet)", 1,
                  "diff"),
                 ("bookings_after_nurture_per_month", "Booked after nurture", 1, "diff")]
    rep = [("new_reviews_per_month", "New reviews", 1, "diff"),
           ("mean_new_stars", "Stars of new reviews", 2, "diff"),
           ("referrals_generated_per_month", "Referrals", 1, "diff")]
    cols += [c for c in rep if _has(ctx, c[0].replace("_per_month", ""))]
    head = "<tr><th>Plan</th>" + "".join(f"<th class='n'>{_e(c[1])}</th>" for c in cols) + "</tr>"
    rows = []
    for p in ctx.plans:
        cells = []
        for metric, _, digits, kind in cols:
            r = _row(ctx, p, metric)
            if r is None:
                cells.append("<td class='n'>n/a</td>")
                continue
            if digits is None:
                cells.append(f"<td class='n'>{_duration(r['mean'])}</td>")
            elif digits == "pct":
                cells.append(f"<td class='n'>{r['mean']:.0%}</td>" if math.isfinite(r["mean"])
                             else "<td class='n'>n/a</td>")
            elif p == base or kind == "mean":
                cells.append(f"<td class='n'>{_num(r['mean'], digits, sign=False)}</td>")
            else:
                ci = (f"<br><small>{_num(r['ci_low'], digits)} to {_num(r['ci_high'], digits)}"
                      "</small>")
                cells.append(f"<td class='n'>{_num(r['diff_vs_baseline'], digits)}{ci}</td>")
        cls = " class='base'" if p == base else ""
        rows.append(f"<tr{cls}><td><b>{_e(p)}</b></td>{''.join(cells)}</tr>")
    note = ("<p class='caption'>* share of the plan's inquiries that no person ever "
            "answered, including those on channels nobody at the practice reads."
            + (" Callers who hang up in the phone menu count among those hanging up on "
               "hold." if any(m > 0 for m in ctx.plan_menus.values()) else "") + "</p>")
    return f"<table class='compact'>{head}{''.join(rows)}</table>{note}"


def hint_summary(ctx: ReportContext) -> str:
    """The Erlang A hint in two plain sentences."""
    rate = ctx.hint["phone_calls_per_hour"].to_numpy(dtype=float)
    need = ctx.hint["erlang_a_staff_needed"].to_numpy(dtype=int)
    if not np.isfinite(rate).any() or rate.max() <= 0:
        return "<p>No phone calls reached the practice in the simulation.</p>"
    peak = int(np.argmax(rate))
    day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    when = f"{day[peak // 24]} {peak % 24:02d}:00-{peak % 24 + 1:02d}:00"
    busy = int((rate * 365.25 / 7 >= 3).sum())
    people = "person" if need.max() == 1 else "people"
    return (f"<p>The busiest hour ({when}) brings about {rate[peak]:.2f} calls on average, "
            f"and Erlang A asks for {need.max()} {people} free for the phone then; calls come "
            "at least "
            f"3 times a year in {busy} of the week's 168 hours. The table counts, for each "
            "plan, the hours in which fewer people than that are free, and the share of all "
            "calls that arrive in them."
            + (f" The baseline's {ctx.plan_menus[ctx.plans[0]]:g}-second phone menu plays "
               "first: the hint counts the callers who get through it to the line, and its "
               "target time starts there (the simulated answers count from the start of the "
               "call)." if ctx.plan_menus.get(ctx.plans[0], 0) > 0 else "")
            + "</p>")


def hint_table(ctx: ReportContext) -> str:
    rate = ctx.hint["phone_calls_per_hour"].to_numpy(dtype=float)
    need = ctx.hint["erlang_a_staff_needed"].to_numpy(dtype=int)
    calls = rate.sum()
    head = ("<tr><th>Plan</th><th class='n'>Hours a week someone<br>answers the phone</th>"
            "<th class='n'>Hours a week with calls<br>and too few people</th>"
            "<th class='n'>Share of calls arriving<br>in those hours</th>"
            "<th class='n'>Simulated: calls answered<br>within "
            f"{ctx.target['answered_within_seconds']:g} s</th>"
            "<th class='n'>Simulated: callers<br>hanging up on hold</th></tr>")
    rows = []
    for p in ctx.plans:
        roster = ctx.rosters[p]
        status = hour_status(need, roster, rate)
        short = np.isin(status, [STATUS.index("short-handed"), STATUS.index("nobody answers")])
        hours_short = int(short.sum())
        share = rate[short].sum() / calls if calls > 0 else math.nan
        answered = float(np.clip(roster["phone"] + roster["service"], 0, 1).sum())
        sl = _val(ctx, p, "phone_answered_within_target", "mean")
        ab = _val(ctx, p, "phone_abandoned_share", "mean")
        rows.append(f"<tr><td><b>{_e(p)}</b></td><td class='n'>{answered:.0f}</td>"
                    f"<td class='n'>{hours_short}</td><td class='n'>{share:.0%}</td>"
                    f"<td class='n'>{sl:.0%}</td><td class='n'>{ab:.0%}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _names(cs) -> str:
    return ", ".join(c.replace("_", " ") for c in cs) or "none"


def channels_line(ctx: ReportContext) -> str:
    """Which channels each plan watches, and which go unread (from the plans' settings)."""
    per = ctx.plan_channels or {ctx.plans[0]: ctx.channels}
    if len({tuple(cs) for cs in per.values()}) == 1:
        watched = next(iter(per.values()))
        unread = ctx.plan_unread.get(ctx.plans[0]) if ctx.plan_unread else None
        if unread is None:
            unread = [c for c in ctx.all_channels if c not in watched]
        text = f"Every plan watches the same channels ({_names(watched)})"
        return text + (f"; messages by {_names(unread)} go unread." if unread else ".")
    return ("The plans watch different channels: "
            + "; ".join(f"<b>{_e(p)}</b>: {_names(cs)}" for p, cs in per.items())
            + ". Messages on a channel a plan does not watch go unread.")


def unread_line(ctx: ReportContext) -> str:
    """For the current plan: the share of the practice's inquiries that arrive on channels
    nobody at the practice reads (never answered), and which channels those are."""
    base = ctx.plans[0]
    share = _val(ctx, base, "unread_channel_share", "mean")
    if not math.isfinite(share):
        return ""
    unread = ctx.plan_unread.get(base, [])
    if share <= 0 or not unread:
        return (f"<p>Under <i>{_e(base)}</i> someone at the practice reads every channel its "
                "inquiries arrive on.</p>")
    names = [CHANNEL_WORDS.get(c, c) for c in unread]
    names = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    text = (f"<p><b>{share:.0%} of the practice's inquiries arrive on channels nobody at the "
            f"practice reads</b> under <i>{_e(base)}</i> ({_e(names)}): they are never "
            "answered, however many people are on shift.")
    # (by the channels each plan reads: the measured shares also move a little when a
    # plan changes which practices shoppers choose)
    better = [p for p in ctx.plans[1:]
              if set(ctx.plan_unread.get(p, unread)) < set(unread)]
    if better:
        text += (" Plans that read more of them: "
                 + ", ".join(f"<b>{_e(p)}</b> "
                             f"({_val(ctx, p, 'unread_channel_share', 'mean'):.0%} left unread)"
                             for p in better) + ".")
    return text + "</p>"


def menu_line(ctx: ReportContext) -> str:
    """The phone menu of each plan that has one, named with its length (seed 002)."""
    menus = {p: m for p, m in ctx.plan_menus.items() if m > 0}
    if not menus:
        return ""
    text = "; ".join(f"<b>{_e(p)}</b> {m:g} seconds" for p, m in menus.items())
    shares = [f"{_val(ctx, p, 'phone_menu_hangup_share', 'mean'):.0%} under <i>{_e(p)}</i>"
              for p in menus if math.isfinite(_val(ctx, p, 'phone_menu_hangup_share', 'mean'))]
    return ("<p>Phone menu (an automated &ldquo;press 1 for ...&rdquo; before a person or the hold "
            f"queue): {text}. Callers hang up in it with the same patience as on hold, counted "
            "from the start of the call"
            + (f" (of the calls: {', '.join(shares)})" if shares else "")
            + ". Seed 002 warns against more than a minute in an automated loop before a "
            "person.</p>")


def nurture_line(ctx: ReportContext) -> str:
    """What each plan's nurture programme did, and the value of its list still waiting at
    the end (sim/analysis/nurture.py), with the net gain counting it."""
    plans = [p for p, on in ctx.plan_nurture.items() if on]
    if not plans:
        return ""
    base, level = ctx.plans[0], f"{ctx.confidence:.0%}"
    parts = []
    for p in plans:
        def mean(metric: str, digits: int = 1, p=p) -> str:
            return _num(_val(ctx, p, metric, "mean"), digits, sign=False)

        text = (f"<b>{_e(p)}</b>: {mean('micro_conversions_per_month')} prospects a month "
                "reached when no longer ready sign up for the newsletter; within the "
                f"{ctx.days} days {mean('nurture_returns')} came back ready and "
                f"{mean('bookings_after_nurture')} booked with the practice. At the end "
                f"{mean('nurture_pending', 0)} were still on the list, worth about "
                f"{_money_html(_val(ctx, p, 'nurture_pending_value', 'mean'), False)} in "
                "expected fees")
        r = _row(ctx, p, "net_with_nurture_list_per_month") if p != base else None
        if r is not None and math.isfinite(r["diff_vs_baseline"]):
            text += (f"; counting that value, the net gain is about "
                     f"{_money_html(r['diff_vs_baseline'])} a month against <i>{_e(base)}</i> "
                     f"({level} range {_money_html(r['ci_low'])} to "
                     f"{_money_html(r['ci_high'])})")
        parts.append(text)
    return ("<p>Nurture (&ldquo;if they are not ready to commit, get the "
            "micro-conversion&rdquo;): " + "; ".join(parts) + ". The gain of a nurture list "
            "lands weeks to months after the first inquiry (a prospect comes back at one of "
            "the touches, months later), so a comparison of "
            f"{ctx.days} days counts only part of it in the net gain above: the list still "
            "waiting is valued as its expected returns x the share of returns that booked x "
            "what a booking is worth. Run longer (<code>market_days=365</code>) to see more "
            "of it counted as bookings.</p>")


def _sim_overrides(ctx: ReportContext, match) -> list[str]:
    """The comparison's extra settings (`sim_overrides`) whose key `match(key)` accepts."""
    return [o for o in ctx.sim_overrides if match(o.partition("=")[0].lstrip("+~"))]


def _changed(ctx: ReportContext, prefixes: tuple[str, ...]) -> str:
    """A note when the comparison's extra settings change what a fixed sentence states."""
    hit = _sim_overrides(ctx, lambda key: key.startswith(prefixes))
    return (f" <b>These are the model's defaults; this comparison changed them</b> "
            f"(<code>{_e(' '.join(hit))}</code>).") if hit else ""


def _money_sentence(ctx: ReportContext) -> str:
    eco = ctx.economics
    if not eco:  # the model's defaults
        return ("Money: 15% of booked consultations are no-shows and 46% of consultations "
                "become a procedure (practice benchmark surveys); a procedure earns the "
                "surgeon's fee (ASPS 2018: liposuction $3,518 to facelift $7,655). Revenue "
                "counts only these fees; materials, facility and marketing costs are not "
                "subtracted." + _changed(ctx, ("practices.alpha.economics",)))
    return (f"Money, from this practice's settings: {eco['no_show_rate']:.0%} of booked "
            f"consultations are no-shows and {eco['consultation_to_procedure']:.0%} of "
            "consultations become a procedure; a procedure earns its fee "
            f"({_money_html(eco['fee_low'], False)} to {_money_html(eco['fee_high'], False)}"
            "). Revenue counts only these fees; materials, facility and marketing costs are "
            "not subtracted." + _changed(ctx, ("practices.alpha.economics",)))


def assumptions(ctx: ReportContext) -> str:
    base = ctx.plans[0]
    month = DAYS_PER_MONTH
    items = [
        f"The market: about {ctx.prospects_per_day:g} new prospects a day in the area, each "
        "contacting one to four practices (RealSelf shopper survey: 43% contact one practice, "
        "26% two, the rest three or more). Your practice competes with "
        + ", ".join(f"<i>{_e(name or slot)}</i>" for slot, name in ctx.competitors)
        + "; a prospect books with the first practice that reaches them while still "
        "interested, or, if they are still waiting for another practice's answer, hears "
        "it out for up to an hour and picks by rating and price (about 8 in 10 shoppers "
        "who wrote to several practices book with the first to respond: Lead Connect "
        "2021 consumer survey).",
        "Interest fades fast: a prospect answered within about 12 minutes books a "
        "consultation about 65% of the time, after 1 hour about 31%, after 9 hours about 8% "
        "(MyMedLeads report on about 40 plastic-surgery practices)."
        + _changed(ctx, ("prospect",)),
        _money_sentence(ctx),
        "Staffing cost is hourly pay for every rostered hour plus service fees. Wages are pay "
        f"only; the last column of the money table adds {ctx.wage_overhead:.0%} for employer "
        "taxes and benefits (BLS Employer Costs for Employee Compensation).",
        channels_line(ctx),
        "Existing patients at the desk come first: in the baseline each receptionist spends "
        f"about {ctx.patient_share:.0%} of her shift with them (the practice's patient "
        "share); a coordinator works only on new inquiries. A plan changes the staff, not "
        "the patients: people it adds on hours the desk is already staffed share the desk's "
        "patients (two receptionists each spend half the share of one), people on hours the "
        "desk was not staffed have patients of their own.",
        f"Callers on hold hang up after about {ctx.patience_minutes * 60:.0f} seconds on "
        "average (call-centre studies); about a third of those who hang up or call when "
        "nobody answers leave a voicemail."
        + (" A phone menu uses up the same patience: it counts from the start of the call."
           if any(m > 0 for m in ctx.plan_menus.values()) else ""),
        f"A phone conversation takes {ctx.handle_minutes:g} minutes on average.",
        f"Each plan was simulated {ctx.replications} times for {ctx.days} days (seeds "
        f"{ctx.seed} to {ctx.seed + ctx.replications - 1}). In each repetition every plan met "
        "exactly the same prospects, so a difference between plans is the plan's doing. "
        f"Ranges are {ctx.confidence:.0%} t-intervals of these paired differences; a month is "
        f"{month:.1f} days.",
    ]
    if _has(ctx, "new_reviews"):
        items.append("Reviews and word of mouth are simulated: every prospect judges how fast "
                     "and how well they were answered (or that they never were), and some "
                     "post a review or tell a friend (Optus 2014 survey). Reviews move the "
                     "rating and referrals bring new prospects, so their effect on bookings "
                     f"within the {ctx.days} days is already in the revenue; effects after "
                     "that (a better rating next year) are not.")
    else:
        items.append("Reviews and referrals are not part of this version of the model: a plan "
                     "that answers faster would also earn better reviews and more referrals, "
                     "so its real gain is, if anything, larger than shown.")
    for p in ctx.plans:
        d = ctx.descriptions.get(p, {})
        cost = f" <i>Cost, in the plan's words:</i> {_e(d['cost'])}" if d.get("cost") else ""
        items.append(f"<b>{_e(p)}</b>{' (baseline)' if p == base else ''}: "
                     f"{_e(d.get('summary', ''))}{cost}")
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def warnings(ctx: ReportContext) -> str:
    """A warning box when a plan has fewer staff or costs less than the baseline: its row
    is a cut, and reads as one."""
    base = ctx.plans[0]
    items = []
    for p in ctx.plans[1:]:
        d = ctx.descriptions.get(p, {})
        why = []
        if d.get("lowers_staff"):
            why.append(f"takes {d.get('removed_hours_per_week', 0):g} staff hours a week off "
                       f"<i>{_e(base)}</i>")
        if d.get("lowers_cost"):
            why.append(f"costs {_money_html(abs(d.get('cost_per_month', 0.0)), False)} a month "
                       f"less than <i>{_e(base)}</i> in wages and fees")
        if why:
            items.append(f"<li><b>{_e(p)}</b> {' and '.join(why)}: {_e(d.get('change', ''))}."
                         "</li>")
    if not items:
        return ""
    return ("<div class='box warn'><p><b>Read with care: some plans are cuts, not "
            "additions.</b></p><ul>" + "".join(items) + "</ul></div>")


def compared(ctx: ReportContext) -> str:
    """The baseline practice in words and what each plan changes in it (from the configs
    as run)."""
    base = ctx.plans[0]
    words = "".join(f"<li>{_e(w)}</li>" for w in ctx.baseline_words)
    first = ctx.descriptions.get(base, {})
    own = (f" The baseline plan <i>{_e(base)}</i>: {_e(first.get('summary', ''))}"
           if first.get("summary") else "")
    rows = "".join(
        f"<tr><td><b>{_e(p)}</b></td><td>{_change(ctx, p) or 'no change'}</td>"
        f"<td><small>{_e(_summary(ctx, p))}</small></td></tr>" for p in ctx.plans[1:])
    return ("<h2>What was compared</h2>"
            f"<p>The practice, <b>{_e(ctx.practice_name)}</b>, as the baseline runs it "
            f"(from its configuration).{own}</p><ul>{words}</ul>"
            + unread_line(ctx) + menu_line(ctx) + nurture_line(ctx) +
            "<p>Each plan as the change it makes to that baseline, with its rostered hours "
            "and nominal cost a month (wages for the rostered hours and monthly fees; "
            "per-call fees and the simulated cost are in the tables below):</p>"
            "<table><tr><th>Plan</th><th>What it changes in the baseline</th>"
            f"<th>In the plan's own words</th></tr>{rows}</table>")


CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#222;
 max-width:1120px;margin:24px auto;padding:0 24px;line-height:1.5;background:#fff}
h1{font-size:1.9em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:2px solid #e5e5e5;
 padding-bottom:.2em} .sub{color:#555;margin-top:0}
.box{background:#f3f8f4;border-left:6px solid #2e8b57;padding:10px 20px;margin:18px 0}
.box.none{background:#f6f6f6;border-left-color:#8c8c8c}
.box.warn{background:#fff6e5;border-left-color:#e08e0b}
.lead{font-size:1.25em;margin:.4em 0}
table{border-collapse:collapse;width:100%;margin:12px 0;font-size:.93em}
th{background:#f0f0f0;text-align:left;padding:6px 8px;vertical-align:bottom}
td{border-top:1px solid #e3e3e3;padding:6px 8px;vertical-align:top}
th.n,td.n{text-align:right;white-space:nowrap}
table.compact{font-size:.88em} table.compact td.n,table.compact th.n{white-space:normal}
tr.base td{background:#fafafa;color:#444}
small{color:#666} img{max-width:100%;display:block;margin:8px auto}
.badge{padding:2px 8px;border-radius:10px;font-size:.85em;white-space:nowrap;color:#fff}
.badge.better{background:#2e8b57}.badge.worse{background:#c0392b}.badge.unclear{background:#8c8c8c}
.caption{color:#444;font-size:.95em} code{background:#f3f3f3;padding:1px 4px}
li{margin:.35em 0} footer{color:#777;font-size:.85em;margin:3em 0 1em}
"""


def render(ctx: ReportContext) -> str:
    """The whole page as one HTML string."""
    base = ctx.plans[0]
    best, rec = recommendation(ctx)
    level = f"{ctx.confidence:.0%}"
    within = ctx.target["answered_within_seconds"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Staffing plans for {_e(ctx.practice_name)}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Which staffing plan pays for itself?</h1>",
        f"<p class='sub'>{_e(ctx.practice_name)}: {len(ctx.plans)} staffing plans compared on "
        f"the same simulated patients, {ctx.replications} repetitions of {ctx.days} days each."
        "</p>",
        warnings(ctx),
        f"<div class='box{'' if best else ' none'}'>{rec}</div>",
        compared(ctx),
        "<h2>Net gain per month</h2>",
        f"<p>Net gain is the extra revenue from procedures minus the extra cost of the plan, "
        f"per month, compared with <i>{_e(base)}</i>. The range is where the true gain lies "
        f"with {level} confidence: a plan <b>pays for itself</b> only when the whole range is "
        "above zero.</p>",
        money_table(ctx),
        _img(ctx, "net_gain", "net gain per month with intervals"),
        "<p class='caption'>Each bar is a plan's average net gain per month against the "
        "current plan; the black line is its range. Green: clearly pays for itself; grey: "
        "the simulation cannot tell; red: clearly loses money.</p>",
        "<h2>What changes for the patients</h2>",
        f"<p>Per month, against <i>{_e(base)}</i> (small print: {level} range). The median "
        "first answer and the calls answered promptly are each plan's own figures.</p>",
        patients_table(ctx),
        _img(ctx, "first_response", "share of inquiries answered within a given time"),
        "<p class='caption'>How long prospects wait for a person to answer. A curve higher "
        "and further to the left is better: it shows the share of all inquiries answered "
        "within the time on the bottom axis. Where a curve stops rising, the rest were never "
        "answered (left unanswered after hours, or given up after the last follow-up).</p>",
        "<h2>When inquiries arrive, and who is working</h2>",
        _img(ctx, "inquiries_by_hour", "inquiries by hour of week against staffed hours"),
        "<p class='caption'>Top: inquiries to the practice in an average week, hour by hour. "
        "Phone calls come in office hours; web forms and messages peak in the evenings and at "
        "weekends. Grey ones arrive on channels nobody at the practice reads. Bottom: the "
        "hours each plan has someone working (green) or an answering service (blue).</p>",
        "<h2>Staffing hint for the phone line</h2>",
        f"<p>How many people must be free to take calls, hour by hour, so that "
        f"{ctx.target['service_level']:.0%} of calls are answered within {within:g} "
        f"seconds and fewer than {ctx.target['max_abandon']:.0%} of callers hang up? The "
        "Erlang A formula (the standard call-centre staffing model, with callers who give "
        "up) answers this from the calls per hour measured in the simulation, a "
        f"{ctx.handle_minutes:g}-minute call and a caller who waits about "
        f"{ctx.patience_minutes * 60:.0f} seconds on hold. A receptionist who spends "
        f"{ctx.patient_share:.0%} of the shift with patients counts as "
        f"{1 - ctx.patient_share:.2g} of a phone person here; a coordinator as a whole one.</p>",
        hint_summary(ctx),
        hint_table(ctx),
        _img(ctx, "erlang_hint", "Erlang A staff needed per hour of week against each roster"),
        "<p class='caption'>Each calendar is one week (rows: days; columns: hours). First "
        "calendar: calls per hour (darker: more) and the Erlang A number of phone staff "
        "needed. Other calendars: the plan's phone-staff equivalents in each hour (a "
        "receptionist counts as 1 minus her share of time with patients, so two at 30% are "
        "1.4; a coordinator as 1), coloured by whether that meets the need. Quiet hours have "
        "fewer than 3 calls a year.</p>",
        "<h2>Assumptions</h2>",
        assumptions(ctx),
        "<footer>Made by leadsim (<code>python -m experiments.compare_staffing</code>, "
        f"{len(ctx.runs)} simulation runs in {ctx.seconds:.0f} s"
        + (f"; extra settings: <code>{_e(' '.join(ctx.sim_overrides))}</code>"
           if ctx.sim_overrides else "")
        + "). The numbers behind this page are in comparison.csv, replications.csv and "
        "staffing_hint.csv next to it.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts)
