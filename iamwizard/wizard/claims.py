"""Claims: a step executes once, even when it is submitted twice at the same moment.

Before executing, a request must *claim* the step's state row with one conditional UPDATE
(double click, refresh after POST, two tabs, two workers); whoever loses waits for the winner
(`wait_for_other`) and then shows its outcome. A claim is a short lease that the working request
keeps renewing (`Heartbeat`, from the process's one renewer thread): when the process dies mid-step, its claim
runs out by itself within LEASE, and the next submit takes the step over, continuing from the
progress markers the dead one left. A request writes its outcome only while the claim is still
its own (`own_claim`, `release`, `fail`).
"""
import logging
import threading
import time
from datetime import timedelta

from django.db import connections
from django.db.models import Exists, Q
from django.utils import timezone

from .models import Run, StepState

# A claim lasts LEASE unless renewed; the working request renews it every RENEW_SECONDS.
LEASE = timedelta(seconds=15)
RENEW_SECONDS = 5
# How long a second submit waits for the claim holder before showing the step as it stands.
WAIT_FOR_OTHER_SECONDS = 20
log = logging.getLogger(__name__)


# What `claim` answers when it claimed the step (both are true; not claimed is False).
UNCHANGED = "unchanged"  # the step's state and its run were still as this request had read them
CHANGED = "changed"  # something changed since (or the request's read is not known): read again


def claim(state: StepState, allow_done: bool, run: Run | None = None):
    """Claim the step for this request: pending, failed, or running under a lease that ran out
    (its process died). The claim's started_at tells this claim from any later one.

    Given `run`, the run as this request read it along with `state`, and a state read as pending,
    failed or (allowed) done: first optimistically, in one conditional UPDATE of the row exactly as
    this request read it: the state's status and started_at (any other claim of the step changes
    started_at) and the run's updated_at (every write to the run changes it, and a step that ends
    writes the run). A row still as read is claimable, as its status was. When it matches,
    nothing the request read has changed and it need not read it again (UNCHANGED). Otherwise,
    without `run`, or for a state read as running (its lease may have been renewed since), the
    plain claim (CHANGED: the claim holder reads the run again)."""
    now = timezone.now()
    claimed = dict(status=StepState.RUNNING, lease_until=now + LEASE, started_at=now)
    answer = False
    if run is not None and run.updated_at is not None and state.status in _claimable_statuses(allow_done):
        as_read = StepState.objects.filter(
            Exists(Run.objects.filter(pk=state.run_id, updated_at=run.updated_at)), pk=state.pk, status=state.status)
        as_read = as_read.filter(started_at=state.started_at) if state.started_at else as_read.filter(started_at__isnull=True)
        if as_read.update(**claimed) == 1:
            answer = UNCHANGED
    if not answer:
        claimable = Q(status__in=_claimable_statuses(allow_done)) | Q(status=StepState.RUNNING, lease_until__lt=now)
        if StepState.objects.filter(claimable, pk=state.pk).update(**claimed) == 1:
            answer = CHANGED
    if answer:
        state.status, state.lease_until, state.started_at = StepState.RUNNING, now + LEASE, now
    return answer


def _claimable_statuses(allow_done: bool) -> tuple:
    """The statuses a claim takes over as they are (a running step only once its lease ran out)."""
    return (StepState.PENDING, StepState.FAILED, StepState.DONE) if allow_done else (StepState.PENDING, StepState.FAILED)


def is_interrupted(state: StepState, now=None) -> bool:
    """Running, but nobody renews the claim any more: the process working on it stopped."""
    return state.status == StepState.RUNNING and state.lease_until is not None and state.lease_until < (now or timezone.now())


def wait_for_other(state: StepState):
    """Wait while another request works on the step; stop when it ends or its claim ran out."""
    deadline = time.monotonic() + WAIT_FOR_OTHER_SECONDS
    while time.monotonic() < deadline:
        state.refresh_from_db()
        if state.status != StepState.RUNNING or is_interrupted(state):
            return
        time.sleep(0.1)


class Heartbeat:
    """Renews a claim's lease every RENEW_SECONDS while the step works (a single AWS call may take
    longer than the lease). Renewal only extends this very claim. One renewer thread per process
    renews every claim held there (`_Renewer`): a step no longer starts, and waits for, a thread of
    its own; most steps end long before their first renewal is due."""

    def __init__(self, state: StepState):
        self.pk, self.claimed_at = state.pk, state.started_at

    def __enter__(self):
        _renewer.hold(self)
        return self

    def __exit__(self, *exc):
        _renewer.drop(self)

    def renew(self):
        StepState.objects.filter(pk=self.pk, status=StepState.RUNNING, started_at=self.claimed_at).update(
            lease_until=timezone.now() + LEASE)


class _Renewer:
    """The process's one thread that renews the claims held in it, each RENEW_SECONDS after it was
    taken or last renewed. Started on first use (so in each worker after the fork). A renewal that
    meets a claim already released or taken over changes nothing (Heartbeat.renew's conditions)."""

    def __init__(self):
        self.due = {}  # Heartbeat -> time.monotonic() when its next renewal is due
        self.changed = threading.Condition()
        self.thread = None

    def hold(self, beat):
        with self.changed:
            self.due[beat] = time.monotonic() + RENEW_SECONDS
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="lease-renewer", daemon=True)
                self.thread.start()
            self.changed.notify()

    def drop(self, beat):
        with self.changed:
            self.due.pop(beat, None)

    def _run(self):
        while True:
            with self.changed:
                now = time.monotonic()
                beats = [beat for beat, at in self.due.items() if at <= now]
                for beat in beats:
                    self.due[beat] = now + RENEW_SECONDS
                if not beats:
                    self.changed.wait(min(self.due.values()) - now if self.due else None)
                    continue
            for beat in beats:
                try:
                    beat.renew()
                except Exception:  # noqa: BLE001 - a missed beat is retried; the lease has room for two
                    log.warning("could not renew the claim on step state %s", beat.pk, exc_info=True)
            connections.close_all()  # this thread's own database connection: renewals are rare


_renewer = _Renewer()


def own_claim(state):
    """The step's row while it is still under this request's claim (none once another took it over)."""
    return StepState.objects.filter(pk=state.pk, status=StepState.RUNNING, started_at=state.started_at)


def release(state, status):
    own_claim(state).update(status=status, lease_until=None)
    state.status = status


def fail(state, code, message, words=None):
    """`message`: the words now (a row from before error_words, or a failure with no kind, shows them);
    `words`: the failure as a kind plus parameters, worded again in each reader's language."""
    outcome = {"status": StepState.FAILED, "error_code": code, "error_message": message, "error_words": words or {},
               "lease_until": None, "finished_at": timezone.now()}
    own_claim(state).update(**outcome)
    for name, value in outcome.items():
        setattr(state, name, value)


