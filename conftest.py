"""Test-wide environment: a throw-away data folder, set before Django reads its settings."""
import os
import tempfile

os.environ.setdefault("IAMWIZARD_DATA_DIR", tempfile.mkdtemp(prefix="iamwizard-test-"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside Django's live server
