"""The live dashboard: who is where, who is stuck on what, in a fixed number of queries; summary and CSV."""
import csv
import html as html_module
import io
import re
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
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
from tests.pages import Page
from tests.workshops.helpers import verify_session

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
                                 "/trainer/workshops/{pk}/export.csv", "/trainer/workshops/{pk}/summary/", "/trainer/workshops/{pk}/projector/live/"])
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


def test_live_rows_escape_what_people_typed_and_cut_long_messages(trainer_client, workshop):
    long_message = "User <ws-x> not authorized & " + "x" * 200
    failing = add_participant(workshop, "<b>Bo</b>", done=3, failed=("AccessDenied", long_message))
    Participant.objects.filter(pk=failing.pk).update(help_requested_at=timezone.now(), help_note='Is "this" <right>?')
    running = add_participant(workshop, "Ru", done=2)
    StepState.objects.filter(run=running.run, step=SLUGS[2]).update(status=StepState.RUNNING)
    html = trainer_client.get(f"/trainer/workshops/{workshop.pk}/live/").content.decode()
    assert "<b>Bo</b>" not in html and "&lt;b&gt;Bo&lt;/b&gt;" in html
    assert "Asks for help: “Is &quot;this&quot; &lt;right&gt;?”" in html
    assert '<code class="error-code">AccessDenied</code> <span class="error-message">User &lt;ws-x&gt; not authorized &amp; ' in html
    shown = Page(html).find("span", class_="error-message").raw_text
    assert len(shown) == 140 and shown.endswith("…")
    assert f'4. {html_module.escape(STEPS[3].nav_title or STEPS[3].title)} <span class="state-failed">(failed)</span>' in html
    assert f'3. {html_module.escape(STEPS[2].nav_title or STEPS[2].title)} (running)' in html


def test_live_part_is_not_sent_again_while_nothing_it_shows_changed(trainer, workshop):
    """The page sends the ETag of what it shows; the same rows drawn again (at another second, with
    another masked CSRF token) answer 304 and no body. A change answers the whole part."""
    browser = verify_session(Client(enforce_csrf_checks=True), *trainer)
    url = f"/trainer/workshops/{workshop.pk}/live/"
    done = add_participant(workshop, "Done", done=len(SLUGS))  # finished: nothing on the row moves with time
    Participant.objects.filter(pk=done.pk).update(help_requested_at=timezone.now(), help_note="thanks")
    first = browser.get(url)
    etag = first["ETag"]
    html = first.content.decode()
    assert first.status_code == 200 and "Asks for help" in html and "stand" not in html
    time.sleep(1.1)  # another second on the clock, which the part also shows
    again = browser.get(url, HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"], again["X-Dashboard-Fragment"]) == (304, b"", etag, "1")
    assert re.fullmatch(r"rows;dur=[0-9.]+, cpu;dur=[0-9.]+", again["Server-Timing"])
    # The drawn time and the "Helped" form's token are the real ones: the form works.
    drawn = Page(html).find("time", data_local="time")
    assert datetime.fromisoformat(drawn["datetime"]) and datetime.strptime(drawn.text, "%H:%M:%S UTC")
    token = Page(html).find("input", name="csrfmiddlewaretoken")["value"]
    helped = reverse("workshops:help_done", args=[workshop.pk, done.pk])
    assert browser.post(helped, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert browser.post(helped, {"csrfmiddlewaretoken": token}).status_code == 302
    # Something shown changed (the flag went down): the whole part again, with another ETag.
    changed = browser.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and "Asks for help" not in changed.content.decode()
    add_participant(workshop, "Late", done=len(SLUGS))
    assert "Late" in browser.get(url, HTTP_IF_NONE_MATCH=changed["ETag"]).content.decode()
    # Another view of the same rows (sorted, filtered) is another part, with its own ETag.
    assert browser.get(f"{url}?stuck=1", HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_projector_counts_read_two_counts(trainer_client, workshop):
    add_participant(workshop, "Done", done=len(SLUGS))
    add_participant(workshop, "Half", done=4)
    add_participant(workshop, "Failed last", done=len(SLUGS) - 1, failed=("X", "y"))
    assert progress.room_counts(workshop) == {"participants": 3, "finished": 1}
    with CaptureQueriesContext(connection) as queries:
        html = trainer_client.get(f"/trainer/workshops/{workshop.pk}/projector/live/").content.decode()
    assert '<span class="count">3</span> joined · <span class="count">1</span> finished' in html
    progress_queries = [q["sql"] for q in queries if "wizard_stepstate" in q["sql"] or "workshops_participant" in q["sql"]]
    assert len(progress_queries) == 2 and all("COUNT(" in sql for sql in progress_queries), progress_queries


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
