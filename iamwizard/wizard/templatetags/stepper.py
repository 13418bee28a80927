"""`{% stepper_items nav run_path observer %}`: the stepper's items written in Python.

The stepper is the page's longest loop (one item per step, each a handful of conditions and
variables) and cannot be kept by {% once %}: its links carry the run's address and its items the
run's progress. This writes exactly what the loop in wizard/step.html wrote, item by item."""
from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()
ARIA_CURRENT = ' aria-current="step"'


@register.simple_tag
def stepper_items(nav, run_path, observer):
    done, failed, here, to_do = gettext("(done)"), gettext("(needs attention)"), gettext("(you are here)"), gettext("(to do)")
    run_path = conditional_escape(run_path)
    parts = []
    for item in nav:
        status, current, title = item["status"], item["current"], conditional_escape(item["title"])
        parts.append(f'\n<li class="{conditional_escape(status)}{" current" if current else ""}">')
        if item["reachable"] and not current and not observer:
            parts.append(f'<a href="{run_path}{conditional_escape(item["slug"])}/">{title}</a>')
        else:
            parts.append(f'<span{ARIA_CURRENT if current else ""}>{title}</span>')
        label = done if status == "done" else failed if status == "failed" else here if current else to_do
        parts.append(f'\n<span class="status-label">{conditional_escape(label)}</span></li>')
    return mark_safe("".join(parts))
