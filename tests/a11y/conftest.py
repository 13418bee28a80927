"""Accessibility tests: axe-core (bundled in the PyPI package axe-playwright-python, nothing is
downloaded at run time) and keyboard-only walks, in Debian's Chromium driven by Playwright."""
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
# axe impact levels that fail a page; "moderate" and "minor" are reported, not failed.
FAILING_IMPACTS = ("serious", "critical")


# Module scope, not session: tests/browser has a session-scoped Playwright of its own, and two
# sync Playwright instances cannot be alive at once in one process.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); `python3 dev.py test` installs it when run as root.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _use_sandbox(settings, sandbox_endpoint):
    settings.IAMWIZARD_SANDBOX_URL = sandbox_endpoint
    settings.IAMWIZARD_TARGET = "sandbox"


class Auditor:
    """Runs axe-core on the page as it is now; collects serious and critical violations."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.findings = []  # (label, rule id, impact, help, targets)
        self.minor = []
        self.pages = []

    def __call__(self, page, label):
        results = self.axe.run(page)
        # axe really ran its rules on this page (and was not, say, blocked by the page's CSP).
        assert len(results.response["passes"]) > 10, (label, results.response.get("passes"))
        self.pages.append(label)
        for violation in results.response["violations"]:
            row = (label, violation["id"], violation["impact"], violation["help"],
                   [", ".join(map(str, n["target"])) for n in violation["nodes"]][:5])
            (self.findings if violation["impact"] in FAILING_IMPACTS else self.minor).append(row)
        return results

    def report(self):
        return "\n".join(f"{label}: {rule} ({impact}) {help_} at {targets}" for label, rule, impact, help_, targets in self.findings)


@pytest.fixture
def audit():
    auditor = Auditor()
    yield auditor
    if auditor.minor:
        print("axe, moderate/minor (not failing):\n" + "\n".join(f"  {r[0]}: {r[1]} ({r[2]}) {r[4]}" for r in auditor.minor))
