"""Rate limits for the whole app, counted in a cache that every worker shares.

Each limit is a name in settings.RATE_LIMITS with (how many, window in seconds), counted per
identity: a client address, a run id, a user name. A fixed window: the first count opens it,
and once `limit` counts fell in it the identity is *locked* until the window ends.

- `hit()` counts every request and refuses the one past the limit (new runs, submits);
- `locked()` only asks, and `fail()` counts a failure (wrong join codes, failed sign-ins),
  so that only mistakes count, never successes.

Limits that count per client address are ceilings far above what a room behind one address
(a NAT, a school proxy) does honestly: see settings.RATE_LIMITS. `status()` reports a count and
when its window ends, and `lift()` clears it, so a trainer can see and lift a lockout.

The counters live in the "ratelimit" cache: Redis when REDIS_URL is set, so several workers and
hosts count together; local memory otherwise. Both only need add/incr/get_many/delete_many.
"""
import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

CACHE = "ratelimit"


@dataclass(frozen=True)
class Status:
    """Where one identity stands against one limit."""
    name: str
    ident: str
    count: int
    limit: int
    ends_at: datetime  # when the window (and any lockout in it) ends

    @property
    def locked(self) -> bool:
        return self.count >= self.limit

    @property
    def seconds_left(self) -> int:
        return max(1, math.ceil(self.ends_at.timestamp() - time.time()))


def limit_for(name: str) -> tuple:
    """(limit, window seconds) from settings.RATE_LIMITS."""
    return settings.RATE_LIMITS[name]


def window_minutes(name: str) -> int:
    return max(1, round(limit_for(name)[1] / 60))


def digest(ident: str) -> str:
    return hashlib.sha256(ident.encode()).hexdigest()[:32]


def _keys(name, ident):
    hashed = digest(ident)
    return f"rl:{name}:{hashed}:n", f"rl:{name}:{hashed}:t"


def _count(name: str, ident: str) -> int:
    """Add one to the identity's count in the current window (opening one if needed); the new count."""
    cache = caches[CACHE]
    _, window = limit_for(name)
    count_key, start_key = _keys(name, ident)
    try:
        return cache.incr(count_key)  # the usual case: a window is open (incr keeps its expiry)
    except ValueError:  # none is: this count opens one (unless another request just did)
        if cache.add(count_key, 1, window):
            cache.set(start_key, time.time(), window)
            return 1
        try:
            return cache.incr(count_key)
        except ValueError:  # that window ended in between: open one for this count
            cache.set(start_key, time.time(), window)
            cache.set(count_key, 1, window)
            return 1


def statuses(name: str, idents) -> dict:
    """{ident: Status} for the identities that have an open window (one cache round trip)."""
    limit, window = limit_for(name)
    keys = {ident: _keys(name, ident) for ident in idents}
    found = caches[CACHE].get_many([key for pair in keys.values() for key in pair])
    now = time.time()
    result = {}
    for ident, (count_key, start_key) in keys.items():
        count = found.get(count_key)
        if count:
            started = found.get(start_key, now)
            result[ident] = Status(name, ident, int(count), limit, datetime.fromtimestamp(started + window, tz=timezone.utc))
    return result


def status(name: str, ident: str) -> Status | None:
    """The identity's count and window end, or None when it has no open window."""
    return statuses(name, [ident]).get(ident)


def locked(name: str, ident: str) -> Status | None:
    """The identity's status when it is locked (the next request or failure is refused), else None."""
    found = status(name, ident)
    return found if found and found.locked else None


def hit(name: str, ident: str) -> Status | None:
    """Count one request; None when it is allowed, else the status that refuses it."""
    count = _count(name, ident)
    limit, _ = limit_for(name)
    return None if count <= limit else status(name, ident)


def fail(name: str, ident: str) -> int:
    """Count one failure; returns the new count."""
    return _count(name, ident)


def lift(name: str, ident: str):
    """End the identity's window now: its count starts again from zero."""
    caches[CACHE].delete_many(list(_keys(name, ident)))


# --- who touched what: addresses to show next to a workshop -------------------------------------

SEEN_SECONDS = 2 * 24 * 3600  # longer than a workshop day
SEEN_MOST = 50  # addresses remembered per group: a room has one or a few


def remember(group: str, ident: str):
    """Note that `ident` (a client address) touched `group` (e.g. a workshop), for SEEN_SECONDS.

    Race-free on any cache: `add` lets only the first request of an address take a slot,
    and `incr` gives every address its own slot number.
    """
    cache = caches[CACHE]
    if not cache.add(f"rl-seen:{group}:{digest(ident)}", 1, SEEN_SECONDS):
        return
    counter = f"rl-seen:{group}:n"
    cache.add(counter, 0, SEEN_SECONDS)
    try:
        slot = cache.incr(counter)
    except ValueError:
        return
    if slot <= SEEN_MOST:
        cache.set(f"rl-seen:{group}:{slot}", ident, SEEN_SECONDS)


def remembered(group: str) -> list[str]:
    """The identities noted for `group`, first noted first."""
    cache = caches[CACHE]
    slots = min(int(cache.get(f"rl-seen:{group}:n") or 0), SEEN_MOST)
    found = cache.get_many([f"rl-seen:{group}:{i}" for i in range(1, slots + 1)])
    return list(dict.fromkeys(found[key] for key in sorted(found, key=lambda k: int(k.rsplit(":", 1)[1]))))


# --- the client's address ------------------------------------------------------------------------

def _address(text: str) -> str | None:
    """The client's network from an address ("1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443"), or None.

    An IPv4 address stands for itself. An IPv6 address counts as its /64: one home or office
    network is handed a whole /64, so a client could otherwise take a fresh address for every
    request; a room behind one /64 is then one network, as a room behind one IPv4 NAT is.
    """
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_ip(request) -> str:
    """The address of the client (for IPv6 its /64, see _address), as the trusted proxies in front
    of the app saw it.

    settings.TRUSTED_PROXIES (env IAMWIZARD_TRUSTED_PROXIES) is how many reverse proxies stand
    in front of the app. With 0 (the default) no header is trusted: the connecting address
    (REMOTE_ADDR) is the client. With N, each proxy appended the address it received the
    request from to X-Forwarded-For, so the client is the N-th entry from the right; entries
    further left came from the client and can be anything. When the header has fewer than N
    entries or that entry is no IP address, the connecting address (the nearest proxy) is used:
    a wrong setting then groups clients together, it never lets one choose its own address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    remote = _address(remote) or remote or "unknown"
    hops = settings.TRUSTED_PROXIES
    if hops <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < hops:
        return remote
    return _address(entries[-hops]) or remote


# --- the refusal ---------------------------------------------------------------------------------

def retry_text(refused: Status) -> str:
    """When to try again, in plain words."""
    minutes = max(1, math.ceil(refused.seconds_left / 60))
    return ngettext("Try again after %(time)s UTC (in about %(minutes)s minute).", "Try again after %(time)s UTC (in about %(minutes)s minutes).",
                    minutes) % {"time": f"{refused.ends_at:%H:%M}", "minutes": minutes}


# Per limit that answers with the 429 page: what a refused request did not do, and what is counted.
NOT_DONE = {"run-start": gettext_lazy("No new run was started."), "run-post": gettext_lazy("What you sent was not saved, and no AWS call was made.")}


def limit_text(name: str) -> str:
    """ "600 new runs from one network in 10 minutes" """
    limit, minutes = limit_for(name)[0], window_minutes(name)
    period = ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}
    if name == "run-start":
        text = ngettext("%(limit)s new run from one network in %(period)s", "%(limit)s new runs from one network in %(period)s", limit)
    elif name == "run-post":
        text = ngettext("%(limit)s submit in one run in %(period)s", "%(limit)s submits in one run in %(period)s", limit)
    else:
        text = ngettext("%(limit)s request in %(period)s", "%(limit)s requests in %(period)s", limit)
    return text % {"limit": limit, "period": period}


def too_many(request, refused: Status, why: str):
    """The 429 page: what was refused, why (with the limit), and when to try again."""
    context = {"what": NOT_DONE.get(refused.name, _("Nothing was changed.")),
               "why": _("%(why)s The limit is %(limit)s.") % {"why": why, "limit": limit_text(refused.name)}, "retry": retry_text(refused)}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(refused.seconds_left)
    return response
