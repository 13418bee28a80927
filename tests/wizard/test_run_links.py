"""step.html builds its links to the run's pages from the run's address (views._page_context's
`run_path`, reversed once) instead of a {% url %} each: they must be what the URLconf gives."""
from django.urls import reverse

from iamwizard.wizard.steps import STEPS

RUN_ID = "AbCdEf012345"


def test_run_path_plus_the_rest_is_what_reverse_gives():
    run_path = reverse("wizard:resume", args=[RUN_ID])
    for step in STEPS:
        assert run_path + f"{step.slug}/" == reverse("wizard:step", args=[RUN_ID, step.slug])
        assert run_path + f"{step.slug}/progress" == reverse("wizard:progress", args=[RUN_ID, step.slug])
    assert run_path + "resume-link/" == reverse("wizard:new_resume_link", args=[RUN_ID])


# The loop step.html had before templatetags/stepper.py wrote its items.
FORMER_STEPPER = (
    '{% load i18n %}{% translate "(done)" as done_label %}{% translate "(needs attention)" as failed_label %}'
    '{% translate "(you are here)" as here_label %}{% translate "(to do)" as to_do_label %}{% for item in nav %}\n'
    '<li class="{{ item.status }}{% if item.current %} current{% endif %}">{% if item.reachable and not item.current and not observer %}'
    '<a href="{{ run_path }}{{ item.slug }}/">{{ item.title }}</a>{% else %}<span{% if item.current %} aria-current="step"{% endif %}>'
    '{{ item.title }}</span>{% endif %}\n<span class="status-label">{% if item.status == "done" %}{{ done_label }}'
    '{% elif item.status == "failed" %}{{ failed_label }}{% elif item.current %}{{ here_label }}{% else %}{{ to_do_label }}{% endif %}'
    '</span></li>{% endfor %}')


def test_stepper_items_as_the_template_loop_wrote_them():
    from django.template import Context, Template
    from django.utils.translation import override

    from iamwizard.wizard.templatetags.stepper import stepper_items

    nav = [{"slug": s.slug, "title": s.nav_title, "status": status, "current": current, "reachable": reachable}
           for s, (status, current, reachable) in zip(STEPS, [("done", False, True), ("failed", False, True), ("running", True, True),
                                                              ("pending", False, False), ("skipped", False, True), ("done", True, True),
                                                              ("pending", False, True), ("failed", True, False), ("pending", False, False)])]
    nav.append({"slug": "x", "title": "<b>&", "status": "done", "current": False, "reachable": True})
    run_path = reverse("wizard:resume", args=[RUN_ID])
    for lang in ("en", "es", "ja"):
        with override(lang):
            for observer in (None, "Alice"):
                former = Template(FORMER_STEPPER).render(Context({"nav": nav, "run_path": run_path, "observer": observer}))
                assert stepper_items(nav, run_path, observer) == former
