"""A cleanup record's stored words (wizard.cleanup.in_words) in the reader's language, with the
steps named as the wizard names them (a reset's "to “MFA”")."""
from iamwizard.wizard import cleanup
from iamwizard.wizard.steps import BY_SLUG


def step_title(slug: str) -> str:
    return str(BY_SLUG[slug].nav_title)


def in_words(value) -> str:
    return cleanup.in_words(value, step_title)
