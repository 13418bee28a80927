"""How fast is a new participant account ready? The sandbox beside plain moto. And the sandbox at
public scale: its memory after many accounts, and its restart.

Starts the sandbox (`python -m iamwizard.sandbox`) and plain, unpatched moto
(same werkzeug server, no middleware), each in its own process with
MOTO_IAM_LOAD_MANAGED_POLICIES=true, then for N new account ids times
AssumeRole into the account and the first IAM call made with the returned
credentials. Prints median and p95 of each and the ratio plain/sandbox.

With `--scale N` (e.g. 1000) it measures instead the goals of a public instance (issue 16): a
sandbox process creates and uses N accounts (AssumeRole, CreateUser, AttachUserPolicy of an AWS
managed policy, CreateLoginProfile, CreateAccessKey, ListUsers: what one enrolment leaves behind),
and the script prints its resident memory (goal <= 300 MB); then it stops the process, starts a
new one on the same data and prints the time from the start to the first answer (goal <= 3 s),
and to the first answer in an account of the first run (read from disk by then), signed with the
user's own access key. `--accounts-in-memory K` sets the sandbox's bound (default: its own).

    .venv/bin/python scripts/bench_sandbox_accounts.py [-n 30] [--baseline-n N]
    .venv/bin/python scripts/bench_sandbox_accounts.py --scale 1000 [--accounts-in-memory K]
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


def start(command, data_dir=None, env_extra=None):
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", PYTHONPATH=ROOT, **(env_extra or {}))
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


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def use_account(sts, endpoint, account_id):
    """What one enrolment leaves in an account; returns the user's own access key."""
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/iamwizard", RoleSessionName="bench")["Credentials"]
    iam = boto3.client("iam", endpoint_url=endpoint, config=CONFIG, region_name="us-east-1",
                       aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    iam.create_user(UserName="ana")
    iam.attach_user_policy(UserName="ana", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_login_profile(UserName="ana", Password="Bench-pass-12345!", PasswordResetRequired=True)
    key = iam.create_access_key(UserName="ana")["AccessKey"]
    iam.list_users()
    return key


def scale(n, accounts_in_memory):
    """The public-scale goals: memory after n accounts, and a restart's first answers."""
    command = [sys.executable, "-m", "iamwizard.sandbox", "--port", "0"]
    if accounts_in_memory:
        command += ["--accounts-in-memory", str(accounts_in_memory)]
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as data_dir:
        process, endpoint = start(command + ["--data-dir", data_dir])
        try:
            sts = boto3.client("sts", endpoint_url=endpoint, config=CONFIG, **ADMIN)
            sts.get_caller_identity()
            empty = resident_mb(process.pid)
            started = time.perf_counter()
            first = None
            for i in range(n):
                account_id = str(rng.randrange(10**11, 10**12)).zfill(12)
                key = use_account(sts, endpoint, account_id)
                if first is None:
                    first = (account_id, key)
                if (i + 1) % 100 == 0:
                    print(f"  {i + 1} accounts, {resident_mb(process.pid):.0f} MB resident, "
                          f"{time.perf_counter() - started:.0f} s", flush=True)
            time.sleep(1.5)  # the last writes land (debounced by half a second)
            full = resident_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=60)
        files = len([f for f in os.listdir(os.path.join(data_dir, "sandbox-state")) if f.endswith(".pickle")])

        t0 = time.perf_counter()
        process, endpoint = start(command + ["--data-dir", data_dir])
        try:
            boto3.client("sts", endpoint_url=endpoint, config=CONFIG, **ADMIN).get_caller_identity()
            t1 = time.perf_counter()
            account_id, key = first
            own = boto3.client("iam", endpoint_url=endpoint, config=CONFIG, region_name="us-east-1",
                               aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
            user = own.get_user()["User"]
            t2 = time.perf_counter()
            assert user["Arn"] == f"arn:aws:iam::{account_id}:user/ana", user
            policies = own.list_attached_user_policies(UserName="ana")["AttachedPolicies"]
            assert [p["PolicyName"] for p in policies] == ["ReadOnlyAccess"], policies
        finally:
            process.terminate()
            process.wait(timeout=60)

    per_account = (full - empty) / n * 1024 if n else 0
    bound = accounts_in_memory or "default"
    print(f"Sandbox at scale: {n} accounts created and used, {files} saved, accounts in memory: {bound}")
    print(f"resident memory: empty {empty:.0f} MB, after {n} accounts {full:.0f} MB ({per_account:.0f} KB per account)")
    print(f"restart: first answer {t1 - t0:.2f} s; first answer in an account of the first run "
          f"(its user's own key, read from disk) {t2 - t0:.2f} s")
    print(f"goal resident <= 300 MB after {n} accounts: {'OK' if full <= 300 else 'MISSED'} ({full:.0f} MB)")
    print(f"goal restart to first answer <= 3 s: {'OK' if t1 - t0 <= 3 else 'MISSED'} ({t1 - t0:.2f} s)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="new accounts to create (default 30)")
    parser.add_argument("--baseline-n", type=int, default=None, help="accounts for plain moto (default: n)")
    parser.add_argument("--scale", type=int, default=None, metavar="N",
                        help="measure memory and restart with N accounts created and used instead")
    parser.add_argument("--accounts-in-memory", type=int, default=None, metavar="K",
                        help="with --scale: the sandbox's bound on accounts in memory")
    args = parser.parse_args(argv)
    if args.scale is not None:
        return scale(args.scale, args.accounts_in_memory)
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
