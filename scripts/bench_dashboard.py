#!/usr/bin/env python3
"""Benchmark the trainer's live dashboard refresh: not a timed test, a measurement. Prints its figures
and writes them to bench-results/dashboard.json.

    .venv/bin/python scripts/bench_dashboard.py                     # 200 participants, 60 refreshes
    .venv/bin/python scripts/bench_dashboard.py --against a0fe9af   # and the same on older code, alternating
    .venv/bin/python scripts/bench_dashboard.py --profile           # cProfile of the refreshes, top functions

It makes a fresh PostgreSQL database (dropped at the end) with one trainer and one workshop of
--participants people in varied, realistic states: finished (with the two dozen AWS calls an enrolment
makes), midway with refused tries on their step (MFA clock off, password too short...), a failed step,
a failed AWS call, asking for help, idle long enough to count as stuck, reset by the trainer from a
step. Then the trainer's browser (signed in with password and TOTP, its session in Redis as in
deploy/run.sh) fetches the live part of the dashboard (`/trainer/workshops/<pk>/live/`) as
static/js/dashboard.js does, --refreshes times, in-process through every middleware (Django's test
client, production settings): no network, no gunicorn, so the figure is the server's own time for the
request. Printed: p50/p95 of that time and of its CPU time (the whole request's, and the view's own
from its Server-Timing header: CPU time hardly depends on what else the machine runs, wall time does),
the SQL queries per refresh (the trainer's user and TOTP device and the workshop included), the bytes of
the answer; then the same refreshes sending the ETag the page holds (If-None-Match), back to back, as
static/js/dashboard.js does, when the answer carries one.

--against REF measures the same requests on the code of another commit (extracted with `git archive`,
same database, same data), in alternating rounds, so that both sides meet the same machine load, and
prints the ratio of the p95s. Each side runs in its own fresh Python process.
"""
import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("IAMWIZARD_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("IAMWIZARD_BENCH_DASHBOARD_REDIS", "redis://127.0.0.1:6379/13")
GOAL_P95_MS = 50


def pct(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def django_env(db_name: str) -> dict:
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "iamwizard.settings", "IAMWIZARD_ENV": "production",
        "DJANGO_SECRET_KEY": "bench-dashboard-" + "x" * 40, "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"{PG}/{db_name}", "REDIS_URL": REDIS,
    }


def setup_django(code_root: Path, db_name: str):
    os.environ.update(django_env(db_name))
    sys.path.insert(0, str(code_root))
    import django

    django.setup()


# --- the room --------------------------------------------------------------------------------------

REFUSALS = {  # kinds a step refuses, with recordable parameters (never anything typed)
    "user-details": [("user_name.lacks_prefix", {"prefix": "ws-"}, "user_name"), ("name.bad_chars", {"name": "user_name"}, "user_name"),
                     ("user_name.taken", {}, "user_name")],
    "permissions": [("name.empty", {"name": "group_name"}, "group_name")],
    "sign-in-details": [("password.too_short", {"min": 14}, "password"), ("password.no_symbol", {}, "password")],
    "sign-in": [("password.retyped_differently", {}, "new_password"), ("password.same_as_old", {}, "new_password")],
    "mfa": [("mfa.clock_off", {"minutes": 4, "direction": "ahead"}, ""), ("mfa.same_code_twice", {}, "code2"),
            ("mfa.not_consecutive", {}, ""), ("mfa.code_length", {"code": 1, "digits": 5}, "code1")],
    "mfa-sign-in": [("mfa.code_reused", {}, "code")],
}
CALLS = ["GetUser", "CreateUser", "ListGroups", "CreateGroup", "AttachGroupPolicy", "AddUserToGroup", "CreateLoginProfile",
         "GetLoginProfile", "CreateVirtualMFADevice", "EnableMFADevice", "ListMFADevices", "GetAccountPasswordPolicy"]


def populate(n: int, seed: int = 12) -> dict:
    """One trainer, one workshop, `n` participants in varied states; returns what the measurer needs."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from iamwizard.wizard.models import AwsCall, Refusal, Run, StepState, new_run_id, new_sandbox_account_id
    from iamwizard.wizard.steps import STEPS
    from iamwizard.workshops import services
    from iamwizard.workshops.models import Participant

    rnd = random.Random(seed)
    slugs = [s.slug for s in STEPS]
    now = timezone.now()
    user = get_user_model().objects.create_user(username="bench-trainer", password=secrets.token_urlsafe(16))
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    workshop = services.create_workshop(user, {"title": "IAM basics", "target": "sandbox", "role_arn": "", "user_prefix": "ws-",
                                               "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(hours=3)})
    runs, people, states, calls, refusals = [], [], [], [], []
    kinds = {}
    for i in range(n):
        joined = now - timedelta(minutes=rnd.uniform(20, 50))
        kind = ("finished", "finished", "finished", "finished", "midway", "midway", "failed", "aws-error", "help", "idle", "reset")[i % 11]
        kinds[kind] = kinds.get(kind, 0) + 1
        done = len(slugs) if kind == "finished" else rnd.randint(1, len(slugs) - 2)
        run = Run(id=new_run_id(), target="sandbox", account_id=new_sandbox_account_id(), current_step=slugs[min(done, len(slugs) - 1)],
                  answers={"user-details": {"user_name": f"ws-p{i}"}})
        runs.append(run)
        step_minutes = rnd.uniform(1, 3) if kind != "idle" else 1
        finished_at = {slug: joined + timedelta(minutes=step_minutes * (k + 1)) for k, slug in enumerate(slugs[:done])}
        if kind == "idle":  # finished its last step 15 minutes ago and tried nothing since
            shift = now - timedelta(minutes=15) - max(finished_at.values())
            finished_at = {slug: at + shift for slug, at in finished_at.items()}
        current = run.current_step
        reset_at = now - timedelta(minutes=4) if kind == "reset" else None
        for slug in slugs:
            state = StepState(run_id=run.id, step=slug, started_at=finished_at.get(slug))
            if slug in finished_at:
                state.status, state.finished_at = StepState.DONE, finished_at[slug]
                state.result = {"read_back": {"UserName": f"ws-p{i}", "Arn": f"arn:aws:iam::{run.account_id}:user/ws-p{i}"}}
            if slug == current and kind == "failed":
                state.status, state.error_code, state.error_message = StepState.FAILED, "EntityAlreadyExists", "User with name ws-p%d already exists." % i
                state.finished_at = now - timedelta(minutes=2)
            if slug == current and kind == "reset":
                state.reset_at = reset_at
            states.append(state)
        for slug, at in finished_at.items():  # about 24 calls per enrolment, a few per step
            for c in range(rnd.randint(2, 4)):
                calls.append(AwsCall(run_id=run.id, step=slug, at=at - timedelta(seconds=10 - c), service="iam", operation=rnd.choice(CALLS),
                                     ok=True, milliseconds=rnd.randint(5, 80), parameters={"UserName": f"ws-p{i}"}))
        calls.append(AwsCall(run_id=run.id, step="connect", at=joined + timedelta(seconds=5), service="iam", operation="GetAccountPasswordPolicy",
                             ok=False, error_code="NoSuchEntity"))  # an existence probe: not an error anybody made
        if kind == "aws-error":
            calls.append(AwsCall(run_id=run.id, step=current, at=now - timedelta(minutes=1), service="iam", operation="CreateVirtualMFADevice",
                                 ok=False, error_code="LimitExceeded"))
        # Refused tries: some on steps already done (they no longer count), some on the current step.
        for slug in slugs[:done]:
            for kind_, params, field in rnd.sample(REFUSALS.get(slug, []), k=min(len(REFUSALS.get(slug, [])), rnd.randint(0, 1))):
                refusals.append(Refusal(run_id=run.id, step=slug, kind=kind_, params=params, field=field, at=finished_at[slug] - timedelta(seconds=30)))
        if kind in ("midway", "help", "reset", "aws-error") and REFUSALS.get(current):
            tries = rnd.randint(1, 5)
            for t in range(tries):
                kind_, params, field = rnd.choice(REFUSALS[current])
                refusals.append(Refusal(run_id=run.id, step=current, kind=kind_, params=params, field=field, at=now - timedelta(seconds=20 * (tries - t) + 5)))
        if kind == "reset":  # tries from before the reset no longer count
            refusals.append(Refusal(run_id=run.id, step=current, kind="mfa.invalid", params={}, at=reset_at - timedelta(minutes=1)))
        people.append(Participant(workshop=workshop, run_id=run.id, display_name=f"Person {i:03d}", joined_at=joined, restarted_at=joined,
                                  help_requested_at=now - timedelta(minutes=3) if kind == "help" else None,
                                  help_note="The MFA codes <never> match & I tried twice" if kind == "help" else "",
                                  reset_from=current if kind == "reset" else ""))
    Run.objects.bulk_create(runs)
    StepState.objects.bulk_create(states, batch_size=2000)
    AwsCall.objects.bulk_create(calls, batch_size=2000)
    Refusal.objects.bulk_create(refusals, batch_size=2000)
    Participant.objects.bulk_create(people)
    return {"workshop": workshop.pk, "user": user.pk, "device": device.persistent_id,
            "rows": {"states": len(states), "aws_calls": len(calls), "refusals": len(refusals)}, "kinds": kinds}


# --- the measure -------------------------------------------------------------------------------------

def measure(room: dict, refreshes: int, warmup: int, profile: bool = False) -> dict:
    """The trainer's browser refreshes the live part `refreshes` times (after `warmup` unmeasured)."""
    import cProfile
    import io
    import pstats
    import re

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY

    client = Client()
    client.force_login(get_user_model().objects.get(pk=room["user"]))
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = room["device"]
    session.save()
    url = f"/trainer/workshops/{room['workshop']}/live/"

    request_cpu = []

    def one(**headers):
        started, cpu = time.perf_counter(), time.thread_time()
        response = client.get(url, **headers)
        took = (time.perf_counter() - started) * 1000
        request_cpu.append((time.thread_time() - cpu) * 1000)
        assert response.status_code in (200, 304), response.status_code
        timing = dict(re.findall(r"(\w+);dur=([\d.]+)", response.get("Server-Timing", "")))
        return response, took, float(timing.get("cpu", "nan"))

    first, _, _ = one()
    body = first.content.decode()
    rows = body.count('id="participant-')
    assert rows == room["participants"], f"{rows} rows shown for {room['participants']} participants"
    with CaptureQueriesContext(connection) as captured:
        one()
    queries = len(captured)  # now: each request empties the log
    for _ in range(warmup):
        one()
    profiler = cProfile.Profile() if profile else None
    wall, cpu = [], []
    if profiler:
        profiler.enable()
    request_cpu.clear()
    for _ in range(refreshes):
        _, took, view_cpu = one()
        wall.append(took)
        cpu.append(view_cpu)
    if profiler:
        profiler.disable()
    whole_cpu = list(request_cpu)
    figures = {
        "refreshes": refreshes, "rows": rows, "bytes": len(first.content), "queries": queries,
        "p50_ms": round(pct(wall, 50), 2), "p95_ms": round(pct(wall, 95), 2), "max_ms": round(max(wall), 2),
        "cpu_p50_ms": round(pct(cpu, 50), 2), "cpu_p95_ms": round(pct(cpu, 95), 2), "samples_ms": [round(w, 2) for w in wall],
        "request_cpu_p50_ms": round(pct(whole_cpu, 50), 2), "request_cpu_p95_ms": round(pct(whole_cpu, 95), 2),
    }
    etag = first.get("ETag")
    if etag:  # the page's next refreshes, back to back, sending its ETag as static/js/dashboard.js does
        validated, statuses = [], []
        with CaptureQueriesContext(connection) as captured:
            response, _, _ = one(HTTP_IF_NONE_MATCH=etag)
        figures["conditional_queries"] = len(captured)  # now: each request empties the log
        for _ in range(refreshes):
            response, took, _ = one(HTTP_IF_NONE_MATCH=etag)
            etag = response.get("ETag", etag)
            validated.append(took)
            statuses.append(response.status_code)
        figures["conditional_304"] = statuses.count(304)
        figures["conditional_p50_ms"], figures["conditional_p95_ms"] = round(pct(validated, 50), 2), round(pct(validated, 95), 2)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        out.write("\n--- by own time ---\n")
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        figures["profile"] = out.getvalue()
    return figures


# --- orchestration -----------------------------------------------------------------------------------

def create_database() -> str:
    import psycopg

    name = f"iamwizard_bench_dash_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str):
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def side(code_root: Path, db_name: str, room: dict, refreshes: int, warmup: int, profile=False) -> dict:
    """Measure in a fresh Python process on the code under `code_root`."""
    job = {"code_root": str(code_root), "db": db_name, "room": room, "refreshes": refreshes, "warmup": warmup, "profile": profile}
    done = subprocess.run([sys.executable, __file__, "--measure-job", json.dumps(job)], env=django_env(db_name), cwd=code_root,
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"measuring on {code_root} failed:\n{done.stderr[-4000:]}")
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def extract(ref: str) -> Path:
    """The tree of commit `ref`, in a temporary folder (its .venv is this one's)."""
    target = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def summary_line(name, f):
    line = (f"{name:<10} server time p50 {f['p50_ms']:6.1f} ms, p95 {f['p95_ms']:6.1f} ms (max {f['max_ms']:.1f}); CPU of the whole request p50 "
            f"{f['request_cpu_p50_ms']:.1f} ms, p95 {f['request_cpu_p95_ms']:.1f} ms, of the view (Server-Timing) p50 {f['cpu_p50_ms']:.1f} ms, "
            f"p95 {f['cpu_p95_ms']:.1f} ms; {f['queries']} queries; {f['bytes'] / 1024:.1f} KB")
    if "conditional_p95_ms" in f:
        line += (f"\n{'':<10} sending its ETag (If-None-Match), back to back: {f['conditional_304']} of {f['refreshes']} answered 304 "
                 f"(nothing shown had changed); p50 {f['conditional_p50_ms']:.1f} ms, p95 {f['conditional_p95_ms']:.1f} ms, {f['conditional_queries']} queries")
    return line


def merged(rounds: list) -> dict:
    """The rounds of one side as one set of samples (p50/p95 over every refresh)."""
    wall = [s for r in rounds for s in r["samples_ms"]]
    first = rounds[0]
    out = {**first, "refreshes": len(wall), "p50_ms": round(pct(wall, 50), 2), "p95_ms": round(pct(wall, 95), 2), "max_ms": round(max(wall), 2),
           "cpu_p50_ms": round(statistics.median(r["cpu_p50_ms"] for r in rounds), 2), "cpu_p95_ms": round(max(r["cpu_p95_ms"] for r in rounds), 2),
           "request_cpu_p50_ms": round(statistics.median(r["request_cpu_p50_ms"] for r in rounds), 2),
           "request_cpu_p95_ms": round(max(r["request_cpu_p95_ms"] for r in rounds), 2)}
    for key in ("conditional_p50_ms", "conditional_p95_ms"):
        if key in first:
            out[key] = round(statistics.median(r[key] for r in rounds), 2)
    if "conditional_304" in first:
        out["conditional_304"] = sum(r["conditional_304"] for r in rounds)
    out.pop("samples_ms")
    out.pop("profile", None)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--participants", type=int, default=200)
    parser.add_argument("--refreshes", type=int, default=60, help="measured refreshes per side (split over --rounds)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side with --against")
    parser.add_argument("--against", metavar="REF", help="also measure the code of this commit, in alternating rounds")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of this code's refreshes")
    parser.add_argument("--measure-job", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure_job:  # one side, in its own process
        job = json.loads(args.measure_job)
        setup_django(Path(job["code_root"]), job["db"])
        print(json.dumps(measure(job["room"], job["refreshes"], job["warmup"], job["profile"])))
        return

    import redis

    if not redis.ConnectionPool.from_url(REDIS).connection_kwargs.get("db"):
        parser.error(f"IAMWIZARD_BENCH_DASHBOARD_REDIS={REDIS} names database 0: give the benchmark one of its own")
    db_name = create_database()
    old_tree = None
    try:
        setup_django(ROOT, db_name)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        room = populate(args.participants)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the statistics a live database has
        room["participants"] = args.participants
        print(f"{args.participants} participants on PostgreSQL ({db_name}): {room['kinds']}; {room['rows']} "
              f"(made in {time.perf_counter() - started:.1f} s)", flush=True)
        from django.db import connections

        connections.close_all()
        results = {"participants": args.participants, "room": room, "goal_p95_ms": GOAL_P95_MS,
                   "load_average_at_start": os.getloadavg()}
        if args.profile:
            figures = side(ROOT, db_name, room, args.refreshes, args.warmup, profile=True)
            print(figures.pop("profile"))
            print(summary_line("this code", figures))
            return
        sides = {"this code": ROOT}
        if args.against:
            old_tree = extract(args.against)
            sides[args.against] = old_tree
        per_round = max(1, args.refreshes // (args.rounds if args.against else 1))
        rounds = {name: [] for name in sides}
        for r in range(args.rounds if args.against else 1):
            for name, tree in (sides.items() if r % 2 == 0 else reversed(sides.items())):
                rounds[name].append(side(tree, db_name, room, per_round, args.warmup))
                print(f"  round {r + 1}, {name}: p95 {rounds[name][-1]['p95_ms']:.1f} ms", flush=True)
        results["load_average_at_end"] = os.getloadavg()
        results["sides"] = {name: merged(found) for name, found in rounds.items()}
        print(f"\nThe live refresh with {args.participants} participants, in-process (production settings, PostgreSQL, "
              f"sessions in Redis); load average {results['load_average_at_start'][0]:.1f} at start, {results['load_average_at_end'][0]:.1f} at end:")
        for name, figures in results["sides"].items():
            print(summary_line(name, figures))
        if args.against:
            new, old = results["sides"]["this code"], results["sides"][args.against]
            results["ratio_p95"] = round(new["p95_ms"] / old["p95_ms"], 3)
            results["ratio_p50"] = round(new["p50_ms"] / old["p50_ms"], 3)
            print(f"this code / {args.against}: p50 {results['ratio_p50']:.2f}×, p95 {results['ratio_p95']:.2f}×")
        p95 = results["sides"]["this code"]["p95_ms"]
        print(f"goal: p95 <= {GOAL_P95_MS} ms: {'met' if p95 <= GOAL_P95_MS else 'NOT met'} ({p95:.1f} ms)")
        out = ROOT / "bench-results"
        out.mkdir(exist_ok=True)
        (out / "dashboard.json").write_text(json.dumps(results, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(db_name)
        if old_tree:
            shutil.rmtree(old_tree, ignore_errors=True)


if __name__ == "__main__":
    main()
