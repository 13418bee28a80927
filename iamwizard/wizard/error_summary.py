"""The error summary at the top of a refused page, in the manner of the GOV.UK Design System.

A view hands its refused form (and, on a wizard step, the AWS problem or the step's failed
state) to `summarise`; templates/_error_summary.html shows the result first in <main>, the
page title starts with "Error: ", and static/js/wizard.js moves focus to it. Each problem links
to its field; secret fields (passwords, MFA codes: widgets that never render their value) come
back empty, and the summary says which were cleared.
"""
from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .models import StepState
from .words import failure_text

# Where a form-level error links when the form has no visible field: its block in _form.html.
FORM_ERRORS_ANCHOR = "form-errors"


@dataclass
class ErrorSummary:
    items: list = field(default_factory=list)    # (message, id of the element it links to)
    cleared: list = field(default_factory=list)  # (label, id) of secret fields typed in and emptied
    aws: dict | None = None  # kind ("refused", "not-visible-yet", "failed", "vanished"), message, code, missing_permission, retryable

    def __bool__(self):
        return bool(self.items or self.aws)

    @property
    def cleared_links(self) -> str:
        """The cleared fields as links, listed in the active language ("A, B and C")."""
        links = [format_html('<a href="#{}">{}</a>', anchor, label) for label, anchor in self.cleared]
        if len(links) < 2:
            return mark_safe("".join(links))
        return mark_safe(_("%(items)s and %(last)s") % {"items": ", ".join(links[:-1]), "last": links[-1]})


def field_anchor(bound_field) -> str:
    """The id a summary link points at: the input itself, or the first of its radios/checkboxes.
    A form may name another target for a field it renders by hand (`error_anchors`)."""
    custom = getattr(bound_field.form, "error_anchors", {}).get(bound_field.name)
    if custom:
        return custom
    for subwidget in bound_field.subwidgets:
        if subwidget.id_for_label:
            return subwidget.id_for_label
    return bound_field.auto_id


def is_secret(bound_field) -> bool:
    """Widgets that never show a typed value again (PasswordInput, OneTimeCodeInput)."""
    return getattr(bound_field.field.widget, "render_value", True) is False


def summarise(form=None, messages=(), problem=None, state=None) -> ErrorSummary:
    """Everything wrong with a refused page, in page order.

    `messages`: problems outside the form (a throttled sign-in, say), linked like form-level errors.
    `problem`: the AWS error of this submit (its message is also the form's own error: shown once).
    `state`: a wizard step's state, whose failed or vanished status shows when nothing else does."""
    summary = ErrorSummary()
    fields = list(form.visible_fields()) if form is not None else []
    first = field_anchor(fields[0]) if fields else FORM_ERRORS_ANCHOR
    if problem is not None:
        # A NoSuchEntity about what the run had just made, asked again until the click's time ran
        # out, is no refusal: its message says what happened and what to do, with no "AWS said no."
        kind = "not-visible-yet" if problem.not_visible_yet else "refused"
        summary.aws = _aws(kind, problem.message, problem.code, problem.missing_permission, problem.retryable)
    summary.items += [(message, first) for message in messages]
    if form is not None and form.is_bound and form.errors:
        summary.items += [(message, first) for message in form.non_field_errors() if problem is None or message != problem.message]
        for bound_field in fields:
            summary.items += [(message, field_anchor(bound_field)) for message in bound_field.errors]
        summary.cleared = [(f.label, field_anchor(f)) for f in fields if is_secret(f) and f.data]
    if not summary and state is not None and (state.error_message or state.error_words):
        # Worded now, in the reader's language (a row from before error_words shows its stored words).
        message = failure_text(state.error_words, state.error_message)
        if state.error_code == "Vanished":
            summary.aws = _aws("vanished", message)
        elif state.status == StepState.FAILED:
            summary.aws = _aws("failed", message, state.error_code)
    return summary


def _aws(kind, message, code="", missing_permission="", retryable=False) -> dict:
    # Every key always present: a template's failed lookup would log the whole page context, secrets included.
    return {"kind": kind, "message": message, "code": code, "missing_permission": missing_permission or "", "retryable": retryable}
