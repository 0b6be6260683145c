"""A practice's money: bookings to consultations and procedures, and what its staffing
costs (wages from the roster's ledger, answering-service, auto-responder, inbox and nurture
fees).

A booking draws, from the prospect's own uniforms (common random numbers), whether they
come to the consultation (`no_show_rate`), whether it leads to a procedure
(`consultation_to_procedure`) and which one (`procedure_mix`, priced by `procedure_fees`).
Wages are paid for rostered time, busy or not; the answering service is a monthly fee plus
one per call it takes. The daily table asks for the cost to date at every midnight, so the
wages of each day are summed once into a cumulative ledger (`_wages_by_day`).
"""

from __future__ import annotations

from ..clock import covered_minutes

DAYS_PER_MONTH = 365.25 / 12


class PracticeEconomics:
    """The economics of a `Practice` (a mixin: it reads the practice's config, staff and
    counters, and keeps the revenue and booking counts on it)."""

    __slots__ = ()

    def _book(self, prospect, now: float) -> None:
        """A consultation is booked: draw show-up, procedure and its fee."""
        eco, d = self.cfg.economics, prospect.draws
        self.n_booked += 1
        prospect.consultation_at = now + eco.consultation_lead_days * 1440.0
        prospect.showed = d.u_show >= eco.no_show_rate
        if prospect.showed:
            self.n_consultations += 1
            if d.u_procedure < eco.consultation_to_procedure:
                prospect.converted = True
                prospect.procedure = _pick(eco.procedure_mix, d.u_procedure_kind)
                prospect.revenue = float(eco.procedure_fees[prospect.procedure])
                self.n_procedures += 1
                self.revenue += prospect.revenue

    def costs(self, until_day: float) -> dict:
        """Staffing cost up to `until_day` (capped at the costed days)."""
        days = min(until_day, self.model.cost_days)
        if days == int(days):  # the daily table asks at midnights: O(1) from the ledger
            wages = self._wages_by_day()[int(days)]
        else:
            until = days * 1440.0
            wages = sum(
                s.hourly_wage * covered_minutes(s.windows, until) / 60.0
                for s in self.staff
                if not s.is_service
            )
        svc, ar = self.cfg.answering_service, self.cfg.auto_responder
        service = 0.0
        if svc.enabled:
            service = (svc.fee_per_month * days / DAYS_PER_MONTH
                       + svc.fee_per_call * self.service_calls)
        auto = ar.fee_per_month * days / DAYS_PER_MONTH if ar.enabled else 0.0
        inbox, nurture = self.cfg.unified_inbox, self.cfg.nurture
        fee = inbox.fee_per_month * days / DAYS_PER_MONTH if inbox.enabled else 0.0
        out = {"wages": wages, "answering_service_fees": service, "auto_responder_fees": auto,
               "unified_inbox_fees": fee}
        total = wages + service + auto + fee
        if self.nurture is not None:  # a nurture programme's fee (sim/model/nurture.py)
            out["nurture_fees"] = nurture.fee_per_month * days / DAYS_PER_MONTH
            total += out["nurture_fees"]
        elif self.model.nurture.enabled:  # the same keys for every practice of the run
            out["nurture_fees"] = 0.0
        out["staffing_cost"] = total
        return out

    def _wages_by_day(self) -> list[float]:
        """Wages of rostered time before each midnight: entry d covers days 0..d-1."""
        ledger = getattr(self, "_wage_ledger", None)
        if ledger is None:
            per_day = [0.0] * (self.model.horizon_days + 1)
            for s in self.staff:
                if s.is_service or not s.hourly_wage:
                    continue
                for start, end in s.windows:
                    day = int(start // 1440)
                    while day * 1440.0 < end and day < len(per_day):
                        overlap = min(end, (day + 1) * 1440.0) - max(start, day * 1440.0)
                        per_day[day] += s.hourly_wage * overlap / 60.0
                        day += 1
            ledger, total = [0.0], 0.0
            for amount in per_day:
                total += amount
                ledger.append(total)
            self._wage_ledger = ledger
        return ledger

    @property
    def staffing_cost_to_date(self) -> float:
        return self.costs(self.env.now / 1440.0)["staffing_cost"]


def expected_fee(eco) -> float:
    """The fee of a practice's procedures weighted by its procedure_mix
    (sim.config.EconomicsConfig): its price as a shopper weighing offers sees it."""
    mix = eco.procedure_mix
    total = sum(mix.values())
    return sum(w * eco.procedure_fees[k] for k, w in mix.items()) / total if total else 0.0


def booking_value(eco) -> float:
    """What a booked consultation is worth in expectation: shows up x has the procedure x
    the mix-weighted fee (the draws of `PracticeEconomics._book`)."""
    return (1.0 - eco.no_show_rate) * eco.consultation_to_procedure * expected_fee(eco)


def _pick(weights: dict, u: float) -> str:
    """The key whose cumulative weight share first exceeds u."""
    total = sum(weights.values())
    acc = 0.0
    for name, w in weights.items():
        acc += w / total
        if u < acc:
            return name
    return name
