"""LeadMarket: the SimPy clock and the Mesa agents wired together.

One Mesa step is one simulated day: the SimPy environment runs to the next midnight, then
the DataCollector takes a row per practice. The model takes a validated `sim.config.Config`
and returns plain records (lists and dicts); it knows nothing of files, plots or Hydra.

    cfg = sim.load_config()
    model = LeadMarket(cfg)
    model.run()             # or model.step() a day at a time
    records = model.records()
    model.inquiry_records(since=minute)   # between steps: the inquiries so far

Just over 400 lines: the wiring of every part (arrivals, practices, reputation, nurture,
shoppers weighing offers) and the records the analysis reads meet here and nowhere else.
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_left
from operator import attrgetter

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from ..config import (
    ALL_DAYS,
    Channel,
    Config,
    HoursConfig,
    PracticeConfig,
    Role,
    ScenarioKind,
    ShiftConfig,
)
from .arrivals import DailyArrivals, PoissonCalls
from .choice import offer_pick
from .events import URGENT, Clock
from .inquiry import LOST, Inquiry
from .mesa_import import agent_type_columns, forget_agent_ids
from .nurture import Nurture
from .practice import Practice
from .prospect import Curve, Prospect
from .reputation import REPUTATION_REPORTERS, ReputationModel
from .streams import Exponentials, LogNormals, Streams

PRACTICE_REPORTERS = {
    "practice": "slot",
    "inquiries": "n_inquiries",
    "answered": "n_answered",
    "contacted": "n_contacted",
    "booked": "n_booked",
    "lost_to_competitor": "n_lost",
    "abandoned_calls": "n_abandoned",
    "consultations": "n_consultations",
    "procedures": "n_procedures",
    "revenue": "revenue",
    "staffing_cost": "staffing_cost_to_date",
    "rating": "rating",
    "review_count": "review_count",
    **REPUTATION_REPORTERS,  # reviews, badges, bad word, referrals, weight (reputation.py)
}


# The numeric and boolean columns of the inquiry records (the rest are text).
INQUIRY_DTYPES = {
    "inquiry_id": np.int64, "prospect_id": np.int64, "attempts": np.int64,
    "arrived_at": np.float64, "answered_at": np.float64, "contacted_at": np.float64,
    "acknowledged_at": np.float64, "first_attempt_at": np.float64,
    "hold_minutes": np.float64, "abandoned": np.bool_, "voicemail": np.bool_,
    "service_answered": np.bool_, "micro_converted": np.bool_,
}
# Columns only in runs where a practice has a nurture programme (sim/model/nurture.py), so
# runs without one write the same files as before it existed.
NURTURE_INQUIRY_COLUMNS = ("micro_converted",)
NURTURE_PROSPECT_COLUMNS = ("micro_converted_with", "nurtured_by", "booked_after_nurture",
                            "nurture_of")


def mmc_practice(cfg: Config) -> PracticeConfig:
    """The single phone line of `scenario=mmc`: c staff always on shift, nothing else."""
    sc = cfg.scenario
    p = PracticeConfig(name="line", channels=[Channel.phone], patient_share=0.0)
    p.opening_hours = [HoursConfig(days=list(ALL_DAYS), start="00:00", end="24:00")]
    p.roster = [
        ShiftConfig(days=list(ALL_DAYS), start="00:00", end="24:00", role=Role.front_desk,
                    staff=sc.servers)
    ]
    p.handling.call_minutes = sc.handle_minutes
    p.policy.return_voicemails = False
    p.phone_menu_seconds = sc.phone_menu_seconds
    return p


class LeadMarket(mesa.Model):
    """The simulated world of DESIGN.md: prospects shopping practices over many channels.

    Parameters: `config`, a validated `sim.config.Config` (see `sim.load_config`).
    """

    def __init__(self, config: Config):
        self.config = config
        self.streams = Streams(config.seed)
        super().__init__(seed=int(self.streams("mesa").integers(2**31 - 1)))
        self.env = Clock()
        self.kind = ScenarioKind(config.scenario.kind)
        if self.kind == ScenarioKind.mmc:
            # one drain day: callers still on hold when arrivals stop are served or abandon
            self.days, self.drain_days = config.scenario.days, 1
            practices = {"line": mmc_practice(config)}
        else:
            self.days, self.drain_days = config.market.days, config.market.drain_days
            practices = config.practices
        self.horizon_days = self.days + self.drain_days
        self.cost_days = self.days
        prospect = config.prospect
        self.reach_curve = Curve.from_config(prospect.reach)
        self.ready_curve = Curve.from_config(prospect.ready)
        self.voicemail_share = prospect.voicemail_share
        comparison = prospect.comparison  # shoppers who weigh offers (prospect.py)
        self.weigh_share = float(comparison.weigh_share)
        self.window_minutes = float(comparison.window_hours) * 60.0
        self.offer_rating_weight = float(comparison.rating_weight)
        self.offer_price_elasticity = float(comparison.price_elasticity)
        self._on_window_over = self._window_over  # one bound method for every window
        self.inquiries: list[Inquiry] = []
        self.prospect_rows: list[tuple] = []
        self.activity = [] if config.record_activity else None
        self._next_inquiry_id = 0
        self._next_prospect_id = 0
        self.practices: list[Practice] = []
        for index, (slot, pcfg) in enumerate(practices.items()):
            handling = Exponentials(self.streams(f"handling.{slot}"))
            talk = handling  # conversations from the same draws, unless they are lognormal
            if str(getattr(pcfg.handling.call_distribution, "value",
                           pcfg.handling.call_distribution)) == "lognormal":
                talk = LogNormals(self.streams(f"talk.{slot}"), pcfg.handling.call_sigma)
            self.practices.append(Practice(self, slot, index, copy.deepcopy(pcfg), handling,
                                           talk))
        self.reputation = ReputationModel(self, config.reputation)
        self.nurture = Nurture(self)  # inert unless a practice has a programme
        self._on_spread = self._spread_inquiry  # one bound method, not a lambda per inquiry
        self.datacollector = DataCollector(agenttype_reporters={Practice: PRACTICE_REPORTERS})
        if self.kind == ScenarioKind.mmc:
            sc = config.scenario
            calls = PoissonCalls(self.streams, sc.arrivals_per_hour / 60.0, sc.patience_minutes)
            self._calls = iter(calls)
            self._calls_end = self.days * 1440.0
            self._on_call = self._call_arrives  # one bound method, not one per caller
            self._next_call()
        else:
            own = [p.hold_patience_minutes for p in practices.values()]
            patience = (prospect.hold_patience_minutes if all(v is None for v in own) else
                        [prospect.hold_patience_minutes if v is None else v for v in own])
            self.arrivals = DailyArrivals(
                self.streams, config.market.channel_mix, config.market.prospects_per_day,
                len(self.practices), patience, config.market.hour_of_week,
                nurture=self.nurture.enabled,
                experience_width=self.reputation.width if self.reputation.enabled else 0,
            )
            self._organic = self._organic_prospects()
            self._on_arrival = self._organic_arrives
            # the first look at the arrivals at time 0, before anything else then
            self.env.call_in(0.0, self._on_arrival, None, URGENT)

    # ---------------------------------------------------------------- arrivals

    def _new_inquiry(self, prospect, practice, channel, patience=math.nan) -> Inquiry:
        self._next_inquiry_id += 1
        arrived = self.env.now
        return Inquiry(self._next_inquiry_id, prospect, practice, practice.index, channel,
                       arrived, patience)

    def _next_call(self) -> None:
        """M/M/c+M: Poisson callers to the one line, until the last day ends. Each arrival
        schedules the next (a chain of timers, not a process: one event per caller)."""
        gap, patience = next(self._calls)
        env = self.env
        if env.now + gap < self._calls_end:
            env.call_in(gap, self._on_call, patience)

    def _call_arrives(self, patience) -> None:
        line = self.practices[0]
        self._next_inquiry_id += 1
        line.receive(Inquiry(self._next_inquiry_id, None, line, 0, "phone", self.env.now,
                             patience))
        self._next_call()

    def _organic_prospects(self):
        """Every organic prospect of the run, (time, channel, draws), drawn a day at a time."""
        for day in range(self.days):
            yield from self.arrivals.day(day)

    def _organic_arrives(self, arrival) -> None:
        """The organic prospect this timer was set for arrives (none at the first look),
        with everyone due at the same time; then a timer for the next (a chain of timers,
        one per arrival time, not a process)."""
        if arrival is not None:
            _, channel, draws = arrival
            self.new_prospect(channel, "organic", draws)
        env = self.env
        for arrival in self._organic:
            if arrival[0] > env.now:
                env.call_in(arrival[0] - env.now, self._on_arrival, arrival)
                return
            self.new_prospect(arrival[1], "organic", arrival[2])

    def attractiveness(self) -> list[float]:
        """Each practice's weight in prospects' choice: marketing x rating x review count x
        badges x bad word (the weight model of sim/model/choice.py)."""
        return self.reputation.attractiveness()

    def new_prospect(self, channel, source, draws, referred_by=None, chosen=None,
                     nurtured=None) -> Prospect:
        """A prospect arrives and contacts their shopping list, spread over some minutes.
        `chosen`: the list's practice indices (default: drawn, choice.py); `nurtured`:
        (practice, first prospect id) for a prospect back from a nurture list."""
        self._next_prospect_id += 1
        prospect = Prospect(self, self.env.now, channel, source, draws, referred_by)
        prospect.prospect_id = self._next_prospect_id
        if nurtured is not None:
            prospect.nurtured_by, prospect.nurture_of = nurtured
        if chosen is None:
            chosen = self.reputation.shopping_list(draws, referred_by)  # choice.py
        prospect.shopping_list = [self.practices[j] for j in chosen]
        spread = self.config.market.inquiry_spread_minutes
        offsets = sorted(draws.u_spread[: len(chosen)])
        prospect.pending_inquiries = len(chosen)
        for n, practice in enumerate(prospect.shopping_list):
            delay = 0.0 if n == 0 else offsets[n] * spread
            if delay == 0.0:
                self._make_inquiry(prospect, practice)
            else:
                self.env.call_in(delay, self._on_spread, (prospect, practice))
        return prospect

    def _spread_inquiry(self, prospect_and_practice) -> None:
        self._make_inquiry(*prospect_and_practice)

    def _make_inquiry(self, prospect, practice) -> None:
        prospect.pending_inquiries -= 1
        if prospect.booked_with is not None:  # already booked: stops shopping
            if prospect.done:
                self.prospect_done(prospect)
            return
        j = practice.index
        d = prospect.draws
        inq = self._new_inquiry(prospect, practice, prospect.channel, d.patience[j])
        inq.u_reach = d.reach(j)
        inq.u_voicemail = d.voicemail(j)
        prospect.inquiries.append(inq)
        prospect.open_inquiries += 1
        practice.receive(inq)

    # ---------------------------------------------------------------- outcomes

    def prospect_booked(self, prospect) -> None:
        """The prospect booked: every other open inquiry is lost to that competitor."""
        for inq in prospect.inquiries:
            if inq.outcome is None:
                inq.practice.close(inq, LOST)

    def weighs(self, prospect) -> bool:
        """Whether a prospect reached while ready, with another inquiry open, weighs offers
        (`prospect.comparison.weigh_share`): the prospect's own uniform (`u_weigh`, from
        the `traits.comparison` stream: common random numbers across plans)."""
        return prospect.draws.u_weigh < self.weigh_share

    def start_weighing(self, prospect) -> None:
        """The prospect holds a first offer: the window for the others' answers opens."""
        self.env.call_in(self.window_minutes, self._on_window_over, prospect)

    def _window_over(self, prospect) -> None:
        if prospect.offers:  # (not if they chose when the last answer came in)
            self.weigh_offers(prospect)

    def weigh_offers(self, prospect) -> None:
        """The prospect chooses among the offers in hand (choice.offer_pick: rating and
        price, by the prospect's own `u_pick`) and books; every other inquiry,
        offer or not, is lost to the chosen practice. The offers are read in the practices'
        order, not the order they came in, so that `u_pick` picks the same practice from
        the same offers whichever plan made them arrive first (common random numbers)."""
        offers, prospect.offers = prospect.offers, ()
        chosen = offers[0]
        if len(offers) > 1:
            offers = sorted(offers, key=lambda q: q.practice.index)
            ratings = [self.reputation.rating_seen(q.practice) for q in offers]
            prices = [q.practice.price for q in offers]
            chosen = offers[offer_pick(ratings, prices, self.offer_rating_weight,
                                       self.offer_price_elasticity, prospect.draws.u_pick)]
        practice, now = chosen.practice, self.env.now
        prospect.booked_with = practice
        prospect.booked_at = now
        practice.take_booking(chosen, prospect, now)

    def prospect_done(self, prospect) -> None:
        """All the prospect's inquiries have ended: record them and let the agent go."""
        p = prospect
        self.reputation.judge(p)  # experiences, actions, reviews, referrals
        booked = p.booked_with.slot if p.booked_with is not None else ""
        row = (
            p.prospect_id, p.arrived_at, p.source, p.channel, len(p.shopping_list), booked,
            p.booked_at, p.consultation_at, p.showed, p.converted, p.procedure, p.revenue,
            p.referred_by.slot if p.referred_by is not None else "",
        )
        if self.nurture.enabled:  # NURTURE_PROSPECT_COLUMNS
            nurturer = p.nurtured_by
            row += (p.micro_converted_with.slot if p.micro_converted_with is not None else "",
                    nurturer.slot if nurturer is not None else "",
                    nurturer is not None and p.booked_with is nurturer, p.nurture_of)
        self.prospect_rows.append(row)
        # Let the agent and its draws go: finished inquiries keep only the prospect's id
        # (the memory held per inquiry is a benchmark target).
        for inq in p.inquiries:
            inq.prospect = None
            inq.u_reach = None
        p.inquiries = []
        p.draws = None
        p.remove()

    # ---------------------------------------------------------------- running

    def step(self) -> None:
        """One simulated day."""
        self.env.run(until=self.steps * 1440.0)
        self.reputation.end_of_day()  # badges from the day's record
        self.datacollector.collect(self)

    def run(self) -> LeadMarket:
        """Run every day of the horizon, then close what is still open."""
        while self.steps < self.horizon_days:
            self.step()
        self.finish()
        return self

    def finish(self) -> None:
        for agent in list(self.agents_by_type.get(Prospect, [])):
            if agent.offers:  # still weighing when the clock stops: they choose now
                self.weigh_offers(agent)
        for practice in self.practices:
            practice.finish()
        for agent in list(self.agents_by_type.get(Prospect, [])):
            self.prospect_done(agent)
        # Mesa keeps a class-level id counter per model; drop ours so a process that
        # builds many models does not grow without bound (sim/model/mesa_import.py).
        forget_agent_ids(self)

    def inquiry_records(self, since: float = 0.0) -> dict:
        """The inquiries that arrived at or after minute `since` (all by default), column
        by column as in `records()`. Between two steps this is the run so far: inquiries
        still open have no outcome yet (None) and NaN for what has not happened."""
        inq_cols = ("inquiry_id", "prospect_id", "practice", "channel", "arrived_at",
                    "answered_at", "contacted_at", "acknowledged_at", "first_attempt_at",
                    "hold_minutes", "attempts", "abandoned", "voicemail", "service_answered",
                    "outcome")
        if self.nurture.enabled:
            inq_cols += NURTURE_INQUIRY_COLUMNS
        # A column at a time, in C (map + attrgetter); numbers and flags straight into
        # typed numpy arrays (the tables would convert the lists anyway), text as lists.
        qs = self.inquiries  # in order of arrival (practices append as they receive)
        if since > 0.0:
            qs = qs[bisect_left(qs, since, key=attrgetter("arrived_at")):]
        n = len(qs)
        slots = np.array([p.slot for p in self.practices], dtype=object)
        inquiries = {}
        for c in inq_cols:
            if c == "practice":  # the practice's name (its slot) by the inquiry's index
                index = np.fromiter(map(attrgetter("practice_index"), qs), dtype=np.intp,
                                    count=n)
                inquiries[c] = slots[index].tolist()
                continue
            values = map(attrgetter(c), qs)
            dtype = INQUIRY_DTYPES.get(c)
            inquiries[c] = (np.fromiter(values, dtype=dtype, count=n) if dtype is not None
                            else list(values))
        return inquiries

    def records(self) -> dict:
        """Everything the analysis needs, as plain Python data."""
        inquiries = self.inquiry_records()
        pro_cols = ("prospect_id", "arrived_at", "source", "channel", "n_practices",
                    "booked_with", "booked_at", "consultation_at", "showed", "converted",
                    "procedure", "revenue", "referred_by")
        if self.nurture.enabled:
            pro_cols += NURTURE_PROSPECT_COLUMNS
        rows = sorted(self.prospect_rows)
        prospects = {c: [r[i] for r in rows] for i, c in enumerate(pro_cols)}
        staff = [
            {"practice": p.slot, "staff_id": s.staff_id, "role": s.role,
             "hourly_wage": s.hourly_wage,
             "shift_minutes": sum(e - b for b, e in s.windows),
             "busy_lead_minutes": s.busy_lead_minutes,
             "busy_patient_minutes": s.busy_patient_minutes, "items": s.items}
            for p in self.practices for s in p.staff
        ]
        practices = []
        for p in self.practices:
            row = {"practice": p.slot, "name": p.name, "channels": list(p.channels),
                   "service_calls": p.service_calls, "rating_end": p.rating,
                   "review_count_end": p.review_count}
            row.update(self.reputation.practice_row(p))
            row.update(self.nurture.practice_row(p))
            row.update(p.costs(self.cost_days))
            practices.append(row)
        daily = agent_type_columns(self.datacollector, Practice)  # Step, AgentID, reporters
        daily = {"day": daily.pop("Step")} | {k: v for k, v in daily.items() if k != "AgentID"}
        return {
            "kind": self.kind.value,
            "seed": self.config.seed,
            "days": self.days,
            "drain_days": self.drain_days,
            "inquiries": inquiries,
            "prospects": prospects,
            "staff": staff,
            "practices": practices,
            "daily": daily,
            "activity": self.activity,
            # extra tables, saved as <name>.parquet: experiences and reviews
            "tables": self.reputation.tables() if self.kind == ScenarioKind.market else {},
        }
