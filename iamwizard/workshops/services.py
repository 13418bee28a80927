"""What workshops do: create, join, reset a participant, close, clean up. Views only call these."""
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iamwizard.aws import gateway
from iamwizard.aws.gateway import AwsError
from iamwizard.wizard import engine, ratelimit, retention
from iamwizard.wizard.cleanup import CleanupReport, aws_words, cleanup_from, w
from iamwizard.wizard.models import Run

from . import codes, lockouts
from .wizard_plugins import has_prefix
from .models import CleanupRecord, Participant, Workshop
from .progress import CLEANUP_SLUG
from .report_words import in_words

log = logging.getLogger(__name__)


# --- creating and joining ----------------------------------------------------------------------

def create_workshop(owner, data: dict) -> Workshop:
    """A new workshop with a fresh join code (drawn again in the unlikely case it is taken)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Workshop.objects.create(owner=owner, join_code=codes.new_join_code(), **data)
        except IntegrityError:
            continue
    raise RuntimeError("could not draw an unused join code")


@dataclass
class JoinRefused(Exception):
    message: str
    field: str | None = "code"
    retry_after: int = 0  # seconds, when a rate limit refused the join


def participant_of(run) -> Participant | None:
    """The participant whose run this is, with their workshop, or None (also for no run). The one
    lookup for it: the join and help pages, and every page of a participant's run (wizard_plugins.participant_room)."""
    if run is None:
        return None
    if Run.participant.is_cached(run):  # read along with the run (wizard.rooms.RELATED): no query
        try:
            return run.participant
        except Participant.DoesNotExist:
            return None
    # A run has at most one participant (a one-to-one link): no ORDER BY as .first() would add,
    # whose compiling alone took about a third of this lookup's CPU, on every page of every run.
    participant = next(iter(Participant.objects.select_related("workshop").filter(run_id=run.pk)[:1]), None)
    if participant is not None:
        participant.run = run  # the run in hand: not read again
    return participant


def join_workshop(typed_code: str, display_name: str, client: str, now=None, returning: Participant | None = None) -> tuple:
    """Join by code: refuse a locked address, count wrong codes, respect the window; start an own run.
    `returning` is the participant this browser already is, if any: joining the same workshop again
    under the same name gives them back. Returns (participant, whether they joined just now).

    Only wrong codes count against the address (a ceiling far above a room's typos, see
    settings.RATE_LIMITS); a correct code is accepted until the address is locked. Every address
    that joins, or tries this workshop's code while locked, is remembered for the trainer's
    dashboard, which shows and lifts the limits of those addresses.
    """
    code = codes.normalize(typed_code)
    workshop = Workshop.objects.filter(join_code=code).first() if code else None
    locked = ratelimit.locked(lockouts.JOIN, client)
    if locked:
        if workshop is not None:
            lockouts.remember_address(workshop, client)
        raise JoinRefused(
            _("You did not join: joining from your network (%(client)s) is paused, because %(count)s wrong "
              "join codes were tried from it within %(minutes)s minutes. Your trainer can lift this from the "
              "workshop dashboard.") % {"client": client, "count": locked.count, "minutes": ratelimit.window_minutes(lockouts.JOIN)}
            + " " + ratelimit.retry_text(locked), None, locked.seconds_left)
    if workshop is None:
        ratelimit.fail(lockouts.JOIN, client)
        raise JoinRefused(_("No workshop has that code. Check it with your trainer: codes look like ABCD-EF23."))
    if returning is not None and returning.workshop_id == workshop.pk and returning.display_name.casefold() == display_name.casefold():
        return returning, False
    refusal = workshop.refusal(now)
    if refusal:
        raise JoinRefused(refusal, None)
    if workshop.participants.count() >= settings.WORKSHOP_MAX_PARTICIPANTS:
        # Each participant is a new emulated account (or IAM user): a leaked code must not mint them without end.
        raise JoinRefused(_("This workshop is full (%(max)s participants). Ask your trainer.") % {"max": settings.WORKSHOP_MAX_PARTICIPANTS}, None)
    if workshop.target == "sandbox" and retention.sandbox_full():
        raise JoinRefused(_("You did not join: the sandbox is full right now (this site holds as many emulated "
                            "AWS accounts as it may at once). Tell your trainer; try again later."), None)
    run = engine.start_run(target=workshop.target, role_arn=workshop.role_arn)
    lockouts.remember_address(workshop, client)
    return Participant.objects.create(workshop=workshop, run=run, display_name=display_name), True


# --- trainer sign-in ---------------------------------------------------------------------------
#
# Failed sign-ins count twice. Per client address, with a ceiling far above a room's typos
# ("trainer-login-address"), which stops a script trying many names or passwords from one place.
# And per user name ("trainer-login-user", a low limit), which stops guessing one trainer's
# password from many addresses. That second lock alone would let anyone who knows a trainer's
# user name (a participant in the room, which shares the trainer's address too) lock the trainer
# out with a few wrong passwords. So a browser where that trainer signed in before carries a
# signed cookie naming them; it is neither refused nor counted by the others' limits: its own
# failures count in a bucket of its own for that name (a stolen laptop still gets 10 tries in
# 10 minutes, and then also needs the trainer's authenticator). A trainer on a new browser
# can still be locked out by someone who wants to, for at most one window.

KNOWN_BROWSER_COOKIE = "trainer_browser"
_KNOWN_BROWSER_SALT = "iamwizard.workshops.known-browser"
_KNOWN_BROWSER_DAYS = 180


def _user_key(username: str) -> str:
    return (username or "").strip().casefold()


def known_browser(request, username: str) -> bool:
    """Whether this browser signed in before as `username` (a cookie signed with the secret key)."""
    value = request.get_signed_cookie(KNOWN_BROWSER_COOKIE, default=None, salt=_KNOWN_BROWSER_SALT,
                                      max_age=_KNOWN_BROWSER_DAYS * 86400)
    return value is not None and value == ratelimit.digest(_user_key(username))


def remember_browser(response, username: str):
    response.set_signed_cookie(
        KNOWN_BROWSER_COOKIE, ratelimit.digest(_user_key(username)), salt=_KNOWN_BROWSER_SALT,
        max_age=_KNOWN_BROWSER_DAYS * 86400, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
    )


def _login_buckets(client: str, username: str, known: bool) -> list:
    if known:
        return [("trainer-login-user", "known:" + _user_key(username))]
    return [("trainer-login-address", client), ("trainer-login-user", _user_key(username))]


def login_locked(client: str, username: str, known: bool):
    """The Status of the limit that refuses this sign-in, or None."""
    for name, ident in _login_buckets(client, username, known):
        locked = ratelimit.locked(name, ident)
        if locked:
            return locked
    return None


def login_failed(client: str, username: str, known: bool):
    for name, ident in _login_buckets(client, username, known):
        ratelimit.fail(name, ident)


# --- trainer actions ---------------------------------------------------------------------------

def close_workshop(workshop: Workshop, by=None) -> CleanupRecord | None:
    """Close the workshop: nobody joins any more, and participants' steps stop (they see that it
    has ended). With `cleanup_on_close`, clean up at once; returns that cleanup's record."""
    if not workshop.closed_at:
        workshop.closed_at = timezone.now()
        workshop.save(update_fields=["closed_at"])
        if workshop.cleanup_on_close:
            return cleanup_workshop(workshop, by)
    return None


def close_if_ended(workshop: Workshop, by=None, now=None) -> CleanupRecord | None:
    """A workshop past its closing time that nobody closed yet is closed now (and cleaned up,
    where set); returns that cleanup's record, or None."""
    if workshop.closed_at is None and (now or timezone.now()) >= workshop.closes_at:
        return close_workshop(workshop, by)
    return None


def close_ended_workshops(now=None) -> list:
    """Every workshop past its closing time: `manage.py close_workshops` runs this from cron (a
    trainer's dashboard also closes its own workshop when it opens). Returns the cleanup records."""
    now = now or timezone.now()
    records = [close_if_ended(w, now=now) for w in Workshop.objects.filter(closed_at__isnull=True, closes_at__lte=now)]
    return [r for r in records if r is not None]


def cleanup_participant(participant: Participant, from_step: str = "connect") -> dict:
    """Delete what the participant's run made (from `from_step` on), scoped by the run tag and
    the workshop's prefix."""
    run = participant.run
    ctx = engine.context_for(run, CLEANUP_SLUG)
    user = ctx.user_name
    prefix = participant.workshop.user_prefix
    report = CleanupReport()
    section = {"participant": participant.display_name, "user": user, "note": []}
    if user and not has_prefix(user, prefix):
        report.add(w("user", user=user), "skipped", False, w("not_prefixed", prefix=prefix))
    else:
        try:
            cleanup_from(ctx, from_step, report)
        except AwsError as exc:
            report.add(w("user", user=user) if user else w("run"), exc.operation, False, aws_words(exc, "aws.stopped"))
        except Exception:  # one participant's surprise must not stop the room's cleanup
            log.exception("workshop cleanup failed for participant %s", participant.pk)
            report.add(w("user", user=user) if user else w("run"), "cleanup", False, w("unexpected"))
        if not user:
            section["note"] = [w("no_user")]
    section["ok"] = report.ok
    section["lines"] = [{"resource": l.resource, "action": l.action, "ok": l.ok, "detail": l.detail} for l in report.lines]
    if report.ok and from_step == "connect":
        Participant.objects.filter(pk=participant.pk).update(cleaned_at=timezone.now())
    return section


def _record(workshop, by, scope, sections) -> CleanupRecord:
    """`scope` is a kind plus parameters (cleanup.in_words words it for each reader); `scope` the
    column keeps its words in the language of the request, for old readers and the admin."""
    return CleanupRecord.objects.create(
        workshop=workshop, created_by=by, scope=in_words(scope)[:200], scope_words=scope, sections=sections, ok=all(s["ok"] for s in sections),
    )


# Where a trainer can reset a participant from, and what goes: (step, label).
RESET_POINTS = [
    ("connect", gettext_lazy("The whole run: everything the participant made is deleted, and they start at step one.")),
    ("review", gettext_lazy("From “Review and create”: the IAM user (and the group it made) is deleted; the participant's choices are kept, so they can create it again.")),
    ("mfa", gettext_lazy("From “MFA”: only the user's MFA device is removed, so the participant can enrol it again.")),
]


def reset_participant(participant: Participant, by, from_step: str = "connect") -> CleanupRecord:
    """Clean up what the participant's run made from `from_step` on, then (only if that worked)
    put their run back at that step; they see a notice saying so on their next page."""
    section = cleanup_participant(participant, from_step)
    where = {"step": from_step}
    if section["ok"]:
        now = timezone.now()
        engine.reset_from(engine.context_for(participant.run, from_step), from_step, at=now)
        updates = {"reset_from": from_step, "help_requested_at": None, "help_note": ""}
        if from_step == "connect":
            updates.update(restarted_at=now, cleaned_at=None)
        Participant.objects.filter(pk=participant.pk).update(**updates)
        section["note"] = section["note"] + [w("reset_to", where=where)]
    else:
        section["note"] = section["note"] + [w("not_reset")]
    return _record(participant.workshop, by, w("reset_of", name=participant.display_name, where=where), [section])


def remove_participant(participant: Participant, by) -> CleanupRecord:
    """A duplicate or stray row: clean up what its run made, then remove it and its run (only if
    cleanup worked, so that nothing is left in AWS without a row that points at it)."""
    section = cleanup_participant(participant)
    if section["ok"]:
        with transaction.atomic():
            run = participant.run
            participant.delete()
            run.delete()
        section["note"] = section["note"] + [w("removed")]
    else:
        section["note"] = section["note"] + [w("not_removed")]
    return _record(participant.workshop, by, w("removal_of", name=participant.display_name), [section])


# --- the room --------------------------------------------------------------------------------

def ask_for_help(participant: Participant, note: str):
    Participant.objects.filter(pk=participant.pk).update(help_requested_at=timezone.now(), help_note=note)


def help_given(participant: Participant):
    Participant.objects.filter(pk=participant.pk).update(help_requested_at=None, help_note="")


def broadcast(workshop: Workshop, message: str):
    """Show `message` on every participant's page (an empty one takes the last one down)."""
    workshop.broadcast, workshop.broadcast_at = message, timezone.now() if message else None
    workshop.save(update_fields=["broadcast", "broadcast_at"])


def needs_cleanup(participant: Participant) -> bool:
    """Not cleaned yet, or the run moved on after the last cleanup (participants may go on working)."""
    return participant.cleaned_at is None or participant.run.updated_at > participant.cleaned_at


# What one participant's cleanup may take at most, of a request's time budget.
PARTICIPANT_SECONDS = 4


def cleanup_workshop(workshop: Workshop, by) -> CleanupRecord:
    """Close the workshop (nobody joins after cleanup), then clean up every participant's run that
    needs it, for at most WORKSHOP_CLEANUP_SECONDS per request (a room on real AWS takes minutes):
    the report names who was not reached, and pressing the button again goes on from there."""
    if not workshop.closed_at:
        workshop.closed_at = timezone.now()
        workshop.save(update_fields=["closed_at"])
    pending = [p for p in workshop.participants.select_related("run", "workshop") if needs_cleanup(p)]
    # The pass ends in time for the request's own budget too: a participant's cleanup (a dozen
    # calls) starts only while a few seconds of it are left.
    deadline = time.monotonic() + min(settings.WORKSHOP_CLEANUP_SECONDS, gateway.seconds_left() - PARTICIPANT_SECONDS)
    sections = []
    for index, participant in enumerate(pending):
        if index and time.monotonic() > deadline:
            left = pending[index:]
            sections.append({
                "participant": w("not_reached_count", count=len(left)),
                "user": "", "ok": False, "lines": [],
                "note": [w("not_reached", count=len(left), names=[p.display_name for p in left[:10]])],
            })
            break
        sections.append(cleanup_participant(participant))
    if not pending:
        sections.append({"participant": w("everyone"), "user": "", "ok": True, "lines": [], "note": [w("nothing_left")]})
    return _record(workshop, by, w("whole_workshop"), sections)
