"""axe-core on every page of the wizard in Spanish and in Japanese (error states included): no serious
or critical finding, and the page's language (<html lang>) declared, as axe's html-lang-valid rule checks."""
import pytest

from tests.browser.i18n_walk import walk

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("language,width,height", [("es", 390, 844), ("ja", 1280, 800)], ids=["es-phone", "ja-desktop"])
def test_every_wizard_page_in_another_language(live_server, browser, audit, account_iam, language, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=language)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        walk(page, live_server.url, language, lambda label: audit(page, f"{language}: {label}"))
    finally:
        context.close()
    assert len(audit.pages) == 19, audit.pages
    assert audit.findings == [], "axe found serious/critical problems:\n" + audit.report()
