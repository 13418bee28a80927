"""Step 6, assign MFA device: an authenticator app as the user's second factor.

What newcomers get wrong, and what this step does about it:

- The two codes are checked locally with the seed (core.totp.diagnose_codes) *before*
  AWS is called, so a wrong pair costs no AWS call and gets a precise message: same
  code twice, reversed, not consecutive, phone clock off by N minutes, secret key
  pasted instead of a code.
- Nothing is thrown away: a wrong code, or leaving and coming back, keeps the same
  device and QR code (the seed stays sealed in the run until the device is enabled).
  An unassigned device of the same name left over from an earlier try is replaced, so
  a retry never fails with EntityAlreadyExists; a name used by an assigned device is a
  field error.
- Code attempts are throttled per run as django-otp does: after the n-th wrong pair in
  a row the step refuses codes for 2^(n-1) seconds (capped), without calling AWS.
- Once enabled, ListMFADevices proves it and the seed is erased.
"""
import json
import math
import time
from datetime import datetime, timedelta, timezone

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import AwsError
from iamwizard.aws.paging import paginate
from iamwizard.core.names import iam_name_check, same_name
from iamwizard.core.problems import Problem
from iamwizard.core.totp import clean_code, diagnose_codes, group_secret, otpauth_uri, qr_svg

from .. import vault
from ..facts import as_is, said
from ..refusals import field_error
from .base import NotYetVisible, PlannedCall, Step, StepInputError
from .colleague import user_does_it_here
from .forms import OneTimeCodeInput, StepForm

# The step's idea of "now" (seconds since the epoch). Tests replace it to put codes at chosen moments.
clock = time.time

MAX_DEVICES_PER_USER = 8
# Wrong code pairs lock further tries for 2^(n-1) seconds after the n-th failure in a row, at most this long.
THROTTLE_CAP_SECONDS = 5 * 60
# Diagnoses that say nothing about the seed (typos caught by looking at the input alone) are not counted.
UNCOUNTED_KINDS = frozenset({"not_six_digits", "same_code_twice"})

CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off", "class": "otp"}


class DeviceNameForm(StepForm):
    device_name = forms.CharField(
        label=gettext_lazy("Device name"), max_length=300,
        help_text=gettext_lazy("Shown in AWS and in your app, so you can tell devices apart later. Letters, digits and + = , . @ _ -."),
    )

    def clean_device_name(self):
        name = self.cleaned_data["device_name"].strip()
        problem = iam_name_check(name, "device_name")
        if problem:
            raise field_error(problem)
        return name


class CodesForm(StepForm):
    # Not required and generously long: an empty field or a pasted secret key gets the
    # diagnosis's plain message (and the browser must not silently cut a paste short).
    # After a refused pair both fields come back empty: the next try needs new codes anyway.
    code1 = forms.CharField(label=gettext_lazy("MFA code 1"), max_length=400, required=False, widget=OneTimeCodeInput(attrs=CODE_ATTRS))
    code2 = forms.CharField(label=gettext_lazy("MFA code 2"), max_length=400, required=False, widget=OneTimeCodeInput(attrs=CODE_ATTRS))


def lock_seconds(failures: int) -> int:
    """How long code entry stays locked after `failures` wrong pairs in a row (django-otp's growing delay)."""
    if failures <= 0:
        return 0
    return min(2 ** min(failures - 1, 30), THROTTLE_CAP_SECONDS)


def seconds_locked(run, now: float) -> int:
    """Whole seconds (rounded up) until codes may be tried again; 0 when not locked."""
    if not run.mfa_locked_until:
        return 0
    # Rounded to milliseconds first: float seconds and the database's microseconds must not turn 1 s into 2.
    left = round(run.mfa_locked_until.timestamp() - now, 3)
    return math.ceil(left) if left > 0 else 0


def duration_words(seconds: int) -> str:
    seconds = max(1, int(seconds))
    if seconds < 60:
        return ngettext("%(count)s second", "%(count)s seconds", seconds) % {"count": seconds}
    minutes, rest = divmod(seconds, 60)
    text = ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
    if not rest:
        return text
    return _("%(minutes)s %(seconds)s") % {"minutes": text, "seconds": ngettext("%(count)s second", "%(count)s seconds", rest) % {"count": rest}}


def wait_words(seconds: int) -> str:
    """When codes may be tried again, as a sentence: "Wait a second..." for the shortest wait, else "Try again in N seconds."."""
    seconds = max(1, int(seconds))
    if seconds < 2:
        return _("Wait a second before you try again.")
    if seconds < 60:
        return ngettext("Try again in %(count)s second.", "Try again in %(count)s seconds.", seconds) % {"count": seconds}
    return _("Try again in %(duration)s.") % {"duration": duration_words(seconds)}


def wait_countdown(seconds: int):
    """wait_words(seconds) as HTML that static/js/countdown.js counts down in place: the sentence read
    later must still be true. The server hands over the seconds left, the sentences to show on the way
    (in the page's language, plurals included: the script has no words of its own) and the one for
    the end; without JavaScript the sentence stays as drawn."""
    seconds = max(1, int(seconds))
    return format_html('<span class="countdown" data-seconds="{}" data-words="{}" data-done="{}">{}</span>',
                       seconds, json.dumps(countdown_words(seconds), ensure_ascii=False), _("You can try again now."),
                       wait_words(seconds))


def countdown_words(seconds: int) -> list:
    """[[up_to, sentence], ...], up_to ascending: the sentence shown while at most up_to seconds are left
    (and more than the entry before's). Every second of the last minute; above it every ten seconds, a
    wait at most ten seconds longer than the truth, never shorter, so that the five-minute wait's page
    carries 85 sentences, not 300; and the wait itself at the top."""
    marks = [left for left in range(1, seconds + 1) if left <= 60 or left % 10 == 0 or left == seconds]
    return [[left, wait_words(left)] for left in marks]


def locked_notice(seconds: int):
    """Why code entry waits, and for how long: shown by the codes form while it is locked (HTML: the countdown)."""
    return format_html("{} {}", _("After a wrong code, the wizard waits a little before it checks new codes (longer after each wrong try), "
                                  "to keep guessers out."), wait_countdown(seconds))


def locked_message(seconds: int, codes: int = 2):
    """The refusal of codes sent while code entry is locked: they were not checked at all."""
    not_checked = _("These codes were not checked.") if codes > 1 else _("This code was not checked.")
    return format_html("{} {}", not_checked, locked_notice(seconds))


def locked_error(seconds: int, field: str, codes: int = 2) -> StepInputError:
    """The refusal, on the code field it concerns (`code1` when enrolling, `mfa_code` at a sign-in)."""
    return StepInputError(field, locked_message(seconds, codes), "mfa.locked", {"seconds": seconds})


def _moment(now: float) -> datetime:
    return datetime.fromtimestamp(now, tz=timezone.utc)


def count_failure(run, now):
    """Record one more wrong code (pair) and lock code entry for a while; returns a sentence saying how long
    (even the first, one-second wait: a try sent at once is refused, and the page must have said so),
    as HTML after a space: the countdown (wait_countdown)."""
    run.mfa_failures += 1
    wait = lock_seconds(run.mfa_failures)
    run.mfa_locked_until = _moment(now) + timedelta(seconds=wait)
    run.save(update_fields=["mfa_failures", "mfa_locked_until", "updated_at"])
    return format_html(" {}", wait_countdown(wait))


def check_code_pair(run, seed, code1, code2, now, device_name=None):
    """Refuse, on its field and before AWS is asked, a pair of codes that cannot be right
    (core.totp's diagnoses: lengths, same code twice, reversed, a gap, a phone clock off, the
    secret key pasted, another app entry); a wrong guess counts towards the growing delay.
    Shared by every enrolment: the user's device and the root user's."""
    for number, code in enumerate((clean_code(code1), clean_code(code2)), start=1):
        # core.totp calls 8+ digits made only of 2-7 "the secret key" (they are valid base32): say what it is.
        if code.isascii() and code.isdigit() and len(code) != 6:
            raise StepInputError.of(f"code{number}", Problem("mfa.code_length", {"code": number, "digits": len(code)}))
    diagnosis = diagnose_codes(seed, code1, code2, now=now, device_name=device_name)
    if not diagnosis.ok:
        more = count_failure(run, now) if diagnosis.kind not in UNCOUNTED_KINDS else ""
        raise StepInputError.of(diagnosis.field, diagnosis.problem, more)


def end_throttling(run):
    run.mfa_failures = 0
    run.mfa_locked_until = None


class Mfa(Step):
    slug = "mfa"
    title = gettext_lazy("Assign MFA device")
    nav_title = gettext_lazy("MFA")
    template = "wizard/steps/mfa.html"
    stylesheets = ("css/mfa.css",)
    scripts = ("js/countdown.js",)  # the wait after a wrong code counts down (wait_countdown)
    irreversible = True
    why = (
        gettext_lazy("A password can leak: phished, reused elsewhere, read over a shoulder. Multi-factor "
                     "authentication adds something the person has: a phone app that shows a new six-digit code "
                     "every 30 seconds. A stolen password alone then opens nothing."),
        gettext_lazy("The app and AWS share a secret key (inside the QR code). Both compute the code from that key and "
                     "the current time, which is why the phone's clock must be right."),
        gettext_lazy("AWS asks for two codes in a row to be sure the app is set up correctly before it starts asking "
                     "for them at every sign-in."),
    )

    def applies(self, ctx):
        """A user made for someone else sets up their own MFA at their first sign-in (steps/colleague.py)."""
        return user_does_it_here(ctx)

    def forms(self, ctx):
        if ctx.result(self.slug).get("serial") and vault.unseal(ctx.run.mfa_seed_box):
            return {"enable": CodesForm, "create_device": DeviceNameForm}
        return {"create_device": DeviceNameForm}

    def initial(self, ctx, action):
        return {"device_name": ctx.result(self.slug).get("device_name") or ctx.user_name}

    def completes(self, action, result):
        return action == "enable"

    def planned_calls(self, ctx):
        user = ctx.user_name
        name = ctx.result(self.slug).get("device_name") or user
        serial = ctx.result(self.slug).get("serial") or f"arn:aws:iam::{ctx.run.account_id}:mfa/{name}"
        return [
            PlannedCall("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": name}, _("AWS makes a secret key and the QR code that carries it.")),
            PlannedCall("iam", "EnableMFADevice", {"UserName": user, "SerialNumber": serial, "AuthenticationCode1": "<code-1>", "AuthenticationCode2": "<code-2>"}, _("Ties the device to the user, once two codes in a row prove the app works. The wizard checks the codes itself first, so a mistake gets a precise explanation.")),
            PlannedCall("iam", "ListMFADevices", {"UserName": user}, _("Reads back the user's devices to prove it.")),
        ]

    def execute(self, ctx, action, data):
        if action == "create_device":
            return self._create_device(ctx, data["device_name"])
        return self._enable(ctx, data.get("code1", ""), data.get("code2", ""))

    # --- the device ---------------------------------------------------------------

    def _create_device(self, ctx, name):
        result = ctx.result(self.slug)
        previous = result.get("serial")
        if previous and result.get("device_name") == name and vault.unseal(ctx.run.mfa_seed_box):
            return {}  # same device as before: keep its QR code
        try:
            device = ctx.iam("CreateVirtualMFADevice", VirtualMFADeviceName=name)["VirtualMFADevice"]
        except AwsError as exc:
            if exc.code != "EntityAlreadyExists":
                raise
            device = self._replace_orphan(ctx, name)
        seed = device["Base32StringSeed"]
        seed = seed.decode() if isinstance(seed, bytes) else seed
        ctx.run.mfa_seed_box = vault.seal(seed)
        ctx.save_run("mfa_seed_box")
        if previous and previous != device["SerialNumber"]:
            self._forget_device(ctx, previous)
        return {"serial": device["SerialNumber"], "device_name": name}

    def _forget_device(self, ctx, serial):
        """A new name replaced this run's earlier (never enabled) device: remove it rather than leave it behind."""
        try:
            ctx.iam("DeleteVirtualMFADevice", SerialNumber=serial)
        except AwsError:
            pass  # already gone, or not ours to delete any more: the new device matters, not this one

    def _virtual_devices(self, ctx):
        return paginate(ctx.iam, "ListVirtualMFADevices", "VirtualMFADevices")

    def _replace_orphan(self, ctx, name):
        """A device of that name exists. If nobody uses it (an abandoned earlier try), remove and recreate it."""
        # IAM names are unique ignoring case
        same = [d for d in self._virtual_devices(ctx) if same_name(d["SerialNumber"].rsplit("/", 1)[-1], name)]
        owner = next((d["User"].get("UserName", "") for d in same if d.get("User")), None)
        if owner is not None:
            if owner == ctx.user_name:
                raise StepInputError("device_name", _("%(user)s already has an MFA device named %(name)s. Choose another name for this one, for example %(name)s-2.") % {"user": owner, "name": name}, "mfa.device_name_taken")
            raise StepInputError("device_name", _("The name %(name)s is taken: another user (%(owner)s) has an MFA device with it. Choose another name, for example %(user)s-phone.") % {"name": name, "owner": owner, "user": ctx.user_name}, "mfa.device_name_taken")
        if not same:
            raise StepInputError("device_name", _("A device named %(name)s already exists in this account. Choose another name.") % {"name": name}, "mfa.device_name_taken")
        for orphan in same:
            self._forget_device(ctx, orphan["SerialNumber"])
        return ctx.iam("CreateVirtualMFADevice", VirtualMFADeviceName=name)["VirtualMFADevice"]

    # --- the codes ----------------------------------------------------------------

    def _enable(self, ctx, code1, code2):
        run = ctx.run
        ctx.refresh_run("mfa_seed_box", "mfa_failures", "mfa_locked_until")
        now = clock()
        if wait := seconds_locked(run, now):
            raise locked_error(wait, "code1")
        result = ctx.result(self.slug)
        serial = result["serial"]
        seed = vault.unseal(run.mfa_seed_box)
        if not seed:
            raise StepInputError(None, _("The wizard no longer holds this device's secret key. Create the device again below."), "mfa.device_gone")
        check_code_pair(run, seed, code1, code2, now, result.get("device_name"))
        try:
            ctx.iam("EnableMFADevice", UserName=ctx.user_name, SerialNumber=serial, AuthenticationCode1=clean_code(code1), AuthenticationCode2=clean_code(code2))
        except AwsError as exc:
            if exc.code == "InvalidAuthenticationCode":
                raise StepInputError(None, format_html("{}{}", exc.problem.message, count_failure(run, now)), "mfa.refused_by_aws") from None
            if exc.code != "EntityAlreadyExists" or not self._enabled(ctx, serial):
                raise
        # The app has the key now; the wizard must not keep it. Success also ends any throttling.
        run.mfa_seed_box = b""
        end_throttling(run)
        ctx.save_run("mfa_seed_box", "mfa_failures", "mfa_locked_until")
        return {}

    def _enabled(self, ctx, serial) -> bool:
        devices = ctx.iam("ListMFADevices", UserName=ctx.user_name).get("MFADevices", [])
        return any(d["SerialNumber"] == serial for d in devices)

    def verify(self, ctx, result):
        devices = ctx.iam("ListMFADevices", UserName=ctx.user_name).get("MFADevices", [])
        mine = next((d for d in devices if d["SerialNumber"] == result["serial"]), None)
        if mine is None:
            raise NotYetVisible.of("mfa.device_not_listed")
        result["read_back"] = {"mfa_devices": [d["SerialNumber"] for d in devices]}
        return [as_is(gettext_noop("MFA device"), mine["SerialNumber"]), as_is(gettext_noop("Enabled"), f"{mine['EnableDate']:%Y-%m-%d %H:%M} UTC"),
                said(gettext_noop("Devices for this user"), gettext_noop("%(count)s of at most %(max)s"), count=len(devices), max=MAX_DEVICES_PER_USER)]

    def context(self, ctx):
        result = ctx.result(self.slug)
        seed = vault.unseal(ctx.run.mfa_seed_box) if result.get("serial") else None
        if not seed:
            return {"device_ready": False, "max_devices": MAX_DEVICES_PER_USER}
        uri = otpauth_uri(seed, result["device_name"], ctx.account_label)
        return {
            "device_ready": True, "otpauth_uri": uri, "qr_svg": qr_svg(uri, _("QR code for your authenticator app")), "secret_groups": group_secret(seed),
            "device_name": result["device_name"], "account_label": ctx.account_label,
            "locked_message": locked_notice(wait) if (wait := seconds_locked(ctx.run, clock())) else "",
            "max_devices": MAX_DEVICES_PER_USER,
        }
