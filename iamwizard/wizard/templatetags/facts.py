"""`{% for label, value in state.result.verified|in_words %}` (after `{% load facts %}`): what AWS
confirmed about a step, in the reader's language (see iamwizard/wizard/facts.py)."""
from django import template

from iamwizard.wizard import facts

register = template.Library()


@register.filter
def in_words(verified) -> list:
    return facts.in_words(verified)
