"""Test-wide environment: a throw-away data folder, set before Django reads its settings."""
import os
import tempfile

os.environ.setdefault("IAMWIZARD_DATA_DIR", tempfile.mkdtemp(prefix="iamwizard-test-"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside Django's live server


def pytest_configure(config):
    """The translations, compiled as dev.py does (pure Python), so pages can be read in Spanish and Japanese
    also when pytest is run directly."""
    from pathlib import Path

    from iamwizard.wizard.catalogues import compile_all

    compile_all(Path(__file__).resolve().parent / "locale")
