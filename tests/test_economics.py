"""sim/model/economics.py: revenue is the sum of the procedures' fees, and the staffing cost
is the wages of rostered hours plus the services' fees, recomputed from the config.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from test_market import DAYS_PER_MONTH, SUMMARY_SETTINGS, default_market, markets, simulate

from sim.config import (
    Config,
)


@SUMMARY_SETTINGS
@given(markets())
def test_revenue_is_the_sum_of_the_procedures_fees(cfg):
    _, res = simulate(cfg, summary=True)
    pr, s = res.prospects, res.summary
    final = res.daily[res.daily["day"] == res.daily["day"].max()].set_index("practice")
    assert (pr.loc[pr["converted"], "showed"]).all(), "a procedure without a consultation"
    assert (pr.loc[pr["showed"], "booked_with"] != "").all(), "a consultation without booking"
    assert (pr.loc[~pr["converted"], "revenue"] == 0).all()
    assert (pr.loc[~pr["converted"], "procedure"] == "").all()
    for row in pr[pr["converted"]].itertuples():
        eco = cfg.practices[row.booked_with].economics
        assert eco.procedure_mix.get(row.procedure, 0) > 0, "a procedure not in the mix"
        assert row.revenue == eco.procedure_fees[row.procedure]
    for slot, p in cfg.practices.items():
        mine = pr[pr["booked_with"] == slot]
        revenue = float(mine["revenue"].sum())
        assert s[f"practices.{slot}.revenue"] == pytest.approx(revenue)
        assert final.at[slot, "revenue"] == pytest.approx(revenue)  # the practice's own tally
        assert s[f"practices.{slot}.procedures"] == int(mine["converted"].sum())
        assert s[f"practices.{slot}.consultations"] == int(mine["showed"].sum())
        if p.economics.no_show_rate == 1.0:
            assert not mine["showed"].any()
        if p.economics.no_show_rate == 0.0:
            assert mine["showed"].all()
        if p.economics.consultation_to_procedure == 0.0:
            assert revenue == 0.0
        if p.economics.consultation_to_procedure == 1.0:
            assert (mine["converted"] == mine["showed"]).all()
    assert s["market.revenue"] == pytest.approx(float(pr["revenue"].sum()))


def expected_costs(cfg: Config, slot: str, service_calls: int) -> dict:
    """Wages for the rostered hours of the first market.days days, plus the fees."""
    p, days = cfg.practices[slot], cfg.market.days
    wages = 0.0
    for line in p.roster:
        on = {d.value for d in line.days}
        workdays = sum(1 for day in range(days)
                       if ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day % 7] in on)
        (h0, m0), (h1, m1) = (map(int, t.split(":")) for t in (line.start, line.end))
        hours = (h1 * 60 + m1 - h0 * 60 - m0) / 60.0
        wages += line.staff * line.hourly_wage * hours * workdays
    months = days / DAYS_PER_MONTH
    svc, ar = p.answering_service, p.auto_responder
    service = (svc.fee_per_month * months + svc.fee_per_call * service_calls) if svc.enabled \
        else 0.0
    auto = ar.fee_per_month * months if ar.enabled else 0.0
    out = {"wages": wages, "answering_service_fees": service, "auto_responder_fees": auto,
           "staffing_cost": wages + service + auto}
    if p.unified_inbox.enabled:
        out["unified_inbox_fees"] = p.unified_inbox.fee_per_month * months
        out["staffing_cost"] += out["unified_inbox_fees"]
    return out


@SUMMARY_SETTINGS
@given(markets())
def test_staffing_cost_is_wages_for_rostered_hours_plus_fees(cfg):
    _, res = simulate(cfg, summary=True)
    q, s = res.inquiries, res.summary
    final = res.daily[res.daily["day"] == res.daily["day"].max()].set_index("practice")
    for slot, p in cfg.practices.items():
        calls = int(q.loc[q["practice"] == slot, "service_answered"].sum())
        if not p.answering_service.enabled:
            assert calls == 0, "an answering service that is not there took calls"
        want = expected_costs(cfg, slot, calls)
        for key, value in want.items():
            assert s[f"practices.{slot}.{key}"] == pytest.approx(value, rel=1e-9, abs=1e-9)
        assert s[f"practices.{slot}.net"] == pytest.approx(
            s[f"practices.{slot}.revenue"] - want["staffing_cost"])
        assert final.at[slot, "staffing_cost"] == pytest.approx(want["staffing_cost"])
    assert s["market.staffing_cost"] == pytest.approx(
        sum(s[f"practices.{slot}.staffing_cost"] for slot in cfg.practices))


def test_staffing_cost_of_the_default_market_by_hand():
    """solo_front_desk in alpha: one receptionist, 8 h x weekdays x $21; 14 days = 10
    weekdays. gamma: two desk staff 9 h x $21 plus a $150/month service and $1.75 a call."""
    _, res = simulate(default_market(days=14), summary=True)
    s = res.summary
    assert s["practices.alpha.staffing_cost"] == pytest.approx(1 * 8 * 10 * 21.0)
    calls = int(res.inquiries.query("practice == 'gamma'")["service_answered"].sum())
    assert calls > 0
    assert s["practices.gamma.staffing_cost"] == pytest.approx(
        2 * 9 * 10 * 21.0 + 150.0 * 14 / DAYS_PER_MONTH + 1.75 * calls)
