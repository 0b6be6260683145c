"""The Solara page: Mesa's SolaraViz with the lesson's controls and six views.

`solara run experiments.app.page` would serve it too; `leadsim app` (experiments.app)
serves it offline on 127.0.0.1. Mesa's SolaraViz gives the sidebar (Play, Step, Reset
and the controls of MODEL_PARAMS, applied on Reset) and lays the views out in a grid;
each view is a function of the Lesson that Mesa re-renders after every step.
"""

from __future__ import annotations

import html
import re

import solara
from mesa.visualization import SolaraViz

from sim.config import CHANNELS

from . import views
from .lesson import DEFAULTS, FOCAL, PROFILES, Lesson

MODEL_PARAMS = {
    "delay": {"type": "InputText", "label": "First response after (minutes)",
              "value": DEFAULTS["delay"]},
    "staff": {"type": "InputText", "label": "People on the phone",
              "value": DEFAULTS["staff"]},
    "channels": {"type": "InputText", "label": "Channels watched",
                 "value": DEFAULTS["channels"]},
    "auto_responder": {"type": "Checkbox", "label": "Auto-responder",
                       "value": DEFAULTS["auto_responder"]},
    "answering_service": {"type": "Checkbox", "label": "Answering service",
                          "value": DEFAULTS["answering_service"]},
    "prospects_per_day": {"type": "SliderInt", "label": "Prospects per day",
                          "value": DEFAULTS["prospects_per_day"], "min": 5, "max": 100,
                          "step": 5},
    "profile": {"type": "Select", "label": "Prospect profile",
                "value": DEFAULTS["profile"], "values": list(PROFILES)},
    "seed": {"type": "InputText", "label": "Seed", "value": DEFAULTS["seed"]},
}

HELP = f"""Change a setting, then press **Reset** to start the market again with it
(the same prospects for the same seed). **Step** simulates one day, **▶** day after day.

Channels: {', '.join(CHANNELS)}."""


# Larger type in the sidebar, for the back of a classroom (Solara's default is 12-14 px).
CSS = """
.v-navigation-drawer .v-label, .v-navigation-drawer .v-input input,
.v-navigation-drawer .v-select__selection, .v-navigation-drawer p { font-size: 16px !important; }
.v-navigation-drawer .v-input input { font-size: 18px !important; }
.v-navigation-drawer .v-card__title { font-size: 20px !important; }
.v-navigation-drawer .v-btn { font-size: 15px !important; }
.v-navigation-drawer .v-label--active { transform: translateY(-22px) scale(0.9) !important; }
.v-navigation-drawer .v-text-field { margin-top: 10px; }
.v-navigation-drawer .v-slider__thumb-label-container { display: block !important; }
.v-navigation-drawer .v-slider { margin-top: 26px; }
"""


def _html(text: str, **style) -> None:
    """Text with **bold** as HTML (escaped first; solara.Markdown would fetch KaTeX)."""
    body = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))
    css = "; ".join(f"{key.replace('_', '-')}: {value}" for key, value in style.items())
    solara.HTML(tag="p", unsafe_innerHTML=body, style=css)


def _image(fig, name: str):
    """A figure as a PNG that fills its panel (the class names the view for tests)."""
    return solara.Image(views.png(fig), width="100%", classes=[f"leadsim-{name}"])


def _delay(lesson: Lesson) -> float | None:
    if lesson.config is None:
        return None
    return float(lesson.config.practices[FOCAL].policy.first_response_delay_minutes)


def ManagerPanel(lesson: Lesson):
    """The week in a manager's words, the lesson's settings, or why it did not start."""
    with solara.Column(classes=["leadsim-manager"], style={"font-size": "19px",
                                                           "padding": "6px 14px"}):
        if lesson.error is not None:
            solara.Error(f"Not started: {lesson.error}", classes=["leadsim-error"])
            _html("Correct the setting and press **Reset**.")
            return
        market = lesson.market
        daily = views.daily_table(market)
        answers = views.focal_first_answers(market, FOCAL)
        name = lesson.config.practices[FOCAL].name
        for line in views.manager_lines(daily, FOCAL, answers, name):
            _html(line, margin="0 0 10px 0")
        _html(f"The same run: {lesson.command_line}", color="#555", font_size="13px",
              font_family="monospace", margin="8px 0 0 0")


def BookingsView(lesson: Lesson):
    daily = views.daily_table(lesson.market) if lesson.market is not None else None
    if daily is None:
        return solara.Text("")
    return _image(views.bookings_figure(daily, FOCAL), "bookings")


def RatingView(lesson: Lesson):
    if lesson.market is None:
        return solara.Text("")
    return _image(views.rating_figure(views.daily_table(lesson.market), FOCAL), "rating")


def AnsweredView(lesson: Lesson):
    if lesson.market is None:
        return solara.Text("")
    answers = views.focal_first_answers(lesson.market, FOCAL)
    return _image(views.answered_figure(answers, FOCAL, lesson.day), "answered")


def SpeedView(lesson: Lesson):
    """The profile's booking curve (a short speed-to-lead run, once per profile, in a
    thread so the page stays live) and the practice's delay on it."""
    profile = str(lesson.controls["profile"])
    if lesson.config is not None:
        profile = lesson.config.prospect.name
    task = solara.lab.use_task(lambda: views.speed_curve(profile), dependencies=[profile])
    table = task.value if task.finished else None
    delay = _delay(lesson)
    actual = None
    if lesson.market is not None and lesson.day > 0:
        actual = views.median_written_answer(views.focal_first_answers(lesson.market, FOCAL))
    image = solara.use_memo(  # redrawn when something on it moves, not every day
        lambda: views.png(views.speed_figure(table, profile, delay, actual)),
        [profile, delay, table is None, actual])
    return solara.Image(image, width="100%", classes=["leadsim-speed"])


def RaceView(lesson: Lesson):
    if lesson.market is None:
        return solara.Text("")
    market = lesson.market
    # the day before the last one simulated: its shoppers' race through the next morning
    day = max(lesson.day - 2, 0) if lesson.day else -1
    race = views.race_table(market, day) if day >= 0 else views.race_table(market, 0)[:0]
    slots = [p.slot for p in market.practices]
    return _image(views.race_figure(race, slots, FOCAL, max(day, 0)), "race")


COMPONENTS = [ManagerPanel, SpeedView, BookingsView, RaceView, AnsweredView, RatingView]


@solara.component
def Page():
    initial = solara.use_memo(Lesson, [])
    lesson = solara.use_reactive(initial)

    def close_replaced():
        # Mesa's Reset puts a new Lesson in `lesson`; let the old market go
        return lesson.subscribe_change(lambda new, old: old.close())

    solara.use_effect(close_replaced, [])
    solara.Title("leadsim: speed to lead")
    solara.Style(CSS)
    with solara.Sidebar(), solara.Card("How to use"):
        for paragraph in HELP.split("\n\n"):
            _html(paragraph.replace("\n", " "))
    SolaraViz(lesson, components=COMPONENTS, model_params=MODEL_PARAMS,
              name="leadsim: speed to lead and staffing", play_interval=150)
