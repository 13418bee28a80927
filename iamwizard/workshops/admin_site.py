"""The Django admin, behind the same TOTP second factor as trainer pages."""
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.admin import OTPAdminSite


class TrainerAdminSite(OTPAdminSite):
    """OTPAdminSite (has_permission demands an OTP-verified session), whose login is the trainer login.

    Not signed in: the trainer login page. Signed in but not verified: the OTP step.
    Verified but not staff: refused (redirecting would loop).
    """

    site_header = gettext_lazy("IAM wizard administration")
    site_title = gettext_lazy("IAM wizard admin")

    def login(self, request, extra_context=None):
        if self.has_permission(request):
            return redirect(reverse("admin:index", current_app=self.name))
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('workshops:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        if not user.is_verified():
            return redirect(f"{reverse('workshops:otp')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        raise PermissionDenied("This account may not use the admin.")
