import re
import unicodedata
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iamwizard.core.digits import has_foreign_digits
from iamwizard.core.names import user_name_problem
from iamwizard.wizard.steps.forms import OneTimeCodeInput

from . import codes
from .models import BROADCAST_MAX, HELP_NOTE_MAX, Workshop

ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", re.ASCII)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
STUCK_FIELDS = ("stuck_attempts", "stuck_idle_minutes")


class AsciiDateTimeField(forms.DateTimeField):
    """Django reads ٢٠٣٠-٠١-٠١ (other scripts' digits) as a date: accept the digits 0-9 only."""

    def to_python(self, value):
        if isinstance(value, str) and has_foreign_digits(value):
            raise forms.ValidationError(gettext_lazy("Type the date and time with the digits 0 to 9."), code="invalid")
        return super().to_python(value)


class AsciiIntegerField(forms.IntegerField):
    """Django's int() reads ٣ (other scripts' digits) as 3: accept the digits 0-9 only."""

    def to_python(self, value):
        if isinstance(value, str) and has_foreign_digits(value):
            raise forms.ValidationError(gettext_lazy("Type the number with the digits 0 to 9."), code="invalid")
        return super().to_python(value)


ASCII_NUMBERS = {"stuck_attempts": AsciiIntegerField, "stuck_idle_minutes": AsciiIntegerField}


class WorkshopForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["title", "target", "role_arn", "user_prefix", "opens_at", "closes_at", "stuck_attempts", "stuck_idle_minutes", "cleanup_on_close"]
        field_classes = {"opens_at": AsciiDateTimeField, "closes_at": AsciiDateTimeField, **ASCII_NUMBERS}
        labels = {"opens_at": gettext_lazy("Opens at (UTC)"), "closes_at": gettext_lazy("Closes at (UTC)"), "target": gettext_lazy("Where participants work")}
        help_texts = {
            "target": gettext_lazy("Sandbox: every participant gets an emulated AWS account of their own (no AWS account needed)."),
            "role_arn": gettext_lazy("Real AWS only, optional: a role the app assumes for participants' calls, e.g. arn:aws:iam::123456789012:role/Workshop."),
            "user_prefix": gettext_lazy("Participants' IAM user names must start with this, e.g. ws-0612-. Cleanup only touches users with this prefix and the run's tag."),
        }
        widgets = {
            "target": forms.RadioSelect,
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now().replace(second=0, microsecond=0)
        self.fields["opens_at"].initial = now
        self.fields["closes_at"].initial = now + timedelta(hours=4)
        self.fields["user_prefix"].initial = f"ws-{now:%m%d}-"
        for name in STUCK_FIELDS:  # left empty: the defaults
            self.fields[name].required = False

    def _stuck_default(self, name):
        value = self.cleaned_data.get(name)
        return Workshop._meta.get_field(name).default if value is None else value

    def clean_stuck_attempts(self):
        return self._stuck_default("stuck_attempts")

    def clean_stuck_idle_minutes(self):
        return self._stuck_default("stuck_idle_minutes")

    def clean_user_prefix(self):
        prefix = self.cleaned_data["user_prefix"].strip()
        problem = user_name_problem(prefix)
        if problem:
            raise forms.ValidationError(problem)
        if len(prefix) > 32:
            raise forms.ValidationError(gettext_lazy("Keep the prefix to 32 characters, so names stay short."))
        return prefix

    def clean(self):
        data = super().clean()
        target, role_arn = data.get("target"), (data.get("role_arn") or "").strip()
        if role_arn and target != "aws":
            self.add_error("role_arn", gettext_lazy("A role ARN is only used with a real AWS account; leave it empty for the sandbox."))
        elif role_arn and not ROLE_ARN.fullmatch(role_arn):
            self.add_error("role_arn", gettext_lazy("That is not a role ARN: it looks like arn:aws:iam::123456789012:role/Name."))
        data["role_arn"] = role_arn
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes:
            if closes <= opens:
                self.add_error("closes_at", gettext_lazy("The workshop must close after it opens."))
            elif closes <= timezone.now():
                self.add_error("closes_at", gettext_lazy("That time has already passed."))
        return data


class StuckForm(forms.ModelForm):
    """The dashboard's small edit of when a participant counts as stuck."""

    class Meta:
        model = Workshop
        fields = ["stuck_attempts", "stuck_idle_minutes"]
        field_classes = ASCII_NUMBERS
        labels = {"stuck_attempts": gettext_lazy("Refused tries on a step"), "stuck_idle_minutes": gettext_lazy("Idle minutes")}
        help_texts = {"stuck_attempts": "", "stuck_idle_minutes": ""}


class JoinForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Join code"), max_length=20, help_text=gettext_lazy("The code your trainer shows, like ABCD-EF23 (upper or lower case, dash optional)."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}))
    display_name = forms.CharField(label=gettext_lazy("Your name"), max_length=60, help_text=gettext_lazy("How your trainer will see you on the dashboard."),
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))

    def clean_code(self):
        typed = self.cleaned_data["code"]
        if codes.normalize(typed) is None:
            raise forms.ValidationError(_("A join code has %(length)s letters and digits, like ABCD-EF23 (there is no 0, 1, I, L or O in them).") % {"length": codes.LENGTH})
        return typed

    def clean_display_name(self):
        # Control and format characters (NUL, bidi overrides...) are junk on a dashboard: drop them.
        name = _one_line(self.cleaned_data["display_name"])
        if not name:
            raise forms.ValidationError(gettext_lazy("Type your name."))
        return name


class TokenForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("Code from your authenticator app"), max_length=12,
                            widget=OneTimeCodeInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def clean_token(self):
        token = re.sub(r"\s+", "", self.cleaned_data["token"])
        if has_foreign_digits(token):  # django-otp's int() would read ١٢٣٤٥٦ as 123456
            raise forms.ValidationError(gettext_lazy("Type the code with the digits 0 to 9."))
        if not re.fullmatch(r"[0-9]{6}", token):
            raise forms.ValidationError(gettext_lazy("Type the 6 digits your authenticator app shows."))
        return token


def _one_line(text: str) -> str:
    """Control and format characters dropped (NUL, bidi overrides...), runs of spaces made one."""
    kept = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


class BroadcastForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message to every participant"), max_length=BROADCAST_MAX, required=False,
        help_text=format_lazy(gettext_lazy("Shown at the top of every participant's page, {max} characters at most. Send an empty message to take it down."), max=BROADCAST_MAX),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_message(self):
        return _one_line(self.cleaned_data["message"])


class HelpForm(forms.Form):
    action = forms.ChoiceField(choices=[("ask", "ask"), ("cancel", "cancel")])
    note = forms.CharField(max_length=HELP_NOTE_MAX, required=False,
                           error_messages={"max_length": format_lazy(gettext_lazy("Keep the note to {max} characters."), max=HELP_NOTE_MAX)})

    def clean_note(self):
        return _one_line(self.cleaned_data["note"])


class ResetForm(forms.Form):
    from_step = forms.ChoiceField(label=gettext_lazy("What to reset"), widget=forms.RadioSelect, initial="connect",
                                  error_messages={"required": gettext_lazy("Choose what to reset."), "invalid_choice": gettext_lazy("Choose what to reset.")})

    def __init__(self, *args, **kwargs):
        from .services import RESET_POINTS

        super().__init__(*args, **kwargs)
        self.fields["from_step"].choices = RESET_POINTS
