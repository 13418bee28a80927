"""The one rate-limit module (iamwizard/wizard/ratelimit.py): counting, reporting, lifting, on local
memory and on Redis; and client_ip behind 0, 1 or 2 trusted proxies."""
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from iamwizard.settings import _rate_limits
from iamwizard.wizard import ratelimit

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("IAMWIZARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-unit"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
}


@pytest.fixture(params=sorted(BACKENDS))
def limits(request, settings):
    """The limiter on each cache backend, with small test limits; a fresh key prefix per test."""
    settings.CACHES = {**settings.CACHES, "ratelimit": {**BACKENDS[request.param], "KEY_PREFIX": f"rl-test-{secrets.token_hex(4)}"}}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "t-hit": (3, 600), "t-fail": (2, 600), "t-short": (2, 1)}
    yield request.param  # Redis keys expire with their windows; never flush a shared Redis


def test_hit_allows_the_limit_then_refuses_with_when_it_ends(limits):
    assert [ratelimit.hit("t-hit", "a") for _ in range(3)] == [None] * 3
    refused = ratelimit.hit("t-hit", "a")
    assert refused is not None and refused.locked and refused.count == 4 and refused.limit == 3
    assert 590 <= refused.seconds_left <= 600
    assert abs(refused.ends_at.timestamp() - (time.time() + 600)) < 5
    assert ratelimit.hit("t-hit", "b") is None  # another identity has its own count
    assert ratelimit.hit("t-fail", "a") is None  # and so has another limit


def test_failures_lock_only_at_the_limit_and_lifting_starts_again(limits):
    assert ratelimit.locked("t-fail", "a") is None and ratelimit.status("t-fail", "a") is None
    ratelimit.fail("t-fail", "a")
    assert ratelimit.locked("t-fail", "a") is None
    assert ratelimit.status("t-fail", "a").count == 1
    ratelimit.fail("t-fail", "a")
    locked = ratelimit.locked("t-fail", "a")
    assert locked and locked.count == 2 and locked.name == "t-fail" and locked.ident == "a"
    ratelimit.lift("t-fail", "a")
    assert ratelimit.status("t-fail", "a") is None
    ratelimit.fail("t-fail", "a")
    assert ratelimit.status("t-fail", "a").count == 1


def test_statuses_report_several_identities_at_once(limits):
    for ident, times in (("x", 1), ("y", 3)):
        for _ in range(times):
            ratelimit.fail("t-fail", ident)
    found = ratelimit.statuses("t-fail", ["x", "y", "z"])
    assert {k: (v.count, v.locked) for k, v in found.items()} == {"x": (1, False), "y": (3, True)}


def test_the_window_ends_by_itself(limits):
    ratelimit.hit("t-short", "a"), ratelimit.hit("t-short", "a")
    assert ratelimit.hit("t-short", "a") is not None
    time.sleep(1.2)
    assert ratelimit.hit("t-short", "a") is None
    assert ratelimit.status("t-short", "a").count == 1


def test_concurrent_hits_are_all_counted(limits, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "t-many": (1000, 600)}

    def hammer():
        for _ in range(25):
            ratelimit.hit("t-many", "room")

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ratelimit.status("t-many", "room").count == 200


def test_remembered_addresses_are_unique_and_in_order_even_when_noted_at_once(limits):
    ratelimit.remember("g", "198.51.100.1")
    ratelimit.remember("g", "198.51.100.1")
    addresses = [f"203.0.113.{i}" for i in range(10)]
    threads = [threading.Thread(target=ratelimit.remember, args=("g", a)) for a in addresses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seen = ratelimit.remembered("g")
    assert seen[0] == "198.51.100.1" and sorted(seen[1:]) == sorted(addresses)
    assert ratelimit.remembered("other") == []


def test_limits_are_configured_in_one_place_with_overrides():
    assert _rate_limits("") == _rate_limits(" , ")
    defaults = _rate_limits("")
    assert defaults["join-wrong-code"] == (300, 600) and 250 <= defaults["run-start"][0] < 2000
    changed = _rate_limits("join-wrong-code=10/60, run-start=900/600")
    assert changed["join-wrong-code"] == (10, 60) and changed["run-start"] == (900, 600)
    assert changed["run-post"] == defaults["run-post"]
    for bad in ("no-such-limit=1/60", "run-start=many/600", "run-start=10", "run-start=-1/600"):
        with pytest.raises(ImproperlyConfigured):
            _rate_limits(bad)


# --- client_ip ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("hops, forwarded, expected", [
    (0, None, "192.0.2.1"),
    (0, "203.0.113.9", "192.0.2.1"),  # no proxy trusted: the header is the client's, ignored
    (1, None, "192.0.2.1"),  # no header although a proxy was promised: the proxy's own address
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client made up the left entry
    (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
    (2, "203.0.113.9", "192.0.2.1"),  # fewer entries than proxies: not trusted
    (1, "", "192.0.2.1"),
    (1, "unknown", "192.0.2.1"),
    (1, "203.0.113.9, not-an-address", "192.0.2.1"),
    (1, "6.6.6.6,,", "192.0.2.1"),
    (1, "203.0.113.9:51234", "203.0.113.9"),
    (1, "[2001:db8::1]:443", "2001:db8::/64"),  # IPv6 counts per /64: one network
    (1, "  2001:DB8:0:7:a:b:c:d ", "2001:db8:0:7::/64"),
    (1, "::ffff:203.0.113.9", "203.0.113.9"),
    (1, "1.2.3.4\x00", "192.0.2.1"),
])
def test_client_ip_trusts_exactly_the_configured_proxies(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXIES = hops
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **extra)
    assert ratelimit.client_ip(request) == expected


def test_client_ip_without_any_address(settings):
    settings.TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR="")
    assert ratelimit.client_ip(request) == "unknown"


def test_ipv6_clients_of_one_network_share_a_count_and_cannot_rotate_out_of_it(settings):
    settings.TRUSTED_PROXIES = 0
    one_network = {ratelimit.client_ip(RequestFactory().get("/", REMOTE_ADDR=f"2001:db8:5:6::{i:x}")) for i in range(1, 50)}
    assert one_network == {"2001:db8:5:6::/64"}
    other = ratelimit.client_ip(RequestFactory().get("/", REMOTE_ADDR="2001:db8:5:7::1"))
    assert other == "2001:db8:5:7::/64"


@pytest.mark.parametrize("variable, value, named", [
    ("IAMWIZARD_TRUSTED_PROXIES", "one", "IAMWIZARD_TRUSTED_PROXIES"),
    ("IAMWIZARD_TRUSTED_PROXIES", "-1", "IAMWIZARD_TRUSTED_PROXIES"),
    ("IAMWIZARD_RATE_LIMITS", "join-wrong-codes=300/600", "IAMWIZARD_RATE_LIMITS"),
])
def test_a_malformed_setting_stops_the_app_at_start_up(tmp_path, variable, value, named):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iamwizard.settings", "IAMWIZARD_DATA_DIR": str(tmp_path), variable: value}
    proc = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "ImproperlyConfigured" in proc.stderr and named in proc.stderr
    env[variable] = "2" if variable == "IAMWIZARD_TRUSTED_PROXIES" else "join-wrong-code=500/600"
    assert subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, timeout=60).returncode == 0
