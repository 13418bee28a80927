"""Thin views: forms validate, services act, progress reads, templates show."""
import hashlib
import secrets
import time
from urllib.parse import urlencode

import django_otp
from django.contrib import auth, messages
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from django.utils.translation import gettext as _

from iamwizard.core.totp import qr_svg
from iamwizard.wizard import links
from iamwizard.wizard.error_summary import summarise
from iamwizard.wizard.models import AwsCall
from iamwizard.wizard.steps import BY_SLUG
from iamwizard.wizard.ratelimit import client_ip, retry_text

from . import live_table, lockouts, otp, progress, services
from .charts import bar_chart
from .forms import BroadcastForm, HelpForm, JoinForm, ResetForm, StuckForm, TokenForm, WorkshopForm
from .models import CleanupRecord, Participant, Workshop
from .otp import trainer_required


def _owned(request, pk) -> Workshop:
    """A workshop of the signed-in trainer; anyone else's is simply not found."""
    return get_object_or_404(Workshop, pk=pk, owner=request.user)


# --- trainer sign-in -----------------------------------------------------------------------------

@sensitive_post_parameters()  # the trainer's password
@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    request.no_store = True
    next_url = otp.safe_next(request)
    form = AuthenticationForm(request, data=request.POST or None)
    status, problem, retry_after = 200, "", 0
    if request.method == "POST":
        client, username = client_ip(request), request.POST.get("username", "")
        known = services.known_browser(request, username)
        locked = services.login_locked(client, username, known)
        if locked:
            form = AuthenticationForm(request)
            if known:
                problem = _("You were not signed in: sign-in is paused, because %(count)s wrong passwords were tried in this browser just now.")
            elif locked.name == "trainer-login-address":
                problem = _("You were not signed in: sign-in is paused, because %(count)s wrong passwords were tried from your network just now.")
            else:
                problem = _("You were not signed in: sign-in is paused, because %(count)s wrong passwords were tried for this user name just now.")
            problem = problem % {"count": locked.count} + " " + retry_text(locked)
            status, retry_after = 429, locked.seconds_left
        elif form.is_valid():
            auth.login(request, form.get_user())
            response = redirect(f"{reverse('workshops:otp')}?{urlencode({auth.REDIRECT_FIELD_NAME: next_url})}")
            services.remember_browser(response, username)
            return response
        else:
            services.login_failed(client, username, known)
            status = 400
    response = render(request, "workshops/login.html", {"form": form, "next": next_url, "error_summary": summarise(form, messages=[problem] if problem else [])}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@sensitive_post_parameters()  # the one-time code
@never_cache
@require_http_methods(["GET", "POST"])
def otp_step(request):
    """Second factor: enrol an authenticator app the first time (QR code), then type its code."""
    if not request.user.is_authenticated:
        return redirect("workshops:login")
    request.no_store = True  # the enrolment page shows the new secret key
    next_url = otp.safe_next(request)
    if request.user.is_verified():
        return redirect(next_url)
    device = otp.confirmed_device(request.user)
    enrolling = device is None
    if enrolling:
        device = otp.enrolment_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = otp.check_token(device, form.cleaned_data["token"])
        if not problem:
            django_otp.login(request, device)
            return redirect(next_url)
        form.add_error("token", problem)
    context = {"form": form, "next": next_url, "enrolling": enrolling, "error_summary": summarise(form)}
    if enrolling:
        context.update(otp.enrolment_context(device))
    return render(request, "workshops/otp.html", context, status=400 if form.errors else 200)


@require_POST
def logout(request):
    auth.logout(request)
    return redirect("workshops:login")


# --- trainer pages -------------------------------------------------------------------------------

@trainer_required
def home(request):
    workshops = Workshop.objects.filter(owner=request.user).annotate(people=Count("participants"))
    return render(request, "workshops/home.html", {"workshops": workshops})


@trainer_required
@require_http_methods(["GET", "POST"])
def create(request):
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workshop = services.create_workshop(request.user, form.cleaned_data)
        return redirect("workshops:dashboard", pk=workshop.pk)
    return render(request, "workshops/create.html", {"form": form, "error_summary": summarise(form)}, status=400 if form.errors else 200)


def _dashboard_context(request, workshop, csrf_token=None, updated=None):
    """The participants table, sorted and filtered as the page's GET parameters say (?sort=name&stuck=1).
    `csrf_token` and `updated` (ISO time, clock time) stand in for the page's own when given."""
    sort = request.GET.get("sort", "stuck")
    sort = sort if sort in progress.SORTS else "stuck"
    stuck_only = request.GET.get("stuck") == "1"
    now = timezone.now()
    rows = progress.dashboard_rows(workshop, now=now, sort=sort)
    shown = [r for r in rows if r.needs_trainer] if stuck_only else rows
    view = {**({"sort": sort} if sort != "stuck" else {}), **({"stuck": "1"} if stuck_only else {})}
    participants_url = reverse("workshops:dashboard", args=[workshop.pk]) + "participants/"  # each row's actions (urls.py)
    updated_at, updated_clock = updated or (now.isoformat(), now.strftime("%H:%M:%S"))
    return {
        "workshop": workshop, "counts": progress.counts(rows), "rows": shown,
        "rows_html": live_table.rows_html(shown, participants_url, csrf_token or get_token(request)),
        "updated_at": updated_at, "updated_clock": updated_clock,
        "sort": sort, "sorts": [(key, words) for key, (words, _order) in progress.SORTS.items()], "stuck_only": stuck_only,
        "view_query": urlencode(view),
    }


def _dashboard_page(request, workshop, broadcast_form=None, status=200):
    context = {
        **_dashboard_context(request, workshop), "lockouts": lockouts.current(workshop),
        "broadcast_form": broadcast_form or BroadcastForm(), "error_summary": summarise(broadcast_form),
        "join_address": request.build_absolute_uri(reverse("workshops:join")),
    }
    return render(request, "workshops/dashboard.html", context, status=status)


@trainer_required
def dashboard(request, pk):
    """The trainer's live view of the room. A workshop past its closing time is closed here (and
    cleaned up, where set) if `manage.py close_workshops` has not done it yet."""
    workshop = _owned(request, pk)
    record = services.close_if_ended(workshop, request.user)
    if record is not None:
        messages.info(request, _("The workshop reached its closing time, so it was closed and cleaned up: the report is under Earlier cleanups."))
    return _dashboard_page(request, workshop)


@trainer_required
def lockouts_live(request, pk):
    """The dashboard's rate-limit panel, which static/js/lockouts.js fetches every few seconds."""
    workshop = _owned(request, pk)
    response = render(request, "workshops/_lockouts.html", {"workshop": workshop, "lockouts": lockouts.current(workshop)})
    response["X-Dashboard-Fragment"] = "1"
    return response


@trainer_required
@require_POST
def lift_lockout(request, pk):
    """Lift one rate-limit lockout that touches the trainer's workshop (only those the dashboard shows)."""
    workshop = _owned(request, pk)
    lifted = lockouts.lift(workshop, request.POST.get("limit", ""), request.POST.get("target", ""))
    if lifted:
        messages.success(request, lifted.lifted_text)
    else:
        messages.info(request, _("That limit was no longer refusing anyone: nothing to lift."))
    return redirect(f"{reverse('workshops:dashboard', args=[pk])}#lockouts")


# Stands in for what differs at every drawing of the live part although nothing changed (the time
# it was drawn, the masked CSRF token) while its ETag is computed: unguessable, so no name can forge it.
_STAND_IN = secrets.token_hex(16)


@trainer_required
def dashboard_live(request, pk):
    """The live part of the dashboard, which static/js/dashboard.js fetches every few seconds. Its
    Server-Timing header says what reading and drawing the rows took: wall and CPU milliseconds.

    Its ETag is a digest of what it shows (rows, counts, times on step), leaving out only the time it
    was drawn and the CSRF token: when the page sends the ETag it has (If-None-Match) and nothing it
    shows changed, the answer is 304 Not Modified, without the 200 rows (some 140 KB), and the page
    keeps its table (and the trainer's place in it) as it is."""
    started, cpu = time.perf_counter(), time.thread_time()
    workshop = _owned(request, pk)
    csrf, drawn_at, drawn_clock = (f"{what}-{_STAND_IN}" for what in ("csrf", "drawn-at", "drawn-clock"))
    html = render_to_string("workshops/_live.html", _dashboard_context(request, workshop, csrf, (drawn_at, drawn_clock)), request=request)
    etag = quote_etag(hashlib.sha256(html.encode()).hexdigest()[:32])
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        now = timezone.now()
        response = HttpResponse(html.replace(csrf, get_token(request)).replace(drawn_at, now.isoformat()).replace(drawn_clock, now.strftime("%H:%M:%S")))
    response["ETag"] = etag
    response["X-Dashboard-Fragment"] = "1"
    response["Server-Timing"] = f"rows;dur={(time.perf_counter() - started) * 1000:.1f}, cpu;dur={(time.thread_time() - cpu) * 1000:.1f}"
    return response


@trainer_required
@require_http_methods(["GET", "POST"])
def stuck_settings(request, pk):
    """When a participant counts as stuck: refused tries on a step, idle minutes."""
    workshop = _owned(request, pk)
    form = StuckForm(request.POST or None, instance=workshop)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("workshops:dashboard", pk=pk)
    return render(request, "workshops/stuck_settings.html", {"workshop": workshop, "form": form}, status=400 if form.errors else 200)


@trainer_required
@require_POST
def close(request, pk):
    """Close the workshop; with "clean up when it closes" on, its cleanup report follows."""
    record = services.close_workshop(_owned(request, pk), request.user)
    if record is not None:
        return redirect("workshops:report", pk=pk, record_pk=record.pk)
    return redirect("workshops:dashboard", pk=pk)


def _participant(request, pk, participant_pk):
    workshop = _owned(request, pk)
    return workshop, get_object_or_404(Participant.objects.select_related("run", "workshop"), pk=participant_pk, workshop=workshop)


@trainer_required
@require_http_methods(["GET", "POST"])
def reset(request, pk, participant_pk):
    """Reset a participant, from the start or from one step on, after a confirmation."""
    workshop, participant = _participant(request, pk, participant_pk)
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record = services.reset_participant(participant, request.user, form.cleaned_data["from_step"])
        return redirect("workshops:report", pk=pk, record_pk=record.pk)
    return render(request, "workshops/confirm_reset.html", {
        "workshop": workshop, "participant": participant, "form": form, "error_summary": summarise(form),
        "user_name": participant.run.answers.get("user-details", {}).get("user_name", ""),
    }, status=400 if form.errors else 200)


@trainer_required
@require_http_methods(["GET", "POST"])
def remove(request, pk, participant_pk):
    """Remove a duplicate or stray participant row (its AWS resources first), after a confirmation."""
    workshop, participant = _participant(request, pk, participant_pk)
    if request.method == "POST":
        record = services.remove_participant(participant, request.user)
        return redirect("workshops:report", pk=pk, record_pk=record.pk)
    return render(request, "workshops/confirm_remove.html", {
        "workshop": workshop, "participant": participant,
        "user_name": participant.run.answers.get("user-details", {}).get("user_name", ""),
    })


@trainer_required
@require_POST
def help_done(request, pk, participant_pk):
    """The trainer has helped: the participant's flag goes down."""
    _, participant = _participant(request, pk, participant_pk)
    services.help_given(participant)
    return redirect(f"{reverse('workshops:dashboard', args=[pk])}#participant-{participant.pk}")


@trainer_required
@require_POST
def broadcast(request, pk):
    """A short message to the room, shown on every participant's page; an empty one takes it down."""
    workshop = _owned(request, pk)
    form = BroadcastForm(request.POST)
    if form.is_valid():
        services.broadcast(workshop, form.cleaned_data["message"])
        return redirect("workshops:dashboard", pk=pk)
    return _dashboard_page(request, workshop, broadcast_form=form, status=400)


@trainer_required
def projector(request, pk):
    """For the projector: the join code in large type, a QR code that opens the join page with
    the code filled in, and live counts of who joined and finished."""
    workshop = _owned(request, pk)
    join_url = request.build_absolute_uri(f"{reverse('workshops:join')}?{urlencode({'code': workshop.join_code_display})}")
    return render(request, "workshops/projector.html", {
        "workshop": workshop, "join_url": join_url, "qr_svg": qr_svg(join_url), **_counts_context(workshop),
    })


@trainer_required
def projector_live(request, pk):
    workshop = _owned(request, pk)
    response = render(request, "workshops/_projector_counts.html", {"workshop": workshop, **_counts_context(workshop)})
    response["X-Dashboard-Fragment"] = "1"
    return response


def _counts_context(workshop):
    return {"counts": progress.room_counts(workshop)}


@trainer_required
@require_http_methods(["GET"])
def observe(request, pk, participant_pk):
    """See what they see: the participant's current step, read-only, with every secret hidden,
    through the trainer's own session (never the participant's link)."""
    _, participant = _participant(request, pk, participant_pk)
    from iamwizard.wizard.views import observer_page

    return observer_page(request, participant.run, heading=participant.display_name)


@trainer_required
@require_http_methods(["GET", "POST"])
def cleanup(request, pk):
    workshop = _owned(request, pk)
    if request.method == "POST":
        record = services.cleanup_workshop(workshop, request.user)
        return redirect("workshops:report", pk=pk, record_pk=record.pk)
    return render(request, "workshops/confirm_cleanup.html", {"workshop": workshop, "people": workshop.participants.count(),
                                                               "since": timezone.now().isoformat()})


@trainer_required
@require_http_methods(["GET"])
def cleanup_progress(request, pk):
    """What a cleanup pass has done so far, polled by the confirm page while the pass runs
    (static/js/wizard.js): the workshop's cleanup calls since the page was drawn (`since`), each as
    its name and outcome."""
    from iamwizard.wizard.views import progress_json, since_moment

    workshop = _owned(request, pk)
    since = since_moment(request)
    if not since:
        return JsonResponse({"error": "since: a moment in ISO 8601, with its offset"}, status=400)
    calls = AwsCall.objects.filter(run__participant__workshop=workshop, step=progress.CLEANUP_SLUG, at__gte=since)
    return progress_json(request, "running", calls, limit=500)


@trainer_required
def report(request, pk, record_pk):
    workshop = _owned(request, pk)
    record = get_object_or_404(CleanupRecord, pk=record_pk, workshop=workshop)
    return render(request, "workshops/report.html", {"workshop": workshop, "record": record})


@trainer_required
def export_csv(request, pk):
    workshop = _owned(request, pk)
    response = HttpResponse(progress.progress_csv(workshop), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workshop-{workshop.pk}-progress.csv"'
    return response


@trainer_required
def summary(request, pk):
    workshop = _owned(request, pk)
    data = progress.summary(workshop)
    time_chart = bar_chart(
        [(m["title"], m["median"].total_seconds() / 60, progress.duration_label(m["median"])) for m in data["medians"] if m["median"] is not None],
        title=_("Median time per step"), description=_("Median minutes participants took to finish each step."), ident="time-chart",
    )
    error_chart = bar_chart(
        [(code, times, f"{times}×") for code, times in data["errors_by_code"]],
        title=_("Most common AWS errors"), description=_("How often each AWS error code came back."), ident="error-chart",
    )
    return render(request, "workshops/summary.html", {"workshop": workshop, "s": data, "time_chart": time_chart, "error_chart": error_chart})


# --- participants --------------------------------------------------------------------------------

@sensitive_post_parameters("code")  # the workshop's join code
@never_cache
@require_http_methods(["GET", "POST"])
def join(request):
    """Join with the trainer's code and a name. The run is bound to this browser; joining again
    from it with the same code and name returns the same participant. The projector's QR code
    opens this page with the code filled in (`?code=`)."""
    form = JoinForm(request.POST or None, initial={"code": request.GET.get("code", "")[:20]})
    status, retry_after = 200, 0
    if request.method == "POST":
        if form.is_valid():
            try:
                participant, joined_now = services.join_workshop(
                    form.cleaned_data["code"], form.cleaned_data["display_name"], client_ip(request),
                    returning=services.participant_of(links.latest_bound_run(request)),
                )
            except services.JoinRefused as refused:
                form.add_error(refused.field, refused.message)
                status, retry_after = (429 if refused.retry_after else 400), refused.retry_after
            else:
                if joined_now:
                    links.issue(request, participant.run)
                request.session[WELCOMED] = participant.run_id
                return redirect("workshops:welcome")
        else:
            status = 400
    response = render(request, "workshops/join.html", {"form": form, "error_summary": summarise(form)}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


WELCOMED = "workshops_welcomed_run"


def welcome(request):
    """After joining: the workshop, the prefix rule, and the resume link, shown once."""
    run = links.latest_bound_run(request)
    participant = services.participant_of(run) if run and run.pk == request.session.get(WELCOMED) else None
    if participant is None:
        return redirect("workshops:join")
    request.no_store = True
    return render(request, "workshops/welcome.html", {
        "participant": participant, "workshop": participant.workshop, "run": run,
        "new_resume_link": links.pop_new_link(request, run),
    })


def _own_participant(request, run_id):
    """The participant whose run this browser is bound to, or 404 / 403."""
    run = links.bound_run(request, run_id)
    participant = services.participant_of(run)
    if participant is None:
        raise Http404("Not a workshop participant")
    return participant


@require_POST
def ask_help(request, run_id):
    """"I need help" (or "I'm fine now"): the participant's flag on the trainer's dashboard."""
    participant = _own_participant(request, run_id)
    form = HelpForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", {"message": " ".join(e for errors in form.errors.values() for e in errors)}, status=400)
    if form.cleaned_data["action"] == "ask":
        services.ask_for_help(participant, form.cleaned_data["note"])
    else:
        services.help_given(participant)
    step = request.POST.get("step", "")
    return redirect(reverse("wizard:step", args=[run_id, step]) if step in BY_SLUG else reverse("wizard:resume", args=[run_id]))


def room(request, run_id):
    """What a participant's page refreshes by itself: the trainer's message, and the help flag."""
    participant = _own_participant(request, run_id)
    workshop = participant.workshop
    response = JsonResponse({
        "broadcast": workshop.broadcast, "broadcast_at": workshop.broadcast_at.isoformat() if workshop.broadcast_at else None,
        "help_requested": participant.help_requested_at is not None, "ended": workshop.has_ended(),
    })
    response["Cache-Control"] = "no-store"
    return response
