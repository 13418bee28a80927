"""Several sandboxes: IAMWIZARD_SANDBOX_URL's list, and which sandbox holds an account."""
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from iamwizard.core import sandbox_endpoints as se

ROOT = Path(__file__).resolve().parents[2]


def test_one_or_several_endpoints_are_read_in_order():
    assert se.parse("") == [] and se.parse("  ") == []
    assert se.parse("http://127.0.0.1:5000/") == ["http://127.0.0.1:5000"]
    assert se.parse(" http://a:5000 , https://b.example:443,http://c:1 ") == ["http://a:5000", "https://b.example:443", "http://c:1"]


@pytest.mark.parametrize("text, kind", [
    ("http://a:5000,,http://b:5000", "empty-entry"),
    ("http://a:5000,", "empty-entry"),
    ("a:5000", "not-a-url"),
    ("ftp://a:5000", "not-a-url"),
    ("http://a:99999", "not-a-url"),
    ("http://a:5000/iam", "has-path"),
    ("http://a:5000,http://a:5000/", "duplicate"),
    (",".join(f"http://h{i}:1" for i in range(101)), "too-many"),
])
def test_bad_lists_are_refused_with_what_is_wrong(text, kind):
    with pytest.raises(se.EndpointsProblem) as refused:
        se.parse(text)
    assert refused.value.kind == kind and "IAMWIZARD_SANDBOX_URL" in refused.value.describe()


def test_an_account_lives_where_its_id_says_and_older_ids_on_the_first():
    endpoints = ["http://a:1", "http://b:1", "http://c:1"]
    assert se.endpoint_for("001123456789", endpoints) == "http://b:1"
    assert se.endpoint_for("002123456789", endpoints) == "http://c:1"
    assert se.endpoint_for("000123456789", endpoints) == "http://a:1"
    assert se.endpoint_for("512345678901", endpoints) == "http://a:1"  # made while there was one sandbox
    assert se.endpoint_for("007123456789", endpoints) == "http://a:1"  # a sandbox no longer listed: the first
    assert se.endpoint_for("", endpoints) == "http://a:1"
    assert se.index_for("001123456789", 1) == 0


def test_new_ids_name_a_sandbox_spread_evenly_and_stay_put_when_one_is_added():
    ids = [se.new_account_id(2) for _ in range(2000)]
    assert all(len(i) == 12 and i.isdigit() and i[0] == "0" for i in ids)
    spread = Counter(se.index_for(i, 2) for i in ids)
    assert set(spread) == {0, 1} and min(spread.values()) > 800
    assert all(se.index_for(i, 3) == se.index_for(i, 2) for i in ids)  # adding a third moves none
    single = se.new_account_id(1)
    assert len(single) == 12 and single[0] != "0"  # one sandbox: ids as before


def test_a_bad_list_stops_the_app_at_start_with_a_clear_message(tmp_path):
    env = dict(os.environ, IAMWIZARD_SANDBOX_URL="http://127.0.0.1:5000,,http://127.0.0.1:5001",
               IAMWIZARD_DATA_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "IAMWIZARD_SANDBOX_URL has an empty entry between commas." in done.stderr
    env.update(IAMWIZARD_SANDBOX_URL="http://127.0.0.1:5000", IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY="０")
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY must be a whole number" in done.stderr
