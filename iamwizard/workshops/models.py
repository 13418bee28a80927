"""Workshops: a trainer's room of participants, each with a wizard run of their own.

The wizard's models stay untouched: a Participant links one wizard.Run to a workshop.
"""
from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iamwizard.wizard.models import Run

from . import codes


BROADCAST_MAX = 280
HELP_NOTE_MAX = 200


def _when(moment) -> dict:
    """A UTC moment's time and date, in the active language's formats."""
    moment = moment.astimezone(dt_timezone.utc)
    return {"time": formats.time_format(moment, "TIME_FORMAT"), "date": formats.date_format(moment, "DATE_FORMAT")}


class Workshop(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(max_length=200)
    target = models.CharField(max_length=16, choices=Run.TARGETS, default="sandbox")
    role_arn = models.CharField(gettext_lazy("role ARN to assume"), max_length=2048, blank=True)
    user_prefix = models.CharField(gettext_lazy("user-name prefix"), max_length=32)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    join_code = models.CharField(max_length=codes.LENGTH, unique=True, default=codes.new_join_code, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the workshop closes (the trainer's button, or its closing time), clean up by itself.
    cleanup_on_close = models.BooleanField(gettext_lazy("clean up when the workshop closes"), default=True)
    # The trainer's message to the room, shown on every participant's page.
    broadcast = models.CharField(max_length=BROADCAST_MAX, blank=True)
    broadcast_at = models.DateTimeField(null=True, blank=True)
    # A participant counts as stuck after this many refused attempts on their current step,
    # or after this long without a step done or a try made.
    stuck_attempts = models.PositiveSmallIntegerField(
        gettext_lazy("stuck after refused attempts"), default=3, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=gettext_lazy("Flag a participant as stuck once the wizard refused this many tries on their current step."),
    )
    stuck_idle_minutes = models.PositiveSmallIntegerField(
        gettext_lazy("stuck after idle minutes"), default=10, validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=gettext_lazy("Flag a participant as stuck after this many minutes with no step done and no try made."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def join_code_display(self) -> str:
        return codes.display(self.join_code)

    def refusal(self, now=None) -> str:
        """Why nobody can join right now, or "" when joining is open."""
        now = now or timezone.now()
        if self.closed_at:
            return _("This workshop has been closed by the trainer, so it no longer takes new participants.")
        if now < self.opens_at:
            return _("This workshop opens at %(time)s UTC on %(date)s. Try again then.") % _when(self.opens_at)
        if now >= self.closes_at:
            return _("This workshop closed at %(time)s UTC on %(date)s, so it no longer takes new participants.") % _when(self.closes_at)
        return ""

    @property
    def is_open(self) -> bool:
        return not self.refusal()

    def has_ended(self, now=None) -> bool:
        """Closed by the trainer, or past its closing time: participants' steps stop."""
        return self.closed_at is not None or (now or timezone.now()) >= self.closes_at


class Participant(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="participant")
    display_name = models.CharField(max_length=60)
    joined_at = models.DateTimeField(default=timezone.now)
    # When the participant began step one: joining, or the trainer's last reset.
    restarted_at = models.DateTimeField(default=timezone.now)
    cleaned_at = models.DateTimeField(null=True, blank=True)
    # "I need help": set by the participant, cleared by the trainer.
    help_requested_at = models.DateTimeField(null=True, blank=True)
    help_note = models.CharField(max_length=HELP_NOTE_MAX, blank=True)
    # The step the trainer last reset the run from, until the participant has seen the notice.
    reset_from = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]

    def __str__(self):
        return self.display_name


class CleanupRecord(models.Model):
    """The per-resource report of a workshop cleanup or a participant reset, kept for the trainer."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="cleanups")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    scope = models.CharField(max_length=200)
    # The scope as a kind plus parameters, worded in each reader's language (wizard.cleanup.in_words);
    # {} in records stored before, whose `scope` words stand.
    scope_words = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(default=True)
    # [{"participant": name, "user": iam user name, "ok": bool, "note": str,
    #   "lines": [{"resource", "action", "ok", "detail"}]}]; "participant", "note", "resource" and
    # "detail" are kinds plus parameters (a note, a list of them) since they are worded for each
    # reader (wizard.cleanup.in_words), plain words in records stored before.
    sections = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def scope_text(self) -> str:
        from .report_words import in_words

        return in_words(self.scope_words) if self.scope_words else self.scope
