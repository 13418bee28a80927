"""Resume links in real browsers: the key is in no URL after the link itself, a browser without
the binding is refused, a new link locks out the old one, and home offers "Continue your run"."""
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _recording(context):
    urls = []
    context.on("request", lambda request: urls.append(request.url))
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page, urls


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])
def test_the_link_moves_a_run_to_another_browser_and_stays_out_of_urls(live_server, browser, width, height):
    laptop_context = browser.new_context(viewport={"width": width, "height": height})
    phone_context = browser.new_context(viewport={"width": width, "height": height})
    try:
        laptop, laptop_urls = _recording(laptop_context)
        laptop.goto(f"{live_server.url}/")
        laptop.get_by_role("button", name="Start").click()
        expect(laptop.get_by_role("heading", name="Connect to your AWS account")).to_be_visible()
        laptop.get_by_role("button", name="Get a resume link").click()
        expect(laptop.get_by_role("heading", name="Save your resume link")).to_be_visible()
        link = laptop.locator("#resume-link").inner_text().strip()
        key = link.split("key=", 1)[1]
        step_url = laptop.url
        assert "/run/" in step_url and key not in step_url
        laptop.get_by_role("button", name="Connect").click()
        expect(laptop.get_by_role("heading", name="Confirmed by AWS")).to_be_visible()
        expect(laptop.get_by_role("heading", name="Save your resume link")).to_have_count(0)  # shown once

        # Another browser with the step's address only (a projected screen, a log line): refused.
        phone, phone_urls = _recording(phone_context)
        response = phone.goto(step_url)
        assert response.status == 403
        expect(phone.get_by_role("heading", name="Open your resume link to continue this run")).to_be_visible()
        # With the link: the run opens there, at step URLs without the key.
        phone.goto(link)
        expect(phone.get_by_role("heading", name="User details")).to_be_visible()
        assert key not in phone.url
        visited = laptop_urls + phone_urls
        assert [url for url in visited if key in url] == [link]

        # The phone asks for a new link: shown once there; the laptop's binding and the old link stop working.
        phone.get_by_role("button", name="Get a resume link").click()
        expect(phone.get_by_role("heading", name="Save your resume link")).to_be_visible()
        new_link = phone.locator("#resume-link").inner_text().strip()
        assert new_link != link
        assert laptop.goto(step_url).status == 403
        assert laptop.goto(link).status == 404
        expect(laptop.get_by_role("heading", name="This resume link does not work")).to_be_visible()
        laptop.goto(new_link)
        expect(laptop.get_by_role("heading", name="User details")).to_be_visible()

        # The start page offers to continue.
        laptop.goto(f"{live_server.url}/")
        laptop.get_by_role("link", name="Continue your run").click()
        expect(laptop.get_by_role("heading", name="User details")).to_be_visible()
    finally:
        laptop_context.close()
        phone_context.close()
