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
