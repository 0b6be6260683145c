"""The words of the simulated world, in one place: channels, days, roles, outcomes, causes
and the clock's units.

Config, model and analysis all import these names instead of keeping their own copies,
so a new channel or outcome is added once. The module imports nothing (it is read by
`sim.config` at start-up and by `sim.analysis`, which never imports the model); the typed
Enums of the config schema (`sim.config.Channel`, `Day`, `Role`) list the same values, and
tests/test_vocabulary.py checks that they do.
"""

from __future__ import annotations

# ------------------------------------------------------------------ the clock's units
# Minute 0 is Monday 00:00 of week 1 (sim/clock.py).
MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
HOURS_PER_WEEK = 168

# ------------------------------------------------------------------ days
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_INDEX = {day: i for i, day in enumerate(DAYS)}  # 0 = Monday ... 6 = Sunday

# ------------------------------------------------------------------ channels
# How a prospect reaches a practice. Phone is synchronous (a live call); the others are
# written messages.
PHONE = "phone"
CHANNELS = (PHONE, "web_form", "email", "chat", "sms", "social_dm", "review_site")
MESSAGE_CHANNELS = tuple(c for c in CHANNELS if c != PHONE)

# ------------------------------------------------------------------ roles
# The channels of work each role takes (phone: call-backs; the others: replies), before a
# unified inbox (`sim.config.staff_channels`). The answering service takes live calls only.
ROLE_CHANNELS = {
    "front_desk": CHANNELS,
    "coordinator": CHANNELS,
    "social_media": ("chat", "sms", "social_dm", "review_site"),
    "answering_service": (),
}
# The roles that take live calls.
ROLE_TAKES_CALLS = {
    "front_desk": True,
    "coordinator": True,
    "social_media": False,
    "answering_service": True,
}

# ------------------------------------------------------------------ outcomes
# The closed set of an inquiry's outcomes (README, "Outcomes"). Every inquiry ends with
# exactly one.
BOOKED = "booked"  # reached while ready: a consultation is booked with this practice
LOST = "lost_to_competitor"  # the prospect booked with another practice first
TOO_LATE = "too_late"  # reached, but the prospect was no longer ready to book
NOT_REACHED = "not_reached"  # the practice tried, but never reached the prospect
ABANDONED = "abandoned"  # hung up on hold; nobody reached them afterwards
UNANSWERED = "unanswered"  # no response at all (channel not monitored, or never got to it)
ANSWERED = "answered"  # validation scenarios only: answered live, no prospect decision
OUTCOMES = (BOOKED, LOST, TOO_LATE, NOT_REACHED, ABANDONED, UNANSWERED, ANSWERED)

# ------------------------------------------------------------------ experiences and causes
# How a prospect judged a practice afterwards (sim/model/experience.py).
GOOD, NEUTRAL, BAD = "good", "neutral", "bad"
EXPERIENCES = (GOOD, NEUTRAL, BAD)

# The `cause` of an experience and of its review.
GOOD_SERVICE = "good_service"  # answered as fast as expected or promised
GOOD_CONSULTATION = "good_consultation"  # a good consultation made up for middling service
SLOW_RESPONSE = "slow_response"  # answered later than expected
BROKEN_PROMISE = "broken_promise"  # answered later than the auto-responder promised
LONG_HOLD = "long_hold"  # held too long on the phone, or hung up on hold
NO_RESPONSE = "no_response"  # nobody ever answered
MOVED_ON = "moved_on"  # never answered, but booked elsewhere before expecting an answer
CLINICAL = "clinical"  # disappointed by the consultation itself
CAUSES = (GOOD_SERVICE, GOOD_CONSULTATION, SLOW_RESPONSE, BROKEN_PROMISE, LONG_HOLD,
          NO_RESPONSE, MOVED_ON, CLINICAL)
# The causes that are the practice's service (not the consultation, not moving on).
SERVICE_CAUSES = (SLOW_RESPONSE, BROKEN_PROMISE, LONG_HOLD, NO_RESPONSE)
