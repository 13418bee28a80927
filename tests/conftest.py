"""Fixtures shared by every test folder: a real sandbox server process and a boto3 view into it."""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent


def start_sandbox_process(data_dir):
    """Start `manage.py sandbox --port 0` and return (process, endpoint)."""
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", "--port", "0", "--data-dir", str(data_dir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("the sandbox did not start")


@pytest.fixture(scope="session")
def sandbox_endpoint(tmp_path_factory):
    proc, endpoint = start_sandbox_process(tmp_path_factory.mktemp("sandbox"))
    yield endpoint
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def account_iam(sandbox_endpoint):
    """boto3 IAM client in a given emulated account, to check what AWS really holds."""
    from iamwizard.aws.gateway import SANDBOX_ADMIN

    def make(account_id):
        sts = boto3.client("sts", endpoint_url=sandbox_endpoint, region_name="us-east-1", **SANDBOX_ADMIN)
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/test", RoleSessionName="tests")["Credentials"]
        return boto3.client(
            "iam", endpoint_url=sandbox_endpoint, region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
        )

    return make
