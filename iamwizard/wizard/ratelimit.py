"""Rate limits for cheap-to-abuse requests, counted in a cache shared by every worker.

A fixed window per (limit name, client): the first hit starts it; once `limit` hits fell in
the window, further ones are refused until it ends. The counters live in the "ratelimit"
cache (Redis when REDIS_URL is set, so several workers and hosts count together).
"""
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render

CACHE = "ratelimit"


def client_ip(request) -> str:
    """The connecting address. Behind a reverse proxy, make it set REMOTE_ADDR (never trust a header here)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(name, ident):
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"rl:{name}:{digest}:n", f"rl:{name}:{digest}:t"


def hit(name: str, ident: str, limit: int, window: int) -> int:
    """Count one request; returns 0 when allowed, else the seconds until the window ends."""
    cache = caches[CACHE]
    count_key, start_key = _keys(name, ident)
    now = time.time()
    try:
        count = cache.incr(count_key)  # the usual case: a window is open
    except ValueError:  # none is: this hit opens one (unless another request just did)
        if cache.add(count_key, 1, window):
            cache.set(start_key, now, window)
            count = 1
        else:
            count = cache.incr(count_key)
    if count <= limit:
        return 0
    started = cache.get(start_key) or now
    return max(1, math.ceil(started + window - now))


def too_many(request, seconds: int, message: str):
    minutes = max(1, math.ceil(seconds / 60))
    text = f"{message} Try again in about {minutes} minute{'s' if minutes != 1 else ''}."
    response = render(request, "429.html", {"message": text}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def limit_for(name: str) -> tuple:
    """(limit, window seconds) from settings.RATE_LIMITS."""
    return settings.RATE_LIMITS[name]
