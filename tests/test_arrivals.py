"""sim/model/arrivals.py: who arrives and when. The configured daily volume, phones in
office hours, and channels in the configured mix (one channel per prospect).
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from test_prospect import CHANNELS, SIM, organic, tables, unstaffed_market


def test_arrivals_have_the_configured_volume_and_office_hours_for_phones():
    _, prospects = tables(unstaffed_market(seed=3, days=14, per_day=100.0))
    o = organic(prospects)
    mean = 14 * 100.0
    assert abs(len(o) - mean) < 4.5 * math.sqrt(mean)  # Poisson
    minute = o["arrived_at"] % 10080.0
    weekday_office = (minute // 1440 < 5) & ((minute % 1440) >= 8 * 60) \
        & ((minute % 1440) < 18 * 60)
    phone = o["channel"] == "phone"
    # phone in office hours; online in evenings and at weekends
    assert weekday_office[phone].mean() > 0.7
    assert weekday_office[~phone].mean() < weekday_office[phone].mean() - 0.2


@settings(max_examples=8, **SIM)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=7, max_size=7)
       .filter(lambda w: sum(w) > 0), st.integers(0, 2**16))


def test_channels_of_zero_weight_never_occur_and_a_prospect_keeps_one_channel(mix, seed):
    channel_mix = dict(zip(CHANNELS, mix))
    inquiries, prospects = tables(unstaffed_market(days=2, per_day=60.0, seed=seed,
                                                   channel_mix=channel_mix))
    used = {c for c, w in channel_mix.items() if w > 0}
    assert set(prospects["channel"]) <= used
    own = inquiries["prospect_id"].map(prospects.set_index("prospect_id")["channel"])
    assert (inquiries["channel"] == own).all()
