"""A participant walking the whole wizard over HTTP, as a browser without JavaScript would.

Used by the several-workers test (tests/deploy) and by scripts/bench_enrolment.py. Plain
http.client, by default one new connection per request (so consecutive requests may land on
different gunicorn workers), or one kept-alive connection as a browser keeps (keep_alive=True),
a cookie jar that ignores the Secure flag (the server sits behind a
TLS-terminating proxy that this client plays: it sends X-Forwarded-Proto: https), the CSRF
token from its cookie, and a tag header (X-Request-Tag) that deploy/gunicorn.conf.py logs
with the worker's pid.
"""
import html
import http.client
import http.cookies
import re
import time
import urllib.parse

import pyotp

PASSWORD_RE = re.compile(r'id="signin-password" class="secret">([^<]+)<')
SECRET_RE = re.compile(r'id="secret-key" class="secret">([^<]+)<')
ROOT_EMAIL_RE = re.compile(r'id="root-email">([^<]+)<')
ROOT_PASSWORD_RE = re.compile(r'id="root-password" class="secret">([^<]+)<')
RESUME_LINK_RE = re.compile(r'id="resume-link">([^<]+)<')
RUN_LINK_RE = re.compile(r'href="/run/([^/"]+)/"')


class WalkError(AssertionError):
    pass


class Participant:
    def __init__(self, base, tag="walk", source_ip=None, behind_tls_proxy=True, timeout=120, think=None, on_page=None, keep_alive=False):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.scheme = "https" if behind_tls_proxy else "http"
        self.origin = f"{self.scheme}://{self.host}:{self.port}"
        self.behind_tls_proxy = behind_tls_proxy
        self.source_ip = source_ip
        self.timeout = timeout
        self.cookies = {}
        self.tag = tag
        self.seq = 0
        self.timings = []  # (method, path, status, seconds)
        self.headers = None  # the last response's
        self.run_path = None
        self.resume_link = None  # once asked for (ask_resume_link)
        self.account_id = None
        self.think = think  # callable returning seconds to pause between pages (a person reading), or None
        self.on_page = on_page  # callable(label, path) after each page the walk reaches, or None
        self.keep_alive = keep_alive
        self._conn = None

    def _reached(self, label, path):
        if self.on_page:
            self.on_page(label, path)
        if self.think:
            time.sleep(self.think())

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, method, path, fields=None):
        self.seq += 1
        headers = {"Host": f"{self.host}:{self.port}", "X-Request-Tag": f"{self.tag}:{self.seq}",
                   "Accept": "text/html", "Connection": "close", "User-Agent": "iamwizard-httpwalk"}
        if self.behind_tls_proxy:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **(fields or {})}
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin, "Referer": self.origin + path})
        source = (self.source_ip, 0) if self.source_ip else None
        started = time.perf_counter()
        if self.keep_alive:
            headers["Connection"] = "keep-alive"
            reused = self._conn is not None
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout, source_address=source)
            conn = self._conn
        else:
            reused = False
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout, source_address=source)
        try:
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if not reused:
                    raise
                # The server closed the kept-alive connection while this person was reading (its
                # keep-alive timeout) before any answer came: a browser sends again on a new one.
                self.close()
                conn = self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout, source_address=source)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            if self.keep_alive and response.will_close:
                self.close()
        except (http.client.HTTPException, OSError):
            self.close()
            raise
        finally:
            if not self.keep_alive:
                conn.close()
        self.timings.append((method, path, response.status, time.perf_counter() - started))
        self.headers = response.headers  # the last response's
        for value in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location"), text

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, path, expect=200):
        status, location, text = self.request("GET", path)
        if status != expect:
            raise WalkError(f"GET {path}: HTTP {status} {text[:300]!r}")
        return text

    def post(self, path, fields):
        """POST, expect a redirect (a valid form), follow it like a browser; returns (path, page)."""
        status, location, text = self.request("POST", path, fields)
        if status != 302:
            errors = re.findall(r'class="(?:field-error|error-summary)"[^>]*>(.*?)</div>', text, re.S)[:3]
            raise WalkError(f"POST {path}: HTTP {status} {errors or text[:300]!r}")
        target = urllib.parse.urlsplit(location).path
        return target, self.get(target)

    def ask_resume_link(self, slug="connect"):
        """Press "Get a resume link" on a step: the next page shows it once."""
        _, page = self.post(f"{self.run_path}resume-link/", {"step": slug})
        self.resume_link = html.unescape(RESUME_LINK_RE.search(page).group(1))
        return self.resume_link

    def open_resume_link(self, link):
        """Open a resume link in this browser, as from an e-mail; returns the step page it leads to."""
        parsed = urllib.parse.urlsplit(link)
        status, location, _ = self.request("GET", f"{parsed.path}?{parsed.query}")
        if status != 302:
            raise WalkError(f"resume link: HTTP {status}")
        status, location, _ = self.request("GET", urllib.parse.urlsplit(location).path)
        if status != 302:
            raise WalkError(f"run page: HTTP {status}")
        self.run_path = urllib.parse.urlsplit(location).path.rsplit("/", 2)[0] + "/"
        return self.get(urllib.parse.urlsplit(location).path)

    def step(self, slug):
        return f"{self.run_path}{slug}/"

    # -- the wizard ------------------------------------------------------------------------
    def join(self, code, name):
        """Join a workshop at /join/ (instead of pressing Start); the welcome page links to the run."""
        self.get("/join/")
        self._reached("join", "/join/")
        _, page = self.post("/join/", {"code": code, "display_name": name})
        self.run_path = f"/run/{RUN_LINK_RE.search(page).group(1)}/"
        self._reached("welcome", "/join/welcome/")
        self.get(self.step("connect"))

    def enrol(self, user_name="pat", new_password="Walked-by-HTTP-42", join=None):
        """The whole wizard, home page (or, with join=(code, name), the workshop's join page) to an
        enabled MFA device, a sign-in with it and the finish page."""
        if join:
            self.join(*join)
        else:
            self.get("/")
            self._reached("home", "/")
            target, page = self.post("/", {})
            self.run_path = target.rsplit("/", 2)[0] + "/"  # /run/<id>/
        self._reached("connect", self.step("connect"))
        target, page = self.post(self.step("connect"), {"action": "connect"})
        _expect(page, "Confirmed by AWS", "connect")
        self.account_id = re.search(r"<dt>Account</dt><dd>(\d{12})</dd>", page).group(1)
        self._reached("connect: confirmed", self.step("connect"))
        self.get(self.step("user-details"))
        self._reached("user details", self.step("user-details"))
        self.post(self.step("user-details"), {"action": "save", "user_name": user_name, "console_access": "on",
                                              "password_type": "autogenerated", "must_reset": "on"})
        self._reached("permissions", self.step("permissions"))
        self.post(self.step("permissions"), {"action": "save", "mode": "group", "group_name": "Admins",
                                             "policies": "arn:aws:iam::aws:policy/AdministratorAccess"})
        self._reached("review", self.step("review"))
        _, page = self.post(self.step("review"), {"action": "create", "tags": ""})
        _expect(page, f":user/{user_name}", "review")
        self._reached("review: created", self.step("review"))
        page = self.get(self.step("sign-in-details"))
        password = html.unescape(PASSWORD_RE.search(page).group(1))
        self._reached("sign-in details", self.step("sign-in-details"))
        self.post(self.step("sign-in-details"), {"action": "continue"})
        self._reached("sign-in", self.step("sign-in"))
        self.post(self.step("sign-in"), {"action": "signin", "account": self.account_id, "user_name": user_name, "password": password})
        self._reached("sign-in: change password", self.step("sign-in"))
        _, page = self.post(self.step("sign-in"), {"action": "change", "old_password": password,
                                                   "new_password": new_password, "new_password2": new_password})
        _expect(page, "Confirmed by AWS", "sign-in")
        self._reached("sign-in: done", self.step("sign-in"))
        self.get(self.step("mfa"))
        self._reached("mfa: device name", self.step("mfa"))
        _, page = self.post(self.step("mfa"), {"action": "create_device", "device_name": user_name})
        seed = SECRET_RE.search(page).group(1).replace(" ", "")
        self._reached("mfa: QR code", self.step("mfa"))
        totp = pyotp.TOTP(seed)
        now = time.time()
        _, page = self.post(self.step("mfa"), {"action": "enable", "code1": totp.at(now - 30), "code2": totp.at(now)})
        _expect(page, "MFA is on for this user", "mfa")
        self._reached("mfa: enabled", self.step("mfa"))
        self.get(self.step("mfa-sign-in"))
        self._reached("mfa sign-in", self.step("mfa-sign-in"))
        self.post(self.step("mfa-sign-in"), {"action": "signin", "account": self.account_id, "user_name": user_name, "password": new_password})
        self._reached("mfa sign-in: code", self.step("mfa-sign-in"))
        # The next window's code: the enrolment's two are spent (AWS accepts each code once).
        _, page = self.post(self.step("mfa-sign-in"), {"action": "code", "mfa_code": totp.at(now + 30)})
        _expect(page, "Signed in with MFA", "mfa-sign-in")
        self._reached("mfa sign-in: done", self.step("mfa-sign-in"))
        self.get(self.step("root-user"))
        self._reached("root user", self.step("root-user"))
        _, page = self.post(self.step("root-user"), {"action": "practice_password"})
        email, root_password = (html.unescape(r.search(page).group(1)) for r in (ROOT_EMAIL_RE, ROOT_PASSWORD_RE))
        self._reached("root user: sign-in", self.step("root-user"))
        _, page = self.post(self.step("root-user"), {"action": "root_signin", "email": email, "password": root_password})
        root_totp = pyotp.TOTP(SECRET_RE.search(page).group(1).replace(" ", ""))
        self._reached("root user: QR code", self.step("root-user"))
        now = time.time()  # the codes the app shows now: the user's enrolment was several pages (and pauses) ago
        _, page = self.post(self.step("root-user"), {"action": "enable", "code1": root_totp.at(now - 30), "code2": root_totp.at(now)})
        self._reached("root user: access keys", self.step("root-user"))
        _, page = self.post(self.step("root-user"), {"action": "delete_keys"})
        _expect(page, "The root user has MFA and no access keys", "root-user")
        self._reached("root user: done", self.step("root-user"))
        page = self.get(self.step("finish"))
        _expect(page, "Done: your IAM user is ready", "finish")
        self._reached("finish", self.step("finish"))
        return self.run_path.strip("/").split("/")[-1]


def _expect(page, text, where):
    if text not in page:
        raise WalkError(f"{where}: page lacks {text!r}")
