"""The live dashboard: who is where, who is stuck on what, in a fixed number of queries; summary and CSV."""
import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iamwizard.wizard import engine
from iamwizard.wizard.models import AwsCall, StepState
from iamwizard.wizard.models import Refusal
from iamwizard.wizard.steps import STEPS
from iamwizard.workshops import progress
from iamwizard.workshops.charts import bar_chart
from iamwizard.workshops.models import Participant

pytestmark = pytest.mark.django_db
SLUGS = [s.slug for s in STEPS]


def add_participant(workshop, name, *, done=0, minutes_per_step=2, failed=None, started_minutes_ago=None, call_error=None, refused=()):
    """A participant who finished the first `done` steps, `minutes_per_step` apart, optionally failing the next one."""
    now = timezone.now()
    start = now - timedelta(minutes=started_minutes_ago if started_minutes_ago is not None else done * minutes_per_step + 1)
    run = engine.start_run(target="sandbox")
    participant = Participant.objects.create(workshop=workshop, run=run, display_name=name, joined_at=start, restarted_at=start)
    for i, slug in enumerate(SLUGS[:done]):
        StepState.objects.filter(run=run, step=slug).update(status=StepState.DONE, finished_at=start + timedelta(minutes=(i + 1) * minutes_per_step))
    current = SLUGS[min(done, len(SLUGS) - 1)]
    run.current_step = current
    run.save()
    if failed:
        StepState.objects.filter(run=run, step=current).update(status=StepState.FAILED, error_code=failed[0], error_message=failed[1], finished_at=now)
    if call_error:
        AwsCall.objects.create(run=run, step=current, service="iam", operation=call_error[0], ok=False, error_code=call_error[1])
    for i, (kind, params) in enumerate(refused):  # refused tries on the current step, a minute apart
        Refusal.objects.create(run=run, step=current, kind=kind, params=params, at=now - timedelta(minutes=len(refused) - i))
    return participant


def test_rows_show_step_time_errors_and_who_is_stuck(workshop):
    add_participant(workshop, "Fast", done=2)
    add_participant(workshop, "Failing", done=3, failed=("EntityAlreadyExists", "A user with that name already exists."))
    add_participant(workshop, "Slow", done=1, minutes_per_step=1, started_minutes_ago=25)
    add_participant(workshop, "Done", done=len(SLUGS))
    add_participant(workshop, "Quiet error", done=5, call_error=("CreateVirtualMFADevice", "LimitExceeded"))
    # Existence probes are not errors anybody made.
    probe = add_participant(workshop, "Probe", done=0)
    AwsCall.objects.create(run=probe.run, step="connect", service="iam", operation="GetAccountPasswordPolicy", ok=False, error_code="NoSuchEntity")

    rows = {r.participant.display_name: r for r in progress.dashboard_rows(workshop)}
    assert rows["Fast"].step_slug == SLUGS[2] and rows["Fast"].done == 2 and rows["Fast"].total == len(SLUGS) and not rows["Fast"].stuck
    assert rows["Failing"].stuck_reason == "last attempt failed" and rows["Failing"].error_code == "EntityAlreadyExists"
    assert rows["Slow"].stuck and rows["Slow"].minutes_on_step >= 23 and rows["Slow"].stuck_reason == "idle for 24 min"
    assert rows["Done"].finished and not rows["Done"].stuck and rows["Done"].done == len(SLUGS)
    assert rows["Quiet error"].error_code == "LimitExceeded" and "CreateVirtualMFADevice" in rows["Quiet error"].error_message
    assert rows["Probe"].error_code == "" and not rows["Probe"].stuck


def test_dashboard_marks_stuck_rows_with_words_not_only_colour(trainer_client, workshop):
    add_participant(workshop, "Failing", done=3, failed=("EntityAlreadyExists", "A user with that name already exists."))
    add_participant(workshop, "Fine", done=1)
    html = trainer_client.get(f"/trainer/workshops/{workshop.pk}/").content.decode()
    assert "⚠ Stuck: last attempt failed" in html and "1 stuck</strong>: Failing" in html
    assert "EntityAlreadyExists" in html and f"3 of {len(SLUGS)} steps" in html and f"1 of {len(SLUGS)} steps" in html
    assert 'data-live-url="/trainer/workshops/%d/live/"' % workshop.pk in html and "js/dashboard.js" in html
    assert "<script>" not in html and "style=" not in html
    fragment = trainer_client.get(f"/trainer/workshops/{workshop.pk}/live/")
    assert fragment["X-Dashboard-Fragment"] == "1" and "⚠ Stuck" in fragment.content.decode()
    assert re.fullmatch(r"rows;dur=[0-9.]+, cpu;dur=[0-9.]+", fragment["Server-Timing"])  # what the benchmark reads
    assert "<html" not in fragment.content.decode()


@pytest.mark.parametrize("url", ["/trainer/workshops/{pk}/", "/trainer/workshops/{pk}/live/", "/trainer/workshops/{pk}/live/?stuck=1&sort=name",
                                 "/trainer/workshops/{pk}/export.csv", "/trainer/workshops/{pk}/summary/"])
def test_query_count_does_not_grow_with_participants(trainer_client, workshop, url):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = trainer_client.get(url.format(pk=workshop.pk))
        assert response.status_code == 200
        return len(queries)

    for i in range(5):
        add_participant(workshop, f"p{i}", done=i % 7, failed=("X", "y") if i % 3 == 0 else None, call_error=("GetUser", "AccessDenied") if i % 2 else None,
                        refused=[("mfa.clock_off", {"minutes": i, "direction": "ahead"})] * (i % 5))
    small = count_queries()
    for i in range(5, 50):
        add_participant(workshop, f"p{i}", done=i % 7, failed=("X", "y") if i % 3 == 0 else None, call_error=("GetUser", "AccessDenied") if i % 2 else None,
                        refused=[("mfa.clock_off", {"minutes": i, "direction": "ahead"})] * (i % 5))
    assert count_queries() == small


def test_row_links_are_the_routes_of_each_action(trainer_client, workshop):
    """The live part builds each row's links from one prefix: they must stay the URLs the routes have."""
    participant = add_participant(workshop, "Ann", done=1)
    Participant.objects.filter(pk=participant.pk).update(help_requested_at=timezone.now())
    html = trainer_client.get(f"/trainer/workshops/{workshop.pk}/live/").content.decode()
    for name in ("help_done", "observe", "reset", "remove"):
        assert f'"{reverse(f"workshops:{name}", args=[workshop.pk, participant.pk])}"' in html, name


def test_a_reset_step_starts_afresh_on_the_dashboard(workshop):
    """Tries refused before a trainer reset the run from a step no longer count there, nor the time before."""
    mfa = SLUGS.index("mfa")
    participant = add_participant(workshop, "Max", done=mfa, refused=[("mfa.reversed", {})] * 4)
    assert progress.dashboard_rows(workshop)[0].stuck_reason == "4 tries refused on this step"
    reset_at = timezone.now() - timedelta(seconds=20)
    StepState.objects.filter(run=participant.run, step__in=SLUGS[mfa:]).update(reset_at=reset_at)
    row = progress.dashboard_rows(workshop)[0]
    assert (row.attempts, row.last_problem, row.stuck, row.entered_at) == (0, "", False, reset_at)
    Refusal.objects.create(run=participant.run, step="mfa", kind="mfa.invalid", params={})
    row = progress.dashboard_rows(workshop)[0]
    assert (row.attempts, row.last_problem) == (1, "MFA codes from another app entry, or mistyped")


def test_progress_export_as_csv(trainer_client, workshop):
    add_participant(workshop, "=HYPERLINK(\"http://evil\")", done=2)
    add_participant(workshop, "Failing", done=3, failed=("EntityAlreadyExists", "exists"))
    response = trainer_client.get(f"/trainer/workshops/{workshop.pk}/export.csv")
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_name = {r["participant"]: r for r in rows}
    assert set(by_name) == {"'=HYPERLINK(\"http://evil\")", "Failing"}  # a formula never reaches a spreadsheet
    failing = by_name["Failing"]
    assert failing["error_code"] == "EntityAlreadyExists" and failing["stuck"] == "last attempt failed" and failing["steps_done"] == "3"


def test_summary_completion_medians_errors_and_svg_chart(trainer_client, workshop):
    add_participant(workshop, "A", done=len(SLUGS), minutes_per_step=2)
    add_participant(workshop, "B", done=len(SLUGS), minutes_per_step=4)
    add_participant(workshop, "C", done=2, minutes_per_step=6, call_error=("CreateUser", "EntityAlreadyExists"))
    add_participant(workshop, "D", done=0, call_error=("CreateUser", "EntityAlreadyExists"))
    data = progress.summary(workshop)
    assert data["completion_rate"] == 50 and data["finished"] == 2
    assert data["medians"][0]["median"] == timedelta(minutes=4) and data["medians"][0]["count"] == 3
    assert data["errors"][0] == {"error_code": "EntityAlreadyExists", "operation": "CreateUser", "times": 2, "people": 2}
    html = trainer_client.get(f"/trainer/workshops/{workshop.pk}/summary/").content.decode()
    assert "<strong>50%</strong> completed" in html and html.count("<svg") == 2 and "<rect" in html
    assert "style=" not in html and "http://" not in html.split("<svg", 1)[1].split("</svg>")[0].replace("http://www.w3.org/2000/svg", "")


def test_bar_chart_escapes_labels():
    svg = bar_chart([("<b>x</b>", 3, "3"), ("y", 0, "0")], title="T & U")
    assert "&lt;b&gt;" in svg and "<b>" not in svg and "T &amp; U" in svg and 'width="0"' in svg
