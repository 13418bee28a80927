"""The sandbox can answer at AWS's pace: a latency added to every answer, set at start or while it runs."""
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
import pytest

from tests.sandbox.sandbox_support import ADMIN, REGION, start_sandbox, stop_sandbox

ROOT = Path(__file__).resolve().parents[2]


def _latency(endpoint, ms=None):
    data = None if ms is None else urllib.parse.urlencode({"ms": ms}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_sandbox/latency", data=data), timeout=10) as response:
        return json.load(response)["latency_ms"]


def _seconds_for_a_call(sts):
    started = time.perf_counter()
    sts.get_caller_identity()
    return time.perf_counter() - started


@pytest.fixture
def sandbox(tmp_path):
    proc, endpoint = start_sandbox(tmp_path, command=("manage.py", "sandbox", "--latency-ms", "150"))
    yield endpoint
    stop_sandbox(proc)


def test_latency_from_the_command_line_then_changed_while_running(sandbox):
    sts = boto3.client("sts", endpoint_url=sandbox, region_name=REGION, **ADMIN)
    assert _latency(sandbox) == 150
    assert _seconds_for_a_call(sts) >= 0.15

    assert _latency(sandbox, 0) == 0
    assert _latency(sandbox, 400) == 400
    assert _seconds_for_a_call(sts) >= 0.4


@pytest.mark.parametrize("bad", ["-1", "fast", "10001", "1.5", "", "١٢", "٣٠", "１０", "²", " 30"])
def test_a_bad_latency_is_refused_and_changes_nothing(sandbox, bad):
    with pytest.raises(urllib.error.HTTPError) as refused:
        _latency(sandbox, bad)
    assert refused.value.code == 400
    assert "whole number from 0 to 10000, in the digits 0-9" in json.load(refused.value)["Message"]
    assert _latency(sandbox) == 150


@pytest.mark.parametrize("command", [("manage.py", "sandbox"), ("-m", "iamwizard.sandbox")])
@pytest.mark.parametrize("option, bad, highest", [("--latency-ms", "١٢", 10000), ("--latency-ms", "10001", 10000), ("--latency-ms", "fast", 10000),
                                                   ("--port", "٥٠٠٠", 65535), ("--port", "65536", 65535)])
def test_a_bad_number_on_the_command_line_is_refused(command, option, bad, highest):
    done = subprocess.run([sys.executable, *command, "--port", "0", option, bad], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"{bad!r} is not a whole number from 0 to {highest}, in the digits 0-9" in done.stderr
