"""The vocabulary is the one home of the world's words: the config schema's Enums, the
model and the analysis all use its lists (a channel added in one place only would fail
here)."""

from __future__ import annotations

from sim import vocabulary as v
from sim.analysis import reputation as analysis_reputation
from sim.config import Channel, Day, Role
from sim.model import experience, inquiry


def test_the_schema_enums_list_the_vocabulary_values_in_its_order():
    assert tuple(c.value for c in Channel) == v.CHANNELS
    assert tuple(d.value for d in Day) == v.DAYS
    # every configurable role has its channels; the answering service is not rostered
    assert {r.value for r in Role} | {"answering_service"} == set(v.ROLE_CHANNELS)
    assert set(v.ROLE_CHANNELS) == set(v.ROLE_TAKES_CALLS)


def test_roles_work_only_known_channels_and_messages_are_every_channel_but_phone():
    for channels in v.ROLE_CHANNELS.values():
        assert set(channels) <= set(v.CHANNELS)
    assert tuple(c for c in v.CHANNELS if c != v.PHONE) == v.MESSAGE_CHANNELS


def test_model_and_analysis_use_the_same_lists_not_copies():
    assert inquiry.OUTCOMES is v.OUTCOMES
    assert experience.CAUSES is v.CAUSES and experience.EXPERIENCES is v.EXPERIENCES
    assert analysis_reputation.CAUSES is v.CAUSES
    assert set(v.SERVICE_CAUSES) <= set(v.CAUSES)
    assert len(set(v.OUTCOMES)) == len(v.OUTCOMES) and len(set(v.CAUSES)) == len(v.CAUSES)


def test_clock_units_and_day_index():
    assert v.MINUTES_PER_WEEK == 7 * v.MINUTES_PER_DAY == 7 * 24 * v.MINUTES_PER_HOUR
    assert v.HOURS_PER_WEEK * v.MINUTES_PER_HOUR == v.MINUTES_PER_WEEK
    assert [v.DAY_INDEX[d] for d in v.DAYS] == list(range(7))
