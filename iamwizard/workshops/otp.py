"""Trainer sign-in: password, then a TOTP code (django-otp), enrolled with a QR code at first login."""
import math
from base64 import b32encode
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

from django.utils.translation import gettext as _

from iamwizard.core.totp import group_secret, qr_svg
from iamwizard.wizard.steps.mfa import wait_countdown


def safe_next(request, default=None) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default or reverse("workshops:home")


def _to(name, next_url):
    return redirect(f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


def trainer_required(view):
    """Only a signed-in trainer whose session passed the TOTP step; everyone else is sent to the step they lack."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return _to("workshops:login", request.get_full_path())
        if not user.is_verified():
            return _to("workshops:otp", request.get_full_path())
        request.no_store = True
        return view(request, *args, **kwargs)

    return wrapped


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one on every reload, so a scanned code stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def enrolment_context(device) -> dict:
    return {"qr": qr_svg(device.config_url, _("QR code for your authenticator app")), "secret_key": group_secret(b32encode(device.bin_key).decode())}


def _seconds_until(moment) -> int:
    """Whole seconds (rounded up, at least 1) from now until `moment`."""
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))


def _wait(device):
    """" Try again in N seconds." (HTML: the countdown) when django-otp's throttling now makes the trainer wait, else ""."""
    allowed, info = device.verify_is_allowed()
    until = None if allowed else (info or {}).get("locked_until")
    return format_html(" {}", wait_countdown(_seconds_until(until))) if until else ""


def check_token(device, token: str):
    """"" when the code is right (the device is then confirmed), else what to tell the trainer (HTML: the
    wait in it counts down, static/js/countdown.js).

    django-otp throttles a device after a wrong code (1, 2, 4... seconds): a code sent meanwhile is
    not checked at all, and the words say so, and how long to wait, rather than calling it wrong."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until = (info or {}).get("locked_until")
        wait = wait_countdown(_seconds_until(until)) if until else _("Wait a little before you try again.")
        return format_html("{} {}", _("That code was not checked: after a wrong code, the sign-in waits a little before it checks the next one "
                                      "(longer after each wrong try), to keep guessers out."), wait)
    if not device.verify_token(token):
        return format_html("{}{}", _("That code is not right. Type the 6-digit code your authenticator app shows now."), _wait(device))
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return ""
