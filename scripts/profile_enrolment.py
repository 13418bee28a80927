#!/usr/bin/env python3
"""Where an enrolment's CPU goes: a measurement, not a test.

    .venv/bin/python scripts/profile_enrolment.py -n 10            # CPU per request, queries per page
    .venv/bin/python scripts/profile_enrolment.py -n 10 --profile  # and cProfile's top functions

It starts a standalone sandbox process, makes a fresh PostgreSQL database and uses a Redis db of its
own (production settings: sessions in Redis, rate limits in Redis), then walks N enrolments, each
joining one workshop as in the crowd benchmark, through Django's WSGI handler in this process (the
way gunicorn calls it, without the HTTP server). It prints, per request: the web side's CPU time (this
process, all its threads: the AWS calls made at once run in a pool of their own; the walker's own
work, parsing the pages, is included and small), the sandbox's CPU time (its process, from /proc),
the SQL queries, and per page the queries and CPU time. With --profile, cProfile's top functions of
the web side (the request threads only).
"""
import argparse
import collections
import cProfile
import http.client
import io
import os
import pstats
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("IAMWIZARD_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("IAMWIZARD_PROFILE_REDIS", "redis://127.0.0.1:6379/13")


def proc_cpu(pid):
    """CPU seconds (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10, help="enrolments measured (after 2 to warm up)")
    parser.add_argument("--profile", action="store_true", help="cProfile the web side and print its top functions")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-workshop", action="store_true", help="press Start instead of joining a workshop")
    args = parser.parse_args()

    import psycopg
    import redis

    data_dir = Path(f"/tmp/iamwizard-profile-{os.getpid()}")
    data_dir.mkdir()
    db = f"iamwizard_profile_{os.getpid()}_{secrets.token_hex(3)}"
    redis.Redis.from_url(REDIS).flushdb()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    os.environ.update({
        "IAMWIZARD_ENV": "production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "DATABASE_URL": f"{PG}/{db}", "REDIS_URL": REDIS, "IAMWIZARD_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "iamwizard.settings",
    })
    # As deploy/run.sh starts it.
    sandbox = subprocess.Popen([sys.executable, "manage.py", "sandbox", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data_dir / "sandbox")],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    endpoint = re.search(r"listening on (\S+)", sandbox.stdout.readline()).group(1)
    os.environ["IAMWIZARD_SANDBOX_URL"] = endpoint
    try:
        import django
        django.setup()
        from django.core.management import call_command
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        run(args, sandbox.pid)
    finally:
        from django.db import connections
        connections.close_all()
        sandbox.terminate()
        sandbox.wait(10)
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        redis.Redis.from_url(REDIS).flushdb()
        subprocess.run(["rm", "-rf", str(data_dir)])


def run(args, sandbox_pid):
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from iamwizard.wizard.warmup import warm_up
    from tests.wizard.walk import Participant

    warm_up()
    app = WSGIHandler()
    queries = []
    per_page = collections.defaultdict(lambda: [0, 0, 0.0])  # page -> [requests, queries, cpu seconds]

    def count_queries(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    class InProcess(Participant):
        """The HTTP walker (its headers, cookies and forms), each request handed to Django's WSGI
        handler as gunicorn does instead of a socket; counts each page's queries and CPU time."""

        def _send(self, method, path, headers, body):
            path_only, _, query = path.partition("?")
            environ = {
                "REQUEST_METHOD": method, "PATH_INFO": urllib.parse.unquote(path_only), "QUERY_STRING": query,
                "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": self.source_ip or "127.0.0.1",
                "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body or b""), "wsgi.errors": sys.stderr,
                "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
            }
            for name, value in headers.items():
                key = name.upper().replace("-", "_")
                environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
            if body:
                environ["CONTENT_LENGTH"] = str(len(body))
            captured = {}

            def start_response(status, response_headers, exc_info=None):
                captured["status"], captured["headers"] = int(status.split()[0]), response_headers

            before_q, before_cpu = len(queries), time.process_time()
            with connection.execute_wrapper(count_queries):
                chunks = app(environ, start_response)
                text = b"".join(chunks).decode()
                if hasattr(chunks, "close"):
                    chunks.close()
            page = f"{method} {re.sub(r'/run/[^/]+/', '/run/*/', path_only)}"
            entry = per_page[page]
            entry[0] += 1
            entry[1] += len(queries) - before_q
            entry[2] += time.process_time() - before_cpu
            answer = http.client.HTTPMessage()
            for name, value in captured["headers"]:
                answer[name] = value  # adds: several Set-Cookie stay several
            return captured["status"], answer, text

    code = None
    if not args.no_workshop:
        from django.contrib.auth.models import User
        from iamwizard.workshops.models import Workshop
        from django.utils import timezone
        import datetime
        trainer = User.objects.create_user("profile-trainer", password=secrets.token_urlsafe(12))
        fields = {f.name for f in Workshop._meta.get_fields()}
        values = dict(title="Profile room", target="sandbox", user_prefix="user", owner=trainer,
                      opens_at=timezone.now() - datetime.timedelta(minutes=5), closes_at=timezone.now() + datetime.timedelta(hours=4))
        workshop = Workshop.objects.create(**{k: v for k, v in values.items() if k in fields})
        code = workshop.join_code

    def enrol(i):
        person = InProcess("http://127.0.0.1:8000", tag=f"p{i}", source_ip=f"127.0.{1 + i // 250}.{1 + i % 250}")
        person.enrol(user_name=f"user{i}", join=(code, f"Participant {i}") if code else None)
        return len(person.timings)

    for i in range(2):  # warm-up: the policy catalogue, first connections
        enrol(1000 + i)
    queries.clear()
    per_page.clear()
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    web0, sandbox0, wall0 = time.process_time(), proc_cpu(sandbox_pid), time.perf_counter()
    if profiler:
        profiler.enable()
    requests = sum(enrol(i) for i in range(args.n))
    if profiler:
        profiler.disable()
    web, sandbox_cpu, wall = time.process_time() - web0, proc_cpu(sandbox_pid) - sandbox0, time.perf_counter() - wall0
    print(f"{args.n} enrolments, {requests} requests ({requests / args.n:.0f} per enrolment), {len(queries) / args.n:.0f} queries per enrolment")
    print(f"web side CPU: {web * 1000 / requests:.2f} ms per request ({web * 1000 / args.n:.0f} ms per enrolment)"
          f"{' (under cProfile: inflated)' if profiler else ''}")
    print(f"sandbox CPU:  {sandbox_cpu * 1000 / requests:.2f} ms per request ({sandbox_cpu * 1000 / args.n:.0f} ms per enrolment)")
    print(f"wall: {wall:.1f} s")
    print("\nper page: requests, queries per request, CPU ms per request (web side)")
    for page, (count, nq, cpu) in sorted(per_page.items(), key=lambda kv: -kv[1][2]):
        print(f"  {page:<40} {count:>4} {nq / count:>6.1f} {cpu * 1000 / count:>8.2f}")
    shapes = collections.Counter(re.sub(r"'[^']*'|\b\d+\b", "?", q)[:150] for q in queries)
    print("\nmost frequent queries (per enrolment):")
    for shape, count in shapes.most_common(25):
        print(f"  {count / args.n:>5.1f}  {shape}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(args.top)
        out.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
