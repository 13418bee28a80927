"""The step engine: walks a run through the ordered steps.

It validates a posted step, executes it once under a claim (claims.py), records the outcome,
and advances the run to its next open step, running automatic steps; it also checks a resumed
run against AWS (`reconcile`), puts a run back at a step (`reset_from`) and starts runs. AWS
calls happen outside any database transaction, so a slow AWS never holds a lock.

What a step sees of its run (StepContext) and where the run stands live in step_context.py;
their names are re-exported here, so the views and the workshops speak to one module.
"""
import dataclasses
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iamwizard.aws.gateway import AwsError, Gateway, Target, seconds_left
from iamwizard.core import consistency
from iamwizard.core.errors import AwsProblem

from . import claims, refusals, vault, words
from .claims import is_interrupted
from .models import Run, StepState
from .step_context import (
    StepContext, states_with_run, announce_calls, applicable_steps, calls_in_flight, can_visit, context_for,
    first_open_step, is_frozen, load_context, load_states, new_sandbox_account_id, prepare, sandbox_endpoint,
    sandbox_endpoints_configured, target_for,
)
from .steps import STEPS, BY_SLUG
from .steps.base import NotYetVisible, StepInputError, StepNotConfirmed

# The flow's own names, and those of the step context and claims that the views, the workshops
# and the tests take from here.
__all__ = [
    "Outcome", "bind_form", "pick_action", "submit", "verify_settled", "unsettled_words", "reconcile", "reset_from",
    "touch", "start_run", "prepare",
    "StepContext", "announce_calls", "applicable_steps", "calls_in_flight", "can_visit", "context_for",
    "first_open_step", "is_frozen", "is_interrupted", "load_context", "load_states", "sandbox_endpoint",
    "sandbox_endpoints_configured", "target_for",
]

@dataclass
class Outcome:
    """What the view does after a submit: follow `redirect`, or re-render `form` with its errors.
    Either way the submitted context's run and states are what the database now holds."""

    redirect: bool = False
    form: object = None
    action: str = ""
    problem: AwsProblem | None = None


def bind_form(step, ctx, action, data=None):
    form_class = step.forms(ctx).get(action)
    if form_class is None:
        return None
    return form_class(data=data, ctx=ctx, initial=step.initial(ctx, action))


def pick_action(step, ctx, post) -> str:
    actions = list(step.forms(ctx))
    requested = post.get("action", "")
    if requested in actions:
        return requested
    return actions[0] if actions else ""


def submit(run: Run, slug: str, post, ctx: StepContext | None = None) -> Outcome:
    """Validate the posted form, then execute the step once, record the outcome and advance.
    `ctx` is the run's context when the caller has just loaded it (saves reading it again).
    A refused submit leaves what was wrong (kinds and parameters, never the input) as Refusal rows."""
    outcome = _submit(run, slug, post, ctx)
    if not outcome.redirect:
        refusals.record(run.pk, slug, refusals.outcome_problems(outcome))
    return outcome


def _submit(run: Run, slug: str, post, ctx: StepContext | None = None) -> Outcome:
    step = BY_SLUG[slug]
    ctx = ctx if ctx is not None else context_for(run, slug)
    if is_frozen(ctx, slug):
        return Outcome(redirect=True)  # the page then says the step is done and frozen
    action = pick_action(step, ctx, post)
    form = bind_form(step, ctx, action, post)
    if form is not None and not form.is_valid():
        return Outcome(form=form, action=action)
    data = form.cleaned_data if form is not None else {}
    state = ctx.states[slug]
    previous_status = state.status
    claimed = claims.claim(state, allow_done=not step.irreversible, run=ctx.run)
    if not claimed:
        claims.wait_for_other(state)  # another request works on it: its outcome, or its claim ran out
        if not (is_interrupted(state) and claims.claim(state, allow_done=False)):
            _reload(ctx)
            return Outcome(redirect=True)
        previous_status = StepState.PENDING  # taken over from a process that stopped mid-step
        claimed = claims.CHANGED
    if claimed != claims.UNCHANGED:  # what this request read may be stale: read it again
        _reload(ctx)
        state = ctx.states[slug]
        if is_frozen(ctx, slug):  # a later irreversible step finished while this request was on its way
            claims.release(state, previous_status)
            return Outcome(redirect=True)  # the page then says the step is done and frozen
    ctx.run_read_at_claim = True
    try:
        return _execute_claimed(step, ctx, state, action, form, data, previous_status)
    finally:
        ctx.run_read_at_claim = False


def _reload(ctx: StepContext):
    """Read the run and its states again.

    After a claim, what this request read before may be stale: another request may have run
    this step (or an attempt of it that failed half-way) in between. The claim holder works
    from the database's truth, so it sees the device, progress markers or answers the other
    one left. Not needed when the claim found the step's state and the run as this request read
    them (claims.UNCHANGED): nothing it works from changed since."""
    run, ctx.states = states_with_run(ctx.run.pk, with_room=False)  # the room was read with the page
    # The context's run object stays the one the caller holds, with the database's values.
    for name in [f.attname for f in Run._meta.concrete_fields]:
        setattr(ctx.run, name, getattr(run, name))
    for state in ctx.states.values():
        state.run = ctx.run


def _execute_claimed(step, ctx, state, action, form, data, previous_status) -> Outcome:
    """Execute the claimed step and record its outcome. The run's fields the step saves are
    written together in one UPDATE (StepContext.save_run), before the step's outcome (a step
    that shows done has its answers and secrets written), and before any AWS call of the step;
    when the step is done, the run's move to its next step (current_step) goes with them."""
    ctx.hold_writes()
    try:
        with claims.Heartbeat(state):
            result = step.execute(ctx, action, data) or {}
            merged = {**state.result, **result}
            if step.completes(action, merged):
                merged["verified"] = verify_settled(step, ctx, merged)
    except StepInputError as exc:
        ctx.write_held()
        claims.release(state, previous_status)
        if form is not None:
            form.add_error(exc.field, exc.error)
        return Outcome(form=form, action=action)
    except AwsError as exc:
        ctx.write_held()
        problem = exc.problem
        if exc.unsettled:  # the words say why, and what to do
            problem = dataclasses.replace(problem, worded=unsettled_words(exc), retryable=False, not_visible_yet=True)
        claims.fail(state, problem.code, problem.message, failure_words(exc, problem))
        if form is not None:
            form.add_error(None, problem.message)
        return Outcome(form=form, action=action, problem=problem)
    except StepNotConfirmed as exc:
        ctx.write_held()
        claims.fail(state, "NotConfirmed", str(exc), exc.words)
        if form is not None:
            form.add_error(None, exc.error)
        return Outcome(form=form, action=action)
    except BaseException:
        try:
            ctx.write_held()
        finally:
            claims.release(state, previous_status)
        raise
    done = step.completes(action, merged)
    outcome = {"status": StepState.DONE if done else StepState.PENDING, "result": merged, "error_code": "", "error_message": "", "error_words": {}, "lease_until": None}
    if done:
        outcome["finished_at"] = timezone.now()
    for name, value in outcome.items():  # (what the next step is may depend on it)
        setattr(state, name, value)
    if done:
        was_at, moved_to = ctx.run.current_step, _next_open_step(ctx).slug
        ctx.run.current_step = moved_to
        ctx.write_held("current_step")
    else:
        ctx.write_held()
    if not claims.own_claim(state).update(**outcome):
        # This request stalled past its lease and another one took the step over: its outcome stands.
        _reload(ctx)
        for name in outcome:  # (a caller holding this state object sees the database's too)
            setattr(state, name, getattr(ctx.states[step.slug], name))
        if done and was_at != moved_to == ctx.run.current_step:
            # The run was moved on with this outcome, which does not stand: back to where it was.
            ctx.run.current_step = was_at
            ctx.run.save(update_fields=["current_step", "updated_at"])
        return Outcome(redirect=True)
    if done:
        _advance(ctx, moved_to=moved_to)
    return Outcome(redirect=True)


def verify_settled(step, ctx, result):
    """The step's read-back, asked again while AWS does not show yet what the step just made.

    IAM is eventually consistent: for a few seconds after a write, its lists may leave it out
    (a group membership, an attachment, an enabled MFA device). verify() says so with
    NotYetVisible; reading is safe to repeat, so it is read again after a short wait that grows,
    while the click's time budget has room. Every read is recorded. When AWS still does not show
    it, the page says so, and why."""
    started, attempt = time.monotonic(), 1
    while True:
        try:
            return step.verify(ctx, result)
        except NotYetVisible as exc:
            wait = consistency.delay(attempt)
            # Within the click's budget; outside any click (a command, a test), for SETTLE_SECONDS at most.
            if seconds_left() < wait or time.monotonic() - started + wait > consistency.SETTLE_SECONDS:
                exc.waited = time.monotonic() - started
                raise
            time.sleep(wait)
            attempt += 1


def unsettled_words(exc: AwsError) -> str:
    """For a NoSuchEntity that stayed the answer about something the run had just made: what
    happened and what to do ("" for any other error)."""
    if not exc.unsettled:
        return ""
    attempts, seconds = exc.unsettled
    return words.unsettled(exc.operation, exc.code, attempts, seconds)


def failure_words(exc: AwsError, problem: AwsProblem) -> dict:
    """The AWS failure to store as a kind plus parameters (StepState.error_words), worded again
    by words.failure_message in each reader's language."""
    if exc.unsettled:
        attempts, seconds = exc.unsettled
        return {"kind": "aws.unsettled", "params": {"operation": exc.operation, "code": exc.code, "attempts": attempts, "seconds": seconds}}
    return {"kind": "aws", "params": words.problem_to_keep(problem)}


def _next_open_step(ctx: StepContext):
    """The step _advance will point the run at: the first applicable step not done (one skipped
    before opens again there), as first_open_step finds it after _advance."""
    for step in applicable_steps(ctx):
        if ctx.status(step.slug) != StepState.DONE:
            return step
    return STEPS[-1]


def _advance(ctx: StepContext, moved_to=None):
    """Point the run at its next open step, skip what does not apply, and run automatic steps.
    `moved_to`: the step the run was pointed at already (with the step's outcome)."""
    for step in STEPS:
        state = ctx.states[step.slug]
        applies = step.applies(ctx)
        if not applies and state.status == StepState.PENDING:
            state.status = StepState.SKIPPED
            state.save(update_fields=["status"])
        elif applies and state.status == StepState.SKIPPED:
            state.status = StepState.PENDING
            state.save(update_fields=["status"])
    nxt = first_open_step(ctx)
    if nxt.slug != moved_to:
        ctx.run.current_step = nxt.slug
        ctx.run.save(update_fields=["current_step", "updated_at"])
    if nxt.auto_execute and ctx.status(nxt.slug) == StepState.PENDING:
        state = ctx.states[nxt.slug]
        if claims.claim(state, allow_done=False):
            _execute_claimed(nxt, context_for(ctx.run, nxt.slug, ctx.states), state, "", None, {}, StepState.PENDING)


def reconcile(ctx: StepContext) -> str | None:
    """Check a resumed run against what AWS really holds. The first done step whose resource
    vanished, and every step after it, become not done again, with a note saying why (stored as
    a kind plus parameters, worded in each reader's language).
    Returns that note in words, or None when everything is still there (or AWS can't be asked now)."""
    if ctx.result("finish").get("deleted"):
        return None  # the user deleted it on purpose
    steps = [s for s in STEPS if ctx.status(s.slug) == StepState.DONE]
    for step in steps:
        try:
            note = step.vanished(ctx)
        except AwsError:
            return None  # AWS unreachable: keep what we know rather than guess
        if note:
            _reopen_from(ctx, step, note)
            return words.failure_message(note)
    return None


def _reopen_from(ctx: StepContext, step, note: dict):
    """`note`: what vanished, as the step's vanished() says it ({"kind": "vanished", "params": {...}})."""
    reopen = False
    for s in STEPS:
        reopen = reopen or s.slug == step.slug
        if not reopen:
            continue
        state = ctx.states[s.slug]
        state.status = StepState.FAILED if s.slug == step.slug else StepState.PENDING
        state.result, state.lease_until = {}, None
        if s.slug == step.slug:
            state.error_code, state.error_message, state.error_words = "Vanished", words.failure_message(note), note
        else:
            state.error_code, state.error_message, state.error_words = "", "", {}
        state.save()
    if ctx.answers("user-details").get("console_access") and not vault.unseal(ctx.run.password_box):
        # The one-time password was erased after use: choose a new one before creating again.
        details = ctx.states["user-details"]
        again = {**note, "params": {**note.get("params", {}), "choose_password": True}}
        details.status, details.error_code = StepState.FAILED, "Vanished"
        details.error_message, details.error_words = words.failure_message(again), again
        details.save()
    ctx.run.mfa_seed_box = b""
    ctx.run.current_step = first_open_step(ctx).slug
    ctx.run.save(update_fields=["mfa_seed_box", "current_step", "updated_at"])


def reset_from(ctx: StepContext, slug: str, at=None):
    """Put the run back at `slug` (a trainer's reset, once what those steps made in AWS is gone):
    that step and every later one are to do again, with their answers, results and secrets
    forgotten and their earlier calls no longer shown; earlier steps stay as they are. When the
    user must be created again and its one-time password is gone, User details opens again too
    (with its answers kept): a new password is made there."""
    now = at or timezone.now()
    slugs = [s.slug for s in STEPS]
    later = slugs[slugs.index(slug):]
    run = ctx.run
    reopen_details = (
        "user-details" not in later and "review" in later
        and run.answers.get("user-details", {}).get("console_access") and not vault.unseal(run.password_box)
    )
    with transaction.atomic():
        StepState.objects.filter(run=run, step__in=later).update(
            status=StepState.PENDING, result={}, error_code="", error_message="", error_words={}, lease_until=None,
            started_at=None, finished_at=None, reset_at=now,
        )
        if reopen_details:
            StepState.objects.filter(run=run, step="user-details").update(status=StepState.PENDING, lease_until=None)
        run.answers = {k: v for k, v in run.answers.items() if k not in later}
        run.current_step = "user-details" if reopen_details else slug
        run.mfa_seed_box, run.mfa_failures, run.mfa_locked_until = b"", 0, None
        if "user-details" in later:
            run.password_box = b""
        run.save(update_fields=["answers", "current_step", "mfa_seed_box", "mfa_failures", "mfa_locked_until", "password_box", "updated_at"])
    ctx.states = load_states(run)
    # Steps that are not this run's own (a user made for someone else has no MFA step of its own)
    # are skipped again, so the run points at a step it really has (and Done reads AWS again).
    _advance(ctx)


def touch(run: Run, now=None):
    """Note that someone opened the run (its resume link, "Continue your run"): retention counts a
    run's idle days from its last such moment or step. At most one write an hour per run."""
    now = now or timezone.now()
    Run.objects.filter(pk=run.pk, updated_at__lt=now - timedelta(hours=1)).update(updated_at=now)


def start_run(target=None, role_arn="") -> Run:
    target = target or settings.IAMWIZARD_TARGET
    account_id = (_take_ready_account() or new_sandbox_account_id()) if target == "sandbox" else ""
    with transaction.atomic():
        run = Run.objects.create(target=target, role_arn=role_arn, account_id=account_id)
        StepState.objects.bulk_create([StepState(run=run, step=step.slug) for step in STEPS])
    prepare(run)
    if target == "sandbox":
        _ready_next_account()
    return run


# Connect, the first click after Start, needs the run's role in its emulated account. Assumed in the
# background from Start, it has had no time when Connect is pressed at once, and Connect waited one
# round trip more for it. So each process keeps the next run's emulated account ready: its id
# chosen and its role assumed ahead (in the background, right after a Start), for the next Start of
# a sandbox run. Nothing is made in it (the sandbox's AssumeRole only opens the account); one not
# taken within READY_ACCOUNT_SECONDS is left, and the sandbox's retention drops it like any saved
# account no run holds.
READY_ACCOUNT_SECONDS = 10 * 60
_ready = {}  # "next" -> (account id, the sandbox endpoints it was chosen for, time.monotonic() when made)
_ready_lock = threading.Lock()


def _take_ready_account() -> str | None:
    """The account made ready for this Start, if there is one, fresh, and still nobody's."""
    if not settings.IAMWIZARD_SANDBOX_URL:
        return None  # the embedded development sandbox: nothing is assumed ahead (see prepare)
    with _ready_lock:
        ready = _ready.get("next")
        if ready is None:
            return None  # none, or one still being chosen (taken by the next Start)
        del _ready["next"]
    account_id, endpoints, made = ready
    if endpoints != sandbox_endpoints_configured() or time.monotonic() - made > READY_ACCOUNT_SECONDS:
        return None
    if Run.objects.filter(account_id=account_id).exists():
        return None
    return account_id


def _ready_next_account():
    """Choose the next run's account and assume its role in the background (see _take_ready_account).
    One at a time: when Starts come together, those that find one being made ready do not make
    another (it would only replace it, an AssumeRole and an empty account for nothing)."""
    if not settings.IAMWIZARD_SANDBOX_URL:
        return
    with _ready_lock:
        if "next" in _ready:
            return
        _ready["next"] = None  # being made ready: taken by nobody meanwhile
    try:
        account_id = new_sandbox_account_id()
        Gateway(Target("sandbox", account_id=account_id, endpoint_url=sandbox_endpoint(account_id))).prepare()
    except BaseException:
        with _ready_lock:
            _ready.pop("next", None)
        raise
    with _ready_lock:
        _ready["next"] = (account_id, sandbox_endpoints_configured(), time.monotonic())
