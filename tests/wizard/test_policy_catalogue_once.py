"""A room that reaches the permissions step together lists AWS's managed policies once, not once per
participant: each listing is about half a second of the sandbox's (or AWS's) time, and a stampede of
them held the whole room up for seconds (bench_enrolment.py's crowd, p95 by page)."""
import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from iamwizard.aws.gateway import Gateway, Target
from iamwizard.core import sandbox_endpoints
from iamwizard.wizard import policy_catalog

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture
def listings(monkeypatch):
    """The catalogue as nobody has listed it yet (shared cache and this process's copy), and every
    listing made from now on, by scope."""
    cache.clear()
    policy_catalog._process_copies.clear()
    made = []
    real = policy_catalog._list_policies

    def counting(ctx, scope):
        made.append(scope)
        return real(ctx, scope)

    monkeypatch.setattr(policy_catalog, "_list_policies", counting)
    yield made
    cache.clear()
    policy_catalog._process_copies.clear()


def _participant(endpoint):
    """What the catalogue reads of a step's context: a gateway into a new emulated account of the sandbox."""
    account_id = sandbox_endpoints.new_account_id(1)
    gateway = Gateway(Target("sandbox", account_id=account_id, endpoint_url=endpoint))
    return SimpleNamespace(gateway=gateway, iam=gateway.iam, run=SimpleNamespace(account_id=account_id))


def test_participants_arriving_together_wait_for_one_listing(sandbox_endpoint, listings):
    room = [_participant(sandbox_endpoint) for _ in range(6)]
    together = threading.Barrier(len(room))
    found, failed = [], []

    def choose(ctx):
        try:
            together.wait(10)
            found.append(policy_catalog.lookup(ctx, "AdministratorAccess"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failed.append(exc)

    threads = [threading.Thread(target=choose, args=(ctx,)) for ctx in room]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failed == []
    assert [entry.arn for entry in found] == [ADMIN] * len(room)
    assert listings == ["AWS"]


def test_a_process_waits_for_the_list_another_process_is_making(sandbox_endpoint, listings):
    """The shared cache's mark says another worker is listing: this one takes that worker's list when it
    lands, and lists nothing itself."""
    ctx = _participant(sandbox_endpoint)
    key = policy_catalog._cache_key(ctx, "AWS")
    cache.add(f"{key}:listing", 1, 30)
    other_workers_list = [("AdministratorAccess", ADMIN)]
    lands = threading.Timer(0.3, lambda: cache.set(key, other_workers_list, 60))
    lands.start()
    started = time.monotonic()
    assert policy_catalog.lookup(ctx, "AdministratorAccess").arn == ADMIN
    assert listings == [] and time.monotonic() - started >= 0.25


def test_when_the_other_process_never_delivers_this_one_lists_after_a_while(sandbox_endpoint, listings, monkeypatch):
    monkeypatch.setattr(policy_catalog, "LISTING_WAIT_SECONDS", 0.3)
    ctx = _participant(sandbox_endpoint)
    cache.add(f"{policy_catalog._cache_key(ctx, 'AWS')}:listing", 1, 30)
    assert policy_catalog.lookup(ctx, "AdministratorAccess").arn == ADMIN
    assert listings == ["AWS"]
