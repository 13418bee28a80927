from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "iamwizard.wizard"
    label = "wizard"
    verbose_name = "IAM wizard"
