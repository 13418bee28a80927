"""How fast is a new participant account ready? The sandbox beside plain moto.

Starts the sandbox (`python -m iamwizard.sandbox`) and plain, unpatched moto
(same werkzeug server, no middleware), each in its own process with
MOTO_IAM_LOAD_MANAGED_POLICIES=true, then for N new account ids times
AssumeRole into the account and the first IAM call made with the returned
credentials. Prints median and p95 of each and the ratio plain/sandbox.

    .venv/bin/python scripts/bench_sandbox_accounts.py [-n 30] [--baseline-n N]
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PLAIN_MOTO = """
import os, sys
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server
server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True)
print("Plain moto listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
"""

ADMIN = dict(region_name="us-east-1", aws_access_key_id="AKIASANDBOXADMIN0000",
             aws_secret_access_key="sandbox-secret-not-a-real-key")
CONFIG = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=120)


def start(command, data_dir=None):
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", PYTHONPATH=ROOT)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return process, line.strip().rsplit(" ", 1)[-1]


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(endpoint, n, seed):
    sts = boto3.client("sts", endpoint_url=endpoint, config=CONFIG, **ADMIN)
    sts.get_caller_identity()  # warm up the server's first-request paths (not account creation)
    rng = random.Random(seed)
    assume, first, ready = [], [], []
    for _ in range(n):
        account_id = str(rng.randrange(10**11, 10**12)).zfill(12)
        t0 = time.perf_counter()
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/iamwizard",
                                RoleSessionName="bench")["Credentials"]
        t1 = time.perf_counter()
        iam = boto3.client("iam", endpoint_url=endpoint, config=CONFIG, region_name="us-east-1",
                           aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"])
        t2 = time.perf_counter()
        iam.list_users()
        t3 = time.perf_counter()
        assume.append(t1 - t0)
        first.append(t3 - t2)
        ready.append((t1 - t0) + (t3 - t2))
    return {"assume": assume, "first": first, "ready": ready}


def row(label, values):
    return (f"{label:<34} median {statistics.median(values) * 1000:8.1f} ms   "
            f"p95 {percentile(values, 0.95) * 1000:8.1f} ms")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="new accounts to create (default 30)")
    parser.add_argument("--baseline-n", type=int, default=None, help="accounts for plain moto (default: n)")
    args = parser.parse_args(argv)
    baseline_n = args.baseline_n or args.n

    results = {}
    with tempfile.TemporaryDirectory() as data_dir:
        process, endpoint = start([sys.executable, "-m", "iamwizard.sandbox", "--port", "0", "--data-dir", data_dir])
        try:
            results["sandbox"] = measure(endpoint, args.n, seed=1)
        finally:
            process.terminate()
            process.wait(timeout=30)
    process, endpoint = start([sys.executable, "-c", PLAIN_MOTO])
    try:
        results["plain moto"] = measure(endpoint, baseline_n, seed=2)
    finally:
        process.terminate()
        process.wait(timeout=30)

    print(f"New participant accounts: sandbox n={args.n}, plain moto n={baseline_n}")
    for name in ("sandbox", "plain moto"):
        print(row(f"{name}: AssumeRole", results[name]["assume"]))
        print(row(f"{name}: first IAM call", results[name]["first"]))
        print(row(f"{name}: ready (both)", results[name]["ready"]))
    sandbox = statistics.median(results["sandbox"]["ready"])
    plain = statistics.median(results["plain moto"]["ready"])
    print(f"ratio plain/sandbox (median ready): {plain / sandbox:.1f}x")
    print(f"sandbox median ready {sandbox * 1000:.1f} ms (target <= 50 ms): {'OK' if sandbox <= 0.050 else 'SLOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
