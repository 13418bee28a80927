"""Close every workshop past its closing time, and clean up those set to (run it from cron)."""
from django.core.management.base import BaseCommand

from iamwizard.workshops.services import close_ended_workshops


class Command(BaseCommand):
    help = "Close workshops past their closing time; clean up those with 'clean up when the workshop closes' on."

    def handle(self, *args, **options):
        records = close_ended_workshops()
        for record in records:
            state = "complete" if record.ok else "with failures (see the report on the dashboard)"
            self.stdout.write(f"{record.workshop.title}: closed and cleaned up, {state}.")
        if not records:
            self.stdout.write("No workshop to clean up.")
