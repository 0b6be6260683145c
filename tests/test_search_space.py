"""The plan space of `leadsim optimise` (sim/search/space.py): every point is a valid plan
file that reads back to the same plan and applies to any practice; bad bounds are refused."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import sim
from sim.config import ConfigError, PlanConfig, Role, apply_plan
from sim.config_files import load_plan, plan_yaml, write_plan
from sim.search import SearchSpace
from sim.search.space import HALF_HOUR


def default_space() -> SearchSpace:
    raw = yaml.safe_load((sim.CONFIG_DIR / "search" / "default.yaml").read_text())
    return SearchSpace.from_dict(raw)


def test_sampled_points_are_plans_that_round_trip_and_apply(tmp_path):
    space = default_space()
    practice = sim.load_config(["practice@practices.alpha=dedicated_coordinator"]
                               ).practices["alpha"]
    rng = np.random.default_rng(3)
    for i in range(25):
        point = space.sample(rng)
        plan = space.plan(point, name=f"p{i}")
        path = write_plan(plan, tmp_path / f"p{i}.yaml")
        back = load_plan(str(path))
        assert plan_yaml(back) == plan_yaml(plan)
        after = apply_plan(practice, back)
        coord = sum(line.staff * len(line.days) for line in after.roster
                    if getattr(line.role, "value", line.role) == Role.coordinator.value)
        before = sum(line.staff * len(line.days) for line in practice.roster
                     if getattr(line.role, "value", line.role) == Role.coordinator.value)
        added = (5 if point["coordinator_weekdays_hours"] > 0 else 0) + (
            1 if point["coordinator_saturday_hours"] > 0 else 0)
        assert coord >= before + (1 if added else 0)  # coordinator lines may merge
        assert after.policy.max_attempts == point["follow_up_attempts"]
        assert after.auto_responder.enabled == point["auto_responder"]
        assert after.answering_service.enabled == (point["answering_service"] != "off")


def test_points_are_on_the_grid_and_fixed_decisions_stay_fixed():
    space = default_space()
    rng = np.random.default_rng(0)
    for _ in range(50):
        p = space.sample(rng)
        assert p["coordinator_saturday_start"] == "09:00"
        h, m = map(int, p["coordinator_weekdays_start"].split(":"))
        assert (h * 60 + m) % HALF_HOUR == 0
        assert "08:00" <= p["coordinator_weekdays_start"] <= "13:00"
    assert "coordinator_saturday_start" not in [d.name for d in space.free]


def test_an_empty_point_changes_nothing():
    space = SearchSpace.from_dict({"decisions": {"front_desk_extra": {"low": 0, "high": 1}}})
    plan = space.plan({"front_desk_extra": 0})
    assert plan.add_shifts == [] and isinstance(plan, PlanConfig)


@pytest.mark.parametrize("raw, key", [
    ({"decisions": {"front_desk_extra": {"low": 2, "high": 1}}},
     "search.decisions.front_desk_extra.low"),
    ({"decisions": {"first_response_delay_minutes": {"low": 0, "high": 60, "step": 0}}},
     "search.decisions.first_response_delay_minutes.step"),
    ({"decisions": {"discipline": {"choices": []}}}, "search.decisions.discipline.choices"),
    ({"decisions": {}}, "search.decisions"),
    ({"decisions": {"front_desk_extra": {"fixed": 1}}}, "search.decisions"),
    ({"decisions": {"coffee": {"low": 0, "high": 1}}}, "search.decisions.coffee"),
    ({"decisions": {"coordinator_weekdays_start": {"low": "09:15", "high": "10:00"}}},
     "search.decisions.coordinator_weekdays_start.low"),
])
def test_bad_spaces_are_refused_in_one_line_naming_the_key(raw, key):
    with pytest.raises(ConfigError) as exc:
        SearchSpace.from_dict(raw)
    text = str(exc.value)
    assert text.startswith(key + ":") and "\n" not in text
