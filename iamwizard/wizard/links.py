"""Resume links and the browsers they bind.

A run has two names. Its id is a short public reference: it is in every step URL, in
logs and on the trainer's screen, and opens nothing by itself. Its resume link carries a
secret key, of which the database keeps only a SHA-256 hash. Opening the link binds the
run to that browser (the Django session: an HttpOnly, SameSite cookie, Secure in
production) and redirects to step URLs without the key; every step page then works from
the binding alone. Starting a run binds the browser that started it; the link itself is made
when its owner asks for one (or joins a workshop).

A new link replaces the old one: the old link stops working, and so does every binding
made with it, except the browser that asked for the new link. A link is shown once, on the
page right after it was made; until then it waits in the session sealed by the vault.

Links issued before this scheme were the run id itself. Such a run's stored hash is the
hash of its id, so its old link opens it once more, and is then replaced.
"""
import hashlib
import hmac
import re
import secrets

from django.urls import reverse

from . import vault
from .models import Run

KEY = re.compile(r"[A-Za-z0-9_-]{32,64}")
# Run ids are url-safe base64 (short public references; 32 characters for runs from before keys).
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
# The session keeps the runs this browser opened: {run id: fingerprint of the link in force}.
SESSION_RUNS = "wizard_runs"
SESSION_NEW_LINK = "wizard_new_link"
BOUND_RUNS_KEPT = 20


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _fingerprint(run: Run) -> str:
    # A part of the stored hash: it changes with every new link, and reveals nothing usable.
    return run.resume_key_hash[:24]


def resume_path(key: str) -> str:
    """The link's path. The key travels in the query string: access logs that keep only the
    path (deploy/gunicorn.conf.py, the proxy configuration in deploy/README.md) never see it."""
    return f"{reverse('wizard:resume_link')}?key={key}"


def issue(request, run: Run, show: bool = True):
    """Make a new resume link for `run` (the old one stops working), bind this browser with
    it, and keep it to be shown once on the next page (unless `show` is False: a new run's
    browser needs no link until its owner asks for one)."""
    key = secrets.token_urlsafe(24)
    run.resume_key_hash = key_hash(key)
    Run.objects.filter(pk=run.pk).update(resume_key_hash=run.resume_key_hash)
    bind(request, run)
    if show:
        request.session[SESSION_NEW_LINK] = [run.pk, vault.seal(key).decode()]


def run_for_key(key: str) -> Run | None:
    """The run whose link carries `key`, or None."""
    if not KEY.fullmatch(key or ""):
        return None
    return Run.objects.filter(resume_key_hash=key_hash(key)).first()


def legacy_run(run_id: str) -> Run | None:
    """A run from before resume keys, opened by its old link (the run id itself), or None."""
    run = Run.objects.filter(pk=run_id).first()
    if run is not None and hmac.compare_digest(run.resume_key_hash, key_hash(run_id)):
        return run
    return None


def bind(request, run: Run):
    runs = {k: v for k, v in request.session.get(SESSION_RUNS, {}).items() if k != run.pk}
    runs[run.pk] = _fingerprint(run)  # last, as the latest one
    request.session[SESSION_RUNS] = dict(list(runs.items())[-BOUND_RUNS_KEPT:])


def is_bound(request, run: Run) -> bool:
    held = request.session.get(SESSION_RUNS, {}).get(run.pk)
    return bool(held) and bool(run.resume_key_hash) and hmac.compare_digest(held, _fingerprint(run))


def bound_run(request, run_id: str) -> Run:
    """The run `run_id` if this browser may open it; otherwise Http404 (no such run) or
    PermissionDenied. For views outside the wizard's own pages (a workshop's help button)."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    run = Run.objects.filter(pk=run_id).first() if RUN_ID.fullmatch(run_id) else None
    if run is None:
        raise Http404("No such run")
    if not is_bound(request, run):
        raise PermissionDenied("This browser has not opened the run's resume link")
    return run


def latest_bound_run(request) -> Run | None:
    """The run this browser opened last and may still open, for "Continue your run"."""
    held = request.session.get(SESSION_RUNS, {}) if hasattr(request, "session") else {}
    if not held:
        return None
    runs = {run.pk: run for run in Run.objects.filter(pk__in=list(held))}
    for run_id in reversed(list(held)):
        run = runs.get(run_id)
        if run is not None and is_bound(request, run):
            return run
    return None


def pop_new_link(request, run: Run) -> str | None:
    """The run's new resume link as a full URL, once: None on every later page."""
    waiting = request.session.get(SESSION_NEW_LINK)
    if not waiting or waiting[0] != run.pk:
        return None
    del request.session[SESSION_NEW_LINK]
    key = vault.unseal(waiting[1].encode())
    return request.build_absolute_uri(resume_path(key)) if key else None
