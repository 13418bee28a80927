"""`{{ s.note|record_words }}` (after `{% load report_words %}`): a cleanup record's stored words in
the reader's language (see iamwizard/workshops/report_words.py)."""
from django import template

from iamwizard.workshops import report_words

register = template.Library()


@register.filter
def record_words(value) -> str:
    return report_words.in_words(value)
