"""Retention settings (core/retention.py): defaults, bounds, and a bad value stops the app at start
with a sentence that names the variable and what it takes."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iamwizard.core import retention
from iamwizard.core.retention import BadSetting, setting

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_when_unset_or_blank():
    assert setting(retention.RUN_IDLE_DAYS, {}) == 30
    assert setting(retention.WORKSHOP_KEEP_DAYS, {"IAMWIZARD_WORKSHOP_KEEP_DAYS": "  "}) == 30
    assert setting(retention.MAX_SANDBOX_ACCOUNTS, {}) == 5000


def test_whole_numbers_within_bounds_are_taken():
    assert setting(retention.RUN_IDLE_DAYS, {"IAMWIZARD_RUN_IDLE_DAYS": " 7 "}) == 7
    assert setting(retention.WORKSHOP_KEEP_DAYS, {"IAMWIZARD_WORKSHOP_KEEP_DAYS": "3650"}) == 3650
    assert setting(retention.MAX_SANDBOX_ACCOUNTS, {"IAMWIZARD_MAX_SANDBOX_ACCOUNTS": "1"}) == 1


@pytest.mark.parametrize("value", ["0", "-1", "3651", "abc", "1.5", "+5", "1_000", "١٢", "30d"])
def test_anything_else_is_refused_with_what_to_set(value):
    with pytest.raises(BadSetting) as refused:
        setting(retention.RUN_IDLE_DAYS, {"IAMWIZARD_RUN_IDLE_DAYS": value})
    assert str(refused.value) == (
        f"IAMWIZARD_RUN_IDLE_DAYS={value!r} is not valid: give a whole number of days from 1 to 3650 "
        "(default 30), or leave it unset."
    )


@pytest.mark.parametrize("name, value", [("IAMWIZARD_MAX_SANDBOX_ACCOUNTS", "0"), ("IAMWIZARD_WORKSHOP_KEEP_DAYS", "never")])
def test_the_app_refuses_to_start_with_a_bad_value(tmp_path, name, value):
    env = dict(os.environ, IAMWIZARD_DATA_DIR=str(tmp_path), **{name: value})
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    # The last line, where the eye lands: the variable, what it got, and what it takes.
    assert done.stderr.strip().splitlines()[-1].startswith(
        f"django.core.exceptions.ImproperlyConfigured: {name}={value!r} is not valid: give a whole number")
