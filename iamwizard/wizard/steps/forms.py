"""Shared form plumbing: every step form gets the step context (run, answers, AWS access)."""
from django import forms


class StepForm(forms.Form):
    def __init__(self, *args, ctx=None, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the console's labels carry no colon
        super().__init__(*args, **kwargs)
        self.ctx = ctx


class ConfirmForm(StepForm):
    """A step whose only input is the button press."""


class OneTimeCodeInput(forms.TextInput):
    """A one-time code (MFA): typed in the open, but like a password never shown back after a
    refused submit: a code that failed is spent, and a page must not carry it."""

    render_value = False

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)
