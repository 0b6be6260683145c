"""sim/model/word_of_mouth.py: referred prospects come only after good experiences, and they
never move the organic prospects' draws (common random numbers).
"""

from __future__ import annotations

import pandas as pd

import sim


def test_referred_prospects_appear_only_after_good_experiences(reputation_run):
    prospects, ex = reputation_run.prospects, reputation_run.extra_tables["experiences"]
    referred = prospects[prospects["source"] == "referral"]
    assert len(referred) > 20
    assert (referred["referred_by"] != "").all()
    assert (prospects.loc[prospects["source"] == "organic", "referred_by"] == "").all()
    senders = ex[ex["friend_referred"]]
    assert (senders["experience"] == "good").all()
    assert senders["actions"].str.contains("told_friend").all()
    # every referred prospect arrives exactly when a good experience said a friend would
    sent = set(zip(senders["practice"], senders["referral_due_at"].round(6), strict=True))
    got = set(zip(referred["referred_by"], referred["arrived_at"].round(6), strict=True))
    assert got <= sent
    # they shop fewer practices, and mostly contact the referrer first
    organic = prospects[prospects["source"] == "organic"]
    assert referred["n_practices"].mean() < organic["n_practices"].mean()
    inq = reputation_run.inquiries
    first = inq.sort_values("arrived_at").groupby("prospect_id")["practice"].first()
    to_referrer = (first.reindex(referred["prospect_id"]).to_numpy()
                   == referred["referred_by"].to_numpy()).mean()
    assert to_referrer > 0.8


def test_referral_prospects_leave_organic_prospects_untouched():
    """Common random numbers: with feedback off (weights frozen), the organic prospects are
    the same people, choosing the same practices, as with the reputation model switched
    off (later inquiries on a list may not be made once they have booked)."""
    off = sim.run(sim.load_config(["market.days=14", "seed=3", "reputation.enabled=false"]))
    on = sim.run(sim.load_config(["market.days=14", "seed=3", "reputation.feedback=false"]))
    assert (on.prospects["source"] == "referral").any()

    def organic(result):
        p = result.prospects[result.prospects["source"] == "organic"]
        inq = result.inquiries.sort_values(["arrived_at", "inquiry_id"])
        lists = inq.groupby("prospect_id")["practice"].first()
        return pd.DataFrame({"arrived_at": p["arrived_at"].to_numpy(),
                             "channel": p["channel"].to_numpy(),
                             "n_practices": p["n_practices"].to_numpy(),
                             "list": lists.reindex(p["prospect_id"]).to_numpy()})

    pd.testing.assert_frame_equal(organic(off), organic(on))
