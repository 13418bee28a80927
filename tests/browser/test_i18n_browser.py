"""The whole wizard in Spanish and in Japanese, in Chromium: Spanish chosen with the footer's switch on a
phone (390 px, where the longer Spanish words must not make any page scroll sideways), Japanese from the
browser's own language (Accept-Language) on a desktop screen."""
import pytest

from tests.browser.i18n_walk import choose_language, walk

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OVERFLOW = """() => ({
  scrollWidth: document.scrollingElement.scrollWidth, innerWidth,
  wide: [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + "." + e.className + ": " + (e.textContent || "").slice(0, 40)),
})"""


def test_the_whole_wizard_in_spanish_on_a_phone_chosen_with_the_switch(live_server, browser, account_iam):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    seen = []

    def no_overflow(label):
        layout = page.evaluate(OVERFLOW)
        assert layout["scrollWidth"] <= layout["innerWidth"] and not layout["wide"], (label, layout)
        seen.append(label)

    try:
        walk(page, live_server.url, "es", no_overflow, switch=True)
    finally:
        context.close()
    assert len(seen) == 19, seen


def test_the_whole_wizard_in_japanese_from_the_browsers_language(live_server, browser, account_iam):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(30_000)
    seen = []
    try:
        walk(page, live_server.url, "ja", seen.append)
        # The switch takes a person back to English, and that choice is remembered too.
        choose_language(page, "en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", level=1).inner_text() == "Done: your IAM user is ready"
    finally:
        context.close()
    assert len(seen) == 19, seen
