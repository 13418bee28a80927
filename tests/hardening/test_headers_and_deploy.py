"""Security headers on every page, production settings that pass `check --deploy`, and rate limits
counted in the shared cache (Redis across processes when REDIS_URL is set)."""
import json
import os
import re
import secrets
import subprocess
from datetime import datetime
from pathlib import Path
import sys

import pytest
from django.test import Client

from iamwizard.wizard import engine
from iamwizard.wizard.models import Run
from iamwizard.wizard.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]
from tests.hardening.test_faults import Scenario
from tests.pages import Page
from tests.redis_support import redis_or_skip

pytestmark = pytest.mark.django_db(transaction=True)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.I)


def assert_headers(response, where):
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp, where
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert directives.get("default-src") == "'self'" and directives.get("frame-ancestors") == "'none'", where
    assert directives.get("script-src") == "'self'" and directives.get("object-src") == "'none'", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where  # resume links never leave the site
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    if "text/html" in response.headers.get("Content-Type", ""):
        page = response.content.decode()
        # The CSP forbids inline code: a page relying on it would be broken, so there is none.
        assert not INLINE_SCRIPT.search(page), (where, INLINE_SCRIPT.search(page).group(0))
        assert not INLINE_HANDLER.search(page), (where, INLINE_HANDLER.search(page).group(0))
        assert not INLINE_STYLE.search(page), (where, INLINE_STYLE.search(page).group(0))


def test_every_page_carries_the_security_headers(client, django_user_model):
    seen = [client.get("/"), client.get("/join/"), client.get("/trainer/login/"), client.get("/operator-policy.json")]
    scenario = Scenario(client, "EnableMFADevice")
    original_get, original_post = client.get, client.post

    def recording(method):
        def call(*args, **kwargs):
            response = method(*args, **kwargs)
            seen.append(response)
            return response
        return call

    client.get, client.post = recording(original_get), recording(original_post)
    scenario.prepare()  # every step page on the way, including the one-time password and the QR code
    scenario.walker.enable_mfa(scenario.seed)
    run_id = scenario.walker.run_id
    seen += [client.get(f"/run/{run_id}/{step.slug}/") for step in STEPS]
    seen += [client.get(f"/run/{run_id}/", follow=True), client.get(f"/run/{run_id}/policies.json?q=admin")]
    seen += [client.get("/no/such/page/"), client.get("/run/%00/connect/"), client.get("/run/nope/connect/")]
    seen.append(Client(enforce_csrf_checks=True).post("/", {}))
    from tests.workshops.helpers import make_trainer, make_workshop, verify_session

    user, device = make_trainer(django_user_model)
    workshop = make_workshop(user)
    trainer = verify_session(Client(), user, device)
    seen += [trainer.get(u) for u in ("/trainer/", "/trainer/workshops/new/", f"/trainer/workshops/{workshop.pk}/",
                                      f"/trainer/workshops/{workshop.pk}/live/", f"/trainer/workshops/{workshop.pk}/summary/")]
    statuses = {r.status_code for r in seen}
    assert {200, 302, 400, 403, 404} <= statuses
    assert len(seen) > 25
    for response in seen:
        assert_headers(response, response.request["PATH_INFO"])
    step_pages = [r for r in seen if r.status_code == 200 and "/run/" in r.request["PATH_INFO"] and "text/html" in r["Content-Type"]]
    assert all(r.headers.get("Cache-Control") == "no-store" for r in step_pages)


def test_a_crash_shows_the_plain_500_page_with_headers_and_no_details(client, monkeypatch):
    run = engine.start_run()

    def boom(*args, **kwargs):
        raise RuntimeError("secret-internal-detail-xyz")

    monkeypatch.setattr(engine, "load_context", boom)
    crashing = Client(raise_request_exception=False)
    response = crashing.get(f"/run/{run.id}/connect/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "secret-internal-detail-xyz" not in page and "Traceback" not in page
    assert_headers(response, "500")


# --- production settings --------------------------------------------------------------------------

def production_env(tmp_path, **extra):
    # As a server's environment would be: no test-only switches (pytest-playwright sets DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(IAMWIZARD_ENV="production", DJANGO_SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="example.org",
               IAMWIZARD_DATA_DIR=str(tmp_path), **extra)
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    proc = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNING" not in output and "?: (" not in output


def test_production_settings_are_https_only_and_refuse_to_invent_a_key(tmp_path):
    script = ("import json, django; from django.conf import settings as s; django.setup(); print(json.dumps({k: getattr(s, k) for k in "
              "('DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_SSL_REDIRECT', "
              "'SECURE_HSTS_SECONDS', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', 'ALLOWED_HOSTS')}))")
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="iamwizard.settings")
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout.strip().splitlines()[-1])
    assert values == {"DEBUG": False, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True,
                      "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "X_FRAME_OPTIONS": "DENY",
                      "SECURE_REFERRER_POLICY": "same-origin", "ALLOWED_HOSTS": ["example.org"]}
    del env["DJANGO_SECRET_KEY"]
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "DJANGO_SECRET_KEY" in proc.stderr


# --- rate limits ------------------------------------------------------------------------------------

def test_a_room_starts_250_runs_from_one_address_and_a_flood_is_still_stopped(settings):
    limit, window = settings.RATE_LIMITS["run-start"]
    assert 250 <= limit < 2000 and window == 600  # far above a room, far below a flood
    room, elsewhere = "198.51.100.7", Client(REMOTE_ADDR="203.0.113.9")
    # 250 people behind one address press Start within minutes: each its own browser, none refused.
    assert [Client(REMOTE_ADDR=room).post("/").status_code for _ in range(250)] == [302] * 250
    # A script from the same address goes on until the ceiling.
    flood = Client(REMOTE_ADDR=room)
    assert [flood.post("/").status_code for _ in range(limit - 250)] == [302] * (limit - 250)
    runs = Run.objects.count()
    refused = flood.post("/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    text = Page(refused).text()
    assert "Slow down" in text and "No new run was started." in text and "Many new runs" in text
    assert f"The limit is {limit} new runs from one network in 10 minutes." in text
    after = text.split("Try again after ", 1)[1]
    assert datetime.strptime(after[:5], "%H:%M") and after[5:].startswith(" UTC (in about 10 minutes)"), after[:40]
    assert_headers(refused, "429")
    assert Run.objects.count() == runs
    assert elsewhere.post("/").status_code == 302  # another network is not affected
    assert flood.get("/").status_code == 200  # reading is never limited


def test_behind_a_trusted_proxy_each_client_is_counted_apart(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "run-start": (2, 600)}
    settings.TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"

    def start(client_address, spoofed="6.6.6.6"):
        return Client(REMOTE_ADDR=proxy).post("/", HTTP_X_FORWARDED_FOR=f"{spoofed}, {client_address}").status_code

    assert [start("203.0.113.1", spoofed=f"6.6.6.{i}") for i in range(3)] == [302, 302, 429]  # made-up entries do not help
    assert start("203.0.113.2") == 302  # another client behind the same proxy
    settings.TRUSTED_PROXIES = 0  # trusting no proxy: everyone behind it is one address
    assert [Client(REMOTE_ADDR=proxy).post("/", HTTP_X_FORWARDED_FOR="203.0.113.3").status_code for _ in range(3)] == [302, 302, 429]


def test_submits_are_limited_per_run(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "run-post": (3, 600)}
    run = Run.objects.get(pk=client.post("/")["Location"].split("/")[2])
    statuses = [client.post(f"/run/{run.id}/connect/", {"action": "connect"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 302]
    calls = run.aws_calls.count()
    assert client.post(f"/run/{run.id}/connect/", {"action": "connect"}).status_code == 429
    assert run.aws_calls.count() == calls  # refused before any AWS call
    other = client.post("/")["Location"].split("/")[2]
    assert client.post(f"/run/{other}/connect/", {"action": "connect"}).status_code == 302


POSTER = """
import json, os, sys
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(REMOTE_ADDR=sys.argv[1])
print(json.dumps({"codes": [client.post("/").status_code for _ in range(int(sys.argv[2]))],
                  "backend": settings.CACHES["ratelimit"]["BACKEND"]}))
"""


def test_the_run_start_limit_is_shared_by_processes_through_redis(tmp_path):
    redis_url = redis_or_skip()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(REDIS_URL=redis_url, IAMWIZARD_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="iamwizard.settings",
               IAMWIZARD_RATE_LIMITS="run-start=30/600")  # the documented override, and a quick test
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    ip = f"192.0.2.{secrets.randbelow(250) + 1}-{secrets.token_hex(4)}"  # a fresh client identity for every test run

    def post(n):
        proc = subprocess.run([sys.executable, "-c", POSTER, ip, str(n)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    first, second = post(20), post(20)
    assert first["backend"].endswith("RedisCache")
    assert first["codes"] == [302] * 20
    # The second process sees the first one's 20: only 10 more fit in the limit of 30.
    assert second["codes"] == [302] * 10 + [429] * 10
