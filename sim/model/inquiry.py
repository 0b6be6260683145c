"""An inquiry: one prospect reaching out to one practice on one channel.

It is the unit of work that waits on a phone hold queue or in a practice's to-do list,
and the row of `inquiries.parquet`. Times are minutes on the simulation clock.
"""

from __future__ import annotations

import math

NAN = math.nan

# The closed set of outcomes (one line each in sim/vocabulary.py). Every inquiry ends with
# exactly one.
from ..vocabulary import (  # noqa: E402, F401  (re-exported for the model's modules)
    ABANDONED,
    ANSWERED,
    BOOKED,
    LOST,
    NOT_REACHED,
    OUTCOMES,
    TOO_LATE,
    UNANSWERED,
)

# Where the inquiry sits in the practice's work.
ON_HOLD = 1  # a live caller waiting for someone to pick up
TASK = 2  # an attempt to reach the prospect (reply, call-back, follow-up) is due
IN_MENU = 3  # a caller listening to the practice's automated phone menu
OFFERED = 4  # reached a prospect who is weighing offers: open until they choose
# What Prospect.reached says when the prospect takes the practice's offer to weigh it (not
# an outcome: the inquiry stays open, in state OFFERED, until the prospect books).
OFFER = "offer"


class Inquiry:
    """One prospect x practice contact, with everything recorded about it."""

    __slots__ = (
        "inquiry_id",
        "prospect",
        "prospect_id",
        "practice",
        "practice_index",
        "channel",
        "arrived_at",
        "answered_at",
        "contacted_at",
        "acknowledged_at",
        "first_attempt_at",
        "abandoned_at",
        "hold_minutes",
        "menu_minutes",
        "attempts",
        "abandoned",
        "voicemail",
        "service_answered",
        "micro_converted",
        "outcome",
        "state",
        "due",
        "patience",
        "u_reach",
        "u_voicemail",
    )

    def __init__(self, inquiry_id, prospect, practice, practice_index, channel, arrived_at,
                 patience=NAN):
        self.inquiry_id = inquiry_id
        self.prospect = prospect  # dropped when the prospect is done (memory)
        self.prospect_id = prospect.prospect_id if prospect is not None else 0
        self.practice = practice
        self.practice_index = practice_index  # in the market (keys the prospect's draws)
        self.channel = channel
        self.arrived_at = arrived_at
        self.answered_at = NAN
        self.contacted_at = NAN
        self.acknowledged_at = NAN
        self.first_attempt_at = NAN
        self.abandoned_at = NAN
        self.hold_minutes = NAN  # on the hold queue (after the menu)
        self.menu_minutes = 0.0  # in the phone menu (not in the records: the practice's)
        self.attempts = 0
        self.abandoned = False
        self.voicemail = False
        self.service_answered = False
        self.micro_converted = False  # joined this practice's nurture list (nurture.py)
        self.outcome = None
        self.state = 0
        self.due = arrived_at
        self.patience = patience
        self.u_reach = None
        self.u_voicemail = 1.0

