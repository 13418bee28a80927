"""Warm a fresh web worker up before it takes its first request.

A new worker otherwise makes its first participants wait: it compiles every template, builds
the URL resolver and loads boto3's service models (the IAM model alone is a large JSON file)
while they watch. Together that took about a second on the first enrolment. gunicorn calls
`warm_up()` once per worker (deploy/gunicorn.conf.py, post_worker_init).
"""
import time
from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.template.loader import get_template
from django.urls import reverse

from iamwizard.aws import gateway

from .engine import sandbox_endpoints_configured
from .steps import STEPS


def _template_names():
    names = {"base.html", "wizard/step.html", "wizard/home.html", "wizard/_form.html", "wizard/_field.html", "429.html"}
    for step in STEPS:
        names.update(n for n in (step.template, step.extra_template) if n)
    return sorted(names)


def _form_template_names():
    """Django's own templates for form widgets and labels, which the form renderer compiles."""
    root = Path(django.forms.__file__).parent / "templates"
    return sorted(str(path.relative_to(root)) for path in (root / "django" / "forms").rglob("*.html"))


def warm_up() -> dict:
    """Compile the wizard's templates and Django's form widget templates, resolve its URLs once
    and create the AWS clients its target needs (no AWS call is made). Returns what it did,
    with the milliseconds it took."""
    started = time.perf_counter()
    templates = _template_names()
    for name in templates:
        get_template(name)
    form_templates = _form_template_names()
    renderer = get_default_renderer()
    for name in form_templates:
        renderer.get_template(name)
    reverse("wizard:home")
    if settings.IAMWIZARD_TARGET != "sandbox":
        services = gateway.warm_up(None)
    elif settings.IAMWIZARD_SANDBOX_URL:
        services = [s for endpoint in sandbox_endpoints_configured() for s in gateway.warm_up(endpoint)]
    else:
        services = []  # the embedded sandbox starts with the first run, not in every worker
    return {"templates": len(templates), "form_templates": len(form_templates), "aws_clients": services, "milliseconds": round((time.perf_counter() - started) * 1000)}
