#!/usr/bin/env python3
"""Every page's HTML written to a folder, run-specific values normalised, so that two trees can be
diffed: a template change that should not change the output proves it did not.

    .venv/bin/python scripts/snapshot_pages.py /tmp/before
    ... change the templates ...
    .venv/bin/python scripts/snapshot_pages.py /tmp/after
    diff -r /tmp/before /tmp/after

It starts a sandbox process and a fresh SQLite database of its own (development settings, in a
temporary data folder), then, in English, Spanish and Japanese (the browser's Accept-Language):
walks the wizard as a browser without JavaScript (tests/wizard/walk.py's Walker over Django's test
client, every page a browser opens, the refused forms a person may send on the way), and the
workshop pages (join, welcome, room, the trainer's pages, a participant's confirm pages). Each HTML
answer becomes `<lang>/<nnn>-<method>-<path>.html`.

Normalised (they differ from run to run): run ids, CSRF tokens, account numbers, the one-time and
root passwords, MFA secret keys and their QR codes, access key ids, join codes, dates and times,
durations ("3 seconds"), workshop and participant numbers in addresses.
"""
import html
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LANGUAGES = ("en", "es", "ja")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    data_dir = Path(tempfile.mkdtemp(prefix="iamwizard-snapshot-"))
    os.environ.update({"IAMWIZARD_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "iamwizard.settings",
                       "IAMWIZARD_ENV": "development", "IAMWIZARD_TARGET": "sandbox"})
    for name in ("REDIS_URL", "DATABASE_URL"):
        os.environ.pop(name, None)
    from tests.sandbox.sandbox_support import start_sandbox, stop_sandbox

    proc, endpoint = start_sandbox(data_dir / "sandbox", command=("manage.py", "sandbox"))
    os.environ["IAMWIZARD_SANDBOX_URL"] = endpoint
    try:
        import django
        django.setup()
        from django.core.management import call_command
        from django.test.utils import setup_test_environment
        setup_test_environment()
        call_command("migrate", verbosity=0)
        total = 0
        for lang in LANGUAGES:
            total += Snapshot(out / lang, lang).take()
        print(f"{total} pages written to {out}")
    finally:
        from django.db import connections
        connections.close_all()
        stop_sandbox(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


class Snapshot:
    def __init__(self, folder, lang):
        self.folder, self.lang = folder, lang
        folder.mkdir()
        self.count = 0
        self.secrets = {}  # run-specific value -> its stand-in
        self.pages = []  # (file name, HTML): normalised once the walk knows every secret

    # -- writing --------------------------------------------------------------------------------
    def remember(self, value, stand_in):
        if value:
            self.secrets.setdefault(str(value), stand_in)
            self.secrets.setdefault(html.escape(str(value)), stand_in)

    def normalise(self, text):
        for value, stand_in in sorted(self.secrets.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(value, stand_in)
        rules = [
            (r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1CSRF"),
            (r'(csrf[-_]token[^>]*content=")[^"]+', r"\1CSRF"),
            (r"/run/[A-Za-z0-9_-]{10,}/", "/run/RUN/"),
            (r"/(workshops|cleanups|participants)/\d+(?=/)", r"/\1/N"),
            (r"since=[^\"&]+", "since=SINCE"),
            (r"([?&]key=)[A-Za-z0-9_-]+", r"\1KEY"),
            (r"(<code class=\"rid\">)[^<]+", r"\1REQUESTID"),
            (r"\b\d+(\s|&nbsp;|\xa0)?ms\b", r"N\1ms"),
            (r"\b\d{12}\b", "ACCOUNT"),
            (r"\b(AKIA|ASIA)[A-Z0-9]{16}\b", "ACCESSKEY"),
            (r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "data:QR"),
            (r"otpauth://[^\"'<\s]+", "OTPAUTH"),
            (r"(<path fill=\"none\" stroke=\"#000\" d=\")[^\"]+", r"\1QR"),
            (r'(<rect x="\d+" y="[\d.]+" width=")\d+(" height="22" fill="#0b5cad"/><text x=")\d+', r"\1W\2X"),
            (r"(iamwizard:run,Value=)[0-9a-f]+", r"\1RUNTAG"),
            (r"/join/(room|help)/[A-Za-z0-9_-]{10,}/", r"/join/\1/RUN/"),
            (r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", "DATETIME"),
            (r"\b\d{4}-\d{2}-\d{2}\b", "DATE"),
            (r"\b\d{1,2}:\d{2}(:\d{2})?\b", "TIME"),
            (r"\b\d{4}年\d{1,2}月\d{1,2}日", "DATE"),
            (r"\b\d{1,2} de [a-z]+ de \d{4}\b", "DATE"),
            (r"\b[A-Z][a-z]{2}\.? \d{1,2}, \d{4}\b", "DATE"),
            (r"\b\d+(\s|&nbsp;|\xa0)?(seconds?|minutes?|segundos?|minutos?|秒|分)", r"N\1\2"),
        ]
        for pattern, replacement in rules:
            text = re.sub(pattern, replacement, text, flags=re.S)
        return text

    def record(self, method, path, response):
        if "html" not in response.get("Content-Type", "") or response.streaming:
            return
        self.count += 1
        self.pages.append((f"{self.count:03d}-{method.upper()}", path, response.status_code, response.content.decode()))

    def write(self):
        for prefix, path, status, text in self.pages:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", self.normalise(path)).strip("-") or "root"
            (self.folder / f"{prefix}-{slug}-{status}.html").write_text(self.normalise(text))

    # -- walking --------------------------------------------------------------------------------
    def client(self):
        from django.test import Client

        snapshot = self

        class Recording(Client):
            def request(self, **request):
                response = super().request(**request)
                snapshot.record(request["REQUEST_METHOD"], request["PATH_INFO"], response)
                return response

        return Recording(HTTP_ACCEPT_LANGUAGE=self.lang)

    def take(self):
        from django.core.cache import caches

        for cache in caches.all():
            cache.clear()
        self.wizard()
        for cache in caches.all():
            cache.clear()
        self.workshop()
        self.write()
        return self.count

    def wizard(self):
        import pyotp

        from tests.wizard.walk import secret_key_in, text_of

        client = self.client()
        client.get("/")
        client.get("/no-such-page/")
        walker = self.walker(client)
        walker.start()
        self.remember(walker.run_id, "RUN")
        walker.connect()
        self.remember(walker.run.account_id, "ACCOUNT")
        walker.ask_resume_link()
        self.remember(walker.resume_link, "RESUMELINK")
        # Refused forms on the way: the field errors, the error summary.
        self.refuse(walker, "user-details", {"action": "save", "user_name": "", "console_access": "on",
                                         "password_type": "custom", "custom_password": "short"})
        self.refuse(walker, "user-details", {"action": "save", "user_name": "bad name!"})
        walker.create_user("snap")
        password = walker.one_time_password()
        self.remember(password, "ONETIMEPASSWORD")
        walker._submit("sign-in-details", {"action": "continue"})
        walker._get("sign-in")
        self.refuse(walker, "sign-in", walker.sign_in_form("wrong-password-1"))
        new = password + "-Changed9"
        self.remember(new, "NEWPASSWORD")
        walker.new_password = new
        walker._submit("sign-in", walker.sign_in_form(password))
        walker._get("sign-in")
        self.refuse(walker, "sign-in", {"action": "change", "old_password": password, "new_password": "x", "new_password2": "y"})
        walker._submit("sign-in", {"action": "change", "old_password": password, "new_password": new, "new_password2": new})
        walker._get("sign-in")
        seed = walker.create_device("snap")
        self.remember(seed, "SEED")
        self.remember(" ".join(seed[i:i + 4] for i in range(0, len(seed), 4)), "SEED")
        self.refuse(walker, "mfa", {"action": "enable", "code1": "000000", "code2": "000000"})
        walker.enable_mfa(seed)
        walker.sign_in_with_mfa(seed)
        walker._get("root-user")
        walker._submit("root-user", {"action": "practice_password"}, read=True)
        email, root_password = text_of(walker.page, "root-email"), text_of(walker.page, "root-password")
        self.remember(root_password, "ROOTPASSWORD")
        self.remember(email, "ROOTEMAIL")
        walker._submit("root-user", {"action": "root_signin", "email": email, "password": root_password}, read=True)
        root_seed = secret_key_in(walker.page)
        self.remember(root_seed, "ROOTSEED")
        self.remember(" ".join(root_seed[i:i + 4] for i in range(0, len(root_seed), 4)), "ROOTSEED")
        totp, now = pyotp.TOTP(root_seed), time.time()
        walker._submit("root-user", {"action": "enable", "code1": totp.at(now - 30), "code2": totp.at(now)})
        walker._get("root-user")
        walker._submit("root-user", {"action": "delete_keys"})
        walker._get("root-user")
        walker.finish()
        client.get("/resume/")
        client.get(f"/run/{walker.run_id}/no-such-step/")

    def walker(self, client):
        from tests.wizard.walk import Walker

        class Walking(Walker):
            def _expect(walker, text, where):
                if self.lang == "en":  # the walk checks English words
                    super()._expect(text, where)

            def connect(walker):  # the walk reads the account by its English term
                walker._submit("connect", {"action": "connect"})

        return Walking(client, browser=True)

    @staticmethod
    def refuse(walker, slug, fields):
        """A form the step refuses (400, its errors shown), recorded as any answer."""
        status, _, _ = walker._exchange("POST", walker._path(slug), fields)
        walker.page = walker.page_path = None
        if status not in (200, 400):
            raise AssertionError(f"{slug}: HTTP {status}")

    def workshop(self):
        from django.contrib.auth import get_user_model
        from django.test import Client

        from tests.workshops.helpers import make_trainer, make_workshop, verify_session
        user, device = make_trainer(get_user_model(), username=f"trainer-{self.lang}")
        workshop = make_workshop(user, title=f"Room {self.lang}")
        self.remember(workshop.join_code_display, "JOINCODE")
        self.remember(workshop.join_code, "JOINCODE")
        self.remember(workshop.join_code_display.lower(), "JOINCODE")
        anonymous = self.client()
        anonymous.get("/trainer/login/")
        anonymous.post("/trainer/login/", {"username": user.username, "password": "wrong"})
        anonymous.get("/join/")
        anonymous.post("/join/", {"code": "nope", "display_name": ""})
        # A participant, to the created user.
        participant = self.walker(self.client())
        participant.join(workshop.join_code_display.lower(), "Alice")
        self.remember(participant.run_id, "RUN")
        participant.connect()
        self.remember(participant.run.account_id, "ACCOUNT")
        participant.create_user("ws-alice", group="Readers", policies=("arn:aws:iam::aws:policy/ReadOnlyAccess",))
        participant.client.get(f"/join/room/{participant.run_id}/")
        participant.client.post(f"/join/help/{participant.run_id}/", {})
        participant.client.get("/join/welcome/")
        from iamwizard.workshops.models import Participant

        person = Participant.objects.get(run_id=participant.run_id)
        trainer = verify_session(self.client(), user, device)
        base = f"/trainer/workshops/{workshop.pk}/"
        for path in ("/trainer/", "/trainer/workshops/new/", base, f"{base}live/", f"{base}lockouts/", f"{base}stuck/",
                     f"{base}cleanup/", f"{base}projector/", f"{base}projector/live/", f"{base}summary/",
                     f"{base}participants/{person.pk}/reset/", f"{base}participants/{person.pk}/remove/",
                     f"{base}participants/{person.pk}/view/"):
            trainer.get(path)
        trainer.post("/trainer/workshops/new/", {"title": ""})
        trainer.post(f"{base}stuck/", {"minutes": "x"})
        unverified = Client(HTTP_ACCEPT_LANGUAGE=self.lang)
        unverified.force_login(user)
        self.client_with(unverified).get("/trainer/otp/")

    def client_with(self, client):
        """`client`'s session, recorded."""
        recording = self.client()
        recording.cookies = client.cookies
        return recording


if __name__ == "__main__":
    main()
