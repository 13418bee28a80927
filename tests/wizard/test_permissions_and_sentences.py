"""Issue #13, parts 2-4 with the test client: the permissions options, sentences that stay true
after an action, expected AWS answers shown as answers, and an honest sandbox sign-in."""
import csv
import io
import re
import uuid
from urllib.parse import unquote

import pytest

from iamwizard.aws import faults
from iamwizard.wizard.models import Run
from tests.pages import Page
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)
AWS = "arn:aws:iam::aws:policy/"
ADMIN = AWS + "AdministratorAccess"
# What must never show on the sandbox: a sign-in URL that looks like a real account's.
REAL_LOOKING_SIGN_IN = re.compile(r"https://[A-Za-z0-9-]+\.signin\.aws\.amazon\.com")
PATTERN = "https://&lt;account ID or alias&gt;.signin.aws.amazon.com/console"


def to_permissions(client, name="nina"):
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    walker.post("user-details", {"action": "save", "user_name": name, "console_access": "on", "password_type": "custom", "custom_password": "First-Pass-123", "must_reset": "on"})
    return walker


def field_errors(response) -> list:
    """Every field error on the page: the messages of every `class="field-error"` block, in page order."""
    return [message for block in Page(response).find_all(class_="field-error") for message in block.texts("p")]


def checked_mode(page: str) -> str:
    return Page(page).checked("mode")


# ---- Part 2: permissions that make sense ----

@pytest.mark.parametrize("posted, message", [
    ({}, "Choose how the user gets permissions."),
    ({"mode": "group"}, "Name the group to add the user to: an existing group, or a new one."),
    ({"mode": "group", "group_name": "Fresh"}, "Choose at least one policy for the new group Fresh: what its members may do."),
    ({"mode": "copy"}, "Choose the user to copy permissions from."),
    ({"mode": "direct"}, "Choose at least one policy to attach."),
])
def test_a_refused_submit_names_what_the_chosen_option_misses(client, posted, message):
    walker = to_permissions(client)
    # Whatever was typed for the other options is ignored: it neither helps nor adds errors.
    others = {"group": {"copy_from": "nobody"}, "copy": {"group_name": "bad name!", "policies": [AWS + "NotARealPolicy"]},
              "direct": {"group_name": "x" * 400, "copy_from": "nobody"}}.get(posted.get("mode"), {})
    response = walker.post("permissions", {"action": "save", **posted, **others}, expect=400)
    assert field_errors(response) == [message]
    if posted:
        assert checked_mode(response.content.decode()) == posted["mode"]  # the chosen option stays chosen, its fields shown


def test_fields_of_the_options_not_chosen_are_neither_checked_nor_kept(client):
    walker = to_permissions(client)
    walker.post("permissions", {"action": "save", "mode": "direct", "policies": [AWS + "ReadOnlyAccess"], "group_name": "x" * 400, "copy_from": "nobody"})
    answers = Run.objects.get(pk=walker.run_id).answers["permissions"]
    assert answers["mode"] == "direct" and answers["group_name"] == "" and answers["copy_from"] == ""
    assert answers["policies"] == [AWS + "ReadOnlyAccess"]


def test_follow_the_tutorial_exactly_attaches_administrator_access_to_the_user(client, account_iam):
    walker = to_permissions(client, "tina")
    page = walker.get("permissions").content.decode()
    assert checked_mode(page) == "group"  # the console's default stays the default
    assert "Follow the tutorial exactly" in page and "AdministratorAccess is broad." in page
    # Stray values of other options (a ticked policy, a boundary) do not change the tutorial's path.
    walker.post("permissions", {"action": "save", "mode": "tutorial", "group_name": "Admins", "policies": [AWS + "ReadOnlyAccess"], "boundary": "PowerUserAccess"})
    review = walker.get("review").content.decode()
    assert "This grants AdministratorAccess." in review
    assert "aws iam attach-user-policy --user-name tina --policy-arn arn:aws:iam::aws:policy/AdministratorAccess" in Page(review).text()
    assert "create-group" not in review and "permissions-boundary" not in review
    assert checked_mode(walker.get("permissions").content.decode()) == "tutorial"  # shown back as chosen
    walker.post("review", {"action": "create", "tags": ""})
    iam = account_iam(walker.run.account_id)
    # (IAMUserChangePassword too, as the console adds when a new password is required.)
    assert {p["PolicyArn"] for p in iam.list_attached_user_policies(UserName="tina")["AttachedPolicies"]} == {ADMIN, AWS + "IAMUserChangePassword"}
    assert iam.list_groups_for_user(UserName="tina")["Groups"] == []
    assert "PermissionsBoundary" not in iam.get_user(UserName="tina")["User"]


def test_each_option_reveals_only_its_own_fields_and_the_search_sits_in_the_policies_list(client):
    walker = to_permissions(client)
    page = walker.get("permissions").content.decode()
    reveals = {element["id"]: element["data-reveal"] for element in Page(page).find_all(id=True, data_reveal=True)}
    assert reveals == {"conditional-group": "group", "conditional-tutorial": "tutorial", "conditional-copy": "copy", "policies": "group direct"}
    # Each option's fields sit inside its own revealed block.
    blocks = Page(page)
    group_block = blocks.by_id("conditional-group")
    assert group_block.find(name="group_name") and not group_block.find(name="copy_from")
    assert blocks.by_id("conditional-copy").find(name="copy_from")
    # The search is inside the policies list (below the options), in a form of its own.
    policies = blocks.by_id("policies")
    assert policies.find(id="policy-search") and policies.find(form="policy-search-form")
    assert page.index('name="mode"') < page.index('id="policy-search"')
    # Without JavaScript, Search reloads the page with the results in the list.
    results = Page(client.get(walker.url("permissions"), {"q": "S3ReadOnly"})).by_id("policy-results")
    assert results.find(value="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")


# ---- Part 3: every sentence true after an action ----

def test_connect_shows_the_missing_password_policy_as_an_expected_answer(client):
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    page = walker.get("connect").content.decode()
    assert "No password policy set: AWS&#x27;s default applies" in page
    assert "NoSuchEntity — expected: no password policy set: AWS&#x27;s default applies" in page
    assert "<strong>NoSuchEntity</strong>" not in page


def test_a_real_failure_is_still_shown_as_one(client):
    walker = to_permissions(client, "uma")
    walker.post("permissions", {"action": "save", "mode": "direct", "policies": [AWS + "ReadOnlyAccess"]})
    with faults.inject("CreateUser", "access-denied"):
        walker.post("review", {"action": "create", "tags": ""}, expect=200)
    page = walker.get("review").content.decode()
    assert "<strong>AccessDenied</strong>" in page and "expected:" not in page


def test_review_says_what_create_user_made(client):
    walker = to_permissions(client, "vera")
    walker.post("permissions", {"action": "save", "mode": "group", "group_name": "Readers", "policies": [AWS + "ReadOnlyAccess"]})
    before = walker.get("review").content.decode()
    assert "Nothing has changed in AWS yet" in before and "Created in AWS" not in before
    walker.post("review", {"action": "create", "tags": ""})
    after = walker.get("review").content.decode()
    assert "Nothing has changed in AWS yet" not in after
    assert "Create user has made its calls in AWS: the user vera exists now" in after
    heading = Page(after).find("h2", id="made-in-aws-h")
    made = heading.parent.elements[heading.parent.elements.index(heading) + 1]
    assert heading.text == "Created in AWS" and made.tag == "ul"
    assert made.texts("li") == [
        "The user vera", "The group Readers", "Its console password, to be changed at first sign-in",
        "ReadOnlyAccess attached to the group Readers", "vera added to the group Readers",
        "IAMUserChangePassword attached to vera",
    ]


def test_done_after_delete_says_the_user_is_gone_and_offers_start_again(client):
    walker = Walker(client)
    walker.to_mfa(user_name="wendy", group="Wendys")
    walker.enable_mfa_and_sign_in(walker.create_device("wendy"))
    assert "Done: your IAM user is ready" in walker.get("finish").content.decode()
    walker.post("finish", {"action": "delete", "confirm_name": "wendy"})
    page = walker.get("finish").content.decode()
    assert "<h1>Done: the user wendy is deleted</h1>" in page
    assert "<title>Done: the user wendy is deleted" in page
    assert "your IAM user is ready" not in page and "use this IAM user for everyday work" not in page
    assert "wendy and everything attached to it are gone from AWS" in page
    # Every AWS answer of the deletion is shown as what it is: the user's GetUser NoSuchEntity proves the deletion.
    assert "NoSuchEntity — expected: deleted, as asked" in page and "<strong>NoSuchEntity</strong>" not in page
    start = Page(page).find("form", method="post", action="/")
    assert start.find("button").text == "Start again" and start.find("input", name="csrfmiddlewaretoken")
    response = client.post("/")
    assert response.status_code == 302 and response["Location"].endswith("/connect/")
    assert response["Location"].split("/")[2] != walker.run_id


# ---- Part 4: the sandbox is honest ----

def to_sign_in_details(client, name="xena"):
    walker = to_permissions(client, name)
    walker.post("permissions", {"action": "save", "mode": "direct", "policies": [AWS + "ReadOnlyAccess"]})
    walker.post("review", {"action": "create", "tags": ""})
    return walker


def test_sandbox_sign_in_details_point_to_the_practice_sign_in(client):
    walker = to_sign_in_details(client)
    page = walker.get("sign-in-details").content.decode()
    assert not REAL_LOOKING_SIGN_IN.search(page)
    assert 'data-copy="signin-url"' not in page
    assert "The practice sign-in" in page and PATTERN in page
    practice = f"http://testserver/run/{walker.run_id}/sign-in/"
    mailto = unquote(Page(page).links("mailto:")[0])
    assert f"Practice sign-in page: {practice}" in mailto
    assert "https://<account ID or alias>.signin.aws.amazon.com/console" in mailto
    assert not REAL_LOOKING_SIGN_IN.search(mailto) and "First-Pass-123" not in mailto
    rows = list(csv.reader(io.StringIO(client.post(f"/run/{walker.run_id}/sign-in-details/csv").content.decode())))
    assert rows[1][2] == practice and not REAL_LOOKING_SIGN_IN.search(",".join(rows[1]))
    walker.post("sign-in-details", {"action": "continue"})
    assert walker.run.steps.get(step="sign-in-details").result["sign_in_url"] == practice
    sign_in = walker.get("sign-in").content.decode()
    assert not REAL_LOOKING_SIGN_IN.search(sign_in) and PATTERN in sign_in


def test_a_real_account_keeps_its_real_sign_in_url(client, real_account):  # noqa: F811
    name = f"real-{uuid.uuid4().hex[:8]}"
    walker = to_sign_in_details(client, name)
    page = walker.get("sign-in-details").content.decode()
    url = "https://123456789012.signin.aws.amazon.com/console"
    assert f'<code id="signin-url">{url}</code>' in page and 'data-copy="signin-url"' in page
    credentials = Page(page).find("section", class_="credentials")
    assert "practice" not in credentials.text.lower() and not credentials.contains("practice")
    rows = list(csv.reader(io.StringIO(client.post(f"/run/{walker.run_id}/sign-in-details/csv").content.decode())))
    assert rows == [["User name", "Password", "Console sign-in URL"], [name, "First-Pass-123", url]]
    mailto = unquote(Page(page).links("mailto:")[0])
    assert f"Sign-in URL: {url}" in mailto
