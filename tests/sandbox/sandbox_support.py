"""Helpers for the sandbox tests: start the sandbox process, clients in fresh accounts."""
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"aws_access_key_id": "AKIASANDBOXADMIN0000", "aws_secret_access_key": "sandbox-secret-not-a-real-key"}
REGION = "us-east-1"


def start_sandbox(data_dir, timeout=60, command=("-m", "iamwizard.sandbox")):
    """Start `python -m iamwizard.sandbox --port 0 --data-dir D` (or another `command` that
    prints "Sandbox listening on URL", such as `manage.py sandbox`); return (process, endpoint)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, *command, "--port", "0", "--data-dir", str(data_dir)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        match = re.search(r"Sandbox listening on (http://\S+)", line)
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("the sandbox did not start")


def stop_sandbox(proc):
    proc.terminate()
    proc.wait(timeout=20)


def new_account_id():
    return str(random.SystemRandom().randrange(10**11, 10**12))


def clients_for(endpoint, account_id, services=("iam",)):
    sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION, **ADMIN)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/iamwizard", RoleSessionName="tests")["Credentials"]
    made = [boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                         aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"]) for service in services]
    return made[0] if len(made) == 1 else made
