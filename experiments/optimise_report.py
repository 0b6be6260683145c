"""report.html of `leadsim optimise`: the recommended plan in words, its paired intervals
against the current plan and the best shipped plan, the cost-benefit frontier, how the
search converged, and what the selection's guarantee means."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pandas as pd


def frontier(table: pd.DataFrame, shipped: pd.DataFrame, levels) -> pd.DataFrame:
    """The best mean net gain a month found (search trials and shipped plans) at an extra
    cost of at most each level."""
    rows = []
    both = pd.concat([table.assign(plan="trial_" + table["trial"].astype(str)),
                      shipped], ignore_index=True)
    for level in levels:
        ok = both[both["extra_cost_per_month"] <= level]
        if ok.empty:
            rows.append({"extra_cost_at_most": level, "best_net_gain_per_month": None,
                         "plan": None, "extra_cost_per_month": None})
            continue
        best = ok.loc[ok["net_gain_per_month"].idxmax()]
        rows.append({"extra_cost_at_most": level,
                     "best_net_gain_per_month": best["net_gain_per_month"],
                     "plan": best["plan"], "extra_cost_per_month": best["extra_cost_per_month"]})
    return pd.DataFrame(rows)


def paired(obs: pd.DataFrame, a: str, b: str, confidence: float = 0.95):
    """The paired t-interval of a - b over the selection replications both ran."""
    from sim.analysis.stats import paired_difference

    wide = obs.pivot(index="replication", columns="system", values="value")[[a, b]].dropna()
    if len(wide) < 2:
        return None
    return paired_difference(wide[a].to_numpy(), wide[b].to_numpy(), confidence)


def _figure(table: pd.DataFrame) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.search.study import best_so_far

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ok = table["fits_budget"]
    ax.scatter(table["trial"][ok], table["net_gain_per_month"][ok], s=12, label="trial in budget")
    ax.scatter(table["trial"][~ok], table["net_gain_per_month"][~ok], s=12, marker="x",
               color="grey", label="over budget")
    ax.step(table["trial"], best_so_far(table), where="post", color="C3", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("net gain a month vs current ($)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _money(v) -> str:
    return "n/a" if v is None or pd.isna(v) else f"${v:,.0f}"


def _interval_text(iv, against: str) -> str:
    if iv is None:
        return f"against {against}: too few shared replications for an interval"
    return (f"against {against}: {_money(iv.mean)} a month more net "
            f"(95% paired interval {_money(iv.low)} to {_money(iv.high)}, {iv.n} replications)")


def write_report(out: Path, s: dict, table, shipped, result, obs, plans: dict,
                 best_shipped: str | None) -> Path:
    from sim.fileio import write_atomic

    chosen = result.selected
    budget = float(s["budget_per_month"])
    row = table[("trial_" + table["trial"].astype(str)) == chosen]
    ship = shipped[shipped["plan"] == chosen]
    found = row.iloc[0] if len(row) else (ship.iloc[0] if len(ship) else None)
    cost = found["extra_cost_per_month"] if found is not None else 0.0
    gain = found["net_gain_per_month"] if found is not None else 0.0
    lines = [_interval_text(paired(obs, chosen, "current"), "the current plan")
             if chosen != "current" else "It is the current plan: no change found pays more."]
    if best_shipped and best_shipped != chosen:
        lines.append(_interval_text(paired(obs, chosen, best_shipped),
                                    f"the best shipped plan in budget ({best_shipped})"))
    levels = sorted({1000.0, 3000.0, 5000.0, budget})
    front = frontier(table, shipped, levels)
    front_rows = "".join(
        f"<tr><td>{_money(r.extra_cost_at_most)}</td><td>{_money(r.best_net_gain_per_month)}"
        f"</td><td>{html.escape(str(r.plan))}</td><td>{_money(r.extra_cost_per_month)}</td></tr>"
        for r in front.itertuples())
    sel_rows = "".join(
        f"<tr><td>{html.escape(r.system)}</td><td>{r.replications}</td><td>{_money(r.mean)}"
        f"</td><td>{'' if pd.isna(r.eliminated_after) else r.eliminated_after}</td>"
        f"<td>{'yes' if r.selected else ''}</td></tr>" for r in result.table().itertuples())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>leadsim optimise</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto}}td,th{{padding:2px 8px}}
</style></head><body>
<h1>The best plan for ${budget:,.0f} a month more</h1>
<h2>Recommended: {html.escape(chosen)}</h2>
<p>{html.escape(plans[chosen].summary)}</p>
<p>In the search it cost {_money(cost)} a month more than today and brought
{_money(gain)} a month more net (mean of {s['replications']} replications of
{s['market_days']} days on common random numbers; wage overhead {s['wage_overhead']:.0%}).</p>
<p>On fresh seeds in the selection, {'; '.join(html.escape(x) for x in lines)}.</p>
<p><b>The guarantee.</b> {html.escape(result.statement(f"${s['delta']:,.0f} a month"))}</p>
<p>The plan file: <code>best_plan.yaml</code>; check it on other seeds with
<code>leadsim compare 'plans=[current,{html.escape(str(out))}/best_plan.yaml]' seed=1000</code>.</p>
<h2>What each budget buys</h2>
<p>The best mean net gain found at each level of extra cost (search trials and shipped
plans, on the search seeds).</p>
<table><tr><th>extra cost at most</th><th>best net gain a month</th><th>plan</th>
<th>its extra cost</th></tr>{front_rows}</table>
<h2>How the search converged</h2>
<img alt="best net gain found against trials" src="data:image/png;base64,{_figure(table)}">
<h2>Selection (Kim &amp; Nelson 2001)</h2>
<table><tr><th>candidate</th><th>replications</th><th>mean net a month</th>
<th>eliminated after</th><th>selected</th></tr>{sel_rows}</table>
</body></html>"""
    path = out / "report.html"
    write_atomic(path, lambda tmp: Path(tmp).write_text(page))
    return path
