"""The phone line of a practice: the phone menu, the hold queue, abandonment, voicemail.

Phone is synchronous. A call is answered at once if someone who takes calls is free;
otherwise the caller waits on hold with an exponential patience: a timer at the moment
they join the queue, due when their patience runs out (the textbook `request | timeout`,
as a callback-only timer), hangs up a caller nobody has picked up by then
(`_hang_up`). Staff taking callers off the queue skip those who hung up, or left it to
book elsewhere. The hang-up is settled when it happens, not when staff next reach the
queue: a caller who hangs up may leave a voicemail, a call-back task from that moment,
and one whose practice closes the call there ends the prospect's wait for that practice
then, so a shopper weighing offers whose last awaited answer it was chooses at once
(LeadMarket.weigh_offers), and a prospect whose last inquiry it was is judged then. (A
check made only when a caller was dequeued gave the same served / abandoned split, but
settled those hang-ups late, over a weekend by days, and shoppers' choices by up to an
hour.) For the M/M/c+M (Erlang A) model the tests compare against, this is the model
itself. A caller who hangs up, or finds nobody on duty, may leave a voicemail that
becomes a call-back task.

A phone menu of m minutes (`phone_menu_seconds`) plays before all of that. The caller's
patience runs from the start of the call: one with patience p <= m hangs up in the menu
at arrival + p (abandoned, as on hold: perhaps a voicemail); the others reach the line at
arrival + m with p - m left for the hold queue, where it runs as above. That is one timer
per call while a menu plays (at arrival + min(p, m)), and none without one: a caller must
reach the line at the menu's end to take their place in it, and a hang-up in the menu
cannot be settled earlier, since the prospect may book elsewhere before it. With
exponential patience of mean T, a share 1 - exp(-m / T) hang up in the menu, and the
others reach the line as a Poisson stream of rate lambda exp(-m / T) with patience again
exponential of mean T: Erlang A with that rate, shifted by m.

The hold queue itself is `Practice.hold` (a deque); staff take callers off it in
`Practice.next_work`, and a caller still on it when the prospect books elsewhere is
settled in `Practice.close`.
"""

from __future__ import annotations

from .inquiry import ABANDONED, IN_MENU, ON_HOLD, UNANSWERED


class PhoneLine:
    """The phone side of a `Practice` (a mixin: it uses the practice's clock, policy, idle
    staff, hold queue and counters, and its `close` and `schedule_first_response`)."""

    __slots__ = ()

    def receive_call(self, inq) -> None:
        """A live call: picked up now, put on hold, or met by a closed line."""
        inq.state = ON_HOLD
        now = inq.due = self.env.now
        if not self.policy.answer_live_calls:
            self._line_closed(inq)
            return
        staff = self._take_idle(now, None)
        if staff is None:  # the outside answering service, if it is on
            for service in self.idle_service:
                if service.shift_end > now:
                    self.idle_service.remove(service)
                    staff = service
                    break
        if staff is not None:
            staff.start_now(inq)
            return
        if self.phone_on_shift > 0:
            self.hold.append(inq)
            self.env.call_in(inq.patience, self._on_hang_up, inq)
        else:
            self._line_closed(inq)

    def _start_menu(self, inq) -> None:
        """A call starts with the phone menu: its end, or the caller's hang-up in it."""
        inq.state = IN_MENU
        menu, patience = self.menu_minutes, inq.patience
        self.env.call_in(patience if patience <= menu else menu, self._on_menu_over, inq)

    def _menu_over(self, inq) -> None:
        """The caller hangs up in the menu, or reaches the line with the rest of their
        patience (nothing, if they booked elsewhere meanwhile)."""
        if inq.outcome is not None:
            return
        menu = self.menu_minutes
        if inq.patience <= menu:
            inq.menu_minutes = inq.patience
            self._abandon(inq, 0.0)
            return
        inq.menu_minutes = menu
        inq.patience -= menu  # what is left for the hold queue
        self.receive_call(inq)

    def _line_closed(self, inq) -> None:
        inq.hold_minutes = 0.0
        self._voicemail_or_close(inq, UNANSWERED)

    def _voicemail_or_close(self, inq, outcome: str) -> None:
        """A call nobody picked up ends now: a voicemail or a missed call to return (a
        call-back task from now), or the inquiry closes with `outcome`."""
        now = self.env.now
        if inq.u_voicemail < self.voicemail_share:
            inq.voicemail = True
            if self.policy.return_voicemails:
                self.schedule_first_response(inq, now)
                return
        if self.policy.return_missed_calls:
            self.schedule_first_response(inq, now)
            return
        self.close(inq, outcome)

    def _hang_up(self, inq) -> None:
        """The caller's patience on hold runs out (their timer, set when they joined the
        queue): they hang up unless picked up (their hold time is then known) or their
        inquiry ended meanwhile (the prospect booked elsewhere). The call stays in the
        deque, where staff skip it (`Practice.next_work`)."""
        if inq.outcome is None and inq.hold_minutes != inq.hold_minutes:
            self._abandon(inq, inq.patience)  # now is inq.due + inq.patience

    def _abandon(self, inq, hold_minutes: float) -> None:
        """The caller hangs up now, after `hold_minutes` on hold (0 in the menu)."""
        inq.abandoned = True
        inq.abandoned_at = self.env.now
        inq.hold_minutes = hold_minutes
        self.n_abandoned += 1
        self._voicemail_or_close(inq, ABANDONED)
