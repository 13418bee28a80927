from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "iamwizard.wizard"
    label = "wizard"
    verbose_name = "IAM wizard"

    def ready(self):
        from . import refusals  # noqa: F401  (the Refusal model lives beside models.py)
