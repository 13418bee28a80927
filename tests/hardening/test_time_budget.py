"""A time budget per click: when AWS hangs (the endpoint takes the request and never answers),
the person gets a clear answer within 30 s that names the endpoint and says trying again is safe;
trying again then finishes the work once. Throttling still backs off as botocore does, within
the same budget. The endpoint here is a real socket that falls silent (tests/hardening/silent.py)."""
import time

import pytest
from django.utils.html import escape

from iamwizard.aws import faults, gateway
from iamwizard.wizard.models import AwsCall, StepState

from tests.hardening.silent import SilentProxy
from tests.hardening.test_faults import ADMIN, REVIEW_CALLS, Scenario

pytestmark = pytest.mark.django_db(transaction=True)
BUDGET = 30


@pytest.fixture
def proxy(settings, sandbox_endpoint):
    proxy = SilentProxy(sandbox_endpoint)
    settings.IAMWIZARD_SANDBOX_URL = proxy.url
    gateway.forget_clients()
    yield proxy
    proxy.close()
    gateway.forget_clients()


def test_aws_hanging_in_the_middle_of_create_user_answers_within_the_budget_and_a_retry_finishes_once(client, proxy, account_iam):
    scenario = Scenario(client, "CreateUser")
    scenario.prepare()
    proxy.fall_silent(after=2)  # CreateUser and CreateGroup (made at once) are answered; the next round's four calls hang together

    started = time.monotonic()
    response = scenario.submit(expect=200)
    waited = time.monotonic() - started

    assert waited < BUDGET, f"the click took {waited:.1f} s"
    page = response.content.decode()
    host = proxy.url.split("//")[1]
    assert escape(f"AWS ({host}) didn't answer in time: this page waits for it at most {BUDGET} seconds. Trying again is safe: nothing is made twice.") in page
    assert scenario.status("review") == StepState.FAILED
    calls = AwsCall.objects.filter(run_id=scenario.walker.run_id, step="review")
    assert [(c.operation, c.ok, c.error_code) for c in calls] == [
        ("CreateUser", True, ""), ("CreateGroup", True, "")] + [(op, False, "Timeout") for op in REVIEW_CALLS[2:]]

    proxy.answer_again()
    scenario.submit(expect=302)
    assert scenario.status("review") == StepState.DONE
    ok = [c.operation for c in AwsCall.objects.filter(run_id=scenario.walker.run_id, step="review", ok=True)]
    for operation in REVIEW_CALLS:
        assert ok.count(operation) == 1, operation  # nothing that succeeded was made again
    iam = account_iam(scenario.run.account_id)
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["alice"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["Admins"]
    assert [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName="Admins")["AttachedPolicies"]] == [ADMIN]


def test_a_long_throttling_burst_backs_off_as_botocore_does_and_stops_within_the_budget(client, proxy):
    """AWS answers Throttling every time: botocore's own backoff (1 s base, doubling) paces the
    retries, and the click ends with AWS's answer within the budget."""
    scenario = Scenario(client, "CreateUser")
    scenario.prepare()
    started = time.monotonic()
    with faults.inject("CreateUser", "throttling", times=None) as rule:
        response = scenario.submit(expect=200)
    waited = time.monotonic() - started
    assert waited < BUDGET
    assert 2 <= rule.fired <= faults.MAX_ATTEMPTS, "retried with botocore's backoff, not in a tight loop"
    assert "<code>Throttling</code>" in response.content.decode()
    assert scenario.status("review") == StepState.FAILED


def test_no_call_starts_once_the_clicks_budget_has_no_room_for_it(sandbox_endpoint):
    """A click that already spent its budget (slow answers one after another) makes no more calls:
    the next one ends at once with the same clear answer, and is recorded as not made."""
    from tests.sandbox.sandbox_support import new_account_id

    records = []
    gw = gateway.Gateway(gateway.Target("sandbox", new_account_id(), sandbox_endpoint), recorder=records.append)
    assert gw.iam("ListUsers")["Users"] == []
    with gateway.time_budget(gateway.ATTEMPT_SECONDS - 1):
        started = time.monotonic()
        with pytest.raises(gateway.AwsError) as refused:
            gw.iam("ListUsers")
    assert time.monotonic() - started < 1
    assert refused.value.code == "Timeout" and sandbox_endpoint.split("//")[1] in refused.value.problem.message
    assert [(r.operation, r.ok, r.error_code) for r in records] == [("ListUsers", True, ""), ("ListUsers", False, "Timeout")]
