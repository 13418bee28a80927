"""The step engine: walks a run through the ordered steps.

It stores answers and status, and makes sure a step executes once even when it is
submitted twice at the same moment (double click, refresh after POST, two tabs, two
workers): before executing, a request must *claim* the step's state row with one
conditional UPDATE; whoever loses waits for the winner and then shows its outcome.
AWS calls happen outside any database transaction, so a slow AWS never holds a lock.

A claim is a short lease that the working request keeps renewing (a heartbeat thread):
when the process dies mid-step, its claim runs out by itself within LEASE, and the next
submit takes the step over, continuing from the progress markers the dead one left. A
request writes its outcome only while the claim is still its own (`_own_claim`).
Each AWS call is written as soon as it ends, so the page can show the work as it goes.
"""
import dataclasses
import functools
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext

from iamwizard.aws.gateway import AwsError, Gateway, Target, seconds_left
from iamwizard.core import consistency, sandbox_endpoints
from iamwizard.core.errors import AwsProblem
from iamwizard.core.passwords import PasswordPolicy

from . import refusals, vault
from .models import AwsCall, Run, StepState
from .steps import STEPS, BY_SLUG
from .steps.base import NotYetVisible, StepInputError, StepNotConfirmed

# A claim lasts LEASE unless renewed; the working request renews it every RENEW_SECONDS.
LEASE = timedelta(seconds=15)
RENEW_SECONDS = 5
# How long a second submit waits for the claim holder before showing the step as it stands.
WAIT_FOR_OTHER_SECONDS = 20
log = logging.getLogger(__name__)


IN_FLIGHT_SECONDS = 60


def announce_calls(run_id: str, calls: list):
    """Which AWS calls of a run are under way (names only; [] when none), in the shared cache so
    that any worker answering the page's progress poll can name them."""
    if calls:
        cache.set(f"in-flight:{run_id}", calls, IN_FLIGHT_SECONDS)
    else:
        cache.delete(f"in-flight:{run_id}")


def calls_in_flight(run_id: str) -> list:
    return cache.get(f"in-flight:{run_id}") or []


@functools.lru_cache(maxsize=8)
def _parsed_endpoints(text):
    return tuple(sandbox_endpoints.parse(text))


def sandbox_endpoints_configured() -> tuple:
    """The standalone sandboxes of IAMWIZARD_SANDBOX_URL, in order; () for the embedded one."""
    return _parsed_endpoints(settings.IAMWIZARD_SANDBOX_URL or "")


def sandbox_endpoint(account_id: str = ""):
    """The sandbox that holds `account_id` (with several, chosen from its id alone; without one,
    the first), starting the embedded sandbox when none is configured."""
    endpoints = sandbox_endpoints_configured()
    if endpoints:
        return sandbox_endpoints.endpoint_for(account_id, endpoints)
    from iamwizard.sandbox import start_embedded

    return start_embedded(settings.DATA_DIR / "sandbox", settings.IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY)


def new_sandbox_account_id() -> str:
    """A new emulated account's id, not given to another run; with several sandboxes, it names
    the one that will hold it."""
    count = len(sandbox_endpoints_configured())
    account_id = sandbox_endpoints.new_account_id(count)
    for _try in range(5):
        if not Run.objects.filter(account_id=account_id).exists():
            break
        account_id = sandbox_endpoints.new_account_id(count)
    return account_id


def target_for(run: Run) -> Target:
    if run.target == "sandbox":
        return Target("sandbox", account_id=run.account_id, endpoint_url=sandbox_endpoint(run.account_id))
    return Target("aws", role_arn=run.role_arn)


class StepContext:
    """What a step sees of its run: answers, earlier results, secrets helpers and a recording gateway."""

    def __init__(self, run: Run, slug: str, states: dict):
        self.run = run
        self.slug = slug
        self.states = states
        self._gateway = None
        self.query = {}  # the page's GET parameters (e.g. a policy search), when rendering
        self.base_url = ""  # the request's scheme://host, for addresses that leave the page (CSV, e-mail)

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            self._gateway = Gateway(target_for(self.run), recorder=self._record, announcer=self._announce,
                                    batch_recorder=self._record_many, history=self._made_lately)
        return self._gateway

    def iam(self, operation, **params):
        return self.gateway.iam(operation, **params)

    def _row(self, rec) -> AwsCall:
        return AwsCall(
            run=self.run, step=self.slug, service=rec.service, operation=rec.operation, parameters=rec.parameters,
            ok=rec.ok, error_code=rec.error_code, request_id=rec.request_id[:100], milliseconds=rec.milliseconds,
            attempt=rec.attempt, retried=rec.retried,
        )

    def _record(self, rec):
        """Write each call as soon as it ends: the page shows the step's work as it goes
        (views.progress), and a crash loses none of what was done."""
        self._row(rec).save()

    def _record_many(self, records):
        """Calls made at once, written together as soon as the last of them ended (one INSERT)."""
        AwsCall.objects.bulk_create([self._row(rec) for rec in records])

    def _made_lately(self, seconds):
        """The run's successful calls of the last `seconds` that made or deleted something, oldest
        first (asked only when a call meets NoSuchEntity: was it about something just made?)."""
        since = timezone.now() - timedelta(seconds=seconds)
        rows = AwsCall.objects.filter(run=self.run, ok=True, at__gte=since, operation__in=consistency.OPERATIONS).order_by("at", "id")
        return [(row.at.timestamp(), row.operation, row.parameters) for row in rows]

    def _announce(self, calls: list):
        """The calls starting now (names only), for the progress poll of a page that waits."""
        announce_calls(self.run.pk, calls)

    def save_answers(self, answers: dict):
        """Store this step's (non-secret) answers on the run."""
        self.run.answers = {**self.run.answers, self.slug: answers}
        self.run.save(update_fields=["answers", "updated_at"])

    def answers(self, slug) -> dict:
        return dict(self.run.answers.get(slug, {}))

    def result(self, slug) -> dict:
        state = self.states.get(slug)
        return dict(state.result) if state else {}

    def status(self, slug) -> str:
        state = self.states.get(slug)
        return state.status if state else StepState.PENDING

    @property
    def user_name(self) -> str:
        return self.answers("user-details").get("user_name", "")

    @property
    def account(self) -> dict:
        return self.result("connect")

    @property
    def account_label(self) -> str:
        return self.account.get("alias") or self.account.get("account_id") or self.run.account_id

    @property
    def password_policy(self) -> PasswordPolicy:
        stored = self.account.get("password_policy")
        return PasswordPolicy.from_dict(stored) if stored else PasswordPolicy.from_aws(None)

    def is_sandbox(self) -> bool:
        return self.run.target == "sandbox"


@dataclass
class Outcome:
    """What the view does after a submit: follow `redirect`, or re-render `form` with its errors.
    Either way the submitted context's run and states are what the database now holds."""

    redirect: bool = False
    form: object = None
    action: str = ""
    problem: AwsProblem | None = None


def load_states(run: Run) -> dict:
    states = {s.step: s for s in run.steps.all()}
    missing = [StepState(run=run, step=step.slug) for step in STEPS if step.slug not in states]
    if missing:
        StepState.objects.bulk_create(missing, ignore_conflicts=True)
        states = {s.step: s for s in run.steps.all()}
    return states


def _states_with_run(run_id: str) -> tuple:
    """(run, states) in one query, every state pointing at the one run object; (None, {}) when
    the run has no state rows (or does not exist)."""
    run, states = None, {}
    for state in StepState.objects.filter(run_id=run_id).select_related("run"):
        run = run or state.run
        state.run = run
        states[state.step] = state
    return run, states


def load_context(run_id: str, slug: str) -> StepContext | None:
    """The run's context for `slug`, or None when there is no such run."""
    run, states = _states_with_run(run_id)
    if run is None or len(states) < len(STEPS):  # a run from before a step was added
        run = run or Run.objects.filter(pk=run_id).first()
        if run is None:
            return None
        states = load_states(run)
    return StepContext(run, slug, states)


def context_for(run: Run, slug: str, states=None) -> StepContext:
    return StepContext(run, slug, states if states is not None else load_states(run))


def applicable_steps(ctx: StepContext) -> list:
    return [step for step in STEPS if step.applies(ctx)]


def first_open_step(ctx: StepContext):
    for step in applicable_steps(ctx):
        if ctx.status(step.slug) not in (StepState.DONE, StepState.SKIPPED):
            return step
    return STEPS[-1]


def can_visit(ctx: StepContext, slug: str) -> bool:
    """A step can be seen once every applicable step before it is done."""
    for step in applicable_steps(ctx):
        if step.slug == slug:
            return True
        if ctx.status(step.slug) not in (StepState.DONE, StepState.SKIPPED):
            return False
    return False


def is_frozen(ctx: StepContext, slug: str) -> bool:
    """True when a later irreversible step is done (e.g. the user exists), so this step can't change."""
    seen = False
    for step in STEPS:
        if step.slug == slug:
            seen = True
            if step.irreversible and ctx.status(slug) == StepState.DONE:
                return True
            continue
        if seen and step.irreversible and ctx.status(step.slug) == StepState.DONE:
            return True
    return False


def _claim(state: StepState, allow_done: bool) -> bool:
    """Claim the step for this request: pending, failed, or running under a lease that ran out
    (its process died). The claim's started_at tells this claim from any later one."""
    now = timezone.now()
    claimable = Q(status__in=[StepState.PENDING, StepState.FAILED]) | Q(status=StepState.RUNNING, lease_until__lt=now)
    if allow_done:
        claimable |= Q(status=StepState.DONE)
    if StepState.objects.filter(pk=state.pk).filter(claimable).update(status=StepState.RUNNING, lease_until=now + LEASE, started_at=now) != 1:
        return False
    state.status, state.lease_until, state.started_at = StepState.RUNNING, now + LEASE, now
    return True


def is_interrupted(state: StepState, now=None) -> bool:
    """Running, but nobody renews the claim any more: the process working on it stopped."""
    return state.status == StepState.RUNNING and state.lease_until is not None and state.lease_until < (now or timezone.now())


def _wait_for_other(state: StepState):
    """Wait while another request works on the step; stop when it ends or its claim ran out."""
    deadline = time.monotonic() + WAIT_FOR_OTHER_SECONDS
    while time.monotonic() < deadline:
        state.refresh_from_db()
        if state.status != StepState.RUNNING or is_interrupted(state):
            return
        time.sleep(0.1)


class _Heartbeat:
    """Renews a claim's lease every RENEW_SECONDS while the step works, from a thread of its own
    (a single AWS call may take longer than the lease). Renewal only extends this very claim."""

    def __init__(self, state: StepState):
        self.pk, self.claimed_at = state.pk, state.started_at
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"lease-{state.pk}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def _beat(self):
        try:
            while not self.stop.wait(RENEW_SECONDS):
                try:
                    StepState.objects.filter(pk=self.pk, status=StepState.RUNNING, started_at=self.claimed_at).update(
                        lease_until=timezone.now() + LEASE)
                except Exception:  # noqa: BLE001 - a missed beat is retried; the lease has room for two
                    log.warning("could not renew the claim on step state %s", self.pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own database connection


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
    if not _claim(state, allow_done=not step.irreversible):
        _wait_for_other(state)  # another request works on it: its outcome, or its claim ran out
        if not (is_interrupted(state) and _claim(state, allow_done=False)):
            _reload(ctx)
            return Outcome(redirect=True)
        previous_status = StepState.PENDING  # taken over from a process that stopped mid-step
    _reload(ctx)
    state = ctx.states[slug]
    if is_frozen(ctx, slug):  # a later irreversible step finished while this request was on its way
        _release(state, previous_status)
        return Outcome(redirect=True)  # the page then says the step is done and frozen
    return _execute_claimed(step, ctx, state, action, form, data, previous_status)


def _reload(ctx: StepContext):
    """Read the run and its states again.

    After a claim, what this request read before may be stale: another request may have run
    this step (or an attempt of it that failed half-way) in between. The claim holder works
    from the database's truth, so it sees the device, progress markers or answers the other
    one left."""
    run, ctx.states = _states_with_run(ctx.run.pk)
    # The context's run object stays the one the caller holds, with the database's values.
    for name in [f.attname for f in Run._meta.concrete_fields]:
        setattr(ctx.run, name, getattr(run, name))
    for state in ctx.states.values():
        state.run = ctx.run


def _execute_claimed(step, ctx, state, action, form, data, previous_status) -> Outcome:
    try:
        with _Heartbeat(state):
            result = step.execute(ctx, action, data) or {}
            merged = {**state.result, **result}
            if step.completes(action, merged):
                merged["verified"] = verify_settled(step, ctx, merged)
    except StepInputError as exc:
        _release(state, previous_status)
        if form is not None:
            form.add_error(exc.field, exc.error)
        return Outcome(form=form, action=action)
    except AwsError as exc:
        problem = exc.problem
        if exc.unsettled:  # the words say why, and what to do
            problem = dataclasses.replace(problem, worded=unsettled_words(exc), retryable=False, not_visible_yet=True)
        _fail(state, problem.code, problem.message)
        if form is not None:
            form.add_error(None, problem.message)
        return Outcome(form=form, action=action, problem=problem)
    except StepNotConfirmed as exc:
        _fail(state, "NotConfirmed", str(exc))
        if form is not None:
            form.add_error(None, exc.error)
        return Outcome(form=form, action=action)
    except BaseException:
        _release(state, previous_status)
        raise
    done = step.completes(action, merged)
    outcome = {"status": StepState.DONE if done else StepState.PENDING, "result": merged, "error_code": "", "error_message": "", "lease_until": None}
    if done:
        outcome["finished_at"] = timezone.now()
    if not _own_claim(state).update(**outcome):
        # This request stalled past its lease and another one took the step over: its outcome stands.
        _reload(ctx)
        return Outcome(redirect=True)
    for name, value in outcome.items():
        setattr(state, name, value)
    if done:
        _advance(ctx)
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
    asked = ngettext("The wizard asked %(count)d time over %(seconds)s seconds.",
                     "The wizard asked %(count)d times over %(seconds)s seconds.", attempts) % {"count": attempts, "seconds": seconds}
    return " ".join((
        _("AWS does not show yet what the wizard made a moment ago (%(operation)s answered %(code)s).") % {"operation": exc.operation, "code": exc.code},
        _("IAM is eventually consistent: a change can take a few seconds to reach every part of AWS."),
        asked,
        _("Nothing was lost and nothing will be made twice: submit again in a few seconds."),
    ))


def _own_claim(state):
    """The step's row while it is still under this request's claim (none once another took it over)."""
    return StepState.objects.filter(pk=state.pk, status=StepState.RUNNING, started_at=state.started_at)


def _release(state, status):
    _own_claim(state).update(status=status, lease_until=None)
    state.status = status


def _fail(state, code, message):
    outcome = {"status": StepState.FAILED, "error_code": code, "error_message": message, "lease_until": None, "finished_at": timezone.now()}
    _own_claim(state).update(**outcome)
    for name, value in outcome.items():
        setattr(state, name, value)


def _advance(ctx: StepContext):
    """Point the run at its next open step, skip what does not apply, and run automatic steps."""
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
    ctx.run.current_step = nxt.slug
    ctx.run.save(update_fields=["current_step", "updated_at"])
    if nxt.auto_execute and ctx.status(nxt.slug) == StepState.PENDING:
        state = ctx.states[nxt.slug]
        if _claim(state, allow_done=False):
            _execute_claimed(nxt, context_for(ctx.run, nxt.slug, ctx.states), state, "", None, {}, StepState.PENDING)


def reconcile(ctx: StepContext) -> str | None:
    """Check a resumed run against what AWS really holds. The first done step whose resource
    vanished, and every step after it, become not done again, with a note saying why.
    Returns that note, or None when everything is still there (or AWS can't be asked now)."""
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
            return note
    return None


def _reopen_from(ctx: StepContext, step, note: str):
    reopen = False
    for s in STEPS:
        reopen = reopen or s.slug == step.slug
        if not reopen:
            continue
        state = ctx.states[s.slug]
        state.status = StepState.FAILED if s.slug == step.slug else StepState.PENDING
        state.result, state.lease_until = {}, None
        state.error_code, state.error_message = ("Vanished", note) if s.slug == step.slug else ("", "")
        state.save()
    if ctx.answers("user-details").get("console_access") and not vault.unseal(ctx.run.password_box):
        # The one-time password was erased after use: choose a new one before creating again.
        details = ctx.states["user-details"]
        details.status, details.error_code, details.error_message = StepState.FAILED, "Vanished", note + " " + _("Choose the password again first.")
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
            status=StepState.PENDING, result={}, error_code="", error_message="", lease_until=None,
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
    with transaction.atomic():
        run = Run.objects.create(target=target, role_arn=role_arn, account_id=new_sandbox_account_id() if target == "sandbox" else "")
        StepState.objects.bulk_create([StepState(run=run, step=step.slug) for step in STEPS])
    prepare(run)
    return run


def prepare(run: Run):
    """The run's first call (Connect) needs the role assumed: start that now, in the background.
    Not when that would start the embedded development sandbox: its first call does."""
    if run.target != "sandbox" or settings.IAMWIZARD_SANDBOX_URL:
        Gateway(target_for(run)).prepare()
