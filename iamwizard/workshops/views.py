"""Thin views: forms validate, services act, progress reads, templates show."""
from urllib.parse import urlencode

import django_otp
from django.contrib import auth, messages
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from iamwizard.wizard.ratelimit import client_ip, retry_text
from iamwizard.wizard.views import RUN_ID

from . import lockouts, otp, progress, services
from .charts import bar_chart
from .forms import JoinForm, TokenForm, WorkshopForm
from .models import CleanupRecord, Participant, Workshop
from .otp import trainer_required


def _owned(request, pk) -> Workshop:
    """A workshop of the signed-in trainer; anyone else's is simply not found."""
    return get_object_or_404(Workshop, pk=pk, owner=request.user)


# --- trainer sign-in -----------------------------------------------------------------------------

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
            where = "in this browser" if known else "from your network" if locked.name == "trainer-login-address" else "for this user name"
            problem = f"You were not signed in: sign-in is paused, because {locked.count} wrong passwords were tried {where} just now. {retry_text(locked)}"
            status, retry_after = 429, locked.seconds_left
        elif form.is_valid():
            auth.login(request, form.get_user())
            response = redirect(f"{reverse('workshops:otp')}?{urlencode({auth.REDIRECT_FIELD_NAME: next_url})}")
            services.remember_browser(response, username)
            return response
        else:
            services.login_failed(client, username, known)
            status = 400
    response = render(request, "workshops/login.html", {"form": form, "next": next_url, "problem": problem}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


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
    context = {"form": form, "next": next_url, "enrolling": enrolling}
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
    return render(request, "workshops/create.html", {"form": form}, status=400 if form.errors else 200)


def _dashboard_context(workshop):
    rows = progress.dashboard_rows(workshop)
    return {"workshop": workshop, "rows": rows, "counts": progress.counts(rows)}


@trainer_required
def dashboard(request, pk):
    workshop = _owned(request, pk)
    return render(request, "workshops/dashboard.html", {**_dashboard_context(workshop), "lockouts": lockouts.current(workshop)})


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
        messages.info(request, "That limit was no longer refusing anyone: nothing to lift.")
    return redirect(f"{reverse('workshops:dashboard', args=[pk])}#lockouts")


@trainer_required
def dashboard_live(request, pk):
    """The live part of the dashboard, which static/js/dashboard.js fetches every few seconds."""
    workshop = _owned(request, pk)
    response = render(request, "workshops/_live.html", _dashboard_context(workshop))
    response["X-Dashboard-Fragment"] = "1"
    return response


@trainer_required
@require_POST
def close(request, pk):
    services.close_workshop(_owned(request, pk))
    return redirect("workshops:dashboard", pk=pk)


@trainer_required
@require_http_methods(["GET", "POST"])
def reset(request, pk, participant_pk):
    workshop = _owned(request, pk)
    participant = get_object_or_404(Participant.objects.select_related("run", "workshop"), pk=participant_pk, workshop=workshop)
    if request.method == "POST":
        record = services.reset_participant(participant, request.user)
        return redirect("workshops:report", pk=pk, record_pk=record.pk)
    return render(request, "workshops/confirm_reset.html", {"workshop": workshop, "participant": participant,
                                                            "user_name": participant.run.answers.get("user-details", {}).get("user_name", "")})


@trainer_required
@require_http_methods(["GET", "POST"])
def cleanup(request, pk):
    workshop = _owned(request, pk)
    if request.method == "POST":
        record = services.cleanup_workshop(workshop, request.user)
        return redirect("workshops:report", pk=pk, record_pk=record.pk)
    return render(request, "workshops/confirm_cleanup.html", {"workshop": workshop, "people": workshop.participants.count()})


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
        title="Median time per step", description="Median minutes participants took to finish each step.", ident="time-chart",
    )
    error_chart = bar_chart(
        [(code, times, f"{times}×") for code, times in data["errors_by_code"]],
        title="Most common AWS errors", description="How often each AWS error code came back.", ident="error-chart",
    )
    return render(request, "workshops/summary.html", {"workshop": workshop, "s": data, "time_chart": time_chart, "error_chart": error_chart})


# --- participants --------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def join(request):
    form = JoinForm(request.POST or None)
    status, retry_after = 200, 0
    if request.method == "POST":
        if form.is_valid():
            try:
                participant = services.join_workshop(form.cleaned_data["code"], form.cleaned_data["display_name"], client_ip(request))
            except services.JoinRefused as refused:
                form.add_error(refused.field, refused.message)
                status, retry_after = (429 if refused.retry_after else 400), refused.retry_after
            else:
                return redirect("workshops:welcome", run_id=participant.run_id)
        else:
            status = 400
    response = render(request, "workshops/join.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def welcome(request, run_id):
    """After joining: the workshop, the prefix rule, and the resume link (the run id is the only key)."""
    if not RUN_ID.fullmatch(run_id):
        raise Http404("No such participant")
    participant = get_object_or_404(Participant.objects.select_related("workshop", "run"), run_id=run_id)
    request.no_store = True
    return render(request, "workshops/welcome.html", {
        "participant": participant, "workshop": participant.workshop, "run": participant.run,
        "resume_url": request.build_absolute_uri(reverse("wizard:resume", args=[run_id])),
    })
