"""Count failures per client in Django's cache (Redis when several workers share it).

A fixed window: the first failure starts it, `limit` failures within `window`
seconds block the client until the window ends.
"""
import hashlib
import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from django.core.cache import cache


@dataclass
class Throttle:
    name: str
    limit: int
    window: int  # seconds

    def _keys(self, ident: str):
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        return f"throttle:{self.name}:{digest}:n", f"throttle:{self.name}:{digest}:t"

    def blocked_until(self, ident: str) -> datetime | None:
        count_key, start_key = self._keys(ident)
        found = cache.get_many([count_key, start_key])
        if found.get(count_key, 0) >= self.limit:
            started = found.get(start_key, time.time())
            return datetime.fromtimestamp(started + self.window, tz=timezone.utc)
        return None

    def failure(self, ident: str):
        count_key, start_key = self._keys(ident)
        cache.add(start_key, time.time(), self.window)
        cache.add(count_key, 0, self.window)
        try:
            cache.incr(count_key)
        except ValueError:  # the window ended between add and incr
            cache.set(count_key, 1, self.window)

    def reset(self, ident: str):
        cache.delete_many(list(self._keys(ident)))


def client_ip(request) -> str:
    """The connecting address. Behind a reverse proxy, configure it to set REMOTE_ADDR (not a trusted header)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def retry_message(until: datetime, what: str) -> str:
    minutes = max(1, math.ceil((until.timestamp() - time.time()) / 60))
    return f"{what} Try again after {until:%H:%M} UTC (in about {minutes} minute{'s' if minutes != 1 else ''})."
