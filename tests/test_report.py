"""The staffing report's recommendation (sim/analysis/report.py) says what the intervals
say: a plan is recommended only when its whole range of net gain is above zero, the
"cannot tell" sentence covers only plans whose range includes zero, and a clearly losing
plan is never the best guess."""

from __future__ import annotations

import pandas as pd

from sim.analysis import report


def context(net: dict[str, tuple[float, float, float]], cost: float = 1000.0):
    """A report context whose plans have these (gain, low, high) net gains a month."""
    rows = [("current", m, 0.0, 0.0, 0.0, 0.0, 4) for m in
            ("net_per_month", "staffing_cost_per_month", "bookings_per_month",
             "procedures_per_month", "wages_per_month")]
    for plan, (gain, low, high) in net.items():
        rows += [(plan, "net_per_month", 0.0, gain, low, high, 4),
                 (plan, "staffing_cost_per_month", 0.0, cost, cost, cost, 4),
                 (plan, "bookings_per_month", 0.0, 3.0, 1.0, 5.0, 4),
                 (plan, "procedures_per_month", 0.0, 1.0, 0.0, 2.0, 4),
                 (plan, "wages_per_month", 0.0, 0.0, 0.0, 0.0, 4)]
    comparison = pd.DataFrame(rows, columns=["plan", "metric", "mean", "diff_vs_baseline",
                                             "ci_low", "ci_high", "replications"])
    return report.ReportContext(
        practice_name="alpha", plans=["current", *net], descriptions={},
        comparison=comparison, runs=pd.DataFrame(), days=90, replications=4, seed=0,
        confidence=0.95, figures={}, hint=pd.DataFrame(), rosters={}, target={},
        handle_minutes=5.0, patience_minutes=2.0, patient_share=0.5)


def test_a_clearly_losing_plan_is_not_the_best_guess_nor_said_to_include_zero():
    best, text = report.recommendation(context({"cheap": (-100.0, -300.0, 100.0),
                                                "expensive": (-6e5, -9e5, -2e5)}))
    assert best is None
    assert "For <b>cheap</b> the 95% range of the net gain includes zero" in text
    assert "every plan" not in text
    assert "best guess is <b>cheap</b>" in text
    assert "Clearly worse than <i>current</i>: <b>expensive</b>" in text


def test_when_every_plan_loses_money_the_report_says_keep_the_current_one():
    best, text = report.recommendation(context({"expensive": (-6e5, -9e5, -2e5)}))
    assert best is None
    assert "includes zero" not in text and "best guess" not in text
    assert "Every plan would leave the practice worse off than <i>current</i>" in text


def test_a_plan_that_saves_staff_costs_says_less_not_minus_more():
    best, text = report.recommendation(context({"lean": (500.0, 100.0, 900.0)}, cost=-574.0))
    assert best == "lean"
    assert "$574 a month less in staff and fees" in text and "more in staff" not in text
    best, text = report.recommendation(context({"rich": (500.0, 100.0, 900.0)}, cost=574.0))
    assert "$574 a month more in staff and fees" in text


def test_the_channels_line_follows_the_plans_settings():
    """It said 'chats, texts, social and review-site messages go unread' whatever the plans
    watched (a social-first practice, a plan adding channels)."""
    every = ["phone", "web_form", "email", "chat", "sms", "social_dm", "review_site"]
    ctx = context({"evening": (1.0, -1.0, 3.0)})
    ctx.all_channels = every
    ctx.plan_channels = {"current": every[:6], "evening": every[:6]}
    assert report.channels_line(ctx) == ("Every plan watches the same channels (phone, web "
                                         "form, email, chat, sms, social dm); messages by "
                                         "review site go unread.")
    ctx.plan_channels = {"current": ["phone", "web_form"], "evening": every}
    line = report.channels_line(ctx)
    assert line.startswith("The plans watch different channels: <b>current</b>: phone, web "
                           "form; <b>evening</b>: phone, web form, email,")
    assert "go unread" in line and "chats" not in line


def test_fixed_sentences_say_when_the_settings_changed_what_they_state():
    ctx = context({"evening": (1.0, -1.0, 3.0)})
    assert "changed them" not in report.assumptions(ctx)
    ctx.sim_overrides = ["prospect=lrm2007"]
    text = report.assumptions(ctx)
    assert text.count("changed them") == 1 and "prospect=lrm2007" in text


def test_another_archetype_is_told_the_plans_replace_its_roster():
    ctx = context({"evening": (1.0, -1.0, 3.0)})
    assert "replaces the archetype's whole roster" not in report.assumptions(ctx)
    ctx.sim_overrides = ["practice@practices.alpha=social_first"]
    assert "replaces the archetype's whole roster" in report.assumptions(ctx)
