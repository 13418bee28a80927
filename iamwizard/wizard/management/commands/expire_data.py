"""Remove what retention says is due: idle anonymous runs, closed workshops' data, their emulated
accounts (run it daily from cron or a systemd timer; see deploy/README.md)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from iamwizard.wizard import retention


class Command(BaseCommand):
    help = (
        "Remove runs idle for IAMWIZARD_RUN_IDLE_DAYS (no workshop), workshops closed more than "
        "IAMWIZARD_WORKSHOP_KEEP_DAYS ago with their participants and runs, the runs' AWS-call records, "
        "refused tries and emulated accounts, and expired sessions. Open workshops and runs in use are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only say what would be removed")

    def handle(self, *args, dry_run=False, **options):
        report = retention.expire(dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(
            f"Rules: runs without a workshop after {settings.IAMWIZARD_RUN_IDLE_DAYS} idle days; "
            f"workshops {settings.IAMWIZARD_WORKSHOP_KEEP_DAYS} days after they closed."
        )
        for title, closed, people in report.workshops:
            self.stdout.write(f"{verb} workshop “{title}” (closed {closed:%Y-%m-%d %H:%M} UTC) with {people} participant(s).")
        self.stdout.write(
            f"{verb} {report.runs} run(s) ({report.anonymous_runs} without a workshop, {report.participants} "
            f"of workshops' participants), {report.aws_calls} AWS-call record(s), {report.refusals} refused "
            f"tr{'y' if report.refusals == 1 else 'ies'}, {report.accounts} emulated account(s) "
            f"({report.orphans} of no run), "
            f"{report.sessions} expired session(s)."
        )
        self.stdout.write(f"Emulated accounts alive now: {retention.live_sandbox_accounts()} of at most {settings.IAMWIZARD_MAX_SANDBOX_ACCOUNTS}.")
        if not report.ok:
            raise CommandError("Not everything due was removed: " + "; ".join(report.problems) + ". The next run tries again.")
