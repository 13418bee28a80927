"""What the wizard remembers: a run, each step's state, and every AWS call it made.

Secrets never sit here in plaintext: the one-time console password and the MFA seed
are Fernet-encrypted (see `vault.py`) and erased as soon as they have served.
"""
import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from iamwizard.core.cli import cli_command


def new_run_id():
    # 12 url-safe characters: a public reference (step URLs, logs), never enough to open the run.
    # What opens it is the resume link's key (links.py), stored only as a hash.
    return secrets.token_urlsafe(9)


def new_sandbox_account_id():
    return str(secrets.randbelow(900_000_000_000) + 100_000_000_000)


class Run(models.Model):
    """One newcomer's walk through the wizard, resumable from any browser with its link.

    `id` is a public reference; the resume link's secret key is kept only as `resume_key_hash`."""

    TARGETS = [("sandbox", gettext_lazy("Sandbox (emulated AWS)")), ("aws", gettext_lazy("Real AWS account"))]

    id = models.CharField(primary_key=True, max_length=40, default=new_run_id, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    target = models.CharField(max_length=16, choices=TARGETS, default="sandbox")
    # SHA-256 of the resume link's key (links.py); a new link replaces it.
    resume_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The emulated account a sandbox run acts in, or the real account once connected.
    account_id = models.CharField(max_length=12, blank=True)
    role_arn = models.CharField(max_length=2048, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    current_step = models.CharField(max_length=40, default="connect")
    # Encrypted one-time secrets (vault.py); empty once used.
    password_box = models.BinaryField(default=b"", blank=True)
    mfa_seed_box = models.BinaryField(default=b"", blank=True)
    mfa_failures = models.PositiveIntegerField(default=0)
    mfa_locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"run {self.tag_value[:8]} ({self.target})"

    @property
    def tag_value(self) -> str:
        """What the run's AWS resources are tagged with, derived from the id (runs from before
        resume keys were opened by their id, so tags never carried the id itself)."""
        return hashlib.sha256(self.id.encode()).hexdigest()[:24]


class StepState(models.Model):
    PENDING, RUNNING, DONE, FAILED, SKIPPED = "pending", "running", "done", "failed", "skipped"
    STATUSES = [(s, s) for s in (PENDING, RUNNING, DONE, FAILED, SKIPPED)]

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    # Non-secret facts the step learned or made (ARNs, names, progress markers).
    result = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)  # the words, in the language of the request that failed
    # What the failure was, to be worded in the reader's language ({"kind": ..., "params": {...}},
    # wizard/words.failure_message); {} on rows from before it, which show error_message.
    error_words = models.JSONField(default=dict, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the step was last reset (a trainer's reset): its calls from before are not shown again.
    reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "step"], name="one_state_per_step")]

    def __str__(self):
        return f"{self.step}: {self.status}"


class AwsCall(models.Model):
    """One AWS API call, as recorded by the boundary: never with secret parameters."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="aws_calls", null=True, blank=True)
    step = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(default=timezone.now)
    service = models.CharField(max_length=20)
    operation = models.CharField(max_length=80)
    parameters = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(default=True)
    error_code = models.CharField(max_length=100, blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    milliseconds = models.PositiveIntegerField(default=0)
    # IAM is eventually consistent: a call that met NoSuchEntity about something the run had just
    # made is asked again (gateway.Gateway.at_once). Each attempt is its own row, numbered;
    # `retried` marks the answers that were asked again.
    attempt = models.PositiveSmallIntegerField(default=1)
    retried = models.BooleanField(default=False)

    @property
    def cli(self) -> str:
        """The AWS CLI command that makes the same call (secret values appear as placeholders)."""
        return cli_command(self.service, self.operation, self.parameters)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["run", "step"])]


class Refusal(models.Model):
    """One problem of a refused submit (refusals.py records them): its kind, field and recordable
    parameters, never what was typed."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="refusals")
    step = models.CharField(max_length=40)
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=60)
    field = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["run", "step", "at"])]

    def __str__(self):
        return f"{self.step}: {self.kind}"
