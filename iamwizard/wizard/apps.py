from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "iamwizard.wizard"
    label = "wizard"
    verbose_name = "IAM wizard"

    def ready(self):
        # The pure cores answer with kinds and parameters; their words come from words.py, in the
        # active language (issue 15).
        from iamwizard.core import problems

        from . import words

        problems.use_words(words)
