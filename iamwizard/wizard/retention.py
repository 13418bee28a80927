"""What expires, and when: the wizard's side of retention (`manage.py expire_data` runs it).

A public instance keeps nothing for ever. Two rules, with the numbers from settings
(core/retention.py reads and checks them):

* **A run started from the front page** (no workshop) expires once nothing happened in it for
  `IAMWIZARD_RUN_IDLE_DAYS` (30) days: no step submitted, claimed or finished, no AWS call, no
  refused try, no save of its answers, and nobody opening it (its resume link, "Continue your
  run"). A run with a step claimed right now never expires, however old.
* **A workshop** expires `IAMWIZARD_WORKSHOP_KEEP_DAYS` (30) days after it closed (the trainer's
  Close, or its closing time). With it go its participants (their names), their runs, and its
  cleanup reports. A workshop that has not closed is never touched, nor are its participants' runs,
  however long they have been idle. That rule is the workshops app's (workshops/retention.py),
  registered in EXPIRERS: this module removes the runs it names.

With a run go its step states, its recorded AWS calls and its refused tries (the database cascades
them) and, on the sandbox, its emulated account (the sandbox's `POST /_sandbox/accounts/drop`:
memory and saved file). A saved emulated account that no run holds (its participant was removed,
it was made with the AWS CLI) goes once unchanged for the idle days. The sandbox is asked first: when it cannot be reached, those runs stay,
and the next pass tries again, so no account is left behind without its run.

Also here: the ceiling on live emulated accounts (`IAMWIZARD_MAX_SANDBOX_ACCOUNTS`), which Start and
Join check before they make a new one.
"""
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from .engine import sandbox_endpoint, sandbox_endpoints_configured
from .models import AwsCall, Refusal, Run

log = logging.getLogger(__name__)

BATCH = 200  # runs per transaction, and accounts per request to the sandbox


# --- the ceiling -------------------------------------------------------------------------------------

def live_sandbox_accounts() -> int:
    """Emulated accounts alive now: one per sandbox run still kept."""
    return Run.objects.filter(target="sandbox").count()


def sandbox_full() -> bool:
    """Whether a new sandbox run would go over IAMWIZARD_MAX_SANDBOX_ACCOUNTS."""
    return live_sandbox_accounts() >= settings.IAMWIZARD_MAX_SANDBOX_ACCOUNTS


# --- what is due ---------------------------------------------------------------------------------------

def idle_runs(now=None):
    """Runs without a workshop, idle for IAMWIZARD_RUN_IDLE_DAYS, none of whose steps is claimed."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.IAMWIZARD_RUN_IDLE_DAYS)
    runs = Run.objects.filter(participant__isnull=True, created_at__lt=since, updated_at__lt=since)
    # One exclude per relation: each becomes its own NOT EXISTS (a run must have none of them).
    runs = runs.exclude(steps__lease_until__gt=now).exclude(steps__started_at__gte=since)
    runs = runs.exclude(steps__finished_at__gte=since).exclude(steps__reset_at__gte=since)
    return runs.exclude(aws_calls__at__gte=since).exclude(refusals__at__gte=since)


# --- the report -------------------------------------------------------------------------------------

@dataclass
class Report:
    """What a pass removed (or, with dry_run, would remove)."""

    dry_run: bool = False
    workshops: list = field(default_factory=list)  # [(title, closed at, participants)]
    runs: int = 0  # every run removed, a workshop's included
    anonymous_runs: int = 0
    participants: int = 0
    aws_calls: int = 0
    refusals: int = 0
    accounts: int = 0  # emulated accounts the sandbox dropped (or would drop)
    orphans: int = 0  # of those, accounts of no run (a removed participant's, the AWS CLI's) unchanged as long
    sessions: int = 0  # expired browser sessions
    problems: list = field(default_factory=list)  # what could not be done (the sandbox unreachable...)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- the sandbox -------------------------------------------------------------------------------------

class SandboxUnreachable(Exception):
    pass


def drop_sandbox_accounts(account_ids) -> int:
    """Ask the sandbox to drop these emulated accounts (memory and saved state); returns how many it
    had. Raises SandboxUnreachable when it cannot be asked."""
    account_ids = [a for a in account_ids if a]
    if not account_ids:
        return 0
    if not settings.IAMWIZARD_SANDBOX_URL:
        return _drop_embedded(account_ids)
    by_endpoint = {}
    for account_id in account_ids:  # each account lives on one sandbox, chosen from its id
        by_endpoint.setdefault(sandbox_endpoint(account_id), []).append(account_id)
    dropped = 0
    for endpoint, held in by_endpoint.items():
        for start in range(0, len(held), BATCH):
            dropped += len(_post_drop(endpoint, held[start:start + BATCH])["dropped"])
    return dropped


def unchanged_sandbox_accounts(days) -> list:
    """The sandbox's saved accounts unchanged for `days` days (its `GET /_sandbox/accounts`)."""
    if not settings.IAMWIZARD_SANDBOX_URL:
        from iamwizard.sandbox import unchanged_saved_accounts

        return unchanged_saved_accounts(settings.DATA_DIR / "sandbox", days)
    unchanged = []
    for endpoint in sandbox_endpoints_configured():  # every sandbox lists its own
        try:
            with urllib.request.urlopen(f"{endpoint.rstrip('/')}/_sandbox/accounts?unchanged_days={days}", timeout=30) as answer:
                unchanged += json.load(answer)["unchanged"]
        except (OSError, ValueError, KeyError) as exc:
            raise SandboxUnreachable(f"the sandbox at {endpoint} did not list its accounts ({exc})") from None
    return sorted(unchanged)


def _post_drop(endpoint, account_ids) -> dict:
    endpoint = endpoint.rstrip("/")
    body = urllib.parse.urlencode({"account": account_ids}, doseq=True).encode()
    request = urllib.request.Request(f"{endpoint}/_sandbox/accounts/drop", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)
    except (OSError, ValueError) as exc:  # refused, timed out, an HTTP error, not JSON
        raise SandboxUnreachable(f"the sandbox at {endpoint} did not drop the accounts ({exc})") from None


def _drop_embedded(account_ids) -> int:
    """No standalone sandbox: the sandbox lives in the app's process, its state in DATA_DIR/sandbox.
    When it runs in this process, drop through it; otherwise remove the saved files (a development
    server running elsewhere forgets those accounts at its next restart)."""
    from iamwizard.sandbox import drop_saved_accounts

    return drop_saved_accounts(settings.DATA_DIR / "sandbox", account_ids)


# --- the pass ---------------------------------------------------------------------------------------

def remove_runs(run_ids, report, recheck) -> list:
    """Drop the runs' emulated accounts, then delete the runs (still due: `recheck`). Returns the ids
    actually removed. Nothing is deleted from the database when the sandbox cannot be asked."""
    removed = []
    for start in range(0, len(run_ids), BATCH):
        batch = run_ids[start:start + BATCH]
        rows = list(recheck.filter(pk__in=batch).values_list("pk", "target", "account_id"))
        if not rows:
            continue
        ids = [pk for pk, _, _ in rows]
        sandbox_accounts = [account for _, target, account in rows if target == "sandbox" and account]
        calls = AwsCall.objects.filter(run_id__in=ids).count()
        refused = Refusal.objects.filter(run_id__in=ids).count()
        if not report.dry_run:
            report.accounts += drop_sandbox_accounts(sandbox_accounts)  # may raise SandboxUnreachable
            with transaction.atomic():
                Run.objects.filter(pk__in=ids).delete()
        else:
            report.accounts += len(sandbox_accounts)
        report.runs += len(ids)
        report.aws_calls += calls
        report.refusals += refused
        removed += ids
    return removed


def _sweep_orphans(report):
    """Emulated accounts that belong to no run (a participant the trainer removed, an account made
    with the AWS CLI on a standalone sandbox, a pass that stopped half-way) follow the idle rule too:
    dropped once unchanged for IAMWIZARD_RUN_IDLE_DAYS. An account a run still holds is never one."""
    unchanged = unchanged_sandbox_accounts(settings.IAMWIZARD_RUN_IDLE_DAYS)
    for start in range(0, len(unchanged), BATCH):
        batch = unchanged[start:start + BATCH]
        held = set(Run.objects.filter(target="sandbox", account_id__in=batch).values_list("account_id", flat=True))
        orphans = [a for a in batch if a not in held]
        dropped = len(orphans) if report.dry_run else drop_sandbox_accounts(orphans)
        report.orphans += dropped
        report.accounts += dropped


# Apps that gather runs into groups of their own register here how those expire (the workshops app:
# a closed workshop with its participants' runs, workshops/retention.py), called as
# `expire_group(now, report)` before the idle runs, each removing its runs with `remove_runs`.
# The wizard knows nothing of workshops (rooms.py: the same kind of registry).
EXPIRERS: list = []


def expire(now=None, dry_run=False) -> Report:
    """Remove everything due (see the module's docstring); with `dry_run`, only count it."""
    now = now or timezone.now()
    report = Report(dry_run=dry_run)
    try:
        for expire_group in EXPIRERS:  # the workshops app's closed workshops, with their runs
            expire_group(now, report)
        run_ids = list(idle_runs(now).values_list("pk", flat=True))
        # Re-checked at deletion (a newcomer may have come back since the list was made).
        before = report.runs
        remove_runs(run_ids, report, idle_runs(timezone.now() if not dry_run else now))
        report.anonymous_runs = report.runs - before
        _sweep_orphans(report)
    except SandboxUnreachable as exc:
        report.problems.append(str(exc))
    if dry_run:
        report.sessions = Session.objects.filter(expire_date__lt=now).count()
    else:
        report.sessions = Session.objects.filter(expire_date__lt=now).delete()[0]
    return report
