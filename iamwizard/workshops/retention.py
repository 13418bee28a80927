"""Retention of workshops: a workshop's data expires IAMWIZARD_WORKSHOP_KEEP_DAYS after it closed.

The wizard's retention pass (`iamwizard/wizard/retention.py`, run by `manage.py expire_data`) calls
`expire_closed_workshops` first (registered in its EXPIRERS by `apps.WorkshopsConfig.ready`): each
closed workshop goes with its participants (their names), their runs (removed by the wizard's
`remove_runs`, their emulated accounts with them) and its cleanup reports. A workshop that has not
closed is never touched, nor is one with a step claimed in a participant's run.
"""
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from iamwizard.wizard.models import Run
from iamwizard.wizard.retention import remove_runs

from .models import Participant, Workshop


def closed_workshops(now=None):
    """Workshops that closed more than IAMWIZARD_WORKSHOP_KEEP_DAYS ago (by the trainer, or at their
    closing time) and have no step claimed in any participant's run."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.IAMWIZARD_WORKSHOP_KEEP_DAYS)
    ended = Q(closed_at__lt=since) | Q(closed_at__isnull=True, closes_at__lt=since)
    return Workshop.objects.filter(ended).exclude(participants__run__steps__lease_until__gt=now)


def expire_closed_workshops(now, report):
    """Remove the workshops due (see closed_workshops), each with its participants' runs; with
    `report.dry_run`, only count them. May raise the wizard's SandboxUnreachable (the pass stops)."""
    for workshop in list(closed_workshops(now)):
        run_ids = list(Participant.objects.filter(workshop=workshop).values_list("run_id", flat=True))
        # Re-checked at deletion: the workshop's runs, none with a step claimed meanwhile.
        recheck = Run.objects.filter(participant__workshop=workshop).exclude(steps__lease_until__gt=timezone.now())
        removed = remove_runs(run_ids, report, recheck)
        report.participants += len(removed)
        if len(removed) == len(run_ids):
            if not report.dry_run:
                workshop.delete()  # its participants (none left), cleanup reports
            report.workshops.append((workshop.title, workshop.closed_at or workshop.closes_at, len(run_ids)))
