"""The output contract of one run, in words: every file, every column of its tables and
every summary metric, with what it means.

docs/reference/outputs.md is generated from these tables at build time (docs/hooks.py),
and tests/test_contract.py checks a real run's files against them both ways: a column or
metric a run writes with no line here, or a line here for something no run writes, fails.
A new column is documented by adding its line here. Times are minutes since the start of
the run (minute 0 = Monday 00:00 of week 1); NaN means never.
"""

from __future__ import annotations

import re

FILES = {
    "config.yaml": "the fully resolved configuration: rerun anything from it (Hydra's own "
                   "copy, with the overrides, is in `.hydra/`)",
    "summary.json": "market-wide and per-practice metrics, flat keys (below)",
    "run.log": "Hydra's log file of the run: messages logged while it ran, such as "
               "warnings (often empty: the tables print to the screen); written by "
               "`leadsim run`, not by `RunResult.save`",
    "inquiries.parquet": "one row per inquiry (a prospect contacting one practice)",
    "prospects.parquet": "one row per prospect",
    "daily.parquet": "one row per practice per day (Mesa's DataCollector)",
    "staff.parquet": "one row per staff member (or answering-service agent)",
    "experiences.parquet": "one row per judged inquiry: the experience, its cause, the actions",
    "reviews.parquet": "one row per review posted during the run",
    "first_response.png": "share of inquiries answered within t minutes, per practice "
                          "(single runs; `figures=`)",
    "reputation.png": "rating and referred prospects per practice over the run (single "
                      "runs; `figures=`)",
}

TABLES: dict[str, dict[str, str]] = {
    "inquiries": {
        "inquiry_id": "identifier of the inquiry",
        "prospect_id": "the prospect who made it (0 for the callers of `scenario=mmc`)",
        "practice": "the practice slot contacted (`alpha`, `beta`, ...)",
        "channel": "phone, web_form, email, chat, sms, social_dm or review_site",
        "arrived_at": "when the inquiry was made (the call rang, the message was sent)",
        "answered_at": "first human response: a person picked up the call, or made the first "
                       "reply or call-back attempt (NaN if none; an auto-reply does not count)",
        "contacted_at": "first two-way contact with someone who can book (NaN if none)",
        "acknowledged_at": "the auto-responder's acknowledgement (NaN if none)",
        "first_attempt_at": "the first outbound attempt (reply or call-back)",
        "hold_minutes": "time on hold for calls (0 if picked up at once or the line was "
                        "closed; NaN for messages)",
        "attempts": "attempts to reach the prospect, a live pick-up included",
        "abandoned": "the caller hung up on hold",
        "voicemail": "the caller left a voicemail (after hanging up, or on a closed line)",
        "service_answered": "the answering service took the call",
        "outcome": "how the inquiry ended: one of the outcomes below",
        "micro_converted": "(nurture) reached too late to book, the prospect accepted this "
                           "practice's micro-conversion and joined its nurture list",
        "first_response_minutes": "`answered_at - arrived_at`",
    },
    "prospects": {
        "prospect_id": "identifier of the prospect",
        "arrived_at": "when their interest started (their first inquiry)",
        "source": "organic, referral, or nurture (back from a practice's nurture list)",
        "channel": "the channel they use",
        "n_practices": "size of their shopping list",
        "booked_with": "the practice slot they booked with (empty if none)",
        "booked_at": "when they booked (NaN if never)",
        "consultation_at": "when the consultation is (NaN if never booked)",
        "showed": "came to the consultation",
        "converted": "had the procedure",
        "procedure": "which procedure (empty if none)",
        "revenue": "the surgeon's fee of the procedure (USD; 0 if none)",
        "referred_by": "slot of the practice that referred them (empty for organic prospects)",
        "micro_converted_with": "(nurture) the practice whose micro-conversion they accepted, "
                                "joining its nurture list (empty if none)",
        "nurtured_by": "(nurture) for a prospect back from a nurture list: the practice that "
                       "nurtured them (empty otherwise)",
        "booked_after_nurture": "(nurture) back from a nurture list and booked with the "
                                "practice that nurtured them",
        "nurture_of": "(nurture) for a prospect back from a nurture list: their prospect_id "
                      "when they first inquired (0 otherwise)",
        "experience": "good, neutral or bad: with the practice they booked with or, if none, "
                      "their worst (first contacted on a tie)",
        "experience_practice": "the practice that experience is about",
        "experience_cause": "its cause (good_service, slow_response, no_response, ...)",
        "actions": "what they did about it, `;`-joined (told_friend, posted_online, ...)",
        "review_stars": "stars of their lowest-starred review (NaN if none)",
        "review_site": "the site of that review (empty if none)",
        "review_cause": "the cause of that review",
        "review_practice": "the practice that review is about",
        "n_good": "practices contacted that gave a good experience",
        "n_neutral": "... a neutral one",
        "n_bad": "... a bad one",
        "reviews_written": "reviews they decided to write",
        "friends_referred": "referred friends scheduled to arrive",
    },
    "daily": {
        "day": "the day (1 = the first day)",
        "practice": "the practice slot",
        "inquiries": "inquiries received so far (running total at the end of the day)",
        "answered": "inquiries with a human response so far",
        "contacted": "inquiries with a two-way contact so far",
        "booked": "consultations booked so far",
        "lost_to_competitor": "inquiries lost to a competitor so far",
        "abandoned_calls": "callers who hung up on hold so far",
        "consultations": "consultations attended so far",
        "procedures": "procedures done so far",
        "revenue": "fees of the procedures so far (USD)",
        "staffing_cost": "wages and service fees so far (USD)",
        "rating": "the practice's rating (running mean of all its reviews)",
        "review_count": "its number of reviews",
        "reviews_posted": "reviews posted during the run so far",
        "mean_new_stars": "mean stars of the reviews posted that day (NaN if none)",
        "badge_facebook": "Facebook's 'very responsive' badge shown that day",
        "facebook_fast_share": "share of the last 7 days' social DMs answered within 15 minutes",
        "badge_yelp": "Yelp's response-time badge shown that day",
        "yelp_median_minutes": "Yelp's median response time to review-site messages (last 30 "
                               "days, 08:00-18:00)",
        "bad_word": "bad word of mouth still remembered (decays with its half-life)",
        "referral_prospects": "referred prospects who arrived so far",
        "referral_bookings": "of them, those who booked with this practice so far",
        "weight": "the practice's weight in prospects' choice of practices that day",
        "new_inquiries": "the day's increment of `inquiries`",
        "new_answered": "the day's increment of `answered`",
        "new_booked": "the day's increment of `booked`",
        "new_procedures": "the day's increment of `procedures`",
        "new_revenue": "the day's increment of `revenue`",
        "new_staffing_cost": "the day's increment of `staffing_cost`",
        "new_reviews_posted": "the day's increment of `reviews_posted`",
        "new_referral_prospects": "the day's increment of `referral_prospects`",
        "new_referral_bookings": "the day's increment of `referral_bookings`",
    },
    "staff": {
        "practice": "the practice slot",
        "staff_id": "identifier of the person (or service agent)",
        "role": "front_desk, coordinator, social_media or answering_service",
        "hourly_wage": "pay per rostered hour (USD)",
        "shift_minutes": "rostered minutes over the whole run",
        "busy_lead_minutes": "minutes of lead work (calls, replies, attempts)",
        "busy_patient_minutes": "minutes with the patients at the desk",
        "items": "pieces of lead work done",
    },
    "experiences": {
        "prospect_id": "the prospect",
        "practice": "the practice judged",
        "inquiry_id": "the inquiry judged",
        "channel": "its channel",
        "source": "organic, referral or nurture",
        "outcome": "the inquiry's outcome",
        "response_minutes": "wall-clock minutes to the first human response (NaN if never)",
        "judged_minutes": "what was compared with the expectation: opening-hours minutes under "
                          "a promise, the hold for a live call, the call-back time otherwise",
        "expected_minutes": "what the prospect expected (or was promised)",
        "service": "the service score",
        "experience": "good, neutral or bad",
        "cause": "why (good_service, slow_response, no_response, broken_promise, long_hold, "
                 "moved_on, good_consultation, clinical)",
        "experienced_at": "when the judgement was made",
        "actions": "what the prospect did about it, `;`-joined",
        "review_stars": "stars of the review they will post (NaN if none)",
        "review_site": "where (empty if none)",
        "review_due_at": "when the review is posted",
        "friend_referred": "a friend will inquire because of it",
        "referral_due_at": "when that friend arrives",
    },
    "reviews": {
        "review_id": "identifier of the review",
        "prospect_id": "who wrote it",
        "practice": "the practice reviewed",
        "site": "google, yelp, realself or facebook",
        "stars": "1 to 5",
        "cause": "the experience's cause",
        "experience": "good, neutral or bad",
        "channel": "the channel of the inquiry",
        "experienced_at": "when the experience was judged",
        "posted_at": "when the review was posted",
    },
}

# The columns marked (nurture) are written only in runs where some practice has a nurture
# programme (sim/model/nurture.py), so a run without one writes the files it always did.
NURTURE_COLUMNS = {table: [c for c, text in columns.items() if text.startswith("(nurture)")]
                   for table, columns in TABLES.items()}

OUTCOMES = {
    "booked": "reached while still ready: a consultation is booked with this practice",
    "lost_to_competitor": "the prospect booked with another practice",
    "too_late": "reached, but the prospect was no longer ready to book",
    "not_reached": "the practice tried (all attempts of its cadence) but never got through",
    "abandoned": "hung up on hold, left no voicemail (or it was never returned), never reached",
    "unanswered": "no human response at all: channel not watched, voicemail not returned, "
                  "never got to it",
    "answered": "validation scenario only (`scenario=mmc`): a call answered, no decision "
                "modelled",
}

# summary.json: `<scope>` is `market` (all practices together) or `practices.<slot>`;
# `<channel>` one of the channels, `<cause>` a review cause, `<experience>` good, neutral
# or bad. A metric marked (practice) is only per practice; one marked (nurture) only in
# runs where some practice has a nurture programme (every practice then has it).
SUMMARY = {
    "run.kind": "market or mmc",
    "run.seed": "the seed",
    "run.days": "days of arrivals (market.days, or scenario.days for mmc)",
    "run.drain_days": "days after the arrivals (market.drain_days)",
    "run.prospects": "prospects who arrived",
    "<scope>.inquiries": "inquiries received",
    "<scope>.inquiries.<channel>": "inquiries received on that channel",
    "<scope>.answered_share": "share with a human response",
    "<scope>.contact_rate": "share with a two-way contact",
    "<scope>.booking_rate": "bookings / inquiries",
    "<scope>.conversion_rate": "procedures / inquiries (lead to procedure)",
    "<scope>.first_response_median_minutes": "median first response over the answered "
                                             "inquiries",
    "<scope>.first_response_median_minutes.<channel>": "the same, on that channel",
    "<scope>.first_response_p90_minutes": "90th percentile of the first response",
    "<scope>.first_response_p90_minutes.<channel>": "the same, on that channel",
    "<scope>.bookings": "consultations booked",
    "<scope>.consultations": "consultations attended",
    "<scope>.procedures": "procedures done",
    "<scope>.revenue": "fees of the procedures (USD)",
    "<scope>.staffing_cost": "wages for rostered hours, answering-service, auto-responder and "
                             "unified-inbox fees (USD; over market.days only)",
    "<scope>.net": "revenue - staffing_cost (USD)",
    "<scope>.wages": "wages for rostered hours",
    "<scope>.answering_service_fees": "the answering service's fees",
    "<scope>.auto_responder_fees": "the auto-responder's fees",
    "<scope>.unified_inbox_fees": "the unified inbox's fees (0 without one)",
    "<scope>.nurture_fees": "(nurture) the nurture programme's fees (0 without one)",
    "<scope>.service_calls": "calls the answering service took",
    "<scope>.utilisation": "busy share of rostered time, all work",
    "<scope>.lead_utilisation": "busy share of rostered time, lead work only",
    "<scope>.lost_to_competitor": "inquiries lost to a competitor",
    "<scope>.unanswered": "inquiries never answered",
    "<scope>.not_reached": "inquiries tried but never reached",
    "<scope>.too_late": "inquiries reached after the prospect stopped being ready",
    "<scope>.abandoned_calls": "callers who hung up on hold (some were reached later, by a "
                               "call back or a second call: not an outcome)",
    "practices.<slot>.rating_start": "(practice) rating at the start",
    "practices.<slot>.rating_end": "(practice) rating at the end",
    "practices.<slot>.rating_change": "(practice) rating_end - rating_start",
    "practices.<slot>.review_count_end": "(practice) reviews at the end",
    "practices.<slot>.days_badge_facebook": "(practice) days the Facebook badge was shown, "
                                            "over the arrival days",
    "practices.<slot>.days_badge_yelp": "(practice) days the Yelp badge was shown",
    "practices.<slot>.bad_word_end": "(practice) bad word of mouth remembered at the end",
    "<scope>.new_reviews": "reviews posted during the run",
    "<scope>.new_reviews.<cause>": "of them, with that cause",
    "<scope>.mean_new_stars": "their mean stars",
    "<scope>.new_bad_reviews": "of them, 1-2 stars",
    "<scope>.bad_reviews_service_share": "share of bad reviews caused by service (not "
                                         "clinical results)",
    "<scope>.experiences.<experience>": "judged inquiries with that experience",
    "<scope>.bad_experience_share": "share of judged inquiries that were bad",
    "<scope>.referrals_generated": "referred prospects who arrived",
    "<scope>.referral_bookings": "of them, those who booked with the referrer",
    "market.prospects_booked_share": "share of prospects who booked anywhere",
    "<scope>.micro_conversions": "(nurture) prospects reached too late to book who joined the "
                                 "nurture list",
    "<scope>.nurture_returns": "(nurture) of them, those who became ready again and inquired "
                               "again during the arrival days",
    "<scope>.bookings_after_nurture": "(nurture) of the returns, those who booked with the "
                                      "practice that nurtured them",
    "<scope>.nurture_booking_chance": "(nurture) the chance a prospect back from the list books "
                                      "with the practice, estimated by the share of the "
                                      "prospects whose first inquiry went to it who booked "
                                      "with it",
    "<scope>.nurture_pending": "(nurture) still on the list at the end of the arrival days, "
                               "with touches to come",
    "<scope>.nurture_pending_returns": "(nurture) their expected returns: the sum of s (N - m) "
                                       "/ (N - s m) after m of N touches (s: ready_again_share)",
    "<scope>.nurture_pending_value": "(nurture) what they are worth in expectation (USD): "
                                     "nurture_pending_returns x nurture_booking_chance x the "
                                     "expected fee of a booking",
    "market.first_responder_share": "of the prospects who inquired at two or more practices "
                                    "and booked, the share who booked with the first "
                                    "practice to respond (the earliest human response, an "
                                    "answering service's pick-up included; Lead Connect "
                                    "2021: 78%)",
    "market.multi_practice_bookings": "those prospects (inquired at two or more practices "
                                      "and booked)",
    "mmc.observed.callers": "callers of the M/M/c+M line",
    "mmc.observed.<queue>": "P(wait), P(abandon), mean wait and utilisation, simulated",
    "mmc.erlang_a.<queue>": "the same, exact Erlang A (sim/analysis/erlang.py)",
    "mmc.binomial_se.<probability>": "binomial standard error of the simulated P(wait) and "
                                     "P(abandon)",
}

# `leadsim optimise` (sim/search/optimise.py): the files of its run folder and their columns
OPTIMISE_FILES = {
    "optuna.db": "the Optuna study (SQLite): every trial, and the current and shipped plans' "
                 "runs on the search seeds; a rerun in the same folder resumes from it",
    "search.csv": "one row per COMPLETE trial of the search, then one per shipped plan run "
                  "on the same seeds",
    "selection.csv": "one row per candidate of the selection (procedure KN)",
    "selection_runs.csv": "every replication the selection ran: a rerun with the same "
                          "candidates starts from it",
    "best_plan.yaml": "the selected plan, a plan file every app accepts by its path",
    "report.html": "the page for the practice manager",
    "optimise_staffing.log": "Hydra's log file of the run: messages logged while it ran, "
                             "such as warnings (often empty: the progress prints to the "
                             "screen); written by `leadsim optimise`, not by "
                             "`sim.search.optimise.optimise`",
}
OPTIMISE_TABLES: dict[str, dict[str, str]] = {
    "search.csv": {
        "plan": "`trial_<n>` for a trial, the plan's name for a shipped plan",
        "trial": "the trial's number in the study (empty for a shipped plan)",
        "stage": "`search` (a trial) or `shipped` (a shipped plan, on the search seeds)",
        "extra_cost_per_month": "mean paired extra cost a month against the current plan "
                                "(staffing cost and fees, plus `wage_overhead` x wages)",
        "net_gain_per_month": "mean paired net gain a month against the current plan (net "
                              "less `wage_overhead` x wages)",
        "fits_budget": "extra_cost_per_month <= budget_per_month",
        "replications": "runs it is the mean of (seeds seed .. seed + replications - 1)",
        "repeat_of": "the earlier trial of the same point, whose result it reuses (empty if "
                     "none)",
        "<decision>": "one column per decision of the `search=` space: the trial's value "
                      "(empty for a shipped plan)",
    },
    "selection.csv": {
        "system": "the candidate: `current`, `trial_<n>` or a shipped plan",
        "replications": "replications it ran (seeds selection_seed + j)",
        "mean": "its mean net a month over them (not a difference)",
        "eliminated_after": "the replication count at which KN eliminated it (empty: never)",
        "eliminated_by": "the candidate that eliminated it",
        "selected": "the plan written to best_plan.yaml",
    },
    "selection_runs.csv": {
        "system": "the candidate",
        "replication": "j: the run on seed selection_seed + j",
        "value": "its net a month",
    },
}

_PLACEHOLDERS = {
    "channel": ["phone", "web_form", "email", "chat", "sms", "social_dm", "review_site"],
    "experience": ["good", "neutral", "bad"],
    "queue": ["p_wait", "p_abandon", "mean_wait_minutes", "utilisation"],
    "probability": ["p_wait", "p_abandon"],
}


def summary_pattern(key: str) -> str | None:
    """The SUMMARY line a summary.json key falls under, or None."""
    for pattern in SUMMARY:
        regex = re.escape(pattern)
        regex = regex.replace(re.escape("<scope>"), r"(market|practices\.[^.]+)")
        regex = regex.replace(re.escape("<slot>"), r"[^.]+")
        regex = regex.replace(re.escape("<cause>"), r"[a-z_]+")
        for name, options in _PLACEHOLDERS.items():
            regex = regex.replace(re.escape(f"<{name}>"), "(" + "|".join(options) + ")")
        if re.fullmatch(regex, key):
            return pattern
    return None
