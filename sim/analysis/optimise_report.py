"""report.html of `leadsim optimise`: the recommended plan in words, its paired intervals
against the current plan and the best shipped plan, the cost-benefit frontier, how the
search converged, and what the selection's guarantee means. Tables in, a page out: no
model, no Optuna."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path

import pandas as pd

LEVELS = (0.0, 500.0, 1000.0, 2000.0, 3000.0, 5000.0)


def best_so_far(table: pd.DataFrame) -> pd.Series:
    """The best net gain among the trials that fit the budget, up to each trial (the
    convergence curve; NaN before the first that fits)."""
    value = table["net_gain_per_month"].where(table["fits_budget"].astype(bool))
    return value.cummax()


def frontier(table: pd.DataFrame, levels) -> pd.DataFrame:
    """The best mean net gain a month found at an extra cost of at most each level, over
    rows with plan, extra_cost_per_month, net_gain_per_month (search.csv)."""
    rows = []
    for level in levels:
        ok = table[table["extra_cost_per_month"] <= level]
        best = ok.loc[ok["net_gain_per_month"].idxmax()] if len(ok) else None
        rows.append({"extra_cost_at_most": float(level),
                     "best_net_gain_per_month": math.nan if best is None
                     else float(best["net_gain_per_month"]),
                     "plan": None if best is None else best["plan"],
                     "extra_cost_per_month": math.nan if best is None
                     else float(best["extra_cost_per_month"])})
    return pd.DataFrame(rows)


def paired(obs: pd.DataFrame, a: str, b: str, confidence: float = 0.95):
    """The paired t-interval of a - b over the selection replications both ran (None with
    fewer than two)."""
    from .stats import paired_difference

    if not {a, b} <= set(obs["system"]):
        return None
    wide = obs.pivot(index="replication", columns="system", values="value")[[a, b]].dropna()
    if len(wide) < 2:
        return None
    return paired_difference(wide[a].to_numpy(), wide[b].to_numpy(), confidence)


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _figures(table: pd.DataFrame, budget: float) -> tuple[str, str]:
    """(convergence, frontier) as base64 PNGs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    search = table[table["stage"] == "search"].sort_values("trial")
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ok = search["fits_budget"].astype(bool)
    ax.scatter(search["trial"][ok], search["net_gain_per_month"][ok], s=12,
               label="trial in budget")
    ax.scatter(search["trial"][~ok], search["net_gain_per_month"][~ok], s=12, marker="x",
               color="grey", label="over budget")
    ax.step(search["trial"], best_so_far(search), where="post", color="C3",
            label="best in budget so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("net gain a month vs current ($)")
    ax.legend(fontsize=8)
    convergence = _png(fig)
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.scatter(table["extra_cost_per_month"], table["net_gain_per_month"], s=10, color="grey",
               label="every plan tried")
    levels = sorted(set(table["extra_cost_per_month"].dropna()) | {0.0})
    front = frontier(table, levels)
    ax.step(front["extra_cost_at_most"], front["best_net_gain_per_month"], where="post",
            color="C0", label="best found for at most this extra cost")
    ax.axvline(budget, color="C3", ls="--", lw=1, label="budget")
    ax.set_xlabel("extra cost a month ($)")
    ax.set_ylabel("net gain a month vs current ($)")
    ax.legend(fontsize=8)
    return convergence, _png(fig)


def _money(v) -> str:
    if v is None or pd.isna(v):
        return "n/a"
    return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"


def _interval_text(iv, against: str) -> str:
    if iv is None:
        return f"against {against}: too few shared replications for an interval"
    return (f"against {against}: {_money(iv.mean)} a month more net "
            f"(95% paired interval {_money(iv.low)} to {_money(iv.high)}, {iv.n} "
            "replications)")


def write_report(out: Path, s: dict, table: pd.DataFrame, result, obs: pd.DataFrame,
                 plans: dict, best_shipped: str | None, changes: dict) -> Path:
    """report.html into `out`; table: search.csv's rows, plans: the candidates' plans,
    changes: per candidate, what it changes in the practice in words."""
    from ..fileio import write_atomic

    chosen, budget = result.selected, float(s["budget_per_month"])
    row = table[table["plan"] == chosen]
    cost = float(row["extra_cost_per_month"].iloc[0]) if len(row) else 0.0
    gain = float(row["net_gain_per_month"].iloc[0]) if len(row) else 0.0
    lines = ([_interval_text(paired(obs, chosen, "current"), "the current plan")]
             if chosen != "current" else ["it is the current plan: no change found pays more"])
    # the check on fresh seeds, against the best shipped plan too (seeds 1000..: neither the
    # search's nor the selection's)
    check = f"{best_shipped}," if best_shipped and best_shipped != chosen else ""
    check = html.escape(f"plans=[current,{check}{out}/best_plan.yaml]")
    if best_shipped and best_shipped != chosen:
        lines.append(_interval_text(paired(obs, chosen, best_shipped),
                                    f"the best shipped plan in budget ({best_shipped})"))
    front = frontier(table, sorted(set(LEVELS) | {budget}))
    front_rows = "".join(
        f"<tr><td>{_money(r.extra_cost_at_most)}</td><td>{_money(r.best_net_gain_per_month)}"
        f"</td><td>{html.escape(str(r.plan))}</td><td>{_money(r.extra_cost_per_month)}</td></tr>"
        for r in front.itertuples())
    sel_rows = "".join(
        f"<tr><td>{html.escape(r.system)}</td><td>{html.escape(plans[r.system].summary or '')}"
        f"</td><td>{r.replications}</td><td>{_money(r.mean)}</td>"
        f"<td>{'' if pd.isna(r.eliminated_after) else r.eliminated_after}</td>"
        f"<td>{'yes' if r.selected else ''}</td></tr>" for r in result.table().itertuples())
    convergence, frontier_png = _figures(table, budget)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>leadsim optimise</title>
<style>body{{font-family:sans-serif;max-width:54em;margin:2em auto}}td,th{{padding:2px 8px}}
th{{text-align:left}}</style></head><body>
<h1>The best plan for {_money(budget)} a month more</h1>
<h2>Recommended: {html.escape(chosen)}</h2>
<p>{html.escape(plans[chosen].summary or chosen)}</p>
<p>What changes: {html.escape(changes.get(chosen) or 'nothing')}</p>
<p>In the search it cost {_money(cost)} a month more than today and brought
{_money(gain)} a month more net (mean of {s['replications']} replications of
{s['market_days']} days on common random numbers; wage overhead {s['wage_overhead']:.0%}).</p>
<p>On fresh seeds in the selection, {'; '.join(html.escape(x) for x in lines)}.</p>
<p><b>The guarantee.</b> {html.escape(result.statement(f"${s['delta']:,.0f} a month"))}</p>
<p>The plan file: <code>best_plan.yaml</code>; check it on other seeds with
<code>leadsim compare '{check}' seed=1000</code>.</p>
<h2>What each budget buys</h2>
<p>The best mean net gain a month found for at most each extra cost a month (search trials
and shipped plans, on the search seeds).</p>
<table><tr><th>extra cost at most</th><th>best net gain a month</th><th>plan</th>
<th>its extra cost</th></tr>{front_rows}</table>
<img alt="the cost-benefit frontier" src="data:image/png;base64,{frontier_png}">
<h2>How the search converged</h2>
<img alt="best net gain found against trials" src="data:image/png;base64,{convergence}">
<h2>Selection (Kim &amp; Nelson 2001)</h2>
<table><tr><th>candidate</th><th>plan</th><th>replications</th><th>mean net a month</th>
<th>eliminated after</th><th>selected</th></tr>{sel_rows}</table>
</body></html>"""
    path = out / "report.html"
    write_atomic(path, lambda tmp: Path(tmp).write_text(page))
    return path
