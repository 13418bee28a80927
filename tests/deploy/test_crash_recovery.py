"""Quick recovery after a crash, on PostgreSQL with two app processes (gunicorn) and the one
standalone sandbox, slowed to AWS's pace. The process working on Create user is killed (SIGKILL)
half-way: its claim on the step runs out by itself (a short lease nobody renews any more), the
page then says the step was interrupted, and submitting again on the other process finishes it
within 45 s of the crash, without repeating a call that succeeded. AWS holds everything once.
Create user makes its calls in rounds, each round's calls at once: the crash comes while the
second round's four calls are under way together."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.wizard.walk import Participant
from tests.deploy.test_several_workers import PG, _admin_iam, _free_port
from tests.sandbox.sandbox_support import start_sandbox, stop_sandbox

ROOT = Path(__file__).resolve().parents[2]
RECOVERY_BUDGET = 45
REVIEW_ROUNDS = [["CreateUser", "CreateGroup"], ["CreateLoginProfile", "AttachGroupPolicy", "AddUserToGroup", "AttachUserPolicy"]]
REVIEW_CALLS = [operation for round_ in REVIEW_ROUNDS for operation in round_]


def _pg_or_skip():
    import psycopg

    try:
        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any failure means the service is not there
        pytest.skip(f"PostgreSQL is not reachable at {PG} ({exc}): start it, or set IAMWIZARD_TEST_PG.")


def _wait_for_port(port, proc, log_path, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text(errors="replace")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the app did not start:\n" + log_path.read_text(errors="replace"))


@pytest.fixture
def two_apps(tmp_path):
    """Two gunicorn processes (one worker each) on one PostgreSQL database and one sandbox."""
    _pg_or_skip()
    import psycopg

    name = f"iamwizard_crash_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    sandbox, endpoint = start_sandbox(tmp_path / "sandbox", command=("manage.py", "sandbox"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IAMWIZARD_", "DJANGO_", "REDIS_"))}
    env.update({"DATABASE_URL": f"{PG}/{name}", "IAMWIZARD_DATA_DIR": str(tmp_path), "IAMWIZARD_SANDBOX_URL": endpoint,
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_DEBUG": "0", "PYTHONPATH": str(ROOT)})
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    apps = []
    try:
        for label in ("a", "b"):
            port = _free_port()
            log_path = tmp_path / f"app-{label}.log"
            proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "iamwizard.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--worker-class", "gthread", "--threads", "4", "--timeout", "120"],
                cwd=ROOT, env=env, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
            apps.append({"proc": proc, "port": port, "log": log_path})
        for app in apps:
            _wait_for_port(app["port"], app["proc"], app["log"])
        yield {"apps": apps, "sandbox": endpoint, "db": f"{PG}/{name}"}
    finally:
        for app in apps:
            if app["proc"].poll() is None:
                os.killpg(app["proc"].pid, signal.SIGTERM)
                app["proc"].wait(30)
        stop_sandbox(sandbox)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _latency(endpoint, ms):
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_sandbox/latency", data=f"ms={ms}".encode()), timeout=10).close()


def _on(person, app):
    """The same browser (its cookies), now talking to `app`."""
    person.close()
    person.port = app["port"]
    person.origin = f"{person.scheme}://{person.host}:{person.port}"


def _review_state(db, run_id):
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        return conn.execute("SELECT status, result, lease_until < now() FROM wizard_stepstate WHERE run_id = %s AND step = 'review'",
                            (run_id,)).fetchone()


def test_a_worker_killed_mid_step_leaves_a_claim_that_runs_out_and_a_retry_finishes_once(two_apps):
    import psycopg

    first, second = two_apps["apps"]
    endpoint, db = two_apps["sandbox"], two_apps["db"]
    person = Participant(f"http://127.0.0.1:{first['port']}", tag="crash", behind_tls_proxy=False, timeout=90)
    person.get("/")
    target, _ = person.post("/", {})
    person.run_path = target.rsplit("/", 2)[0] + "/"
    run_id = person.run_path.strip("/").split("/")[-1]
    person.post(person.step("connect"), {"action": "connect"})
    person.post(person.step("user-details"), {"action": "save", "user_name": "kim", "console_access": "on",
                                                "password_type": "autogenerated", "must_reset": "on"})
    person.post(person.step("permissions"), {"action": "save", "mode": "group", "group_name": "Admins",
                                               "policies": "arn:aws:iam::aws:policy/AdministratorAccess"})
    _latency(endpoint, 700)  # AWS's pace, slowed further: Create user now takes several seconds

    # Create user on the first process, which is killed once its first round (two calls at once)
    # is done, while the second round's four calls wait for AWS together.
    threading.Thread(target=lambda: _ignore_errors(person.request, "POST", person.step("review"), {"action": "create", "tags": ""}),
                     daemon=True).start()
    deadline = time.monotonic() + 30
    while len((_review_state(db, run_id)[1] or {}).get("progress", [])) < 2:
        assert time.monotonic() < deadline, "Create user did not get going"
        time.sleep(0.05)
    time.sleep(0.3)  # the second round's calls are sent; the sandbox answers each after 700 ms
    os.killpg(first["proc"].pid, signal.SIGKILL)
    killed_at = time.monotonic()
    first["proc"].wait(10)
    status, result, _ = _review_state(db, run_id)
    assert status == "running"
    done_before_crash = [key.split(":")[1] for key in result["progress"]]
    assert done_before_crash == REVIEW_ROUNDS[0], done_before_crash

    # The claim runs out by itself; the page then says so and offers to go on (the other process).
    _on(person, second)
    while not _review_state(db, run_id)[2]:
        assert time.monotonic() - killed_at < RECOVERY_BUDGET, "the dead process's claim never ran out"
        time.sleep(0.2)
    page = person.get(person.step("review"))
    assert "This step was interrupted" in page and 'value="create"' in page
    _latency(endpoint, 50)
    target, page = person.post(person.step("review"), {"action": "create", "tags": ""})
    recovered = time.monotonic() - killed_at
    assert recovered < RECOVERY_BUDGET, f"Create user was done {recovered:.1f} s after the crash"
    print(f"Create user done {recovered:.1f} s after the crash")
    assert ":user/kim" in page.replace("<wbr>", "") and _review_state(db, run_id)[0] == "done"

    # Nothing that succeeded was made again (the calls in flight at the crash may have reached AWS:
    # the retry then meets EntityAlreadyExists, or attaches what is attached already, and keeps what
    # is there); AWS holds everything once.
    with psycopg.connect(db, autocommit=True) as conn:
        calls = conn.execute("SELECT operation, ok FROM wizard_awscall WHERE run_id = %s AND step = 'review' ORDER BY id", (run_id,)).fetchall()
        account_id = conn.execute("SELECT account_id FROM wizard_run WHERE id = %s", (run_id,)).fetchone()[0]
    made = [operation for operation, _ in calls]
    for operation in done_before_crash:
        assert made.count(operation) == 1, (operation, calls)
    for operation in REVIEW_CALLS:
        assert [c for c in calls if c == (operation, True)] in ([], [(operation, True)]), (operation, calls)
    iam = _admin_iam(endpoint, account_id)
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["kim"]
    assert iam.get_login_profile(UserName="kim")["LoginProfile"]["UserName"] == "kim"
    assert [g["GroupName"] for g in iam.list_groups()["Groups"]] == ["Admins"]
    assert [u["UserName"] for u in iam.get_group(GroupName="Admins")["Users"]] == ["kim"]
    assert [p["PolicyName"] for p in iam.list_attached_group_policies(GroupName="Admins")["AttachedPolicies"]] == ["AdministratorAccess"]
    assert [p["PolicyName"] for p in iam.list_attached_user_policies(UserName="kim")["AttachedPolicies"]] == ["IAMUserChangePassword"]


def _ignore_errors(func, *args):
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - the process answering it is killed on purpose
        pass
