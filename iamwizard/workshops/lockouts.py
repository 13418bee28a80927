"""The rate limits that touch a workshop, as the trainer sees and lifts them.

A workshop touches the addresses its participants joined from, and the addresses that tried its
join code while locked (remembered in the rate-limit cache for two days, not in the database: they
matter only while a limit can be active). For those addresses: the wrong-join-code limit and the
new-run ceiling; for its participants' runs: the submits limit. Each current lockout carries its
limit's name (the kind), whom it refuses and its numbers, and words itself in one place.
"""
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from iamwizard.wizard import ratelimit

from .models import Participant

JOIN = "join-wrong-code"
RUN_START = "run-start"
RUN_POST = "run-post"


def _group(workshop) -> str:
    return f"workshop:{workshop.pk}"


def remember_address(workshop, client: str):
    ratelimit.remember(_group(workshop), client)


def addresses(workshop) -> list[str]:
    return ratelimit.remembered(_group(workshop))


@dataclass(frozen=True)
class Lockout:
    limit: str  # the limit's name in settings.RATE_LIMITS: JOIN, RUN_START or RUN_POST
    target: str  # what the Lift form names: the address, or the participant's pk (a run id is a key)
    who: str  # the address, or the participant's display name
    count: int
    cap: int
    window_minutes: int
    ends_at: datetime
    ident: str  # what the limit counts: the address, or the run id (never shown)

    @property
    def short(self) -> str:
        return {JOIN: _("join pause"), RUN_START: _("new-run limit")}.get(self.limit) or _("submit limit")

    @property
    def description(self) -> str:
        numbers = ngettext("%(count)s in %(minutes)s minute, the limit is %(cap)s", "%(count)s in %(minutes)s minutes, the limit is %(cap)s",
                           self.window_minutes) % {"count": self.count, "minutes": self.window_minutes, "cap": self.cap}
        if self.limit == JOIN:
            return _("joining from %(who)s is paused: wrong join codes (%(numbers)s)") % {"who": self.who, "numbers": numbers}
        if self.limit == RUN_START:
            return _("new runs from %(who)s are refused (%(numbers)s)") % {"who": self.who, "numbers": numbers}
        return _("%(who)s's submits are refused (%(numbers)s)") % {"who": self.who, "numbers": numbers}

    @property
    def lifted_text(self) -> str:
        if self.limit == JOIN:
            return _("Lifted: people at %(who)s can join again.") % {"who": self.who}
        if self.limit == RUN_START:
            return _("Lifted: new runs from %(who)s can start again.") % {"who": self.who}
        return _("Lifted: %(who)s can submit again.") % {"who": self.who}


def current(workshop) -> list[Lockout]:
    """The limits that refuse someone of this workshop right now, soonest ending first."""
    seen = addresses(workshop)
    by_address = {address: (address, address) for address in seen}
    by_run = {run_id: (str(pk), name) for pk, run_id, name in
              Participant.objects.filter(workshop=workshop).values_list("pk", "run_id", "display_name")}
    found = []
    for name, idents in ((JOIN, by_address), (RUN_START, by_address), (RUN_POST, by_run)):
        for ident, status in ratelimit.statuses(name, idents).items():
            if status.locked:
                target, who = idents[ident]
                found.append(Lockout(name, target, who, status.count, status.limit, ratelimit.window_minutes(name), status.ends_at, ident))
    return sorted(found, key=lambda lockout: lockout.ends_at)


def lift(workshop, limit: str, target: str) -> Lockout | None:
    """Lift one current lockout of this workshop; None (and nothing done) when there is no such lockout."""
    for lockout in current(workshop):
        if (lockout.limit, lockout.target) == (limit, target):
            ratelimit.lift(limit, lockout.ident)
            return lockout
    return None
