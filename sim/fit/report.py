"""fit_report.html: one self-contained page on how leadsim reads a practice's records.

Figures are embedded as base64 PNG, styles inline. In order: what was read (rows kept,
skipped by cause with their line numbers), the estimates with their intervals, the weekly
profile per channel (observed against fitted, with the model the AIC chose), talk time
(the data against both fitted distributions), patience (Kaplan-Meier against the fitted
exponential, with the biased naive mean marked), the roster, and the back-test table with
what remains off and why.
"""

from __future__ import annotations

import base64
import html
import io
import math

import numpy as np

from .arrivals import DAYS, MODELS
from .backtest import why


def _e(x) -> str:
    return html.escape(str(x))


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return ('<img alt="figure" style="max-width:100%" src="data:image/png;base64,'
            + base64.b64encode(buf.getvalue()).decode() + '">')


def _fmt(v, digits=2) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        if not math.isfinite(v):
            return "n/a"
        return f"{v:,.{digits}f}"
    return _e(v)


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def profiles_figure(fit) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chans = list(fit.arrivals)
    fig, axes = plt.subplots(len(chans), 1, figsize=(10, 2.1 * len(chans)), squeeze=False,
                             sharex=True)
    for ax, c in zip(axes[:, 0], chans):
        a = fit.arrivals[c]
        ax.step(np.arange(168), a.observed_per_hour, where="post", color="0.6",
                label="observed (per hour)")
        ax.plot(np.arange(168) + 0.5, a.per_hour_of_week, color="C0",
                label=f"fitted: {a.model}")
        ax.set_ylabel(c)
        ax.legend(loc="upper right", fontsize=7)
        for d in range(1, 7):
            ax.axvline(d * 24, color="0.85", lw=0.8)
    axes[-1, 0].set_xticks([d * 24 + 12 for d in range(7)], DAYS)
    axes[0, 0].set_title("Inquiries per hour of the week (local time)")
    return _png(fig)


def talk_figure(talk) -> str:
    import matplotlib.pyplot as plt
    from scipy.stats import expon, lognorm

    fig, ax = plt.subplots(figsize=(6, 3.2))
    x = talk.minutes
    top = float(np.quantile(x, 0.99))
    ax.hist(x[x <= top], bins=40, density=True, color="0.8", label="answered calls")
    grid = np.linspace(0.01, top, 300)
    ax.plot(grid, expon(scale=float(x.mean())).pdf(grid),
            label=f"exponential (AIC {talk.aic_exponential:,.0f})")
    ax.plot(grid, lognorm(s=talk.sigma, scale=math.exp(talk.mu)).pdf(grid),
            label=f"lognormal (AIC {talk.aic_lognormal:,.0f})")
    ax.set_xlabel("talk time (minutes)")
    ax.set_title(f"Talk time: {talk.distribution} kept")
    ax.legend(fontsize=8)
    return _png(fig)


def patience_figure(pat) -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    t = np.r_[0.0, pat.km_times]
    s = np.r_[1.0, pat.km_survival]
    ax.step(t, s, where="post", label="Kaplan-Meier (answered callers censored)")
    top = float(max(t.max() if len(t) else 1.0, 1.0))
    grid = np.linspace(0, top, 200)
    ax.plot(grid, np.exp(-grid / pat.mean.value),
            label=f"exponential, mean {pat.mean.value:.2f} min")
    ax.axvline(pat.naive_mean_abandoned, color="0.5", ls=":",
               label=f"mean hold of hang-ups {pat.naive_mean_abandoned:.2f} (biased)")
    ax.set_xlabel("minutes on hold")
    ax.set_ylabel("still waiting")
    ax.set_ylim(0, 1.02)
    ax.set_title("Callers' patience on hold")
    ax.legend(fontsize=7)
    return _png(fig)


STYLE = """
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}th{background:#f4f4f4}
.off{color:#a33}.ok{color:#276}.note{color:#555;font-size:.9em}
"""


def render(fit, practice, keys: dict, bt, settings) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>leadsim fit: "
             f"{_e(settings.name)}</title><style>{STYLE}</style></head><body>",
             f"<h1>Your practice in leadsim: <code>{_e(settings.name)}</code></h1>",
             "<p>leadsim read your records, made a practice that behaves like them, and "
             "simulated it against them. The fitted practice is in your config folder: use "
             f"it with <code>leadsim compare practice={_e(settings.name)}</code>.</p>"]
    parts.append(_rows_section(fit, keys))
    parts.append(_estimates_section(keys))
    if fit.arrivals:
        parts.append("<h2>When inquiries come</h2>")
        parts.append("<p>A ladder of Poisson models per channel, from day-plus-hour terms to "
                     "a free rate for every hour of the week; the lowest AIC is kept.</p>")
        rows = []
        for c, a in fit.arrivals.items():
            lo, hi = a.per_week_interval()
            rows.append([_e(c), _fmt(a.count), f"{a.per_week:.1f} [{lo:.1f}, {hi:.1f}]",
                         f"<b>{_e(a.model)}</b>"]
                        + [_fmt(a.aic.get(m), 1) for m in MODELS])
        parts.append(_table(["channel", "inquiries", "per week [95%]", "model chosen",
                             *[f"AIC {m}" for m in MODELS]], rows))
        parts.append(profiles_figure(fit))
    if fit.talk is not None:
        parts.append("<h2>Talk time</h2>" + talk_figure(fit.talk))
    if fit.patience is not None:
        parts.append("<h2>Patience on hold</h2><p>Answered callers' holds are censored "
                     "observations of their patience (they would have waited longer); the "
                     "mean hold of those who hung up understates patience.</p>"
                     + patience_figure(fit.patience))
    parts.append(_roster_section(practice))
    if bt is not None:
        parts.append(_backtest_section(bt))
    parts.append("<p class='note'>Every figure with its interval: fit.json (documented in "
                 "docs/reference/fit-json.md).</p></body></html>")
    return "\n".join(parts)


def _rows_section(fit, keys) -> str:
    rows = []
    for t in (fit.calls, fit.leads):
        if t is None:
            continue
        rows.append([_e(t.path), _fmt(t.rows_read), _fmt(len(t.frame)), _fmt(t.skipped),
                     _fmt(t.duplicates), _fmt(t.filtered), _fmt(t.dropped)])
    out = ["<h2>What was read</h2>",
           _table(["file", "rows", "kept", "skipped (broken)", "duplicates", "filtered out",
                   "dropped by the mapping"], rows)]
    problems = []
    for kind, t in (("calls", fit.calls), ("leads", fit.leads)):
        if t is None:
            continue
        for cause, lines in sorted(t.problems.items()):
            shown = ", ".join(map(str, lines[:20])) + (" ..." if len(lines) > 20 else "")
            problems.append([_e(kind), _e(cause), _e(t.problem_columns.get(cause, "")),
                             _fmt(len(lines)), _e(shown)])
    if problems:
        out.append("<p>Rows skipped, by cause (line numbers of the file, the header being "
                   "line 1):</p>")
        out.append(_table(["file", "cause", "column", "rows", "lines"], problems))
    return "\n".join(out)


ESTIMATES = [
    ("phone.calls_per_week", "calls per week", 1, False),
    ("phone.answered_share", "answered share", 3, True),
    ("phone.abandoned_share", "abandoned / (answered + abandoned)", 3, True),
    ("phone.answered_within_20s_share", "answered within 20 s / (answered + abandoned)", 3,
     True),
    ("phone.hold_minutes.mean", "mean hold of answered calls (min)", 2, True),
    ("phone.talk_minutes.mean", "mean talk time (min)", 2, True),
    ("phone.patience_minutes.mean", "mean patience on hold (min)", 2, True),
    ("phone.voicemail_share", "voicemail / unanswered callers", 3, True),
    ("leads.booked_share", "bookings per inquiry", 3, True),
]


def _estimates_section(keys) -> str:
    rows = []
    for key, label, digits, interval in ESTIMATES:
        if keys.get(key) is None:
            continue
        ci = (f"[{_fmt(keys.get(key + '.low'), digits)}, {_fmt(keys.get(key + '.high'), digits)}]"
              if interval and keys.get(key + ".low") is not None else "")
        rows.append([_e(label), _fmt(keys[key], digits), ci, f"<code>{_e(key)}</code>"])
    for key in sorted(k for k in keys if k.startswith("leads.")
                      and k.endswith("first_response_median_minutes")):
        rows.append([_e(key.split(".")[1] + ": median first response (min)"),
                     _fmt(keys[key], 0), "", f"<code>{_e(key)}</code>"])
    return "<h2>Estimates</h2>" + _table(["figure", "estimate", "95% interval", "fit.json key"],
                                         rows)


def _roster_section(practice) -> str:
    rows = [[_e(", ".join(str(getattr(d, "value", d)) for d in s.days)), _e(s.start),
             _e(s.end), _fmt(s.staff), _e(str(getattr(s.role, "value", s.role)))]
            for s in practice.roster]
    hours = [[_e(", ".join(str(getattr(d, "value", d)) for d in h.days)), _e(h.start),
              _e(h.end)] for h in practice.opening_hours]
    return ("<h2>Roster</h2><p>Who answers when, read from the answered calls (everyone as "
            "front desk: a call log does not say who also serves patients). A day with "
            "answered calls always has someone on it, over the hours the line was seen "
            "staffed, however few calls were answered.</p>"
            + _table(["days", "start", "end", "staff", "role"], rows)
            + "<p>Opening hours (the union of the shifts):</p>"
            + _table(["days", "start", "end"], hours))


def _backtest_section(bt) -> str:
    t = bt.table
    rows = []
    for _, r in t.iterrows():
        cls = "ok" if r["within"] else "off"
        rows.append([_e(r["label"]), _fmt(r["observed"], 3), _fmt(r["simulated_mean"], 3),
                     f"[{_fmt(r['simulated_low'], 3)}, {_fmt(r['simulated_high'], 3)}]",
                     f"<span class='{cls}'>{'yes' if r['within'] else 'no'}</span>"])
    cal = bt.calibration
    shares = ", ".join(f"{c} {v:.3f}" for c, v in cal["inquiry_share"].items())
    notes = [f"<li><b>{_e(r['label'])}</b>: {_e(why(r['metric']))}</li>"
             for _, r in t[~t["within"]].iterrows()]
    return ("<h2>Back-test</h2><p>The fitted practice simulated in the default market for "
            "as many days as your records cover, in replications with common random "
            "numbers. The range is the 95% prediction interval of one simulated period's "
            "figure.</p>"
            + _table(["figure", "your records", "simulated mean", "simulated range",
                      "within"], rows)
            + "<p>Calibrated by simulation: patient_share "
            f"{_fmt(cal['patient_share'])}, first_response_delay_minutes "
            f"{_fmt(cal['first_response_delay_minutes'], 0)}, discipline "
            f"{_e(cal['discipline'])}; share of the market's prospects per channel that "
            f"inquire here: {_e(shares)}"
            f" ({bt.runs} runs in all).</p>"
            + ("<p>What remains off, and why:</p><ul>" + "".join(notes) + "</ul>"
               if notes else "<p>Every figure is within the simulated range.</p>"))
