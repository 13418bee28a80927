"""The wizard walked as a person walks it: its steps, their forms and what a person reads on their
pages (the one-time password, the MFA secret key, the root user's e-mail and password), written once,
over two transports:

    Walker(client)             Django's test client, in-process (the tests)
    Participant(base, ...)     HTTP with http.client (the deploy tests and scripts/bench_enrolment.py):
                               a new connection per request, or one kept alive (keep_alive=True)

`Walk` knows the steps; a transport gives it one exchange, `_exchange(method, path, fields)` ->
(status, Location, page). Two ways of walking:

- `browser=True` (Participant's default): as a browser without JavaScript, every submit's redirect
  followed and every page opened by its link (the benchmark counts these clicks: 23 per enrolment);
- `browser=False` (Walker's default): only the requests the walk needs, a submit followed only where
  its page is read (what the tests have always made).

Nothing here imports Django at import time: the HTTP walker runs in the benchmark's load generator,
on the cores that serve it, and stays cheap: pages are read by id (`text_of`: tests/pages.py, with a
shortcut for an element holding text only), the two things without an id with a regular expression.
"""
import html
import http.client
import http.cookies
import time
import urllib.parse

import pyotp

from tests.pages import Page, fold

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
# What pages say (no id to read them by; tests/pages.py parses the whole page for anything but an id,
# too costly for the benchmark's walkers): the connect step's account, the welcome page's run link.


class WalkError(AssertionError):
    pass


def text_of(page, element_id):
    """`page.text(element_id)` (tests/pages.py), with a shortcut for what the walk reads: an element
    holding text only (`<code id="signin-password" class="secret">...</code>`) is read from its start
    tag to its end tag, unescaped and folded as Page reads it; anything else goes to Page. (Page.by_id
    hands its parser 4 KB from the element on: the walk's 12 reads per enrolment cost three times
    the rest of the benchmark walker's own CPU.)"""
    source = page.html
    at = source.find(f' id="{element_id}"')
    if at != -1:
        start, opened = source.rfind("<", 0, at), source.find(">", at) + 1
        end = source.find("<", opened)
        start_tag = source[start:opened]
        if opened and start_tag.count('"') % 2 == 0 and "'" not in start_tag \
                and source.startswith(f"</{start_tag[1:].split(None, 1)[0]}>", end):
            return fold(html.unescape(source[opened:end]))
    return page.text(element_id)


def resume_link_in(page) -> str | None:
    """The resume link a page shows (once, right after it was made), or None."""
    page = page if isinstance(page, Page) else Page(page)
    return text_of(page, "resume-link") if page.has_id("resume-link") else None


def secret_key_in(page) -> str:
    """An MFA device's secret key as the page shows it (in groups of four), without the spaces."""
    return text_of(page, "secret-key").replace(" ", "")


def errors_in(page) -> list[str]:
    """The error summary and the fields' errors of a refused form (parses the whole page: on failures only)."""
    page = page if isinstance(page, Page) else Page(page)
    return [e.text for e in page.find_all("div", class_="error-summary") + page.find_all("div", class_="field-error")][:5]


class Walk:
    """The wizard's steps and forms, once. Subclasses give `_exchange`; see the module's docstring."""

    browser = False
    think = None  # callable returning seconds to pause on each page reached (a person reading), or None
    on_page = None  # callable(label, path) after each page the walk reaches, or None

    def __init__(self):
        self.run_id = None
        self.account_id = None  # as the connect step showed it (browser walks)
        self.new_password = None
        self.typed_user_name = None
        self.page = None  # the Page last opened, or that the last submit led to (when followed)
        self.page_path = None
        self.location = None  # the path the last submit redirected to
        self._resume_link = None

    # -- the transport -------------------------------------------------------------------------
    def _exchange(self, method, path, fields=None):
        """One request: (status, Location or None, page: HTML text or a test client response)."""
        raise NotImplementedError

    # -- where ---------------------------------------------------------------------------------
    @property
    def run_path(self):
        return f"/run/{self.run_id}/" if self.run_id else None

    @run_path.setter
    def run_path(self, path):
        self.run_id = path.strip("/").split("/")[1] if path else None

    def url(self, slug):
        return f"/run/{self.run_id}/{slug}/"

    step = url

    def _path(self, where):
        return where if where.startswith("/") else self.url(where)

    # -- pages and forms -----------------------------------------------------------------------
    def _reached(self, label, where):
        if self.on_page:
            self.on_page(label, self._path(where))
        if self.think:
            time.sleep(self.think())

    def _get(self, where, expect=200):
        path = self._path(where)
        status, _, page = self._exchange("GET", path)
        self.page, self.page_path = Page(page), path
        if status != expect:
            raise WalkError(f"GET {path}: HTTP {status} {self.page.html[:300]!r}")
        return self.page

    def _visit(self, where, label=None):
        """A page opened by its link: a browser opens it, the tests' walk only when it reads it."""
        if self.browser:
            self._get(where)
        if label:
            self._reached(label, where)

    def _read(self, where):
        """The page of `where` as it shows now: the one just opened or led to, else fetched."""
        path = self._path(where)
        return self.page if self.page is not None and self.page_path == path else self._get(path)

    def _submit(self, where, fields, expect=302, read=False):
        """Submit a form; a browser (or a walk that reads the page) follows the redirect. Returns the
        submit's own answer (the transport's: a test client response, or HTML text)."""
        path = self._path(where)
        status, location, answer = self._exchange("POST", path, fields)
        self.page = self.page_path = None
        if status != expect:
            raise WalkError(f"POST {path}: HTTP {status} {errors_in(answer) or Page(answer).html[:300]!r}")
        self.location = urllib.parse.urlsplit(location).path if location else None
        if status == 302 and (self.browser or read):
            self._get(self.location)
        return answer

    def _expect(self, text, where):
        # A long value (an ARN) may carry <wbr> where it may wrap (the soft_breaks filter): read it whole.
        if self.page is not None and text not in self.page.html and text not in self.page.html.replace("<wbr>", ""):
            raise WalkError(f"{where}: page lacks {text!r}")

    # -- the wizard ----------------------------------------------------------------------------
    def start(self):
        """Press Start on the home page: a run bound to this browser (no link needed there)."""
        self._visit("/", "home")
        answer = self._submit("/", {})
        self.run_path = self.location
        self._resume_link = None
        self._started()
        return answer

    def join(self, code, name):
        """Join a workshop at /join/ instead of pressing Start; the welcome page links to the run."""
        self._visit("/join/", "join")
        self._submit("/join/", {"code": code, "display_name": name})
        if self.location != "/join/welcome/":
            raise WalkError(f"join: led to {self.location}")
        self.run_id = self._welcomed_run()
        self._resume_link = None
        self._started()
        self._reached("welcome", "/join/welcome/")
        self._visit("connect")

    def _welcomed_run(self):
        return self._read("/join/welcome/").by_id("run-link")["href"].split("/")[2]  # /run/<id>/

    def _started(self):
        pass

    def connect(self):
        self._submit("connect", {"action": "connect"})
        self._expect("Confirmed by AWS", "connect")
        if self.page is not None:
            self.account_id = self.page.by_id("verified").definition("Account")
        self._reached("connect: confirmed", "connect")

    @staticmethod
    def details_form(user_name, password=None, **details):
        """User details: console access, an autogenerated password (or `password`) to reset at first sign-in."""
        custom = {"password_type": "custom", "custom_password": password} if password else {}
        return {"action": "save", "user_name": user_name, "console_access": "on", "password_type": "autogenerated",
                "must_reset": "on", **custom, **details}

    @staticmethod
    def group_form(group, policies=(ADMIN,), require_mfa=False):
        """Permissions: a group (made if new) with these policies."""
        return {"action": "save", "mode": "group", "group_name": group, "policies": list(policies),
                **({"require_mfa": "on"} if require_mfa else {})}

    def sign_in_form(self, password, user_name=None):
        """The practice console's sign-in as the IAM user."""
        return {"action": "signin", "account": self._account_id(), "user_name": user_name or self.user_name(), "password": password}

    def create_user(self, user_name="alice", group="Admins", policies=(ADMIN,), require_mfa=False, **details):
        """User details, permissions (a group), review: the IAM user created."""
        self._visit("user-details", "user details")
        self.typed_user_name = user_name
        self._submit("user-details", self.details_form(user_name, **details))
        self._reached("permissions", "permissions")
        self._submit("permissions", self.group_form(group, policies, require_mfa))
        self._reached("review", "review")
        self._submit("review", {"action": "create", "tags": ""})
        self._expect(f":user/{user_name}", "review")
        self._reached("review: created", "review")

    def to_created(self, user_name="alice", group="Admins", policies=(ADMIN,), require_mfa=False, join=None, **details):
        """Start (or join=(code, name): join a workshop) and walk to a created IAM user."""
        if join:
            self.join(*join)
        else:
            self.start()
        self._reached("connect", "connect")
        self.connect()
        self.create_user(user_name, group, policies, require_mfa, **details)
        return self

    def one_time_password(self):
        """The console password the sign-in details show (once)."""
        self._visit("sign-in-details")
        password = text_of(self._read("sign-in-details"), "signin-password")
        self._reached("sign-in details", "sign-in-details")
        return password

    def to_mfa(self, user_name="alice", group="Admins", policies=(ADMIN,), require_mfa=False, new_password=None, join=None, **details):
        """To the MFA step: the user created, its one-time password changed at the practice sign-in
        (to `new_password`, by default the one-time password + "-Changed9"). Returns the one-time password."""
        self.to_created(user_name, group, policies, require_mfa, join=join, **details)
        password = self.one_time_password()
        self._submit("sign-in-details", {"action": "continue"})
        self._reached("sign-in", "sign-in")
        self.new_password = new_password or password + "-Changed9"
        self.sign_in_and_change(password, self.new_password)
        return password

    def sign_in_and_change(self, old, new):
        """The practice console: sign in with the one-time password, then choose a new one."""
        user_name = text_of(self._read("sign-in"), "signin-user")
        self._submit("sign-in", self.sign_in_form(old, user_name))
        self._reached("sign-in: change password", "sign-in")
        self._submit("sign-in", {"action": "change", "old_password": old, "new_password": new, "new_password2": new})
        self._expect("Confirmed by AWS", "sign-in")
        self._reached("sign-in: done", "sign-in")

    def _account_id(self):
        return self.account_id

    def user_name(self):
        return self.typed_user_name

    def create_device(self, name=None):
        """Name the MFA device; returns its secret key, read from the page as a person reads it."""
        self._visit("mfa", "mfa: device name")
        self._submit("mfa", {"action": "create_device", "device_name": name or "alice"}, read=True)
        seed = secret_key_in(self.page)
        self._reached("mfa: QR code", "mfa")
        return seed

    def enable_mfa(self, seed, at=None, expect=302):
        """Two consecutive codes, those the app shows when they are typed (or at `at`)."""
        totp, now = pyotp.TOTP(seed), at or time.time()
        answer = self._submit("mfa", {"action": "enable", "code1": totp.at(now - 30), "code2": totp.at(now)}, expect=expect)
        if expect == 302:
            self._expect("MFA is on for this user", "mfa")
            self._reached("mfa: enabled", "mfa")
        return answer

    def sign_in_with_mfa(self, seed, password=None, at=None):
        """The last practice sign-in: the password, then a code the enrolment did not use (the next
        window's: AWS accepts a code of the window before or after now, and each code once)."""
        self._visit("mfa-sign-in", "mfa sign-in")
        self._submit("mfa-sign-in", self.sign_in_form(password or self.new_password))
        self._reached("mfa sign-in: code", "mfa-sign-in")
        answer = self._submit("mfa-sign-in", {"action": "code", "mfa_code": pyotp.TOTP(seed).at((at or time.time()) + 30)})
        self._expect("Signed in with MFA", "mfa-sign-in")
        self._reached("mfa sign-in: done", "mfa-sign-in")
        return answer

    def enable_mfa_and_sign_in(self, seed):
        """MFA on, the sign-in with it, then (unless the run is for a colleague) the root user's MFA and keys: the run reaches Done."""
        self.enable_mfa(seed)
        answer = self.sign_in_with_mfa(seed)
        _, location, _ = self._exchange("GET", self.run_path)
        if not (location or "").endswith("/root-user/"):
            return answer  # a run made for a colleague: no root user step
        return self.secure_root()

    def root_sign_in(self):
        """The root user step up to its MFA device: a practice password, the root sign-in; returns
        the device's secret key (from the page, as a person would read it)."""
        self._visit("root-user", "root user")
        self._submit("root-user", {"action": "practice_password"}, read=True)
        email, password = text_of(self.page, "root-email"), text_of(self.page, "root-password")
        self._reached("root user: sign-in", "root-user")
        self._submit("root-user", {"action": "root_signin", "email": email, "password": password}, read=True)
        seed = secret_key_in(self.page)
        self._reached("root user: QR code", "root-user")
        return seed

    def secure_root(self, at=None):
        """The root user: MFA (two codes in a row, those shown when typed), then its access keys
        deleted: the run reaches Done."""
        totp = pyotp.TOTP(self.root_sign_in())
        now = at or time.time()
        self._submit("root-user", {"action": "enable", "code1": totp.at(now - 30), "code2": totp.at(now)})
        self._reached("root user: access keys", "root-user")
        answer = self._submit("root-user", {"action": "delete_keys"})
        self._expect("The root user has MFA and no access keys", "root-user")
        self._reached("root user: done", "root-user")
        return answer

    def finish(self):
        page = self._read("finish")
        self._expect("Done: your IAM user is ready", "finish")
        self._reached("finish", "finish")
        return page

    def enrol(self, user_name="pat", new_password="Walked-by-HTTP-42", join=None):
        """The whole wizard, home page (or, with join=(code, name), the workshop's join page) to an
        enabled MFA device, a sign-in with it, the root user secured and the finish page. Returns the run id."""
        self.to_mfa(user_name=user_name, new_password=new_password, join=join)
        seed = self.create_device(user_name)
        self.enable_mfa(seed)
        self.sign_in_with_mfa(seed)
        self.secure_root()
        self.finish()
        return self.run_id

    # -- resume links --------------------------------------------------------------------------
    @property
    def resume_link(self):
        """The run's resume link, asked for once ("Get a resume link" on connect) and kept."""
        if self._resume_link is None:
            self.ask_resume_link()
        return self._resume_link

    def ask_resume_link(self, slug="connect"):
        """Press "Get a resume link" on a step: the next page shows it once."""
        self._submit(f"{self.run_path}resume-link/", {"step": slug}, read=True)
        self._resume_link = resume_link_in(self.page)
        return self._resume_link


class Walker(Walk):
    """The walk with Django's test client (in-process): only the requests the walk needs, or with
    browser=True every page a browser opens (as Participant walks). Reads the run from the database."""

    def __init__(self, client, browser=False):
        super().__init__()
        self.client = client
        self.browser = browser
        self.run = None

    def request(self, method, path, data=None):
        """Every request of the walk ("get" or "post"; a subclass may record them)."""
        return getattr(self.client, method)(path, data or {})

    def _exchange(self, method, path, fields=None):
        response = self.request(method.lower(), path, fields)
        return response.status_code, response.get("Location"), response

    def _started(self):
        from iamwizard.wizard.models import Run

        self.run = Run.objects.get(pk=self.run_id)

    def _account_id(self):
        return self.run.account_id

    def _welcomed_run(self):
        return self.client.session["workshops_welcomed_run"]

    def user_name(self):
        from iamwizard.wizard.models import Run

        return Run.objects.get(pk=self.run_id).answers["user-details"]["user_name"]

    def post(self, slug, data, expect=302):
        """Submit a step's form; the answer (not followed)."""
        return self._submit(slug, data, expect=expect)

    def get(self, slug):
        return self.request("get", self.url(slug))

    def open_in_fresh_browser(self):
        """Forget this browser's cookies, then open the run's resume link (following redirects)."""
        link = self.resume_link
        self.client.cookies.clear()
        return self.client.get(link, follow=True)


class Participant(Walk):
    """The walk over HTTP, as a browser without JavaScript: plain http.client, by default one new
    connection per request (consecutive requests may land on different gunicorn workers), or one
    kept-alive connection as a browser keeps (keep_alive=True); a cookie jar that ignores the Secure
    flag (the server sits behind a TLS-terminating proxy that this client plays: it sends
    X-Forwarded-Proto: https), the CSRF token from its cookie, and a tag header (X-Request-Tag) that
    deploy/gunicorn.conf.py logs with the worker's pid. Every request's (method, path, status,
    seconds) goes to `timings`."""

    browser = True

    def __init__(self, base, tag="walk", source_ip=None, behind_tls_proxy=True, timeout=120, think=None, on_page=None, keep_alive=False):
        super().__init__()
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
        self.timings = []  # (method, path, status, seconds, time.perf_counter() when sent)
        self.headers = None  # the last response's
        self.think = think
        self.on_page = on_page
        self.keep_alive = keep_alive
        self._conn = None

    def _exchange(self, method, path, fields=None):
        return self.request(method, path, fields)

    # -- HTTP ----------------------------------------------------------------------------------
    def request(self, method, path, fields=None):
        """One request: (status, Location, text)."""
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
        started = time.perf_counter()
        status, response_headers, text = self._send(method, path, headers, body)
        self.timings.append((method, path, status, time.perf_counter() - started, started))
        self.headers = response_headers  # the last response's
        for value in response_headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return status, response_headers.get("Location"), text

    def _send(self, method, path, headers, body):
        """Send with http.client: (status, response headers, text)."""
        source = (self.source_ip, 0) if self.source_ip else None
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
        return response.status, response.headers, text

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, path, expect=200):
        """GET a path; its text (WalkError on another status)."""
        return self._get(path, expect).html

    def post(self, path, fields):
        """POST, expect a redirect (a valid form), follow it like a browser; returns (path, page)."""
        self._submit(path, fields, read=True)
        return self.location, self.page.html

    def open_resume_link(self, link):
        """Open a resume link in this browser, as from an e-mail; returns the step page it leads to."""
        parsed = urllib.parse.urlsplit(link)
        status, location, _ = self.request("GET", f"{parsed.path}?{parsed.query}")
        if status != 302:
            raise WalkError(f"resume link: HTTP {status}")
        status, location, _ = self.request("GET", urllib.parse.urlsplit(location).path)
        if status != 302:
            raise WalkError(f"run page: HTTP {status}")
        target = urllib.parse.urlsplit(location).path
        self.run_path = target.rsplit("/", 2)[0] + "/"
        return self.get(target)
