"""The workshops' models in the Django admin (Django's autodiscovery imports this module)."""
from django.contrib import admin

from .models import CleanupRecord, Participant, Workshop


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "target", "user_prefix", "opens_at", "closes_at", "closed_at"]
    list_filter = ["target"]
    exclude = ["join_code"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["display_name", "workshop", "joined_at", "cleaned_at"]
    exclude = ["run"]  # the run id is the participant's resume link: not shown


@admin.register(CleanupRecord)
class CleanupRecordAdmin(admin.ModelAdmin):
    list_display = ["workshop", "scope", "ok", "created_at", "created_by"]
