"""The next run's emulated account is made ready ahead (engine._ready_next_account): its id chosen
and its role assumed in the background right after a Start, so that the next Start's Connect,
pressed at once, need not wait for an AssumeRole."""
import time

import pytest

from iamwizard.aws import gateway
from iamwizard.wizard import engine
from iamwizard.wizard.models import Run

pytestmark = pytest.mark.django_db(transaction=True)


def _assumed(target, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with gateway._cache_lock:
            if target in gateway._sessions:
                return True
        time.sleep(0.02)
    return False


def test_the_next_start_takes_the_account_made_ready_with_its_role_assumed_already():
    first = engine.start_run()
    ready = engine._ready["next"][0]
    assert ready != first.account_id and not Run.objects.filter(account_id=ready).exists()
    assert _assumed(gateway.Target("sandbox", account_id=ready, endpoint_url=engine.sandbox_endpoint(ready)))
    second = engine.start_run()
    assert second.account_id == ready
    assert engine.target_for(second) in gateway._sessions  # Connect's calls go out at once
    assert engine._ready["next"][0] not in (first.account_id, second.account_id)


def test_a_ready_account_that_a_run_holds_or_that_waited_too_long_is_not_given(monkeypatch):
    engine.start_run()
    held = engine._ready["next"][0]
    Run.objects.create(target="sandbox", account_id=held)  # taken meanwhile (another process's run)
    assert engine.start_run().account_id != held
    old = engine._ready["next"][0]
    monkeypatch.setattr(engine, "READY_ACCOUNT_SECONDS", -1)
    assert engine.start_run().account_id != old


def test_the_connect_step_works_in_a_ready_account(client, account_iam):
    from tests.wizard.walk import Walker

    engine.start_run()  # the next Start gets an account made ready
    ready = engine._ready["next"][0]
    walker = Walker(client)
    walker.start()
    assert walker.run.account_id == ready
    walker.post("connect", {"action": "connect"})
    assert walker.run.steps.get(step="connect").result["account_id"] == walker.run.account_id
    assert account_iam(walker.run.account_id).list_users()["Users"] == []


def test_starts_that_come_together_make_one_account_ready_not_one_each(monkeypatch):
    engine.start_run()
    ready = engine._ready["next"][0]
    made = []
    real = engine.new_sandbox_account_id
    monkeypatch.setattr(engine, "new_sandbox_account_id", lambda: made.append(1) or real())
    engine._ready_next_account()  # one is ready already: nothing more is made
    assert engine._ready["next"][0] == ready and made == []
