"""A whole room on PostgreSQL: 200 people behind one address, one trainer, one workshop.

What it plays, with the wizard's real views, the real sandbox server process and PostgreSQL
(`python3 dev.py test` runs it in its PostgreSQL pass; on SQLite it is skipped):

- 200 participants join at once (8 at a time, each its own browser) from ONE client address, the
  classroom's NAT; 40 of them first mistype the join code. Every one then connects (step 1).
- People 0-39 walk on to MFA: some forget the name prefix or choose a weak password once, some
  type a wrong password at the practice sign-in once; each types one wrong MFA code pair (the
  same code twice, reversed, or codes of another app entry); the even ones then enable MFA and
  sign in with it and finish, the odd ones stay on MFA.
- People 40-79 stay on "User details" with 1 to 3 refused tries (weak password, no prefix);
  people 80-119 get to "Permissions" without a mistake; the rest stop after connecting.
- Five people press "I need help"; the trainer clears one of them.
- The trainer broadcasts a message, resets person 0 (who had finished) from "MFA", and at the end
  cleans up, pressing "Clean up workshop" until nothing is left.

It asserts that no honest request was refused (no 429 anywhere, every correct join accepted), that
the live dashboard and the CSV show exactly the tries and last problems played and the help
flags, that the dashboard, its live part and the CSV take as many queries for 200 people as for
20, and that no user, group or MFA device is left in any participant's emulated account.
"""
import csv
import io
import time
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iamwizard.workshops import codes
from iamwizard.workshops.models import Participant
from tests.pages import Page
from tests.wizard.walk import Walker
from iamwizard.wizard.cleanup import in_words
from tests.workshops.helpers import make_trainer, make_workshop, verify_session

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = "203.0.113.10"  # the classroom's one public address
PEOPLE = 200
TYPOS = 40  # people who mistype the join code first
TO_MFA = 40  # people 0..39 walk to MFA
AT_DETAILS = range(40, 80)  # refused on User details
AT_PERMISSIONS = range(80, 120)
ASK_HELP = {3, 50, 90, 150, 199}
HELPED = 90  # the trainer clears this one's flag
RESET = 0  # reset from MFA after finishing
AT_ONCE = 8  # browsers joining and walking at the same moment

READERS = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# What the dashboard and the CSV say for each mistake played (core/problems.py's labels).
LACKS_PREFIX = "User name lacks the prefix ws-"
WEAK = "Password lacks 3 of the 4 character types"
SIGNIN = "Practice sign-in refused (wrong password, user or account)"
MFA_MISTAKES = [  # (label, code pair from the seed and the time)
    ("Same MFA code typed twice", lambda totp, now: (totp.at(now), totp.at(now))),
    ("MFA codes in the wrong order", lambda totp, now: (totp.at(now), totp.at(now - 30))),
    ("MFA codes from another app entry, or mistyped", lambda totp, now: ("123456", "654321")),
]


@pytest.fixture(autouse=True)
def _on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("plays a room at once: runs in the PostgreSQL pass of `python3 dev.py test` (DATABASE_URL=postgres://...)")


def name_of(i):
    return f"Person {i:03d}"


def mistyped(code, i):
    """The real code with one character typed wrong."""
    wrong = [c for c in codes.ALPHABET if c != code[i % 8]][i % 30]
    return codes.display(code[:i % 8] + wrong + code[i % 8 + 1:])


class Person(Walker):
    """One participant's browser behind the room's address; remembers every status it got and
    the refused tries it made on the step it is on."""

    def __init__(self, i):
        super().__init__(Client(REMOTE_ADDR=ROOM))
        self.i, self.name = i, name_of(i)
        self.statuses = []
        self.tries = []  # labels of the refused submits on the current step
        self.mistakes = 0  # refused submits on any step

    def request(self, method, path, data=None):
        response = getattr(self.client, method)(path, data or {})
        self.statuses.append(response.status_code)
        return response

    def post(self, slug, data, expect=302):
        response = self.request("post", self.url(slug), data)
        assert response.status_code == expect, (self.name, slug, response.status_code, response.content.decode()[:300])
        return response

    def get(self, slug):
        response = self.request("get", self.url(slug))
        assert response.status_code == 200, (self.name, slug, response.status_code)
        return response

    def refused(self, slug, data, label):
        self.post(slug, data, expect=400)
        self.tries.append(label)
        self.mistakes += 1

    def moved_on(self):
        self.tries = []

    def join(self, workshop):
        if self.i % (PEOPLE // TYPOS) == 1:  # every fifth person mistypes the code first
            wrong = self.request("post", "/join/", {"code": mistyped(workshop.join_code, self.i), "display_name": self.name})
            assert wrong.status_code == 400, (self.name, wrong.status_code)
        super().join(workshop.join_code_display.lower(), self.name)
        self.request("get", "/join/welcome/")
        self.get("connect")
        self.post("connect", {"action": "connect"})

    def details(self, user_name, password=None):
        return self.details_form(user_name, password)

    def at_details(self):
        """1 to 3 refused tries on User details, then stays there."""
        kind = (self.i - AT_DETAILS.start) % 4
        if kind in (0, 3):
            self.refused("user-details", self.details(f"ws-p{self.i}", "password1"), WEAK)
        for _ in range({0: 0, 1: 2, 2: 3, 3: 1}[kind]):
            self.refused("user-details", self.details(f"p{self.i}"), LACKS_PREFIX)

    def to_permissions(self):
        self.post("user-details", self.details(f"ws-p{self.i}"))

    def to_mfa(self):
        """To MFA with a mistake or two on the way and one wrong code pair there; the even ones
        then enable MFA (after the wrong pair's one-second wait) and finish."""
        user = f"ws-p{self.i}"
        if self.i % 4 == 0:
            self.refused("user-details", self.details(f"p{self.i}"), LACKS_PREFIX)
        elif self.i % 4 == 1:
            self.refused("user-details", self.details(user, "password1"), WEAK)
        self.post("user-details", self.details(user))
        self.post("permissions", self.group_form("Readers", [READERS]))
        self.post("review", {"action": "create"})
        password = self.one_time_password()
        self.post("sign-in-details", {"action": "continue"})
        self.moved_on()
        if self.i % 4 == 2:
            self.refused("sign-in", self.sign_in_form("NotThePassword-42", user), SIGNIN)
        new = password + "-Changed9"
        self.sign_in_and_change(password, new)
        self.moved_on()
        seed = self.create_device(user)
        totp = pyotp.TOTP(seed)
        label, pair = MFA_MISTAKES[self.i % 3]
        code1, code2 = pair(totp, time.time())
        self.refused("mfa", {"action": "enable", "code1": code1, "code2": code2}, label)
        if self.i % 2 == 0:
            time.sleep(1.1)  # a wrong pair locks code entry for a second
            self.enable_mfa(seed)
            self.moved_on()
            self.sign_in_with_mfa(seed, password=new)
            self.secure_root()
            assert "Done: your IAM user is ready" in self.get("finish").content.decode()

    def ask_for_help(self):
        response = self.request("post", f"/join/help/{self.run_id}/", {"action": "ask", "note": "stuck here", "step": "connect"})
        assert response.status_code == 302


def in_threads(fn, items):
    """Run fn(item) for every item, AT_ONCE at a time, each thread with its own DB connection."""
    def one(item):
        try:
            return fn(item)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        return list(pool.map(one, items))


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def dashboard_table(html_text):
    """{name: (tries refused, last problem, asks for help)} as the live dashboard shows it."""
    table = {}
    for row in Page(html_text).find_all("tr", id=True):
        if not row["id"].startswith("participant-"):
            continue
        header = row.find("th", scope="row")
        name = " ".join(header.text.split()[:2])  # "Person 007", then its badges
        last = row.find("span", class_="last-problem")
        table[name] = (row.find("td", class_="attempts").text, last.text if last else "", "Asks for help" in header.text)
    return table


def test_a_room_of_200_behind_one_address(django_user_model, sandbox_endpoint, account_iam):
    trainer = make_trainer(django_user_model)
    trainer_client = verify_session(Client(REMOTE_ADDR=ROOM), *trainer)
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    base = f"/trainer/workshops/{workshop.pk}"
    urls = [f"{base}/", f"{base}/live/", f"{base}/export.csv"]
    people = [Person(i) for i in range(PEOPLE)]

    # The first 20 join; the dashboard's queries for 20 people.
    in_threads(lambda p: p.join(workshop), people[:20])
    for_20 = [queries(trainer_client, url) for url in urls]
    in_threads(lambda p: p.join(workshop), people[20:])
    assert Participant.objects.filter(workshop=workshop).count() == PEOPLE

    # Walking, with mistakes.
    def walk(person):
        if person.i < TO_MFA:
            person.to_mfa()
        elif person.i in AT_DETAILS:
            person.at_details()
        elif person.i in AT_PERMISSIONS:
            person.to_permissions()
        if person.i in ASK_HELP:
            person.ask_for_help()

    in_threads(walk, people)
    participant = {p.display_name: p for p in Participant.objects.filter(workshop=workshop)}
    assert trainer_client.post(f"{base}/participants/{participant[name_of(HELPED)].pk}/helped/").status_code == 302
    # As many queries for 200 people, with all their tries and help flags, as for 20 who just joined.
    assert [queries(trainer_client, url) for url in urls] == for_20

    # The trainer speaks to the room: every page shows it, live or on the next load.
    assert trainer_client.post(f"{base}/broadcast/", {"message": "Break until 11:00 <b>now</b>"}).status_code == 302
    watcher = people[120]
    assert "Break until 11:00 &lt;b&gt;now&lt;/b&gt;" in watcher.get("user-details").content.decode()
    assert watcher.request("get", f"/join/room/{watcher.run_id}/").json()["broadcast"] == "Break until 11:00 <b>now</b>"

    # Reset person 0 (finished) from MFA: the device goes, the user stays, they are back on MFA afresh.
    reset = people[RESET]
    response = trainer_client.post(f"{base}/participants/{participant[reset.name].pk}/reset/", {"from_step": "mfa"})
    assert response.status_code == 302
    assert "The run was reset to" in trainer_client.get(response["Location"]).content.decode()
    iam = account_iam(reset.run.account_id)
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["ws-p0"]
    assert [d["SerialNumber"].rsplit("/", 1)[1] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]] == ["root-mfa"]  # the account's, not the user's
    page = reset.request("get", reset.url("mfa"), {}).content.decode()
    assert "Your trainer reset your run from" in page
    reset.moved_on()

    # The dashboard and the CSV count exactly what was played.
    expected = {p.name: (len(p.tries), p.tries[-1] if p.tries else "", p.i in ASK_HELP - {HELPED}) for p in people}
    finished = {p.name for p in people if p.i < TO_MFA and p.i % 2 == 0 and p.i != RESET}
    live = trainer_client.get(f"{base}/live/").content.decode()
    shown = dashboard_table(live)
    assert len(shown) == PEOPLE
    assert {n: (int(a) if a != "—" else 0, last, helpme) for n, (a, last, helpme) in shown.items()} == expected
    assert {n for n, (a, _, _) in shown.items() if a == "—"} == finished
    stuck = {p.name for p in people if len(p.tries) >= 3}
    assert stuck and f"{len(stuck)} stuck</strong>" in live and f"{len(ASK_HELP) - 1} asked for help</strong>" in live
    assert f"{PEOPLE} participants, {len(finished)} finished" in live
    exported = {r["participant"]: r for r in csv.DictReader(io.StringIO(trainer_client.get(f"{base}/export.csv").content.decode()))}
    assert {n: (int(r["attempts_on_step"]), r["last_problem"]) for n, r in exported.items()} == {n: e[:2] for n, e in expected.items()}
    assert {n for n, r in exported.items() if r["finished"] == "yes"} == finished
    assert {n for n, r in exported.items() if r["stuck"]} == stuck

    # The live part and the CSV still take as many queries (the page now also lists the reset's report).
    assert [queries(trainer_client, url) for url in urls[1:]] == for_20[1:]

    # Nobody honest was refused: no 429 anywhere; the only 400s are the mistakes played.
    statuses = [s for p in people for s in p.statuses]
    assert 429 not in statuses
    assert statuses.count(400) == TYPOS + sum(p.mistakes for p in people)

    # What the check below reads: person 1's user, group and (not yet enabled) MFA device.
    assert leftovers(account_iam(people[1].run.account_id))[:2] == ["ws-p1", "Readers"]
    assert len(leftovers(account_iam(people[1].run.account_id))) == 3

    # Cleanup, pass after pass, until nothing is left; then nothing of the workshop is in AWS.
    for _ in range(20):
        response = trainer_client.post(f"{base}/cleanup/")
        assert response.status_code == 302
        record = workshop.cleanups.order_by("pk").last()
        if in_words(record.sections[0]["note"]) == "Nothing left to clean up.":
            break
        assert all(s["ok"] for s in record.sections if s["lines"]), [s for s in record.sections if not s["ok"]][:3]
    else:
        pytest.fail("cleanup never finished")
    left = {p.name: leftovers(account_iam(p.run.account_id)) for p in people}
    assert {name: found for name, found in left.items() if found} == {}


def leftovers(iam):
    """The users, groups and MFA devices in one emulated account (the root user's device is the account's: it stays)."""
    found = [u["UserName"] for u in iam.list_users()["Users"]] + [g["GroupName"] for g in iam.list_groups()["Groups"]]
    found += [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"] if not d["SerialNumber"].endswith("/root-mfa")]
    return found
