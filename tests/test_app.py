"""The classroom app without a browser: the controls are the command line's overrides,
the lesson steps exactly the market `leadsim run` would run, bad values are refused in
the command line's words, and each view's numbers agree with the run's records.

The browser test is tests/test_app_browser.py.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pandas as pd
import pytest

import sim
from experiments.app import AppError, bind, parse_args, views
from experiments.app.lesson import DELAY_KEY, Lesson, lesson_overrides
from sim.model import LeadMarket

CONTROLS = {"delay": "5", "staff": "2", "channels": "phone, web_form chat",
            "auto_responder": True, "answering_service": True, "prospects_per_day": 20,
            "profile": "lrm2007", "seed": "3"}


@pytest.fixture(scope="module")
def stepped():
    """A lesson of CONTROLS stepped 12 days, and a bare LeadMarket of its overrides."""
    lesson = Lesson(**CONTROLS)
    market = LeadMarket(sim.load_config(lesson.overrides))
    for _ in range(12):
        lesson.step()
        market.step()
    return lesson, market


def test_controls_are_the_command_lines_overrides():
    ov = lesson_overrides(**CONTROLS)
    assert "prospect=lrm2007" in ov and "seed=3" in ov
    assert f"{DELAY_KEY}=5" in ov
    assert "practices.alpha.roster.0.staff=2" in ov
    # two people share the desk's patients (as plan second_front_desk does): 0.45 / 2
    assert "practices.alpha.patient_share=0.225" in ov
    assert "practices.alpha.channels=[phone,web_form,chat]" in ov
    assert "practices.alpha.auto_responder.enabled=true" in ov
    assert "practices.alpha.answering_service.enabled=true" in ov
    cfg = sim.load_config(ov)
    alpha = cfg.practices["alpha"]
    assert alpha.policy.first_response_delay_minutes == 5.0
    assert alpha.roster[0].staff == 2 and alpha.patient_share == pytest.approx(0.225)
    assert [c.value for c in alpha.channels] == ["phone", "web_form", "chat"]
    assert alpha.auto_responder.enabled and alpha.answering_service.enabled
    assert cfg.market.prospects_per_day == 20 and cfg.prospect.name == "lrm2007"
    # the defaults change nothing of the shipped market but its length
    default = sim.load_config(lesson_overrides())
    shipped = sim.load_config([f"market.days={default.market.days}"])
    assert default == shipped


def test_the_lesson_steps_the_same_market_as_the_command_line(stepped):
    lesson, market = stepped
    assert lesson.day == market.steps == 12 and lesson.running
    a = views.daily_table(lesson.market)
    b = views.daily_table(market)
    pd.testing.assert_frame_equal(a, b)
    ra, rb = lesson.market.inquiry_records(), market.inquiry_records()
    assert ra.keys() == rb.keys()
    for key in ra:
        np.testing.assert_array_equal(np.asarray(ra[key]), np.asarray(rb[key]), err_msg=key)
    assert lesson.command_line == "leadsim run " + " ".join(lesson.overrides)


def test_the_lesson_stops_at_the_horizon():
    lesson = Lesson(delay="0")
    lesson.market.horizon_days = 3  # (a year of days would take a while)
    for _ in range(5):
        lesson.step()
    assert lesson.day == 3 and not lesson.running
    # finished like a run: every inquiry has an outcome
    assert all(o is not None for o in lesson.market.inquiry_records()["outcome"])


@pytest.mark.parametrize(("control", "typed", "override"), [
    ("delay", "-5", f"{DELAY_KEY}=-5"),
    ("delay", "soon", f"{DELAY_KEY}=soon"),
    ("seed", "-1", "seed=-1"),
    ("staff", "two", "practices.alpha.roster.0.staff=two"),
    ("channels", "phone, fax", "practices.alpha.channels=[phone,fax]"),
    ("prospects_per_day", 0, "market.prospects_per_day=0"),
])
def test_bad_values_are_refused_in_the_command_lines_words(control, typed, override):
    lesson = Lesson(**{control: typed})
    with pytest.raises(sim.ConfigError) as cli:
        sim.load_config([override])
    assert lesson.error == str(cli.value)
    assert lesson.market is None and not lesson.running
    lesson.step()  # a refused lesson does nothing
    assert lesson.day == lesson.steps == 0


def test_the_command_line_says_the_same_line(run_cli):
    proc = run_cli(["run", f"{DELAY_KEY}=-5"], module="sim.cli")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {Lesson(delay='-5').error}"


def test_app_only_refusals_and_no_interpolation_from_typed_text():
    assert Lesson(staff="0").error == ("practices.alpha.roster[0].staff: 0 is not allowed "
                                       "(allowed: a whole number from 1 to 20)")
    # typed text never reaches Hydra as an interpolation, a sweep or a second override
    for typed in ("${oc.env:HOME}", "5,10", "5 seed=3"):
        error = Lesson(delay=typed).error
        assert error == f"{DELAY_KEY}: {typed!r} is not allowed (allowed: a number)"
    error = Lesson(channels="phone, ${oc.env:HOME}").error
    assert error.startswith("practices.alpha.channels[1]: '${oc.env:HOME}' is not allowed")
    assert os.environ["HOME"] not in error


def test_inquiry_records_since_is_the_tail_of_the_records_so_far(stepped):
    _, market = stepped
    every = market.inquiry_records()
    arrived = np.asarray(every["arrived_at"])
    assert np.all(np.diff(arrived) >= 0)  # in order of arrival
    since = float(arrived[len(arrived) // 2])  # exactly an arrival time: it is included
    tail = market.inquiry_records(since=since)
    keep = arrived >= since
    assert len(tail["inquiry_id"]) == keep.sum() > 0
    for key in every:
        np.testing.assert_array_equal(np.asarray(tail[key]), np.asarray(every[key])[keep])
    # open inquiries are part of the run so far
    assert any(o is None for o in every["outcome"])


def test_week_summary_agrees_with_the_inquiry_records(stepped):
    _, market = stepped
    daily = views.daily_table(market)
    week = views.week_summary(daily).set_index("practice")
    rec = pd.DataFrame(market.inquiry_records())
    now = market.env.now
    last_week = rec["contacted_at"] >= now - 7 * 1440  # a booking is made on the contact
    for slot, row in week.iterrows():
        mine = rec["practice"] == slot
        assert row["booked"] == ((rec["outcome"] == "booked") & mine & last_week).sum()
        assert row["inquiries"] == (mine & (rec["arrived_at"] >= now - 7 * 1440)).sum()
    assert (week["days"] == 7).all()


def test_answered_within_is_the_reports_share_once_every_inquiry_has_ended():
    from sim.analysis.staffing_plots import _answered_within

    lesson = Lesson(delay="30", seed="4")
    lesson.market.horizon_days = 20  # then the run is finished: every inquiry has ended
    for _ in range(20):
        lesson.step()
    answers = views.focal_first_answers(lesson.market, "alpha")
    assert not answers["open"].any() and len(answers) > 50
    mine = views.answered_within(answers["minutes"], answers["age"], answers["open"],
                                 views.GRID)
    report = _answered_within(answers["minutes"].to_numpy(), views.GRID)
    np.testing.assert_allclose(mine, report, atol=1e-12)


def test_answered_within_counts_open_inquiries_only_up_to_their_age():
    rng = np.random.default_rng(1)
    n = 400
    t_answer, age = rng.exponential(1500, n), rng.uniform(600, 5000, n)
    never = rng.random(n) < 0.3
    answered = ~never & (t_answer <= age)
    # not answered yet (will be) or never answered but not yet given up on: still open
    still_open = (~never & ~answered) | (never & (rng.random(n) < 0.5))
    minutes = np.where(answered, t_answer, np.nan)
    plain = [(np.nan_to_num(minutes, nan=np.inf) <= t).mean() for t in (1, 10, 100, 599)]
    # before the youngest open inquiry's age everyone's status is known: the plain share
    got = views.answered_within(minutes, age, still_open, [1, 10, 100, 599])
    np.testing.assert_allclose(got, plain, atol=1e-12)
    # later on, open inquiries do not count as never answered: the estimate is higher
    late = views.answered_within(minutes, age, still_open, [4000.0])[0]
    assert late > (np.nan_to_num(minutes, nan=np.inf) <= 4000).mean() + 0.05


def test_median_written_answer_says_only_what_is_known():
    def answers(minutes, age, still_open):
        return pd.DataFrame({"channel": "web_form", "minutes": minutes, "age": age,
                             "open": still_open})

    # 3 of 5 answered by 90 minutes: the median is the third answer
    done = answers([10.0, 50.0, 90.0, np.nan, np.nan], [3000.0] * 5, [False] * 5)
    assert views.median_written_answer(done) == pytest.approx(
        views.GRID[np.argmax(views.GRID >= 90.0)])
    # none answered, all open for an hour: not known yet; open for two days: over a day
    assert views.median_written_answer(answers([np.nan] * 4, [60.0] * 4, [True] * 4)) is None
    assert views.median_written_answer(answers([np.nan] * 4, [2880.0] * 4, [True] * 4)) \
        == math.inf
    assert views.median_written_answer(answers([], [], [])) is None


def test_the_race_is_the_days_shoppers(stepped):
    _, market = stepped
    day = 9
    race = views.race_table(market, day)
    first = race.groupby("prospect_id")["arrived_at"].min()
    assert ((first >= day * 1440) & (first < (day + 1) * 1440)).all()
    assert (race.groupby("prospect_id")["outcome"]
            .apply(lambda o: (o == "booked").sum()) <= 1).all()
    # the same shoppers as the prospects that arrived that day, once every inquiry ends
    m = Lesson(**CONTROLS).market
    for _ in range(12):
        m.step()
    m.finish()
    pros = pd.DataFrame(m.records()["prospects"])
    that_day = pros[(pros["arrived_at"] >= day * 1440) & (pros["arrived_at"] < (day + 1) * 1440)]
    assert sorted(views.race_table(m, day)["prospect_id"].unique()) == sorted(
        that_day["prospect_id"])


@pytest.mark.slow
def test_speed_curve_is_computed_once_and_falls_with_the_delay():
    table = views.speed_curve("aesthetic")
    assert views.speed_curve("aesthetic") is table  # cached
    rate = table.set_index("delay_minutes")["booking_rate"]
    assert rate[1] > rate[60] > rate[1440]
    assert table["n_inquiries"].min() > 300
    assert views.rate_at_delay(table, 60) == pytest.approx(rate[60])
    between = views.rate_at_delay(table, math.sqrt(60 * 120))
    assert rate[120] <= between <= rate[60]


def test_manager_lines_read_the_week(stepped):
    _, market = stepped
    daily = views.daily_table(market)
    answers = views.focal_first_answers(market, "alpha")
    lines = views.manager_lines(daily, "alpha", answers, "Solo front desk")
    week = views.week_summary(daily).set_index("practice").loc["alpha"]
    assert lines[0].startswith("**Day 12 (Fri).** This week **alpha** (Solo front desk)")
    assert (f"booked **{int(week['booked'])}** and lost **{int(week['lost_to_competitor'])}** to "
            "faster practices") in lines[0]
    assert views.manager_lines(daily.iloc[:0], "alpha", answers, "x")[0].startswith(
        "Nothing simulated yet")


def test_every_figure_draws_at_day_zero_and_later(stepped):
    _, market = stepped
    fresh = Lesson().market
    for m, day in ((fresh, 0), (market, 12)):
        daily = views.daily_table(m)
        slots = [p.slot for p in m.practices]
        for fig in (views.bookings_figure(daily, "alpha"), views.rating_figure(daily, "alpha"),
                    views.answered_figure(views.focal_first_answers(m, "alpha"), "alpha", day),
                    views.race_figure(views.race_table(m, max(day - 2, 0)), slots, "alpha",
                                      max(day - 2, 0)),
                    views.speed_figure(None, "aesthetic", 5.0)):
            assert views.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_app_arguments():
    assert parse_args([]) == 8765 and parse_args(["port=9000"]) == 9000
    for args, words in ((["port=abc"], "port: 'abc' is not allowed"),
                        (["host=0.0.0.0"], "host: unknown key (allowed: port)"),
                        (["9000"], "'9000' is not a setting")):
        with pytest.raises(AppError, match=re.escape(words)):
            parse_args(args)
    taken = bind(0)
    try:
        with pytest.raises(AppError, match=r"is in use \(allowed: a free port"):
            bind(taken.getsockname()[1])
    finally:
        taken.close()
