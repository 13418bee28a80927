"""Thin views: render a step, hand a posted form to the engine, follow its outcome."""
import copy
import functools
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from iamwizard.aws.gateway import AwsError
from iamwizard.core.cli import cli_command

from . import engine, links, operator_policy, policy_catalog, ratelimit, refusals, retention, rooms, vault
from .error_summary import summarise
from .models import AwsCall, StepState
from .steps import BY_SLUG
from .steps.sign_in_details import sign_in_csv as build_sign_in_csv


def _bound_context(request, run_id, slug) -> engine.StepContext:
    """The run's context for a browser that opened the run's resume link; otherwise 404 (no such
    run) or a 403 page that says how to resume (the id alone is a public reference)."""
    # Run ids are url-safe base64: the address's <run_id:…> converter (converters.py) lets
    # nothing else through, so nothing odd reaches the database.
    ctx = engine.load_context(run_id, slug)
    if ctx is None:
        raise Http404("No such run")
    if not links.is_bound(request, ctx.run):
        raise NotBound()
    return ctx


class NotBound(Exception):
    """This browser has not opened the run's current resume link."""


def _not_bound_page(request):
    request.no_store = True
    return render(request, "wizard/not_bound.html", {"continue_run": links.latest_bound_run(request)}, status=403)


def _with_bound_run(view):
    """Views of one run answer NotBound with the page that says how to resume."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotBound:
            return _not_bound_page(request)
    return wrapped


def _limited(request, name, ident, message):
    """A 429 page when `ident` went over the `name` rate limit, else None."""
    refused = ratelimit.hit(name, ident)
    return ratelimit.too_many(request, refused, message) if refused else None


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _step_url(run, slug):
    return reverse("wizard:step", args=[run.id, slug])


def _open_step_url(ctx):
    engine.reconcile(ctx)
    return _step_url(ctx.run, engine.first_open_step(ctx).slug)


@require_http_methods(["GET", "POST"])
def home(request):
    """The front door: what the wizard does, and Start, which begins a new run bound to this
    browser. A browser that has a run is offered to continue it. When the sandbox holds as many
    emulated accounts as allowed (retention.py), Start is replaced by a notice and starts nothing."""
    continue_run = links.latest_bound_run(request)
    if request.method == "POST":
        if continue_run is not None and rooms.keeps_browser(continue_run):
            return redirect(reverse("wizard:resume", args=[continue_run.id]))  # e.g. a workshop's run
        refused = _limited(request, "run-start", ratelimit.client_ip(request), _("Many new runs were started from your network just now."))
        if refused:
            return refused
        if _sandbox_full():
            return _home_page(request, continue_run, full=True, status=503)
        run = engine.start_run()
        links.issue(request, run, show=False)
        return redirect(_step_url(run, "connect"))
    return _home_page(request, continue_run, full=_sandbox_full())


def _sandbox_full() -> bool:
    return settings.IAMWIZARD_TARGET == "sandbox" and retention.sandbox_full()


def _home_page(request, continue_run, full=False, status=200):
    response = render(request, "wizard/home.html", {
        "continue_run": continue_run, "target": settings.IAMWIZARD_TARGET,
        "continue_user": continue_run.answers.get("user-details", {}).get("user_name", "") if continue_run else "",
        "start_allowed": continue_run is None or not rooms.keeps_browser(continue_run),
        "sandbox_full": full, "idle_days": settings.IAMWIZARD_RUN_IDLE_DAYS, "start_refused": status == 503,
    }, status=status)
    if status == 503:
        response["Retry-After"] = "3600"
    return response


@require_http_methods(["GET"])
def resume_link(request):
    """The resume link: bind the run to this browser, then carry on where it stopped, at step
    URLs that no longer carry the key."""
    request.no_store = True
    run = links.run_for_key(request.GET.get("key", ""))
    if run is None:
        return render(request, "wizard/link_not_valid.html", status=404)
    links.bind(request, run)
    return redirect(reverse("wizard:resume", args=[run.id]))


@require_http_methods(["GET"])
@_with_bound_run
def resume(request, run_id):
    """A run's own address: carry on at its first open step. A link from before resume keys
    (the run id itself) opens the run once more here, and is replaced by a new one."""
    legacy = links.legacy_run(run_id)
    if legacy is not None:
        links.issue(request, legacy)
    ctx = _bound_context(request, run_id, "")
    engine.touch(ctx.run)  # opened again: in use, whatever retention's idle clock said
    return redirect(_open_step_url(ctx))


@require_POST
@_with_bound_run
def new_resume_link(request, run_id):
    """Get a (new) resume link: shown once on the next page; the old link, and every other
    browser that opened it, stop working."""
    ctx = _bound_context(request, run_id, "")
    links.issue(request, ctx.run)
    slug = request.POST.get("step", "")
    return redirect(_step_url(ctx.run, slug) if slug in BY_SLUG else _open_step_url(ctx))


@sensitive_post_parameters()  # passwords, MFA codes, access keys: never in an error report
@never_cache
@require_http_methods(["GET", "POST"])
@_with_bound_run
def step_page(request, run_id, slug):
    """One wizard step: why it matters, what it will call, the form, and what AWS confirmed."""
    step = BY_SLUG.get(slug)
    if step is None:
        raise Http404("No such step")
    ctx = _bound_context(request, run_id, slug)
    run = ctx.run
    room = rooms.room_for(run)
    if room is not None and room.ended:  # e.g. the workshop is over: nothing more is made in AWS
        return render(request, room.ended_template, {"run": run, "room": room})
    if not engine.can_visit(ctx, slug):
        return redirect(_step_url(run, engine.first_open_step(ctx).slug))
    request.no_store = True  # pages may show a one-time secret: never cache them
    ctx.base_url = _base_url(request)
    bound, problem, status = {}, None, 200
    if request.method == "POST":
        refused = _limited(request, "run-post", run.id, _("This run received very many submits in a short time."))
        if refused:
            refusals.record_limit(run.id, slug, int(refused["Retry-After"]))
            return refused
        outcome = engine.submit(run, slug, request.POST, ctx)
        if outcome.redirect:
            state = ctx.states[slug]
            target = slug if state.status != StepState.DONE or step.show_result else engine.first_open_step(ctx).slug
            return redirect(_step_url(run, target))
        bound[outcome.action] = outcome.form
        problem = outcome.problem
        status = 400 if outcome.problem is None else 200
    ctx.query = request.GET
    context = _page_context(ctx, step, bound, problem)
    context.update(new_resume_link=links.pop_new_link(request, run), room=room)
    response = render(request, "wizard/step.html", context, status=status)
    if room is not None and room.shown:
        room.shown()
    return response


class _FormsByAction(dict):
    """A step's forms by action. Templates ask for each action they know; one not offered now is None."""

    def __missing__(self, action):
        if hasattr(dict, action):  # `forms.items` in a template: let Django find the method
            raise KeyError(action)
        return None


def _page_context(ctx, step, bound, problem):
    state = ctx.states[step.slug]
    frozen = engine.is_frozen(ctx, step.slug)
    forms = _FormsByAction()
    if not frozen and not (state.status == StepState.DONE and step.irreversible):
        for action in step.forms(ctx):
            forms[action] = bound.get(action) or engine.bind_form(step, ctx, action)
    nav, reachable = [], True  # a step is reachable once every step before it is done (engine.can_visit)
    for s in engine.applicable_steps(ctx):
        status = ctx.status(s.slug)
        nav.append({"slug": s.slug, "title": s.nav_title, "status": status, "current": s.slug == step.slug, "reachable": reachable})
        reachable = reachable and status in (StepState.DONE, StepState.SKIPPED)
    return {
        "run": ctx.run,
        # The run's address, reversed once: the page's links to its steps (the stepper, Next), its
        # progress and its resume form add the rest as the URLconf does ("<slug>/", "resume-link/"),
        # rather than a {% url %} each.
        "run_path": reverse("wizard:resume", args=[ctx.run.id]),
        "step": step.shown(ctx),
        "state": state,
        "nav": nav,
        "forms": forms,
        "frozen": frozen,
        "error_summary": summarise(next(iter(bound.values()), None), problem=problem, state=state),
        "planned": step.planned_calls(ctx) if ctx.status("connect") == StepState.DONE or step.slug == "connect" else [],
        "calls": _calls_made(ctx, step, state),
        "next_step": engine.first_open_step(ctx) if state.status == StepState.DONE else None,
        # Set by the page that shows them (every name a template asks for is defined: Django logs
        # a failed lookup with the whole context, which may hold a secret).
        "new_resume_link": None, "first_link": False, "room": None, "observer": None,
        "interrupted": engine.is_interrupted(state),
        "drawn_at": timezone.now().isoformat(),
        **step.context(ctx),
    }


# What an observer sees where the participant sees a secret: recognisably not the real thing.
OBSERVER_PASSWORD = "hidden-from-the-trainer"
OBSERVER_MFA_KEY = "HIDDENFROMTHETRAINERAAAA"  # valid base32, so the page draws as it does for them


def observer_page(request, run, heading):
    """See what they see: a run's current step as its owner sees it, read-only, with every secret
    replaced by a placeholder. For callers that checked the viewer's own right (a trainer's
    session); the run's binding is neither needed nor made."""
    observed = copy.copy(run)  # never saved: the placeholders live in this copy only
    observed.password_box = vault.seal(OBSERVER_PASSWORD) if run.password_box else b""
    observed.mfa_seed_box = vault.seal(OBSERVER_MFA_KEY) if run.mfa_seed_box else b""
    observed.observed = True  # for a secret held elsewhere (the root user's practice password): a step shows a placeholder
    ctx = engine.load_context(run.pk, "")
    step = engine.first_open_step(ctx)
    ctx = engine.StepContext(observed, step.slug, ctx.states)
    ctx.base_url = _base_url(request)
    request.no_store = True
    context = _page_context(ctx, step, {}, None)
    context.update(observer=heading, run=observed)
    return render(request, "wizard/step.html", context)


def _calls_made(ctx, step, state) -> list:
    """The step's recorded AWS calls since its last reset (a trainer's reset starts a fresh table),
    each with its AWS CLI command; an error the step expects (an answer, not a failure) says what
    it means."""
    calls = AwsCall.objects.filter(run=ctx.run, step=step.slug)
    if state.reset_at:
        calls = calls.filter(at__gte=state.reset_at)
    calls = list(calls.order_by("at", "id").values(*SHOWN_CALL_FIELDS)[:40])
    for call in calls:
        call["cli"] = cli_command(call["service"], call["operation"], call["parameters"])
        call["expected"] = "" if call["ok"] else step.expected_answer(ctx, call["operation"], call["error_code"])
    return calls


# The columns the calls table shows (templates/wizard/step.html): read as plain values, not models.
SHOWN_CALL_FIELDS = ("service", "operation", "parameters", "ok", "retried", "error_code", "attempt", "milliseconds", "request_id")


@require_http_methods(["GET"])
@_with_bound_run
def progress(request, run_id, slug):
    """What a submit is doing, polled by the page while it waits (static/js/wizard.js): the step's
    status and the run's AWS calls since `since` (when the page was drawn; by default since the
    step was last claimed), each as its name and outcome, never its parameters. Calls of every
    step count: a submit may load the policy catalogue first, or start the next step."""
    if slug not in BY_SLUG:
        raise Http404("No such step")
    since = since_moment(request)
    if since is False:
        return JsonResponse({"error": "since: a moment in ISO 8601, with its offset"}, status=400)
    ctx = _bound_context(request, run_id, slug)
    state = ctx.states[slug]
    since = since or state.started_at
    calls = AwsCall.objects.filter(run=ctx.run, at__gte=since) if since else AwsCall.objects.none()
    return progress_json(request, "interrupted" if engine.is_interrupted(state) else state.status, calls,
                         in_flight=engine.calls_in_flight(ctx.run.pk))


def since_moment(request):
    """The `since` parameter of a progress poll: an aware datetime; None when absent, False when not one."""
    text = request.GET.get("since")
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return False
    return moment if moment.tzinfo is not None else False


def progress_json(request, status, calls, limit=200, in_flight=()):
    """A progress poll's answer: the status, each ended call's name and outcome (never its
    parameters), and the names of the calls under way."""
    request.no_store = True
    rows = calls.order_by("at", "id").values_list("service", "operation", "ok", "error_code", "milliseconds", "attempt", "retried")[:limit]
    return JsonResponse({"status": status, "in_flight": list(in_flight), "calls": [
        {"call": f"{service}:{operation}", "ok": ok, "code": code, "ms": ms, "attempt": attempt, "retried": retried}
        for service, operation, ok, code, ms, attempt, retried in rows]})


@require_http_methods(["GET"])
@_with_bound_run
def policy_search(request, run_id):
    """Results while typing in the policy search (the page also works without it, by submitting)."""
    ctx = _bound_context(request, run_id, "permissions")
    if not engine.can_visit(ctx, "permissions"):
        raise Http404("Not available")
    query = request.GET.get("q", "").strip()[:100]
    try:
        results = policy_catalog.search(ctx, query)
    except AwsError as exc:
        return JsonResponse({"results": [], "error": exc.problem.message}, status=502)
    return JsonResponse({"results": [{"arn": e.arn, "name": e.name, "aws_managed": e.aws_managed} for e in results]})


@require_http_methods(["GET"])
def operator_policy_json(request):
    """The minimal IAM policy the wizard's operator needs on a real account, as a download."""
    response = HttpResponse(operator_policy.document_json(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="iam-wizard-operator-policy.json"'
    return response


@never_cache  # the file holds the new user's password
@require_POST
@_with_bound_run
def sign_in_csv(request, run_id):
    """Download .csv file: the console's columns, available only while the password still exists."""
    ctx = _bound_context(request, run_id, "sign-in-details")
    run = ctx.run
    if not engine.can_visit(ctx, "sign-in-details"):
        raise Http404("Not available")
    refused = _limited(request, "run-post", run.id, _("This run received very many submits in a short time."))
    if refused:
        return refused
    password = vault.unseal(run.password_box)
    if password is None:
        return redirect(_step_url(run, "sign-in-details"))
    ctx.base_url = _base_url(request)
    response = HttpResponse(build_sign_in_csv(ctx, password), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ctx.user_name}_credentials.csv"'
    response["Cache-Control"] = "no-store"
    return response
