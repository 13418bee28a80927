"""The walker itself: the same walk as a browser (what the benchmark counts) and as the tests walk it."""
import pytest

from tests.pages import Page
from tests.wizard.walk import Walker, text_of

pytestmark = pytest.mark.django_db(transaction=True)


class Recorded(Walker):
    def __init__(self, client, browser):
        super().__init__(client, browser=browser)
        self.sent, self.pages = [], []
        self.on_page = lambda label, path: self.pages.append(label)

    def request(self, method, path, data=None):
        response = super().request(method, path, data)
        self.sent.append((method.upper(), path.replace(self.run_path or "/run/", "/run/<id>/") if self.run_id else path, response.status_code))
        return response


def test_as_a_browser_the_walk_follows_every_redirect_and_opens_every_page(client):
    """The HTTP walker's enrolment (scripts/bench_enrolment.py counts its clicks: 23) over the test client."""
    walker = Recorded(client, browser=True)
    assert walker.enrol(user_name="pat") == walker.run_id
    assert len(walker.sent) == 39 and len(walker.pages) == 23
    assert [s for _, _, s in walker.sent if s not in (200, 302)] == []
    posts = [i for i, (method, _, _) in enumerate(walker.sent) if method == "POST"]
    assert all(walker.sent[i + 1][0] == "GET" and walker.sent[i][2] == 302 for i in posts)  # each submit followed
    assert walker.sent[-1] == ("GET", "/run/<id>/finish/", 200)
    assert walker.pages[:3] == ["home", "connect", "connect: confirmed"] and walker.pages[-1] == "finish"


def test_as_the_tests_walk_only_the_requests_needed(client):
    walker = Recorded(client, browser=False)
    walker.to_mfa(user_name="alice")
    assert [(m, p) for m, p, _ in walker.sent] == [
        ("POST", "/"), ("POST", "/run/<id>/connect/"), ("POST", "/run/<id>/user-details/"), ("POST", "/run/<id>/permissions/"),
        ("POST", "/run/<id>/review/"), ("GET", "/run/<id>/sign-in-details/"), ("POST", "/run/<id>/sign-in-details/"),
        ("GET", "/run/<id>/sign-in/"), ("POST", "/run/<id>/sign-in/"), ("POST", "/run/<id>/sign-in/")]


@pytest.mark.parametrize("html, element_id", [
    ('<p>x <code id="signin-password" class="secret">a&amp;b&lt;c</code> y</p>', "signin-password"),
    ('<p><code class="secret" id="resume-link">https://x/?key=a&amp;b</code></p>', "resume-link"),
    ('<p><code id="secret-key" class="secret">ABCD EFGH\n IJKL</code></p>', "secret-key"),
    ('<p><span id="x" title="a>b">t<b>u</b></span></p>', "x"),
    ('<p><span id="x">t <b>u</b></span></p>', "x"),
    ("<p><span id='x'>t</span></p>", "x"),
    ('<p><code id="x"></code></p>', "x"),
])
def test_text_of_reads_as_pages_does(html, element_id):
    assert text_of(Page(html), element_id) == Page(html).text(element_id)
