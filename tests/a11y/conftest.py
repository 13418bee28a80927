"""Accessibility tests: axe-core (bundled in the PyPI package axe-playwright-python, nothing is
downloaded at run time) and keyboard-only walks, in Debian's Chromium driven by Playwright."""
import pytest

# axe impact levels that fail a page; "moderate" and "minor" are reported, not failed.
FAILING_IMPACTS = ("serious", "critical")


# The `browser` and `page` fixtures come from tests/conftest.py (one Playwright per session).
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
