"""`{{ line.resource|cleanup_words }}` (after `{% load cleanup %}`): a cleanup report's stored words
(a kind plus parameters, or plain words in reports stored before) in the reader's language (see
iamwizard/wizard/cleanup.py in_words)."""
from django import template

from iamwizard.wizard import cleanup

register = template.Library()


@register.filter
def cleanup_words(value) -> str:
    return cleanup.in_words(value)
