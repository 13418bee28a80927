"""The permissions step's live policy search loads its script only once the search is touched or
focused (policy-search-loader.js), and what was typed and submitted meanwhile is not lost."""
import time

from playwright.sync_api import expect

from tests.browser.test_permissions_browser import PHONE, new_page, to_permissions  # noqa: F401 (new_page: a fixture)


def test_search_script_loads_on_use_and_catches_up(live_server, new_page):
    page = new_page(PHONE)
    scripts = []
    page.on("request", lambda request: scripts.append(request.url) if request.url.endswith(".js") else None)
    to_permissions(page, live_server, "vera")
    page.get_by_label("Administrator — AdministratorAccess", exact=False).check()
    page.wait_for_load_state("networkidle")
    assert not [url for url in scripts if url.endswith("/policy-search.js")]  # not needed yet

    def slow(route):  # a slow network: typed and submitted before the script arrives
        time.sleep(1.5)
        route.continue_()

    page.route("**/policy-search.js", slow)
    page.locator("input[name=mode][value=direct]").check()
    url = page.url
    page.get_by_label("Search all AWS managed").fill("AmazonS3ReadOnly")
    page.get_by_label("Search all AWS managed").press("Enter")
    expect(page.locator("#policy-results").get_by_label("AmazonS3ReadOnlyAccess")).to_be_visible()
    assert page.url == url  # the live search answered: no reload, the ticked box kept
    assert page.get_by_label("Administrator — AdministratorAccess", exact=False).is_checked()
    assert [url for url in scripts if url.endswith("/policy-search.js")]
