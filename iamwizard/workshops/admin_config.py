"""django.contrib.admin's app config (INSTALLED_APPS names it), pointing at `admin_site.TrainerAdminSite`.

Apart from apps.py (two default AppConfigs in one module confuse Django) and from admin_site.py
(which imports django_otp's admin, not importable while INSTALLED_APPS is being loaded).
"""
from django.contrib.admin.apps import AdminConfig


class TrainerAdminConfig(AdminConfig):
    """django.contrib.admin, with a site that refuses every session not verified by TOTP."""

    default_site = "iamwizard.workshops.admin_site.TrainerAdminSite"
