"""Common random numbers between plans: what a plan does not touch keeps its draws
(docs/background/common-random-numbers.md). Each test compares two plans on one seed and
fails if a draw meant to be someone's own moves with the other plan's events."""

from __future__ import annotations

import math

import sim

TUESDAY_NOON = 8 * 1440.0 + 12 * 60.0  # the second week's Tuesday, after a Saturday


def _model(plan: str, *extra: str):
    return sim.build_model(sim.load_config(["market.days=14", "seed=11", f"plan={plan}",
                                            *extra]))


def _run_to(model, until: float):
    while model.steps * 1440.0 < until - 1440.0:
        model.step()
    model.env.run(until=until)
    return model


def test_a_desk_keeps_its_patients_when_a_plan_adds_a_saturday_shift():
    """The weekday receptionist's patients on the second Tuesday are the same whether or
    not a Saturday shift was added (its patients come from its own stream); on the old
    shared stream the Saturday window took draws and moved every later window's."""
    current = _run_to(_model("current"), TUESDAY_NOON)
    saturday = _run_to(_model("saturday_shift"), TUESDAY_NOON)
    a = current.practices[0].staff[0]
    b = saturday.practices[0].staff[0]
    assert a.staff_id == b.staff_id == "alpha.front_desk.1"
    assert len(a.patient_times) > 10
    assert a.patient_times == b.patient_times
    assert a.patient_minutes == b.patient_minutes
    # the Saturday person has patients of their own (so the plan did add some)
    extra = [s for s in saturday.practices[0].staff if s.staff_id not in
             {t.staff_id for t in current.practices[0].staff}]
    assert extra and all(s.patient_process is not None for s in extra)


def test_a_persons_patients_arrive_at_their_rate():
    """Over the horizon each desk person's patients are a Poisson process at the
    person's rate: the count is within 4 standard deviations of rate x horizon."""
    model = _run_to(_model("current"), 14 * 1440.0)
    horizon = model.horizon_days * 1440.0
    people = [s for p in model.practices for s in p.staff if s.patient_process is not None]
    assert len(people) >= 3
    for s in people:
        mean = s.patient_rate * horizon
        assert abs(len(s.patient_process[0]) - mean) < 4 * math.sqrt(mean), s.staff_id
        assert (s.patient_process[0] >= 0).all() and (s.patient_process[0] < horizon).all()


def _judgements(plan: str):
    r = sim.run(sim.load_config(["market.days=14", "seed=11", f"plan={plan}"]))
    people = r.prospects[r.prospects["source"] == "organic"][["prospect_id", "arrived_at",
                                                               "channel", "booked_with"]]
    e = r.tables["experiences"].drop(columns=["channel"], errors="ignore")
    e = e.merge(people, on="prospect_id")
    return e.set_index(["arrived_at", "channel", "practice"])


def test_the_same_judgement_draws_the_same_actions_under_another_plan():
    """A prospect who has the same experience of a practice (same cause) under two plans
    acts the same after it (told a friend, posted a review with the same stars): the
    judgement's uniforms are the prospect's own. On the old shared "experience" stream,
    drawn in the order prospects were done, a plan that answers sooner moved them."""
    a, b = _judgements("current"), _judgements("autoreply_callback_5min")
    both = a.index.intersection(b.index)
    a, b = a.loc[both], b.loc[both]
    same = ((a["experience"] == b["experience"]) & (a["cause"] == b["cause"])
            & (a["booked_with"] == b["booked_with"]))  # (a booked patient may be asked)
    assert same.sum() > 300 and (~same).sum() > 20  # the plan changed some judgements
    assert (a.loc[same, "actions"] == b.loc[same, "actions"]).all()
    stars = a.loc[same, "review_stars"].fillna(0) == b.loc[same, "review_stars"].fillna(0)
    assert stars.all()
