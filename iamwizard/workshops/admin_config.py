"""The admin app config, apart from apps.py (two default AppConfigs in one module confuse Django)."""
from django.contrib.admin.apps import AdminConfig


class TrainerAdminConfig(AdminConfig):
    """django.contrib.admin, with a site that refuses every session not verified by TOTP."""

    default_site = "iamwizard.workshops.adminsite.TrainerAdminSite"
