"""deploy/run.sh as documented: two standalone sandboxes (SANDBOX_COUNT=2) and gunicorn with 3 workers, on PostgreSQL
and Redis, production settings (plain HTTP on loopback, this client playing the TLS proxy).

Two participants enrol at once over HTTP, and the access log (which names the worker pid of
each tagged request) proves that requests of one run landed on different workers and still
saw the same run, and the same emulated account in the sandbox its id names. Wrong join codes sent to
different workers are counted together in Redis.
"""
import collections
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest

from iamwizard.core import sandbox_endpoints
from tests.wizard.walk import Participant
from tests.redis_support import redis_or_skip

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("IAMWIZARD_TEST_PG", "postgres://postgres@127.0.0.1:5432")
LOG_LINE = re.compile(r"pid=<?(\d+)>? tag=(\S+) \"(\w+) (\S+) [^\"]*\" (\d{3})")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _services_or_skip() -> str:
    """The tests' own Redis database (flushed before and after); skips when PostgreSQL or Redis is not there."""
    import psycopg

    try:
        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any failure means the service is not there
        pytest.skip(f"PostgreSQL is not reachable at {PG} ({exc}): start it, or set IAMWIZARD_TEST_PG.")
    return redis_or_skip()


@pytest.fixture
def deployment(tmp_path):
    redis_url = _services_or_skip()
    import psycopg
    import redis

    name = f"iamwizard_deploy_{os.getpid()}_{secrets.token_hex(3)}"
    redis.Redis.from_url(redis_url).flushdb()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IAMWIZARD_", "DJANGO_"))}
    env.update({
        "IAMWIZARD_ENV": "production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "DATABASE_URL": f"{PG}/{name}", "REDIS_URL": redis_url,
        "IAMWIZARD_DATA_DIR": str(tmp_path), "IAMWIZARD_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "3",
        "IAMWIZARD_RATE_LIMITS": "join-wrong-code=10/600",  # the documented override: a quick test of the shared count
        "SANDBOX_PORT": "0", "SANDBOX_COUNT": "2", "PYTHON": str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else "python3",
    })
    log_path = tmp_path / "run.log"
    proc = subprocess.Popen(["bash", "deploy/run.sh"], cwd=ROOT, env=env, stdout=open(log_path, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            log = log_path.read_text(errors="replace")
            # Each worker logs once warmed up (deploy/gunicorn.conf.py's post_worker_init).
            if len(re.findall(r"worker \d+ warmed up: .*'aws_clients': \['sts', 'iam', 'sts', 'iam'\]", log)) >= 3 and "Listening at" in log:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    pass
            assert proc.poll() is None, log
            time.sleep(0.3)
        else:
            raise AssertionError("deploy/run.sh did not start:\n" + log_path.read_text(errors="replace"))
        sandboxes = re.findall(r"sandbox listening on (http://\S+)", log)
        assert len(sandboxes) == 2, log
        workers = set(re.findall(r"Booting worker with pid: (\d+)", log))
        yield {"base": f"http://127.0.0.1:{port}", "sandbox": sandboxes[0], "sandboxes": sandboxes, "workers": workers,
               "log": log_path, "db": name}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis.Redis.from_url(redis_url).flushdb()


def _served_by(log_path):
    """tag -> (pid, method, path, status), from gunicorn's access log."""
    served = {}
    for match in LOG_LINE.finditer(log_path.read_text(errors="replace")):
        pid, tag, method, path, status = match.groups()
        served[tag] = (pid, method, path, int(status))
    return served


def _admin_iam(endpoint, account_id):
    from iamwizard.sandbox import SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY

    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=SANDBOX_ACCESS_KEY, aws_secret_access_key=SANDBOX_SECRET_KEY)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/test", RoleSessionName="tests")["Credentials"]
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def test_three_workers_share_runs_accounts_and_rate_limits(deployment):
    import psycopg

    base = deployment["base"]
    people = [Participant(base, tag=f"p{i}") for i in range(3)]
    errors = []

    def walk(person, user_name):
        try:
            person.enrol(user_name=user_name)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{person.tag}: {exc!r}")

    threads = [threading.Thread(target=walk, args=(p, f"user{i}")) for i, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors
    time.sleep(0.5)  # let gunicorn flush the access log
    served = _served_by(deployment["log"])

    switches = 0
    for person in people:
        pids = [served[f"{person.tag}:{n}"][0] for n in range(1, person.seq + 1)]
        assert set(pids) <= deployment["workers"]
        # The run was created on one worker and carried on by others: every request saw the same run.
        assert len(set(pids)) >= 2, f"{person.tag}: every request landed on worker {pids[0]}"
        switches += sum(1 for a, b in zip(pids, pids[1:]) if a != b)
    assert switches >= 6, switches
    assert len({served[t][0] for t in served if t.startswith("p")}) == 3, "not all three workers served the walk"

    # The same emulated accounts, each in the sandbox its id names (run.sh starts two, SANDBOX_COUNT=2):
    # each user with its MFA device there, and unknown to the other sandbox.
    accounts = {p.account_id for p in people}
    assert len(accounts) == 3
    for i, person in enumerate(people):
        home = sandbox_endpoints.index_for(person.account_id, 2)
        assert person.account_id.startswith(f"0{home:02d}")
        iam = _admin_iam(deployment["sandboxes"][home], person.account_id)
        assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName=f"user{i}")["MFADevices"]] == [
            f"arn:aws:iam::{person.account_id}:mfa/user{i}"]
        assert _admin_iam(deployment["sandboxes"][1 - home], person.account_id).list_users()["Users"] == []

    # And in PostgreSQL: every step of every run done, every AWS call recorded.
    with psycopg.connect(f"{PG}/{deployment['db']}") as conn:
        runs = [p.run_path.strip("/").split("/")[-1] for p in people]
        states = conn.execute("SELECT status, count(*) FROM wizard_stepstate WHERE run_id = ANY(%s) GROUP BY status", (runs,)).fetchall()
        assert dict(states).keys() == {"done"}, states
        calls = conn.execute("SELECT count(*) FROM wizard_awscall WHERE run_id = ANY(%s)", (runs,)).fetchone()[0]
        assert calls >= 3 * 10

    # Rate limits are counted in Redis, whichever worker answers: the 11th wrong join code is refused.
    # Ten at once (so that several workers pick them up), then the eleventh.
    probers = [Participant(base, tag=f"join{i}") for i in range(11)]
    for prober in probers:
        prober.cookies = probers[0].cookies
    probers[0].get("/join/")

    def wrong_code(prober):
        return prober.request("POST", "/join/", {"code": "ZZZZ-ZZZZ", "display_name": "Mallory"})[0]

    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(wrong_code, probers[1:]))
    assert statuses == [400] * 10, statuses
    assert wrong_code(probers[0]) == 429
    time.sleep(0.5)
    served = _served_by(deployment["log"])
    join_pids = collections.Counter(served[f"join{i}:1"][0] for i in range(1, 11))
    assert len(join_pids) >= 2, join_pids  # counted together although different workers answered


def test_resume_link_is_in_no_log_no_column_and_no_later_url(deployment):
    """A whole run with access logging on, then the run opened on a second device with its link:
    the link's key is in no log line, no database column, and no URL but the link itself."""
    import base64

    import psycopg

    base = deployment["base"]
    owner = Participant(base, tag="owner")
    run_id = owner.enrol(user_name="keyholder")
    owner.ask_resume_link("finish")
    key = urllib.parse.parse_qs(urllib.parse.urlsplit(owner.resume_link).query)["key"][0]
    assert len(key) >= 32 and run_id not in owner.resume_link

    second_device = Participant(base, tag="device2")
    page = second_device.open_resume_link(owner.resume_link)
    assert "Done" in page and second_device.run_path == owner.run_path
    stranger = Participant(base, tag="stranger")  # has the public reference only, e.g. from a log line
    status, _, page = stranger.request("GET", owner.step("finish"))
    assert status == 403 and "Open your resume link" in page
    assert stranger.request("GET", f"/run/{run_id}/")[0] == 403

    time.sleep(0.5)  # let gunicorn flush the access log
    log = deployment["log"].read_text(errors="replace")
    assert "GET /resume/ " in log and f"/run/{run_id}/finish/" in log  # the requests were logged...
    assert key not in log  # ...without the key
    visited = [path for who in (owner, second_device, stranger) for _, path, *_ in who.timings]
    assert [path for path in visited if key in path] == [f"/resume/?key={key}"]

    with psycopg.connect(f"{PG}/{deployment['db']}") as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        hits = []
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    text = bytes(value).decode("latin-1") if isinstance(value, (bytes, memoryview)) else str(value)
                    decoded = ""
                    try:
                        decoded = base64.b64decode(text + "==", validate=False).decode("latin-1")
                    except ValueError:
                        pass
                    if key in text or key in decoded:
                        hits.append(table)
        assert tables and not hits, hits
