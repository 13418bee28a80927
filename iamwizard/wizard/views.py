"""Thin views: render a step, hand a posted form to the engine, follow its outcome."""
import re

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from iamwizard.aws.gateway import AwsError

from . import engine, operator_policy, policy_catalog, ratelimit, vault
from .models import AwsCall, StepState
from .steps import BY_SLUG
from .steps.sign_in_details import sign_in_csv as build_sign_in_csv


RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _context_or_404(run_id, slug) -> engine.StepContext:
    # Run ids are url-safe base64: anything else (NUL, which PostgreSQL refuses outright, overlong
    # or odd characters) is no run, and never reaches the database.
    ctx = engine.load_context(run_id, slug) if RUN_ID.fullmatch(run_id) else None
    if ctx is None:
        raise Http404("No such run")
    return ctx


def _limited(request, name, ident, message):
    """A 429 page when `ident` went over the `name` rate limit, else None."""
    refused = ratelimit.hit(name, ident)
    return ratelimit.too_many(request, refused, message) if refused else None


def _step_url(run, slug):
    return reverse("wizard:step", args=[run.id, slug])


@require_http_methods(["GET", "POST"])
def home(request):
    """The front door: what the wizard does, and a button that starts a new run."""
    if request.method == "POST":
        refused = _limited(request, "run-start", ratelimit.client_ip(request), "Many new runs were started from your network just now.")
        if refused:
            return refused
        run = engine.start_run()
        return redirect(_step_url(run, "connect"))
    return render(request, "wizard/home.html")


@require_http_methods(["GET"])
def resume(request, run_id):
    """The resume link: carry on where the run stopped, from any browser."""
    ctx = _context_or_404(run_id, "")
    run = ctx.run
    engine.reconcile(ctx)
    return redirect(_step_url(run, engine.first_open_step(ctx).slug))


@require_http_methods(["GET", "POST"])
def step_page(request, run_id, slug):
    """One wizard step: why it matters, what it will call, the form, and what AWS confirmed."""
    step = BY_SLUG.get(slug)
    if step is None:
        raise Http404("No such step")
    ctx = _context_or_404(run_id, slug)
    run = ctx.run
    if not engine.can_visit(ctx, slug):
        return redirect(_step_url(run, engine.first_open_step(ctx).slug))
    request.no_store = True  # pages may show a one-time secret: never cache them
    bound, problem, status = {}, None, 200
    if request.method == "POST":
        refused = _limited(request, "run-post", run.id, "This run received very many submits in a short time.")
        if refused:
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
    return render(request, "wizard/step.html", _page_context(ctx, step, bound, problem), status=status)


def _page_context(ctx, step, bound, problem):
    state = ctx.states[step.slug]
    frozen = engine.is_frozen(ctx, step.slug)
    forms = {}
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
        "step": step,
        "state": state,
        "nav": nav,
        "forms": forms,
        "frozen": frozen,
        "problem": problem,
        "planned": step.planned_calls(ctx) if ctx.status("connect") == StepState.DONE or step.slug == "connect" else [],
        "calls": AwsCall.objects.filter(run=ctx.run, step=step.slug).order_by("at", "id")[:40],
        "next_step": engine.first_open_step(ctx) if state.status == StepState.DONE else None,
        "resume_url": reverse("wizard:resume", args=[ctx.run.id]),
        **step.context(ctx),
    }


@require_http_methods(["GET"])
def policy_search(request, run_id):
    """Results while typing in the policy search (the page also works without it, by submitting)."""
    ctx = _context_or_404(run_id, "permissions")
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


@require_POST
def sign_in_csv(request, run_id):
    """Download .csv file: the console's columns, available only while the password still exists."""
    ctx = _context_or_404(run_id, "sign-in-details")
    run = ctx.run
    if not engine.can_visit(ctx, "sign-in-details"):
        raise Http404("Not available")
    refused = _limited(request, "run-post", run.id, "This run received very many submits in a short time.")
    if refused:
        return refused
    password = vault.unseal(run.password_box)
    if password is None:
        return redirect(_step_url(run, "sign-in-details"))
    response = HttpResponse(build_sign_in_csv(ctx, password), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ctx.user_name}_credentials.csv"'
    response["Cache-Control"] = "no-store"
    return response
