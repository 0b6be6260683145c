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


def _described(archetype: str, plans: list[str]):
    """The report context of `plans` on an archetype, its descriptions from the configs."""
    from experiments import compare_staffing as cs
    from sim.analysis.practice_words import describe_practice

    configs = cs.plan_configs(plans, 7, [], archetype)
    ctx = context({p: (1.0, -1.0, 3.0) for p in plans[1:]})
    ctx.plans = list(plans)
    ctx.descriptions = cs.plan_descriptions(configs, plans)
    ctx.baseline_words = describe_practice(configs[plans[0]].practices["alpha"])
    return ctx


def test_the_baseline_is_described_as_the_practice_that_was_run():
    """The baseline row said "one receptionist on weekdays 9:00-17:00 ... about $3,650 a
    month" whatever the practice; now the words come from its config."""
    solo = report.compared(_described("solo_front_desk", ["current", "saturday_shift"]))
    assert "one front-desk receptionist weekdays 09:00-17:00 ($21/h): 40 h a week" in solo
    other = report.compared(_described("answering_service", ["current", "saturday_shift"]))
    assert "two front-desk receptionists weekdays 08:00-17:00 ($21/h): 90 h a week" in other
    assert "one front-desk receptionist weekdays 09:00-17:00" not in other
    assert "around the clock" in other  # its 24/7 answering service
    for text in (solo, other):
        assert "Adds one front-desk receptionist Saturdays 09:00-13:00" in text


def test_a_plan_that_cuts_staff_or_cost_is_flagged_at_the_top():
    """Against a baseline of two receptionists, `current` and `saturday_shift` are cuts of
    one weekday receptionist: the table would read them as additions without the box."""
    box = report.warnings(_described("solo_front_desk",
                                     ["second_front_desk", "current", "saturday_shift"]))
    assert "<b>current</b> takes 40 staff hours a week off <i>second_front_desk</i>" in box
    assert "<b>saturday_shift</b> takes 40 staff hours a week off" in box
    assert "costs $3,652 a month less" in box
    assert report.warnings(_described("solo_front_desk", ["current", "saturday_shift"])) == ""


def test_the_money_sentence_gives_the_practices_own_figures():
    """The money assumptions cited the model's defaults even for a practice of one's own
    with other fees and rates."""
    ctx = context({"evening": (1.0, -1.0, 3.0)})
    assert "15% of booked consultations are no-shows" in report.assumptions(ctx)
    ctx.economics = {"no_show_rate": 0.2, "consultation_to_procedure": 0.6,
                     "fee_low": 400.0, "fee_high": 900.0}
    text = report.assumptions(ctx)
    assert "15% of booked" not in text and "20% of booked consultations" in text
    assert "60% of consultations" in text and "$400 to $900" in text
