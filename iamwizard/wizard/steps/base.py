"""What every wizard step declares.

A step is one module holding one `Step` subclass: its title, the teaching text, the
form(s) it asks, `execute()` (idempotent: safe to run twice, it detects what already
exists), `verify()` (reads AWS back to prove the step happened) and the AWS calls it
makes, from which the equivalent AWS CLI commands are derived.
"""
import copy
from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from iamwizard.core.cli import cli_command
from iamwizard.core.problems import Problem

from ..refusals import field_error
from ..words import not_confirmed, not_yet_visible

NO_SUCH_ENTITY = "NoSuchEntity"


@dataclass
class PlannedCall:
    service: str
    operation: str
    params: dict = field(default_factory=dict)
    note: str = ""

    @property
    def cli(self):
        return cli_command(self.service, self.operation, self.params)


class StepInputError(Exception):
    """Something the user typed turned out wrong once checked (e.g. MFA codes): show it on the field.
    `kind` and `params` say what it was, for the record (refusals.py); never what was typed."""

    def __init__(self, field, message, kind="", params=None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.problem = Problem(kind or "step.input", dict(params or {}))

    @classmethod
    def of(cls, field, problem: Problem, more: str = ""):
        """For a problem a core check found: its words (and `more` words after them, HTML when they are
        safe: the MFA wait's countdown)."""
        return cls(field, format_html("{}{}", problem.text, more) if more else problem.text, problem.kind, problem.params)

    @property
    def error(self):
        """The form error: these words, carrying the problem."""
        return field_error(self.problem, self.message)


class Step:
    slug = ""
    title = ""
    nav_title = ""
    # Teaching text: a few short paragraphs, in plain words, that say why.
    why: tuple = ()
    # True on the copy shown() makes when words_now replaced the title and teaching text: words
    # about this run, which the page must not keep ({% once ... unless step.words_changed %}).
    words_changed = False
    template = "wizard/steps/generic.html"
    # Optional step-specific part shown inside the generic form, above its button.
    extra_template = None
    # The step's own stylesheets (static paths), after wizard.css, which holds only what every page uses.
    stylesheets: tuple = ()
    # The step's own scripts (static paths, loaded deferred), after wizard.js.
    scripts: tuple = ()
    submit_label = gettext_lazy("Continue")
    # Once done, a step marked irreversible freezes every step before it (the user exists now).
    irreversible = False
    # After success, stay on the step to show what AWS confirmed (False: go straight on).
    show_result = True
    # Run execute() as soon as the run reaches this step (read-only steps such as the summary).
    auto_execute = False
    # AWS error answers that are how this step finds something out, not failures:
    # (operation, error code) -> what the answer means. The calls table shows them as expected.
    expected_answers: dict = {}

    def applies(self, ctx) -> bool:
        return True

    def forms(self, ctx) -> dict:
        """action name -> form class; the POST field `action` picks one (default: the first)."""
        return {}

    def completes(self, action, result) -> bool:
        """Whether a successful `action` (which produced `result`) finishes the step; multi-stage steps say no for early stages."""
        return True

    def initial(self, ctx, action) -> dict:
        return ctx.answers(self.slug)

    def planned_calls(self, ctx) -> list:
        return []

    def execute(self, ctx, action, data) -> dict:
        """Do the step's work and return non-secret facts to keep. Must be idempotent."""
        return {}

    def verify(self, ctx, result) -> list:
        """Read AWS back; return (label, value) facts that prove the step. Raise StepNotConfirmed if AWS disagrees."""
        return []

    def vanished(self, ctx) -> dict | None:
        """For a done step: if what it made is gone from AWS (a reset sandbox, someone deleted it),
        say so as a stored failure ({"kind": "vanished", "params": {...}}, worded by
        words.failure_message in the reader's language); None while it is still there. Called
        when a run resumes."""
        return None

    def words_now(self, ctx) -> dict:
        """Title and teaching text ({"title": ..., "why": ...}) that replace the usual ones once an
        action made them untrue (Done after Delete this user); empty while the usual ones hold."""
        return {}

    def shown(self, ctx) -> "Step":
        """The step as its page presents it now: itself, or a copy whose words fit what has happened."""
        words = self.words_now(ctx)
        if not words:
            return self
        now = copy.copy(self)
        now.__dict__.update(words)
        now.words_changed = True
        return now

    def expected_answer(self, ctx, operation, code) -> str:
        """What AWS's error `code` to `operation` means when this step expects it ("" when it is a failure)."""
        return self.expected_answers.get((operation, code), "")

    def context(self, ctx) -> dict:
        """Extra template context for this step's page."""
        return {}


class StepNotConfirmed(Exception):
    """AWS did not show what the step should have made (yet): the step is not done.

    `StepNotConfirmed.of(kind, **params)` carries a kind of words.NOT_CONFIRMED, so the failure
    is stored as a kind plus parameters and worded again in each reader's language; one raised
    with words alone stores those words."""

    kind, params = "", {}

    @classmethod
    def of(cls, kind: str, **params):
        exc = cls(not_confirmed(kind, params))
        exc.kind, exc.params = kind, params
        return exc

    @property
    def words(self) -> dict:
        """What to store (StepState.error_words): {} when it was raised with words alone."""
        return {"kind": "not_confirmed", "params": {"kind": self.kind, "params": self.params}} if self.kind else {}

    @property
    def error(self):
        return field_error(Problem("step.not_confirmed"), str(self))


class NotYetVisible(StepNotConfirmed):
    """AWS's read-back does not show yet what the step has just made (a membership, an attachment,
    a device). IAM is eventually consistent: the engine reads again for a while (engine.verify_settled);
    when this still reaches the page, its words say why, and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
        self.waited = 0.0  # seconds the engine kept reading, set when it gives up

    def __str__(self):
        return not_yet_visible(self.message, round(self.waited, 1))

    @property
    def words(self) -> dict:
        if not self.kind:
            return {}
        return {"kind": "not_yet_visible", "params": {"kind": self.kind, "params": self.params, "waited": round(self.waited, 1)}}
