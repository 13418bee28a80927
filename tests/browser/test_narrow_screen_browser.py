"""Long values and crowded bars on a 390 px phone (and 1280 px), in English, Spanish and Japanese.

Nothing makes the page scroll sideways (document.documentElement.scrollWidth <= clientWidth); a long
value (an ARN, the join address) wraps only where it may (after : / - or a space: the soft_breaks
filter's <wbr>), never mid-word; the trainer's participant table scrolls on its own, in a focusable
region; each filter control stays beside its label; the step bar keeps its ten steps on one row; and an
MFA code refused during the wait after a wrong one says so on the code field. Set
IAMWIZARD_SCREENSHOTS=<folder> to keep a screenshot of every page checked.
"""
import os
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from iamwizard.wizard.models import Run
from iamwizard.wizard.templatetags.breaks import NOWRAP
from tests.wizard.walk import Walker
from tests.workshops.helpers import join, make_trainer, make_workshop, verify_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

LANGUAGES = ("en", "es", "ja")
PHONE, DESKTOP = (390, 844), (1280, 800)

OVERFLOW = """() => ({scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
  wide: [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
    && !e.closest(".table-scroll")).slice(0, 5).map(e => e.tagName.toLowerCase() + "." + e.className)})"""

# An element's text, and where each line it is drawn on starts (its characters grouped by the top of their box).
LINES = """(element) => {
  let text = "", top = null;
  const starts = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++, text += node.data[i - 1]) {
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (!box.width || !box.height) continue;
      if (top === null || box.top > top + box.height / 2) { starts.push(text.length); top = box.top; }
    }
  }
  return {text, starts};
}"""


def no_page_overflow(page, label):
    layout = page.evaluate(OVERFLOW)
    assert layout["scrollWidth"] <= layout["clientWidth"], (label, layout)
    assert not layout["wide"], (label, layout)


def may_break(before: str, after: str) -> bool:
    """Whether a line may end between these two characters: after : / - or at a space (soft_breaks'
    <wbr> and the browser's own), where CamelCase starts a word (a <wbr> too), or in Japanese text."""
    return (before in ":/- " or after == " " or (before.islower() and after.isupper())
            or not (before.isascii() and after.isascii()))


def wraps_only_where_it_may(locator, label):
    """Every line break in these elements falls where the text allows one, never mid-word."""
    for index in range(locator.count()):
        drawn = locator.nth(index).evaluate(LINES)
        text = drawn["text"]
        for start in drawn["starts"][1:]:
            assert may_break(text[start - 1], text[start]), (label, text[:start] + " | " + text[start:])


def cli_wraps_only_between_words(locator, label):
    """A CLI line breaks at its spaces; a word (an option, the command) of up to breaks.NOWRAP characters never
    inside, a longer one (an ARN, a long name) only where may_break allows."""
    for index in range(locator.count()):
        drawn = locator.nth(index).evaluate(LINES)
        text = drawn["text"]
        for start in drawn["starts"][1:]:
            before, after = text[start - 1], text[start]
            if before == " " or after == " ":
                continue
            word = text[text.rfind(" ", 0, start) + 1:(text.find(" ", start) + 1 or len(text) + 1) - 1]
            assert len(word) > NOWRAP and may_break(before, after), (label, word, text[:start] + " | " + text[start:])


def screenshot(page, name):
    folder = os.environ.get("IAMWIZARD_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/narrow-{name}.png", full_page=True)


def open_page(browser, url, size, language, cookies=()):
    phone = size == PHONE
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, is_mobile=phone, has_touch=phone)
    context.add_cookies([*cookies, {"name": "django_language", "value": language, "url": url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    return context, page


@pytest.fixture
def dashboard(live_server, django_user_model):
    """A workshop dashboard with a long participant list, and the cookies of its verified trainer."""
    user, device = make_trainer(django_user_model)
    workshop = make_workshop(user, title="Friday IAM")
    for number in range(25):
        join(Client(), workshop, name=f"Participant-with-a-long-name-{number:02d}")
    trainer = verify_session(Client(), user, device)
    cookie = {"name": "sessionid", "value": trainer.cookies["sessionid"].value, "url": live_server.url}
    return f"{live_server.url}/trainer/workshops/{workshop.pk}/", [cookie]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_with_a_long_participant_list_fits_a_phone(browser, dashboard, language):
    url, cookies = dashboard
    for size in (PHONE, DESKTOP):
        context, page = open_page(browser, url, size, language, cookies)
        try:
            label = f"dashboard {language} {size[0]}"
            expect(page.locator("table.dashboard tbody tr")).to_have_count(25)
            screenshot(page, label.replace(" ", "-"))
            no_page_overflow(page, label)
            # The join address wraps at its slashes and colons, not inside "join".
            wraps_only_where_it_may(page.locator("#join-code + code"), label)
            # Only the table scrolls, in a region a keyboard can reach and a screen reader names.
            region = page.locator(".table-scroll")
            assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region" and region.get_attribute("aria-label")
            assert region.evaluate("e => getComputedStyle(e).overflowX") == "auto", label
            if size == PHONE and language != "ja":  # the Japanese headings are short enough for the table to fit
                assert region.evaluate("e => e.scrollWidth > e.clientWidth"), label
            # Each filter control beside its label: the checkbox on the line of its label's first words, the select beside "Sort".
            for control, text in (("#stuck-only", "label[for=stuck-only]"), ("#sort", "label[for=sort]")):
                box, words = page.locator(control).bounding_box(), page.locator(text).evaluate("e => e.getClientRects()[0].toJSON()")
                assert box["y"] < words["bottom"] and words["top"] < box["y"] + box["height"], (label, control, box, words)
        finally:
            context.close()


@pytest.fixture
def walked(live_server, browser):
    """A run with MFA on (a long device name: a long ARN in "Confirmed by AWS"), and the browser's cookies for it."""
    walker = Walker(Client())
    walker.to_mfa(user_name="erin-with-a-rather-long-user-name")
    walker.enable_mfa(walker.create_device("erin-with-a-rather-long-user-name-AuthenticatorPhone"))
    context = browser.new_context()
    context.new_page().goto(live_server.url + walker.resume_link.removeprefix("http://testserver"))
    cookies = context.cookies()
    context.close()
    return walker, cookies


@pytest.mark.parametrize("language", LANGUAGES)
def test_confirmed_by_aws_and_the_step_bar_fit_a_phone(browser, live_server, walked, language):
    walker, cookies = walked
    for slug in ("sign-in", "review", "mfa"):
        for size in (PHONE, DESKTOP):
            context, page = open_page(browser, live_server.url + walker.url(slug), size, language, cookies)
            try:
                label = f"{slug} {language} {size[0]}"
                expect(page.locator("#verified dd").first).to_be_visible()
                screenshot(page, label.replace(" ", "-"))
                no_page_overflow(page, label)
                if size == PHONE:
                    # The ten steps on one row: no step (the 10th, on First sign-in) alone on a line of its own.
                    rows = page.locator(".stepper li").evaluate_all("items => items.map(li => li.getBoundingClientRect().toJSON())")
                    first = rows[0]
                    assert len(rows) == 10 and all(first["top"] < row["top"] + row["height"] / 2 < first["bottom"] for row in rows), (label, rows)
                wraps_only_where_it_may(page.locator("#verified dd"), label)
                # The AWS calls, planned and made: operation names whole or at inner capitals, CLI lines between words.
                assert page.locator(".calls code.op").count() and page.locator(".calls .cli code").count(), label
                wraps_only_where_it_may(page.locator("code.op"), label)
                cli_wraps_only_between_words(page.locator(".calls .cli code, table.calls-made code.cli"), label)
            finally:
                context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_codes_sent_during_the_wait_are_refused_on_the_code_field(browser, live_server, language):
    walker = Walker(Client())
    walker.to_mfa(user_name="ivy")
    walker.create_device("ivy")
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(live_server.url + walker.resume_link.removeprefix("http://testserver"))
        # Three wrong pairs before: code entry waits 30 more seconds.
        Run.objects.filter(pk=walker.run_id).update(mfa_failures=3, mfa_locked_until=timezone.now() + timezone.timedelta(seconds=30))
        page.locator("#id_code1").fill("123456")
        page.locator("#id_code2").fill("234567")
        page.locator("#mfa-codes button[type=submit]").click()
        error = page.locator("#id_code1_error")
        expect(error).to_be_visible()
        words = {"en": "Try again in", "es": "Vuelva a intentarlo dentro de", "ja": "秒後にもう一度お試しください"}[language]
        assert words in error.inner_text(), error.inner_text()
        # The summary links to that field; nothing is said at form level.
        expect(page.locator("#error-summary a[href='#id_code1']", has_text=words)).to_be_visible()
        assert page.locator("#mfa-codes #form-errors").count() == 0
        screenshot(page, f"mfa-wait-{language}")
        no_page_overflow(page, f"mfa wait {language}")
    finally:
        context.close()


@pytest.mark.parametrize("size", (PHONE, DESKTOP))
def test_the_wait_after_a_wrong_pair_counts_down_and_says_when_it_is_over(browser, live_server, size):
    """A wrong pair (the 6th in a row: 32 s), then codes sent at once: refused unchecked on code 1, and the
    sentence saying how long counts down in place (the page's clock is Playwright's, moved by hand) to
    "You can try again now.", which a screen reader hears once (one polite region; the seconds are aria-live off)."""
    walker = Walker(Client())
    walker.to_mfa(user_name="ivy")
    walker.create_device("ivy")
    Run.objects.filter(pk=walker.run_id).update(mfa_failures=5, mfa_locked_until=None)
    context, page = open_page(browser, live_server.url + walker.resume_link.removeprefix("http://testserver"), size, "en")
    try:
        def send(code1, code2):
            page.locator("#id_code1").fill(code1)
            page.locator("#id_code2").fill(code2)
            page.locator("#mfa-codes button[type=submit]").click()

        send("123456", "234567")
        expect(page.locator("#mfa-codes .field-error, #mfa-codes #form-errors").first).to_contain_text("Try again in")
        # The next page's clock stands still until the test moves it.
        page.clock.install()
        page.clock.pause_at(timezone.now() + timezone.timedelta(seconds=1))
        send("345678", "456789")
        error = page.locator("#id_code1_error")
        expect(error).to_contain_text("These codes were not checked.")
        drawn = re.search(r"Try again in (\d+) seconds\.", error.inner_text())
        assert drawn and 20 < int(drawn[1]) <= 32, error.inner_text()
        left = int(drawn[1])
        screenshot(page, f"mfa-countdown-{size[0]}-start")
        no_page_overflow(page, f"countdown {size[0]}")

        page.clock.run_for(10_500)  # half-way through a second: no tick is due at that very moment
        for shown in (error, page.locator("#error-summary .error-summary-list a[href='#id_code1']")):
            expect(shown).to_contain_text(f"Try again in {left - 10} seconds.")
        page.clock.run_for((left - 11) * 1000)
        expect(error).to_contain_text("Wait a second before you try again.")
        screenshot(page, f"mfa-countdown-{size[0]}-last")
        page.clock.run_for(1000)
        for shown in (error, page.locator("#error-summary .error-summary-list a[href='#id_code1']")):
            expect(shown).to_have_text(re.compile(r"These codes were not checked\. .* to keep guessers out\. You can try again now\.$"))
        assert "Wait a second" not in error.inner_text() and "Try again in" not in error.inner_text()
        # Told once, politely, at the end; the seconds before it were not live.
        assert page.locator(".countdown [aria-live=polite]").all_inner_texts() == ["You can try again now."]
        assert page.locator(".countdown [aria-live=off]").all_inner_texts() == ["You can try again now."]
        screenshot(page, f"mfa-countdown-{size[0]}-over")
        no_page_overflow(page, f"countdown over {size[0]}")
    finally:
        context.close()


def test_the_deletion_report_fits_a_phone_after_a_mistyped_confirmation(browser, live_server):
    """Delete this user, on a phone: a mistyped name is refused at the top and on its field; then the
    report's operation names (DeactivateMFADevice, DeleteVirtualMFADevice...) wrap at inner capitals,
    never mid-word, at 390 and at 1280 px."""
    walker = Walker(Client())
    walker.to_mfa(user_name="olga-with-a-rather-long-user-name", group="Olgas")
    walker.enable_mfa_and_sign_in(walker.create_device("olga-with-a-rather-long-user-name"))
    context = browser.new_context()
    context.new_page().goto(live_server.url + walker.resume_link.removeprefix("http://testserver"))
    cookies = context.cookies()
    context.close()
    context, page = open_page(browser, live_server.url + walker.url("finish"), PHONE, "en", cookies)
    try:
        page.locator("details.delete-user summary").click()
        page.get_by_label("Type the user name to confirm").fill("Olga")
        page.locator("details.delete-user button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_focused()
        expect(page.locator(".error-summary")).to_contain_text("Type olga-with-a-rather-long-user-name exactly")
        page.get_by_label("Type the user name to confirm").fill("olga-with-a-rather-long-user-name")
        page.locator("details.delete-user button[type=submit]").click()
        expect(page.locator(".cleanup-report tbody td:nth-child(2) code").first).to_be_visible()
        assert "DeactivateMFADevice" in page.locator(".cleanup-report").inner_text()
    finally:
        context.close()
    for size in (PHONE, DESKTOP):
        context, page = open_page(browser, live_server.url + walker.url("finish"), size, "en", cookies)
        try:
            label = f"deletion report {size[0]}"
            expect(page.locator(".cleanup-report tbody td:nth-child(2) code").first).to_be_visible()
            screenshot(page, label.replace(" ", "-"))
            no_page_overflow(page, label)
            wraps_only_where_it_may(page.locator(".cleanup-report tbody td:nth-child(2) code"), label)
        finally:
            context.close()
