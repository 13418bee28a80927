"""What the wizard refused, per run and step: the struggles a trainer needs to see.

Every refused submit (a form rule, an MFA diagnosis, a practice sign-in turned down, AWS
saying no, a rate limit) leaves one row per problem, all rows of one submit sharing `at`.
A row holds the problem's kind, the field and the problem's recordable parameters: never
what was typed (passwords, codes, names), which `Problem.typed` keeps apart.
"""
from django import forms
from django.core.cache import cache
from django.utils import timezone

from iamwizard.core.problems import Problem

from .models import Refusal


def field_error(problem: Problem, message: str = "") -> forms.ValidationError:
    """A form error showing the problem's words (or `message`) and carrying the problem itself, for recording."""
    error = forms.ValidationError(message or problem.text, code=problem.kind)
    error.problem = problem
    return error


def problem_of(error: forms.ValidationError) -> Problem:
    """The problem behind a form error: ours carry it; Django's own ("required"...) give their code, no params."""
    problem = getattr(error, "problem", None)
    if isinstance(problem, Problem):
        return problem
    code = error.code or "invalid"
    return Problem(code if "." in code else f"form.{code}")  # "tags.invalid" is ours; "required" is Django's


def form_problems(form) -> list:
    """(field, Problem) for every error of a bound form."""
    if form is None:
        return []
    return [(name if name != forms.forms.NON_FIELD_ERRORS else "", problem_of(error))
            for name, errors in form.errors.as_data().items() for error in errors]


def record(run_id, step: str, problems, at=None):
    """One row per (field, Problem), all at the same moment (one refused submit)."""
    at = at or timezone.now()
    rows = [Refusal(run_id=run_id, step=step, at=at, kind=p.kind[:60], field=(name or "")[:40], params=dict(p.params))
            for name, p in problems]
    if len(rows) == 1:
        rows[0].save()
    elif rows:
        Refusal.objects.bulk_create(rows)


def outcome_problems(outcome) -> list:
    """What a refused submit (engine.Outcome) was refused for: AWS's error code, or the form's errors."""
    if outcome.problem is not None:
        return [("", Problem("aws.error", {"code": outcome.problem.code}))]
    return form_problems(outcome.form)


def record_limit(run_id, step: str, seconds: int):
    """A run went over a rate limit: one row per limit window (a flood must not write a row per request)."""
    if cache.add(f"refusal-limit:{run_id}", 1, max(1, seconds)):
        record(run_id, step, [("", Problem("limit.run_posts", {"seconds": seconds}))])
