"""The step context: what a step sees of its run, and where the run stands.

A StepContext holds the run, its step states and a gateway to the run's target (AWS, or the
sandbox that holds the run's account, chosen here) that writes every AWS call as soon as it
ends and names the calls under way, so a page shows the step's work as it goes and a crash
loses none of it. This module also reads a run with its states (two
queries), and answers the questions a page asks before it shows a step: which steps apply, the
first open one, whether a step can be visited yet, whether a later irreversible step froze it.
It imports the steps and the AWS boundary; the flow (engine.py) builds on it and on claims.py.
"""
import functools
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from iamwizard.aws.gateway import Gateway, Target
from iamwizard.core import consistency, sandbox_endpoints
from iamwizard.core.passwords import PasswordPolicy

from . import rooms
from .models import AwsCall, Run, StepState
from .steps import STEPS

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


def prepare(run: Run):
    """The run's first call (Connect) needs the role assumed: start that now, in the background.
    Not when that would start the embedded development sandbox: its first call does."""
    if run.target != "sandbox" or settings.IAMWIZARD_SANDBOX_URL:
        Gateway(target_for(run)).prepare()


class StepContext:
    """What a step sees of its run: answers, earlier results, secrets helpers and a recording gateway."""

    def __init__(self, run: Run, slug: str, states: dict):
        self.run = run
        self.slug = slug
        self.states = states
        self._gateway = None
        self.query = {}  # the page's GET parameters (e.g. a policy search), when rendering
        self.base_url = ""  # the request's scheme://host, for addresses that leave the page (CSV, e-mail)
        self._held = None  # the run's fields written later (save_run), while the engine holds them
        # True while the engine executes the step it has just claimed: the run was read (or found
        # unchanged) at the claim, so a step need not read its counters again (see refresh_run).
        self.run_read_at_claim = False

    @property
    def gateway(self) -> Gateway:
        if self._held:
            # An AWS call may make something that the held fields speak of: write them first (and
            # go on holding later ones), so that a crash during the call loses none of them.
            self.run.save(update_fields=[*sorted(self._held), "updated_at"])
            self._held = set()
        if self._gateway is None:
            self._gateway = Gateway(target_for(self.run), recorder=self._record, announcer=self._announce,
                                    batch_recorder=self._record_many, history=self._made_lately)
        return self._gateway

    def iam(self, operation, **params):
        return self.gateway.iam(operation, **params)

    def prepare(self):
        """Start assuming the run's role in the background (module-level `prepare`): a step asks
        its context, never the engine, which imports the steps."""
        prepare(self.run)

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

    def refresh_run(self, *fields):
        """The run's `fields` as the database holds them now, unless the run was read at this
        step's claim a moment ago (run_read_at_claim): e.g. a wrong-code counter before a code is
        checked."""
        if not self.run_read_at_claim:
            self.run.refresh_from_db(fields=list(fields))

    def save_answers(self, answers: dict):
        """Store this step's (non-secret) answers on the run."""
        self.run.answers = {**self.run.answers, self.slug: answers}
        self.save_run("answers")

    def save_run(self, *fields):
        """Write these fields of the run (already set on ctx.run). While the engine executes a step
        (`hold_writes`), they are written together with the step's outcome, in the one UPDATE of
        the run that also moves it on (current_step), or before the step's next AWS call,
        whichever comes first; otherwise at once."""
        if self._held is None:
            self.run.save(update_fields=[*fields, "updated_at"])
        else:
            self._held.update(fields)

    def hold_writes(self, fields=()):
        """From now on save_run's fields wait for `write_held` (starting with `fields`)."""
        self._held = set(self._held or ()) | set(fields)

    def take_held(self) -> set:
        """The fields held so far, no longer held here (and no longer holding): the caller writes them."""
        held, self._held = self._held or set(), None
        return held

    def write_held(self, *more):
        """Write the held fields (and `more`) in one UPDATE of the run; stop holding."""
        fields = self.take_held() | set(more)
        if fields:
            self.run.save(update_fields=[*sorted(fields), "updated_at"])

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


def load_states(run: Run) -> dict:
    states = {s.step: s for s in run.steps.all()}
    missing = [StepState(run=run, step=step.slug) for step in STEPS if step.slug not in states]
    if missing:
        StepState.objects.bulk_create(missing, ignore_conflicts=True)
        states = {s.step: s for s in run.steps.all()}
    return states


def states_with_run(run_id: str, with_room: bool = True) -> tuple:
    """(run, states), every state pointing at the one run object; (None, {}) when the run does not
    exist (or, without the room, has no state rows).

    A page's read (`with_room`): the run with what rooms read of it (rooms.RELATED, e.g. a
    workshop participant's room), then its states: two plain queries, where reading the room
    apart was a third. Without the room (a submit reading the run again after its claim, the
    room in hand): one query, the states joined with their run."""
    if not with_room:
        run, states = None, {}
        for state in StepState.objects.filter(run_id=run_id).select_related("run"):
            run = run or state.run
            state.run = run
            states[state.step] = state
        return run, states
    runs = Run.objects.filter(pk=run_id)
    if rooms.RELATED:  # (select_related() without names would follow every foreign key)
        runs = runs.select_related(*rooms.RELATED)
    run = next(iter(runs), None)
    if run is None:
        return None, {}
    states = {}
    for state in StepState.objects.filter(run_id=run_id):
        state.run = run
        states[state.step] = state
    return run, states


def load_context(run_id: str, slug: str) -> StepContext | None:
    """The run's context for `slug`, or None when there is no such run."""
    run, states = states_with_run(run_id)
    if run is None:
        return None
    if len(states) < len(STEPS):  # a run from before a step was added
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


